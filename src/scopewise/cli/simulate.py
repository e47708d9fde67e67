"""``scopewise simulate``: screen a labelled dataset as a reviewer would, and score the order.

The dataset follows ASReview's conventions (:mod:`scopewise.cli.labelled`): a CSV, TSV,
Excel or RIS file with a label on every record (``label_included`` or one of ASReview's
label columns, 1 or 0), ``title``, ``abstract`` and optionally ``keywords``, and a
``record_id`` column (else the 0-based row number identifies a record).
"""

from __future__ import annotations

import csv
import math
import os
import sys
import tempfile
from pathlib import Path

import click
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from scopewise import jsonout
from scopewise.cli.labelled import read_labelled
from scopewise.errors import UsageError
from scopewise.screening.rankers import available_rankers, get_ranker
from scopewise.screening.simulate import SimulationResult
from scopewise.screening.simulate import simulate as run_simulation
from scopewise.screening.stopping import (
    DEFAULT_STOP_RULE,
    DEFAULT_STOP_RULE_OTHER_TARGETS,
    STOP_RULE_NAMES,
    get_stopping_rule,
)
from scopewise.sources.textfile import decode_text

__all__ = ["COMMANDS", "simulate"]

def _criteria_text(path: Path) -> str:
    """The criteria text in whatever encoding it was saved; a binary file is refused."""
    try:
        text = decode_text(path.read_bytes())
    except UnicodeDecodeError as exc:  # a BOM that the rest of the file contradicts
        raise UsageError(f"{path}: cannot read the criteria as {exc.encoding} text") from None
    if text is None:
        raise UsageError(f"{path}: the criteria file is not text (binary content)")
    return text


def _write_order(path: Path, ids: list[str], result: SimulationResult) -> None:
    """ORDER.csv, written to a temporary file first so a failure leaves nothing behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".order-", suffix=".csv", dir=path.parent)
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["rank", "record_id", "label", "prior"])
            for rank, (position, label, prior) in enumerate(
                    zip(result.order, result.labels, result.prior, strict=True), start=1):
                writer.writerow([rank, ids[position], int(label), int(prior)])
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _percent(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.1%}"


def _number(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.3f}"


@click.command("simulate")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--ranker", default="scopewise", show_default=True,
              help=f"Ranker by name ({', '.join(available_rankers())}).")
@click.option("--prior-included", type=click.IntRange(min=0), default=1, show_default=True,
              help="Relevant records the reviewer starts from, drawn at random.")
@click.option("--prior-excluded", type=click.IntRange(min=0), default=1, show_default=True,
              help="Irrelevant records the reviewer starts from, drawn at random.")
@click.option("--prior-record-ids", default=None,
              help="Comma-separated record ids to start from instead of a random draw.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the draws.")
@click.option("--criteria", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Text file with the review's questions and criteria (cold start).")
@click.option("--stop-rule", type=click.Choice(STOP_RULE_NAMES), default=None,
              help=f"Stop when this rule says so, and report the recall reached "
                   f"(default: {DEFAULT_STOP_RULE} at target 0.95, "
                   f"{DEFAULT_STOP_RULE_OTHER_TARGETS} at other targets).")
@click.option("--target-recall", type=click.FloatRange(min=0, max=1, min_open=True,
                                                       max_open=True),
              default=0.95, show_default=True,
              help="The recall the stop rule aims at (0.9, 0.95, 0.99, ...).")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="ORDER.csv to write: rank, record_id, label, prior.")
@click.option("--summary", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Also write the metrics and stop report as JSON here.")
def simulate(file: Path, ranker: str, prior_included: int, prior_excluded: int,
             prior_record_ids: str | None, seed: int, criteria: Path | None,
             stop_rule: str | None, target_recall: float, output: Path,
             summary: Path | None) -> None:
    """Screen the labelled dataset FILE (CSV, TSV, Excel or RIS) as a reviewer would and
    score the order.

    The simulated reviewer starts from the prior records, then screens one record at
    a time in the order the ranker chooses; the ranker is retrained after every
    decision and never sees a label before that record is screened.
    """
    ids, records, labels = read_labelled(file)
    criteria_text = None
    if criteria is not None:
        try:
            criteria_text = _criteria_text(criteria)
        except OSError as error:
            raise UsageError(f"{criteria}: cannot read the criteria ({error.strerror})") from None
    priors = None
    if prior_record_ids:
        where = {record_id: i for i, record_id in enumerate(ids)}
        wanted = [p.strip() for p in prior_record_ids.split(",") if p.strip()]
        missing = [p for p in wanted if p not in where]
        if missing:
            raise UsageError(f"--prior-record-ids: no record with id {missing[0]} in {file}")
        priors = [where[p] for p in wanted]
    elif prior_included + prior_excluded == 0 and criteria_text is None and ranker != "random":
        raise UsageError("with no prior records, give --criteria FILE.txt so the ranker can start")
    model = get_ranker(ranker)
    rule = get_stopping_rule(stop_rule, target_recall=target_recall) if stop_rule else None

    with Progress(TextColumn("Screening"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), transient=True, disable=not sys.stderr.isatty(),
                  console=None) as progress:
        task = progress.add_task("screen", total=len(records))
        result = run_simulation(
            records, labels, model, prior_included=prior_included,
            prior_excluded=prior_excluded, seed=seed, criteria=criteria_text, stop_rule=rule,
            priors=priors, progress=lambda done: progress.update(task, completed=done))
    _write_order(output, ids, result)

    m = result.metrics
    checks = int((result.checked > 0).sum())  # records the rule screened as checks
    click.echo(f"Screened {result.n_screened} of {len(records)} records "
               f"({result.n_priors} prior) in {result.seconds:.1f} s with ranker {ranker!r}; "
               f"order written to {output}.")
    click.echo(f"Recall after screening 10%: {_percent(m.recall_at_10)}")
    click.echo(f"WSS@95: {_number(m.wss_95)} (a perfect order: {_number(m.wss_95_limit)})")
    click.echo(f"WSS@100: {_number(m.wss_100)}")
    click.echo(f"Average time to discovery: {_number(m.atd)}")
    if result.stop is not None and result.stopped_at is not None:
        s = result.stop
        among = f" (among them {checks} screened as checks)" if checks else ""
        click.echo(f"Stop rule {s.rule!r} stopped after {result.stopped_at - result.n_priors} "
                   f"screened records{among} with {s.unscreened} left unscreened; recall reached "
                   f"{_percent(result.recall_at_stop or float('nan'))} (target "
                   f"{target_recall:g}).")
        click.echo(f"The rule said: {s.detail}")
    if summary is not None:
        data = {"metrics": m.as_dict(), "n_screened": result.n_screened,
                "n_priors": result.n_priors, "seconds": result.seconds,
                "stop": result.stop.as_dict() if result.stop else None,
                "stop_rule": stop_rule, "target_recall": target_recall if stop_rule else None,
                "stopped_at": result.stopped_at, "recall_at_stop": result.recall_at_stop,
                "checks_screened": checks}
        summary.write_text(jsonout.dumps(data, indent=2), encoding="utf-8")


COMMANDS = [simulate]

if __name__ == "__main__":  # used by bench/screening.py: the whole command in a fresh process
    from scopewise.cli import main

    main(["simulate", *sys.argv[1:]])

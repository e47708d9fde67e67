"""``scopewise screen``: screen records, resolve conflicts, measure agreement, file full texts.

Record text is printed as plain text: nothing in a title or abstract is read as markup,
and control characters (which could drive the terminal) are dropped.
"""

from __future__ import annotations

import re
import shlex
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

import click

from scopewise.errors import UsageError
from scopewise.review import Review
from scopewise.review.screening import NextRecord
from scopewise.screening.agreement import PairAgreement
from scopewise.screening.decisions import STAGE_LABELS

if TYPE_CHECKING:
    from scopewise.screening.stopping import StopReport

__all__ = ["COMMANDS", "screen"]

ACTIONS = (
    "--next",
    "--session",
    "--decide",
    "--import-decisions",
    "--conflicts",
    "--resolve",
    "--agreement",
    "--attach",
    "--not-retrieved",
    "--pilot",
    "--close-pilot",
    "--stopping",
)


_ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|.)")


def plain(text: str) -> str:
    """``text`` without terminal escape sequences or control characters (newlines and
    tabs kept), so nothing in a record can drive the reviewer's terminal."""
    text = _ANSI.sub("", text)
    return "".join(
        ch for ch in text if ch in "\n\t" or not unicodedata.category(ch).startswith("C")
    )


def _print_next(item: NextRecord, reviewer: str, directory: Path, hint: bool = True) -> None:
    r = item.record
    where = "pilot round" if item.pilot else STAGE_LABELS[item.stage]
    click.echo(
        f"Record {item.record_id} ({where}; {item.remaining} left for {plain(reviewer)}, "
        f"{item.ordered_by})"
    )
    click.echo(f"Title:    {plain(r.title) or '(no title)'}")
    authors = "; ".join(plain(a.display()) for a in r.authors)
    click.echo(f"Authors:  {authors or '(none listed)'}")
    click.echo(f"Year:     {r.year if r.year is not None else '(unknown)'}")
    click.echo(f"Journal:  {plain(r.journal) or '(unknown)'}")
    click.echo("Abstract:")
    click.echo(plain(r.abstract) or "(no abstract)")
    if not hint:
        return
    click.echo(
        f"Decide with: scopewise screen {shlex.quote(str(directory))} --decide {item.record_id} "
        f"include|exclude{'|maybe' if item.stage == 'title_abstract' else ''} "
        f"--reviewer {shlex.quote(plain(reviewer))}"
        + (" --reason CODE" if item.stage == "full_text" else "")
    )


def _stopping_lines(report: StopReport, target_recall: float) -> list[str]:
    """The stopping estimate in sentences, the verdict first: then the rule's recall
    estimate, what it models or still needs, its promise, and its own message."""
    total = report.screened + report.unscreened
    verdict = "You can stop screening" if report.stop else "Keep screening"
    if report.estimated_recall is not None and report.estimated_recall == report.estimated_recall:
        recall = f"estimated recall {report.estimated_recall:.1%}"
        if report.recall_lower_bound is not None:
            recall += f" (95% lower bound {report.recall_lower_bound:.1%})"
    elif report.rule in ("statistical", "statistical-plain"):
        recall = (
            "no recall estimate yet: the rule needs a random sample of the records left, "
            "which --next serves once the ranked records seem to have run dry"
        )
    elif report.rule in ("knee", "irrelevant-in-a-row"):
        recall = "no recall estimate (a heuristic rule)"
    else:
        recall = "no recall estimate yet"
    lines = [
        f"{verdict}: {report.screened:,} of {total:,} records decided at title/abstract, "
        f"{report.unscreened:,} left unscreened; {report.relevant_found:,} relevant found.",
        f"Stopping rule ({report.rule}, target recall {target_recall:.0%}): {recall}.",
    ]
    if report.relevant_left is not None:
        low, high = report.relevant_left_low, report.relevant_left_high
        interval = f" (interval {low:.0f} to {high:.0f})" if low is not None and high else ""
        lines.append(f"Relevant records left: about {report.relevant_left:.1f}{interval}.")
    if report.sample_needed:
        lines.append(f"The random sample needs about {report.sample_needed:,} more records.")
    if report.promise:
        lines.append(f"What the rule promises: {report.promise}.")
    if report.detail:
        lines.append(f"The rule says: {report.detail}")
    return lines


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}%"


def _kappa(value: float | None) -> str:
    return "undefined" if value is None else f"{value:.3f}"


def _print_pair(p: PairAgreement, title: str) -> None:
    click.echo(
        f"  {title}: {p.records} record(s), agreement {_pct(p.percent_agreement)}, "
        f"Cohen's kappa {_kappa(p.kappa)}"
    )
    if not p.records:
        return
    first, second = p.reviewers if p.reviewers[1] else ("reviewer 1", "reviewer 2")
    width = max(len(label) for label in p.labels) + 2
    click.echo(f"    {first} (rows) x {second} (columns)")
    click.echo("    " + " " * width + "".join(f"{label:>{width}}" for label in p.labels))
    for label, row in zip(p.labels, p.table, strict=True):
        click.echo(f"    {label:<{width}}" + "".join(f"{n:>{width}}" for n in row))


def _agreement(review: Review) -> None:
    for pilot in (False, True):
        reports = review.agreement(pilot=pilot)
        if pilot and not any(r.overall.records for r in reports):
            continue
        click.echo("Pilot round" if pilot else "Main screening")
        for report in reports:
            click.echo(f" {STAGE_LABELS[report.stage]}")
            _print_pair(report.overall, "all reviewer pairs")
            if len(report.pairs) > 1:
                for pair in report.pairs:
                    _print_pair(pair, " and ".join(pair.reviewers))


def _need(value: str | None, option: str, why: str) -> str:
    if not value:
        raise UsageError(f"give {option} ({why})")
    return value


@click.command()
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--next", "show_next", is_flag=True, help="Show the next record for --reviewer.")
@click.option(
    "--session",
    is_flag=True,
    help="Screen record after record for --reviewer, typing each decision (q to stop).",
)
@click.option(
    "--decide",
    nargs=2,
    type=(int, str),
    metavar="RECORD DECISION",
    help="Record a decision: include, exclude or maybe.",
)
@click.option(
    "--reason",
    "reasons",
    multiple=True,
    metavar="CODE",
    help="Criterion code for an exclusion (repeatable); the reason text with --not-retrieved.",
)
@click.option("--note", default="", help="A note kept with the decision.")
@click.option("--reviewer", help="Who is screening (a name from the protocol team).")
@click.option(
    "--stage",
    metavar="STAGE",
    help="title_abstract or full_text (default: the record's current stage).",
)
@click.option(
    "--import-decisions",
    "import_file",
    type=click.Path(path_type=Path),
    metavar="FILE.csv",
    help="Import decisions from CSV (record_id, reviewer, decision, stage, reasons, note).",
)
@click.option("--conflicts", "show_conflicts", is_flag=True, help="List unresolved conflicts.")
@click.option(
    "--resolve",
    nargs=2,
    type=(int, str),
    metavar="RECORD DECISION",
    help="Settle a conflict (a lead or a third reviewer, given by --reviewer).",
)
@click.option("--agreement", "show_agreement", is_flag=True, help="Kappa and agreement tables.")
@click.option(
    "--attach",
    nargs=2,
    type=(int, click.Path(path_type=Path)),
    metavar="RECORD FILE.pdf",
    help="Attach a record's full-text PDF.",
)
@click.option("--not-retrieved", type=int, metavar="RECORD", help="Full text not obtainable.")
@click.option("--pilot", type=int, metavar="N", help="Start a pilot round on N random records.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the pilot sample.")
@click.option("--close-pilot", is_flag=True, help="End the pilot round.")
@click.option("--adopt", is_flag=True, help="With --close-pilot: pilot decisions count.")
@click.option(
    "--stopping",
    "show_stopping",
    is_flag=True,
    help="The stopping rule's estimate: recall, records left, whether to stop.",
)
@click.option("--db", "db_url", help="Database URL, if not the project's own.")
def screen(
    directory: Path,
    show_next: bool,
    session: bool,
    decide: tuple[int, str] | None,
    reasons: tuple[str, ...],
    note: str,
    reviewer: str | None,
    stage: str | None,
    import_file: Path | None,
    show_conflicts: bool,
    resolve: tuple[int, str] | None,
    show_agreement: bool,
    attach: tuple[int, Path] | None,
    not_retrieved: int | None,
    pilot: int | None,
    seed: int,
    close_pilot: bool,
    adopt: bool,
    show_stopping: bool,
    db_url: str | None,
) -> None:
    """Screen the records of the review in DIRECTORY (one action per call)."""
    given = [
        show_next,
        session,
        decide,
        import_file,
        show_conflicts,
        resolve,
        show_agreement,
        attach,
        not_retrieved is not None,
        pilot is not None,
        close_pilot,
        show_stopping,
    ]
    chosen = [name for name, value in zip(ACTIONS, given, strict=True) if value]
    if len(chosen) != 1:
        raise UsageError(
            f"give exactly one of {', '.join(ACTIONS)}"
            + (f" (got {', '.join(chosen)})" if chosen else "")
        )
    if stage is not None and stage not in STAGE_LABELS:
        raise UsageError(f"--stage must be title_abstract or full_text, not {stage!r}")
    with Review.open(directory, db_url=db_url) as review:
        actor = reviewer or "scopewise"
        if show_next:
            who = _need(reviewer, "--reviewer NAME", "whose next record")
            item = review.next_record(who, stage)
            if item is None:
                where = f" at {STAGE_LABELS[stage]}" if stage else ""
                click.echo(f"Nothing left to screen for {plain(who)}{where}.")
            else:
                _print_next(item, who, directory)
                if item.stopping is not None and item.stopping.stop:
                    click.echo(
                        f"The stopping rule ({item.stopping.rule}) says screening may stop; "
                        f"see scopewise screen {directory} --stopping"
                    )
        elif session:
            from scopewise.cli.session import run_session

            run_session(review, _need(reviewer, "--reviewer NAME", "who screens"), stage, directory)
        elif decide is not None:
            who = _need(reviewer, "--reviewer NAME", "who decides")
            d = review.decide(decide[0], decide[1].lower(), who, stage, reasons, note)
            extra = f" ({', '.join(d.reasons)})" if d.reasons else ""
            kind = " in the pilot round" if d.kind == "pilot" else ""
            click.echo(
                f"Recorded {d.decision}{extra} for record {d.record_id} at "
                f"{STAGE_LABELS[d.stage]}{kind} by {plain(who)}."
            )
        elif import_file is not None:
            count = review.import_decisions(import_file, actor)
            click.echo(f"Imported {count} decision(s) from {import_file}.")
        elif show_conflicts:
            found = review.conflicts(stage)
            if not found:
                click.echo("No unresolved conflicts.")
            for c in found:
                votes = ", ".join(
                    f"{plain(d.reviewer)} {d.decision}"
                    + (f" ({', '.join(d.reasons)})" if d.reasons else "")
                    for d in c.decisions
                )
                click.echo(f"Record {c.record_id} at {STAGE_LABELS[c.stage]}: {votes}")
        elif resolve is not None:
            who = _need(reviewer, "--reviewer NAME", "the lead or third reviewer resolving")
            d = review.resolve(resolve[0], resolve[1].lower(), who, stage, reasons, note)
            click.echo(
                f"Resolved record {d.record_id} at {STAGE_LABELS[d.stage]}: {d.decision} "
                f"(by {plain(who)})."
            )
        elif show_agreement:
            _agreement(review)
        elif attach is not None:
            entry = review.attach_full_text(attach[0], attach[1], actor)
            click.echo(f"Attached {attach[1].name} to record {attach[0]} as {entry.path}.")
        elif not_retrieved is not None:
            if len(reasons) != 1:
                raise UsageError("give one --reason 'why the full text could not be obtained'")
            review.mark_not_retrieved(not_retrieved, reasons[0], actor)
            click.echo(f"Recorded record {not_retrieved} as full text not retrieved.")
        elif show_stopping:
            estimate = review.stopping_estimate(actor)
            if estimate is None:
                click.echo("The protocol has no title/abstract stage: no stopping estimate.")
            else:
                for line in _stopping_lines(estimate, review.protocol.screening.target_recall):
                    click.echo(line)
        elif pilot is not None:
            who = _need(reviewer, "--reviewer LEAD", "a lead starts the pilot round")
            sample = review.start_pilot(pilot, seed, who)
            click.echo(
                f"Pilot round started on {len(sample)} record(s): "
                f"{', '.join(map(str, sample))}. Reviewers get them first with --next."
            )
        else:
            who = _need(reviewer, "--reviewer LEAD", "a lead closes the pilot round")
            adopted = review.close_pilot(who, adopt)
            click.echo(
                f"Pilot round closed; {adopted} pilot decision(s) now count for the main screening."
                if adopt
                else "Pilot round closed; its records will be screened again in the main round."
            )


COMMANDS = [screen]

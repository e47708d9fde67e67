"""``scopewise screen``: screen records, resolve conflicts, measure agreement, file full texts.

Record text is printed as plain text: nothing in a title or abstract is read as markup,
and control characters (which could drive the terminal) are dropped.
"""

from __future__ import annotations

from pathlib import Path

import click

from scopewise.cli.screen_text import (
    plain,
    print_agreement,
    print_conflicts,
    print_next,
    stop_sentence,
    stopping_lines,
)
from scopewise.cli.types import NUMBER
from scopewise.errors import UsageError
from scopewise.review import Review
from scopewise.screening.decisions import STAGE_LABELS
from scopewise.text import plural

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
    "--export-decisions",
    "--stop",
)


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
    type=(NUMBER, str),
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
    type=(NUMBER, str),
    metavar="RECORD DECISION",
    help="Settle a conflict (a lead or a third reviewer, given by --reviewer).",
)
@click.option("--agreement", "show_agreement", is_flag=True, help="Kappa and agreement tables.")
@click.option(
    "--attach",
    nargs=2,
    type=(NUMBER, click.Path(path_type=Path)),
    metavar="RECORD FILE.pdf",
    help="Attach a record's full-text PDF.",
)
@click.option("--not-retrieved", type=NUMBER, metavar="RECORD", help="Full text not obtainable.")
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
@click.option(
    "--export-decisions",
    "export_file",
    type=click.Path(path_type=Path),
    metavar="FILE.csv",
    help="Write decisions (record_id, stage, reviewer, decision, reasons, note, decided_at).",
)
@click.option("--history", is_flag=True, help="With --export-decisions: every decision ever made.")
@click.option("--json", "as_json", is_flag=True, help="With --conflicts: print JSON.")
@click.option(
    "--stop",
    "accept_stop",
    is_flag=True,
    help="A lead accepts the stopping rule: the records left are recorded as not screened.",
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
    export_file: Path | None,
    history: bool,
    as_json: bool,
    accept_stop: bool,
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
        export_file,
        accept_stop,
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
        reviewer = review.team_name(reviewer) if reviewer else reviewer
        actor = reviewer or "scopewise"
        if show_next:
            who = _need(reviewer, "--reviewer NAME", "whose next record")
            # after an accepted stop, full text first (as the web's screening page does)
            item = review.next_record(who, stage or review.default_stage(who))
            if item is None:
                where = f" at {STAGE_LABELS[stage]}" if stage else ""
                click.echo(f"Nothing left to screen for {plain(who)}{where}.")
            else:
                print_next(item, who, directory)
                if item.stopping is not None and item.stopping.stop:
                    click.echo(stop_sentence(
                        item.stopping, review.protocol.screening.target_recall, directory))
        elif session:
            from scopewise.cli.session import run_session

            run_session(review, _need(reviewer, "--reviewer NAME", "who screens"), stage, directory)
        elif decide is not None:
            who = _need(reviewer, "--reviewer NAME", "who decides")
            d = review.decide(decide[0], decide[1].lower(), who, stage, reasons, note)
            extra = f" ({', '.join(d.reasons)})" if d.reasons else ""
            kind = " in the pilot round" if d.kind == "pilot" else ""
            change = f"; {d.change}" if d.change else ""
            click.echo(
                f"Recorded {d.decision}{extra} for record {d.record_id} at "
                f"{STAGE_LABELS[d.stage]}{kind} by {plain(who)}{change}."
            )
        elif import_file is not None:
            count = review.import_decisions(import_file, actor)
            click.echo(f"Imported {plural(count, 'decision')} from {import_file}.")
        elif show_conflicts:
            print_conflicts(review.conflicts_for(reviewer, stage), as_json)
        elif export_file is not None:
            count = review.export_decisions(export_file, history=history)
            click.echo(f"Wrote {plural(count, 'decision')} to {export_file}.")
        elif accept_stop:
            who = _need(reviewer, "--reviewer LEAD", "a lead accepts the stopping rule")
            stopped = review.stop_screening(who)
            click.echo(
                f"Screening stopped: {plural(stopped.records, 'record')} left unscreened "
                f"{'is' if stopped.records == 1 else 'are'} recorded as not screened "
                f"(estimated recall {stopped.recall_text})."
            )
        elif resolve is not None:
            who = _need(reviewer, "--reviewer NAME", "the lead or third reviewer resolving")
            d = review.resolve(resolve[0], resolve[1].lower(), who, stage, reasons, note)
            click.echo(
                f"Resolved record {d.record_id} at {STAGE_LABELS[d.stage]}: {d.decision} "
                f"(by {plain(who)})."
            )
        elif show_agreement:
            print_agreement(review)
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
                for line in stopping_lines(estimate, review.protocol.screening.target_recall):
                    click.echo(line)
        elif pilot is not None:
            who = _need(reviewer, "--reviewer LEAD", "a lead starts the pilot round")
            sample = review.start_pilot(pilot, seed, who)
            click.echo(
                f"Pilot round started on {plural(len(sample), 'record')}: "
                f"{', '.join(map(str, sample))}. Reviewers get them first with --next."
            )
        else:
            who = _need(reviewer, "--reviewer LEAD", "a lead closes the pilot round")
            adopted = review.close_pilot(who, adopt)
            click.echo(
                f"Pilot round closed; {plural(adopted, 'pilot decision')} now "
                f"{'counts' if adopted == 1 else 'count'} for the main screening."
                if adopt
                else "Pilot round closed; its records will be screened again in the main round."
            )


COMMANDS = [screen]

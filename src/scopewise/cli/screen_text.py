"""What ``scopewise screen`` prints: records as plain text, agreement tables, the
stopping estimate and conflicts.

Record text is printed as plain text: nothing in a title or abstract is read as
markup, and control characters (which could drive the terminal) are dropped.
"""

from __future__ import annotations

import re
import shlex
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from scopewise import jsonout
from scopewise.review import Review
from scopewise.review.screening import NextRecord
from scopewise.screening.agreement import PairAgreement
from scopewise.screening.decisions import STAGE_LABELS
from scopewise.screening.stop_advice import advice, recall_words, with_advice
from scopewise.text import plural

if TYPE_CHECKING:
    from scopewise.screening.stopping import StopReport

__all__ = ["plain", "print_agreement", "print_conflicts", "print_next", "stop_sentence", "stopping_lines"]


_ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|.)")


def plain(text: str) -> str:
    """``text`` without terminal escape sequences or control characters (newlines and
    tabs kept), so nothing in a record can drive the reviewer's terminal."""
    text = _ANSI.sub("", text)
    return "".join(
        ch for ch in text if ch in "\n\t" or not unicodedata.category(ch).startswith("C")
    )


def print_next(item: NextRecord, reviewer: str, directory: Path, hint: bool = True) -> None:
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


def stopping_lines(report: StopReport, target_recall: float) -> list[str]:
    """The stopping estimate in sentences: the plain verdict first ("Keep screening: ..."
    or "You can stop: ..."), then the rule's recall estimate, what is left, what it
    models or still needs, its promise, and its own message."""
    total = report.screened + report.unscreened
    recall = recall_words(report) or _no_estimate(report.rule)
    lines = [
        f"Stopping rule ({report.rule}, target recall {target_recall:.0%}): {recall}.",
        f"{report.screened:,} of {total:,} records decided at title/abstract, "
        f"{report.unscreened:,} left unscreened; {report.relevant_found:,} relevant found.",
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
    return with_advice(report, target_recall, lines)


def _no_estimate(rule: str) -> str:
    """Why the rule gives no recall estimate (yet), in words."""
    if rule in ("statistical", "statistical-plain"):
        return ("no recall estimate yet: the rule needs a random sample of the records left, "
                "which --next serves once the ranked records seem to have run dry")
    if rule in ("knee", "irrelevant-in-a-row"):
        return "no recall estimate (a heuristic rule)"
    return "no recall estimate yet"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}%"


def _kappa(value: float | None) -> str:
    return "undefined" if value is None else f"{value:.3f}"


def _print_pair(p: PairAgreement, title: str) -> None:
    click.echo(
        f"  {title}: {plural(p.records, 'record')}, agreement {_pct(p.percent_agreement)}, "
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


def print_agreement(review: Review) -> None:
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




def print_conflicts(found: list[dict[str, Any]], as_json: bool) -> None:
    """Conflicts as JSON or one line each; a hidden reviewer shows as "a reviewer"."""
    if as_json:
        click.echo(jsonout.dumps(found, indent=2, ensure_ascii=False))
        return
    if not found:
        click.echo("No unresolved conflicts.")
    for c in found:
        votes = ", ".join(
            f"{plain(d['reviewer']) if d['reviewer'] else 'a reviewer'} {d['decision']}"
            + (f" ({', '.join(d['reasons'])})" if d["reasons"] else "")
            for d in c["decisions"]
        )
        click.echo(f"Record {c['record_id']} at {STAGE_LABELS[c['stage']]}: {votes}")


def stop_sentence(report: StopReport, target_recall: float, directory: Path) -> str:
    """What --next and the session say when the rule says stop: the plain sentence first."""
    return (f"{advice(report, target_recall)} The stopping rule ({report.rule}) says screening "
            f"may stop; see scopewise screen {shlex.quote(str(directory))} --stopping, and "
            f"a lead accepts it with --stop --reviewer LEAD.")

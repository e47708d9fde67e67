"""``scopewise chart``: chart the included sources, reconcile, map the evidence."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from scopewise import jsonout
from scopewise.charting import display_value
from scopewise.cli.types import NUMBER
from scopewise.errors import ChartingError, UsageError
from scopewise.review import Review
from scopewise.text import plural

__all__ = ["COMMANDS", "chart"]


def _filters(values: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise UsageError(f"--filter takes FIELD=VALUE, not {item!r}")
        out[name.strip()] = value.strip()
    return out


def _write_map(
    review: Review, a: str, b: str, out: Path, segment: str | None, filters: dict[str, str]
) -> None:
    try:
        emap = review.evidence_map(a, b, segment, filters)
    except KeyError as exc:
        raise ChartingError(str(exc.args[0])) from None
    suffix = out.suffix.lower()
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        with out.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(emap.to_csv_cells())
    elif suffix == ".json":
        out.write_text(jsonout.dumps(emap.to_json(), indent=2, ensure_ascii=False), encoding="utf-8")
    elif suffix in (".svg", ".png"):
        from scopewise.report.figures import evidence_map_figure

        evidence_map_figure(emap, out)
    else:
        raise UsageError(f"{out}: --map writes .csv, .json, .svg or .png")
    gaps = emap.to_json()["gaps"]
    click.echo(
        f"Evidence map {emap.row_field} x {emap.column_field}: {emap.n_mapped} of "
        f"{emap.n_sources} sources on the map (final values on both fields), "
        f"{len(emap.cells)} cells, {gaps['no_sources']} with no sources"
        + (f", {gaps['no_review']} with no review" if gaps["no_review"] else "")
        + f". Wrote {out}"
    )


def _show_summary(review: Review, console: Console) -> None:
    results = review.charting_results()
    console.print(
        f"{plural(results.included, 'included source')} to chart; "
        f"{results.pending.get('not_started', 0)} not started, "
        f"{results.pending.get('awaiting_second', 0)} awaiting a second charter, "
        f"{plural(results.conflicts, 'conflicting value')}."
        + (" Values from SIMULATED charters (demo)." if results.simulated else "")
    )
    table = Table(title="Charted values per field")
    for column in ("field", "value", "sources", "%"):
        table.add_column(column, justify="right" if column in ("sources", "%") else "left")
    for c in results.field_counts:
        table.add_row(c.field, c.value, str(c.count), f"{c.percent:.1f}")
    console.print(table)


def _show_conflicts(review: Review, reviewer: str | None, as_json: bool) -> None:
    conflicts = review.chart_conflicts(reviewer)
    form = review.protocol.charting
    if as_json:
        click.echo(
            jsonout.dumps(
                [
                    {"record_id": c.record_id, "field": c.field, "values": c.values}
                    for c in conflicts
                ],
                indent=2,
                ensure_ascii=False,
            )
        )
        return
    if not conflicts:
        click.echo("No charting conflicts.")
        return
    for c in conflicts:
        spec = form.field(c.field)
        shown = "; ".join(
            f"{who}: {display_value(spec, v) if spec and v is not None else '(empty)'}"
            for who, v in c.values.items()
        )
        click.echo(f"record {c.record_id}  {c.field}  {shown}")
    click.echo(
        f"{plural(len(conflicts), 'conflict')}; a lead resolves each with "
        "--resolve RECORD FIELD VALUE --reviewer LEAD"
    )


def _show_agreement(review: Review, pilot: bool) -> None:
    rows = review.chart_agreement(pilot_only=pilot)
    scope = (
        f"pilot sample of {plural(len(review.pilot_sources()), 'source')}"
        if pilot
        else "all dual-charted sources"
    )
    table = Table(title=f"Charting agreement per field ({scope})")
    for column in ("field", "sources", "agreed", "%", "kappa", "Jaccard"):
        table.add_column(column, justify="left" if column == "field" else "right")
    for a in rows:
        table.add_row(
            a.field,
            str(a.n),
            str(a.agreed),
            "" if a.percent is None else f"{a.percent:.1f}",
            "" if a.kappa is None else f"{a.kappa:.2f}",
            "" if a.jaccard is None else f"{a.jaccard:.2f}",
        )
    Console().print(table)


def _show_accuracy(review: Review) -> None:
    rows = review.suggestion_accuracy()
    if not rows:
        click.echo("No suggestion has been checked against a reviewer's value yet.")
        return
    table = Table(title="How often reviewers confirmed the suggestions")
    for column in ("field", "value", "suggested", "confirmed", "%"):
        table.add_column(column, justify="left" if column in ("field", "value") else "right")
    for acc in rows:
        for value, (n, ok) in sorted(acc.by_value.items()):
            table.add_row(acc.field, value, str(n), str(ok), f"{100 * ok / n:.0f}")
        table.add_row(
            acc.field,
            "[b]all[/b]",
            str(acc.suggested),
            str(acc.confirmed),
            f"{100 * (acc.rate or 0):.0f}",
        )
    Console().print(table)


def _show_themes(review: Review, propose: int | None) -> None:
    rows = review.propose_themes(propose) if propose else review.theme_candidates()
    if not rows:
        click.echo("No candidate themes (propose some with --propose-themes N).")
        return
    for r in rows:
        extra = f" -> {r.name}" + (f" (choice of {r.field})" if r.field else "") if r.name else ""
        click.echo(
            f"[{r.id}] {r.status:9} {len(r.record_ids):4} sources  {r.label}  "
            f"(terms: {', '.join(r.terms)}){extra}"
        )


def _set_values(
    review: Review, items: tuple[tuple[int, str, str], ...], reviewer: str, complete: bool
) -> None:
    by_record: dict[int, dict[str, Any]] = {}
    for rid, name, value in items:
        by_record.setdefault(rid, {})[name] = value
    for rid, values in by_record.items():
        saved = review.chart(rid, values, reviewer, complete=complete)
        changed = ", ".join(sorted(saved.changed)) or "nothing changed"
        click.echo(f"record {rid}: {changed}" + (" (complete)" if complete else ""))


@click.command()
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--reviewer", help="Who is charting (a member of the protocol's team).")
@click.option(
    "--set",
    "set_values",
    type=(NUMBER, str, str),
    multiple=True,
    metavar="RECORD FIELD VALUE",
    help="Enter a value (repeat for several).",
)
@click.option(
    "--complete", is_flag=True, help="With --set: mark the source done (required fields)."
)
@click.option(
    "--show",
    "show_record",
    type=NUMBER,
    metavar="RECORD",
    help="Show your own values and the suggestions for a source.",
)
@click.option("--list", "list_sources", is_flag=True, help="List the sources to chart.")
@click.option(
    "--export",
    "export_file",
    type=click.Path(path_type=Path),
    help="Write a sheet (.csv or .xlsx): final values, or --reviewer's own.",
)
@click.option("--suggest", is_flag=True, help="With --export: add suggested_<field> columns.")
@click.option(
    "--import",
    "import_file",
    type=click.Path(path_type=Path),
    help="Read a filled sheet as --reviewer's values (all or nothing).",
)
@click.option("--conflicts", is_flag=True, help="List fields on which two charters differ.")
@click.option("--json", "as_json", is_flag=True, help="With --conflicts: JSON output.")
@click.option(
    "--resolve",
    type=(NUMBER, str, str),
    metavar="RECORD FIELD VALUE",
    help="A lead's reconciled value.",
)
@click.option("--agreement", is_flag=True, help="Per-field agreement of the two charters.")
@click.option("--pilot", is_flag=True, help="With --agreement: only the pilot sample.")
@click.option("--summary", is_flag=True, help="Counts per field and value.")
@click.option(
    "--map",
    "map_fields",
    type=(str, str),
    metavar="FIELD_A FIELD_B",
    help="Evidence map of FIELD_A (rows) x FIELD_B (columns); needs -o.",
)
@click.option("--segment", help="With --map: a field that segments each cell.")
@click.option(
    "--filter",
    "filters",
    multiple=True,
    metavar="FIELD=VALUE",
    help="With --map: only sources with this value (repeatable).",
)
@click.option(
    "-o",
    "--out",
    "out",
    type=click.Path(path_type=Path),
    help="With --map: .csv, .json, .svg or .png.",
)
@click.option(
    "--suggestion-accuracy", is_flag=True, help="How often reviewers confirmed suggestions."
)
@click.option(
    "--order", "show_order", is_flag=True, help="The included sources in synthesis order."
)
@click.option("--themes", is_flag=True, help="List candidate themes.")
@click.option("--propose-themes", type=int, metavar="N", help="Propose up to N candidate themes.")
@click.option("--accept-theme", type=NUMBER, metavar="ID", help="Accept a candidate theme (a lead).")
@click.option("--as", "theme_name", help="With --accept-theme: its name.")
@click.option("--into", "into_field", help="With --accept-theme: add it as a choice of this field.")
@click.option("--reject-theme", type=NUMBER, metavar="ID", help="Reject a candidate theme (a lead).")
@click.option("--add-choice", type=(str, str), metavar="FIELD CHOICE", help="Form change (a lead).")
@click.option(
    "--rename-choice",
    type=(str, str, str),
    metavar="FIELD OLD NEW",
    help="Form change: stored values follow the rename (a lead).",
)
@click.option(
    "--retire-choice",
    type=(str, str),
    metavar="FIELD CHOICE",
    help="Form change: no longer offered; values kept, flagged (a lead).",
)
@click.option("--retire-field", metavar="FIELD", help="Form change: values kept, flagged (a lead).")
@click.option("--note", default="", help="Why the form changed (logged as a deviation).")
@click.option("--db", "db_url", help="Database URL, if not the project's own.")
def chart(
    directory: Path,
    reviewer: str | None,
    set_values: tuple[tuple[int, str, str], ...],
    complete: bool,
    show_record: int | None,
    list_sources: bool,
    export_file: Path | None,
    suggest: bool,
    import_file: Path | None,
    conflicts: bool,
    as_json: bool,
    resolve: tuple[int, str, str] | None,
    agreement: bool,
    pilot: bool,
    summary: bool,
    map_fields: tuple[str, str] | None,
    segment: str | None,
    filters: tuple[str, ...],
    out: Path | None,
    suggestion_accuracy: bool,
    show_order: bool,
    themes: bool,
    propose_themes: int | None,
    accept_theme: int | None,
    theme_name: str | None,
    into_field: str | None,
    reject_theme: int | None,
    add_choice: tuple[str, str] | None,
    rename_choice: tuple[str, str, str] | None,
    retire_choice: tuple[str, str] | None,
    retire_field: str | None,
    note: str,
    db_url: str | None,
) -> None:
    """Chart the sources included in the review in DIRECTORY, reconcile two charters,
    and map the evidence."""
    console = Console()

    def need_reviewer(what: str) -> str:
        if not reviewer:
            raise UsageError(f"{what} needs --reviewer NAME")
        return reviewer

    with Review.open(directory, db_url=db_url) as review:
        reviewer = review.team_name(reviewer) if reviewer else reviewer
        if set_values:
            _set_values(review, set_values, need_reviewer("--set"), complete)
        elif show_record is not None:
            who = need_reviewer("--show")
            click.echo(
                jsonout.dumps(
                    {
                        "record_id": show_record,
                        "values": review.chart_values(show_record, who),
                        "suggestions": {
                            name: [
                                {"value": s.value, "evidence": s.evidence, "rule": s.rule}
                                for s in found
                            ]
                            for name, found in review.chart_suggestions(show_record).items()
                        },
                    },
                    indent=2,
                    ensure_ascii=False,
                )
            )
        elif list_sources:
            for s in review.sources_to_chart():
                click.echo(f"{s.record_id}\t{s.year or ''}\t{s.title}")
        elif export_file is not None:
            n = review.export_chart_sheet(export_file, reviewer, suggest)
            click.echo(f"Wrote {plural(n, 'source')} to {export_file}")
        elif import_file is not None:
            result = review.import_chart_sheet(import_file, need_reviewer("--import"))
            click.echo(
                f"Read {plural(result['sources'], 'source')} from {import_file}: "
                f"{result['changed_sources']} changed, {plural(result['entries'], 'value')} stored."
            )
        elif conflicts:
            _show_conflicts(review, reviewer, as_json)
        elif resolve is not None:
            rid, name, value = resolve
            review.resolve_chart(rid, name, value, need_reviewer("--resolve"))
            click.echo(f"record {rid}: {name} resolved")
        elif agreement:
            _show_agreement(review, pilot)
        elif map_fields is not None:
            if out is None:
                raise UsageError("--map needs -o OUT (.csv, .json, .svg or .png)")
            _write_map(review, *map_fields, out, segment, _filters(filters))
        elif summary:
            _show_summary(review, console)
        elif suggestion_accuracy:
            _show_accuracy(review)
        elif show_order:
            for s in review.charting_results().sources:
                click.echo(f"{s.record_id}\t{s.year or ''}\t{s.title}")
        elif themes or propose_themes:
            _show_themes(review, propose_themes)
        elif accept_theme is not None:
            version = review.accept_theme(
                accept_theme, need_reviewer("--accept-theme"), theme_name, into_field
            )
            click.echo(
                f"theme {accept_theme} accepted"
                + (f"; protocol version {version}" if version else "")
            )
        elif reject_theme is not None:
            review.reject_theme(reject_theme, need_reviewer("--reject-theme"))
            click.echo(f"theme {reject_theme} rejected")
        elif add_choice or rename_choice or retire_choice or retire_field:
            lead = need_reviewer("a form change")
            if add_choice:
                version = review.add_chart_choice(*add_choice, lead, note)
            elif rename_choice:
                version = review.rename_chart_choice(*rename_choice, lead, note)
            elif retire_choice:
                version = review.retire_chart_choice(*retire_choice, lead, note)
            else:
                version = review.retire_chart_field(str(retire_field), lead, note)
            click.echo(
                f"The charting form changed: protocol version {version} "
                "(logged as a deviation from the registered protocol)."
            )
        else:
            _show_summary(review, console)


COMMANDS = (chart,)

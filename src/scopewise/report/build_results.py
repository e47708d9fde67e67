"""The results sections: selection, overlap, characteristics, counts, map, findings.

The charting and consultation parts read the facade's ``ChartingResults`` and
``ConsultationReport`` by attribute (see :mod:`scopewise.report.data`); when a
project has neither, the sections say so instead of failing.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from scopewise.report.data import ReportData
from scopewise.report.figures_flow import FlowFigure, png_of
from scopewise.report.model import Block, Bullets, Figure, Para, Section, Table
from scopewise.report.references import References
from scopewise.report.text import n, pct, placeholder

__all__ = ["results_sections"]


def _flow_blocks(data: ReportData, fig: FlowFigure) -> list[Block]:
    f = data.flow
    labels = {c.code: c.text for c in data.protocol.all_criteria}
    other = (f"; removed for other reasons before screening: {n(f.removed_other_total)} ("
             + "; ".join(f"{why}: {n(k)}" for why, k in f.removed_other.items()) + ")"
             if f.removed_other else "")
    open_parts = [f"{n(k)} {what}" for k, what in (
        (f.open_title_abstract, "still to decide at title and abstract"),
        (f.awaiting_retrieval, "awaiting retrieval of the full text"),
        (f.open_full_text, "still to decide at full text")) if k]
    in_progress = (f" Screening is still in progress ({'; '.join(open_parts)}): these numbers "
                   "will change." if open_parts else "")
    blocks: list[Block] = [
        Para(f"The searches identified {n(f.identified)} records; duplicates removed: "
             f"{n(f.duplicates_removed)}{other}; records screened: {n(f.screened)}; sources of "
             f"evidence included: {n(f.included)}.{in_progress}"),
        Figure("prisma", "PRISMA flow diagram", fig.png, fig.svg),
    ]
    rows: list[tuple[str, int]] = [
        ("Records identified", f.identified),
        *[(f"  from {name}", count) for name, count in f.sources.items()],
        ("Duplicate records removed", f.duplicates_removed),
        ("Records removed for other reasons", f.removed_other_total),
        *[(f"  {why}", count) for why, count in f.removed_other.items()],
    ]
    if f.not_screened:
        rows.append(("Records not screened (screening stopped)", f.not_screened))
    rows.append(("Records screened", f.screened))
    if f.title_abstract_stage:
        rows.append(("Records excluded at title and abstract", f.excluded_title_abstract))
    if f.open_title_abstract:
        rows.append(("Still to decide at title and abstract", f.open_title_abstract))
    if f.full_text_stage:
        rows += [("Reports sought for retrieval", f.sought), ("Reports not retrieved", f.not_retrieved),
                 ("Reports assessed for eligibility", f.assessed),
                 ("Reports excluded at full text", f.excluded_full_text_total)]
        rows += [(f"  {code}: {labels.get(code, 'no label')}", k)
                 for code, k in f.excluded_full_text.items()]
    rows.append(("Sources of evidence included", f.included))
    blocks.append(Table("flow", "Numbers of the flow diagram", ("Step", "Records"),
                        tuple((a, n(b)) for a, b in rows), tuple(rows)))
    if data.rounds:
        blocks.append(Table(
            "rounds", "Update rounds (PRISMA 2020 template for updated reviews)",
            ("Round", "Name", "Started", "Identified", "Screened",
             "Not screened (screening stopped)", "New sources included"),
            tuple((str(r.number), r.name, r.started_at, n(r.flow.identified), n(r.flow.screened),
                   n(r.flow.not_screened), n(r.flow.included)) for r in data.rounds),
            tuple((r.number, r.name, r.started_at, r.flow.identified, r.flow.screened,
                   r.flow.not_screened, r.flow.included) for r in data.rounds),
        ))
    return blocks


def _overlap(data: ReportData) -> Section:
    sec = Section("overlap", "Source overlap", level=2)
    o = data.overlap
    if o is None or not o.sources:
        sec.blocks.append(Para("No search has been imported yet."))
        return sec
    sec.blocks.append(Table(
        "overlap", "Records per source before and after removing duplicates",
        ("Source", "Records imported", "Unique records", "Found only here"),
        tuple((s, n(o.contributed.get(s, 0)), n(o.unique.get(s, 0)), n(o.only_here.get(s, 0)))
              for s in o.sources),
        tuple((s, o.contributed.get(s, 0), o.unique.get(s, 0), o.only_here.get(s, 0))
              for s in o.sources),
    ))
    pairs = sorted(o.pairs.items(), key=lambda kv: -kv[1])
    if pairs:
        sec.blocks.append(Table("overlap_pairs", "Records found by both sources of a pair",
                                ("Source", "Source", "Records in both"),
                                tuple((a, b, n(k)) for (a, b), k in pairs),
                                tuple((a, b, k) for (a, b), k in pairs)))
    return sec


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _characteristics(data: ReportData, refs: References) -> Section:
    sec = Section("characteristics", "Characteristics of sources of evidence", level=2)
    ch = data.charting
    table = getattr(ch, "characteristics", None)
    if table is not None and getattr(table, "columns", None):
        cols = tuple(str(c) for c in table.columns)
        rows = tuple(tuple(_cell(v) for v in row) for row in table.rows)
        sec.blocks.append(Table("characteristics", "Characteristics of the included sources",
                                cols, rows))
        return sec
    if ch is None:
        sec.blocks.append(placeholder("charting", "No charted data yet: the included sources "
                                      "are listed without their charted characteristics."
                                      if data.included else "No charted data yet."))
    cite = refs.cites
    sec.blocks.append(Table(
        "included", "Included sources of evidence", ("Source", "Title", "Year", "Journal", "Found in"),
        tuple((cite.get(r.id, str(r.id)), r.title, str(r.year or "–"), r.journal or "–", r.source)
              for r in data.included),
        tuple((r.id, r.title, list(r.authors), r.year, r.journal, r.doi, r.source)
              for r in data.included),
        empty="No source of evidence has been included yet.",
    ))
    return sec


def _counts(data: ReportData) -> Section | None:
    counts = getattr(data.charting, "field_counts", None)
    if not counts:
        return None
    form = data.protocol.charting
    rows = tuple((form.field(c.field).title if form.field(c.field) else c.field,  # type: ignore[union-attr]
                  str(c.value), n(c.count), pct(c.percent, scale=1))
                 for c in counts)
    return Section("field-counts", "Counts per charted field", [Table(
        "field_counts", "Sources per value of each charted field",
        ("Field", "Value", "Sources", "Percent"), rows,
        tuple((c.field, c.value, c.count, c.percent) for c in counts))], 2)


def _bar(pairs: list[tuple[Any, int]], key: str, title: str) -> Figure | None:
    try:
        from scopewise.report.figures import bar_figure
    except ImportError:  # the lead's figure module: optional until it lands
        return None
    shown = [(str(a), b) for a, b in pairs]
    png = png_of(lambda path: bar_figure(shown, path, title))
    return Figure(key, title, png, width_in=5.5) if png else None


def _year_country(data: ReportData) -> Section:
    sec = Section("per-year-country", "Sources per year and per country", level=2)
    per_year = getattr(data.charting, "per_year", None)
    if per_year is None:
        per_year = sorted(Counter(r.year for r in data.included).items(),
                          key=lambda kv: (kv[0] is None, kv[0] or 0))
    years = [(y if y is not None else "unknown", k) for y, k in per_year]
    fig = _bar(years, "per_year", "Included sources per year") if years else None
    if fig:
        sec.blocks.append(fig)
    sec.blocks.append(Table("per_year", "Included sources per year", ("Year", "Sources"),
                            tuple((str(y), n(k)) for y, k in years), tuple(years),
                            empty="No source of evidence has been included yet, so none is "
                                  "counted per year."))
    per_country = getattr(data.charting, "per_country", None)
    if per_country:
        fig = _bar(list(per_country), "per_country", "Included sources per country")
        if fig:
            sec.blocks.append(fig)
        sec.blocks.append(Table("per_country", "Included sources per country",
                                ("Country", "Sources"),
                                tuple((str(c), n(k)) for c, k in per_country),
                                tuple(per_country)))
    return sec


def _map_fields(data: ReportData) -> list[str]:
    form = data.protocol.charting
    return [f.name for f in form.active_fields if f.type in ("single_choice", "multiple_choice")]


def _evidence_map(data: ReportData) -> Section | None:
    emap = getattr(data.charting, "map", None)
    if emap is None:
        if not getattr(data.charting, "included", 0) or len(_map_fields(data)) < 2:
            return None
        sec = Section("evidence-map", "Evidence map", level=2)
        sec.blocks.append(Para("No evidence map yet: no included source has final charted "
                               "values on both of the map's fields."))
        return sec
    sec = Section("evidence-map", "Evidence map", level=2)
    sec.blocks.append(Para(f"{n(emap.n_mapped)} of {n(emap.n_sources)} included sources are on "
                           "the map (final charted values on both fields); a source with "
                           "several values counts in each of its cells."))
    try:
        from scopewise.report.figures import evidence_map_figure

        png = png_of(lambda path: evidence_map_figure(emap, path))
        if png:
            sec.blocks.append(Figure("evidence_map", "Evidence map: sources per cell; hatched "
                                     "cells are gaps", png))
    except ImportError:
        pass
    rows = [tuple(str(v) for v in r) for r in emap.to_csv_rows()]
    if rows:
        # the corner names both fields by their titles (the CSV keeps the field's key)
        header = (f"{emap.row_label} \\ {emap.column_label}", *rows[0][1:])
        sec.blocks.append(Table("evidence_map", "Evidence map as a table",
                                header, tuple(rows[1:])))
    return sec


def _findings(data: ReportData, refs: References) -> Section | None:
    ch = data.charting
    sources = list(getattr(ch, "sources", None) or ())
    if not sources:
        return None
    form = data.protocol.charting
    theme = form.theme_field
    sec = Section("findings", "Findings per charting category", level=2)
    groups: dict[str, list[Any]] = {}
    if theme is not None:
        for t in form.themes:
            groups[t] = []
        for s in sources:
            value = s.values.get(theme.name)
            for v in value if isinstance(value, list | tuple) else [value]:
                groups.setdefault(str(v) if v is not None else "not charted", []).append(s)
    else:
        groups["All included sources"] = sources
    texts = [f.name for f in form.active_fields if f.type == "long_text"]
    for name, members in groups.items():
        cites = "; ".join(refs.cites.get(s.record_id, str(s.record_id)) for s in members)
        sec.blocks.append(Para(f"{name} ({n(len(members))} source{'s' * (len(members) != 1)})"
                               + (f": {cites}" if cites else ": no source yet."),
                               style="finding"))
        notes = tuple(
            f"{refs.cites.get(s.record_id, str(s.record_id))}: " + " ".join(
                str(s.values[t]) for t in texts if s.values.get(t))
            for s in members if any(s.values.get(t) for t in texts)
        )
        if notes:
            sec.blocks.append(Bullets(notes))
    return sec


def _consultation(data: ReportData) -> Section | None:
    c = data.consultation
    if c is None:
        return None
    sec = Section("consultation-results", "Consultation", level=2)
    groups = getattr(c, "groups", ()) or ()
    if groups:
        sec.blocks.append(Table("consultation_groups", "Participants and sessions per group",
                                ("Group", "Participants", "Sessions"),
                                tuple((g.group, n(g.participants), n(g.sessions)) for g in groups),
                                tuple((g.group, g.participants, g.sessions) for g in groups)))
    themes = getattr(c, "themes", ()) or ()
    names = sorted({grp for t in themes for grp in t.participants_per_group})
    if themes:
        sec.blocks.append(Table(
            "consultation_themes", "Consultation themes: stance, summary and participants per group",
            ("Theme", "Stance", "Summary", *names),
            tuple((t.theme, t.stance or "–", t.summary or "–",
                   *(n(t.participants_per_group.get(g, 0)) for g in names)) for t in themes),
            tuple((t.theme, t.stance, t.summary, *(t.participants_per_group.get(g, 0)
                                                   for g in names)) for t in themes),
        ))
    quotes = getattr(c, "quotations", ()) or ()
    if quotes and data.protocol.consultation.quotes == "allowed":
        sec.blocks.append(Bullets(tuple(f"{q.theme} ({q.group}): \u201c{q.text}\u201d"
                                        for q in quotes)))
    if not groups and not themes:
        sec.blocks.append(Para("No consultation has been recorded yet."))
    return sec


def results_sections(data: ReportData, refs: References, fig: FlowFigure) -> list[Section]:
    """The results, in the order PRISMA-ScR items 14 to 18 ask for them."""
    out = [Section("results", "Results", []),
           Section("selection-results", "Selection of sources of evidence",
                   _flow_blocks(data, fig), 2),
           _overlap(data), _characteristics(data, refs)]
    for part in (_counts(data), _evidence_map(data)):
        if part is not None:
            out.append(part)
    out.append(_year_country(data))
    for part in (_findings(data, refs), _consultation(data)):
        if part is not None:
            out.append(part)
    return out

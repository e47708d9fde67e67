"""Build the report's :class:`~scopewise.report.model.Document` once from ReportData.

The front matter, introduction, methods, the team's own sections, references and
appendices live here; the results in :mod:`scopewise.report.build_results`. Every
sentence is plain text; numbers are formatted once, here, so all formats agree.
"""

from __future__ import annotations

from scopewise.report.build_results import results_sections
from scopewise.report.checklist import ChecklistItem, checklist
from scopewise.report.data import ReportData
from scopewise.report.figures_flow import FlowFigure
from scopewise.report.model import Block, Bullets, Document, Para, Section, Table
from scopewise.report.references import References
from scopewise.report.text import STAGE_LABELS, TEXT_SECTIONS, n, pct, placeholder
from scopewise.screening.decisions import REASON_GROUPS
from scopewise.screening.stopping import rule_label
from scopewise.text import plural

__all__ = ["build_document"]


def _text_section(data: ReportData, name: str, level: int = 1) -> Section:
    title = TEXT_SECTIONS[name]
    text = data.texts.get(name, "").strip()
    if not text:
        return Section(name, title, [placeholder(name)], level)
    return Section(name, title, [Para(p.strip()) for p in text.split("\n\n") if p.strip()], level)


def _introduction(data: ReportData) -> list[Section]:
    p = data.protocol
    intro = Section("introduction", "Introduction")
    if p.objectives:
        intro.blocks.append(Para("Objectives:"))
        intro.blocks.append(Bullets(tuple(p.objectives)))
    intro.blocks.append(Para("Review questions:"))
    intro.blocks.append(Bullets(tuple(p.questions), numbered=True))
    intro.blocks.append(Table(
        "pcc", "Population, concept and context", ("Element", "Scope"),
        (("Population", p.pcc.population), ("Concept", p.pcc.concept),
         ("Context", p.pcc.context)),
    ))
    return [intro, _text_section(data, "context", 2)]


def _searches(data: ReportData) -> list[Section]:
    planned = {s.name: s for s in data.protocol.sources}
    rows = []
    for s in data.searches:
        plan = planned.get(s.source)
        covered = ""
        if plan is not None and (plan.date_from or plan.date_to):
            covered = f"{plan.date_from or '…'} to {plan.date_to or '…'}"
        rows.append((s.source, s.platform or "–", _method(s.method), s.searched_on or "not recorded",
                     covered or "–", n(s.record_count)))
    table = Table(
        "searches", "Information sources searched (full strings in Appendix A)",
        ("Source", "Platform", "Method", "Searched on", "Dates covered", "Records"),
        tuple(rows),
        tuple((s.source, s.platform, s.method, s.searched_on, r[4], s.record_count)
              for s, r in zip(data.searches, rows, strict=True)),
    )
    blocks: list[Block] = [table] if rows else [Para("No search has been imported yet.", placeholder=True)]
    return [Section("sources", "Information sources and search", blocks, 2)]


def _order_words(order: tuple[str, ...], titles: dict[str, str]) -> str:
    """``report.order`` in words: ``Study design (review first), then Type of trauma``."""
    words = []
    for entry in order:
        name, _, value = entry.partition("=")
        title = titles.get(name.strip(), name.strip())
        words.append(f"{title} ({value.strip()} first)" if value else title)
    return ", then ".join(words)


def _names(names: list[str]) -> str:
    """``A``, ``A and B``, ``A, B and C``."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _method(method: str) -> str:
    return {"file": "database (file)", "api": "database (online)",
            "other": "other methods"}.get(method, method)


def _selection(data: ReportData) -> Section:
    sec = Section("selection", "Selection of sources of evidence", level=2)
    s = data.screening
    plan = data.protocol.screening
    stages = ", then ".join(STAGE_LABELS.get(x, x).lower() for x in plan.stages)
    resolvers = sorted({name for names in (s.resolvers.values() if s else ()) for name in names})
    resolved = (f"; conflicts were resolved by {_names(resolvers)}" if resolvers else
                "; no conflict has been resolved yet" if plan.reviewers_per_record > 1 else "")
    sec.blocks.append(Para(
        f"Records were screened by {stages}, with "
        f"{plural(plan.reviewers_per_record, 'reviewer')} per record{' blinded to each other' if plan.blinding else ''}{resolved}."
        + (f" Records were ordered for screening by the {plan.ranker} ranker." if plan.ranker else "")
    ))
    if s is None:
        return sec
    rows = tuple(
        (STAGE_LABELS.get(st, st), ", ".join(s.reviewers.get(st, ())) or "–",
         n(s.resolutions.get(st, 0)), ", ".join(s.resolvers.get(st, ())) or "–")
        for st in s.stages
    )
    sec.blocks.append(Table("reviewers", "Reviewers per stage",
                            ("Stage", "Reviewers", "Conflicts resolved", "Resolved by"), rows))
    if s.agreement:
        sec.blocks.append(Table(
            "agreement", "Agreement between reviewers",
            ("Stage", "Reviewers", "Records both decided", "Agreement", "Cohen's kappa"),
            tuple((STAGE_LABELS.get(st, st), " and ".join(r for r in a.reviewers if r),
                   n(a.records), pct(a.percent_agreement, scale=1),
                   "–" if a.kappa is None else f"{a.kappa:.3f}") for st, a in s.agreement),
            tuple((st, " and ".join(a.reviewers), a.records, a.percent_agreement, a.kappa)
                  for st, a in s.agreement),
        ))
    st = s.stopping
    sec.blocks.append(Para(
        f"Records still waiting for a title and abstract decision: {n(s.left_unscreened)}"
        + (f"; {n(data.flow.not_screened)} more were left unscreened when the lead accepted "
           "the stopping rule's stop." if data.flow.not_screened else ".")))
    if st is None:
        sec.blocks.append(Para(
            f"Stopping rule {rule_label(plan.stop_rule, plan.target_recall)}, target recall "
            f"{pct(plan.target_recall)}: no "
            "estimate was recorded."))
    else:
        recall = "" if st.estimated_recall is None else f", estimated recall {pct(st.estimated_recall)}"
        if st.stopped_after is not None:
            told = (f"it allowed stopping after {n(st.stopped_after)} of {n(st.total)} records, "
                    f"leaving {n(st.left_unscreened)} unscreened")
        else:
            told = (("stopping is allowed now" if st.can_stop else "keep screening")
                    + f" ({n(st.screened)} of {n(st.total)} records screened)")
        sec.blocks.append(Para(
            f"Stopping rule {rule_label(st.rule, st.target_recall)}, target recall {pct(st.target_recall)}: "
            f"{told}{recall}"
            + (f" ({st.confidence})" if st.confidence else "") + "."))
        if st.note:
            sec.blocks.append(Para(st.note, style="note"))
    return sec


def _charting_process(data: ReportData) -> Section:
    form = data.protocol.charting
    sec = Section("charting-process", "Charting process", level=2)
    if not form.active_fields:
        sec.blocks.append(placeholder("charting form", "No charting form in the protocol yet."))
        return sec
    who = "one reviewer" if form.reviewers_per_record == 1 else "two reviewers independently"
    text = (f"Data were charted with a form of {len(form.active_fields)} fields (Appendix C) by "
            f"{who} per source")
    if form.pilot_sample:
        text += f", after a pilot on {form.pilot_sample} sources"
    sec.blocks.append(Para(text + "."))
    if getattr(data.charting, "simulated", False):
        sec.blocks.append(Para(
            "SIMULATED: the charted values in this report were entered by simulated charters "
            "(the scopewise demo), not by people reading the sources.", style="note"))
    pending = getattr(data.charting, "pending", None) or {}
    conflicts = getattr(data.charting, "conflicts", 0) or 0
    if conflicts or any(pending.values()):
        sec.blocks.append(Para(
            f"Charting in progress: {plural(pending.get('not_started', 0), 'source')} not "
            f"charted yet, {pending.get('awaiting_second', 0):,} awaiting a second charter, "
            f"{plural(conflicts, 'conflicting value')} to reconcile; counts below use the "
            "final values only.",
            style="note"))
    agreement = getattr(data.charting, "agreement", None) or ()
    titles = {f.name: f.title for f in data.protocol.charting.fields}
    rows = []
    for a in agreement:
        kappa, jac = getattr(a, "kappa", None), getattr(a, "jaccard", None)
        field = str(getattr(a, "field", ""))
        rows.append((titles.get(field, field), n(getattr(a, "n", 0)),
                     pct(getattr(a, "percent", None), scale=1),
                     "–" if kappa is None else f"{kappa:.3f}", "–" if jac is None else f"{jac:.3f}"))
    if rows:
        sec.blocks.append(Table("charting_agreement", "Agreement between charters per field",
                                ("Field", "Sources", "Agreement", "Kappa", "Jaccard"), tuple(rows)))
    order = data.protocol.report.order
    sec.blocks.append(Para(
        "The charted data are summarised as counts per field, an evidence map, and findings "
        "per charting category" + (f"; sources are ordered by {_order_words(order, titles)}."
                                   if order else ".")))
    return sec


def _consultation_method(data: ReportData) -> Section | None:
    c = data.protocol.consultation
    if not c.enabled and data.consultation is None:
        return None
    sec = Section("consultation-method", "Consultation", level=2)
    if c.description:
        sec.blocks.append(Para(c.description))
    groups = getattr(data.consultation, "groups", None) or ()
    if groups:
        sec.blocks.append(Para("Stakeholder groups and participants: " + "; ".join(
            f"{g.group}: {n(int(g.participants))}" for g in groups) + "."))
    sessions = getattr(data.consultation, "sessions", None)
    if isinstance(sessions, int):
        sec.blocks.append(Para(f"Sessions held: {n(sessions)}. The themes raised were set "
                               "beside the charted findings (Results: Consultation)."))
    active = getattr(data.consultation, "active", None) or ()
    if active:
        sec.blocks.append(Table(
            "consultation_active", "Consultation reported with the ACTIVE framework "
            "(Pollock et al. 2019)", ("Item", "Answer"),
            tuple((a.label, a.value or f"MISSING: [consultation] {a.key}") for a in active),
            tuple((a.key, a.label, a.value) for a in active),
        ))
    sec.blocks.append(Para(
        "Quotes from participants are "
        + ("not shown, as the protocol forbids them." if c.quotes == "never" else "allowed.")))
    return sec


def _methods(data: ReportData) -> list[Section]:
    p = data.protocol
    framework = Section("methods", "Methods", [Para(
        f"The review followed the {p.review.framework} and is reported to "
        f"{p.review.reporting_guideline}."
        + (f" Registration: {p.review.registration}." if p.review.registration else
           " The protocol names no registration."))])
    criteria = Table(
        "criteria", "Eligibility criteria", ("Code", "Type", "Criterion", "Stages"),
        tuple((c.code, kind, c.text, ", ".join(STAGE_LABELS.get(s, s).lower() for s in c.stages))
              for kind, group in (("inclusion", p.criteria.inclusion),
                                  ("exclusion", p.criteria.exclusion)) for c in group),
    )
    out = [framework, Section("eligibility", "Eligibility criteria", [criteria], 2)]
    out += _searches(data)
    out += [_selection(data), _charting_process(data)]
    consult = _consultation_method(data)
    return out + ([consult] if consult else [])


def _checklist_table(items: list[ChecklistItem]) -> Table:
    return Table(
        "checklist", "PRISMA-ScR checklist (Tricco et al. 2018), answered by this report",
        ("Item", "Topic", "What it asks", "Where", "Filled by", "Status"),
        tuple((i.label, i.topic, i.asks, i.where, i.filled_by, i.status.upper()
               if i.status == "missing" else i.status) for i in items),
        tuple((i.label, i.topic, i.asks, i.where, i.filled_by, i.status) for i in items),
    )


def _appendices(data: ReportData, items: list[ChecklistItem]) -> list[Section]:
    search_blocks: list[Block] = []
    for s in data.searches:
        search_blocks.append(Para(f"{s.source}{' via ' + s.platform if s.platform else ''}, "
                                  f"searched {s.searched_on or 'on a date not recorded'}, "
                                  f"{n(s.record_count)} records ({s.file_name or s.method}):"))
        search_blocks.append(Para(s.query or "(no search string recorded)", style="code"))
    if not search_blocks:
        search_blocks = [Para("No search has been imported yet.", placeholder=True)]
    # an inclusion criterion as a reason reads "not met" (the screening form's groups)
    not_met = REASON_GROUPS["inclusion"].lower()
    labels = {c.code: c.text for c in data.protocol.criteria.exclusion}
    labels.update({c.code: f"({not_met}) {c.text}" for c in data.protocol.criteria.inclusion})
    excl = Table(
        "full_text_exclusions", "Reports excluded at full text, with reasons",
        ("Record", "Report", "Reason"),
        tuple((str(e.id), e.citation, "; ".join(f"{c}: {labels.get(c, 'no label')}"
                                                for c in e.reasons) or "unspecified")
              for e in data.excluded),
        tuple((e.id, e.citation, list(e.reasons)) for e in data.excluded),
    )
    form = data.protocol.charting
    form_table = Table(
        "charting_form", "Charting form", ("Field", "Label", "Type", "Choices", "Help"),
        tuple((f.name, f.title, f.type, "; ".join(f.active_choices) or "–", f.help or "–")
              for f in form.active_fields),
    )
    return [
        Section("appendix-searches", "Appendix A: Search strategies", search_blocks),
        Section("appendix-exclusions", "Appendix B: Full-text exclusions",
                [excl] if data.excluded else [Para("No report was excluded at full text.")]),
        Section("appendix-form", "Appendix C: Charting form",
                [form_table] if form.active_fields else
                [placeholder("charting form", "No charting form in the protocol yet.")]),
        Section("appendix-checklist", "Appendix D: PRISMA-ScR checklist", [_checklist_table(items)]),
    ]


def _funding(data: ReportData) -> Section:
    r = data.protocol.report
    blocks: list[Block] = [Para(f"Funding: {r.funding}") if r.funding.strip()
                    else placeholder("funding", "No funding statement in the protocol "
                                     "([report] funding).")]
    if r.conflicts_of_interest.strip():
        blocks.append(Para(f"Conflicts of interest: {r.conflicts_of_interest}"))
    return Section("funding", "Funding", blocks)


def _references(refs: References) -> Section:
    if not refs.entries:
        return Section("references", "References", [Para("No source has been included yet.")])
    return Section("references", "References",
                   [Bullets(tuple(text for _, text in refs.entries), numbered=refs.numeric)])


def build_document(data: ReportData, refs: References, flow_figure: FlowFigure) -> Document:
    """The whole report as one :class:`Document`."""
    p = data.protocol
    team = [f"{m.name} ({m.role.replace('_', ' ')}"
            + (f", {m.affiliation})" if m.affiliation else ")") for m in p.team]
    authors = ", ".join(p.report.authors) if p.report.authors else "; ".join(team)
    subtitle = [s for s in (authors, f"Generated {data.generated_at}" if data.generated_at else "")
                if s]
    if data.rounds:
        current = data.rounds[-1]
        before = len(data.rounds) - 1
        subtitle.append(f"Covers round {current.number}: {current.name} "
                        f"(started {current.started_at}) and the "
                        f"{'round' if before == 1 else plural(before, 'round')} before it")
    items = checklist(data)
    doc = Document(title=p.report.title or p.review.title, subtitle=tuple(subtitle))
    doc.sections.append(_text_section(data, "summary"))
    doc.sections += _introduction(data)
    doc.sections += _methods(data)
    doc.sections += results_sections(data, refs, flow_figure)
    for name in ("discussion", "limitations", "implications", "conclusion"):
        doc.sections.append(_text_section(data, name))
    doc.sections.append(_funding(data))
    doc.sections.append(_references(refs))
    doc.sections += _appendices(data, items)
    doc.numbers = dict(data.flow.to_json())
    doc.data["checklist"] = items
    return doc

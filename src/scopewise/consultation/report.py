"""What the consultation contributes to the report, with the quote policy applied.

:func:`consultation_report` is the one place where the protocol's ``quotes`` policy
is enforced for everything that leaves the project (report, export, web page): with
``quotes = "never"`` it never asks for a note's text, so a
:class:`ConsultationReport` holds only codes, groups, themes, counts, the lead's
summaries and the plan's own words, and nothing downstream can leak a quotation.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from scopewise.consultation.model import Excerpt, NoteInfo, Participant, ThemeStance
from scopewise.protocol import Consultation

__all__ = [
    "ActiveItem",
    "ConsultationReport",
    "Gripp2Item",
    "GroupCount",
    "ParticipantRow",
    "Quotation",
    "ThemeFinding",
    "consultation_report",
]


@dataclass(frozen=True, slots=True)
class GroupCount:
    """Participants and sessions of one stakeholder group."""

    group: str
    participants: int
    sessions: int


@dataclass(frozen=True, slots=True)
class ParticipantRow:
    """A participant as the report may show them: code, group and counts."""

    code: str
    group: str
    sessions: int
    excerpts: int
    themes: Mapping[str, int] = field(default_factory=dict)  # theme -> excerpts


@dataclass(frozen=True, slots=True)
class ThemeFinding:
    """What the consultation said about one theme."""

    theme: str
    stance: str | None
    summary: str
    reviewer: str
    excerpts: int
    participants: int
    excerpts_per_group: Mapping[str, int] = field(default_factory=dict)
    participants_per_group: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Quotation:
    """A coded excerpt's words; only ever built when the protocol allows quotes."""

    theme: str
    participant: str
    group: str
    text: str


@dataclass(frozen=True, slots=True)
class ActiveItem:
    """One item of the ACTIVE framework (Pollock et al. 2019) and its answer."""

    key: str
    label: str
    value: str


@dataclass(frozen=True, slots=True)
class Gripp2Item:
    """One item of the GRIPP2 short form (Staniszewska et al. 2017)."""

    number: int
    section: str
    text: str


@dataclass(frozen=True, slots=True)
class ConsultationReport:
    """The consultation for the report and the web app, already filtered by the
    quote policy (``quotations`` is empty unless ``quotes == "allowed"``)."""

    enabled: bool
    quotes: str
    description: str
    groups: tuple[GroupCount, ...]
    participants: tuple[ParticipantRow, ...]
    sessions: int
    first_session: str | None
    last_session: str | None
    active: tuple[ActiveItem, ...]
    gripp2: tuple[Gripp2Item, ...]
    themes: tuple[ThemeFinding, ...]
    quotations: tuple[Quotation, ...]
    notes_stored: int
    # What the report cannot say yet: blank ``[consultation]`` keys of the ACTIVE
    # items and the GRIPP2 short form, and "who" while no one has taken part.
    missing: tuple[str, ...] = ()

    def theme(self, name: str) -> ThemeFinding | None:
        """The finding for theme ``name``, or ``None``."""
        return next((t for t in self.themes if t.theme == name), None)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON-ready data (what the report's JSON and the web app serve)."""
        return asdict(self)


_ACTIVE_LABELS = (
    ("who", "Who took part (groups and numbers)"),
    ("recruitment", "How they were recruited"),
    ("mode", "One-off or ongoing"),
    ("approach", "How they were involved"),
    ("stages", "At which review stages"),
    ("influence", "How much influence they had"),
)


_PLAN_KEYS = ("aim", "recruitment", "mode", "approach", "stages", "influence", "impact",
              "reflections")


def consultation_report(
    plan: Consultation,
    themes: Sequence[str],
    participants: Sequence[Participant],
    notes: Sequence[NoteInfo],
    excerpts: Sequence[Excerpt],
    stances: Sequence[ThemeStance],
    excerpt_text: Callable[[Excerpt], str | None],
) -> ConsultationReport:
    """Build the report's view of the consultation, applying the quote policy.

    Parameters
    ----------
    excerpt_text:
        Reads an excerpt's words from its note (``None`` once purged). Called only
        when ``plan.quotes == "allowed"``: this is the quote filter.
    """
    sessions_of = Counter(n.participant for n in notes)
    by_participant: dict[str, Counter[str]] = defaultdict(Counter)
    for excerpt in excerpts:
        by_participant[excerpt.participant][excerpt.theme] += 1
    rows = tuple(
        ParticipantRow(
            code=p.code,
            group=p.group,
            sessions=sessions_of[p.code],
            excerpts=sum(by_participant[p.code].values()),
            themes=dict(by_participant[p.code]),
        )
        for p in sorted(participants, key=lambda p: p.code)
    )
    group_order = [*plan.groups, *sorted({p.group for p in participants} - set(plan.groups))]
    groups = tuple(
        GroupCount(
            group=g,
            participants=sum(1 for p in participants if p.group == g),
            sessions=sum(1 for n in notes if n.group == g),
        )
        for g in group_order
    )
    dates = sorted(n.held_on for n in notes if n.held_on)
    findings = _findings(themes, excerpts, stances)
    quotations: tuple[Quotation, ...] = ()
    if plan.quotes == "allowed":
        quotations = tuple(
            Quotation(e.theme, e.participant, e.group, text)
            for e in excerpts
            if (text := excerpt_text(e)) is not None
        )
    active = _active(plan, groups)
    return ConsultationReport(
        enabled=plan.enabled,
        quotes=plan.quotes,
        description=plan.description,
        groups=groups,
        participants=rows,
        sessions=len(notes),
        first_session=dates[0] if dates else None,
        last_session=dates[-1] if dates else None,
        active=active,
        gripp2=_gripp2(plan, active, findings),
        themes=findings,
        quotations=quotations,
        notes_stored=sum(1 for n in notes if not n.purged),
        missing=(
            *(("who",) if not participants else ()),
            *(key for key in _PLAN_KEYS if not getattr(plan, key)),
        ),
    )


def _findings(
    themes: Sequence[str], excerpts: Sequence[Excerpt], stances: Sequence[ThemeStance]
) -> tuple[ThemeFinding, ...]:
    latest = {s.theme: s for s in sorted(stances, key=lambda s: s.recorded_at)}
    order = [*themes, *sorted(({e.theme for e in excerpts} | set(latest)) - set(themes))]
    findings = []
    for theme in order:
        coded = [e for e in excerpts if e.theme == theme]
        stance = latest.get(theme)
        if not coded and stance is None:
            continue
        people: dict[str, set[str]] = defaultdict(set)
        for e in coded:
            people[e.group].add(e.participant)
        findings.append(
            ThemeFinding(
                theme=theme,
                stance=stance.stance if stance else None,
                summary=stance.summary if stance else "",
                reviewer=stance.reviewer if stance else "",
                excerpts=len(coded),
                participants=len({e.participant for e in coded}),
                excerpts_per_group=dict(Counter(e.group for e in coded)),
                participants_per_group={g: len(codes) for g, codes in people.items()},
            )
        )
    return tuple(findings)


def _active(plan: Consultation, groups: Sequence[GroupCount]) -> tuple[ActiveItem, ...]:
    present = [g for g in groups if g.participants]
    total = sum(g.participants for g in present)
    who = ""
    if total:
        who = f"{total} participant{'s' if total != 1 else ''}: " + ", ".join(
            f"{g.participants} {g.group}" for g in present
        )
    values = {
        "who": who,
        "recruitment": plan.recruitment,
        "mode": plan.mode,
        "approach": plan.approach,
        "stages": ", ".join(plan.stages),
        "influence": plan.influence,
    }
    return tuple(ActiveItem(key, label, values[key]) for key, label in _ACTIVE_LABELS)


def _gripp2(
    plan: Consultation, active: Sequence[ActiveItem], findings: Sequence[ThemeFinding]
) -> tuple[Gripp2Item, ...]:
    item = {a.key: a.value for a in active}
    methods = "; ".join(
        f"{a.label.lower()}: {a.value}" for a in active if a.value
    )
    stances = Counter(f.stance for f in findings if f.stance)
    results = ""
    if stances:
        results = (
            f"Of {sum(stances.values())} theme{'s' if sum(stances.values()) != 1 else ''} "
            "discussed, the consultation supported "
            f"{stances['supported']}, added to {stances['added to']} and questioned "
            f"{stances['questioned']}."
        )
    influence = " ".join(
        part
        for part in (
            f"Level of influence: {item['influence']}." if item["influence"] else "",
            plan.impact,
        )
        if part
    )
    return (
        Gripp2Item(1, "Aim", plan.aim),
        Gripp2Item(2, "Methods", methods),
        Gripp2Item(3, "Results", results),
        Gripp2Item(4, "Outcomes", influence),
        Gripp2Item(5, "Reflections", plan.reflections),
    )

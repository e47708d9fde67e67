"""Screening decisions: what a reviewer may decide at each stage, and which decision counts.

Rules
-----
- Title/abstract (``title_abstract``): ``include``, ``exclude`` or ``maybe``; reasons are
  optional.
- Full text (``full_text``): ``include``, or ``exclude`` with one or more reasons.
- A reason says why a record is (or may be) left out: the code of a protocol criterion
  that applies at that stage, read as "inclusion criterion not met" for an inclusion
  criterion and "exclusion criterion applies" for an exclusion criterion (the
  protocol model: each code doubles as an exclusion reason). So reasons go with
  ``exclude`` and ``maybe`` only; an ``include`` with reasons is refused
  (:data:`REASON_DECISIONS`). Decisions read back from a file (an import of history)
  keep the reasons they were stored with, so older files still import.
- Decisions are appended, never overwritten: the latest per (record, stage, reviewer)
  and kind counts, and the history stays (:func:`latest_decisions`).
- Kinds: ``screen`` (ordinary screening), ``resolution`` (a lead or third reviewer
  settles a conflict; its outcome is final) and ``pilot`` (calibration round; does not
  count for the main screening unless the lead adopts the pilot, which appends copies of
  the pilot decisions as ``screen`` decisions).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from scopewise.cells import read_text_cell
from scopewise.errors import ScreeningError
from scopewise.records import number_of

if TYPE_CHECKING:  # only annotations: simulate needs no protocol model (pydantic, 0.2 s)
    from scopewise.protocol import Protocol

__all__ = [
    "DECISIONS",
    "EXPORT_COLUMNS",
    "KINDS",
    "REASON_DECISIONS",
    "REASON_GROUPS",
    "STAGE_LABELS",
    "Decision",
    "DecisionInput",
    "describe",
    "export_rows",
    "first_stage",
    "header_delimiter",
    "latest_decisions",
    "parse_decisions_csv",
    "valid_reasons",
    "validate_decision",
    "validate_stage",
]

DECISIONS: dict[str, tuple[str, ...]] = {
    "title_abstract": ("include", "exclude", "maybe"),
    "full_text": ("include", "exclude"),
}
KINDS = ("screen", "resolution", "pilot")
REASON_DECISIONS = ("exclude", "maybe")
"""The decisions that take reasons (a reason says why a record is left out)."""
REASON_GROUPS = {
    "inclusion": "Inclusion criterion not met",
    "exclusion": "Exclusion criterion applies",
}
"""How each kind of criterion reads as a reason to exclude (form headings)."""
STAGE_LABELS = {"title_abstract": "title/abstract", "full_text": "full text"}


def first_stage(stages: Sequence[str]) -> str:
    """The stage a record meets first: title/abstract when the protocol screens there,
    else full text (where an untouched record is undecided)."""
    return "title_abstract" if "title_abstract" in stages else "full_text"

_REASON_SPLIT = re.compile(r"[;,|]")
CSV_COLUMNS = ("record_id", "reviewer", "decision", "stage", "reasons", "note")
EXPORT_COLUMNS = ("record_id", "stage", "reviewer", "decision", "reasons", "note", "decided_at")
"""The columns of a decision export, all of which an import reads back."""


@dataclass(frozen=True, slots=True)
class Decision:
    """One stored screening decision (a row of the append-only decision log)."""

    id: int
    record_id: int
    stage: str
    reviewer: str
    decision: str
    reasons: tuple[str, ...] = ()
    note: str = ""
    kind: str = "screen"
    created_at: datetime | None = None
    changed_from: str | None = None
    """For a re-decision: the reviewer's earlier decision at this stage, with its
    reasons, e.g. ``"exclude (OUT)"``; ``None`` for a first decision or the same again."""

    @property
    def change(self) -> str | None:
        """``"changed from X to Y"`` when this decision replaced a different one."""
        if self.changed_from is None:
            return None
        return f"changed from {self.changed_from} to {describe(self.decision, self.reasons)}"


def describe(decision: str, reasons: Sequence[str] = ()) -> str:
    """A decision with its reasons, as messages show it: ``exclude (OUT, LANG)``."""
    return decision + (f" ({', '.join(reasons)})" if reasons else "")


@dataclass(frozen=True, slots=True)
class DecisionInput:
    """A decision to record, as read from a CSV file (``line`` is its 1-based line)."""

    record_id: int
    reviewer: str
    decision: str
    stage: str
    reasons: tuple[str, ...] = ()
    note: str = ""
    line: int = 0
    decided_at: datetime | None = None


def validate_stage(protocol: Protocol, stage: str) -> str:
    """Return ``stage`` if the protocol screens at it, else raise :class:`ScreeningError`."""
    stages = protocol.screening.stages
    if stage not in stages:
        raise ScreeningError(
            f"unknown screening stage {stage!r}; this protocol screens at: {', '.join(stages)}"
        )
    return stage


def valid_reasons(protocol: Protocol, stage: str) -> tuple[str, ...]:
    """Criteria codes that can be given as reasons at ``stage``, in protocol order."""
    return tuple(c.code for c in protocol.all_criteria if stage in c.stages)


def validate_decision(
    protocol: Protocol, stage: str, decision: str, reasons: Iterable[str] = (),
    history: bool = False,
) -> tuple[str, ...]:
    """Check a decision against the protocol and return its cleaned reasons.

    Parameters
    ----------
    protocol:
        The review protocol (stages and criteria).
    stage:
        ``title_abstract`` or ``full_text``.
    decision:
        ``include``, ``exclude`` or (title/abstract only) ``maybe``.
    reasons:
        Criteria codes (in any case: "notpeer" is NOTPEER); required (one or more)
        for an exclusion at full text, refused with an inclusion (see
        :data:`REASON_DECISIONS`).
    history:
        The decision is read back from a file of earlier decisions: reasons on an
        inclusion, stored before they were refused, are kept as they were.

    Raises
    ------
    ScreeningError
        Unknown stage, decision or reason code, reasons on an inclusion, or a
        full-text exclusion without reason.
    """
    validate_stage(protocol, stage)
    allowed = DECISIONS[stage]
    if decision not in allowed:
        raise ScreeningError(
            f"{decision!r} is not a decision at {STAGE_LABELS[stage]}; use {' or '.join(allowed)}"
        )
    valid = valid_reasons(protocol, stage)
    # a code typed in other case ("notpeer") is the protocol's code when only one matches
    by_case: dict[str, list[str]] = {}
    for known in valid:
        by_case.setdefault(known.casefold(), []).append(known)
    cleaned: list[str] = []
    for reason in reasons:
        code = reason.strip()
        if code not in valid and len(by_case.get(code.casefold(), [])) == 1:
            code = by_case[code.casefold()][0]
        if code and code not in cleaned:
            cleaned.append(code)
    for code in cleaned:
        if code not in valid:
            raise ScreeningError(
                f"unknown reason code {code!r} at {STAGE_LABELS[stage]}; "
                f"valid codes: {', '.join(valid) or '(none in the protocol)'}"
            )
    if cleaned and decision not in REASON_DECISIONS and not history:
        raise ScreeningError(
            f"{decision} takes no reasons (you gave {', '.join(cleaned)}): a reason says why "
            "a record is left out (an inclusion criterion not met, or an exclusion criterion "
            f"that applies), so it goes with {' or '.join(REASON_DECISIONS)}; "
            f"remove the reasons to {decision} the record"
        )
    if stage == "full_text" and decision == "exclude" and not cleaned:
        raise ScreeningError(
            "an exclusion at full text needs one or more reasons (--reason CODE); "
            f"valid codes: {', '.join(valid)}"
        )
    return tuple(cleaned)


def latest_decisions(
    decisions: Iterable[Decision], kinds: Sequence[str] = ("screen",)
) -> dict[tuple[int, str, str], Decision]:
    """The decision that counts per (record, stage, reviewer): the latest of ``kinds``.

    "Latest" is the highest id: ids grow with every append, on every backend, so they
    order decisions even when two share a timestamp.
    """
    out: dict[tuple[int, str, str], Decision] = {}
    for d in decisions:
        if d.kind not in kinds:
            continue
        key = (d.record_id, d.stage, d.reviewer)
        if key not in out or d.id > out[key].id:
            out[key] = d
    return out


def header_delimiter(text: str) -> str:
    """The delimiter of the header line: a comma, or a tab or semicolon (spreadsheets
    saved as "Unicode text" or in locales with a decimal comma) when the header splits
    on it into more cells."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    if "," in header:
        return ","
    return max((",", "\t", ";"), key=header.count)  # a comma on a tie (a single column)


def _decided_at(text: str, path: str, line: int) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ScreeningError(
            f"{path}:{line}: decided_at {text!r} is not a date and time "
            "(use ISO 8601, e.g. 2024-03-05T14:30:00+00:00)"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def export_rows(decisions: Iterable[Decision], history: bool) -> list[dict[str, str]]:
    """Rows of a decision export (:data:`EXPORT_COLUMNS`), ready for ``csv.DictWriter``.

    Without ``history`` only the latest decision per record, stage, reviewer and kind
    is kept. Screening decisions come first, then resolutions, each in the order they
    were made, so an import replays them as they happened: a resolution row then
    meets the conflict it settled. Pilot decisions are left out (they never count).
    """
    kept = [d for d in decisions if d.kind in ("screen", "resolution")]
    if not history:
        latest: dict[tuple[int, str, str, str], Decision] = {}
        for d in kept:
            key = (d.record_id, d.stage, d.reviewer, d.kind)
            if key not in latest or d.id > latest[key].id:
                latest[key] = d
        kept = list(latest.values())
    kept.sort(key=lambda d: (d.kind == "resolution", d.id))
    return [
        {
            "record_id": str(d.record_id),
            "stage": d.stage,
            "reviewer": d.reviewer,
            "decision": d.decision,
            "reasons": ";".join(d.reasons),
            "note": d.note,
            "decided_at": d.created_at.isoformat() if d.created_at else "",
        }
        for d in kept
    ]


def parse_decisions_csv(text: str, path: str, default_stage: str) -> list[DecisionInput]:
    """Read decisions from CSV text with columns record_id, reviewer, decision and,
    optionally, stage, reasons (codes separated by ``;``) and note. The delimiter is a
    comma, or a tab or semicolon when the header has no comma.

    Only the shape is checked here (columns, record ids, blank cells); the caller
    validates each decision against the protocol and the project.

    Raises
    ------
    ScreeningError
        Missing columns, a non-numeric record id or an empty reviewer/decision, naming
        ``path:line``.
    """
    text = text.lstrip("\ufeff")
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=header_delimiter(text))
    try:
        return _decisions(reader, path, default_stage)
    except csv.Error as exc:
        raise ScreeningError(f"{path}:{reader.line_num}: the CSV is malformed ({exc})") from None


def _decisions(reader: csv.DictReader[str], path: str, default_stage: str) -> list[DecisionInput]:
    # "Record ID", "Decided at": as the export names them
    header = ["_".join(h.replace("_", " ").split()).lower() for h in (reader.fieldnames or [])]
    missing = [c for c in ("record_id", "reviewer", "decision") if c not in header]
    if missing:
        raise ScreeningError(
            f"{path}:1: missing {'column' if len(missing) == 1 else 'columns'} "
            f"{', '.join(missing)}; "
            f"expected columns: {', '.join(CSV_COLUMNS)}"
        )
    reader.fieldnames = header
    out: list[DecisionInput] = []
    for row in reader:
        line = reader.line_num
        cells = {k: read_text_cell((v or "").strip()) for k, v in row.items() if k is not None}
        if not any(cells.values()):
            continue
        raw_id = cells.get("record_id", "")
        record_id = number_of(raw_id)
        if record_id is None:
            raise ScreeningError(f"{path}:{line}: record_id {raw_id!r} is not a record number")
        for column in ("reviewer", "decision"):
            if not cells.get(column):
                raise ScreeningError(f"{path}:{line}: the {column} cell is empty")
        reasons = tuple(r.strip() for r in _REASON_SPLIT.split(cells.get("reasons", "")))
        decided_at = _decided_at(cells.get("decided_at", ""), path, line)
        out.append(
            DecisionInput(
                record_id=record_id,
                reviewer=cells["reviewer"],
                decision=cells["decision"].lower(),
                stage=cells.get("stage") or default_stage,
                reasons=tuple(r for r in reasons if r),
                note=cells.get("note", ""),
                line=line,
                decided_at=decided_at,
            )
        )
    if not out:
        raise ScreeningError(f"{path}: no decisions in the file")
    return out

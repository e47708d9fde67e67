"""DecisionLogMixin: the decision log leaving the project, and conflicts as a viewer
may see them.

- ``export_decisions`` writes every reviewer's decisions with reasons, notes and
  times for the appendix, in exactly the columns ``import_decisions`` reads back, so
  a project holding the same records gets the same outcomes from the file.
- ``own_decisions`` lists what one reviewer decided (their latest decision per record
  and stage, newest first), to find a record again and change the decision: the
  reviewer's own only, so blinding holds.
- ``conflicts_for`` applies blinding to the conflict list: with blinding on, only a
  lead sees who voted what; anyone else sees the votes without names (and must say
  who they are).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from scopewise.cells import text_cell
from scopewise.errors import NotFound, ScreeningError, UsageError
from scopewise.review.screening import ScreeningMixin
from scopewise.screening.decisions import EXPORT_COLUMNS, export_rows
from scopewise.store import screening as db
from scopewise.text import SAME_PUNCTUATION

__all__ = ["DecisionLogMixin", "OwnDecision"]

OWN_PAGE = 100  # decisions per page of a reviewer's own list


@dataclass(frozen=True, slots=True)
class OwnDecision:
    """A reviewer's latest decision on a record at one stage, with what identifies it."""

    record_id: int
    stage: str
    decision: str
    reasons: tuple[str, ...]
    note: str
    decided_at: datetime | None
    title: str
    first_author: str
    year: int | None


def fold(text: str) -> str:
    """``text`` casefolded, without accents ("Estrés" -> "estres") and with curly quotes
    and dashes written straight (:data:`scopewise.text.SAME_PUNCTUATION`), as searches
    compare."""
    if text.isascii():  # most titles: nothing to strip
        return text.lower()
    split = unicodedata.normalize("NFKD", text.casefold().translate(SAME_PUNCTUATION))
    return "".join(c for c in split if not unicodedata.combining(c))


def query_words(query: str) -> list[str]:
    """The words of a search box, folded (see :func:`fold`)."""
    return fold(query).split()


def words_match(words: list[str], title: str, first_author: str, record_id: int) -> bool:
    """Whether every one of ``words`` (from :func:`query_words`) is found: a word of
    letters anywhere in the title or the first author's name, a number as the record
    number or as a whole word there (so "4" finds record 4, not 14 or 2014). How the
    lists of records are searched."""
    text = fold(f"{title} {first_author}")
    tokens: set[str] | None = None
    for word in words:
        if word.isdigit():
            if word == str(record_id):
                continue
            if tokens is None:
                tokens = set(re.findall(r"\w+", text))
            if word not in tokens:
                return False
        elif word not in text:
            return False
    return True


class DecisionLogMixin(ScreeningMixin):
    """Review methods for exporting decisions and viewing conflicts."""

    def export_decisions(self, path: str | Path, history: bool = False) -> int:
        """Write decisions to a CSV file; returns how many rows.

        Columns: ``record_id, stage, reviewer, decision, reasons, note, decided_at``
        (reasons separated by ``;``, the time in ISO 8601). The latest decision per
        reviewer and stage (a resolution kept beside the resolver's own screening
        decision), or every decision ever made with ``history``. Pilot decisions are
        left out. The file is written whole or not at all.
        """
        target = Path(path)
        with self.store.reading() as conn:
            rows = export_rows(db.decision_rows(conn, kinds=("screen", "resolution")), history)
        partial = target.with_name(target.name + ".part")
        try:
            with partial.open("w", encoding="utf-8", newline="") as handle:
                writer = csv.DictWriter(handle, fieldnames=list(EXPORT_COLUMNS))
                writer.writeheader()
                writer.writerows({k: text_cell(v) for k, v in row.items()} for row in rows)
            partial.replace(target)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise ScreeningError(f"{target}: cannot write the file ({exc.strerror or exc})") from None
        return len(rows)

    def own_decisions(
        self, reviewer: str, stage: str | None = None, decision: str | None = None,
        query: str = "", page: int = 1, per_page: int = OWN_PAGE,
    ) -> tuple[list[OwnDecision], int]:
        """The reviewer's own screening decisions, newest first: the latest per record
        and stage, optionally only one ``stage`` or ``decision`` (e.g. ``maybe``), or
        those whose title, first author or record number hold every word of ``query``.
        Returns one page of them and how many there are in all. Nobody else's
        decisions are read into the answer, so it is safe under blinding.

        Raises
        ------
        NotFound
            Unknown reviewer.
        ScreeningError
            The name belongs to a team member who does not screen.
        """
        self._load_protocol()
        with self.store.reading() as conn:
            self._screener(conn, reviewer)
            state = self._screening_state(conn)
            latest: dict[tuple[int, str], Any] = {}
            for d in state.decisions:
                if d.reviewer == reviewer and d.kind == "screen":
                    latest[(d.record_id, d.stage)] = d
            mine = sorted(latest.values(), key=lambda d: d.id, reverse=True)
            if stage:
                mine = [d for d in mine if d.stage == stage]
            if decision:
                mine = [d for d in mine if d.decision == decision]
            words = query_words(query)
            if words:  # the titles of every candidate, read in chunks
                texts = db.search_texts(conn, sorted({d.record_id for d in mine}))
                mine = [d for d in mine if d.record_id in texts
                        and words_match(words, *texts[d.record_id], d.record_id)]
            total = len(mine)
            start = (max(page, 1) - 1) * per_page
            shown = mine[start:start + per_page]
            records = db.screening_records(conn, [d.record_id for d in shown])
        rows = []
        for d in shown:
            record = records.get(d.record_id)
            rows.append(OwnDecision(
                record_id=d.record_id, stage=d.stage, decision=d.decision, reasons=d.reasons,
                note=d.note, decided_at=d.created_at,
                title=record.title if record else "", year=record.year if record else None,
                first_author=record.first_author if record else "",
            ))
        return rows, total

    def conflicts_for(self, viewer: str | None, stage: str | None = None) -> list[dict[str, Any]]:
        """Unresolved conflicts as plain objects: ``record_id``, ``stage`` and the
        ``decisions`` the viewer may see (``reviewer`` is ``None`` when hidden).

        Raises
        ------
        UsageError
            Blinding is on and no viewer is given.
        NotFound
            Unknown viewer.
        """
        self._load_protocol()
        blinding = self.protocol.screening.blinding
        role = ""
        if viewer is not None:
            with self.store.reading() as conn:
                roles = db.user_roles(conn)
            if viewer not in roles:
                raise NotFound(f"unknown reviewer {viewer!r}; use a name from the protocol team")
            role = roles[viewer][1]
        elif blinding:
            raise UsageError(
                "blinding is on: give --reviewer NAME (only a lead sees who voted what)"
            )
        names = not blinding or role == "lead"
        return [
            {
                "record_id": c.record_id,
                "stage": c.stage,
                "decisions": [
                    {
                        "reviewer": d.reviewer if names else None,
                        "decision": d.decision,
                        "reasons": list(d.reasons),
                    }
                    for d in c.decisions
                ],
            }
            for c in self.conflicts(stage)
        ]

"""DecisionLogMixin: the decision log leaving the project, and conflicts as a viewer
may see them.

- ``export_decisions`` writes every reviewer's decisions with reasons, notes and
  times for the appendix, in exactly the columns ``import_decisions`` reads back, so
  a project holding the same records gets the same outcomes from the file.
- ``conflicts_for`` applies blinding to the conflict list: with blinding on, only a
  lead sees who voted what; anyone else sees the votes without names (and must say
  who they are).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from scopewise.errors import NotFound, ScreeningError, UsageError
from scopewise.review.screening import ScreeningMixin
from scopewise.screening.decisions import EXPORT_COLUMNS, export_rows
from scopewise.store import screening as db

__all__ = ["DecisionLogMixin"]


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
                writer.writerows(rows)
            partial.replace(target)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise ScreeningError(f"{target}: cannot write the file ({exc.strerror or exc})") from None
        return len(rows)

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

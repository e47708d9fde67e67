"""The consultation as a CSV table: one row per participant and theme.

Written from a :class:`~scopewise.consultation.report.ConsultationReport`, which the
quote policy has already filtered, so the file cannot hold a note's words.
"""

from __future__ import annotations

import csv
import os
import tempfile
from pathlib import Path

from scopewise.cells import text_cell
from scopewise.consultation.report import ConsultationReport, ParticipantRow

__all__ = ["EXPORT_COLUMNS", "export_rows", "write_csv"]

EXPORT_COLUMNS = (
    "participant_code",
    "group",
    "theme",
    "stance",
    "excerpts",
    "theme_excerpts",
    "theme_participants",
    "sessions",
    "summary",
)


def _cell(value: object) -> str:
    # a spreadsheet would run a cell that starts like a formula: kept text
    return str(text_cell("" if value is None else str(value)))


def export_rows(report: ConsultationReport) -> list[dict[str, str]]:
    """Rows of :data:`EXPORT_COLUMNS`: each participant with each theme they were coded
    to (``excerpts`` is theirs, ``theme_*`` the theme's totals); a theme with a stance
    but no excerpt gets a row without participant, a participant with no excerpt a
    row without theme."""
    rows: list[dict[str, str]] = []
    for finding in report.themes:
        people: list[ParticipantRow | None] = [
            p for p in report.participants if p.themes.get(finding.theme)
        ]
        for person in people or [None]:
            rows.append(
                {
                    "participant_code": person.code if person else "",
                    "group": person.group if person else "",
                    "theme": finding.theme,
                    "stance": finding.stance or "",
                    "excerpts": str(person.themes[finding.theme]) if person else "0",
                    "theme_excerpts": str(finding.excerpts),
                    "theme_participants": str(finding.participants),
                    "sessions": str(person.sessions) if person else "",
                    "summary": finding.summary,
                }
            )
    for person in report.participants:
        if not person.excerpts:
            rows.append(
                {
                    "participant_code": person.code,
                    "group": person.group,
                    "theme": "",
                    "stance": "",
                    "excerpts": "0",
                    "theme_excerpts": "",
                    "theme_participants": "",
                    "sessions": str(person.sessions),
                    "summary": "",
                }
            )
    return [{k: _cell(v) for k, v in row.items()} for row in rows]


def write_csv(report: ConsultationReport, path: str | Path) -> int:
    """Write :func:`export_rows` to ``path`` (UTF-8 with BOM, so Excel reads it);
    the file appears whole or not at all. Returns the number of rows."""
    target = Path(path)
    rows = export_rows(report)
    handle, temporary = tempfile.mkstemp(prefix=".consult-", suffix=".csv", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8-sig", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return len(rows)

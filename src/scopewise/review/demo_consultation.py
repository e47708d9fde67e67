"""The demo's stakeholder consultation: SIMULATED sessions, coded and summarised.

The bundled example has no interviews, so the demo writes a few made-up session
notes (one per stakeholder group, seeded), imports them under pseudonym codes,
codes one excerpt per theme a note speaks to, records the lead's stance and summary
per theme, and purges the raw notes, as a team would once coding is done. Every note
says it is simulated, and the protocol's quote policy ("never") keeps the notes' words
out of the report: only codes, groups, counts and the lead's summaries reach it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from scopewise.review import Review
from scopewise.text import plural

__all__ = ["consult_simulated"]

STANCES = ("supported", "added to", "questioned")
_SENTENCES = {
    "military": "Veterans' services see symptom courses that differ from civilian ones",
    "disaster": "After floods the community response shapes who recovers early",
    "injury": "Emergency departments rarely follow injured patients long enough",
    "violence": "Survivors of assault describe recovery that stalls and restarts",
    "illness": "Intensive care follow-up clinics notice late-onset distress",
    "other": "Some traumatic events fit no category and are easily overlooked",
}


def consult_simulated(
    review: Review,
    lead: str,
    rng: np.random.Generator,
    folder: Path,
    say: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Import, code and summarise simulated consultation sessions; purge the notes."""
    plan = review.protocol.consultation
    themes = list(review.protocol.charting.themes)
    if not plan.enabled or not plan.groups or not themes:
        return {}
    folder.mkdir(parents=True, exist_ok=True)
    coded = 0
    for number, group in enumerate(plan.groups, 1):
        spoken = sorted(rng.choice(len(themes), size=min(2, len(themes)), replace=False))
        lines = [f"SIMULATED session notes for the scopewise demo (stakeholder group: {group})."]
        lines += [
            f"{_SENTENCES.get(themes[i], 'A made-up remark about ' + themes[i])}." for i in spoken
        ]
        path = folder / f"session-{number}.txt"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        note = review.import_note(path, f"P{number:02d}", group, f"2024-0{1 + number % 9}-15", lead)
        for i in spoken:
            sentence = _SENTENCES.get(themes[i], "A made-up remark about " + themes[i])
            review.code_excerpt(note.note_id, themes[i], text=sentence, actor=lead)
            coded += 1
        path.unlink()  # the notes live in the project store, not beside it
    stances = 0
    for theme in themes:
        stance = STANCES[int(rng.integers(len(STANCES)))]
        review.record_theme(
            theme,
            stance,
            f"Simulated consultation: stakeholders {stance} this theme (demo data).",
            lead,
        )
        stances += 1
    review.purge_notes(lead)
    folder.rmdir()
    say(
        f"Consultation (SIMULATED): {plural(len(plan.groups), 'session')}, "
        "one per stakeholder group, "
        f"{plural(coded, 'excerpt')} coded to themes, a stance recorded for "
        f"{plural(stances, 'theme')}; "
        "the notes were purged after coding and no quote reaches the report."
    )
    return {"sessions": len(plan.groups), "excerpts": coded, "themes": stances}

"""Small formatting helpers shared by the report builder and its writers."""

from __future__ import annotations

from scopewise.report.model import Para

__all__ = ["STAGE_LABELS", "TEXT_SECTIONS", "n", "pct", "placeholder"]

STAGE_LABELS = {"title_abstract": "Title and abstract", "full_text": "Full text"}

#: The sections the team writes itself, by name (``scopewise report DIR --section NAME``).
TEXT_SECTIONS = {
    "summary": "Summary",
    "context": "Context",
    "discussion": "Discussion",
    "limitations": "Limitations",
    "implications": "Implications",
    "conclusion": "Conclusion",
}

PLACEHOLDER_MARK = "[TO BE WRITTEN]"


def n(value: int | float | None) -> str:
    """A count with thousands separators (``–`` for none)."""
    if value is None:
        return "–"
    return f"{value:,}" if isinstance(value, int) else f"{value:,.2f}"


def pct(value: float | None, scale: float = 100.0) -> str:
    """``0.953`` -> ``95.3%`` (``scale=1`` when the value is a percentage already)."""
    return "–" if value is None else f"{scale * value:.1f}%"


def placeholder(name: str, why: str = "") -> Para:
    """A clearly marked gap: the text the team has still to write, and how to add it."""
    how = why or (f"No {name} text yet. Write it in the project folder as sections/{name}.md, "
                  f"or run: scopewise report DIR --section {name} --text-file FILE")
    return Para(f"{PLACEHOLDER_MARK} {how}", placeholder=True)

"""The report as one document model, built once and written by one writer per format.

A :class:`Document` is a list of :class:`Section` s, each a heading and a list of
blocks (:class:`Para`, :class:`Bullets`, :class:`Table`, :class:`Figure`). Every
writer (HTML, DOCX, PDF, Markdown) walks the same blocks, so a number or a
sentence cannot differ between formats; the JSON writer dumps the data behind each
:class:`Table`. Text in blocks is plain text: each writer escapes it for its format.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Block", "Bullets", "Document", "Figure", "Para", "Section", "Table"]


@dataclass(frozen=True, slots=True)
class Para:
    """A paragraph of plain text; ``placeholder`` marks text the team has still to write."""

    text: str
    placeholder: bool = False
    style: str = ""  # "" | "note" | "reference"


@dataclass(frozen=True, slots=True)
class Bullets:
    """A bulleted (or numbered) list of plain-text items."""

    items: tuple[str, ...]
    numbered: bool = False


@dataclass(frozen=True, slots=True)
class Table:
    """A table with a stable ``key`` (its file name in the JSON data) and a caption."""

    key: str
    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    #: the same rows as typed values (numbers stay numbers) for the JSON data
    data: tuple[tuple[Any, ...], ...] = ()
    #: the sentence every format prints instead of a table with no rows ("" prints the
    #: empty table); the JSON data keeps the table, with no rows
    empty: str = ""

    def records(self) -> list[dict[str, Any]]:
        """The rows as ``{column: value}`` dicts (typed values where given)."""
        rows = self.data or self.rows
        return [dict(zip(self.columns, row, strict=False)) for row in rows]


@dataclass(frozen=True, slots=True)
class Figure:
    """A figure: a PNG for every format, and an SVG where the format can inline it."""

    key: str
    caption: str
    png: bytes
    svg: str = ""
    width_in: float = 6.3


Block = Para | Bullets | Table | Figure


@dataclass(slots=True)
class Section:
    """A heading (level 1 or 2) and its blocks; ``id`` is its anchor."""

    id: str
    title: str
    blocks: list[Block] = field(default_factory=list)
    level: int = 1

    def shown(self) -> Iterator[Block]:
        """The blocks as every format prints them: a table with no rows and an
        ``empty`` sentence is that sentence."""
        for block in self.blocks:
            if isinstance(block, Table) and not block.rows and block.empty:
                yield Para(block.empty)
            else:
                yield block


@dataclass(slots=True)
class Document:
    """The whole report: title lines, sections in order, and the numbers it quotes."""

    title: str
    subtitle: tuple[str, ...] = ()
    sections: list[Section] = field(default_factory=list)
    numbers: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)

    def tables(self) -> Iterator[Table]:
        """Every table of the report, in order."""
        for section in self.sections:
            for block in section.blocks:
                if isinstance(block, Table):
                    yield block

    def figures(self) -> Iterator[Figure]:
        """Every figure of the report, in order."""
        for section in self.sections:
            for block in section.blocks:
                if isinstance(block, Figure):
                    yield block

    def text(self) -> str:
        """All the report's text, one block per line (for checks and search)."""
        out: list[str] = [self.title, *self.subtitle]
        for section in self.sections:
            out.append(section.title)
            for block in section.shown():
                if isinstance(block, Para):
                    out.append(block.text)
                elif isinstance(block, Bullets):
                    out += block.items
                elif isinstance(block, Table):
                    out.append(block.caption)
                    out += [" | ".join(r) for r in block.rows]
                else:
                    out.append(block.caption)
        return "\n".join(out)

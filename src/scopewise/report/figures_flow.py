"""The flow diagram as a report figure: SVG text (for HTML) and PNG bytes (others)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from scopewise.analysis.prisma import Flow
from scopewise.report.diagram import Diagram, layout, to_svg, write_png

__all__ = ["FlowFigure", "flow_figure", "png_of"]


@dataclass(frozen=True, slots=True)
class FlowFigure:
    """The drawn flow diagram: its layout, SVG and PNG."""

    diagram: Diagram
    svg: str
    png: bytes


def png_of(draw: Callable[[Path], object]) -> bytes | None:
    """Run ``draw(path)`` into a temporary PNG and return its bytes (None if none was drawn)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "figure.png"
        draw(path)
        return path.read_bytes() if path.exists() else None


def flow_figure(
    flow: Flow, previous_included: int | None = None, labels: dict[str, str] | None = None
) -> FlowFigure:
    """Lay out and draw the diagram once; every format takes it from here."""
    diagram = layout(flow, previous_included=previous_included, labels=labels)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "prisma.png"
        write_png(diagram, path, dpi=150)
        png = path.read_bytes()
    return FlowFigure(diagram, to_svg(diagram), png)

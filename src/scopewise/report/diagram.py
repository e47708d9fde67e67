"""The PRISMA flow diagram (PRISMA 2020 layout adapted to a scoping review).

One layout (:func:`layout`: boxes, arrows and phase labels in points) is drawn two
ways: as SVG written directly (:func:`to_svg`, crisp in print and inline in the HTML
report) and as PNG through matplotlib's Agg backend (:func:`write_png`). Every
number comes from a :class:`~scopewise.analysis.prisma.Flow`; a review in progress
shows its open counts in the boxes they belong to.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from scopewise.analysis.prisma import Flow

__all__ = ["Arrow", "Box", "Diagram", "layout", "to_svg", "write_png"]

WIDTH = 820.0
FONT = 13.0
LINE = FONT * 1.35
PAD = 10.0
PHASE_W = 34.0
MAIN_X = PHASE_W + 16.0
MAIN_W = 330.0
SIDE_X = MAIN_X + MAIN_W + 60.0
SIDE_W = WIDTH - SIDE_X - 10.0
GAP = 34.0
CHAR_W = FONT * 0.56  # average glyph width of a sans-serif face


@dataclass(frozen=True, slots=True)
class Box:
    """A box of the diagram; ``lines`` are wrapped already, the first one bold."""

    x: float
    y: float
    w: float
    h: float
    lines: tuple[str, ...]
    kind: str = "main"  # main | side | source | phase

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def bottom(self) -> float:
        return self.y + self.h


@dataclass(frozen=True, slots=True)
class Arrow:
    """A straight arrow from (x1, y1) to (x2, y2)."""

    x1: float
    y1: float
    x2: float
    y2: float
    head: bool = True


@dataclass(slots=True)
class Diagram:
    """Boxes and arrows in points (1 pt = 1 SVG user unit), origin top left."""

    width: float
    height: float = 0.0
    boxes: list[Box] = field(default_factory=list)
    arrows: list[Arrow] = field(default_factory=list)
    title: str = "PRISMA flow diagram"


def _n(value: int) -> str:
    return f"{value:,}"


def _wrap(paragraphs: list[str], width: float) -> tuple[str, ...]:
    chars = max(12, int((width - 2 * PAD) / CHAR_W))
    lines: list[str] = []
    for paragraph in paragraphs:
        lines += textwrap.wrap(paragraph, chars, break_long_words=True) or [""]
    return tuple(lines)


def _box(x: float, y: float, w: float, paragraphs: list[str], kind: str) -> Box:
    lines = _wrap(paragraphs, w)
    return Box(x, y, w, len(lines) * LINE + 2 * PAD - (LINE - FONT), lines, kind)


def _source_row(names: list[tuple[str, int]], x0: float, total_w: float, y: float) -> list[Box]:
    per_row = min(len(names), 4)
    w = (total_w - (per_row - 1) * 12.0) / per_row
    boxes: list[Box] = []
    row_y = y
    for start in range(0, len(names), per_row):
        chunk = names[start : start + per_row]
        row = [
            _box(x0 + i * (w + 12.0), row_y, w, [f"{name}", f"(n = {_n(count)})"], "source")
            for i, (name, count) in enumerate(chunk)
        ]
        height = max(b.h for b in row)
        boxes += [Box(b.x, b.y, b.w, height, b.lines, b.kind) for b in row]
        row_y += height + 12.0
    return boxes


def _other_reasons(flow: Flow) -> list[str]:
    """The "records removed for other reasons" lines: one line when there is one reason
    (its count would only repeat the total), else the total and a line per reason."""
    total = f"Records removed for other reasons (n = {_n(flow.removed_other_total)})"
    if len(flow.removed_other) == 1:
        (why,) = flow.removed_other
        return [total, f"\u2013 {_short(why)}"]
    return [total, *[f"\u2013 {_short(why)} (n = {_n(k)})" for why, k in flow.removed_other.items()]]


def _short(text: str) -> str:
    return text if len(text) <= 48 else text[:45].rstrip() + "..."


def _label(code: str, labels: dict[str, str] | None) -> str:
    text = (labels or {}).get(code, "")
    if not text:
        return code
    return f"{code}: {_short(text)}"


def layout(
    flow: Flow,
    previous_included: int | None = None,
    labels: dict[str, str] | None = None,
) -> Diagram:
    """Place the boxes of the flow diagram for ``flow``.

    Databases and registers feed the main column; sources searched by other methods
    (websites, organisations, citation searching) get a column of their own. A
    single source is named in the "identified" box rather than drawn as a box that
    would repeat its number. With ``previous_included`` (an update round) the
    diagram follows PRISMA 2020's template for updated reviews: the sources of the
    previous rounds, the new ones, and the total. ``labels`` maps exclusion codes
    to the criterion text shown beside them.
    """
    diagram = Diagram(width=WIDTH)
    y = 10.0
    other = [(k, v) for k, v in flow.sources.items() if k in set(flow.other_sources)]
    databases = [(k, v) for k, v in flow.sources.items() if k not in set(flow.other_sources)]
    from_db = sum(v for _, v in databases)
    from_other = sum(v for _, v in other)
    previous_box: Box | None = None
    if previous_included is not None:
        previous_box = _box(MAIN_X, y, MAIN_W, [
            "Sources included in previous rounds", f"(n = {_n(previous_included)})"], "main")
        diagram.boxes.append(previous_box)
        y = previous_box.bottom + GAP
    sources: list[Box] = []
    if len(databases) > 1:
        sources = _source_row(databases, MAIN_X, (MAIN_W if other else WIDTH - MAIN_X - 10.0), y)
        diagram.boxes += sources
        y = max(b.bottom for b in sources) + GAP

    def main(paragraphs: list[str]) -> Box:
        return _box(MAIN_X, y, MAIN_W, paragraphs, "main")

    def side(paragraphs: list[str], level: float) -> Box:
        return _box(SIDE_X, level, SIDE_W, paragraphs, "side")

    rows: list[tuple[str, Box, Box | None]] = []
    if len(databases) == 1:
        head = f"Records identified from {databases[0][0]}"
    elif databases:
        head = "Records identified from databases"
    else:
        head = "Records identified" if not other else "Records identified from databases"
    identified = main([head, f"(n = {_n(from_db if other else flow.identified)})"])
    removed = side(
        [
            "Records removed before screening:",
            f"Duplicate records (n = {_n(flow.duplicates_removed)})",
            *_other_reasons(flow),
        ],
        y,
    )
    rows.append(("identification", identified, removed))
    for box in sources:
        diagram.arrows.append(
            Arrow(box.cx, box.bottom, min(max(box.cx, MAIN_X + 20), MAIN_X + MAIN_W - 20), y)
        )
    y = max(identified.bottom, removed.bottom) + GAP
    if other:
        # the other-methods column sits right of the main one, above the removed box
        lines = ["Records identified from other methods", f"(n = {_n(from_other)})"]
        lines += [f"{name} (n = {_n(count)})" for name, count in other]
        top = identified.y
        other_box = _box(SIDE_X, top, SIDE_W, lines, "source")
        shift = other_box.h + GAP
        removed = Box(removed.x, removed.y + shift, removed.w, removed.h, removed.lines, removed.kind)
        rows[-1] = ("identification", identified, removed)
        diagram.boxes.append(other_box)
        level = identified.y + min(identified.h, other_box.h) / 2
        diagram.arrows.append(Arrow(other_box.x, level, identified.x + identified.w, level))
        y = max(identified.bottom, removed.bottom) + GAP

    stop_label = flow.not_screened_label if flow.not_screened else None
    if stop_label:
        # screening stopped by the prioritisation rule: the records left unscreened
        after = ("Records after removals" if flow.removed_other_total
                 else "Records after duplicates removed")
        kept = main([after,
                     f"(n = {_n(flow.screened + flow.not_screened)})"])
        head, _, why = stop_label.partition(" (")
        unscreened = side([head, f"({why}" if why else "", f"(n = {_n(flow.not_screened)})"], y)
        rows.append(("screening", kept, unscreened))
        y = max(kept.bottom, unscreened.bottom) + GAP

    def step(title: str, count: int, still: str, to_decide: int, beside: list[str]) -> None:
        """A row of the screening phase: its main box (with what is still to decide,
        when anything is) and the box beside it."""
        nonlocal y
        lines = [title, f"(n = {_n(count)})"]
        if to_decide:
            lines.append(f"{still}: n = {_n(to_decide)}")
        box, aside = main(lines), side(beside, y)
        rows.append(("screening", box, aside))
        y = max(box.bottom, aside.bottom) + GAP

    if flow.title_abstract_stage:  # else the records go straight to full text
        step("Records screened (title and abstract)", flow.screened, "Still to decide",
             flow.open_title_abstract,
             ["Records excluded", f"(n = {_n(flow.excluded_title_abstract)})"])
    if flow.full_text_stage:
        step("Reports sought for retrieval", flow.sought, "Awaiting retrieval",
             flow.awaiting_retrieval,
             ["Reports not retrieved", f"(n = {_n(flow.not_retrieved)})"])
        reasons = [
            f"{_label(code, labels)} (n = {_n(n)})" for code, n in flow.excluded_full_text.items()
        ]
        step("Reports assessed for eligibility", flow.assessed, "Still to decide",
             flow.open_full_text,
             ["Reports excluded", f"(n = {_n(flow.excluded_full_text_total)})", *reasons])

    if previous_included is None:
        included = main(
            ["Sources of evidence included in the review", f"(n = {_n(flow.included)})"]
        )
    else:
        included = main(["New sources of evidence included", f"(n = {_n(flow.included)})"])
    # Tall enough for the rotated phase label beside it.
    included = Box(included.x, included.y, included.w, max(included.h, 80.0), included.lines)
    rows.append(("included", included, None))
    y = included.bottom
    if previous_included is not None and previous_box is not None:
        y += GAP
        total = main(["Total sources of evidence included",
                      f"(n = {_n(previous_included + flow.included)})"])
        diagram.boxes.append(total)
        diagram.arrows.append(Arrow(total.cx, included.bottom, total.cx, total.y))
        # the previous rounds' sources join the total from the left edge
        left = MAIN_X - 8.0
        mid = previous_box.y + previous_box.h / 2
        diagram.arrows.append(Arrow(MAIN_X, mid, left, mid, head=False))
        diagram.arrows.append(Arrow(left, mid, left, total.y + total.h / 2, head=False))
        diagram.arrows.append(Arrow(left, total.y + total.h / 2, MAIN_X, total.y + total.h / 2))
        y = total.bottom

    previous: Box | None = None
    for _, box, beside in rows:
        diagram.boxes.append(box)
        if previous is not None:
            diagram.arrows.append(Arrow(box.cx, previous.bottom, box.cx, box.y))
        if beside is not None:
            diagram.boxes.append(beside)
            if beside.y > box.bottom:  # pushed down (other methods): branch off the connector
                mid = beside.y + beside.h / 2
                diagram.arrows.append(Arrow(box.cx, mid, beside.x, mid))
            else:
                mid = box.y + min(box.h, beside.h) / 2
                diagram.arrows.append(Arrow(box.x + box.w, mid, beside.x, mid))
        previous = box

    # Phase labels: a vertical band beside the rows of each phase.
    phases = [
        ("Identification", "identification"),
        ("Screening", "screening"),
        ("Included", "included"),
    ]
    for label, key in phases:
        members = [b for phase, b, _ in rows if phase == key]
        if not members:
            continue
        top = members[0].y
        if key == "identification" and sources:
            top = sources[0].y
        bottom = max(
            max(b.bottom for b in members),
            max((s.bottom for p, _, s in rows if p == key and s is not None), default=0.0),
        )
        diagram.boxes.append(Box(4.0, top, PHASE_W - 8.0, bottom - top, (label,), "phase"))
    diagram.height = y + 10.0
    return diagram


def _phase_font(b: Box) -> float:
    """The phase label's size: smaller when its band is shorter than the word."""
    return max(7.0, min(FONT, (b.h - 6.0) / (len(b.lines[0]) * 0.62)))


def _text_top(b: Box) -> float:
    """Top of the text block, centred vertically in its box."""
    block = len(b.lines) * LINE - (LINE - FONT)
    return b.y + (b.h - block) / 2


_FILL = {"main": "#ffffff", "side": "#f4f4f4", "source": "#eef3fa", "phase": "#d9e4f2"}


def to_svg(diagram: Diagram) -> str:
    """The diagram as a standalone SVG document (text escaped, fonts generic)."""
    w, h = diagram.width, diagram.height
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w:.0f} {h:.0f}" '
        f'width="{w:.0f}" height="{h:.0f}" role="img" aria-label="{escape(diagram.title)}" '
        'font-family="Helvetica, Arial, sans-serif">',
        f"<title>{escape(diagram.title)}</title>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" '
        'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
        '<path d="M 0 0 L 10 5 L 0 10 z" fill="#222"/></marker></defs>',
    ]
    for b in diagram.boxes:
        out.append(
            f'<rect x="{b.x:.1f}" y="{b.y:.1f}" width="{b.w:.1f}" height="{b.h:.1f}" '
            f'rx="3" fill="{_FILL[b.kind]}" stroke="#222" stroke-width="1"/>'
        )
        if b.kind == "phase":
            cx, cy = b.cx, b.y + b.h / 2
            out.append(
                f'<text x="{cx:.1f}" y="{cy:.1f}" font-size="{_phase_font(b):.1f}" '
                'font-weight="bold" '
                f'text-anchor="middle" dominant-baseline="middle" '
                f'transform="rotate(-90 {cx:.1f} {cy:.1f})">{escape(b.lines[0])}</text>'
            )
            continue
        anchor, x = ("middle", b.cx) if b.kind in ("main", "source") else ("start", b.x + PAD)
        for i, line in enumerate(b.lines):
            weight = ' font-weight="bold"' if i == 0 else ""
            ty = _text_top(b) + FONT * 0.8 + i * LINE
            out.append(
                f'<text x="{x:.1f}" y="{ty:.1f}" font-size="{FONT:.0f}" text-anchor="{anchor}"'
                f"{weight}>{escape(line)}</text>"
            )
    for a in diagram.arrows:
        out.append(
            f'<line x1="{a.x1:.1f}" y1="{a.y1:.1f}" x2="{a.x2:.1f}" y2="{a.y2:.1f}" '
            'stroke="#222" stroke-width="1.2"' + (' marker-end="url(#arrow)"/>' if a.head else "/>")
        )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def write_png(diagram: Diagram, path: Path, dpi: int = 200) -> None:
    """Draw the diagram with matplotlib (Agg, no display needed) into ``path``."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    w, h = diagram.width, diagram.height
    fig = Figure(figsize=(w / 72.0, h / 72.0))
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_xlim(0, w)
    ax.set_ylim(h, 0)
    ax.axis("off")
    for b in diagram.boxes:
        ax.add_patch(
            FancyBboxPatch(
                (b.x, b.y),
                b.w,
                b.h,
                boxstyle="round,pad=0,rounding_size=3",
                facecolor=_FILL[b.kind],
                edgecolor="#222222",
                linewidth=1.0,
            )
        )
        if b.kind == "phase":
            ax.text(
                b.cx,
                b.y + b.h / 2,
                b.lines[0],
                rotation=90,
                ha="center",
                va="center",
                fontsize=_phase_font(b),
                fontweight="bold",
                family="sans-serif",
                parse_math=False,
            )
            continue
        ha, x = ("center", b.cx) if b.kind in ("main", "source") else ("left", b.x + PAD)
        for i, line in enumerate(b.lines):
            ax.text(
                x,
                _text_top(b) + FONT * 0.8 + i * LINE,
                line,
                ha=ha,
                va="baseline",
                fontsize=FONT,
                fontweight="bold" if i == 0 else "normal",
                family="sans-serif",
                parse_math=False,
            )
    for a in diagram.arrows:
        ax.add_patch(
            FancyArrowPatch(
                (a.x1, a.y1),
                (a.x2, a.y2),
                arrowstyle="-|>" if a.head else "-",
                mutation_scale=12,
                color="#222222",
                linewidth=1.2,
                shrinkA=0,
                shrinkB=0,
            )
        )
    fig.savefig(str(path), dpi=dpi, facecolor="white")

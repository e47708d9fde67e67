"""Figures of charted evidence: the evidence map as a heat map, and bar charts.

Drawn with matplotlib (Agg) to SVG or PNG, chosen by the file's extension. The map is
made to be read in print and by colour-blind readers:

- counts are written in every cell, so colour is never the only carrier;
- the sequential colour scale is matplotlib's ``cividis``, designed to read the same
  with the common colour-vision deficiencies and in greyscale;
- a cell with no sources is white with grey diagonal hatching and a dash; a cell with
  sources but no review carries an open circle; the legend says so;
- with a segment field, each cell has a small stacked bar in the Okabe-Ito palette.

Long choice labels (evidence and gap maps often have sentence-long ones) are wrapped,
and the figure grows with the number of rows and columns.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scopewise.analysis.evidence_map import EvidenceMap
from scopewise.errors import ReportError

__all__ = ["bar_figure", "evidence_map_figure"]

_OKABE_ITO = (
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#F0E442",
    "#0072B2",
    "#D55E00",
    "#CC79A7",
    "#000000",
)


def _format(path: Path) -> str:
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in ("svg", "png"):
        raise ReportError(
            f"{path}: a figure is written as .svg or .png, not {path.suffix or 'no extension'}"
        )
    return suffix


def _save(fig: Any, out: Path, fmt: str) -> Path:
    import matplotlib.pyplot as plt

    out.parent.mkdir(parents=True, exist_ok=True)
    # no date in the SVG, so the same data draws the same file
    fig.savefig(
        out,
        format=fmt,
        bbox_inches="tight",
        dpi=150,
        metadata={"Date": None} if fmt == "svg" else None,
    )
    plt.close(fig)
    return out


def _shorten(label: str, width: int) -> str:
    return label if len(label) <= width else label[: width - 1].rstrip() + "…"


def _wrap(label: str, width: int) -> str:
    return "\n".join(textwrap.wrap(label, width=width, break_long_words=True)) or label


def evidence_map_figure(emap: EvidenceMap, path: str | Path, title: str | None = None) -> Path:
    """Draw ``emap`` as a heat map to ``path`` (.svg or .png); returns the path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.artist import Artist
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch, Rectangle

    out = Path(path)
    fmt = _format(out)
    n_rows, n_cols = max(len(emap.rows), 1), max(len(emap.columns), 1)
    small = n_rows * n_cols > 400
    font = 6.5 if small else 8.5
    rotate = n_cols > 8
    if n_rows >= 20:
        # many rows: one line each, long sentences shortened (the CSV and JSON keep them whole)
        row_labels = [_shorten(r, 70) for r in emap.rows]
    else:
        row_labels = [_wrap(r, 34) for r in emap.rows]
    if rotate:
        col_labels = [_shorten(c, 40) for c in emap.columns]
        label_height = 0.075 * max((len(c) for c in col_labels), default=8)
    else:
        col_labels = [_wrap(c, 13 if n_cols < 6 else 11) for c in emap.columns]
        label_height = 0.16 * max((lab.count("\n") + 1 for lab in col_labels), default=1)
    left = 0.075 * max((len(line) for lab in row_labels for line in lab.split("\n")), default=8)
    cell = 0.36 if small else 0.82
    width = left + n_cols * cell + 1.2
    height = 1.6 + label_height + n_rows * cell * (1.0 if small else 0.8) + 0.9
    fig, ax = plt.subplots(figsize=(max(width, 5.5), max(height, 3.0)))
    top = max((c.count for c in emap.cells), default=0) or 1
    cmap = plt.get_cmap("cividis")
    segment_colour = {s: _OKABE_ITO[i % len(_OKABE_ITO)] for i, s in enumerate(emap.segments)}
    index = {(c.row, c.column): c for c in emap.cells}
    for i, row in enumerate(emap.rows):
        for j, column in enumerate(emap.columns):
            c = index[(row, column)]
            y = n_rows - 1 - i
            if c.count == 0:
                ax.add_patch(
                    Rectangle(
                        (j, y), 1, 1, facecolor="white", edgecolor="#9a9a9a", hatch="///", lw=0.4
                    )
                )
                ax.text(
                    j + 0.5, y + 0.5, "–", ha="center", va="center", fontsize=font, color="#555"
                )
                continue
            shade = 0.15 + 0.85 * (c.count / top)
            colour = cmap(shade)
            ax.add_patch(Rectangle((j, y), 1, 1, facecolor=colour, edgecolor="white", lw=0.8))
            light = shade < 0.6  # dark cells get white text
            ax.text(
                j + 0.5,
                y + (0.58 if c.segments else 0.5),
                str(c.count),
                ha="center",
                va="center",
                fontsize=font + 1,
                fontweight="bold",
                color="white" if light else "black",
            )
            if c.gap == "no_review":
                ax.plot(
                    j + 0.86,
                    y + 0.84,
                    marker="o",
                    markersize=4,
                    markerfacecolor="none",
                    markeredgecolor="white" if light else "black",
                    markeredgewidth=0.9,
                )
            if c.segments:
                x0 = j + 0.1
                for name, n in c.segments.items():
                    w = 0.8 * n / max(sum(c.segments.values()), 1)
                    ax.add_patch(
                        Rectangle((x0, y + 0.1), w, 0.16, facecolor=segment_colour[name], lw=0)
                    )
                    x0 += w
    ax.set_xlim(0, n_cols)
    ax.set_ylim(0, n_rows)
    ax.set_xticks([j + 0.5 for j in range(len(emap.columns))])
    ax.set_xticklabels(
        col_labels,
        fontsize=font,
        rotation=60 if rotate else 0,
        ha="left" if rotate else "center",
        rotation_mode="anchor",
    )
    ax.xaxis.tick_top()
    ax.set_yticks([n_rows - 1 - i + 0.5 for i in range(len(emap.rows))])
    ax.set_yticklabels(row_labels, fontsize=font)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_ylabel(emap.row_label, fontsize=font + 1)
    heading = title or f"Evidence map: {emap.row_label} (rows) × {emap.column_label} (columns)"
    if emap.filters:
        heading += " (" + ", ".join(f"{k} = {v}" for k, v in emap.filters.items()) + ")"
    fig.suptitle(heading, fontsize=font + 3, x=0.01, ha="left")
    handles: list[Artist] = [
        Patch(facecolor="white", edgecolor="#9a9a9a", hatch="///", label="gap: no sources"),
    ]
    if any(c.gap == "no_review" for c in emap.cells):
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                linestyle="none",
                markerfacecolor="none",
                markeredgecolor="black",
                label="sources, but no review",
            )
        )
    used = {name for c in emap.cells for name in c.segments}
    handles += [Patch(facecolor=segment_colour[s], label=s) for s in emap.segments if s in used]
    handles.append(
        Patch(
            facecolor="none",
            edgecolor="none",
            label=f"{emap.n_mapped} of {emap.n_sources} sources on the map (final values on "
            "both fields); a number is the sources in its cell "
            "(a source with several values counts in each)",
        )
    )
    ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(0, -0.02),
        ncol=1 if len(handles) > 8 else 2,
        fontsize=font,
        frameon=False,
        title=(f"Bars: {emap.segment_label}" if emap.segments else None),
        title_fontsize=font,
    )
    return _save(fig, out, fmt)


def bar_figure(
    pairs: Sequence[tuple[str, int]], path: str | Path, title: str, horizontal: bool = False
) -> Path:
    """A bar chart of ``(label, count)`` pairs with the counts written on the bars."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(path)
    fmt = _format(out)
    labels = [str(label) for label, _ in pairs]
    counts = [n for _, n in pairs]
    if horizontal:
        fig, ax = plt.subplots(figsize=(6.5, max(2.0, 0.28 * len(labels) + 1.0)))
        bars = ax.barh(range(len(labels)), counts, color="#0072B2")
        ax.set_yticks(range(len(labels)))
        ax.set_yticklabels([_wrap(lab, 30) for lab in labels], fontsize=8)
        ax.invert_yaxis()
    else:
        fig, ax = plt.subplots(figsize=(max(5.0, 0.3 * len(labels) + 1.5), 3.0))
        bars = ax.bar(range(len(labels)), counts, color="#0072B2")
        ax.set_xticks(range(len(labels)))
        ax.set_xticklabels(labels, fontsize=8, rotation=90 if len(labels) > 12 else 0)
    ax.bar_label(bars, fontsize=7, padding=2)
    ax.set_title(title, fontsize=10, loc="left")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return _save(fig, out, fmt)

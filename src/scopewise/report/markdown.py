"""The Markdown writer (CommonMark with pipe tables); figures are PNG files beside it.

Record text is escaped twice over: ``&``, ``<`` and ``>`` become entities (a
Markdown viewer would otherwise render a title's ``<script>`` as HTML) and the
characters Markdown gives a meaning (``*``, ``_``, ``|``, ...) get a backslash.
"""

from __future__ import annotations

import re

from scopewise.report.model import Bullets, Document, Figure, Para, Table

__all__ = ["figure_name", "render_markdown"]

_SPECIAL = re.compile(r"([\\`*_\[\]|])")


def md(text: str) -> str:
    """Plain text as inline Markdown that shows exactly that text."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _SPECIAL.sub(r"\\\1", text)
    text = re.sub(r"^(\s*)(\d+)\.", r"\1\2\\.", text)  # not a numbered list
    text = re.sub(r"^(\s*)([-+#=])", r"\1\\\2", text)  # not a bullet, heading or rule
    return " ".join(text.split("\n"))


def figure_name(f: Figure) -> str:
    """The file a figure is written to, beside the Markdown file."""
    return f"figures/{f.key}.png"


def _table(t: Table) -> list[str]:
    out = [f"**{md(t.caption)}**", "", "| " + " | ".join(md(c) for c in t.columns) + " |",
           "|" + "|".join("---" for _ in t.columns) + "|"]
    out += ["| " + " | ".join(md(v) or " " for v in row) + " |" for row in t.rows]
    return [*out, ""]


def render_markdown(doc: Document) -> str:
    """The report as one Markdown document."""
    out = [f"# {md(doc.title)}", ""]
    out += [f"*{md(s)}*  " for s in doc.subtitle]
    out.append("")
    for s in doc.sections:
        out += [f"{'#' * (s.level + 1)} {md(s.title)}", ""]
        for block in s.shown():
            if isinstance(block, Para):
                if block.style == "code":
                    fence = "````" if "```" in block.text else "```"
                    out += [fence, block.text, fence, ""]
                elif block.placeholder:
                    out += [f"> **{md(block.text)}**", ""]
                else:
                    out += [md(block.text), ""]
            elif isinstance(block, Bullets):
                out += [f"{i}. {md(item)}" if block.numbered else f"- {md(item)}"
                        for i, item in enumerate(block.items, 1)]
                out.append("")
            elif isinstance(block, Table):
                out += _table(block)
            else:
                out += [f"![{md(block.caption)}]({figure_name(block)})", "",
                        f"*{md(block.caption)}*", ""]
    return "\n".join(out).rstrip() + "\n"

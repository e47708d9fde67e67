"""The HTML writer: one self-contained page (inline CSS, inline SVG and PNG), print CSS.

Every string of the :class:`~scopewise.report.model.Document` is escaped here;
only the flow diagram's SVG, which the project writes itself with every string
escaped, is inserted as markup.
"""

from __future__ import annotations

import base64
from html import escape

from scopewise.report.model import Bullets, Document, Figure, Para, Table

__all__ = ["render_html"]

CSS = """
body{font-family:Georgia,'Times New Roman',serif;max-width:60rem;margin:2rem auto;padding:0 1.5rem;
color:#1b1b1b;line-height:1.5}
h1,h2,h3{font-family:Helvetica,Arial,sans-serif;color:#14365d}
h1.title{font-size:1.9rem;margin-bottom:.3rem}
.subtitle{color:#555;margin:.1rem 0}
nav.toc{background:#f4f6f9;border:1px solid #d6dde8;padding:.6rem 1.2rem;margin:1.2rem 0;font-size:.92rem}
nav.toc ol{margin:.2rem 0;padding-left:1.2rem}
table{border-collapse:collapse;margin:.6rem 0 1.2rem;font-size:.88rem;width:100%}
caption{text-align:left;font-weight:bold;font-family:Helvetica,Arial,sans-serif;padding:.3rem 0}
th,td{border:1px solid #c9d1dc;padding:.25rem .5rem;vertical-align:top;text-align:left}
th{background:#e8eef6}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.placeholder{background:#fff4cc;border-left:4px solid #d99a00;padding:.5rem .8rem}
.note{color:#555;font-size:.9rem}
pre.code{white-space:pre-wrap;background:#f6f6f6;border:1px solid #ddd;padding:.5rem;font-size:.85rem}
figure{margin:1rem 0;text-align:center}
figure svg,figure img{max-width:100%;height:auto}
figcaption{font-size:.9rem;color:#333;margin-top:.3rem}
@media print{
 @page{size:A4;margin:18mm 15mm}
 body{max-width:none;margin:0;padding:0;font-size:10.5pt}
 nav.toc{display:none}
 h1.section{page-break-before:always}
 h2,h3,caption{page-break-after:avoid}
 figure,tr{page-break-inside:avoid}
 thead{display:table-header-group}
 a{color:inherit;text-decoration:none}
}
"""


def _numeric(text: str) -> bool:
    t = text.replace(",", "").replace("%", "").replace(".", "", 1).strip()
    return t.isdigit()


def _table(t: Table) -> str:
    out = [f'<table id="t-{escape(t.key)}"><caption>{escape(t.caption)}</caption><thead><tr>']
    out += [f"<th>{escape(c)}</th>" for c in t.columns]
    out.append("</tr></thead><tbody>")
    for row in t.rows:
        cells = "".join(
            f'<td class="n">{escape(v)}</td>' if _numeric(v) else f"<td>{escape(v)}</td>"
            for v in row
        )
        out.append(f"<tr>{cells}</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _figure(f: Figure) -> str:
    if f.svg:
        body = f.svg.split("?>", 1)[-1]  # inline: the SVG text is escaped at its source
    else:
        data = base64.b64encode(f.png).decode("ascii")
        body = f'<img alt="{escape(f.caption)}" src="data:image/png;base64,{data}">'
    return f'<figure id="f-{escape(f.key)}">{body}<figcaption>{escape(f.caption)}</figcaption></figure>'


def _para(p: Para) -> str:
    if p.style == "code":
        return f'<pre class="code">{escape(p.text)}</pre>'
    cls = "placeholder" if p.placeholder else p.style
    return f'<p class="{cls}">{escape(p.text)}</p>' if cls else f"<p>{escape(p.text)}</p>"


def render_html(doc: Document) -> str:
    """The report as one HTML document: no external resources, styles for screen and print."""
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(doc.title)}</title><style>{CSS}</style></head><body>",
        f'<h1 class="title">{escape(doc.title)}</h1>',
    ]
    out += [f'<p class="subtitle">{escape(s)}</p>' for s in doc.subtitle]
    out.append('<nav class="toc"><strong>Contents</strong><ol>')
    out += [f'<li><a href="#{escape(s.id)}">{escape(s.title)}</a></li>'
            for s in doc.sections if s.level == 1]
    out.append("</ol></nav>")
    for s in doc.sections:
        tag = "h1" if s.level == 1 else "h2"
        cls = ' class="section"' if s.level == 1 else ""
        out.append(f'<section id="{escape(s.id)}"><{tag}{cls}>{escape(s.title)}</{tag}>')
        for block in s.shown():
            if isinstance(block, Para):
                out.append(_para(block))
            elif isinstance(block, Bullets):
                tag_l = "ol" if block.numbered else "ul"
                items = "".join(f"<li>{escape(i)}</li>" for i in block.items)
                out.append(f"<{tag_l}>{items}</{tag_l}>")
            elif isinstance(block, Table):
                out.append(_table(block))
            else:
                out.append(_figure(block))
        out.append("</section>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"

"""Templates: one Jinja environment per app, autoescaping everything."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from scopewise.screening.decisions import REASON_GROUPS
from scopewise.text import plural

__all__ = ["highlight", "make_environment", "pages", "render"]

HERE = Path(__file__).parent


def highlight(text: str, include: Sequence[str] = (), exclude: Sequence[str] = ()) -> Markup:
    """``text`` escaped, with include and exclude terms wrapped in ``<mark>``.

    The text is split at the matches first and each piece escaped on its own, so
    nothing in the record (or in a term) can become markup.
    """
    terms = {t.casefold(): "inc" for t in include if t.strip()}
    terms.update({t.casefold(): "exc" for t in exclude if t.strip()})
    if not text or not terms:
        return Markup(escape(text or ""))
    pattern = re.compile(
        r"\b(" + "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)) + r")",
        re.IGNORECASE,
    )
    out: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        out.append(str(escape(text[last:match.start()])))
        kind = terms.get(match.group(1).casefold(), "inc")
        label = "include term" if kind == "inc" else "exclude term"
        out.append(
            f'<mark class="{kind}" title="{label}">{escape(match.group(1))}</mark>'
        )
        last = match.end()
    out.append(str(escape(text[last:])))
    return Markup("".join(out))


def make_environment() -> jinja2.Environment:
    """The app's template environment (autoescape on for every template)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["highlight"] = highlight
    env.filters["authors"] = lambda authors: "; ".join(a.display() for a in authors)
    env.filters["pct"] = lambda v: "–" if v is None else f"{100 * v:.0f}%"
    # counts as the report prints them: 6,189 (a value that is not a whole number as is)
    env.filters["count"] = lambda v: f"{v:,}" if isinstance(v, int) and not isinstance(
        v, bool) else v
    env.filters["plural"] = plural
    env.globals["reason_groups"] = REASON_GROUPS  # how criteria read as reasons to exclude
    return env


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render a page with the signed-in session, its CSRF token and the nav."""
    session = request.state.session
    env: jinja2.Environment = request.app.state.templates
    html = env.get_template(name).render(
        request=request,
        session=session,
        account=session.account if session else None,
        csrf_token=context.pop("csrf_token", session.csrf_token if session else ""),
        title=context.pop("title", ""),
        project=request.app.state.project_title,
        **context,
    )
    return HTMLResponse(html, status_code=status_code)


def pages(path: str, total: int, page: int, per_page: int,
          kept: Mapping[str, str | None]) -> dict[str, Any]:
    """What ``_pages.html`` needs for a list of ``total`` items shown ``per_page`` at a
    time: the page shown (the last one when asked past it), how many there are, and
    ``link(n)``, the address of page ``n`` keeping the list's filters (``kept``; empty
    ones left out)."""
    count = max(1, -(-total // per_page))
    query = {k: v for k, v in kept.items() if v}
    return {"page": min(page, count), "pages": count,
            "link": lambda n: f"{path}?{urlencode({**query, 'page': n})}"}

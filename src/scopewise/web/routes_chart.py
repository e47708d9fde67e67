"""Charting in the browser (``/chart``), dual-charting conflicts, and the evidence map."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from scopewise.analysis.charting import NOT_CHARTED, short_citation
from scopewise.charting import display_value
from scopewise.errors import ScopewiseError
from scopewise.records import number_of
from scopewise.web.facade import actor as _name
from scopewise.web.facade import call as _call
from scopewise.web.facade import review as _review
from scopewise.web.fields import number_or_400, number_or_404
from scopewise.web.render import render
from scopewise.web.security import checked_form, requires

__all__ = ["ROUTES"]


def _record_id(request: Request) -> int:
    return number_or_404(request.path_params["record_id"], "no such source")


def _list(review: Any, name: str, lead: bool) -> dict[str, Any]:
    sources = review.sources_to_chart()
    done = review.charted_by(name)
    progress = review.chart_progress(name) if lead else {}
    needed = review.protocol.charting.reviewers_per_record
    full = review.sources_full_for(name)
    return {"sources": sources, "done": done, "progress": progress, "needed": needed,
            "full": full}


@requires("reviewer")
async def chart_list(request: Request) -> Response:
    lead = request.state.session.account.role == "lead"
    context = await _call(_list, _review(request), _name(request), lead)
    return render(request, "chart_list.html", title="Chart", **context)


def _form_values(form: FormData, fields: Any) -> dict[str, Any]:
    """The posted values, one per active field, as ``check_value`` reads them."""
    values: dict[str, Any] = {}
    for f in fields:
        key = f"f_{f.name}"
        if f.type == "multiple_choice":
            values[f.name] = [str(v) for v in form.getlist(key)]
        elif f.type == "yes_no":
            raw = str(form.get(key, ""))
            values[f.name] = {"yes": True, "no": False}.get(raw)
        else:
            values[f.name] = str(form.get(key, ""))[:20000]
    return values


def _shown(fields: Any, values: dict[str, Any]) -> dict[str, Any]:
    """Values as the form's inputs show them."""
    shown: dict[str, Any] = {}
    for f in fields:
        v = values.get(f.name)
        if v is None:
            shown[f.name] = [] if f.type == "multiple_choice" else ""
        elif f.type in ("multiple_choice", "single_choice", "yes_no"):
            shown[f.name] = v
        else:
            shown[f.name] = display_value(f, v)
    return shown


def _page(review: Any, name: str, record_id: int, posted: dict[str, Any] | None) -> dict[str, Any]:
    sources = {s.record_id: s for s in review.sources_to_chart()}
    if record_id not in sources:
        raise HTTPException(404, "that record is not an included source to chart")
    fields = review.protocol.charting.active_fields
    values = posted if posted is not None else _shown(fields, review.chart_values(record_id, name))
    return {
        "source": sources[record_id],
        "record": review.screening_record(record_id),
        "record_id": record_id,
        "charters": review.source_charters(record_id, name),
        "fields": fields,
        "values": values,
        "suggestions": review.chart_suggestions(record_id),
        "terms": {"include": [], "exclude": []},
    }


@requires("reviewer")
async def chart_form(request: Request) -> Response:
    context = await _call(_page, _review(request), _name(request), _record_id(request), None)
    saved = request.query_params.get("saved", "")
    return render(request, "chart_form.html", title="Chart a source", message="",
                  saved=saved == "1", **context)


@requires("reviewer")
async def chart_save(request: Request) -> Response:
    form = await checked_form(request)
    review, name, record_id = _review(request), _name(request), _record_id(request)
    fields = review.protocol.charting.active_fields
    values = _form_values(form, fields)
    try:
        complete = form.get("complete") == "1"
        await run_in_threadpool(review.chart, record_id, values, name, complete=complete,
                                reopen=not complete and form.get("was_complete") == "1")
    except ScopewiseError as exc:
        posted = {k: (v if v is not None else "") for k, v in values.items()}
        posted.update({f.name: {True: "yes", False: "no"}.get(values[f.name], "")
                       for f in fields if f.type == "yes_no"})
        context = await _call(_page, review, name, record_id, posted)
        return render(request, "chart_form.html", status_code=400, title="Chart a source",
                      message=str(exc), saved=False, **context)
    return RedirectResponse(f"/chart/{record_id}?saved=1", status_code=303)


OTHER = "__other__"


def _choices(shown: dict[str, str]) -> list[tuple[str, list[str]]]:
    """The charters' different values, each with who gave it (in charter order)."""
    out: dict[str, list[str]] = {}
    for who, text in shown.items():
        out.setdefault(text, []).append(who)
    return list(out.items())


def _comparison(review: Any, name: str, record_id: int) -> dict[str, Any]:
    """Every field of one source side by side, one column per charter."""
    form = review.protocol.charting
    charters = review.source_charters(record_id, name)
    values = {who: review.chart_values(record_id, who) for who in charters.charters}
    rows = []
    for spec in form.active_fields:
        shown = {who: display_value(spec, v.get(spec.name)) for who, v in values.items()}
        rows.append({"field": spec, "shown": shown, "agree": len(set(shown.values())) <= 1})
    return {"charters": charters, "rows": rows}


def _conflicts(review: Any, name: str, only: int | None) -> dict[str, Any]:
    form = review.protocol.charting
    sources = {s.record_id: s for s in review.sources_to_chart()}
    if only is not None and only not in sources:
        raise HTTPException(404, "that record is not an included source to chart")
    rows = []
    for c in review.chart_conflicts(name):
        if only is not None and c.record_id != only:
            continue
        spec = form.field(c.field)
        shown = {who: display_value(spec, v) if spec else str(v or "")
                 for who, v in c.values.items()}
        rows.append({"conflict": c, "field": spec, "shown": shown, "choices": _choices(shown),
                     "source": sources.get(c.record_id)})
    return {
        "rows": rows,
        "only": only,
        "cite": {rid: short_citation(s) for rid, s in sources.items() if s.authors},
        "compare": _comparison(review, name, only) if only is not None else None,
        "source": sources.get(only) if only is not None else None,
        "other": OTHER,
    }


@requires("lead")
async def chart_conflicts(request: Request) -> Response:
    raw = request.query_params.get("record", "")
    only = number_of(raw)
    context = await _call(_conflicts, _review(request), _name(request), only)
    title = f"Charting of record {only}" if only is not None else "Charting conflicts"
    return render(request, "chart_conflicts.html", title=title, **context)


@requires("lead")
async def chart_resolve(request: Request) -> Response:
    form = await checked_form(request)
    record_id = number_or_400(form.get("record_id", ""), "record_id must be a number")
    field = str(form.get("field", ""))
    spec = _review(request).protocol.charting.field(field)
    chosen = form.get("value")
    if chosen is None or chosen == OTHER:
        chosen = str(form.get("other", "")).strip()
        if not chosen:
            raise HTTPException(400, "choose one of the charters' values, or type another one")
    value: Any = str(chosen)
    if spec is not None and spec.type == "multiple_choice":
        value = [v.strip() for v in value.split(";") if v.strip()]
    elif spec is not None and spec.type == "yes_no":
        value = {"yes": True, "no": False}.get(value.strip().lower(), value)
    await _call(_review(request).resolve_chart, record_id, field, value, _name(request))
    back = "/chart/conflicts" + (f"?record={record_id}" if form.get("back") == "record" else "")
    return RedirectResponse(back, status_code=303)


def _map(review: Any, a: str, b: str) -> dict[str, Any]:
    form = review.protocol.charting
    choices = [f for f in form.active_fields
               if f.type in ("single_choice", "multiple_choice", "yes_no", "country", "year")]
    if not a or not b:
        # the report's default pair, else the first two fields the selects offer, so
        # the map drawn is the pair the selects show
        default = review.default_map_fields()
        if default:
            a, b = default
        elif len(choices) >= 2:
            a, b = choices[0].name, choices[1].name
    emap = review.evidence_map(a, b) if a and b else None
    coverage = review.map_coverage(a, b) if a and b else None
    titles = {f.name: f.title for f in form.active_fields}
    counts = review.chart_summary()
    return {"map": emap, "coverage": coverage, "choice_fields": choices, "a": a, "b": b,
            "titles": titles, "counts": counts, "n": len(review.sources_to_chart()),
            "charted": any(c.value != NOT_CHARTED and c.count for c in counts),
            "not_charted": NOT_CHARTED}


@requires("viewer")
async def evidence_map(request: Request) -> Response:
    a = request.query_params.get("a", "")[:60]
    b = request.query_params.get("b", "")[:60]
    context = await _call(_map, _review(request), a, b)
    return render(request, "map.html", title="Evidence map", **context)


ROUTES = [
    Route("/chart", chart_list, methods=["GET"]),
    Route("/chart/conflicts", chart_conflicts, methods=["GET"]),
    Route("/chart/resolve", chart_resolve, methods=["POST"]),
    Route("/chart/{record_id}", chart_form, methods=["GET"]),
    Route("/chart/{record_id}", chart_save, methods=["POST"]),
    Route("/map", evidence_map, methods=["GET"]),
]

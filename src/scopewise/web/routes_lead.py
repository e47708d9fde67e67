"""The dashboard (everyone) and the lead's pages (downloads and records have their own
modules: :mod:`scopewise.web.routes_downloads`, :mod:`scopewise.web.routes_records`)."""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import quote, urlencode

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from scopewise.errors import ScopewiseError
from scopewise.records import number_of
from scopewise.report.data import StoppingSummary
from scopewise.review.status_view import status_rows
from scopewise.screening.decisions import STAGE_LABELS
from scopewise.text import plural
from scopewise.web.facade import actor as _actor
from scopewise.web.facade import call as _call
from scopewise.web.facade import review as _review
from scopewise.web.fields import number_or_400, page_number
from scopewise.web.render import pages, render
from scopewise.web.security import checked_form, requires
from scopewise.web.uploads import saved_upload

__all__ = ["ROUTES"]

MAX_IMPORT_BYTES = 200 * 1024 * 1024



def _curve_svg(points: list[tuple[int, int]], total: int,
               stopping: StoppingSummary | None = None) -> dict[str, Any]:
    """The found-against-screened curve, scaled to the chart, with the stopping rule's
    estimate of the relevant records in all (found / estimated recall) as a level
    line and the target's share of it, once the rule has an estimate."""
    width, height, top = 600, 270, 32  # the axis title sits above the plot's top
    max_x = max(total, points[-1][0], 1)
    found = points[-1][1]
    estimate = target = None
    if stopping is not None and stopping.estimated_recall and found:
        estimate = found / stopping.estimated_recall
        target = stopping.target_recall * estimate
    max_y = max(found, math.ceil(estimate) if estimate else 0, 1)

    def y_of(value: float) -> float:
        return height - 30 - (height - 30 - top) * value / max_y

    scaled = [(40 + (width - 60) * x / max_x, y_of(y)) for x, y in points]
    return {
        "width": width, "height": height, "top": top, "max_x": max_x, "max_y": max_y,
        "polyline": " ".join(f"{x:.1f},{y:.1f}" for x, y in scaled),
        "estimate": None if estimate is None else {
            "value": estimate, "y": y_of(estimate), "target": target,
            "target_y": y_of(target or 0.0),
        },
    }


def _dashboard(review: Any) -> dict[str, Any]:
    status = review.status()
    counts = review.decision_counts()
    reviewers = sorted({r for r, _ in counts})
    points = review.screening_curve()
    stopping = review.stopping_now()  # as the decisions stand (a GET records nothing)
    accepted = review.accepted_stop()
    return {
        "status": status,
        "status_rows": status_rows(status),
        "screening": status["screening"],
        "stages": review.protocol.screening.stages,
        "stage_labels": STAGE_LABELS,
        "reviewers": reviewers,
        "counts": counts,
        "agreement": review.agreement(),
        "accepted": accepted,
        "conflicts": len(review.conflicts()),
        "stopping": stopping,
        "curve": _curve_svg(points, status["unique_records"], stopping),
        "screened_points": points,
    }


@requires("viewer")
async def dashboard(request: Request) -> Response:
    context = await _call(_dashboard, _review(request))
    message = request.query_params.get("message", "")[:300]
    return render(request, "dashboard.html", title="Dashboard", message=message, **context)


@requires("lead")
async def accept_stop(request: Request) -> Response:
    """The lead accepts the stopping rule's stop (refused while the rule says go on)."""
    await checked_form(request)
    done = await _call(_review(request).stop_screening, _actor(request))
    message = (f"Screening stopped: {plural(done.records, 'record')} nobody had screened "
               f"{'is' if done.records == 1 else 'are'} "
               "reported as not screened (estimated recall "
               f"{done.recall_text}). Anyone may still screen them; each then counts as "
               "screened.")
    return RedirectResponse(f"/dashboard?{urlencode({'message': message})}", status_code=303)


# -- conflicts ------------------------------------------------------------------------


CONFLICTS_SHOWN = 200  # a page of conflicts; the next ones appear as these are resolved


def _conflicts(review: Any) -> tuple[list[dict[str, Any]], int]:
    waiting = review.conflicts()
    rows = [{"outcome": outcome, "record": review.screening_record(outcome.record_id)}
            for outcome in waiting[:CONFLICTS_SHOWN]]
    return rows, len(waiting)


@requires("lead")
async def conflicts(request: Request) -> Response:
    rows, total = await _call(_conflicts, _review(request))
    protocol = _review(request).protocol
    return render(request, "conflicts.html", title="Conflicts", rows=rows, total=total,
                  stage_labels=STAGE_LABELS, protocol=protocol,
                  terms={"include": [], "exclude": []})


@requires("lead")
async def resolve(request: Request) -> Response:
    form = await checked_form(request)
    record_id = number_or_400(form.get("record_id", ""), "record_id must be a number")
    await _call(
        _review(request).resolve, record_id, str(form.get("decision", "")), _actor(request),
        str(form.get("stage", "")) or None, [str(r) for r in form.getlist("reasons")],
        str(form.get("note", ""))[:5000],
    )
    return RedirectResponse("/conflicts", status_code=303)


# -- duplicates -------------------------------------------------------------------------


@requires("lead")
async def duplicates(request: Request) -> Response:
    from scopewise.dedup.side_by_side import reason_words, side_by_side

    queue = await _call(_review(request).duplicate_queue)
    pairs = [(cand, side_by_side(a, b, None), reason_words(cand.reason))
             for cand, a, b in queue[:50]]
    return render(request, "duplicates.html", title="Possible duplicates", pairs=pairs,
                  waiting=len(queue))


@requires("lead")
async def duplicate_decide(request: Request) -> Response:
    form = await checked_form(request)
    candidate = number_or_400(form.get("candidate_id", ""), "candidate_id must be a number")
    await _call(_review(request).resolve_candidate, candidate, str(form.get("decision", "")),
                _actor(request))
    return RedirectResponse("/duplicates", status_code=303)


@requires("lead")
async def run_dedup(request: Request) -> Response:
    await checked_form(request)
    await _call(_review(request).dedup, actor=_actor(request))
    return RedirectResponse("/duplicates", status_code=303)


# -- import -------------------------------------------------------------------------------


async def _import_page(request: Request, message: str = "", error: str = "",
                       filled: dict[str, str] | None = None, status_code: int = 200) -> Response:
    from scopewise.sources import readers

    review = _review(request)
    searches = await _call(review.searches)
    # the warnings of the import just made (or of any search asked for): read again from
    # the audit trail, so the redirect carries only the search's number
    raw = request.query_params.get("search", "")
    warned = number_of(raw)
    warnings: list[str] = []
    if warned is not None:
        try:
            warnings = await run_in_threadpool(review.import_warnings, warned)
        except ScopewiseError:
            warned = None
    planned = [s for s in review.protocol.sources if s.method == "file"]
    formats = {name: reader.label for name, reader in sorted(readers().items())}
    return render(request, "import.html", status_code, title="Import", searches=searches,
                  message=message, error=error, filled=filled or {}, formats=formats,
                  warned=warned, warnings=warnings, planned=planned)


@requires("lead")
async def import_page(request: Request) -> Response:
    query = request.query_params
    return await _import_page(request, message=query.get("message", "")[:300],
                              error=query.get("error", "")[:300])


WEB_WORDS = (("pass --format", "choose its format below"),
             ("give --source NAME", "fill in Database searched"))
"""The command line's words in an import's refusal, and the form's."""

IMPORT_FIELDS = ("source", "platform", "query", "searched_on", "format")
"""The import form's fields besides the file, kept filled in when an import is refused."""


@requires("lead")
async def import_upload(request: Request) -> Response:
    form = await checked_form(request)
    filled = {k: str(form.get(k, "")).strip() for k in IMPORT_FIELDS}
    try:
        async with saved_upload(form.get("file"), MAX_IMPORT_BYTES, None,
                                "choose the file to import") as path:
            # the uploaded name, without any folder part, so the search records what was sent
            result = await _call(
                _review(request).import_file, path,
                source=filled["source"] or None, platform=filled["platform"],
                query=filled["query"], searched_on=filled["searched_on"] or None,
                format=filled["format"] or None, actor=_actor(request),
            )
    except HTTPException as exc:  # refused: said above the form, which keeps what was typed
        why = str(exc.detail)
        for cli, web in WEB_WORDS:
            why = why.replace(cli, web)
        return await _import_page(request, error=f"Nothing was imported: {why}", filled=filled,
                                  status_code=exc.status_code)
    records = "1 record" if result.records == 1 else f"{result.records} records"
    message = f"Imported {records} from {result.file_name} as {result.source}"
    query = urlencode({"message": message, "search": result.search_id}, quote_via=quote)
    return RedirectResponse(f"/import?{query}", status_code=303)


@requires("lead")
async def undo_import(request: Request) -> Response:
    form = await checked_form(request)
    search_id = number_or_400(form.get("search_id", ""), "search_id must be a number")
    try:
        removed = await run_in_threadpool(
            _review(request).undo_search, search_id, actor=_actor(request))
    except ScopewiseError as exc:  # pinned by decisions, or no such search: said on the page
        said = {"error": f"Search {search_id} was not undone: {exc}"}
    else:
        said = {"message": f"Search {search_id} undone: {removed.get('records', 0)} records removed; "
                "the same file can be imported again"}
    return RedirectResponse(f"/import?{urlencode(said, quote_via=quote)}", status_code=303)


# -- protocol, users, audit ------------------------------------------------------------------


@requires("lead")
async def protocol_page(request: Request) -> Response:
    review = _review(request)
    versions = await _call(review.protocol_versions)
    terms = await _call(review.highlight_terms)
    return render(request, "protocol.html", title="Protocol", versions=versions,
                  protocol=review.protocol, terms=terms)


@requires("lead")
async def highlight_terms(request: Request) -> Response:
    form = await checked_form(request)

    def lines(name: str) -> list[str]:
        return [t for t in str(form.get(name, "")).replace(";", "\n").splitlines()]

    await _call(_review(request).set_highlight_terms, lines("include"), lines("exclude"),
                _actor(request))
    return RedirectResponse("/protocol", status_code=303)


async def _users_page(request: Request, message: str = "", error: str = "",
                      link: tuple[str, str] | None = None, filled: dict[str, str] | None = None,
                      status_code: int = 200) -> Response:
    review = _review(request)
    accounts = await _call(review.accounts)
    return render(request, "users.html", status_code, title="Users", accounts=accounts,
                  team=review.protocol.team, message=message, error=error, link=link,
                  filled=filled or {})


@requires("lead")
async def users_page(request: Request) -> Response:
    return await _users_page(request, message=request.query_params.get("message", "")[:300])


@requires("lead")
async def users_add(request: Request) -> Response:
    form = await checked_form(request)
    filled = {k: str(form.get(k, "")).strip() for k in ("email", "name", "role")}
    try:
        account = await _call(
            _review(request).add_account, filled["email"], filled["name"], filled["role"],
            str(form.get("password", "")), _actor(request),
        )
    except HTTPException as exc:  # said above the form, which keeps all but the password
        return await _users_page(request, error=str(exc.detail), filled=filled,
                                 status_code=exc.status_code)
    message = f"Added {account.email} ({account.name}, {account.role})"
    return RedirectResponse(f"/users?{urlencode({'message': message}, quote_via=quote)}",
                            status_code=303)


@requires("lead")
async def users_disable(request: Request) -> Response:
    form = await checked_form(request)
    enable = form.get("enable") == "1"
    email = str(form.get("email", "")).strip().lower()
    # the signed-in lead is active, so refusing their own account keeps a lead who can
    # sign in: the browser never locks the team out (the command line still can)
    if not enable and email == request.state.session.account.email.lower():
        return await _users_page(
            request, error="you cannot disable your own account here; another lead can "
            "(or: scopewise user disable)", status_code=400)
    await _call(_review(request).disable_account, email, _actor(request), not enable)
    done = f"{'Enabled' if enable else 'Disabled'} {email}"
    return RedirectResponse(f"/users?{urlencode({'message': done}, quote_via=quote)}",
                            status_code=303)


@requires("lead")
async def users_link(request: Request) -> Response:
    form = await checked_form(request)
    email = str(form.get("email", "")).strip()
    token = await _call(_review(request).password_link_token, email, _actor(request))
    return await _users_page(request, link=(email, f"{request.base_url}reset/{token}"))


AUDIT_PAGE = 200  # events per page of /audit


@requires("lead")
async def audit_page(request: Request) -> Response:
    query = request.query_params
    action, actor = query.get("action") or None, query.get("actor") or None
    page = page_number(query.get("page"))
    found = await _call(_review(request).audit_page, page, AUDIT_PAGE, action, actor)
    return render(request, "audit.html", title="Audit log", found=found, action=action or "",
                  actor=actor or "",
                  **pages("/audit", found.total, page, AUDIT_PAGE, {"action": action, "actor": actor}))


ROUTES = [
    Route("/dashboard", dashboard, methods=["GET"]),
    Route("/screening/stop", accept_stop, methods=["POST"]),
    Route("/conflicts", conflicts, methods=["GET"]),
    Route("/conflicts/resolve", resolve, methods=["POST"]),
    Route("/duplicates", duplicates, methods=["GET"]),
    Route("/duplicates/decide", duplicate_decide, methods=["POST"]),
    Route("/duplicates/run", run_dedup, methods=["POST"]),
    Route("/import", import_page, methods=["GET"]),
    Route("/import", import_upload, methods=["POST"]),
    Route("/import/undo", undo_import, methods=["POST"]),
    Route("/protocol", protocol_page, methods=["GET"]),
    Route("/protocol/highlight", highlight_terms, methods=["POST"]),
    Route("/users", users_page, methods=["GET"]),
    Route("/users/add", users_add, methods=["POST"]),
    Route("/users/disable", users_disable, methods=["POST"]),
    Route("/users/link", users_link, methods=["POST"]),
    Route("/audit", audit_page, methods=["GET"]),
]

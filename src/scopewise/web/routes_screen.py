"""Screening in the browser: ``/screen`` shows the next record, keys decide it.

The GET only reads (:meth:`~scopewise.review.Review.screening_page`); deciding stores
the decision and leases the reviewer's next record in the same request, so the page
the redirect lands on shows a record no colleague can take.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Route

from scopewise.errors import ProjectLocked, ScopewiseError
from scopewise.records import number_of
from scopewise.review.decision_log import OWN_PAGE
from scopewise.screening.decisions import DECISIONS, REASON_GROUPS, STAGE_LABELS, valid_reasons
from scopewise.screening.stop_advice import stopping_sentence
from scopewise.web.fields import number_or_400, page_number
from scopewise.web.render import pages, render
from scopewise.web.security import checked_form, requires
from scopewise.web.uploads import saved_upload

__all__ = ["ROUTES"]

MAX_PDF_BYTES = 60 * 1024 * 1024
ALL_DECISIONS = sorted({d for ds in DECISIONS.values() for d in ds})
"""Every decision a stage offers (include, exclude, maybe): the filter of one's own list."""


def _int(value: Any, what: str) -> int:
    return number_or_400(value, f"{what} must be a number")


def _reason_groups(protocol: Any, stage: str) -> list[dict[str, Any]]:
    """The reasons the form offers at ``stage``, in two labelled groups (inclusion
    criteria not met, exclusion criteria that apply). Each keeps its key (its place
    among all the protocol's criteria, 1 to 9) at both stages."""
    valid = set(valid_reasons(protocol, stage))
    keys = {c.code: i for i, c in enumerate(protocol.all_criteria, 1) if i <= 9}
    groups = []
    for kind, criteria in (("inclusion", protocol.criteria.inclusion),
                           ("exclusion", protocol.criteria.exclusion)):
        items = [(keys.get(c.code), c) for c in criteria if c.code in valid]
        if items:
            groups.append({"kind": kind, "heading": REASON_GROUPS[kind], "criteria": items})
    return groups


def _stopping_line(stopping: Any, accepted: Any, target_recall: float) -> str:
    """The progress line's verdict: the lead's accepted stop, else what the rule says
    with its reason and recall estimate (the words ``screen --stopping`` uses)."""
    if accepted is not None:
        return (f"{accepted.stop.stopped_by} stopped title/abstract screening on "
                f"{accepted.stop.stopped_at.strftime('%Y-%m-%d')}.")
    return stopping_sentence(stopping, target_recall)


def _stage_tabs(review: Any, left: dict[str, int], shown: str | None) -> list[dict[str, Any]]:
    """One link per stage with the records left for the reviewer there (none for a
    protocol with one stage)."""
    stages = review.protocol.screening.stages
    if len(stages) < 2:
        return []
    return [{"stage": s, "label": STAGE_LABELS[s], "left": left.get(s, 0), "current": s == shown}
            for s in stages]


def _screen_context(
    review: Any, name: str, record_id: int | None, stage_asked: str | None = None
) -> dict[str, Any]:
    """Everything the screening page shows (run in a worker thread). ``stage_asked``:
    the stage the reviewer chose (a tab), or, with ``record_id``, the stage of the
    decision to reopen."""
    protocol = review.protocol
    own: Any = None
    accepted = review.accepted_stop(count=False)
    if record_id is not None:  # reopening one's own decision (undo / change)
        left = review.screening_left(name)
        mine = [d for d in review.decisions_for(record_id, name) if d.reviewer == name
                and (stage_asked is None or d.stage == stage_asked)]
        if not mine:
            raise HTTPException(404, "you have not screened that record")
        own = mine[-1]
        record, stage, remaining, stopping = review.screening_record(record_id), own.stage, None, None
        ordered_by = "your earlier decision, to change"
    else:
        view = review.screening_view(name, stage_asked, accepted is not None)
        left, serve, found = view.left, view.stage, view.found
        if found is None:
            stopping = (review.stopping_estimate(name, record=False)
                        if serve in (None, "title_abstract") else None)
            return {
                "record": None, "protocol": protocol, "stopping": stopping, "accepted": accepted,
                "stopping_line": stopping and _stopping_line(
                    stopping, accepted, protocol.screening.target_recall),
                "tabs": _stage_tabs(review, left, serve), "stage": serve,
                "stage_label": STAGE_LABELS.get(serve or "", ""),
                "chosen": stage_asked or "",
            }
        record_id, record, stage = found.record_id, found.record, found.stage
        remaining, stopping, ordered_by = found.remaining, found.stopping, found.ordered_by
    full_text = review.full_text(record_id) if stage == "full_text" else None
    groups = _reason_groups(protocol, stage)
    return {
        "record": record,
        "record_id": record_id,
        "stage": stage,
        "stage_label": STAGE_LABELS[stage],
        "decisions": DECISIONS[stage],
        "reasons": groups,
        "reason_keys": [k for g in groups for k, _c in g["criteria"] if k is not None],
        "remaining": remaining,
        "stopping": stopping,
        "stopping_line": stopping and _stopping_line(
            stopping, accepted, protocol.screening.target_recall),
        "ordered_by": ordered_by,
        "terms": review.highlight_terms(),
        "protocol": protocol,
        "own": own,
        "full_text": full_text,
        "accepted": accepted if stage == "title_abstract" else None,
        "stopped_for_full_text": accepted if stage == "full_text" and own is None else None,
        "tabs": _stage_tabs(review, left, stage),
        "chosen": stage_asked or "",
    }


@requires("reviewer")
async def screen(request: Request) -> Response:
    review = request.app.state.review
    name = request.state.session.account.name
    raw = request.query_params.get("record")
    record_id = _int(raw, "record") if raw else None
    stage = request.query_params.get("stage") or None
    if stage is not None and stage not in STAGE_LABELS:  # the protocol's stages: in the thread
        raise HTTPException(400, "unknown stage")
    try:
        context = await run_in_threadpool(_screen_context, review, name, record_id, stage)
    except ProjectLocked as exc:  # busy: colleagues took the records, or a long write
        raise HTTPException(503, str(exc), headers={"Retry-After": "1"}) from None
    except ScopewiseError as exc:
        raise HTTPException(400, str(exc)) from None
    last = request.query_params.get("last", "")
    return render(request, "screen.html", title="Screen", last=last if number_of(last) is not None else "",
                  message=request.query_params.get("message", "")[:300], **context)


@requires("reviewer")
async def own_decisions(request: Request) -> Response:
    """The signed-in reviewer's own decisions, to find a record again and change it."""
    review = request.app.state.review
    name = request.state.session.account.name
    query = request.query_params
    stage = query.get("stage") or None
    if stage is not None and stage not in STAGE_LABELS:
        raise HTTPException(400, "unknown stage")
    decision = query.get("decision") or None
    if decision is not None and decision not in ALL_DECISIONS:
        raise HTTPException(400, "unknown decision")
    words = query.get("q", "")[:200]
    page = page_number(query.get("page"))
    try:
        rows, total = await run_in_threadpool(
            review.own_decisions, name, stage, decision, words, page, OWN_PAGE)
    except ScopewiseError as exc:
        raise HTTPException(400, str(exc)) from None
    return render(
        request, "own_decisions.html", title="Your decisions", rows=rows, total=total,
        stage=stage or "", decision=decision or "", q=words, stage_labels=STAGE_LABELS,
        choices=ALL_DECISIONS, stages=review.protocol.screening.stages,
        **pages("/screen/mine", total, page, OWN_PAGE,
                {"stage": stage, "decision": decision, "q": words}),
    )


@requires("reviewer")
async def decide(request: Request) -> Response:
    form = await checked_form(request)
    review = request.app.state.review
    name = request.state.session.account.name
    record_id = _int(form.get("record_id", ""), "record_id")
    stage = str(form.get("stage", "")) or None
    # the stage the reviewer chose (a tab): the next record and the page stay there
    chosen = str(form.get("next_stage", "")) or None
    if chosen is not None and chosen not in STAGE_LABELS:  # the protocol's: decide_handed_out
        raise HTTPException(400, "unknown stage")
    at = {"stage": chosen} if chosen else {}
    reasons = [str(r) for r in form.getlist("reasons")]
    try:
        await run_in_threadpool(
            review.decide_handed_out, record_id, str(form.get("decision", "")), name, stage,
            reasons, str(form.get("note", ""))[:5000], chosen,
        )
    except ProjectLocked as exc:  # a colleague's lease filled the record first
        return RedirectResponse(f"/screen?{urlencode({'message': str(exc), **at})}",
                                status_code=303)
    except ScopewiseError as exc:  # e.g. reasons with include: said on the same record
        return await _refused(request, review, name, record_id, chosen, str(exc),
                              {"note": str(form.get("note", ""))[:5000], "reasons": reasons})
    return RedirectResponse(f"/screen?{urlencode({'last': record_id, **at})}", status_code=303)


async def _refused(request: Request, review: Any, name: str, record_id: int, chosen: str | None,
                   why: str, draft: dict[str, Any]) -> Response:
    """A decision refused: the screening page again with the reason, and with the
    note and reasons as the reviewer left them when it still shows that record."""
    try:
        context = await run_in_threadpool(_screen_context, review, name, None, chosen)
    except ScopewiseError:
        raise HTTPException(400, why) from None
    if context.get("record_id") != record_id:  # not theirs to show again: the bare reason
        raise HTTPException(400, why)
    return render(request, "screen.html", 400, title="Screen", last="", message=why,
                  draft=draft, **context)


@requires("reviewer")
async def upload_full_text(request: Request) -> Response:
    form = await checked_form(request)
    review = request.app.state.review
    record_id = _int(form.get("record_id", ""), "record_id")
    async with saved_upload(form.get("pdf"), MAX_PDF_BYTES, None,
                            "choose a PDF file to upload") as path:
        try:
            await run_in_threadpool(
                review.attach_full_text, record_id, path, request.state.session.account.name
            )
        except ScopewiseError as exc:
            raise HTTPException(400, str(exc)) from None
    return RedirectResponse("/screen", status_code=303)


@requires("reviewer")
async def full_text_file(request: Request) -> Response:
    review = request.app.state.review
    record_id = _int(request.path_params["record_id"], "record")
    entry = await run_in_threadpool(review.full_text, record_id)
    if entry is None or entry.status != "attached" or not entry.path:
        raise HTTPException(404, "no PDF is attached to that record")
    path = (review.path / entry.path).resolve()
    if review.path.resolve() not in path.parents or not path.is_file():
        raise HTTPException(404, "the PDF is missing from the project folder")
    response = FileResponse(path, media_type="application/pdf",
                            content_disposition_type="inline", filename=f"record-{record_id}.pdf")
    # shown in a frame on the screening page (same origin only)
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; object-src 'self'; frame-ancestors 'self'; base-uri 'none'"
    )
    return response


ROUTES = [
    Route("/screen", screen, methods=["GET"]),
    Route("/screen/decide", decide, methods=["POST"]),
    Route("/screen/mine", own_decisions, methods=["GET"]),
    Route("/screen/fulltext", upload_full_text, methods=["POST"]),
    Route("/files/{record_id}", full_text_file, methods=["GET"]),
]

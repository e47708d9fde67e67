"""The lead's records pages: every unique record with where it stands, and one record's
decisions (every reviewer's, so for a lead only)."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from scopewise.records import number_of
from scopewise.screening.decisions import STAGE_LABELS
from scopewise.web.facade import actor as _actor
from scopewise.web.facade import call as _call
from scopewise.web.facade import review as _review
from scopewise.web.fields import number_or_404, page_number
from scopewise.web.render import pages, render
from scopewise.web.security import checked_form, requires

__all__ = ["ROUTES"]



RECORDS_PAGE = 100  # records per page of /records


@requires("lead")
async def records_page(request: Request) -> Response:
    from scopewise.review.records_view import RECORD_FILTERS

    query = request.query_params
    words = query.get("q", "")[:200]
    where = query.get("where") or None
    page = page_number(query.get("page"))
    rows, total = await _call(_review(request).record_rows, _actor(request), words, where, page,
                              RECORDS_PAGE)
    stages = _review(request).protocol.screening.stages
    filters = {k: v for k, v in RECORD_FILTERS.items()
               if ":" not in k or k.split(":")[0] in stages}
    return render(request, "records.html", title="Records", rows=rows, total=total,
                  q=words, where=where or "", filters=filters, stages=stages,
                  **pages("/records", total, page, RECORDS_PAGE, {"q": words, "where": where}))


@requires("lead")
async def record_page(request: Request) -> Response:
    record_id = number_or_404(request.path_params["record_id"], "no such record")
    row, record, decisions = await _call(_review(request).record_history, _actor(request), record_id,
                                         not_found=404)
    return render(request, "record.html", title=f"Record {record_id}", row=row,
                  record=record, decisions=decisions, stage_labels=STAGE_LABELS,
                  terms={"include": [], "exclude": []},
                  message=request.query_params.get("message", "")[:300])


@requires("lead")
async def undo_merge(request: Request) -> Response:
    """The lead undoes a duplicate merge from a record's page: its members are screened
    apart again (and never merged automatically again)."""
    form = await checked_form(request)
    group_id = number_of(form.get("group_id", ""))
    back = number_of(form.get("record_id", ""))
    if group_id is None or back is None:
        raise HTTPException(400, "group_id and record_id must be numbers")
    group = await _call(_review(request).undo_merge, group_id, _actor(request),
                        not_found=404)
    said = (f"Merge undone: records {', '.join(str(r) for r in group.record_ids)} are "
            "screened apart and will not be merged automatically again")
    return RedirectResponse(f"/records/{back}?{urlencode({'message': said})}", status_code=303)


ROUTES = [
    Route("/records", records_page, methods=["GET"]),
    Route("/records/{record_id}", record_page, methods=["GET"]),
    Route("/duplicates/undo", undo_merge, methods=["POST"]),
]

"""The consultation for the lead: participants, sessions, coding, themes.

The overview comes from ``review.consultation_report()``, which applies the quote
policy once (no note text reaches it when quotes are "never"), and from the notes'
descriptions (code, group, date, word counts), never their text. The lead uploads a
session's notes (.txt, .md, .docx) and codes spans of them on the note's own page;
what is stored is the span, never a copy of the words.

With the protocol's ``quotes = "never"`` no page shows a note's words, that one
included: the lead codes by typing words from their own copy of the notes (the
span is found in the stored note and told by its line and word numbers, never its
words), or reads the note in a terminal with ``scopewise consult DIR show``. When
quotes are allowed, the note is shown on its page with the coded spans marked, each
span's words are listed beside it, and selecting words codes them. Either way the
lead can remove a coded span (audited).

Errors are said in the page's terms: the facade's span errors are neutral (the CLI
words them in its options), and an unknown note is simply not found.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from scopewise.consultation import MAX_NOTE_BYTES
from scopewise.consultation.model import STANCES, Excerpt
from scopewise.errors import NotFound, ScopewiseError
from scopewise.records import number_of
from scopewise.web.facade import call
from scopewise.web.fields import number_or_400, number_or_404
from scopewise.web.render import render
from scopewise.web.security import checked_form, requires
from scopewise.web.uploads import saved_upload

__all__ = ["ROUTES"]


def _page(review: Any) -> dict[str, Any]:
    return {
        "report": review.consultation_report(),
        "notes": review.consultation_notes(),
        "themes": review.protocol.charting.themes,
        "stances": STANCES,
        "groups": review.protocol.consultation.groups,
        "participants": review.consultation_participants(),
    }


def _segments(text: str, excerpts: list[Excerpt]) -> list[tuple[str, list[str]]]:
    """The note cut where coded spans start and end: (words, themes covering them)."""
    cuts = sorted({0, len(text), *(e.start for e in excerpts), *(e.end for e in excerpts)})
    out: list[tuple[str, list[str]]] = []
    for first, last in pairwise(cuts):
        themes = sorted({e.theme for e in excerpts if e.start <= first and last <= e.end})
        out.append((text[first:last], themes))
    return out


def _note_page(review: Any, note_id: int) -> dict[str, Any]:
    info = next((n for n in review.consultation_notes() if n.id == note_id), None)
    if info is None:
        raise NotFound(f"no consultation note {note_id}")
    excerpts = review.note_excerpts(note_id)
    shown = review.protocol.consultation.quotes != "never" and not info.purged
    text = review.note_text(note_id) if shown else ""
    return {
        "note": info,
        "shown": shown,
        "segments": _segments(text, excerpts),
        "excerpts": excerpts,
        "positions": review.excerpt_positions(note_id),
        "words": {e.id: text[e.start:e.end] for e in excerpts} if shown else {},
        "themes": review.protocol.charting.themes,
    }


@requires("lead")
async def consultation(request: Request) -> Response:
    context = await call(_page, request.app.state.review)
    return render(request, "consultation.html", title="Consultation", **context)


@requires("lead")
async def record_theme(request: Request) -> Response:
    form = await checked_form(request)
    await call(
        request.app.state.review.record_theme, str(form.get("theme", "")),
        str(form.get("stance", "")), str(form.get("summary", ""))[:5000],
        request.state.session.account.name,
    )
    return RedirectResponse("/consultation", status_code=303)


@requires("lead")
async def upload_note(request: Request) -> Response:
    form = await checked_form(request)
    upload = form.get("file")
    suffix = Path(getattr(upload, "filename", "") or "").suffix.lower()
    # the file name may name the person: only its suffix is kept, and not stored
    async with saved_upload(upload, MAX_NOTE_BYTES, f"notes{suffix}",
                            "choose the file of the session's notes (.txt, .md or .docx)") as path:
        done = await call(
            request.app.state.review.import_note, path,
            str(form.get("participant", "")).strip(),
            group=str(form.get("group", "")).strip() or None,
            held_on=str(form.get("held_on", "")).strip() or None,
            actor=request.state.session.account.name, not_found=404,
        )
    return RedirectResponse(f"/consultation/notes/{done.note_id}", status_code=303)


@requires("lead")
async def note_page(request: Request) -> Response:
    note_id = number_or_404(request.path_params["note_id"], "no such consultation note")
    context = await call(_note_page, request.app.state.review, note_id, not_found=404)
    removed = request.query_params.get("removed", "")
    return render(request, "consultation_note.html", title=f"Note {note_id}",
                  removed=removed if number_of(removed) is not None else "", **context)


@requires("lead")
async def code_excerpt(request: Request) -> Response:
    form = await checked_form(request)
    note_id = number_or_400(form.get("note_id", ""), "which note? (note_id)")
    start = number_of(str(form.get("start", "")).strip())
    try:
        await run_in_threadpool(
            request.app.state.review.code_excerpt, note_id, str(form.get("theme", "")),
            start=start,
            text=str(form.get("text", ""))[:20_000],
            actor=request.state.session.account.name,
        )
    except NotFound:
        raise HTTPException(404, f"no consultation note {note_id}") from None
    except ScopewiseError as exc:
        raise HTTPException(400, str(exc)) from None
    return RedirectResponse(f"/consultation/notes/{note_id}", status_code=303)


@requires("lead")
async def uncode_excerpt(request: Request) -> Response:
    form = await checked_form(request)
    excerpt_id = number_or_400(form.get("excerpt_id", ""), "which coded span? (excerpt_id)")
    removed = await call(request.app.state.review.uncode_excerpt, excerpt_id,
                         actor=request.state.session.account.name, not_found=404)
    return RedirectResponse(f"/consultation/notes/{removed.note_id}?removed={excerpt_id}",
                            status_code=303)


ROUTES = [
    Route("/consultation", consultation, methods=["GET"]),
    Route("/consultation/theme", record_theme, methods=["POST"]),
    Route("/consultation/notes", upload_note, methods=["POST"]),
    Route("/consultation/notes/{note_id:int}", note_page, methods=["GET"]),
    Route("/consultation/code", code_excerpt, methods=["POST"]),
    Route("/consultation/uncode", uncode_excerpt, methods=["POST"]),
]

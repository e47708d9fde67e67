"""Downloads for everyone signed in: the report in every format, the record exports;
for a lead also the decisions file and the audit trail. Each file is written on
request from the project as it stands, into a temporary folder removed after sending
(a GET records nothing in the audit log)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from scopewise.cells import text_cell
from scopewise.errors import ScopewiseError
from scopewise.web.facade import call as _call
from scopewise.web.facade import review as _review
from scopewise.web.render import render
from scopewise.web.security import requires

__all__ = ["ROUTES"]



EXPORTS = {
    "records.csv": ("csv", None, None),
    "records.ris": ("ris", None, None),
    "included.csv": ("csv", "title_abstract", "include"),
    "included-full-text.csv": ("csv", "full_text", "include"),
    "included-full-text.ris": ("ris", "full_text", "include"),
}
EXPORT_NOTES = {
    "records.csv": "every imported record, duplicates marked",
    "records.ris": "every imported record, for a reference manager",
    "included.csv": "the records that passed title/abstract screening (on to full text)",
    "included-full-text.csv": "the sources included after full text",
    "included-full-text.ris": "the sources included after full text, for a reference manager",
}

DECISION_FILES = {  # file -> (every decision ever made?, what it is)
    "decisions.csv": (False, "each reviewer's latest decision on each record and stage, "
                      "and the resolutions, as scopewise screen --export-decisions writes them "
                      "(and --import-decisions reads them back)"),
    "decisions-history.csv": (True, "every decision ever made, changed ones included, "
                              "in the same columns"),
}
"""The lead's decision files: ``Review.export_decisions``, as ``screen
--export-decisions`` writes them (pilot rounds left out)."""

REPORT_FILES = {  # file -> (report format, media type, what it is)
    "report.html": ("html", "text/html", "the report, self-contained (opens in any browser)"),
    "report.docx": ("docx", "application/vnd.openxmlformats-officedocument."
                    "wordprocessingml.document", "the report for Word, to edit"),
    "report.pdf": ("pdf", "application/pdf", "the report as PDF"),
    "prisma.svg": ("svg", "image/svg+xml", "the PRISMA flow diagram (SVG)"),
    "prisma.png": ("png", "image/png", "the PRISMA flow diagram (PNG)"),
    "prisma.json": ("json", "application/json", "the PRISMA flow's numbers"),
    "checklist.csv": ("json", "text/csv", "the PRISMA-ScR checklist: where the report "
                      "answers each item"),
    "report.json": ("json", "application/json", "the data behind every table of the report"),
}
"""The report's files a signed-in user can download, each written on request from the
project as it stands (a GET records nothing in the audit log)."""


@requires("viewer")
async def downloads(request: Request) -> Response:
    stages = _review(request).protocol.screening.stages
    exports = {name: EXPORT_NOTES[name] for name, (_f, stage, _d) in EXPORTS.items()
               if stage is None or stage in stages}
    charting = _review(request).protocol.charting.active_fields
    return render(request, "downloads.html", title="Downloads", exports=exports,
                  report_files={k: v[2] for k, v in REPORT_FILES.items()},
                  decision_files={k: v[1] for k, v in DECISION_FILES.items()},
                  charting_files=CHARTING_FILES if charting else {})


CHARTING_FILES = {  # file -> what it is
    "charted.csv": "the final charted values of every included source (CSV)",
    "charted.xlsx": "the final charted values of every included source (Excel)",
    "evidence-map.csv": "the evidence map's counts, source by source (CSV)",
    "evidence-map.svg": "the evidence map (SVG)",
    "evidence-map.png": "the evidence map (PNG)",
}
"""Charting downloads, offered once the protocol has a charting form. The map is the
pair of fields ``?a=&b=`` names (the map page links them), else the report's default."""


def _write_map(review: Any, path: Path, a: str, b: str) -> None:
    import csv

    from scopewise.report.figures import evidence_map_figure

    emap = review.evidence_map(a, b)
    if path.suffix == ".csv":
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(emap.to_csv_cells())
    else:
        evidence_map_figure(emap, path)


def _write_audit(path: Path, events: Any) -> None:
    """The whole audit trail, oldest first: id, time (UTC), who, what, detail (JSON)."""
    import csv
    import json

    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "at", "actor", "action", "detail"])
        for e in events:
            writer.writerow([e.id, e.at.isoformat(), text_cell(e.actor), text_cell(e.action),
                             json.dumps(e.detail, ensure_ascii=False, sort_keys=True)])


def _cleanup(folder: Path) -> None:
    for p in sorted(folder.rglob("*"), reverse=True):
        p.unlink() if p.is_file() else p.rmdir()
    folder.rmdir()


LEAD_ONLY = {
    **{name: "the decisions file shows every reviewer's decisions: leads only"
       for name in DECISION_FILES},
    "audit.csv": "the audit trail names every reviewer's actions: leads only",
    "consultation.csv": "the consultation is for the lead alone",
}
"""The downloads only a lead may have, and what the refusal says."""


def _known(review: Any, name: str) -> bool:
    charting = name in CHARTING_FILES and bool(review.protocol.charting.active_fields)
    return charting or any(name in files for files in (REPORT_FILES, LEAD_ONLY, EXPORTS))


@requires("viewer")
async def download(request: Request) -> Response:
    name = request.path_params["name"]
    review = _review(request)
    if not _known(review, name):
        raise HTTPException(404, "no such download")
    if name in LEAD_ONLY and request.state.session.account.role != "lead":
        raise HTTPException(403, LEAD_ONLY[name])
    folder = Path(tempfile.mkdtemp(prefix="scopewise-download-"))
    try:
        path, media = await _write(request, review, name, folder)
    except BaseException:  # refused or failed: nothing is left behind
        _cleanup(folder)
        raise
    response = FileResponse(path, media_type=media, filename=name,
                            background=BackgroundTask(_cleanup, folder))
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


async def _write(request: Request, review: Any, name: str, folder: Path) -> tuple[Path, str]:
    """Write the download ``name`` (known, and allowed to the account) into ``folder``;
    its path and media type."""
    path = folder / name
    if name in REPORT_FILES:
        from scopewise.report import write_report

        fmt, media, _what = REPORT_FILES[name]
        # written from the report data directly: a GET records nothing in the audit log
        data = await _call(review.report_data)
        try:
            written = await run_in_threadpool(write_report, data, folder, (fmt,))
        except ScopewiseError as exc:
            raise HTTPException(400, str(exc)) from None
        found = next((p for p in written if p.name == name), None)
        if found is None:
            why = written.skipped.get(fmt, "the report was not written")
            raise HTTPException(503, f"{name} could not be written here: {why}")
        return found, media
    if name in DECISION_FILES:
        await _call(review.export_decisions, path, DECISION_FILES[name][0])
        return path, "text/csv"
    if name == "audit.csv":
        await run_in_threadpool(_write_audit, path, await _call(review.audit))
        return path, "text/csv"
    if name == "consultation.csv":
        await _call(review.export_consultation, path)
        return path, "text/csv"
    if name in CHARTING_FILES:
        if name.startswith("charted."):
            await _call(review.export_chart_sheet, path)
        else:
            a, b = request.query_params.get("a", ""), request.query_params.get("b", "")
            if not (a and b):
                a, b = review.default_map_fields() or ("", "")
            if not (a and b):
                raise HTTPException(404, "the charting form has no two fields to map")
            try:
                await _call(_write_map, review, path, a, b)
            except KeyError as exc:
                raise HTTPException(400, str(exc.args[0])) from None
        return path, {".csv": "text/csv", ".svg": "image/svg+xml", ".png": "image/png",
                      ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                      }[path.suffix]
    fmt, stage, decision = EXPORTS[name]
    await _call(review.export, path, fmt, stage, decision)
    return path, "text/csv" if fmt == "csv" else "application/x-research-info-systems"


ROUTES = [
    Route("/downloads", downloads, methods=["GET"]),
    Route("/downloads/{name}", download, methods=["GET"]),
]

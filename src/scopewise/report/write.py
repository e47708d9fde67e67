"""Write the report files from one :class:`~scopewise.report.model.Document`.

``json`` writes ``prisma.json`` (the flow, keys unchanged) and ``report.json`` (the
data behind every table); ``svg``/``png`` the flow diagram; ``html``, ``docx``,
``pdf`` and ``md`` the whole report. ``checklist.csv`` (the PRISMA-ScR checklist)
is written with every report. Everything is rendered before the first file is
written, so a failure leaves no half-written report; each file is replaced
atomically. A format whose library cannot load is skipped with one line saying why.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from scopewise import jsonout
from scopewise.errors import ReportError, UsageError
from scopewise.report.build import build_document
from scopewise.report.checklist import checklist_csv
from scopewise.report.data import ReportData
from scopewise.report.figures_flow import FlowFigure, flow_figure
from scopewise.report.model import Document
from scopewise.report.references import format_references

__all__ = [
    "FILE_NAMES", "FORMATS", "Written", "build", "parse_formats", "render_all", "write_report",
]

FORMATS = ("json", "svg", "png", "html", "docx", "pdf", "md")
FILE_NAMES = {
    "json": "prisma.json",
    "svg": "prisma.svg",
    "png": "prisma.png",
    "html": "report.html",
    "docx": "report.docx",
    "pdf": "report.pdf",
    "md": "report.md",
}


class Written(list[Path]):
    """The files written (a list of paths) and ``skipped``: format -> why it was not."""

    def __init__(self, skipped: dict[str, str] | None = None) -> None:
        super().__init__()
        self.skipped: dict[str, str] = dict(skipped or {})


def parse_formats(value: str | Iterable[str]) -> tuple[str, ...]:
    """``"json,svg"`` or an iterable of names -> a tuple of known formats, in canonical order.

    Raises
    ------
    UsageError
        A name is not one of the :data:`FORMATS`.
    """
    names = value.split(",") if isinstance(value, str) else list(value)
    wanted = {n.strip().lower() for n in names if n.strip()}
    wanted = {"md" if w == "markdown" else w for w in wanted}
    unknown = sorted(wanted - set(FORMATS))
    if unknown:
        raise UsageError(
            f"unknown report format {', '.join(unknown)}; choose from {', '.join(FORMATS)}"
        )
    if not wanted:
        raise UsageError(f"give at least one report format: {', '.join(FORMATS)}")
    return tuple(f for f in FORMATS if f in wanted)


def _file_mode() -> int:
    # mkstemp creates files readable by the owner only; a report is for sharing,
    # so give it the permissions an ordinary new file gets (0666 minus the umask).
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def _atomic_write(path: Path, content: str | bytes) -> None:
    data = content.encode("utf-8") if isinstance(content, str) else content
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, _file_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _plain(value: Any) -> Any:
    if hasattr(value, "to_json"):
        return value.to_json()
    if hasattr(value, "__dataclass_fields__"):
        return asdict(value)
    return value


def report_json(doc: Document, data: ReportData) -> dict[str, Any]:
    """``report.json``: the numbers, every table's rows, the checklist and the rounds."""
    return {
        "title": doc.title,
        "generated_at": data.generated_at,
        "prisma": data.flow.to_json(),
        "rounds": [{"number": r.number, "name": r.name, "started_at": r.started_at,
                    "flow": r.flow.to_json()} for r in data.rounds],
        "tables": {t.key: {"caption": t.caption, "columns": list(t.columns),
                           "rows": t.records()} for t in doc.tables()},
        "checklist": [asdict(i) | {"item": i.label} for i in doc.data["checklist"]],
        "consultation": _consultation_json(data),
    }


def _consultation_json(data: ReportData) -> Any:
    """The consultation's data; never a quotation or a participant's notes unless the
    protocol allows quotes (the facade filters already; this holds it for any input)."""
    if data.consultation is None:
        return None
    plain = _plain(data.consultation)
    if isinstance(plain, dict) and data.protocol.consultation.quotes != "allowed":
        plain = {k: v for k, v in plain.items() if k not in ("quotations", "participants")}
    return plain


def build(data: ReportData, cache: dict[str, str] | None = None) -> tuple[Document, FlowFigure]:
    """The report's document (built once) and its flow figure."""
    refs = format_references(data.included, data.protocol.report.citation_style, cache)
    previous = sum(r.flow.included for r in data.rounds[:-1]) if len(data.rounds) > 1 else None
    labels = {c.code: c.text for c in data.protocol.all_criteria}
    fig = flow_figure(data.rounds[-1].flow if previous is not None else data.flow, previous, labels)
    return build_document(data, refs, fig), fig


def render_all(
    data: ReportData, chosen: tuple[str, ...], cache: dict[str, str] | None = None
) -> tuple[dict[str, str | bytes], dict[str, str]]:
    """Every chosen file's content by name (nothing written yet), and skipped formats."""
    doc, fig = build(data, cache)
    files: dict[str, str | bytes] = {"checklist.csv": checklist_csv(doc.data["checklist"])}
    skipped: dict[str, str] = {}
    if "json" in chosen:
        files["prisma.json"] = jsonout.dumps(data.flow.to_json(), indent=2, ensure_ascii=False) + "\n"
        files["report.json"] = jsonout.dumps(report_json(doc, data), indent=1, ensure_ascii=False,
                                          default=str) + "\n"
    if "svg" in chosen:
        files["prisma.svg"] = fig.svg
    if "png" in chosen:
        files["prisma.png"] = fig.png
    if "html" in chosen:
        from scopewise.report.html import render_html

        files["report.html"] = render_html(doc)
    if "md" in chosen:
        from scopewise.report.markdown import figure_name, render_markdown

        files["report.md"] = render_markdown(doc)
        for figure in doc.figures():
            files[figure_name(figure)] = figure.png
    for fmt, module, fn in (("docx", "docx", "render_docx"), ("pdf", "pdf", "render_pdf")):
        if fmt not in chosen:
            continue
        try:
            mod = __import__(f"scopewise.report.{module}", fromlist=[fn])
            files[FILE_NAMES[fmt]] = getattr(mod, fn)(doc)
        except (ImportError, OSError) as exc:  # a library or system font that is absent
            skipped[fmt] = f"{fmt.upper()} not written: {exc}".splitlines()[0]
    return files, skipped


def write_report(
    data: ReportData,
    out_dir: Path,
    formats: Iterable[str] = FORMATS,
    cache: dict[str, str] | None = None,
) -> Written:
    """Write the report in ``formats`` into ``out_dir`` (created if needed).

    Returns
    -------
    Written
        The files written, in the order of :data:`FORMATS` (``checklist.csv`` and the
        Markdown figures last), and ``skipped``: format -> one line saying why.
    """
    chosen = parse_formats(formats)
    if out_dir.exists() and not out_dir.is_dir():
        raise ReportError(f"{out_dir} is a file; give a folder for the report with -o")
    files, skipped = render_all(data, chosen, cache)
    order = [FILE_NAMES[f] for f in FORMATS if f in chosen]
    order += [n for n in files if n not in order]
    out_dir.mkdir(parents=True, exist_ok=True)
    written = Written(skipped=skipped)
    for name in order:
        if name in files:
            _atomic_write(out_dir / name, files[name])
            written.append(out_dir / name)
    if "md" in chosen:
        # a figure the report no longer shows (per year, before anything is included)
        # must not linger beside the Markdown that no longer names it
        for stale in sorted((out_dir / "figures").glob("*.png")):
            if f"figures/{stale.name}" not in files:
                stale.unlink(missing_ok=True)
    return written

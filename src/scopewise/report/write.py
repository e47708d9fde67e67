"""Write the report files: ``prisma.json``, ``prisma.svg``, ``prisma.png``, ``report.html``."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from scopewise.errors import ReportError, UsageError
from scopewise.report.data import ReportData
from scopewise.report.diagram import layout, to_svg, write_png
from scopewise.report.html import render_html

__all__ = ["FILE_NAMES", "FORMATS", "parse_formats", "write_report"]

FORMATS = ("json", "svg", "png", "html")
FILE_NAMES = {
    "json": "prisma.json",
    "svg": "prisma.svg",
    "png": "prisma.png",
    "html": "report.html",
}


def parse_formats(value: str | Iterable[str]) -> tuple[str, ...]:
    """``"json,svg"`` or an iterable of names -> a tuple of known formats, in canonical order.

    Raises
    ------
    UsageError
        A name is not one of json, svg, png, html.
    """
    names = value.split(",") if isinstance(value, str) else list(value)
    wanted = {n.strip().lower() for n in names if n.strip()}
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
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, _file_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_report(data: ReportData, out_dir: Path, formats: Iterable[str] = FORMATS) -> list[Path]:
    """Write the report in ``formats`` into ``out_dir`` (created if needed).

    Everything is rendered before the first file is written, so a failure leaves no
    half-written report; each file is replaced atomically.

    Returns
    -------
    list[Path]
        The files written, in the order of :data:`FORMATS`.
    """
    chosen = parse_formats(formats)
    if out_dir.exists() and not out_dir.is_dir():
        raise ReportError(f"{out_dir} is a file; give a folder for the report with -o")
    diagram = layout(data.flow)
    rendered: dict[str, str] = {}
    if "json" in chosen:
        rendered["json"] = json.dumps(data.flow.to_json(), indent=2, ensure_ascii=False) + "\n"
    if "svg" in chosen:
        rendered["svg"] = to_svg(diagram)
    if "html" in chosen:
        rendered["html"] = render_html(data)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for fmt in chosen:
        path = out_dir / FILE_NAMES[fmt]
        if fmt == "png":
            tmp = out_dir / f".{path.name}.tmp.png"
            try:
                write_png(diagram, tmp)
                os.replace(tmp, path)
            finally:
                tmp.unlink(missing_ok=True)
        else:
            _atomic_write(path, rendered[fmt])
        written.append(path)
    return written

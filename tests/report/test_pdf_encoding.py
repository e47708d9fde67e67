"""The PDF writer's one-call text encoding writes the bytes fpdf2's own would."""

from __future__ import annotations

import datetime

import pytest

from scopewise.report import pdf
from scopewise.report.model import Bullets, Document, Para, Section, Table

TEXT = ("Peer support (n = 12) – “quoted” ‘text’ with (parentheses) and a back\\slash; "
        "Łódź, Ærø, naïve, 東京, Ελληνικά, an emoji 😀 DejaVu has no glyph for, ≥ 95%")


def _doc() -> Document:
    return Document(
        title="Encoding <test>",
        subtitle=("Round 1",),
        sections=[Section("s", "Results", [
            Para(TEXT), Para("[TO BE WRITTEN] placeholder", placeholder=True),
            Para("TITLE-ABS-KEY(peer*)", style="code"),
            Bullets((TEXT, "second"), numbered=True),
            Table("t", "A table", ("Source", "Text"), tuple((f"r{i}", TEXT) for i in range(40))),
        ])],
    )


def _render(monkeypatch: pytest.MonkeyPatch, fast: bool) -> bytes:
    from fpdf import FPDF

    if not fast:
        monkeypatch.setattr(pdf, "_fast_encoding", lambda face: None)
    original = FPDF.__init__

    def fixed_date(self: FPDF, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)  # type: ignore[arg-type]
        self.creation_date = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)

    monkeypatch.setattr(FPDF, "__init__", fixed_date)
    try:
        return pdf.render_pdf(_doc())
    finally:
        monkeypatch.undo()


def test_fast_encoding_writes_the_same_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    fast = _render(monkeypatch, fast=True)
    slow = _render(monkeypatch, fast=False)
    assert fast.startswith(b"%PDF")
    assert fast == slow


def test_the_text_reads_back(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from pypdf import PdfReader

    text = "".join(p.extract_text() or "" for p in PdfReader(
        io.BytesIO(_render(monkeypatch, fast=True))).pages)
    assert "Łódź" in text and "naïve" in text and "Ελληνικά" in text
    assert "Peer support (n = 12)" in text and "back\\slash" in text


def test_the_writers_faces_take_the_fast_path() -> None:
    writer = pdf._Writer()
    kinds = {type(face).__name__ for face in writer.pdf.fonts.values()}
    writer.close()
    assert kinds == {"FastTTFFont"}

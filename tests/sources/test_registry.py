"""The plugin registry and the pinned public API of scopewise.sources."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import scopewise.sources as sources
from scopewise.errors import UsageError
from scopewise.records import Record
from scopewise.sources import Head, Reader, SourceFile, detect_format, read_records, readers


def test_public_api_is_pinned() -> None:
    assert sorted(sources.__all__) == [
        "EXPORT_FORMATS", "ExportItem", "ExportItems", "FORMATS", "Head", "Reader", "SourceFile", "Writer",
        "detect_format", "read_records", "readers", "register_reader", "register_writer",
        "write_records", "writers",
    ]


def test_builtins_are_registered() -> None:
    assert set(sources.FORMATS) <= set(readers())
    assert set(sources.EXPORT_FORMATS) <= set(sources.writers())


def test_a_third_party_reader_plugs_in(tmp_path: Path) -> None:
    def sniff(head: Head) -> bool:
        return head.text is not None and head.text.startswith("#PEERLIST")

    def read(source: SourceFile) -> Iterator[Record]:
        for _number, line in source.lines():
            if not line.startswith("#"):
                yield Record(title=line)

    sources.register_reader(Reader("peerlist", "Peer list", (".pl",), sniff, read, priority=90))
    try:
        path = tmp_path / "x.txt"
        path.write_text("#PEERLIST\nFirst\nSecond\n", encoding="utf-8")
        assert detect_format(path) == "peerlist"
        assert [r.title for r in read_records(path)] == ["First", "Second"]
    finally:
        from scopewise.sources import registry

        registry._readers.pop("peerlist", None)


def test_unknown_format_name() -> None:
    with pytest.raises(UsageError, match="unknown import format"):
        read_records(Path(__file__), format="nope")


def test_format_aliases(tmp_path: Path) -> None:
    path = tmp_path / "x.nbib"
    path.write_text("PMID- 1\nTI  - T\n", encoding="utf-8")
    assert [r.pmid for r in read_records(path, format="nbib")] == ["1"]

"""Every real export in ../shared/data/formats imports with the records it really holds.

The expected number is counted here independently of the readers: record
terminators (``ER`` lines), ``@entries``, ``PMID-`` lines, ``<record>`` elements or CSV
rows parsed with the standard library.
"""

from __future__ import annotations

import csv
import os
import re
import sys
from pathlib import Path

import pytest

from scopewise.sources import detect_format, read_records

pytestmark = pytest.mark.corpus

# Same resolution as the shared_data fixture (tests/conftest.py), needed at collection.
SHARED_DATA = Path(
    os.environ.get("SCOPEWISE_SHARED_DATA", Path(__file__).resolve().parents[3] / "shared" / "data")
)

NOT_EXPORTS = {"LICENSE", "DESCRIPTION"}
EXPECTED_FORMAT = {
    ".ris": "ris", ".nbib": "medline", ".ciw": "wos", ".bib": "bibtex", ".csv": "csv",
    ".xml": "endnote-xml",
}


def independent_count(path: Path) -> int:
    """Records in the file, counted without scopewise's readers."""
    data = path.read_bytes().decode("utf-8-sig", errors="replace")
    if path.suffix == ".csv":
        csv.field_size_limit(sys.maxsize)
        rows = list(csv.reader(data.splitlines(keepends=True)))
        return sum(1 for row in rows[1:] if any(cell.strip() for cell in row))
    if path.suffix == ".xml":
        return data.count("<record>")
    if path.suffix == ".bib":
        return len(re.findall(r"^@\w+\s*\{", data, flags=re.MULTILINE))
    if re.search(r"^PMID- ", data, flags=re.MULTILINE):
        return len(re.findall(r"^PMID- ", data, flags=re.MULTILINE))
    if data.startswith("FN "):  # Web of Science tagged: records end with a bare ER
        return len(re.findall(r"^ER\s*$", data, flags=re.MULTILINE))
    return len(re.findall(r"^ER  -", data, flags=re.MULTILINE))


def export_files() -> list[Path]:
    folder = SHARED_DATA / "formats"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*/*") if p.name not in NOT_EXPORTS)


def test_the_corpus_is_there(shared_data: Path) -> None:
    assert len(export_files()) >= 35


@pytest.mark.parametrize("path", export_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_export_imports_every_record(path: Path, shared_data: Path) -> None:
    expected = independent_count(path)
    assert expected > 0
    records = list(read_records(path))
    assert len(records) == expected
    if "empty" not in path.name:  # asreview's empty-values edge case has blank titles
        assert sum(1 for r in records if r.title) >= expected - 1
    fmt = detect_format(path)
    if path.suffix in EXPECTED_FORMAT:
        assert fmt == EXPECTED_FORMAT[path.suffix]
    else:  # .txt: RIS, MEDLINE or Web of Science, told apart by content
        text = path.read_text(encoding="utf-8-sig", errors="replace")
        want = "medline" if text.startswith(("PMID-", "\nPMID-")) else (
            "wos" if text.startswith("FN ") else "ris")
        assert fmt == want


def test_scopus_bibtex_with_spaced_field_names_keeps_them(shared_data: Path) -> None:
    # synthesisr's "malformed" Scopus BibTeX: 'funding_text 1={...}' is read, not dropped.
    path = shared_data / "formats" / "synthesisr" / "Scopus_bib_example.bib"
    records = list(read_records(path))
    assert [r.source_record_id for r in records] == ["Li2020", "Cao2020", "Tang2020"]
    # the space in Scopus's field name is a no-break space; kept as written
    assert "funding_text\u00a01" in records[0].raw
    assert isinstance(records[0].raw["funding_details"], list)  # a repeated field: both kept
    assert records[0].doi == "10.1080/20964129.2020.1722034"


def test_same_search_in_three_formats_agrees(shared_data: Path) -> None:
    base = shared_data / "formats" / "asysd"
    ris = {r.doi for r in read_records(base / "zotero_export.ris") if r.doi}
    bib = {r.doi for r in read_records(base / "zotero_export.bib") if r.doi}
    assert ris and ris == bib


def test_medline_and_xml_identifiers(shared_data: Path) -> None:
    nbib = list(read_records(shared_data / "formats" / "revtools" / "restoration_pubmed.nbib"))
    assert all(r.pmid.isdigit() for r in nbib)
    assert all(r.pmid == r.source_record_id for r in nbib)
    mendeley = list(read_records(shared_data / "formats" / "asysd" / "mendeley_export.xml"))
    assert sum(1 for r in mendeley if r.doi.startswith("10.")) > len(mendeley) // 2

"""Corpus tests on ../shared/data/dedup, read through the normal import path.

The 25 hand-made pairs of test_cases.json must all be right (a sure merge for each
duplicate, never a merge for a look-alike), and no labelled set may see a false merge.
"""

from __future__ import annotations

import csv
import dataclasses
import json
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest

from scopewise.dedup import Outcome, classify, find_duplicates, match_keys
from scopewise.records import Record
from scopewise.sources import read_records

pytestmark = pytest.mark.corpus


def _cases(shared_data: Path) -> list[dict[str, Any]]:
    data = json.loads((shared_data / "dedup" / "test_cases.json").read_text(encoding="utf-8"))
    return list(data["cases"])


def _pair_through_csv(case: dict[str, Any], tmp_path: Path) -> tuple[Record, Record]:
    """Write the pair as a bib-dedupe style CSV and read it back with read_records."""
    rows = [case["record_a"], case["record_b"]]
    columns = sorted({k for row in rows for k in row if k != "ID"})
    path = tmp_path / f"{case['id']}.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["ID", *columns])
        for n, row in enumerate(rows):
            writer.writerow([f"r{n}", *("" if row.get(c) is None else row[c] for c in columns)])
    records = list(read_records(path))
    assert len(records) == 2
    return records[0], records[1]


def test_all_hand_made_pairs(shared_data: Path, tmp_path: Path) -> None:
    wrong = []
    cases = _cases(shared_data)
    assert len(cases) == 25
    for case in cases:
        a, b = _pair_through_csv(case, tmp_path)
        verdict = classify(match_keys(1, a), match_keys(2, b))
        merged = verdict.outcome is Outcome.SURE
        if merged != case["expected_duplicate"]:
            wrong.append(f"{case['id']}: {verdict.outcome.value} ({verdict.rule})")
    assert wrong == []


def _true_pairs(folder: Path) -> set[tuple[str, str]]:
    pairs: set[tuple[str, str]] = set()
    with (folder / "merged_record_ids.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            pairs.update(combinations(sorted(set(row["merged_ids"].split(";"))), 2))
    return pairs


@pytest.mark.parametrize("name", ["special_cases", "haematology", "digital_work"])
def test_no_false_merge_on_labelled_sets(shared_data: Path, name: str) -> None:
    folder = shared_data / "dedup" / name
    records = list(read_records(folder / "records_pre_merged.csv"))
    result = find_duplicates(list(enumerate(records)))
    ids = [r.source_record_id for r in records]
    predicted = {
        tuple(sorted((ids[x], ids[y])))
        for g in result.groups
        for x, y in combinations(g.record_ids, 2)
    }
    true = _true_pairs(folder)
    assert predicted - true == set()  # precision 1.000: the first target
    if name == "digital_work":
        assert len(predicted & true) / len(true) >= 0.98  # the recall target


def test_one_library_in_five_export_formats_merges_every_twin(shared_data: Path) -> None:
    """One Zotero library exported as CSV and EndNote XML (1,233 items, in the same
    order) and, as a 1,000-item selection, as RIS and BibTeX (in the same order), plus
    the library through Mendeley (another order): every record must join its twins,
    and no record may be left alone. Before, a RIS conference record and a Mendeley
    page list written in another order ("351,366-368") were queued instead."""
    folder = shared_data / "formats" / "asysd"
    names = ["zotero_export.csv", "zotero_export.xml", "zotero_export.ris",
             "zotero_export.bib", "mendeley_export.xml"]
    exports = {name: list(read_records(folder / name)) for name in names}
    numbered: list[tuple[int, Record]] = []
    where: dict[tuple[str, int], int] = {}
    for name, records in exports.items():
        for index, record in enumerate(records):
            where[name, index] = len(numbered)
            numbered.append((len(numbered), record))
    group_of: dict[int, int] = {}
    for number, group in enumerate(find_duplicates(numbered).groups):
        group_of.update((record_id, number) for record_id in group.record_ids)
    assert len(group_of) == len(numbered)  # no record left alone
    for first, second in (("zotero_export.csv", "zotero_export.xml"),
                          ("zotero_export.ris", "zotero_export.bib")):
        apart = [i for i in range(len(exports[first]))
                 if group_of[where[first, i]] != group_of[where[second, i]]]
        assert apart == [], (first, second)


def test_three_databases_without_identifiers_merge_what_the_identifiers_say(
        shared_data: Path) -> None:
    """One search run in Web of Science, PubMed and Scopus (revtools' restoration
    exports): with every DOI and PubMed id removed, the groups found are exactly those
    the identifiers give (168 pairs), with no pair the identifiers contradict."""
    folder = shared_data / "formats" / "revtools"
    records = [record for name in ("restoration_WoS.ciw", "restoration_pubmed.nbib",
                                   "restoration_scopus.ris")
               for record in read_records(folder / name)]
    assert len(records) == 637
    truth: dict[str, set[int]] = {}
    for number, record in enumerate(records):
        for key in (f"doi:{record.doi.lower()}" if record.doi else "",
                    f"pmid:{record.pmid}" if record.pmid else ""):
            if key:
                truth.setdefault(key, set()).add(number)
    true_pairs = {pair for members in truth.values()
                  for pair in combinations(sorted(members), 2)}
    blind = [(number, dataclasses.replace(record, doi="", pmid="", raw={}))
             for number, record in enumerate(records)]
    found = {pair for group in find_duplicates(blind).groups
             for pair in combinations(sorted(group.record_ids), 2)}
    assert len(true_pairs) == 168
    assert found == true_pairs


def test_embase_csv_and_ris_of_one_search_are_twins(shared_data: Path) -> None:
    """Embase's CSV writes the citation into one "Source" column; read apart, each of
    its six records joins its RIS twin (before, one with a three-word title stayed
    alone: the CSV record had no year, volume or pages)."""
    folder = shared_data / "formats" / "asreview_tests"
    csv_records = list(read_records(folder / "embase.csv"))
    ris_records = list(read_records(folder / "embase.ris"))
    assert len(csv_records) == len(ris_records) == 6
    numbered = list(enumerate(csv_records + ris_records))
    groups = find_duplicates(numbered).groups
    assert sorted(len(group.record_ids) for group in groups) == [2] * 6
    assert all(min(group.record_ids) < 6 <= max(group.record_ids) for group in groups)

"""``scopewise demo`` on the bundled example, and the bundled example itself."""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from pathlib import Path

import numpy as np
import pytest

from cli_runner import run
from scopewise.records import Record
from scopewise.review import Review
from scopewise.review.demo import bundled_example, duplicate_check, prioritised_order
from scopewise.screening.stopping import get_stopping_rule


def bundled_rows() -> list[dict[str, str]]:
    _, data = bundled_example()
    return list(csv.DictReader(io.StringIO(gzip.decompress(data.read_bytes()).decode("utf-8"))))


def test_bundled_example_is_what_its_readme_says() -> None:
    protocol, data = bundled_example()
    rows = bundled_rows()
    # Counts stated by ../shared/data/README.md and the example's README.
    assert len(rows) == 6189
    assert sum(r["label_included"] == "1" for r in rows) == 43
    assert sum(r["label_abstract_screening"] == "1" for r in rows) == 388
    assert sum(bool(r["duplicate_record_id"].strip()) for r in rows) == 407
    readme = (data.parent / "README.md").read_text(encoding="utf-8")
    assert "CC BY 4.0" in readme and "10.1080/10705511.2016.1247646" in readme
    assert protocol.name == "protocol.toml"


@pytest.mark.corpus
def test_bundled_data_is_the_shared_dataset_unchanged(shared_data: Path) -> None:
    _, data = bundled_example()
    original = (shared_data / "screening" / "van_de_Schoot_2017.csv").read_bytes()
    assert gzip.decompress(data.read_bytes()) == original


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_demo_runs_offline_and_its_flow_reconciles(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "demo"
    code, out, err = run(["demo", str(folder), "--seed", "3"], capsys)
    assert code == 0, err
    prisma = json.loads((folder / "report" / "prisma.json").read_text(encoding="utf-8"))
    assert prisma["identified"] == 6189
    assert prisma["sources"] == {"Database search": 6189}
    # the lead accepts the stopping rule's stop: the records left are not screened
    assert prisma["not_screened"] > 0
    assert (prisma["duplicates_removed"] + prisma["removed_other_reasons"] + prisma["screened"]
            + prisma["not_screened"] == prisma["identified"])
    # the lead removed the records published before 1980 (before DSM-III), with the reason
    assert 10 <= prisma["removed_other_reasons"] <= 20
    assert list(prisma["removed_other_reasons_by_reason"]) == [
        "Published before 1980 (before DSM-III)"]
    assert "the lead accepted the stop" in out
    assert prisma["screened"] == prisma["excluded_title_abstract"] + prisma["sought"]
    assert prisma["sought"] == prisma["not_retrieved"] + prisma["assessed"]
    assert prisma["assessed"] == sum(prisma["excluded_full_text"].values()) + prisma["included"]
    assert prisma["complete"]
    # The dataset flags 407 duplicates (some only share a generic title): automatic
    # merging should find most of them without running away.
    assert 250 <= prisma["duplicates_removed"] <= 450
    # Conflicts go to the label, so at most a rare double error or a merged duplicate
    # separates the included count from the dataset's 43 (38 once its 5 included
    # duplicates are merged).
    assert 33 <= prisma["included"] <= 43
    codes = {"FEWWAVES", "NOSCALE", "NOTRAJ", "NOTRAUMA", "NOTSTUDY"}
    assert set(prisma["excluded_full_text"]) <= codes
    html = (folder / "report" / "report.html").read_text(encoding="utf-8")
    for key in (
        "identified",
        "duplicates_removed",
        "screened",
        "excluded_title_abstract",
        "sought",
        "not_retrieved",
        "assessed",
        "included",
    ):
        assert f"{prisma[key]:,}" in html, key
    for code_, count in prisma["excluded_full_text"].items():
        assert re.search(rf"<td>\s*{code_}: [^<]*</td><td class=\"n\">{count}<", html)
    assert "report.html" in out and "Stopping rule point-process-checked (the default), target recall 95%" in out
    # the report names the rule that ``default`` stands for
    assert "Stopping rule point-process-checked (the default), target recall" in html
    for name in ("prisma.svg", "prisma.png"):
        assert (folder / "report" / name).stat().st_size > 1000
    with Review.open(folder) as review:
        kappa = review.agreement()[0].overall.kappa
        assert kappa is not None and 0.5 < kappa < 0.95  # a few percent disagreement
        # every included study charted by two simulated charters and reconciled
        results = review.charting_results()
        assert results.simulated and results.included == prisma["included"]
        assert results.conflicts == 0 and results.pending["not_started"] == 0
        assert all(s.values.get("trauma") and s.values.get("study_design") for s in results.sources)
        assert results.map is not None and results.map.n_sources == prisma["included"]
        consultation = review.consultation_report()
        assert sum(len(t.summary) > 0 for t in consultation.themes) == len(results.form.themes)
        assert consultation.quotations == ()
    assert "SIMULATED" in out and "Consultation (SIMULATED)" in out
    assert "<svg" in (folder / "report" / "evidence-map.svg").read_text(encoding="utf-8")


def test_demo_refuses_a_folder_with_a_project(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    Review.create(tmp_path / "p").close()
    code, _, err = run(["demo", str(tmp_path / "p")], capsys)
    assert code == 2
    assert "already holds a scopewise project" in err


def test_prioritised_order_is_deterministic_and_complete() -> None:
    rng = np.random.default_rng(0)
    words = ["trauma", "trajectory", "cardiology", "growth", "mixture", "sleep", "fracture"]
    records = [
        Record(title=" ".join(rng.choice(words, 4)), abstract=" ".join(rng.choice(words, 20)))
        for _ in range(120)
    ]
    labels = np.array([int("trajectory" in r.title) for r in records])

    def once() -> tuple[list[int], int | None]:
        order, _, stopped, _ = prioritised_order(
            records, labels, "default", get_stopping_rule("statistical"), "trajectory", seed=5
        )
        return order, stopped

    first, second = once(), once()
    assert first == second
    assert sorted(first[0]) == list(range(120))


def test_duplicate_check_counts_pairs() -> None:
    check = duplicate_check([(1, 2), (3, 4)], [(2, 1), (5, 6)])
    assert check == {
        "predicted_pairs": 2,
        "true_pairs": 2,
        "precision": 0.5,
        "recall": 0.5,
        "false_merges": 1,
    }

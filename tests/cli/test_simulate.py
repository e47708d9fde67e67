"""``scopewise simulate`` on a small generated CSV."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from scopewise.cli import main as cli_main
from scopewise.cli.simulate import simulate

TOPIC = "peer support groups for carers of people with dementia"


def write_dataset(path: Path, n: int = 90, with_ids: bool = True) -> list[int]:
    rng = np.random.default_rng(3)
    filler = [f"lex{i}" for i in range(300)]
    labels = []
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow((["record_id"] if with_ids else []) + ["title", "abstract", "keywords",
                                                               "label_included"])
        for i in range(n):
            relevant = i % 9 == 4
            noise = " ".join(rng.choice(filler, size=25))
            title = f"A study of {TOPIC}" if relevant else f"Report {' '.join(rng.choice(filler, 5))}"
            abstract = f"{TOPIC}. {noise}" if relevant else noise
            writer.writerow(([f"R{i}"] if with_ids else []) + [title, abstract, "a; b",
                                                               int(relevant)])
            labels.append(int(relevant))
    return labels


def read_order(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_simulate_writes_order_and_prints_metrics(tmp_path: Path) -> None:
    data = tmp_path / "data.csv"
    labels = write_dataset(data)
    out = tmp_path / "order.csv"
    result = CliRunner().invoke(simulate, [str(data), "--seed", "2", "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = read_order(out)
    assert list(rows[0]) == ["rank", "record_id", "label", "prior"]
    assert [int(r["rank"]) for r in rows] == list(range(1, len(labels) + 1))
    assert sorted(r["record_id"] for r in rows) == sorted(f"R{i}" for i in range(len(labels)))
    assert [r["prior"] for r in rows[:2]] == ["1", "1"] and {r["prior"] for r in rows[2:]} == {"0"}
    assert [r["label"] for r in rows[:2]] == ["1", "0"]
    # labels in ORDER.csv are the dataset's own
    truth = {f"R{i}": str(label) for i, label in enumerate(labels)}
    assert all(truth[r["record_id"]] == r["label"] for r in rows)
    for words in ("Recall after screening 10%", "WSS@95", "WSS@100", "Average time to discovery"):
        assert words in result.output


def test_row_numbers_identify_records_without_a_record_id_column(tmp_path: Path) -> None:
    data = tmp_path / "data.csv"
    labels = write_dataset(data, with_ids=False)
    out = tmp_path / "order.csv"
    result = CliRunner().invoke(simulate, [str(data), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(int(r["record_id"]) for r in read_order(out)) == list(range(len(labels)))


def test_criteria_only_cold_start(tmp_path: Path) -> None:
    data = tmp_path / "data.csv"
    write_dataset(data)
    criteria = tmp_path / "criteria.txt"
    criteria.write_text("We include studies of peer support for dementia carers.")
    out = tmp_path / "order.csv"
    result = CliRunner().invoke(simulate, [
        str(data), "--prior-included", "0", "--prior-excluded", "0",
        "--criteria", str(criteria), "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = read_order(out)
    assert {r["prior"] for r in rows} == {"0"}
    assert [r["label"] for r in rows[:5]] == ["1"] * 5


def test_stop_rule_is_reported(tmp_path: Path) -> None:
    data = tmp_path / "data.csv"
    write_dataset(data, n=300)
    out = tmp_path / "order.csv"
    summary = tmp_path / "summary.json"
    result = CliRunner().invoke(simulate, [str(data), "--stop-rule", "statistical", "-o", str(out),
                                           "--summary", str(summary)])
    assert result.exit_code == 0, result.output
    assert "Stop rule 'statistical' stopped after" in result.output
    assert "left unscreened" in result.output
    assert '"stopped_at"' in summary.read_text()


def test_stop_rule_default(tmp_path: Path) -> None:
    """The command line of the issue, exactly; the summary keeps its fields."""
    import json

    from scopewise.screening.stopping import DEFAULT_STOP_RULE

    data = tmp_path / "data.csv"
    labels = write_dataset(data, n=600)
    out, summary = tmp_path / "ORDER.csv", tmp_path / "S.json"
    result = CliRunner().invoke(simulate, [
        str(data), "--seed", "1", "--prior-included", "1", "--prior-excluded", "1",
        "--stop-rule", "default", "-o", str(out), "--summary", str(summary)])
    assert result.exit_code == 0, result.output
    assert f"Stop rule '{DEFAULT_STOP_RULE}' stopped after" in result.output
    said = next(line for line in result.output.splitlines() if line.startswith("The rule said:"))
    assert said.startswith(("The rule said: You can stop:", "The rule said: Keep screening:"))
    data_out = json.loads(summary.read_text())
    assert data_out["stop"]["stop"] is True
    assert data_out["stop"]["rule"] == DEFAULT_STOP_RULE
    assert data_out["stopped_at"] >= 2 and 0 <= data_out["recall_at_stop"] <= 1
    assert data_out["metrics"]["n_records"] == len(labels) - 2
    assert "wss_95" in data_out["metrics"]
    assert data_out["stop"]["relevant_left"] is not None
    # the records the rule screened as checks are counted (work like any other)
    checks = data_out["checks_screened"]
    assert isinstance(checks, int) and 0 <= checks <= data_out["stopped_at"]
    assert (f"(among them {checks} screened as checks)" in result.output) == (checks > 0)
    # the order file holds every record once
    assert len(read_order(out)) == len(labels)


def test_stop_rule_target_recall_and_refusals(tmp_path: Path) -> None:
    data = tmp_path / "data.csv"
    write_dataset(data, n=200)
    out = tmp_path / "order.csv"
    result = CliRunner().invoke(simulate, [str(data), "--stop-rule", "point-process",
                                           "--target-recall", "0.9", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "(target 0.9)" in result.output
    bad = CliRunner().invoke(simulate, [str(data), "--stop-rule", "default",
                                        "--target-recall", "1.5", "-o", str(out)])
    assert bad.exit_code == 2 and "--target-recall" in bad.output


@pytest.mark.parametrize(("name", "content", "message"), [
    ("data.csv", b"title,abstract\nA,B\n", "no label_included column"),
    ("data.csv", b"title,abstract,label_included\nA,B,1\nC,D,maybe\n",
     "data.csv:3 (record 2): label_included"),
    ("data.csv", b"", "the file is empty"),
    ("data.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "not a text file"),
    ("data.csv",
     "title,abstract,label_included\n<script>alert(1)</script>,B,yes\nC,D,2\n".encode("utf-16"),
     "data.csv:3 (record 2): label_included is '2'"),
    # ASReview's own label column, a semicolon file without labels, RIS and other formats
    ("data.csv", b"title,abstract,asreview_label\nA,B,1\nC,D,-1\n",
     "data.csv:3 (record 2): asreview_label is '-1'; it must be 1 or 0"),
    ("data.csv", b"title;abstract\nA;B\n", "no label_included column (nor included, label"),
    ("data.ris", b"TY  - JOUR\nTI  - First\nN1  - ASReview_relevant\nER  - \n\n"
                 b"TY  - JOUR\nTI  - <b>Second</b>\nN1  - ASReview_not_seen\nER  - \n",
     "(record 2): 'Second' has no ASReview_relevant or ASReview_irrelevant note"),
    ("data.bib", b"@article{a, title={A study}, year={2020}}\n",
     "a simulation reads a labelled CSV/TSV, Excel or RIS file; this is BibTeX"),
    ("data.xlsx", b"PK\x03\x04xl/ not really a workbook", "not a readable Excel workbook"),
])
def test_bad_input_is_one_line_and_writes_nothing(
        tmp_path: Path, name: str, content: bytes, message: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / name
    data.write_bytes(content)
    out = tmp_path / "order.csv"
    with pytest.raises(SystemExit) as exit_info:
        cli_main(["simulate", str(data), "-o", str(out)])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1, err
    assert not out.exists()


def test_unknown_ranker_and_missing_cold_start(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data.csv"
    write_dataset(data, n=30)
    out = tmp_path / "order.csv"
    with pytest.raises(SystemExit):
        cli_main(["simulate", str(data), "--ranker", "oracle", "-o", str(out)])
    assert "unknown ranker 'oracle'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli_main(["simulate", str(data), "--prior-included", "0", "--prior-excluded", "0",
                  "-o", str(out)])
    assert "give --criteria" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize("encoding", ["cp1252", "utf-16", "utf-8-sig"])
def test_datasets_in_other_encodings_are_read(tmp_path: Path, encoding: str) -> None:
    source = tmp_path / "utf8.csv"
    labels = write_dataset(source, n=40)
    data = tmp_path / "data.csv"
    text = source.read_text(encoding="utf-8").replace("A study of", "Étude: a study of")
    data.write_bytes(text.encode(encoding))
    out = tmp_path / "order.csv"
    result = CliRunner().invoke(simulate, [str(data), "-o", str(out)])
    assert result.exit_code == 0, result.output
    order = read_order(out)
    assert sorted(int(r["label"]) for r in order) == sorted(labels)
    assert {r["record_id"] for r in order} == {f"R{i}" for i in range(40)}


def test_a_binary_criteria_file_is_one_line(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data.csv"
    write_dataset(data, n=30)
    criteria = tmp_path / "criteria.txt"
    criteria.write_bytes(b"\x00\x01\x02\x03\x04\x05\x06\x07" * 10)
    out = tmp_path / "order.csv"
    with pytest.raises(SystemExit) as exit_info:
        cli_main(["simulate", str(data), "--prior-included", "0", "--prior-excluded", "0",
                  "--criteria", str(criteria), "-o", str(out)])
    assert exit_info.value.code == 2
    assert "criteria file is not text" in capsys.readouterr().err
    assert not out.exists()


def dataset_rows(n: int = 45) -> list[tuple[str, str, str, int]]:
    """(record_id, title, abstract, label) rows of :func:`write_dataset`'s kind."""
    rng = np.random.default_rng(5)
    filler = [f"lex{i}" for i in range(300)]
    rows = []
    for i in range(n):
        relevant = i % 9 == 4
        noise = " ".join(rng.choice(filler, size=25))
        title = f"A study of {TOPIC}" if relevant else f"Report {' '.join(rng.choice(filler, 5))}"
        rows.append((f"R{i}", title, f"{TOPIC}. {noise}" if relevant else noise, int(relevant)))
    return rows


def order_of(data: Path, tmp_path: Path) -> list[tuple[str, str, str]]:
    out = tmp_path / f"order-{data.name}.csv"
    result = CliRunner().invoke(simulate, [str(data), "--seed", "1", "-o", str(out)])
    assert result.exit_code == 0, result.output
    return [(r["record_id"], r["label"], r["prior"]) for r in read_order(out)]


def test_asreview_style_files_give_the_same_order_as_the_csv(tmp_path: Path) -> None:
    from openpyxl import Workbook

    rows = dataset_rows()
    plain = tmp_path / "plain.csv"
    with plain.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["record_id", "title", "abstract", "label_included"])
        writer.writerows(rows)
    expected = order_of(plain, tmp_path)
    assert sorted(r[0] for r in expected) == sorted(r[0] for r in rows)

    # semicolons (a European Excel's CSV), ASReview's column names, pandas' float labels
    semicolons = tmp_path / "semicolons.csv"
    with semicolons.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["Record_ID", "Primary_Title", "Abstract Note", "included"])
        writer.writerows((i, t, a, f"{float(label):.1f}") for i, t, a, label in rows)
    # tabs, the label as yes/no under "label"
    tabs = tmp_path / "dataset.tsv"
    with tabs.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter="\t")
        writer.writerow(["record_id", "title", "abstract", "label"])
        writer.writerows((i, t, a, "yes" if label else "no") for i, t, a, label in rows)
    # Excel: numbers and booleans as cells, a blank row in the middle
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["record_id", "title", "abstract", "final_included"])
    for number, (i, t, a, label) in enumerate(rows):
        sheet.append([i, t, a, bool(label) if number % 2 else label])
        if number == 10:
            sheet.append([None, None, None, None])
    workbook_path = tmp_path / "dataset.xlsx"
    workbook.save(workbook_path)
    # RIS as ASReview exports it: the label as the first N1 note
    ris = tmp_path / "dataset.ris"
    ris.write_text("".join(
        f"TY  - JOUR\nID  - {i}\nTI  - {t}\nAB  - {a}\n"
        f"N1  - {'ASReview_relevant' if label else 'ASReview_irrelevant'}\n"
        f"N1  - a note of the reviewer\nER  - \n\n" for i, t, a, label in rows),
        encoding="utf-8")

    for data in (semicolons, tabs, workbook_path, ris):
        assert order_of(data, tmp_path) == expected, data.name


def test_label_included_wins_over_other_label_columns(tmp_path: Path) -> None:
    rows = dataset_rows(36)
    data = tmp_path / "data.csv"
    with data.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        # SYNERGY-style files carry both; "label" here says the opposite and must be ignored
        writer.writerow(["record_id", "title", "abstract", "label", "label_included"])
        writer.writerows((i, t, a, 1 - label, label) for i, t, a, label in rows)
    truth = {i: str(label) for i, _t, _a, label in rows}
    assert all(truth[record] == label for record, label, _prior in order_of(data, tmp_path))


def test_summary_is_strict_json_when_a_metric_has_no_value(tmp_path: Path) -> None:
    # the only relevant record is a prior: recall and WSS have no value, and the JSON
    # says null (Python wrote NaN, which jq and JSON.parse refuse)
    data = tmp_path / "data.csv"
    with data.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["record_id", "title", "abstract", "label_included"])
        writer.writerow(["R0", f"A study of {TOPIC}", TOPIC, 1])
        writer.writerows([f"R{i}", f"Report {i}", f"other words {i}", 0] for i in range(1, 40))
    summary = tmp_path / "s.json"
    result = CliRunner().invoke(simulate, [str(data), "--stop-rule", "default", "-o",
                                           str(tmp_path / "o.csv"), "--summary", str(summary)])
    assert result.exit_code == 0, result.output

    def refuse(constant: str) -> None:
        raise ValueError(f"not JSON: {constant}")

    parsed = json.loads(summary.read_text(encoding="utf-8"), parse_constant=refuse)
    assert parsed["recall_at_stop"] is None and parsed["metrics"]["wss_95"] is None
    assert parsed["metrics"]["n_records"] == 38 and parsed["stop"]["stop"] is True

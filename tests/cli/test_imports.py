"""``scopewise import``, ``export`` and ``search`` from the command line."""

from __future__ import annotations

import csv
from pathlib import Path

import httpx
import pytest

from cli_runner import run
from scopewise.errors import ImportFormatError
from scopewise.review import Review

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "peer-support" / "protocol.toml"
RIS = (
    "TY  - JOUR\nID  - a1\nTI  - Peer support in mental health\nAU  - Smith, Jane\n"
    "PY  - 2020\nDO  - 10.1000/one\nZZ  - custom tag\nER  - \n\n"
    "TY  - JOUR\nID  - a2\nTI  - Second record\nAB  - <b>bold</b> &amp; <script>x()</script>\n"
    "PY  - 2019\nER  - \n"
)


@pytest.fixture
def project(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    folder = tmp_path / "review"
    assert run(["init", str(folder), "--protocol", str(EXAMPLE)], capsys)[0] == 0
    return folder


def ris_file(tmp_path: Path, name: str = "embase.ris", text: str = RIS) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_import_stores_a_search_with_provenance(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    query_file = tmp_path / "q.txt"
    query_file.write_text("exp peer group/ AND mental health.ti,ab.\n", encoding="utf-8")
    code, out, err = run(["import", str(project), str(ris_file(tmp_path)), "--source", "Embase",
                          "--platform", "Ovid", "--query-file", str(query_file),
                          "--searched-on", "2024-03-05"], capsys)
    assert code == 0, err
    assert "Imported 2 records from embase.ris" in out
    with Review.open(project) as review:
        (search,) = review.searches()
        assert (search.source, search.platform, search.searched_on) == ("Embase", "Ovid",
                                                                        "2024-03-05")
        assert search.query == "exp peer group/ AND mental health.ti,ab."
        assert search.file_name == "embase.ris" and search.file_format == "ris"
        assert search.record_count == 2 and len(search.sha256 or "") == 64
        assert review.status()["identified"] == 2


def test_same_file_twice_is_refused(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = ris_file(tmp_path)
    assert run(["import", str(project), str(path), "--source", "Embase"], capsys)[0] == 0
    copy = ris_file(tmp_path, "renamed.ris")  # same bytes, other name
    code, _, err = run(["import", str(project), str(copy), "--source", "Embase"], capsys)
    assert code == 2
    assert err.count("\n") == 1 and "already imported" in err and "search 1" in err
    with Review.open(project) as review:
        assert review.status()["identified"] == 2 and len(review.searches()) == 1


def test_bad_file_imports_nothing(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cut = ris_file(tmp_path, "cut.ris", RIS[: RIS.rindex("ER")])
    code, _, err = run(["import", str(project), str(cut)], capsys)
    assert code == 2 and f"{cut}:10" in err and err.count("\n") == 1
    with Review.open(project) as review:
        assert review.status()["identified"] == 0 and review.searches() == []


def test_bad_date_and_conflicting_query_options(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = ris_file(tmp_path)
    code, _, err = run(["import", str(project), str(path), "--searched-on", "5 March"], capsys)
    assert code == 2 and "YYYY-MM-DD" in err
    code, _, err = run(["import", str(project), str(path), "--query", "a", "--query-file",
                        str(path)], capsys)
    assert code == 2 and "either --query or --query-file" in err


def test_export_csv_with_duplicate_groups(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(["import", str(project), str(ris_file(tmp_path)), "--source", "Embase"], capsys)
    other = RIS.replace("ID  - a", "ID  - b")
    run(["import", str(project), str(ris_file(tmp_path, "cinahl.ris", other)),
         "--source", "CINAHL"], capsys)
    from scopewise.store import schema as t
    from scopewise.store.core import now

    with Review.open(project) as review, review.store.transaction() as conn:
        group = conn.execute(t.duplicate_groups.insert().values(
            primary_record_id=1, created_at=now())).inserted_primary_key[0]
        conn.execute(t.duplicate_members.insert(),
                     [{"group_id": group, "record_id": 1}, {"group_id": group, "record_id": 3}])
    out_file = tmp_path / "all.csv"
    code, out, err = run(["export", str(project), "-o", str(out_file)], capsys)
    assert code == 0, err and "Wrote 4 records" in out
    with out_file.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0])[:4] == ["record_id", "source_record_id", "source", "duplicate_group"]
    assert [r["source"] for r in rows] == ["Embase", "Embase", "CINAHL", "CINAHL"]
    groups = [r["duplicate_group"] for r in rows]
    assert groups[0] == groups[2] and len(set(groups)) == 3
    assert rows[1]["abstract"] == "bold &"  # normalised: markup and script removed


def test_an_empty_export_has_the_same_header_as_a_full_one(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from openpyxl import load_workbook

    run(["import", str(project), str(ris_file(tmp_path)), "--source", "Embase"], capsys)
    with Review.open(project) as review:
        review.export(tmp_path / "all.csv")
        # nothing has been screened: no record is included, the file has a header only
        assert review.export(tmp_path / "none.csv", None, "title_abstract", "include") == 0
        assert review.export(tmp_path / "none.xlsx", None, "title_abstract", "include") == 0
        review.export(tmp_path / "all.xlsx")
    full = (tmp_path / "all.csv").read_text(encoding="utf-8-sig").splitlines()
    empty = (tmp_path / "none.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(full) == 3 and empty == full[:1]
    assert full[0].startswith("record_id,source_record_id,source,duplicate_group,")
    heads = []
    for name in ("all.xlsx", "none.xlsx"):
        book = load_workbook(tmp_path / name, read_only=True)  # read-only keeps the file open
        heads.append(next(book.active.iter_rows(values_only=True)))
        book.close()
    assert heads[0] == heads[1] and heads[0][:4] == ("record_id", "source_record_id", "source",
                                                     "duplicate_group")


def test_export_ris_keeps_every_tag(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(["import", str(project), str(ris_file(tmp_path)), "--source", "Embase"], capsys)
    out_file = tmp_path / "out.ris"
    assert run(["export", str(project), "-o", str(out_file)], capsys)[0] == 0
    text = out_file.read_text(encoding="utf-8")
    assert "ZZ  - custom tag" in text
    assert "AB  - <b>bold</b> &amp; <script>x()</script>" in text  # raw, as imported
    lines = [line for line in RIS.splitlines() if line.strip() and not line.startswith("ER")]
    assert all(line in text.splitlines() for line in lines)


def test_export_filtered_by_decision(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(["import", str(project), str(ris_file(tmp_path)), "--source", "Embase"], capsys)
    out_file = tmp_path / "inc.csv"
    code, out, err = run(["export", str(project), "-o", str(out_file), "--stage",
                          "title_abstract", "--decision", "include"], capsys)
    assert code == 0, err
    assert "Wrote 0 records" in out  # nothing screened yet
    code, _, err = run(["export", str(project), "-o", str(out_file), "--stage",
                        "title_abstract"], capsys)
    assert code == 2 and "both --stage and --decision" in err


def test_search_stores_an_online_import(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"meta": {"count": 1, "next_cursor": None}, "results": [
            {"id": "https://openalex.org/W9", "title": "Online work", "publication_year": 2022}]})

    real_client = httpx.Client
    monkeypatch.setattr("scopewise.sources.online.base.httpx.Client",
                        lambda **kw: real_client(transport=httpx.MockTransport(handler)))
    code, out, err = run(["search", str(project), "--source", "openalex", "--query",
                          "peer support", "--max", "5"], capsys)
    assert code == 0, err
    assert "Stored 1 records from OpenAlex" in out
    with Review.open(project) as review:
        (search,) = review.searches()
        assert (search.method, search.query, search.record_count) == ("api", "peer support", 1)
        assert search.searched_on is not None


def test_search_all_runs_the_protocol_plan(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    hosts: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        hosts.append(request.url.host)
        raise httpx.ConnectError("offline", request=request)

    real_client = httpx.Client
    monkeypatch.setattr("scopewise.sources.online.base.httpx.Client",
                        lambda **kw: real_client(transport=httpx.MockTransport(handler)))
    monkeypatch.setattr("scopewise.sources.online.base.time.sleep", lambda _s: None)
    code, _, err = run(["search", str(project), "--all"], capsys)
    assert code == 2 and "are you online" in err
    assert hosts[0] == "eutils.ncbi.nlm.nih.gov"  # the protocol's first planned API source
    code, _, err = run(["search", str(project)], capsys)
    assert code == 2 and "--all" in err


@pytest.fixture
def in_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Parse even small files in worker processes, in blocks of a few records."""
    import scopewise.review.imports as imports
    from scopewise.sources import ris

    monkeypatch.setattr(imports, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(imports, "worker_count", lambda: 2)
    monkeypatch.setattr(ris, "BLOCK_CHARS", 300)


def many_records(n: int) -> str:
    return "".join(
        RIS.replace("ID  - a", f"ID  - {i}-").replace("TI  - ", f"DB  - Embase\nTI  - #{i} ")
        for i in range(n)
    )


def stored(folder: Path) -> list[dict[str, str]]:
    with Review.open(folder) as review:
        review.export(folder / "all.csv", format="csv")
    with (folder / "all.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_import_in_worker_processes_stores_the_same_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = ris_file(tmp_path, "big.ris", many_records(60))
    Review.create(tmp_path / "here").close()
    with Review.open(tmp_path / "here") as review:
        here = review.import_file(path)
    monkeypatch.setattr("scopewise.review.imports.PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr("scopewise.review.imports.worker_count", lambda: 2)
    monkeypatch.setattr("scopewise.sources.ris.BLOCK_CHARS", 300)
    Review.create(tmp_path / "workers").close()
    progress: list[int] = []
    with Review.open(tmp_path / "workers") as review:
        workers = review.import_file(path, progress=progress.append)
    assert here.records == workers.records == 120
    assert here.source == workers.source == "Embase"  # guessed from the first record's DB
    assert len(progress) > 5 and progress == sorted(progress) and progress[-1] == 120
    rows = stored(tmp_path / "workers")
    assert rows == stored(tmp_path / "here")
    assert [row["source_record_id"] for row in rows[:4]] == ["0-1", "0-2", "1-1", "1-2"]


@pytest.mark.usefixtures("in_workers")
def test_a_bad_record_in_a_worker_imports_nothing(tmp_path: Path) -> None:
    text = many_records(40)
    bad = text + text[: text.index("ER")]  # the 81st record is cut off
    path = ris_file(tmp_path, "cut.ris", bad)
    Review.create(tmp_path / "review").close()
    with Review.open(tmp_path / "review") as review:
        with pytest.raises(ImportFormatError) as error:
            review.import_file(path)
        assert review.status()["identified"] == 0 and review.searches() == []
    assert error.value.record == 81 and error.value.line == text.count("\n") + 1
    assert "cut off" in str(error.value)


def test_a_source_typed_in_other_case_is_the_planned_or_earlier_one(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--source "cinahl " is the protocol's CINAHL, and "EMBASE  " an earlier import's
    Embase: one database is one box of the flow (before, each spelling was a source)."""
    for i, source in enumerate(("cinahl ", "Embase", "EMBASE  ")):
        path = ris_file(tmp_path, f"s{i}.ris", RIS.replace("a1", f"x{i}").replace("a2", f"y{i}"))
        assert run(["import", str(project), str(path), "--source", source], capsys)[0] == 0
    with Review.open(project) as review:
        assert [s.source for s in review.searches()] == ["CINAHL", "Embase", "Embase"]
        assert review.flow().sources == {"CINAHL": 2, "Embase": 4}

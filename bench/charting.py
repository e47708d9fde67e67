"""Charting benchmark: 10,000 included sources x 12 fields x 2 reviewers.

For each backend (SQLite file; PostgreSQL at 127.0.0.1:5432, a fresh schema) a
project is built with 10,000 made-up records, all included at title/abstract
(decisions inserted in bulk), and a 12-field form (multiple and single choice,
country, year, number, yes/no, text). Then, each step timed in the same process:

- import of a filled sheet (``Review.import_chart_sheet``), reviewer A then reviewer B
  (B differs from A on ~10% of values, so there are conflicts), each into the project
  opened afresh;
- the evidence map (category x study design) and the counts per field, each as
  ``Review.evidence_map`` / ``Review.chart_summary`` from the database;
- export of the final values to CSV and to XLSX (``Review.export_chart_sheet``);
- peak memory of the process (max RSS).

The peer is what a user would otherwise do by hand: read the exported CSV with pandas,
split the multiple-choice cells and cross-tabulate category x study design
(``pandas.crosstab``), timed in the same run; the two tables are checked to be equal.

Each backend runs in its own process, so peak memory is per backend.
Run: ``python bench/charting.py [--sources 10000] [--backends sqlite,postgresql]``;
writes ``bench/results/charting.md``. Needs pandas (``pip install pandas``).
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

CATEGORIES = [
    f"Theme {i}: a long category label of the kind evidence maps carry, number {i}"
    for i in range(1, 12)
]
DESIGNS = [
    "qualitative",
    "mixed methods",
    "service evaluation",
    "non-randomised comparison",
    "RCT",
    "review",
    "guidance or policy",
    "other",
]
SETTINGS = [
    "adult community",
    "inpatient",
    "CAMHS",
    "forensic",
    "other specialist",
    "primary care",
    "third sector",
]
ROLES = ["peer support worker", "family peer support worker"]
OUTCOMES = ["recovery", "hope", "empowerment", "readmission", "cost", "quality of life"]
FUNDING = ["public", "charity", "industry", "none stated"]
COUNTRIES = [
    "United Kingdom",
    "United States",
    "Australia",
    "Canada",
    "Ireland",
    "New Zealand",
    "Germany",
    "Netherlands",
]


def _toml_list(values: list[str]) -> str:
    return "[" + ", ".join(json.dumps(v) for v in values) + "]"


PROTOCOL = f"""
questions = ["What is known?"]
[review]
title = "Charting benchmark"
[[team]]
name = "Lead"
role = "lead"
[[team]]
name = "A"
role = "reviewer"
[[team]]
name = "B"
role = "reviewer"
[pcc]
population = "p"
concept = "c"
context = "x"
[[criteria.inclusion]]
code = "IN"
text = "in"
[screening]
stages = ["title_abstract"]
reviewers_per_record = 1
blinding = false
[charting]
reviewers_per_record = 2
[[charting.fields]]
name = "category"
type = "multiple_choice"
choices = {_toml_list(CATEGORIES)}
[[charting.fields]]
name = "study_design"
type = "single_choice"
choices = {_toml_list(DESIGNS)}
[[charting.fields]]
name = "setting"
type = "multiple_choice"
choices = {_toml_list(SETTINGS)}
[[charting.fields]]
name = "country"
type = "country"
[[charting.fields]]
name = "peer_role"
type = "multiple_choice"
choices = {_toml_list(ROLES)}
[[charting.fields]]
name = "pub_year"
type = "year"
[[charting.fields]]
name = "controlled"
type = "yes_no"
[[charting.fields]]
name = "sample_size"
type = "number"
[[charting.fields]]
name = "outcomes"
type = "multiple_choice"
choices = {_toml_list(OUTCOMES)}
[[charting.fields]]
name = "funding"
type = "single_choice"
choices = {_toml_list(FUNDING)}
[[charting.fields]]
name = "aim"
type = "text"
[[charting.fields]]
name = "key_findings"
type = "long_text"
"""
FIELDS = [
    "category",
    "study_design",
    "setting",
    "country",
    "peer_role",
    "pub_year",
    "controlled",
    "sample_size",
    "outcomes",
    "funding",
    "aim",
    "key_findings",
]


def _row(rng: random.Random) -> list[str]:
    return [
        "; ".join(rng.sample(CATEGORIES, rng.randint(1, 3))),
        rng.choice(DESIGNS),
        "; ".join(rng.sample(SETTINGS, rng.randint(1, 2))),
        rng.choice(COUNTRIES),
        "; ".join(rng.sample(ROLES, rng.randint(1, 2))),
        str(rng.randint(2000, 2023)),
        rng.choice(["yes", "no"]),
        str(rng.randint(5, 500)),
        "; ".join(rng.sample(OUTCOMES, rng.randint(1, 3))),
        rng.choice(FUNDING),
        "To describe peer support work in one service",
        "Peer workers reported role clarity and supervision as key; " * 3,
    ]


def _sheets(folder: Path, n: int) -> tuple[Path, Path]:
    rng = random.Random(1)
    a_rows = {rid: _row(rng) for rid in range(1, n + 1)}
    b_rows = {rid: (_row(rng) if rng.random() < 0.1 else row) for rid, row in a_rows.items()}
    paths = []
    for name, rows in (("A", a_rows), ("B", b_rows)):
        path = folder / f"sheet-{name}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["record_id", "authors", "year", "title", *FIELDS])
            for rid, row in rows.items():
                writer.writerow([rid, "", "", f"Source {rid}", *row])
        paths.append(path)
    return paths[0], paths[1]


def _project(folder: Path, url: str | None, n: int) -> None:
    from scopewise.review import Review
    from scopewise.store import now
    from scopewise.store import schema as t

    protocol = folder / "protocol.toml"
    protocol.write_text(PROTOCOL, encoding="utf-8")
    review = Review.create(folder / "project", protocol_path=protocol, db_url=url)
    with review, review.store.transaction() as conn:
        search = conn.execute(
            t.searches.insert().values(source="Bench", imported_at=now())
        ).inserted_primary_key[0]
        conn.execute(
            t.records.insert(),
            [
                {
                    "search_id": search,
                    "position": i,
                    "title": f"Source {i}",
                    "abstract": "Peer support work.",
                    "authors": [{"family": f"Author{i}", "given": "A"}],
                    "year": 2000 + i % 24,
                }
                for i in range(1, n + 1)
            ],
        )
        reviewer = review.store.ensure_user(conn, "A")
        at = now()
        conn.execute(
            t.decisions.insert(),
            [
                {
                    "record_id": i,
                    "stage": "title_abstract",
                    "reviewer_id": reviewer,
                    "decision": "include",
                    "reasons": [],
                    "note": "",
                    "kind": "screen",
                    "created_at": at,
                }
                for i in range(1, n + 1)
            ],
        )


def run_backend(backend: str, n: int) -> dict[str, object]:
    """Build, import, map, export on one backend; returns the timings."""
    from scopewise.review import Review

    url = None
    schema = None
    if backend == "postgresql":
        import psycopg

        schema = f"bench_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(
            PG.replace("postgresql+psycopg", "postgresql"), autocommit=True
        ) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        url = f"{PG}?options=-csearch_path%3D{schema}"
    out: dict[str, object] = {"backend": backend, "sources": n}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            _project(folder, url, n)
            sheet_a, sheet_b = _sheets(folder, n)
            with Review.open(folder / "project", db_url=url) as review:
                t, c = time.perf_counter(), time.process_time()
                review.import_chart_sheet(sheet_a, "A")
                out["import_a"] = (time.perf_counter() - t, time.process_time() - c)
            # B's sheet goes into the project opened afresh, as a new CLI process would
            # (nothing kept in memory from A's import)
            with Review.open(folder / "project", db_url=url) as review:
                t, c = time.perf_counter(), time.process_time()
                review.import_chart_sheet(sheet_b, "B")
                out["import_b"] = (time.perf_counter() - t, time.process_time() - c)
            with Review.open(folder / "project", db_url=url) as review:
                t, c = time.perf_counter(), time.process_time()
                emap = review.evidence_map("category", "study_design")
                out["map"] = (time.perf_counter() - t, time.process_time() - c)
                t, c = time.perf_counter(), time.process_time()
                summary = review.chart_summary()
                out["summary"] = (time.perf_counter() - t, time.process_time() - c)
                out["conflicts"] = len(review.chart_conflicts("Lead"))
                t, c = time.perf_counter(), time.process_time()
                review.export_chart_sheet(folder / "final.csv")
                out["export_csv"] = (time.perf_counter() - t, time.process_time() - c)
                t, c = time.perf_counter(), time.process_time()
                review.export_chart_sheet(folder / "final.xlsx")
                out["export_xlsx"] = (time.perf_counter() - t, time.process_time() - c)
                out["summary_rows"] = len(summary)
            # the same map as a user types it: a new process, nothing kept
            command = [
                str(Path(sys.executable).with_name("scopewise")),
                "chart",
                str(folder / "project"),
                "--map",
                "category",
                "study_design",
                "-o",
                str(folder / "map.csv"),
            ]
            if url:
                command += ["--db", url]
            t = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True)
            out["map_cli"] = time.perf_counter() - t
            # the peer: pandas on the exported CSV
            import pandas as pd

            t, c = time.perf_counter(), time.process_time()
            frame = pd.read_csv(folder / "final.csv", encoding="utf-8-sig")
            frame = frame.dropna(subset=["category", "study_design"])
            frame["category"] = frame["category"].str.split("; ")
            long = frame.explode("category")
            table = pd.crosstab(long["category"], long["study_design"])
            out["pandas"] = (time.perf_counter() - t, time.process_time() - c)
            same = all(
                int(table.loc[r, c]) == emap.count(r, c)
                if r in table.index and c in table.columns
                else emap.count(r, c) == 0
                for r in emap.rows
                for c in emap.columns
            )
            out["pandas_same"] = same
    finally:
        if schema:
            import psycopg

            with psycopg.connect(
                PG.replace("postgresql+psycopg", "postgresql"), autocommit=True
            ) as conn:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    out["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sources", type=int, default=10_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_backend(args.one, args.sources)))
        return
    results = []
    for backend in args.backends.split(","):
        proc = subprocess.run(
            [sys.executable, __file__, "--one", backend, "--sources", str(args.sources)],
            capture_output=True,
            text=True,
            check=True,
        )
        results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    load = Path("/proc/loadavg").read_text().split()[0]
    lines = [
        "# Charting benchmark",
        "",
        f"Machine: {platform.machine()}, 2 cores, Python {platform.python_version()}; load average "
        f"(1 min) at the end: {load}. {args.sources:,} included sources x 12 fields x 2 reviewers "
        "(B differs from A on ~10% of sources); each backend in its own process; one run.",
        "",
        "Each time is wall seconds with the process's CPU seconds in brackets (the CPU "
        "figure is the steadier one on a shared machine; PostgreSQL's server work is not in it).",
        "",
        "| backend | import sheet A (s) | import sheet B (s) | evidence map (s) | summary (s) | export CSV (s) | export XLSX (s) | peak RSS (MiB) | map, one-shot CLI (s) | pandas crosstab from the CSV (s) | same table |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]

    def cell(pair: list[float]) -> str:
        return f"{pair[0]:.2f} ({pair[1]:.2f})"

    for r in results:
        lines.append(
            f"| {r['backend']} | {cell(r['import_a'])} | {cell(r['import_b'])} | {cell(r['map'])} | "
            f"{cell(r['summary'])} | {cell(r['export_csv'])} | {cell(r['export_xlsx'])} | "
            f"{r['peak_mib']:.0f} | {r['map_cli']:.2f} | {cell(r['pandas'])} | "
            f"{'yes' if r['pandas_same'] else 'NO'} |"
        )
    lines += [
        "",
        "Targets: import of a filled sheet <= 5 s, evidence map and summary <= 1 s, export <= 3 s, "
        "peak memory < 500 MB. The evidence map and the summary read the final values that every "
        "charting write keeps (store/charting.py: charting_final, valid for one position of the "
        "log and one form; otherwise they are worked out from the log), in a project opened "
        "afresh; the one-shot CLI column is the whole `scopewise chart DIR --map ... -o map.csv` "
        "process, Python's start and imports included. pandas works on a CSV already exported; "
        "its column times only its own read and cross-tab.",
    ]
    text = "\n".join(lines) + "\n"
    (HERE / "results" / "charting.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()

"""Serving benchmark: how long a reviewer waits for the next record in a real project.

For each dataset a project is built (SQLite, one reviewer, records imported from the
CSV), then a reviewer screens it in the ranked order with the dataset's labels as
their decisions, four ways:

- ``one-shot CLI``: ``scopewise screen DIR --next`` as a new process after each
  ``--decide`` (both timed), with the prepared ranker already in the user's cache;
  the first ``--next`` of all, which prepares it, is reported on its own (cold);
- ``in-process``: ``Review.next_record`` in one process, refitting in the caller's
  thread (the default without a worker);
- ``worker, asked at once``: ``Review.start_background_ranking()``, ``next_record``
  called the moment ``decide`` returns (the worst case: the refit has just started);
- ``worker, 1 s to read``: the same with one second between the decision and the
  next request, as a reviewer reading the record would leave.

Each row gives the median, 95th percentile and maximum wait per record after the
first, and how many records were served from a ranking that already knew every
decision (the others come from the ranking one or two decisions behind, see
``scopewise.review.ranking_worker``). The datasets are van_de_Schoot_2017 (6,189
records, the demo's) and 100,000 made-up records (``--large``; the generator of the
rerank-latency benchmark). There is no peer column: ASReview LAB serves records from a
web server whose model trains in a separate process, and it has no command or API
call to time the same way (see the note in the results).

Run: ``python bench/serving.py [--decisions 30] [--large]``; writes
``bench/results/serving.md``.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DATA = Path(os.environ.get("SCOPEWISE_SHARED_DATA", REPO.parent / "shared" / "data"))
RESULTS = HERE / "results" / "serving.md"
SCOPEWISE = [str(Path(sys.executable).with_name("scopewise"))]
PROTOCOL = """
questions = ["Which trajectories of post-traumatic stress symptoms follow trauma?"]
[review]
title = "Serving benchmark"
[[team]]
name = "Lead"
role = "lead"
[[team]]
name = "Reviewer"
role = "reviewer"
[pcc]
population = "People exposed to a traumatic event"
concept = "Trajectories of post-traumatic stress symptoms over time"
context = "Longitudinal studies"
[[criteria.inclusion]]
code = "TRAJ"
text = "Reports latent trajectories of PTSD symptoms."
[[criteria.exclusion]]
code = "NOTRAJ"
text = "No trajectory analysis."
[screening]
reviewers_per_record = 1
"""


def build(folder: Path, source: Path) -> dict[int, int]:
    """A project in ``folder`` with the records of ``source``; the label of each record id."""
    from scopewise.review import Review

    protocol = folder.parent / "protocol.toml"
    protocol.write_text(PROTOCOL, encoding="utf-8")
    with source.open(encoding="utf-8") as handle:
        labels = [int(float(row["label_included"] or 0)) for row in csv.DictReader(handle)]
    with Review.create(folder, protocol_path=protocol) as review:
        result = review.import_file(source, source="benchmark")
        ids = sorted(review.screening_snapshot().records)
    assert result.records == len(labels) == len(ids), "every row must become one record"
    return dict(zip(ids, labels, strict=True))


def synthetic_csv(path: Path, n_records: int) -> Path:
    """``n_records`` made-up records (the rerank-latency generator) as an ASReview CSV."""
    from scopewise.screening.simulate import _synthetic_records

    records, labels = _synthetic_records(n_records, 0)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["title", "abstract", "label_included"])
        for record, label in zip(records, labels, strict=True):
            writer.writerow([record.title, record.abstract, int(label)])
    return path


def summary(waits: list[float]) -> tuple[float, float, float]:
    """Median, 95th percentile and maximum, in ms."""
    ms = sorted(w * 1000 for w in waits)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return statistics.median(ms), p95, ms[-1]


def one_shot(folder: Path, labels: dict[int, int], decisions: int) -> dict[str, object]:
    """``--next`` and ``--decide`` as new processes, as a reviewer at a terminal runs them."""
    def run(*args: str) -> tuple[float, str]:
        start = time.perf_counter()
        done = subprocess.run([*SCOPEWISE, "screen", str(folder), *args],
                              capture_output=True, text=True, check=True)
        return time.perf_counter() - start, done.stdout

    cold, out = run("--next", "--reviewer", "Reviewer")
    nexts, decides = [], []
    for _ in range(decisions):
        record = int(out.split()[1])
        verdict = "include" if labels[record] else "exclude"
        seconds, _ = run("--decide", str(record), verdict, "--reviewer", "Reviewer")
        decides.append(seconds)
        seconds, out = run("--next", "--reviewer", "Reviewer")
        nexts.append(seconds)
    return {"first": cold, "waits": nexts, "decide": decides, "fresh": len(nexts)}


def in_process(folder: Path, labels: dict[int, int], decisions: int, worker: bool,
               think: float) -> dict[str, object]:
    """``next_record`` after each ``decide`` in one process, with or without the worker."""
    from scopewise.review import Review

    with Review.open(folder) as review:
        if worker:
            review.start_background_ranking()
        start = time.perf_counter()
        item = review.next_record("Reviewer")
        first = time.perf_counter() - start
        waits, decide, fresh = [], [], 0
        for _ in range(decisions):
            assert item is not None
            start = time.perf_counter()
            review.decide(item.record_id, "include" if labels[item.record_id] else "exclude",
                          "Reviewer")
            decide.append(time.perf_counter() - start)
            time.sleep(think)
            start = time.perf_counter()
            item = review.next_record("Reviewer")
            waits.append(time.perf_counter() - start)
            fresh += item is not None and "still running" not in item.ordered_by
    return {"first": first, "waits": waits, "decide": decide, "fresh": fresh}


def undo(folder: Path) -> None:
    """Take the decisions of a run back (a fresh project copy would cost an import)."""
    from scopewise.review import Review
    from scopewise.store import schema as t

    with Review.open(folder) as review, review.store.transaction() as conn:
        conn.execute(t.decisions.delete())


MODES: list[tuple[str, Callable[[Path, dict[int, int], int], dict[str, object]]]] = [
    ("one-shot CLI (--decide, then --next)", one_shot),
    ("in-process, refit in the caller's thread",
     lambda f, lab, n: in_process(f, lab, n, worker=False, think=0.0)),
    ("worker, asked the moment decide returns",
     lambda f, lab, n: in_process(f, lab, n, worker=True, think=0.0)),
    ("worker, 1 s to read the record",
     lambda f, lab, n: in_process(f, lab, n, worker=True, think=1.0)),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=30)
    parser.add_argument("--large", action="store_true", help="also 100,000 made-up records")
    args = parser.parse_args(argv)
    rows: list[str] = []
    with tempfile.TemporaryDirectory(prefix="scopewise-serving-") as tmp:
        os.environ["SCOPEWISE_CACHE_DIR"] = str(Path(tmp) / "cache")
        sets = [("van_de_Schoot_2017", DATA / "screening" / "van_de_Schoot_2017.csv")]
        if args.large:
            sets.append(("100,000 made-up records", synthetic_csv(Path(tmp) / "large.csv",
                                                                  100_000)))
        for name, source in sets:
            folder = Path(tmp) / f"project-{len(rows)}"
            folder.mkdir()
            started = time.perf_counter()
            labels = build(folder / "review", source)
            print(f"{name}: project built in {time.perf_counter() - started:.1f} s", flush=True)
            for mode, run in MODES:
                result = run(folder / "review", labels, args.decisions)
                undo(folder / "review")
                waits = result["waits"]
                assert isinstance(waits, list) and isinstance(result["decide"], list)
                median, p95, most = summary(waits)
                decide = statistics.median(result["decide"]) * 1000
                row = (f"| {name} | {len(labels):,} | {mode} | {float(result['first']):.2f} "  # type: ignore[arg-type]
                       f"| {median:.0f} | {p95:.0f} | {most:.0f} | {decide:.0f} "
                       f"| {result['fresh']}/{len(waits)} |")
                print(row, flush=True)
                rows.append(row)
    write(rows, args.decisions)
    return 0


def write(rows: list[str], decisions: int) -> None:
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    text = f"""# Serving: the wait for the next record

`python bench/serving.py --decisions {decisions}{' --large' if len(rows) > 4 else ''}` ({machine};
{time.strftime('%Y-%m-%d')}). A project on SQLite, one reviewer deciding {decisions} records
in the ranked order (the dataset's labels as decisions). *First* is the first `--next`
or `next_record` of all, which prepares the ranker (for the one-shot CLI: a new process
with an empty cache; later calls load the prepared ranker from the cache). *Wait* is
the time to get each following record (ms); *decide* the median time to record a
decision (ms); *fresh* how many records came from a ranking fitted on every decision
so far (the worker serves the previous ranking when a refit takes more than 0.25 s).

| dataset | records | how | first (s) | wait median | wait p95 | wait max | decide | fresh |
|---|---:|---|---:|---:|---:|---:|---:|---:|
""" + "\n".join(rows) + """

No peer column: ASReview LAB serves the next record from its web server while its
model trains in a separate process, and offers no command or call that could be timed
the same way on this machine; its simulation (which `bench/screening.py` times) is the
comparable peer measurement.
"""
    RESULTS.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())

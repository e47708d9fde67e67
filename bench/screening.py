"""Screening benchmark: scopewise rankers side by side with ASReview 3.0.8 ``elas_u4``.

Runs every dataset in ``../shared/data/screening`` with seeds 0-4 and 1+1 priors.
ASReview runs first (its results are cached in ``bench/out/asreview``); scopewise
then screens the same file from the same prior records that ASReview drew, so both
tools start from the same place. Both orders are scored with
:mod:`scopewise.screening.metrics` (definitions in METRICS.md).

Usage::

    python bench/screening.py                         # everything, table to bench/results
    python bench/screening.py --datasets Kwok_2020 --seeds 0 --jobs 2
    python bench/screening.py --peer-only             # fill the ASReview cache only
"""

from __future__ import annotations

import argparse
import csv
import fcntl
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
DATA = Path(os.environ.get("SCOPEWISE_SHARED_DATA", REPO.parent / "shared" / "data")) / "screening"
VENVS = BENCH / ".venvs"
ASREVIEW_VENV = VENVS / "asreview"
ASREVIEW = ASREVIEW_VENV / "bin" / "asreview"
OUT = BENCH / "out"
RESULTS = BENCH / "results" / "screening.md"
ASREVIEW_VERSION = "3.0.8"


def ensure_asreview() -> Path:
    """Create ``bench/.venvs/asreview`` with ASReview 3.0.8 unless it exists.

    Another benchmark may create the same venv at the same moment: a file lock
    serialises creation, and a venv that appears while we wait is reused.
    """
    VENVS.mkdir(parents=True, exist_ok=True)
    with open(VENVS / ".asreview.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if ASREVIEW.exists():
            return ASREVIEW
        if ASREVIEW_VENV.exists():  # created by someone not using our lock: wait for it
            for _ in range(360):
                if ASREVIEW.exists():
                    return ASREVIEW
                time.sleep(5)
            raise SystemExit(f"{ASREVIEW_VENV} exists but has no asreview; remove it and rerun")
        subprocess.run([sys.executable, "-m", "venv", str(ASREVIEW_VENV)], check=True)
        subprocess.run(
            [str(ASREVIEW_VENV / "bin" / "pip"), "install", "-q", f"asreview=={ASREVIEW_VERSION}"],
            check=True,
        )
    return ASREVIEW


def run_measured(cmd: list[str]) -> tuple[int, str, float, float]:
    """Run ``cmd``; return code, stderr tail, wall seconds and CPU seconds of the child.

    CPU time (user + system, from ``wait4`` of that one child and its own children)
    does not grow when other jobs share the cores, so it is the fairer speed figure
    on a loaded machine.
    """
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        tail = err.read()[-2000:].decode(errors="replace")
    return proc.returncode, tail, wall, usage.ru_utime + usage.ru_stime


def dataset_labels(path: Path) -> tuple[list[str], list[int]]:
    """Record ids (``record_id`` column, else the row number) and labels of a dataset."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    ids = [row.get("record_id") or str(i) for i, row in enumerate(rows)]
    return ids, [int(float(row["label_included"])) for row in rows]


def run_asreview(path: Path, seed: int, cache_dir: str = "asreview") -> dict[str, object]:
    """One ASReview simulation, cached: 0-based rows in labelling order, priors, time.

    ``cache_dir="asreview_timing"`` reruns a pair whose order is cached from a run
    made before CPU time was measured, to time it (wall and CPU) again.
    """
    cache = OUT / cache_dir / f"{path.stem}_s{seed}.json"
    if cache.exists():
        return json.loads(cache.read_text())
    exe = ensure_asreview()
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "run.asreview"
        code, tail, wall, cpu = run_measured(
            [str(exe), "simulate", str(path), "--ai", "elas_u4",
             "--n-prior-included", "1", "--n-prior-excluded", "1",
             "--prior-seed", str(seed), "--seed", str(seed), "-o", str(project)])
        if code != 0:
            raise RuntimeError(f"asreview failed on {path.name}: {tail}")
        with zipfile.ZipFile(project) as archive:
            archive.extract("results.db", tmp)
        db = sqlite3.connect(Path(tmp) / "results.db")
        row_of = dict(db.execute("SELECT record_id, dataset_row FROM record"))
        results = db.execute("SELECT record_id, training_set FROM results ORDER BY rowid").fetchall()
        db.close()
    order = [row_of[rid] for rid, _ in results]
    priors = [row_of[rid] for rid, training in results if training is None]
    result = {"order": order, "priors": priors, "wall": wall, "cpu": cpu,
              "load": os.getloadavg()[0]}
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(result))
    return result


REPORT_ONLY = False


def screening_code_hash() -> str:
    """First 10 hex digits of a hash of every source file under src/scopewise/screening."""
    import hashlib

    code = hashlib.sha256()
    for source in sorted((REPO / "src" / "scopewise" / "screening").rglob("*.py")):
        code.update(source.read_bytes())
    return code.hexdigest()[:10]


def scopewise_cache(path: Path, seed: int, ranker: str, prior_mode: str,
                    stop_rule: str | None) -> Path:
    """Cache file of one scopewise run; the key includes a hash of the screening code."""
    key = f"{path.stem}_s{seed}_{ranker}_{prior_mode}_{stop_rule}_{screening_code_hash()}"
    return OUT / "scopewise" / f"{key}.json"


def run_scopewise(path: Path, seed: int, priors: list[int], ranker: str, prior_mode: str,
                  stop_rule: str | None = None) -> dict[str, object]:
    """One ``scopewise simulate`` run in a fresh process (like ASReview's, whole command).

    Cached in ``bench/out/scopewise`` under a key that includes a hash of the screening
    code, so a rerun after a code change simulates again.
    """
    cache = scopewise_cache(path, seed, ranker, prior_mode, stop_rule)
    if cache.exists():
        return json.loads(cache.read_text())
    if REPORT_ONLY:
        raise LookupError(cache.name)
    ids, _ = dataset_labels(path)
    with tempfile.TemporaryDirectory() as tmp:
        order_csv = Path(tmp) / "order.csv"
        summary = Path(tmp) / "summary.json"
        cmd = [sys.executable, "-m", "scopewise.cli.simulate", str(path), "--ranker", ranker,
               "--seed", str(seed), "-o", str(order_csv), "--summary", str(summary)]
        if prior_mode == "same":
            cmd += ["--prior-record-ids", ",".join(ids[i] for i in priors)]
        elif prior_mode == "criteria":
            criteria = DATA / "criteria" / f"{path.stem}.txt"
            cmd += ["--prior-included", "0", "--prior-excluded", "0", "--criteria", str(criteria)]
        if stop_rule:
            cmd += ["--stop-rule", stop_rule]
        code, tail, wall, cpu = run_measured(cmd)
        if code != 0:
            raise RuntimeError(f"scopewise failed on {path.name}: {tail}")
        row_of = {rid: i for i, rid in enumerate(ids)}
        with order_csv.open(newline="") as handle:
            rows = list(csv.DictReader(handle))
        info = json.loads(summary.read_text())
    order = [row_of[r["record_id"]] for r in rows]
    prior_rows = [row_of[r["record_id"]] for r in rows if r["prior"] == "1"]
    stop = None
    if info["stopped_at"] is not None:
        stop = {"recall": info["recall_at_stop"],
                "screened": info["stopped_at"] - info["n_priors"]}
    result = {"order": order, "priors": prior_rows, "wall": wall, "cpu": cpu,
              "load": os.getloadavg()[0], "stop": stop}
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(result))
    return result


def score(order: list[int], priors: list[int], labels: list[int]) -> dict[str, float]:
    """METRICS.md numbers of one order: priors removed, unscreened records appended."""
    from scopewise.screening.metrics import screening_metrics

    prior_set = set(priors)
    seen = set(order)
    rest = [i for i in range(len(labels)) if i not in seen]
    ordered = [labels[i] for i in order + rest if i not in prior_set]
    return screening_metrics(ordered).as_dict()


def _num(value: float, suffix: str = "") -> str:
    return "–" if value != value else f"{value:.1f}{suffix}"


def peer_timing(path: Path, seed: int) -> dict[str, float] | None:
    """Wall and CPU time of a re-timed ASReview run (``bench/out/asreview_timing``)."""
    cache = OUT / "asreview_timing" / f"{path.stem}_s{seed}.json"
    if not cache.exists():
        return None
    data = json.loads(cache.read_text())
    return {"wall": data["wall"], "cpu": data["cpu"]}


def mean(values: list[float]) -> float:
    return statistics.fmean(values) if values else float("nan")


def stop_summary(stop: dict[str, object] | None, n_after_priors: int) -> tuple[float, float]:
    if not stop:
        return float("nan"), float("nan")
    recall = float(stop["recall"])  # type: ignore[arg-type]
    screened = int(stop["screened"])  # type: ignore[call-overload]
    return recall, 1.0 - screened / max(n_after_priors, 1)


def latency(n_records: int = 100_000, repeats: int = 20) -> dict[str, float]:
    """Retrain plus re-rank after one decision at ``n_records`` (median ms)."""
    proc = subprocess.run(
        [sys.executable, "-c",
         "import json,sys; from scopewise.screening.simulate import rerank_latency;"
         f"print(json.dumps(rerank_latency({n_records}, repeats={repeats})))"],
        capture_output=True, text=True, check=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="*", help="dataset stems (default: all)")
    parser.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2, 3, 4])
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--ranker", default="scopewise")
    parser.add_argument("--stop-rule", default="default")
    parser.add_argument("--peer-only", action="store_true", help="only fill the ASReview cache")
    parser.add_argument("--retime-peer", action="store_true",
                        help="rerun ASReview on cached pairs only to time it again "
                             "(bench/out/asreview_timing; the report prefers these times)")
    parser.add_argument("--paired-timing", action="store_true",
                        help="time ASReview again (bench/out/asreview_timing) right before "
                             "each scopewise run, so both see the machine in the same state")
    parser.add_argument("--no-latency", action="store_true")
    parser.add_argument("--report-only", action="store_true",
                        help="no new runs: tabulate the pairs both tools have in the cache")
    parser.add_argument("--cached-only", action="store_true",
                        help="only dataset x seed pairs whose ASReview run is already cached")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    files = sorted(DATA.glob("*.csv"))
    if args.datasets:
        files = [f for f in files if f.stem in set(args.datasets)]
    # seed-major: every dataset once before any dataset twice, so a partial run covers all
    tasks = [(f, s) for s in args.seeds for f in files]
    if args.cached_only:
        tasks = [(f, s) for f, s in tasks if (OUT / "asreview" / f"{f.stem}_s{s}.json").exists()]
    if args.report_only:
        global REPORT_ONLY
        REPORT_ONLY = True
        tasks = [(f, s) for f, s in tasks
                 if (OUT / "asreview" / f"{f.stem}_s{s}.json").exists()
                 and scopewise_cache(f, s, args.ranker, "same", None).exists()]
    ensure_asreview()

    def peer(task: tuple[Path, int]) -> dict[str, object]:
        result = run_asreview(*task)
        print(f"asreview {task[0].stem} seed {task[1]}: {result['wall']:.1f} s", flush=True)
        return result

    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        peers = dict(zip(tasks, pool.map(peer, tasks), strict=True))
    if args.peer_only:
        return 0
    if args.retime_peer:
        def retime(task: tuple[Path, int]) -> None:
            result = run_asreview(*task, cache_dir="asreview_timing")
            print(f"asreview (timing) {task[0].stem} seed {task[1]}: {result['wall']:.1f} s wall, "
                  f"{result['cpu']:.1f} s CPU", flush=True)

        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            list(pool.map(retime, tasks))
        return 0

    def ours(task: tuple[Path, int]) -> dict[str, object]:
        path, seed = task
        base = peers[task]
        if args.paired_timing:
            timed = run_asreview(path, seed, cache_dir="asreview_timing")
            if timed["order"] != base["order"]:
                raise RuntimeError(f"ASReview gave another order on {path.stem} seed {seed}")
        res = run_scopewise(path, seed, base["priors"], args.ranker, "same")  # type: ignore[arg-type]
        out = {"same": res}
        if args.stop_rule and (not REPORT_ONLY or scopewise_cache(
                path, seed, args.ranker, "same", args.stop_rule).exists()):
            # a separate run: random sampling after the stop rule's switch changes the order
            out["stop"] = run_scopewise(path, seed, base["priors"], args.ranker,  # type: ignore[arg-type]
                                        "same", stop_rule=args.stop_rule)
        if (DATA / "criteria" / f"{path.stem}.txt").exists() and (not REPORT_ONLY or scopewise_cache(
                path, seed, args.ranker, "criteria", None).exists()):
            out["criteria"] = run_scopewise(path, seed, [], args.ranker, "criteria")
        print(f"scopewise {path.stem} seed {seed}: {res['wall']:.1f} s", flush=True)
        return out

    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        mine = dict(zip(tasks, pool.map(ours, tasks), strict=True))

    done = [f for f in files if all((f, s) in mine for s in args.seeds)]
    if args.report_only or args.cached_only:
        # datasets with every seed done; the others are listed below the table
        lines = render(done, args.seeds, peers, mine, args)
        missing = [f.stem for f in files if f not in done]
        if missing:
            lines += ["", f"Not yet run for all seeds {args.seeds}: {', '.join(missing)}."]
    else:
        lines = render(files, args.seeds, peers, mine, args)
    if not args.no_latency:
        lat = latency()
        lines += ["", f"Retrain + re-rank after one decision at 100,000 records: median "
                  f"{lat['median_ms']:.0f} ms wall, {lat['median_cpu_ms']:.0f} ms CPU (wall is "
                  f"inflated by other jobs on the shared cores), max {lat['max_ms']:.0f} ms "
                  f"({lat['n_features']} features, {lat['labelled']} labelled records; the "
                  f"model first fitted on those {lat['labelled']} at once, untimed above: "
                  f"{lat.get('first_fit_ms', float('nan')):.0f} ms)."]
    text = "\n".join(lines) + "\n"
    print(text)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text)
    return 0


def render(files: list[Path], seeds: list[int], peers: dict, mine: dict,
           args: argparse.Namespace) -> list[str]:
    """The markdown table: per dataset means over seeds, then overall means."""
    lines = [
        "# Screening prioritisation: scopewise vs ASReview 3.0.8 elas_u4",
        "",
        f"Machine: {os.cpu_count()} cores (shared). Seeds {', '.join(map(str, seeds))}; 1+1 priors, the "
        "same prior records for both tools (drawn by ASReview with --prior-seed S). "
        f"Ranker `{args.ranker}`. Values are means over seeds; time is wall time of the whole command.",
        "",
        "| dataset | N | R | WSS@95 asr | WSS@95 sw | Δ | limit | rec@10 asr | rec@10 sw "
        "| ATD asr | ATD sw | wall asr s | wall sw s | wall ratio | CPU asr s | CPU sw s "
        "| CPU ratio |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    agg: dict[str, list[float]] = {k: [] for k in ("wa", "ws", "ra", "rs", "aa", "as", "ta",
                                                   "ts", "ca", "cs", "lim")}
    stops: list[tuple[str, int, float, float]] = []
    crit_rows: list[str] = []
    worse: list[str] = []
    for f in files:
        _, labels = dataset_labels(f)
        per: dict[str, list[float]] = {k: [] for k in agg}
        crit_w, same_w = [], []
        for s in seeds:
            p = peers[(f, s)]
            m = mine[(f, s)]
            timing = peer_timing(f, s) or p
            a = score(p["order"], p["priors"], labels)
            b = score(m["same"]["order"], m["same"]["priors"], labels)
            for key, value in (("wa", a["wss_95"]), ("ws", b["wss_95"]),
                               ("ra", a["recall_at_10"]), ("rs", b["recall_at_10"]),
                               ("aa", a["atd"]), ("as", b["atd"]), ("ta", timing["wall"]),
                               ("ts", m["same"]["wall"]),
                               ("ca", timing.get("cpu", float("nan"))),
                               ("cs", m["same"].get("cpu", float("nan"))),
                               ("lim", b["wss_95_limit"])):
                per[key].append(value)
            if "stop" in m:
                stops.append((f.stem, s, *stop_summary(m["stop"]["stop"], len(labels) - 2)))
            if "criteria" in m:
                c = score(m["criteria"]["order"], [], labels)
                crit_w.append(c["wss_95"])
                same_w.append(b["wss_95"])
        row = {k: mean(v) for k, v in per.items()}
        for k in agg:
            agg[k].append(row[k])
        delta = row["ws"] - row["wa"]
        if delta < -0.02:
            worse.append(f"{f.stem} ({delta:+.3f})")
        lines.append(
            f"| {f.stem} | {len(labels)} | {sum(labels)} | {row['wa']:.3f} | {row['ws']:.3f} | "
            f"{delta:+.3f} | {row['lim']:.3f} | {row['ra']:.3f} | {row['rs']:.3f} | {row['aa']:.3f} | "
            f"{row['as']:.3f} | {row['ta']:.1f} | {row['ts']:.1f} | {row['ta'] / row['ts']:.1f}x | "
            f"{_num(row['ca'])} | {_num(row['cs'])} | {_num(row['ca'] / row['cs'], 'x')} |"
        )
        if crit_w:
            crit_rows.append(f"| {f.stem} | {mean(same_w):.3f} | {mean(crit_w):.3f} | "
                             f"{mean(crit_w) - mean(same_w):+.3f} |")
    m = {k: mean(v) for k, v in agg.items()}
    total_a, total_s = sum(agg["ta"]), sum(agg["ts"])
    timed = [(a, b) for a, b in zip(agg["ca"], agg["cs"], strict=True) if a == a and b == b]
    cpu_ratio = sum(a for a, _ in timed) / sum(b for _, b in timed) if timed else float("nan")
    lines.append(
        f"| **mean** | | | **{m['wa']:.3f}** | **{m['ws']:.3f}** | {m['ws'] - m['wa']:+.3f} | "
        f"{m['lim']:.3f} | **{m['ra']:.3f}** | **{m['rs']:.3f}** | {m['aa']:.3f} | {m['as']:.3f} | "
        f"{m['ta']:.1f} | {m['ts']:.1f} | {total_a / total_s:.1f}x | | | "
        f"**{_num(cpu_ratio, 'x')}** |"
    )
    lines += ["", f"Speed: total wall time ASReview / scopewise {total_a / total_s:.2f}x over "
              f"{len(agg['ta'])} datasets; total CPU time {_num(cpu_ratio, 'x')} over the "
              f"{len(timed)} datasets where ASReview's CPU time was measured (CPU time of the "
              "child process and its children, from wait4; the fairer figure on a shared "
              "machine)."]
    lines += ["", "Datasets worse than ASReview by more than 0.02 WSS@95: "
              + (", ".join(worse) if worse else "none") + "."]
    if crit_rows:
        lines += ["", "Cold start from the criteria text alone (0+0 priors) vs 1+1 priors, WSS@95:", "",
                  "| dataset | 1+1 | criteria only (0+0) | Δ |", "|---|---:|---:|---:|", *crit_rows]
    valid = [(r, w) for _, _, r, w in stops if r == r]
    if valid:
        ok = sum(1 for r, _ in valid if r >= 0.95)
        misses = [f"{name} seed {seed} ({r:.3f})" for name, seed, r, _ in stops if r == r and r < 0.95]
        lines += ["", f"Stopping rule `{args.stop_rule}`: recall >= 0.95 in {ok}/{len(valid)} "
                  f"dataset x seed runs ({ok / len(valid):.0%}); mean recall at the stop "
                  f"{mean([r for r, _ in valid]):.3f}; mean work saved (share of records left "
                  f"unscreened) {mean([w for _, w in valid]):.3f}; min recall "
                  f"{min(r for r, _ in valid):.3f}. Runs below 0.95: "
                  + (", ".join(misses) if misses else "none") + "."]
    return lines


if __name__ == "__main__":
    sys.exit(main())

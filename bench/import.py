"""Import benchmark: the real exports in ../shared/data/formats, and a 100,000-record RIS.

Run from the repository root::

    /work/venv/bin/python bench/import.py [--records 100000] [--runs 3]

1. Every file in ../shared/data/formats: records scopewise reads versus an
   independent count (ER lines, @entries, PMID- lines, <record> elements, CSV rows),
   and whether ASReview 3.0.8 reads it (and how many records).
2. A generated RIS file imported end to end into a new SQLite project through
   ``Review.import_file`` (one transaction, search row + records; parsed in worker
   processes, and again in one process with ``SCOPEWISE_IMPORT_WORKERS=1``), and
   ASReview 3.0.8 loading the same file with ``asreview.load_dataset`` into a SQLite
   file, each in its own process, runs interleaved: wall time, CPU time (worker
   processes included), peak RSS of the largest process and of all processes
   together, and the load average (median of --runs).

ASReview is installed by this script into bench/.venvs/asreview when absent. The
markdown table is printed and written to bench/results/import.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("SCOPEWISE_SHARED_DATA", REPO.parent / "shared" / "data"))
VENV = REPO / "bench" / ".venvs" / "asreview"
ASREVIEW = "asreview==3.0.8"
NOT_EXPORTS = {"LICENSE", "DESCRIPTION"}

WORDS = ["peer", "support", "mental", "health", "service", "recovery", "worker", "lived", "experience", "community", "care", "psychiatric", "outcome", "randomised", "trial", "qualitative", "interview", "stigma", "employment", "training", "supervision", "role", "hospital", "ward", "youth", "family", "carer", "evaluation", "implementation", "policy", "wellbeing", "empowerment", "hope", "social", "inclusion", "crisis", "forensic", "setting", "model", "fidelity"]


def independent_count(path: Path) -> int:
    """Records in a file, counted without scopewise (same rules as the corpus test)."""
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
    if data.startswith("FN "):
        return len(re.findall(r"^ER\s*$", data, flags=re.MULTILINE))
    return len(re.findall(r"^ER  -", data, flags=re.MULTILINE))


def generate_ris(path: Path, n: int, seed: int = 7) -> None:
    """A realistic RIS export: title, 2-8 authors, ~170-word abstract, keywords, ids."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="\r\n") as out:
        for i in range(n):
            title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 16))).capitalize()
            out.write(f"TY  - JOUR\nID  - {i + 1}\nTI  - {title}\n")
            for _ in range(rng.randint(2, 8)):
                out.write(f"AU  - {rng.choice(WORDS).capitalize()}sson, {rng.choice('ABCDEFGH')}.\n")
            abstract = " ".join(rng.choice(WORDS) for _ in range(170))
            out.write(
                f"PY  - {rng.randint(1990, 2024)}\nT2  - Journal of {rng.choice(WORDS).title()}\n"
                f"VL  - {rng.randint(1, 60)}\nIS  - {rng.randint(1, 12)}\nSP  - {rng.randint(1, 900)}\n"
                f"EP  - {rng.randint(901, 999)}\nDO  - 10.{rng.randint(1000, 9999)}/gen.{i}\n"
                f"SN  - 1234-567X\nAB  - {abstract}.\n"
            )
            for _ in range(rng.randint(3, 6)):
                out.write(f"KW  - {rng.choice(WORDS)}\n")
            out.write("DB  - Generated\nER  - \n\n")


def _tree_rss_mib(root: int) -> float:
    """Resident memory of a process and all its descendants (MiB), read from /proc."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status", encoding="ascii", errors="replace") as status:
                fields = dict(line.split(":", 1) for line in status if ":" in line)
        except OSError:
            continue
        parents[int(entry)] = int(fields.get("PPid", "0").strip() or 0)
        rss[int(entry)] = int((fields.get("VmRSS", "0 kB").split() or ["0"])[0])
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, ppid in parents.items():
            if ppid == parent and pid not in tree:
                tree.add(pid)
                frontier.append(pid)
    return sum(rss.get(pid, 0) for pid in tree) / 1024


def run_once(cmd: list[str], env: dict[str, str] | None = None) -> dict[str, float]:
    """One run: timed seconds and CPU (incl. worker processes) reported by the child,
    whole-process wall time, peak RSS of the largest process, peak RSS summed over the
    process tree (sampled every 0.2 s), and the load average when the run started."""
    load = os.getloadavg()[0]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})})
    tree_peak = 0.0
    while proc.poll() is None:
        tree_peak = max(tree_peak, _tree_rss_mib(proc.pid))
        time.sleep(0.2)
    wall = time.perf_counter() - start
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[:3]} failed: {err[-2000:]}")
    result = json.loads(out.strip().splitlines()[-1])
    return {"wall": wall, "seconds": result["seconds"], "cpu": result["cpu"],
            "records": result["records"], "peak_mib": result["maxrss_mib"],
            "tree_mib": tree_peak, "load": load}


def measure(tools: dict[str, tuple[list[str], dict[str, str]]], runs: int
            ) -> dict[str, dict[str, float]]:
    """Run every tool ``runs`` times, interleaved so that changing load hits all alike;
    the median of each figure per tool (load: median, with its range)."""
    seen: dict[str, list[dict[str, float]]] = {name: [] for name in tools}
    for _ in range(runs):
        for name, (cmd, env) in tools.items():
            seen[name].append(run_once(cmd, env))
    out = {}
    for name, results in seen.items():
        out[name] = {key: statistics.median(r[key] for r in results) for key in results[0]}
        out[name]["load_min"] = min(r["load"] for r in results)
        out[name]["load_max"] = max(r["load"] for r in results)
    return out


# CPU seconds of the process and of its worker processes (reaped before reading).
CPU = """
import resource
def cpu_seconds():
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime
def peak_mib():
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return max(own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
"""

SCOPEWISE_IMPORT = CPU + """
import json, shutil, sys, time, tempfile
from pathlib import Path
from scopewise.review import Review
folder = Path(tempfile.mkdtemp()) / "bench"
review = Review.create(folder)
start, cpu = time.perf_counter(), cpu_seconds()
result = review.import_file(sys.argv[1], source="Generated")
seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu
review.close()
shutil.rmtree(folder.parent)  # half a GiB per run: never left behind
print(json.dumps({"seconds": seconds, "cpu": cpu, "records": result.records,
                  "maxrss_mib": peak_mib()}))
"""

ASREVIEW_LOAD = CPU + """
import json, shutil, sys, time, tempfile, os
from pathlib import Path
from asreview.data.loader import load_dataset
from asreview.database.database import Database
folder = Path(tempfile.mkdtemp())
start, cpu = time.perf_counter(), cpu_seconds()
db = Database(folder / "asreview.db")
db = load_dataset(sys.argv[1], db=db)
seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu
records = len(db.input)
shutil.rmtree(folder)
print(json.dumps({"seconds": seconds, "cpu": cpu, "records": records,
                  "maxrss_mib": peak_mib()}))
"""

ASREVIEW_COUNT = """
import json, sys
from asreview.data.loader import load_records
out = {}
for path in sys.argv[1:]:
    try:
        out[path] = len(load_records(path))
    except Exception as error:
        out[path] = "error: " + type(error).__name__ + ": " + str(error).splitlines()[0][:80] if str(error) else type(error).__name__
print(json.dumps(out))
"""


def ensure_asreview() -> Path | None:
    python = VENV / "bin" / "python"
    if not python.exists():
        print(f"installing {ASREVIEW} into {VENV} ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", ASREVIEW], check=True)
    check = subprocess.run([str(python), "-c", "import asreview; print(asreview.__version__)"],
                           capture_output=True, text=True)
    return python if check.returncode == 0 else None


def corpus_rows(asreview: Path | None) -> tuple[list[str], int, int, int]:
    from scopewise.sources import detect_format, read_records

    files = sorted(p for p in (SHARED / "formats").glob("*/*") if p.name not in NOT_EXPORTS)
    peer: dict[str, object] = {}
    if asreview is not None:
        done = subprocess.run([str(asreview), "-c", ASREVIEW_COUNT, *map(str, files)],
                              capture_output=True, text=True)
        peer = json.loads(done.stdout.strip().splitlines()[-1]) if done.returncode == 0 else {}
    lines = ["| file | format | records in file | scopewise read | ASReview 3.0.8 read |",
             "|---|---|---:|---:|---:|"]
    ours_ok = peer_ok = 0
    for path in files:
        expected = independent_count(path)
        try:
            fmt = detect_format(path)
            got: object = sum(1 for _ in read_records(path))
        except Exception as error:
            fmt, got = "?", f"error: {error}"
        theirs = peer.get(str(path), "not run")
        ours_ok += got == expected
        peer_ok += theirs == expected
        mark = "" if theirs == expected else " ✗"
        lines.append(f"| {path.parent.name}/{path.name} | {fmt} | {expected:,} | {got} | "
                     f"{theirs}{mark} |")
    return lines, ours_ok, peer_ok, len(files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-peer", action="store_true")
    args = parser.parse_args()
    asreview = None if args.skip_peer else ensure_asreview()

    corpus, ours_ok, peer_ok, total = corpus_rows(asreview)
    with tempfile.TemporaryDirectory() as tmp:
        ris = Path(tmp) / f"generated_{args.records}.ris"
        generate_ris(ris, args.records)
        size_mb = ris.stat().st_size / 2**20
        ours = [sys.executable, "-c", SCOPEWISE_IMPORT, str(ris)]
        workers = min(4, os.cpu_count() or 1)
        tools = {
            "workers": (ours, {"SCOPEWISE_IMPORT_WORKERS": str(workers)}),
            "one": (ours, {"SCOPEWISE_IMPORT_WORKERS": "1"}),
        }
        if asreview:
            tools["asreview"] = ([str(asreview), "-c", ASREVIEW_LOAD, str(ris)], {})
        result = measure(tools, args.runs)

    cores = os.cpu_count() or 1
    loads = [r["load"] for r in result.values()]
    lines = [
        "# Import benchmark",
        "",
        f"Machine: {cores} cores, {platform.machine()}, Python {platform.python_version()}, "
        f"{platform.system()}; median of {args.runs} runs, each tool in its own process, "
        "same file, same run, runs interleaved (workers, one process, ASReview, workers, "
        f"...). Load average (1 min) when the runs started: median {statistics.median(loads):.1f}"
        f", from {min(r['load_min'] for r in result.values()):.1f} to "
        f"{max(r['load_max'] for r in result.values()):.1f}. The machine is shared with other "
        "jobs, so wall times depend on their load; CPU seconds (worker processes included) "
        "are the steadier figure.",
        "",
        f"## A generated {args.records:,}-record RIS file ({size_mb:.0f} MiB) into SQLite",
        "",
        "| tool | what is timed | records | time (s) | records/s | CPU (s) | records/CPU-s | "
        "whole process (s) | peak RSS, largest process (MiB) | peak RSS, all processes (MiB) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    labels = {
        "workers": ("scopewise, workers", f"`Review.import_file`: parse in {workers} worker "
                    f"processes, store in one transaction (`SCOPEWISE_IMPORT_WORKERS={workers}`)"),
        "one": ("scopewise, one process", "the same, parsed in the importing process "
                "(`SCOPEWISE_IMPORT_WORKERS=1`)"),
        "asreview": ("ASReview 3.0.8", "`load_dataset` into a SQLite file (incl. its import)"),
    }
    for key, r in result.items():
        name, what = labels[key]
        lines.append(
            f"| {name} | {what} | {r['records']:,.0f} | {r['seconds']:.1f} | "
            f"{r['records'] / r['seconds']:,.0f} | {r['cpu']:.1f} | "
            f"{r['records'] / r['cpu']:,.0f} | {r['wall']:.1f} | {r['peak_mib']:,.0f} | "
            f"{r['tree_mib']:,.0f} |")
    lines += ["", "By default scopewise parses files from 8 MiB on in one worker process per "
              "core (at most 4); the workers add some CPU time for passing data, and pay off "
              "in wall time when cores are free."]
    if "asreview" in result:
        ours_r = min(result["workers"], result["one"], key=lambda r: r["seconds"])
        theirs = result["asreview"]
        lines += ["", f"Ratio (scopewise's faster row): {theirs['seconds'] / ours_r['seconds']:.1f}x "
                  f"faster (wall), {theirs['cpu'] / ours_r['cpu']:.1f}x less CPU, "
                  f"{theirs['tree_mib'] / ours_r['tree_mib']:.1f}x less peak memory (all "
                  "processes)."]
    lines += [
        "",
        f"## Real exports in ../shared/data/formats ({total} files)",
        "",
        f"scopewise reads the true record count from {ours_ok} of {total} files; "
        f"ASReview 3.0.8 from {peer_ok} of {total} (✗ = error or wrong count).",
        "",
        *corpus,
        "",
    ]
    text = "\n".join(lines)
    print(text)
    out = REPO / "bench" / "results" / "import.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()

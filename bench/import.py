"""Import benchmark: the real exports in ../shared/data/formats, and a 100,000-record RIS.

Run from the repository root::

    /work/venv/bin/python bench/import.py [--records 100000] [--runs 3]

1. Every file in ../shared/data/formats: records scopewise reads versus an
   independent count (ER lines, @entries, PMID- lines, <record> elements, CSV rows),
   and whether ASReview 3.0.8 reads it (and how many records).
2. A generated RIS file imported end to end into a new SQLite project through
   ``Review.import_file`` (one transaction, search row + records), and ASReview 3.0.8
   loading the same file with ``asreview.load_dataset`` into a SQLite file, each in
   its own process: wall time and peak RSS (median of --runs).

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


def measure(cmd: list[str], runs: int) -> dict[str, float]:
    """Median wall time (s), median of the child's own timing, and peak RSS (MiB)."""
    walls, inner, cpus, peaks = [], [], [], []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        out = proc.stdout.read() if proc.stdout else ""
        err = proc.stderr.read() if proc.stderr else ""
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError(f"{cmd[:3]} failed: {err[-2000:]}")
        result = json.loads(out.strip().splitlines()[-1])
        walls.append(wall)
        inner.append(result["seconds"])
        cpus.append(result["cpu"])
        peaks.append(usage.ru_maxrss / 1024)
    return {"wall": statistics.median(walls), "seconds": statistics.median(inner),
            "peak_mib": statistics.median(peaks), "records": result["records"],
            "cpu": statistics.median(cpus)}


SCOPEWISE_IMPORT = """
import json, sys, time, tempfile
from pathlib import Path
from scopewise.review import Review
folder = Path(tempfile.mkdtemp()) / "bench"
review = Review.create(folder)
start, cpu = time.perf_counter(), time.process_time()
result = review.import_file(sys.argv[1], source="Generated")
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
review.close()
print(json.dumps({"seconds": seconds, "cpu": cpu, "records": result.records}))
"""

ASREVIEW_LOAD = """
import json, sys, time, tempfile, os
from pathlib import Path
from asreview.data.loader import load_dataset
from asreview.database.database import Database
start, cpu = time.perf_counter(), time.process_time()
db = Database(Path(tempfile.mkdtemp()) / "asreview.db")
db = load_dataset(sys.argv[1], db=db)
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
print(json.dumps({"seconds": seconds, "cpu": cpu, "records": len(db.input)}))
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
        ours = measure([sys.executable, "-c", SCOPEWISE_IMPORT, str(ris)], args.runs)
        theirs = measure([str(asreview), "-c", ASREVIEW_LOAD, str(ris)], args.runs) \
            if asreview else None

    cores = os.cpu_count()
    load = os.getloadavg()
    lines = [
        "# Import benchmark",
        "",
        f"Machine: {cores} cores, {platform.machine()}, Python {platform.python_version()}, "
        f"{platform.system()}; median of {args.runs} runs, each tool in its own process, "
        f"same file, same run. Load average during the run: {load[0]:.1f} (the machine is "
        "shared; CPU seconds are the less noisy figure).",
        "",
        f"## A generated {args.records:,}-record RIS file ({size_mb:.0f} MiB) into SQLite",
        "",
        "| tool | what is timed | records | time (s) | records/s | CPU (s) | records/CPU-s | "
        "whole process (s) | peak RSS (MiB) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
        f"| scopewise | `Review.import_file` (detect, parse, normalise, one transaction) | "
        f"{ours['records']:,} | {ours['seconds']:.1f} | {ours['records'] / ours['seconds']:,.0f} "
        f"| {ours['cpu']:.1f} | {ours['records'] / ours['cpu']:,.0f} "
        f"| {ours['wall']:.1f} | {ours['peak_mib']:,.0f} |",
    ]
    if theirs:
        lines.append(
            f"| ASReview 3.0.8 | `load_dataset` into a SQLite file (incl. its import) | "
            f"{theirs['records']:,} | {theirs['seconds']:.1f} | "
            f"{theirs['records'] / theirs['seconds']:,.0f} | {theirs['cpu']:.1f} | "
            f"{theirs['records'] / theirs['cpu']:,.0f} | {theirs['wall']:.1f} | "
            f"{theirs['peak_mib']:,.0f} |")
        lines += ["", f"Ratio: scopewise is {theirs['seconds'] / ours['seconds']:.1f}x faster "
                  f"and uses {theirs['peak_mib'] / ours['peak_mib']:.1f}x less peak memory."]
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

"""Parsing workers exit by themselves when the importing process dies, however it
dies (issue 16): the importer is killed with SIGKILL mid-import and no worker is left."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(),
                                reason="reads the process table from /proc (Linux)")

IMPORTER = r"""
import sys, time
from pathlib import Path
import scopewise.review.imports as imports
from scopewise.sources import ris
from scopewise.review import Review

imports.PARALLEL_MIN_BYTES = 0
imports.worker_count = lambda: 2
ris.BLOCK_CHARS = 300
folder, url, file = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
Review.create(folder, db_url=url).close()

def stalled(done: int) -> None:
    print("READY", flush=True)
    time.sleep(600)  # mid-import, workers running, until killed

with Review.open(folder) as review:
    review.import_file(file, source="Embase", progress=stalled)
"""


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_sigkill_of_the_importer_leaves_no_worker(tmp_path: Path, db_url: str) -> None:
    record = "TY  - JOUR\nID  - {i}\nTI  - Record number {i} about peer support\nPY  - 2020\nER  - \n\n"
    file = tmp_path / "big.ris"
    file.write_text("".join(record.format(i=i) for i in range(3000)), encoding="utf-8")
    script = tmp_path / "importer.py"
    script.write_text(IMPORTER, encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, str(script), str(tmp_path / "review"), db_url, str(file)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.strip() == "READY", proc.stderr.read() if proc.stderr else ""
        workers = children(proc.pid)
        assert workers, "the import runs no worker process"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 30  # generous on a loaded machine; usually < 1 s
        while any(alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = [w for w in workers if alive(w)]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
    for pid in left:  # do not leave them behind if the test fails
        os.kill(pid, signal.SIGKILL)
    assert left == [], f"worker(s) {left} outlived the importer"

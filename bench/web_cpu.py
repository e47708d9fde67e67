"""CPU per decide-and-next in one process: where a decision's server time goes.

bench/web_load.py measures latency with a real server and twenty clients, which on a
shared machine moves with whatever else runs. This script measures what the server
spends per decision, in CPU time, which moves far less: the web app (the ASGI app of
``scopewise serve``, driven in-process by Starlette's TestClient) on the project
bench/web_load.py builds (10,000 made-up records, dual screening, 20 reviewers), the
reviewers deciding in turn, and after each decision the ranking worker is left to
finish its refit (as at a paced load: one refit per decision). Reported per decision:
the process's CPU time, the ranking worker's share, the client thread's (TestClient),
the rest (the request threads and the event loop), the SQL statements run, and the
decide-and-next wall time of these one-at-a-time requests.

Run: ``python bench/web_cpu.py [--decided 5000] [--decisions 150]`` (``--decided``:
records already screened by two reviewers each, as in web_load's late paced row).
Compare two checkouts by running it with ``PYTHONPATH=OTHER/src``. Nothing is written.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
RECORD = re.compile(r'name="record_id" value="(\d+)"')
TITLE = re.compile(r'<h1 id="record-title">([^<]*)')


def project(folder: Path, decided: int) -> dict[str, int]:
    """The benchmark project in ``folder`` (built once, reused), and the labels."""
    import web_load

    labels_file = folder / "labels.json"
    if not labels_file.exists():
        folder.mkdir(parents=True, exist_ok=True)
        built = web_load.build(folder / "review", 10_000, 20, None, decided)
        labels_file.write_text(json.dumps(built), encoding="utf-8")
    labels: dict[str, int] = json.loads(labels_file.read_text(encoding="utf-8"))
    return labels


def measure(folder: Path, labels: dict[str, int], decisions: int, warm: int) -> dict[str, Any]:
    import web_load
    from sqlalchemy import event
    from starlette.testclient import TestClient

    from scopewise.review import ranking_worker
    from scopewise.web.app import create_app

    work = Path(tempfile.mkdtemp(prefix="scopewise-web-cpu-"))
    shutil.copytree(folder / "review", work / "review")  # every run from the same state
    os.environ["SCOPEWISE_CACHE_DIR"] = str(work / "cache")
    worker_cpu = [0.0]
    fit = ranking_worker.RankingWorker._fit

    def timed_fit(self: Any, request: Any) -> Any:
        start = time.thread_time()
        try:
            return fit(self, request)
        finally:
            worker_cpu[0] += time.thread_time() - start

    ranking_worker.RankingWorker._fit = timed_fit  # type: ignore[method-assign]
    statements = [0]
    app = create_app(work / "review", rank_wait=0.05)
    try:
        with TestClient(app) as client:
            review = app.state.review
            event.listen(review.store.engine, "before_cursor_execute",
                         lambda *_a, **_k: statements.__setitem__(0, statements[0] + 1))
            jars, pages = [], []
            for i in range(20):
                client.cookies.clear()
                token = TOKEN.search(client.get("/login").text).group(1)  # type: ignore[union-attr]
                client.post("/login", data={"email": f"r{i:02d}@example.org",
                                            "password": web_load.PASSWORD, "csrf_token": token})
                pages.append(client.get("/screen").text)
                jars.append(dict(client.cookies))
            worker = review._ranking_worker
            worker.idle(120)
            waits: list[float] = []

            def decide(i: int) -> None:
                who = i % 20
                client.cookies.clear()
                client.cookies.update(jars[who])
                text = pages[who]
                title = TITLE.search(text)
                key = " ".join(title.group(1).split()[:2]) if title else ""
                start = time.perf_counter()
                page = client.post("/screen/decide", data={
                    "csrf_token": TOKEN.search(text).group(1),  # type: ignore[union-attr]
                    "record_id": RECORD.search(text).group(1),  # type: ignore[union-attr]
                    "stage": "title_abstract",
                    "decision": "include" if labels.get(key, 0) else "exclude"})
                waits.append(time.perf_counter() - start)
                if page.status_code != 200:
                    raise RuntimeError(f"decide answered {page.status_code}")
                pages[who] = page.text
                worker.idle(120)

            for i in range(warm):
                decide(i)
            waits.clear()
            worker_cpu[0], statements[0] = 0.0, 0
            cpu, main = time.process_time(), time.thread_time()
            for i in range(warm, warm + decisions):
                decide(i)
            cpu, main = time.process_time() - cpu, time.thread_time() - main
    finally:
        ranking_worker.RankingWorker._fit = fit  # type: ignore[method-assign]
        shutil.rmtree(work, ignore_errors=True)
    waits.sort()
    return {"cpu": cpu / decisions, "worker": worker_cpu[0] / decisions,
            "client": main / decisions, "rest": (cpu - worker_cpu[0] - main) / decisions,
            "statements": statements[0] / decisions, "p50": waits[len(waits) // 2],
            "p95": waits[int(0.95 * (len(waits) - 1))]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decided", type=int, default=0,
                        help="records already screened by two reviewers each")
    parser.add_argument("--decisions", type=int, default=150)
    parser.add_argument("--warm", type=int, default=40, help="decisions before measuring")
    parser.add_argument("--folder", type=Path, default=None,
                        help="where the project is built once and kept (default: a temporary folder)")
    args = parser.parse_args(argv)
    folder = args.folder or Path(tempfile.mkdtemp(prefix="scopewise-web-cpu-project-"))
    labels = project(folder, args.decided)
    r = measure(folder, labels, args.decisions, args.warm)
    print(f"{args.decided * 2:,} decisions before, {args.decisions} measured: "
          f"CPU {1000 * r['cpu']:.1f} ms per decide-and-next (ranking worker "
          f"{1000 * r['worker']:.1f}, client thread {1000 * r['client']:.1f}, request threads "
          f"and event loop {1000 * r['rest']:.1f}); {r['statements']:.1f} SQL statements; "
          f"wall p50 {1000 * r['p50']:.0f} ms, p95 {1000 * r['p95']:.0f} ms (one at a time)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The web-load peer: ASReview LAB 3.0.8 over HTTP, at 1, 4 and 8 clients.

The step issue 17 names as ASReview's equivalent of scopewise's decide-and-next:
label with ``POST /api/projects/{id}/record/{record_id}`` (``label``,
``retrain_model=1``), then ``GET /api/projects/{id}/get_record`` for the next record.
Each client has its own account (authentication on; with it off every client is
served the same record), signs up, and joins the owner's project through its
invitation link, as a team does in the LAB.

The data are the records ``bench/web_load.py`` serves (the same generator and seed),
written as an ASReview CSV with one relevant and one irrelevant record labelled as
prior knowledge. ``asreview lab`` runs as its own process tree (waitress with 6
threads and its task manager, which trains the model in the background), installed
by ``bench/screening.py``'s ``ensure_asreview`` into ``bench/.venvs/asreview``.

How stale the served ranking is comes from ASReview's own results table: every
record it hands out carries ``training_set``, the number of labels the ranking that
chose it was trained on. *Behind* is the labels in the project when the client got
the record (ASReview's own label times) minus that number. *Fresh* is, per client and
per stretch of stale records, the seconds until the client was served a record from a
ranking that was not behind. *Fresh after a decision* is, per label, the seconds from
ASReview's own label time to the first record served to any client from a ranking
trained on that label.

Used by ``bench/web_load.py --peer`` (its table gets the peer's rows); run alone as
``python bench/asreview_lab.py [--clients 1,4,8] [--seconds 60] [--records 10000]``.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import socket
import sqlite3
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PASSWORD = "Bench-pass-phrase-1"


def write_dataset(path: Path, records: int) -> dict[str, int]:
    """The web benchmark's records as an ASReview CSV with two priors; title -> label."""
    from scopewise.screening.simulate import _synthetic_records

    recs, labels = _synthetic_records(records, 0)
    first_in = next(i for i, label in enumerate(labels) if label)
    first_out = next(i for i, label in enumerate(labels) if not label)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["title", "abstract", "included"])
        for i, r in enumerate(recs):
            prior = "1" if i == first_in else "0" if i == first_out else ""
            writer.writerow([f"Record {i} {r.title}", r.abstract, prior])
    return {f"Record {i}": int(label) for i, label in enumerate(labels)}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _label_of(item: dict[str, Any], labels: dict[str, int]) -> int:
    return labels.get(" ".join(str(item.get("title", "")).split()[:2]), 0)


async def _wait_up(base: str, seconds: float = 60.0) -> None:
    import httpx

    deadline = time.monotonic() + seconds
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            try:
                if (await client.get(f"{base}/", timeout=2)).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.3)
    raise RuntimeError(f"ASReview LAB did not answer at {base}")


async def _sign_up(client: Any, base: str, n: int) -> None:
    response = await client.post(
        f"{base}/auth/signup",
        data={"email": f"c{n}@example.org", "name": f"Client {n}", "password": PASSWORD,
              "affiliation": "bench"},
    )
    if response.status_code != 201:
        raise RuntimeError(f"signup failed: {response.status_code} {response.text[:200]}")


async def _session(base: str, dataset: Path, clients: int, labels: dict[str, int],
                   seconds: float) -> dict[str, Any]:
    import httpx

    limits = httpx.Limits(max_connections=4)
    owners = [httpx.AsyncClient(timeout=120, limits=limits) for _ in range(clients)]
    try:
        for n, client in enumerate(owners):
            await _sign_up(client, base, n)
        owner = owners[0]
        with dataset.open("rb") as handle:
            created = await owner.post(
                f"{base}/api/projects/create",
                data={"mode": "oracle"},
                files={"file": (dataset.name, handle, "text/csv")},
            )
        if created.status_code != 201:
            raise RuntimeError(f"project not created: {created.status_code} {created.text[:300]}")
        project = created.json()["id"]
        token = (await owner.post(f"{base}/api/projects/{project}/invitation-link/generate")).json()
        for client in owners[1:]:
            joined = await client.post(
                f"{base}/api/team/join", json={"encoded_token": token["encoded_token"]}
            )
            if joined.status_code != 200:
                raise RuntimeError(f"join failed: {joined.status_code} {joined.text[:200]}")
        started = await owner.put(
            f"{base}/api/projects/{project}/review",
            data={"status": "review", "trigger_model": "true"},
        )
        if started.status_code != 201:
            raise RuntimeError(f"review not started: {started.status_code} {started.text[:200]}")
        # the first model is trained before anyone is timed
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            page = (await owner.get(f"{base}/api/projects/{project}/get_record")).json()
            if page.get("result") is not None:
                break
            await asyncio.sleep(0.5)
        else:
            raise RuntimeError("ASReview LAB never served a first record")

        served: list[list[tuple[float, int]]] = [[] for _ in owners]
        latencies: list[float] = []
        errors = 0
        stop = time.monotonic() + seconds

        async def one(n: int, client: Any) -> None:
            nonlocal errors
            page = (await client.get(f"{base}/api/projects/{project}/get_record")).json()
            while time.monotonic() < stop:
                item = page.get("result")
                if item is None:
                    break
                record_id = int(item["record_id"])
                served[n].append((time.time(), record_id))
                t = time.perf_counter()
                label = await client.post(
                    f"{base}/api/projects/{project}/record/{record_id}",
                    data={"record_id": str(record_id), "label": str(_label_of(item, labels)),
                          "retrain_model": "1", "tags": "[]"},
                )
                nxt = await client.get(f"{base}/api/projects/{project}/get_record")
                latencies.append((time.perf_counter() - t) * 1000)
                if label.status_code != 200 or nxt.status_code != 200:
                    errors += 1
                    break
                page = nxt.json()

        began = time.monotonic()
        await asyncio.gather(*(one(n, c) for n, c in enumerate(owners)))
        elapsed = time.monotonic() - began
        return {"project": project, "served": served, "latencies": latencies,
                "errors": errors, "elapsed": elapsed}
    finally:
        for client in owners:
            await client.aclose()


def _staleness(db_path: Path, served: list[list[tuple[float, int]]]) -> dict[str, Any]:
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as conn:
        times = sorted(t for (t,) in conn.execute(
            "SELECT time FROM results WHERE label IS NOT NULL AND time IS NOT NULL"))
        trained = dict(conn.execute("SELECT record_id, training_set FROM results"))
        labelled = conn.execute("SELECT COUNT(*) FROM results WHERE label IS NOT NULL").fetchone()[0]
    import bisect

    behind: list[int] = []
    fresh_after: list[float] = []
    for stream in served:
        stale_since: float | None = None
        for at, record_id in stream:
            used = trained.get(record_id)
            gap = max(0, bisect.bisect_right(times, at) - int(used or 0))
            behind.append(gap)
            if gap > 0 and stale_since is None:
                stale_since = at
            elif gap == 0 and stale_since is not None:
                fresh_after.append(at - stale_since)
                stale_since = None
        if stale_since is not None and stream:
            fresh_after.append(stream[-1][0] - stale_since)  # never fresh again in the run
    return {"behind": behind, "fresh": fresh_after, "labelled": int(labelled),
            "lags": _fresh_lags(times, trained, served)}


def _fresh_lags(times: list[float], trained: dict[int, Any],
                served: list[list[tuple[float, int]]]) -> list[float]:
    """Seconds from each label (ASReview's own label time) to the first record served
    to any client from a ranking trained on it (``training_set`` at least that label's
    count); a label no such record followed counts to the end of the run."""
    pages = sorted((at, int(trained.get(rid) or 0)) for stream in served for at, rid in stream)
    if not pages:
        return []
    end = pages[-1][0]
    lags = []
    for count, at in enumerate(times, 1):
        first = next((t for t, used in pages if t >= at and used >= count), end)
        lags.append(first - at)
    return lags


def run(clients: int, seconds: float, records: int) -> dict[str, Any]:
    """One ASReview LAB server, ``clients`` clients for ``seconds``; the measured row."""
    from screening import ensure_asreview  # bench/screening.py: the venv, under a lock

    exe = ensure_asreview()
    with tempfile.TemporaryDirectory(prefix="asreview-lab-") as tmp:
        folder = Path(tmp)
        dataset = folder / "records.csv"
        labels = write_dataset(dataset, records)
        config = folder / "lab.toml"
        config.write_text(
            'SECRET_KEY = "bench-secret-key-not-for-use"\n'
            'SECURITY_PASSWORD_SALT = "bench-salt"\n'
            "ALLOW_ACCOUNT_CREATION = true\nEMAIL_VERIFICATION = false\n",
            encoding="utf-8",
        )
        port = _free_port()
        env = {**os.environ, "ASREVIEW_PATH": str(folder / "projects")}
        server = subprocess.Popen(
            [str(exe), "lab", "--host", "127.0.0.1", "--port", str(port), "--enable-auth",
             "--config-path", str(config), "--no-browser", "--skip-update-check"],
            env=env, stdout=subprocess.DEVNULL, stderr=(folder / "lab.log").open("w"),
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            asyncio.run(_wait_up(base))
            out = asyncio.run(_session(base, dataset, clients, labels, seconds))
            db_path = next((folder / "projects").rglob("results.db"))
            stale = _staleness(db_path, out["served"])
        finally:
            os.killpg(server.pid, 15)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, 9)
        lat = out["latencies"]
        accepted = len(lat)
        behind = stale["behind"]
        return {
            "clients": clients,
            "decisions_per_s": accepted / out["elapsed"] if out["elapsed"] else 0.0,
            "p50": _percentile(lat, 0.5),
            "p95": _percentile(lat, 0.95),
            "p99": _percentile(lat, 0.99),
            "behind_mean": statistics.fmean(behind) if behind else float("nan"),
            "behind_p95": _percentile([float(b) for b in behind], 0.95),
            "behind_max": max(behind, default=0),
            "fresh_p95": _percentile(stale["fresh"], 0.95) if stale["fresh"] else 0.0,
            "lag_p50": _percentile(stale["lags"], 0.5) if stale["lags"] else 0.0,
            "lag_p95": _percentile(stale["lags"], 0.95) if stale["lags"] else 0.0,
            "accepted": accepted,
            "in_db": stale["labelled"] - 2,  # the two priors are not the clients' labels
            "errors": out["errors"],
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", default="1,4,8")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--records", type=int, default=10_000)
    args = parser.parse_args(argv)
    for n in (int(c) for c in args.clients.split(",")):
        print(json.dumps(run(n, args.seconds, args.records)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

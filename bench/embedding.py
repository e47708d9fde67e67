"""Embedding rankers beside ``scopewise`` and ASReview's ``elas_u4``, from the same priors.

Needs the heavy extra, in its own venv so the project's ``.venv`` stays light::

    python3 -m venv bench/.venvs/embeddings
    bench/.venvs/embeddings/bin/pip install torch==2.13.0
    bench/.venvs/embeddings/bin/pip install -e '.[embeddings]'
    bench/.venvs/embeddings/bin/python bench/embedding.py [--datasets A B] [--seeds 0 1 2]

Every pair (dataset, seed) for which ``bench/out/asreview/{stem}_s{seed}.json`` exists
(written by ``bench/screening.py``) is screened in-process by each ranker from the
priors ASReview drew; both orders are scored with :mod:`scopewise.screening.metrics`.
Everything runs on one core (torch, BLAS and OpenMP limited to one thread, no parallel
jobs). Embeddings are cached in ``bench/out/embeddings``; the CPU time of encoding a
dataset the first time is recorded there and reported in its own column.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

# the same scoring and code hash as the main screening benchmark (bench/screening.py)
from screening import score, screening_code_hash  # noqa: E402

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
DATA = Path(os.environ.get("SCOPEWISE_SHARED_DATA", REPO.parent / "shared" / "data")) / "screening"
OUT = BENCH / "out"
CACHE = OUT / "embeddings"
RUNS = OUT / "embedding_runs"
RESULTS = BENCH / "results" / "embedding.md"
NAMED = ["Nagtegaal_2019", "Cohen_2006_Estrogens", "Kitchenham_2010", "van_de_Schoot_2017",
         "scoping_solastalgia"]
# warm-svm: the TF-IDF model hybrid extends, so hybrid - warm-svm is what the embedding adds
RANKERS = ["scopewise", "warm-svm", "embedding", "hybrid"]


def datasets() -> list[str]:
    """The five named datasets first, then the rest of the folder."""
    rest = sorted(p.stem for p in DATA.glob("*.csv") if p.stem not in NAMED)
    return [n for n in NAMED if (DATA / f"{n}.csv").exists()] + rest


def encode_dataset(stem: str, encoder: Any) -> float:
    """Fill the cache for one dataset; CPU seconds of its first encoding (recorded once)."""
    from scopewise.cli.labelled import read_labelled
    from scopewise.screening.rankers.embedding import _record_string, embed_texts

    timing = CACHE / f"{stem}.timing.json"
    if timing.exists():
        return float(json.loads(timing.read_text())["cpu"])
    _, records, _ = read_labelled(DATA / f"{stem}.csv")
    started = time.process_time()
    embed_texts([_record_string(r) for r in records], encoder, CACHE)
    cpu = time.process_time() - started
    CACHE.mkdir(parents=True, exist_ok=True)
    timing.write_text(json.dumps({"cpu": cpu, "records": len(records)}))
    return cpu


def make_ranker(name: str, encoder: Any, args: argparse.Namespace) -> Any:
    from scopewise.screening.rankers import get_ranker

    if name == "embedding":
        return get_ranker(name, encoder=encoder, cache_dir=CACHE, C=args.embedding_c)
    if name == "hybrid":
        return get_ranker(name, encoder=encoder, cache_dir=CACHE,
                          embedding_weight=args.hybrid_weight)
    return get_ranker(name)


def run(stem: str, seed: int, name: str, encoder: Any, args: argparse.Namespace) -> dict[str, Any]:
    """One in-process simulation from ASReview's priors, cached by code and settings."""
    from scopewise.cli.labelled import read_labelled
    from scopewise.screening.simulate import simulate

    settings = f"{args.embedding_c}_{args.hybrid_weight}" if name in ("embedding", "hybrid") else ""
    cache = RUNS / f"{stem}_s{seed}_{name}{settings}_{screening_code_hash()}.json"
    if cache.exists():
        return dict(json.loads(cache.read_text()))
    peer = json.loads((OUT / "asreview" / f"{stem}_s{seed}.json").read_text())
    _, records, labels = read_labelled(DATA / f"{stem}.csv")
    ranker = make_ranker(name, encoder, args)
    started = time.process_time()
    result = simulate(records, labels, ranker, priors=peer["priors"])
    cpu = time.process_time() - started
    out = {"metrics": result.metrics.as_dict(), "cpu": cpu}
    RUNS.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(out))
    return out


def mean(values: list[float]) -> float:
    values = [v for v in values if v == v]
    return statistics.fmean(values) if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", nargs="*", default=None)
    parser.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2, 3, 4])
    parser.add_argument("--rankers", nargs="*", default=RANKERS)
    parser.add_argument("--embedding-c", type=float, default=0.1)
    parser.add_argument("--hybrid-weight", type=float, default=0.25)
    parser.add_argument("--encode-only", action="store_true", help="Fill the embedding cache.")
    parser.add_argument("--no-write", action="store_true", help="Print the table only.")
    args = parser.parse_args()

    from scopewise.cli.labelled import read_labelled
    from scopewise.screening.rankers.embedding import MiniLMEncoder

    encoder = MiniLMEncoder(threads=1)
    names = args.datasets or datasets()
    lines = [f"Settings: embedding C = {args.embedding_c}, hybrid embedding weight = "
             f"{args.hybrid_weight}; 1+1 priors as ASReview drew them; seeds "
             f"{', '.join(map(str, args.seeds))} where an ASReview run exists.", ""]
    totals: dict[str, dict[str, list[float]]] = {}
    for stem in names:
        encode_cpu = encode_dataset(stem, encoder)
        print(f"{stem}: encoded ({encode_cpu:.0f} s CPU the first time)", flush=True)
        if args.encode_only:
            continue
        seeds = [s for s in args.seeds if (OUT / "asreview" / f"{stem}_s{s}.json").exists()]
        if not seeds:
            continue
        _, _, labels = read_labelled(DATA / f"{stem}.csv")
        table: dict[str, dict[str, list[float]]] = {}
        for seed in seeds:
            peer = json.loads((OUT / "asreview" / f"{stem}_s{seed}.json").read_text())
            m = score(peer["order"], peer["priors"], labels)
            row = table.setdefault("asreview", {"wss": [], "r10": [], "cpu": []})
            row["wss"].append(m["wss_95"])
            row["r10"].append(m["recall_at_10"])
            row["cpu"].append(float(peer.get("cpu", float("nan"))))
            for name in args.rankers:
                r = run(stem, seed, name, encoder, args)
                row = table.setdefault(name, {"wss": [], "r10": [], "cpu": []})
                row["wss"].append(r["metrics"]["wss_95"])
                row["r10"].append(r["metrics"]["recall_at_10"])
                row["cpu"].append(r["cpu"] + (encode_cpu if name in ("embedding", "hybrid") else 0.0))
                print(f"  s{seed} {name}: WSS@95 {r['metrics']['wss_95']:.3f}", flush=True)
        lines += [f"### {stem} ({len(labels)} records, {sum(labels)} relevant, seeds "
                  f"{', '.join(map(str, seeds))}; encoding {encode_cpu:.0f} s CPU once)", "",
                  "| ranker | WSS@95 | recall@10 | CPU s (incl. encoding) |",
                  "|---|---:|---:|---:|"]
        for name, row in table.items():
            lines.append(f"| {name} | {mean(row['wss']):.3f} | {mean(row['r10']):.3f} | "
                         f"{mean(row['cpu']):.1f} |")
            total = totals.setdefault(name, {"wss": [], "r10": [], "cpu": []})
            for key in total:
                total[key].append(mean(row[key]))
        lines.append("")
    if args.encode_only:
        return
    lines += [f"### Means over the {len(next(iter(totals.values()))['wss']) if totals else 0} "
              "datasets (each dataset's mean over its seeds)", "",
              "| ranker | WSS@95 | recall@10 | CPU s (incl. encoding) |", "|---|---:|---:|---:|"]
    for name, total in totals.items():
        lines.append(f"| {name} | {mean(total['wss']):.3f} | {mean(total['r10']):.3f} | "
                     f"{mean(total['cpu']):.1f} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        head = "# Embedding rankers (optional extra)\n\n"
        if RESULTS.exists() and "<!-- tables -->" in RESULTS.read_text():
            head = RESULTS.read_text().split("<!-- tables -->")[0]
        RESULTS.write_text(head + "<!-- tables -->\n\n" + text)


if __name__ == "__main__":
    main()

"""Assemble BENCHMARKS.md from the latest table of each benchmark in bench/results/.

Each benchmark script writes its own table to ``bench/results/<name>.md``; this
script only stitches them together, in a fixed order, under one heading.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = ("import", "dedup", "screening", "serving")
INTRO = """# Benchmarks

The latest table of every benchmark in `bench/`, each measured side by side with its
peer in the same run on this project's machine (x86_64, 2 cores, 24 GiB, shared with
other jobs while these ran: each table names the load). How each number is counted:
`../shared/METRICS.md`. Rebuild this file with `python bench/collect.py` after running
a benchmark script (`bench/import.py`, `bench/dedup.py`, `bench/screening.py`,
`bench/serving.py`, `bench/charting.py`, `bench/demo.py`, `bench/embedding.py`,
`bench/report.py`, `bench/stopping.py`, `bench/web_load.py`).
"""


def main() -> None:
    """Write BENCHMARKS.md at the repository root."""
    parts = [INTRO]
    results = HERE / "results"
    names = [n for n in ORDER if (results / f"{n}.md").exists()]
    names += sorted(p.stem for p in results.glob("*.md") if p.stem not in ORDER)
    for name in names:
        text = (results / f"{name}.md").read_text(encoding="utf-8").strip()
        if not text.startswith("#"):
            text = f"# {name.capitalize()}\n\n{text}"
        # demote the table's own headings one level under the page title
        lines = [("#" + line) if line.startswith("#") else line for line in text.splitlines()]
        parts.append("\n".join(lines))
    (HERE.parent / "BENCHMARKS.md").write_text("\n\n".join(parts) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

"""Damaged copies of the labelled dedup sets: export damage on one copy of each known pair.

Real exports (Ovid, Embase, Web of Science) mangle fields in ways the development
sets rarely show. This generator takes a labelled set and, for every known duplicate
group, damages one member (never the first) with one to three kinds of damage drawn
at random (seeded), so the truth file stays exactly true:

- pages: end page abbreviated (``1234-45``) or cut to a suffix (``1234-5``),
  supplement notation (``S417-S429`` -> ``Suppl-29``, ``417-429`` -> ``S417-S429``),
  an e-locator (``e12724``) or a page count (``1-6``) instead of the range, or empty;
- title: a database suffix (``[Review] [33 refs]``, ``[Erratum in ...]``, a trailing
  ``[`` or ``. [``), or the whole title in square brackets (a translated title);
- journal: ``[Electronic Resource]`` added, ``&`` for ``and`` (or back), a subtitle
  after ``:``, or the ISO 4 abbreviation.

Usage::

    python bench/damage.py                 # write bench/out/damaged_<set>.csv (+ truth)
    python bench/damage.py --check         # also run scopewise in-process on them (quick)
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE.parent.parent / "shared" / "data" / "dedup"
OUT = HERE / "out"
SETS = ("haematology", "digital_work")
SEED = 16

csv.field_size_limit(10**8)

Row = dict[str, str]


# --------------------------------------------------------------------------- pages


def _range(pages: str) -> tuple[str, str, str] | None:
    """``(prefix, first, last)`` digits of a page range ``S417-S429``; None when not one."""
    match = re.fullmatch(r"\s*([A-Za-z]?)(\d+)\s*[-–]+\s*[A-Za-z]?(\d+)\s*", pages)
    if not match:
        return None
    return match.group(1), match.group(2), match.group(3)


def pages_abbreviated(pages: str, rng: random.Random) -> str:
    """End page written short: ``1234-1245`` -> ``1234-45``; or cut to its last digit(s)."""
    parts = _range(pages)
    if not parts or len(parts[2]) < 2:
        return ""
    prefix, first, last = parts
    keep = rng.randint(1, len(last) - 1)
    return f"{prefix}{first}-{last[-keep:]}"


def pages_supplement(pages: str, rng: random.Random) -> str:
    """Supplement notation: ``S417-S429`` -> ``Suppl-29``, ``417-429`` -> ``S417-S429``."""
    parts = _range(pages)
    if not parts:
        return ""
    prefix, first, last = parts
    if prefix or rng.random() < 0.5:
        return f"Suppl-{last[-2:]}"
    return f"S{first}-S{last}"


def pages_elocator(pages: str, rng: random.Random) -> str:
    """An article number (``e12724``) or a page count (``1-6``) in place of the range."""
    parts = _range(pages)
    if parts and rng.random() < 0.5:
        first, last = parts[1], parts[2]
        last = first[: max(0, len(first) - len(last))] + last  # "1844-59" ends at 1859
        return f"1-{min(max(1, int(last) - int(first) + 1), 40)}"
    return f"e{rng.randint(1000, 99999)}"


def pages_empty(pages: str, rng: random.Random) -> str:
    return ""


# --------------------------------------------------------------------------- titles

_TITLE_SUFFIXES = (
    " [Review] [{n} refs]",
    " [Review]",
    " [{n} refs]",
    " [Erratum in: {journal}. {year};{volume}:{page}]",
    " [Erratum appears in {journal} {year}]",
    " [",
    ". [",
    " [Comment in: {journal}. {year}]",
)


def title_suffix(row: Row, rng: random.Random) -> str:
    """The title with a suffix a database adds."""
    title = (row.get("title") or "").rstrip()
    template = rng.choice(_TITLE_SUFFIXES)
    return title + template.format(
        n=rng.randint(8, 180),
        journal=row.get("journal") or "J Clin Oncol",
        year=row.get("year") or "2010",
        volume=row.get("volume") or "28",
        page=rng.randint(100, 3000),
    )


def title_translated(row: Row, rng: random.Random) -> str:
    """An English title of a non-English article, as Ovid and Embase print it."""
    title = (row.get("title") or "").strip().rstrip(".")
    return f"[{title}]" + rng.choice(("", ".", " [German]"))


# --------------------------------------------------------------------------- journals

_SUBTITLES = (": official journal of the society", ": an international journal",
              ": the journal of clinical practice", " : JCP")  # fmt: skip
_ABBREVIATE: Callable[[str], str] | None = None


def _iso4(name: str) -> str:
    global _ABBREVIATE
    if _ABBREVIATE is None:
        from pyiso4.ltwa import Abbreviate

        abbreviate = Abbreviate.create()
        _ABBREVIATE = lambda text: abbreviate(text, remove_part=True)  # noqa: E731
    try:
        return _ABBREVIATE(name).replace(".", "")
    except IndexError:  # pyiso4 trips on a few names
        return name


def journal_damage(journal: str, rng: random.Random) -> str:
    """``[Electronic Resource]``, ``&``/``and``, a subtitle, or the ISO 4 abbreviation."""
    kind = rng.choice(("electronic", "ampersand", "subtitle", "iso4"))
    if kind == "electronic":
        return journal + rng.choice((" [Electronic Resource]", " [electronic resource]"))
    if kind == "ampersand" and re.search(r"\band\b|&", journal):
        if "&" in journal:
            return journal.replace("&", "and")
        return re.sub(r"\band\b", "&", journal)
    if kind == "iso4":
        return _iso4(journal)
    return journal + rng.choice(_SUBTITLES)


# --------------------------------------------------------------------------- damage


def damage(row: Row, rng: random.Random) -> tuple[Row, list[str]]:
    """One damaged copy of ``row`` and the names of the damage applied."""
    row = dict(row)
    kinds: list[str] = []
    options: list[str] = []
    if row.get("pages"):
        options += ["pages"] * 3
    # article numbers and page counts belong to journal articles, not to proceedings
    article = bool(row.get("journal")) and row.get("ENTRYTYPE", "article") == "article"
    if row.get("title"):
        options += ["title"] * 2
    if row.get("journal"):
        options += ["journal"] * 2
    if not options:
        return row, kinds
    # (dict, not set: a set of strings iterates in a per-process order, and the
    # damage must be the same on every run)
    for choice in dict.fromkeys(rng.choice(options) for _ in range(rng.randint(1, 3))):
        if choice == "pages":
            fn = rng.choice((pages_abbreviated, pages_supplement, pages_elocator, pages_empty))
            if fn is pages_elocator and not article:
                fn = pages_abbreviated
            new = fn(row["pages"], rng)
            if new != row["pages"] and (new or fn is pages_empty):
                row["pages"] = new
                kinds.append(fn.__name__)
        elif choice == "title":
            if rng.random() < 0.8:
                row["title"] = title_suffix(row, rng)
                kinds.append("title_suffix")
            else:
                row["title"] = title_translated(row, rng)
                kinds.append("title_translated")
        else:
            new = journal_damage(row["journal"], rng)
            if new != row["journal"]:
                row["journal"] = new
                kinds.append("journal")
    return row, kinds


def build(name: str, seed: int = SEED) -> tuple[Path, Path, dict[str, int]]:
    """Write the damaged copy of one labelled set and its truth file (ids unchanged)."""
    folder = DATA / name
    rng = random.Random(f"{seed}:{name}")
    with (folder / "records_pre_merged.csv").open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        fields = list(reader.fieldnames or [])
        rows = list(reader)
    with (folder / "merged_record_ids.csv").open(newline="", encoding="utf-8") as handle:
        groups = [sorted(set(g["merged_ids"].split(";"))) for g in csv.DictReader(handle)]
    by_id = {r["ID"]: r for r in rows}
    counts: dict[str, int] = {}
    for group in groups:
        victim = rng.choice(group[1:])
        damaged, kinds = damage(by_id[victim], rng)
        by_id[victim].update(damaged)
        for kind in kinds:
            counts[kind] = counts.get(kind, 0) + 1
    OUT.mkdir(exist_ok=True)
    path, truth = OUT / f"damaged_{name}.csv", OUT / f"damaged_{name}_truth.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    shutil.copyfile(folder / "merged_record_ids.csv", truth)
    return path, truth, counts


def check(path: Path, truth: Path) -> tuple[float, float, list[tuple[str, str]], int]:
    """scopewise in-process (sure groups only): precision, recall, missed and false pairs."""
    sys.path.insert(0, str(HERE))
    from dedup import group_pairs, metrics, read_set, truth_pairs  # type: ignore[import-not-found]
    from scopewise.dedup import find_duplicates

    records = read_set(path)
    ids = {i: sid for i, (sid, _) in enumerate(records)}
    result = find_duplicates([(i, rec) for i, (_, rec) in enumerate(records)])  # type: ignore[misc]
    pred = group_pairs([[ids[r] for r in g.record_ids] for g in result.groups])
    true = truth_pairs(truth)
    m = metrics(pred, true)
    return m["precision"], m["recall"], sorted(true - pred), int(m["false_merges"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--sets", nargs="*", default=list(SETS))
    parser.add_argument("--seed", type=int, default=SEED, help="another draw of the damage")
    args = parser.parse_args()
    for name in args.sets:
        path, truth, counts = build(name, args.seed)
        print(f"{path}: {counts}")
        if args.check:
            for label, p, t in (
                (
                    name,
                    DATA / name / "records_pre_merged.csv",
                    DATA / name / "merged_record_ids.csv",
                ),
                (f"damaged {name}", path, truth),
            ):
                precision, recall, missed, false = check(p, t)
                print(f"  {label}: precision {precision:.4f} recall {recall:.4f} "
                      f"missed {len(missed)} false {false}")  # fmt: skip


if __name__ == "__main__":
    main()

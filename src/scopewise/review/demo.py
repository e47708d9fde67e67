"""``scopewise demo``: the whole main job on the bundled example, offline, in one run.

Create a project from the bundled protocol, import the bundled export through the
normal import path, deduplicate, remove the records published before 1980 (the
lead's reason is stated in the flow), screen titles and abstracts with two simulated
reviewers in the order the default ranker chooses (conflicts resolved by a third),
report the stopping rule, screen full texts, and write the report.

The simulated reviewers know the dataset's labels: at title/abstract each follows
``label_abstract_screening`` but errs on a small share of records (so the reviewers
disagree on a few percent, as real pairs do), and the third reviewer resolves each
conflict by the label. At full text they follow ``label_included``; an exclusion
gets a reason drawn from the protocol's full-text exclusion codes (the dataset does
not record the authors' reasons), and a few excluded reports are marked "not
retrieved". Every random choice comes from one generator seeded by ``seed``, so a
seed gives the same project, decisions and report.
"""

from __future__ import annotations

import csv
import gzip
import io
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np

from scopewise.errors import ScopewiseError, ScreeningError, UsageError
from scopewise.records import Record
from scopewise.review import Review
from scopewise.review.report import STOPPING_EVENT
from scopewise.review.screening_queue import stopping_rule_for
from scopewise.screening.rankers import get_ranker
from scopewise.screening.stop_advice import advice
from scopewise.screening.stopping import StoppingRule, StopReport, rule_label
from scopewise.screening.stopping_checked import WordRows
from scopewise.screening.stopping_rule import RankerView
from scopewise.store import flow as flow_db
from scopewise.store import screening as screening_db
from scopewise.text import plural

__all__ = ["DemoResult", "bundled_example", "duplicate_check", "prioritised_order", "run_demo"]

EXAMPLE = "van_de_schoot"
DATA_NAME = "van_de_Schoot_2017.csv"
SOURCE = "Database search"
LEAD, FIRST, SECOND, THIRD = "Review lead", "Reviewer A", "Reviewer B", "Reviewer C"
TA_ERROR_RATE = 0.02  # each reviewer errs on ~2% of records: ~4% disagreement
FT_ERROR_RATE = 0.03
NOT_RETRIEVED_RATE = 0.02  # of the reports that the labels exclude at full text


_WHAT = {
    "report.html": "the report, self-contained (open it in a browser; prints well)",
    "report.docx": "the report for Word, editable",
    "report.pdf": "the report as PDF",
    "report.md": "the report as Markdown (figures in figures/)",
    "report.json": "the data behind every table of the report",
    "prisma.json": "the PRISMA flow's numbers",
    "prisma.svg": "the PRISMA flow diagram (SVG)",
    "prisma.png": "the PRISMA flow diagram (PNG)",
    "checklist.csv": "the PRISMA-ScR checklist: where the report answers each item",
    "evidence-map.svg": "the evidence map of the SIMULATED charting (SVG)",
    "evidence-map.png": "the evidence map of the SIMULATED charting (PNG)",
    "evidence-map.csv": "the evidence map's counts",
    "figures": "the figures the Markdown report shows",
}


@dataclass
class DemoResult:
    """What the demo did: where, the numbers, and how long each step took."""

    folder: Path
    report_files: list[Path] = field(default_factory=list)
    numbers: dict[str, Any] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def bundled_example() -> tuple[Path, Path]:
    """Paths of the bundled protocol and compressed dataset inside the package."""
    folder = resources.files("scopewise") / "examples" / EXAMPLE
    protocol = Path(str(folder / "protocol.toml"))
    data = Path(str(folder / f"{DATA_NAME}.gz"))
    if not protocol.is_file() or not data.is_file():
        raise ScopewiseError(
            f"the bundled example is missing from the installation ({folder}); reinstall scopewise"
        )
    return protocol, data


def _read_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def duplicate_check(
    predicted: Sequence[tuple[int, int]], truth: Sequence[tuple[int, int]]
) -> dict[str, float | int]:
    """Pairwise precision and recall (METRICS.md) of predicted against true duplicate pairs."""
    pred = {tuple(sorted(p)) for p in predicted}
    true = {tuple(sorted(p)) for p in truth}
    hit = len(pred & true)
    return {
        "predicted_pairs": len(pred),
        "true_pairs": len(true),
        "precision": hit / len(pred) if pred else 1.0,
        "recall": hit / len(true) if true else 1.0,
        "false_merges": len(pred - true),
    }


def _pairs(groups: dict[Any, set[str]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for members in groups.values():
        ids = sorted(int(m) for m in members)
        out += list(combinations(ids, 2))
    return out


def prioritised_order(
    records: Sequence[Record],
    labels: np.ndarray,
    ranker_name: str,
    stop_rule: StoppingRule,
    criteria: str,
    seed: int,
) -> tuple[list[int], StopReport | None, int | None, int]:
    """The order in which the simulated reviewers screen, and where the rule allows stopping.

    The ranker starts from the protocol text (no labelled record), is retrained on
    the final decisions as they come in (in batches of about a tenth of the records
    screened so far, to stay fast), and the stopping rule is consulted after every
    record; when it asks for a random sample, records are drawn at random. Once it
    allows stopping, the demo still screens the rest (in the ranker's last order) so
    that the flow is complete; the point where it could have stopped is returned.

    Returns
    -------
    order, stop report, records screened when stopping was allowed, retrainings.
    """
    # Some scikit-learn models draw from numpy's global generator when given no
    # random_state (LinearSVC does), which would make the order differ between runs;
    # seed it for this run and put it back afterwards.
    saved = np.random.get_state()
    np.random.seed(seed)
    try:
        return _prioritised_order(records, labels, ranker_name, stop_rule, criteria, seed)
    finally:
        np.random.set_state(saved)


def _prioritised_order(
    records: Sequence[Record],
    labels: np.ndarray,
    ranker_name: str,
    stop_rule: StoppingRule,
    criteria: str,
    seed: int,
) -> tuple[list[int], StopReport | None, int | None, int]:
    n = len(records)
    name = "scopewise" if ranker_name == "default" else ranker_name
    ranker = get_ranker(name).prepare(records, criteria=criteria)
    ranker.fit(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64))
    rng = np.random.default_rng([seed, 1])
    unscreened = np.ones(n, dtype=bool)
    order: list[int] = []
    sampled: list[bool] = []
    queue = list(ranker.ranking(unscreened))
    since_fit, fits, sampling = 0, 1, False
    stop: StopReport | None = None
    stopped_after: int | None = None
    checks: list[int] = []  # per record screened: 0, or the number of the rule's check
    pending: list[int] = []  # the records of a check still to screen
    check_number = 0
    words = WordRows(ranker, records)
    while len(order) < n:
        if stop is None and not pending:
            history = labels[order] if order else np.empty(0, dtype=np.int64)
            if stop_rule.reads_ranker:
                done = np.asarray(order, dtype=np.int64)
                stop_rule.see(RankerView(done, history, unscreened, ranker.scores, words,
                                         np.asarray(checks, dtype=np.int64)))
            stop_rule.fit(history, n, np.asarray(sampled, dtype=bool))
            if getattr(stop_rule, "stop_", False):
                stop, stopped_after = stop_rule.report(), len(order)
            elif stop_rule.check_.size:
                pending = [int(p) for p in stop_rule.check_]
                check_number += 1
            elif sampling or stop_rule.wants_random_sample(history, n):
                sampling = True
        if pending:
            position = pending.pop(0)
            sampled.append(False)
            checks.append(check_number)
        elif stop is None and sampling:
            position = int(rng.choice(np.flatnonzero(unscreened)))
            sampled.append(True)
            checks.append(0)
        else:
            if stop is None and since_fit >= max(25, len(order) // 10):
                ranker.fit(np.asarray(order, dtype=np.int64), labels[order])
                queue = list(ranker.ranking(unscreened))
                since_fit, fits = 0, fits + 1
            while not unscreened[queue[0]]:
                queue.pop(0)
            position = int(queue.pop(0))
            sampled.append(False)
            checks.append(0)
        unscreened[position] = False
        order.append(position)
        since_fit += 1
    return order, stop, stopped_after, fits


def _write_decisions(path: Path, rows: list[tuple[int, str, str, str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["record_id", "reviewer", "decision", "stage", "reasons"])
        writer.writerows(rows)


def run_demo(
    folder: str | Path,
    seed: int = 0,
    say: Callable[[str], None] = print,
) -> DemoResult:
    """Run the demo into ``folder`` (a new project folder) and return what it did.

    Raises
    ------
    ProjectExists
        ``folder`` already holds a project.
    """
    if seed < 0:
        raise UsageError(f"--seed must be zero or positive, not {seed}")
    started = time.perf_counter()
    result = DemoResult(folder=Path(folder))
    protocol_path, data_path = bundled_example()
    rng = np.random.default_rng(seed)

    def step(name: str, since: float) -> float:
        now = time.perf_counter()
        result.seconds[name] = round(now - since, 2)
        return now

    t = time.perf_counter()
    review = Review.create(folder, protocol_path=protocol_path, author=LEAD)
    try:
        imports = result.folder / "imports"
        imports.mkdir(exist_ok=True)
        csv_path = imports / DATA_NAME
        text = gzip.decompress(data_path.read_bytes()).decode("utf-8")
        csv_path.write_text(text, encoding="utf-8")
        say(f"Created the example project in {result.folder} from the bundled protocol.")
        imported = review.import_file(
            csv_path,
            source=SOURCE,
            platform="several bibliographic databases, exported and merged",
            actor=LEAD,
        )
        rows = {r["record_id"]: r for r in _read_rows(text)}
        say(f"Imported {imported.records:,} records from {csv_path.name} (one search).")
        t = step("create_and_import", t)

        # -- deduplication -------------------------------------------------------
        _dedup(review, rows, result, say)
        t = step("dedup", t)
        _remove_before_range(review, result, say)

        # -- title/abstract ------------------------------------------------------
        _screen_title_abstract(review, rows, rng, seed, result, say)
        t = step("title_abstract", t)

        # -- full text -----------------------------------------------------------
        _screen_full_text(review, rows, rng, result, say)
        t = step("full_text", t)

        # -- charting (simulated charters) ----------------------------------------
        from scopewise.review.demo_charting import chart_simulated

        result.numbers["charting"] = chart_simulated(
            review, (FIRST, SECOND), LEAD, rng, result.folder / "report", say
        )
        t = step("charting", t)

        # -- consultation (simulated) ---------------------------------------------
        from scopewise.review.demo_consultation import consult_simulated

        result.numbers["consultation"] = consult_simulated(
            review, LEAD, rng, result.folder / "consultation-notes", say
        )
        t = step("consultation", t)

        # -- report --------------------------------------------------------------
        result.report_files = review.report(result.folder / "report")
        flow = review.flow()
        result.numbers["flow"] = flow.to_json()
        step("report", t)
    finally:
        review.close()
    result.seconds["total"] = round(time.perf_counter() - started, 2)
    f = result.numbers["flow"]
    say(
        f"PRISMA flow: {f['identified']:,} identified, {f['duplicates_removed']:,} duplicates "
        f"removed, {f['removed_other_reasons']:,} removed for other reasons, "
        f"{f['screened']:,} screened, {f['excluded_title_abstract']:,} excluded at "
        f"title/abstract, {f['sought']:,} sought, {f['not_retrieved']:,} not retrieved, "
        f"{f['assessed']:,} assessed, {sum(f['excluded_full_text'].values()):,} excluded at "
        f"full text, {f['included']:,} included."
    )
    html = next((p for p in result.report_files if p.suffix == ".html"), None)
    say(f"Done in {result.seconds['total']:.0f} s. The report is in {html or result.folder}.")
    report_dir = result.folder / "report"
    for path in sorted(report_dir.iterdir()) if report_dir.is_dir() else ():
        say(f"  {path.name:<20} {_WHAT.get(path.name, _WHAT.get(path.suffix, ''))}".rstrip())
    return result


#: The lead's reason for the records removed before screening in the demo: the
#: disorder the review is about entered the diagnostic manuals in 1980 (DSM-III).
BEFORE_RANGE = "Published before 1980 (before DSM-III)"


def _remove_before_range(review: Review, result: DemoResult, say: Callable[[str], None]) -> None:
    """The lead removes the records published before 1980 before screening: PRISMA's
    "records removed for other reasons" (none of them is relevant in the dataset)."""
    import sqlalchemy as sa

    from scopewise.store import schema as t
    from scopewise.store.removals import removal_blockers

    with review.store.reading() as conn:
        ids = [int(i) for i in conn.execute(
            sa.select(t.records.c.id).where(t.records.c.year < 1980).order_by(t.records.c.id)
        ).scalars()]
        blocked = removal_blockers(conn, ids)  # duplicates merged already count as such
    ids = [i for i in ids if i not in blocked]
    removed = review.remove_records(ids, BEFORE_RANGE, actor=LEAD) if ids else 0
    result.numbers["removed_other"] = removed
    say(f"The lead removed {removed} records before screening, for a stated reason: "
        f"{BEFORE_RANGE}.")


def _dedup(
    review: Review, rows: dict[str, dict[str, str]], result: DemoResult, say: Callable[[str], None]
) -> None:
    dedup = getattr(review, "dedup", None)
    if dedup is None:
        say("Deduplication is not available in this installation; skipped.")
        return
    dedup(auto_only=True)
    with review.store.reading() as conn:
        source_ids = flow_db.source_record_ids(conn)
        members = flow_db.duplicate_members(conn)
    by_source = {sid: rid for rid, sid in source_ids.items()}
    predicted: dict[int, set[str]] = {}
    for m in members:
        predicted.setdefault(m.group_id, set()).add(str(m.record_id))
    truth: dict[str, set[str]] = {}
    for sid, row in rows.items():
        target = row.get("duplicate_record_id", "").strip()
        if target and sid in by_source:
            # duplicate_record_id is the 1-based row number of the record duplicated
            original = str(int(float(target)) - 1)
            if original in by_source:
                group = truth.setdefault(original, {str(by_source[original])})
                group.add(str(by_source[sid]))
    true_pairs = _pairs(truth)
    check = duplicate_check(_pairs(predicted), true_pairs)
    # The dataset's flags also join records that only share a generic title (e.g.
    # "Posttraumatic stress disorder" by different authors in different years), which
    # are not the same bibliographic record; recall is also given without those.
    with review.store.reading() as conn:
        records = screening_db.screening_records(conn, [r for p in true_pairs for r in p])
    plausible = [p for p in true_pairs if _same_work(records[p[0]], records[p[1]])]
    strict = duplicate_check(_pairs(predicted), plausible)
    removed = sum(1 for m in members if m.record_id != m.primary_record_id)
    result.numbers["dedup"] = {
        **check,
        "duplicates_removed": removed,
        "flagged_in_dataset": sum(1 for r in rows.values() if r.get("duplicate_record_id")),
        "flagged_pairs_same_author_and_year": len(plausible),
        "recall_same_author_and_year": strict["recall"],
    }
    say(
        f"Deduplication merged {removed:,} duplicate records in {len(predicted):,} groups "
        f"(the dataset flags {result.numbers['dedup']['flagged_in_dataset']:,}); against those "
        f"flags: pairwise precision {check['precision']:.3f}, recall {check['recall']:.3f} "
        f"({strict['recall']:.3f} on the {len(plausible)} flagged pairs with the same first "
        f"author and year), {plural(int(check['false_merges']), 'merged pair')} not flagged in the "
        "dataset."
    )


def _same_work(a: Record, b: Record) -> bool:
    """Same first author (case-insensitive) and years at most one apart (or unknown)."""
    if a.first_author.casefold().strip() != b.first_author.casefold().strip():
        return False
    return a.year is None or b.year is None or abs(a.year - b.year) <= 1


def _screen_title_abstract(
    review: Review,
    rows: dict[str, dict[str, str]],
    rng: np.random.Generator,
    seed: int,
    result: DemoResult,
    say: Callable[[str], None],
) -> None:
    protocol = review.protocol
    with review.store.reading() as conn:
        ids = screening_db.unique_record_ids(conn)
        records = screening_db.screening_records(conn, ids)
        source_ids = flow_db.source_record_ids(conn)
    truth = np.array(
        [int(rows[source_ids[rid]]["label_abstract_screening"]) for rid in ids], dtype=np.int64
    )
    first_err = rng.random(len(ids)) < TA_ERROR_RATE
    second_err = rng.random(len(ids)) < TA_ERROR_RATE
    first = np.where(first_err, 1 - truth, truth)
    second = np.where(second_err, 1 - truth, truth)
    # The final decision: the agreed one, else the third reviewer's (the label).
    final = np.where(first == second, first, truth)

    plan = protocol.screening
    rule = stopping_rule_for(plan.stop_rule, plan.target_recall)
    order, stop, stopped_after, fits = prioritised_order(
        [records[rid] for rid in ids], final, plan.ranker, rule, protocol.scope_text(), seed
    )
    word = {1: "include", 0: "exclude"}
    # Screen up to where the rule allows stopping, then the lead accepts the stop (the
    # flow shows the records left unscreened); if the project's own reading of the rule
    # does not agree, the demo screens the rest as well.
    can_stop = stop is not None and stop.stop and stopped_after is not None
    cut = stopped_after if can_stop and stopped_after is not None else len(order)
    decisions: list[tuple[int, str, str, str, str]] = []
    conflicts: list[Any] = []
    accepted = None
    for part, positions in enumerate((order[:cut], order[cut:])):
        if not positions:
            continue
        batch: list[tuple[int, str, str, str, str]] = []
        for position in positions:
            rid = ids[position]
            batch.append((rid, FIRST, word[int(first[position])], "title_abstract", ""))
            batch.append((rid, SECOND, word[int(second[position])], "title_abstract", ""))
        path = result.folder / "imports" / f"simulated_title_abstract_decisions_{part + 1}.csv"
        _write_decisions(path, batch)
        review.import_decisions(path, actor=LEAD)
        decisions += batch
        for outcome in review.conflicts("title_abstract"):
            position = ids.index(outcome.record_id)
            review.resolve(outcome.record_id, word[int(truth[position])], THIRD, "title_abstract")
            conflicts.append(outcome)
        if part == 0 and cut < len(order):
            try:
                accepted = review.stop_screening(LEAD)
            except ScreeningError:
                accepted = None
            if accepted is not None:
                break
    disagreements = int((first != second).sum())
    ta_agreement = review.agreement()[0].overall
    stop_detail: dict[str, Any] = {
        "rule": plan.stop_rule,
        "screened": stopped_after if stopped_after is not None else len(ids),
        "total": len(ids),
        "target_recall": plan.target_recall,
        "can_stop": stop is not None and stop.stop,
        "stopped_after": stopped_after,
        "estimated_recall": None if stop is None else _finite(stop.estimated_recall),
        "confidence": ""
        if stop is None or stop.recall_lower_bound is None
        else f"{stop.bound_words} {stop.recall_lower_bound:.1%}",
        "note": (
            "Simulated reviewers screened in the ranker's order"
            + ("; the lead accepted the rule's stop and the records left are reported as not "
               "screened." if accepted is not None else
               "; the demo screened the remaining records too, so that the flow is complete.")
            + (f" {stop.detail.rstrip('.')}." if stop is not None and stop.detail else "")
        ),
    }
    with review.store.transaction() as conn:
        review.store.audit(conn, LEAD, STOPPING_EVENT, stop_detail)
    found_at_stop = int(final[order[:stopped_after]].sum()) if stopped_after else None
    result.numbers["title_abstract"] = {
        "records": len(ids),
        "decisions": len(decisions),
        "disagreements": disagreements,
        "disagreement_rate": round(disagreements / len(ids), 4),
        "conflicts_resolved": len(conflicts),
        "kappa": ta_agreement.kappa,
        "passed": int(final.sum()),
        "ranker_retrainings": fits,
        "stopped_after": stopped_after,
        "relevant_found_at_stop": found_at_stop,
        "relevant_total": int(final.sum()),
    }
    screened = order[:cut] if accepted is not None else order
    n_screened = len(screened)
    disagreed = int((first[screened] != second[screened]).sum())
    say(
        f"Title/abstract: {FIRST} and {SECOND} screened {n_screened:,} records in the order of "
        f"the {plan.ranker} ranker; they disagreed on {disagreed} ({disagreed / n_screened:.1%}, "
        f"kappa {ta_agreement.kappa:.3f}) and {THIRD} resolved {len(conflicts)} conflicts; "
        f"{int(final[screened].sum()):,} records passed."
    )
    if stopped_after is not None and stop is not None:
        say(
            f"{advice(stop, plan.target_recall)} "
            f"Stopping rule {rule_label(plan.stop_rule, plan.target_recall)}, target recall {plan.target_recall:.0%}: stopping "
            f"was allowed after {stopped_after:,} of {len(ids):,} records "
            f"({len(ids) - stopped_after:,} left unscreened), having found {found_at_stop} of "
            f"{int(final.sum())} relevant records; "
            + ("the lead accepted the stop (the flow shows the records not screened)."
               if accepted is not None else "the demo screened the rest as well.")
        )


def _finite(value: float | None) -> float | None:
    return None if value is None or value != value else float(value)


def _screen_full_text(
    review: Review,
    rows: dict[str, dict[str, str]],
    rng: np.random.Generator,
    result: DemoResult,
    say: Callable[[str], None],
) -> None:
    protocol = review.protocol
    codes = [c.code for c in protocol.criteria.exclusion if "full_text" in c.stages]
    snapshot = review.screening_snapshot()
    with review.store.reading() as conn:
        source_ids = flow_db.source_record_ids(conn)
    passed = [rid for rid, o in snapshot.records.items() if o.full_text is not None]
    labels = {rid: int(rows[source_ids[rid]]["label_included"]) for rid in passed}
    excluded = [rid for rid in passed if not labels[rid]]
    missing = {rid for rid in excluded if rng.random() < NOT_RETRIEVED_RATE}
    for rid in sorted(missing):
        review.mark_not_retrieved(rid, "not available through the library (simulated)", LEAD)
    decisions: list[tuple[int, str, str, str, str]] = []
    finals: dict[int, tuple[str, str]] = {}
    for rid in passed:
        if rid in missing:
            continue
        reason = "" if labels[rid] else str(rng.choice(codes))
        final = ("include", "") if labels[rid] else ("exclude", reason)
        finals[rid] = final
        for reviewer in (FIRST, SECOND):
            said = final
            if reviewer == SECOND and rng.random() < FT_ERROR_RATE:
                said = ("exclude", str(rng.choice(codes))) if labels[rid] else ("include", "")
            decisions.append((rid, reviewer, said[0], "full_text", said[1]))
    path = result.folder / "imports" / "simulated_full_text_decisions.csv"
    _write_decisions(path, decisions)
    review.import_decisions(path, actor=LEAD)
    conflicts = review.conflicts("full_text")
    for outcome in conflicts:
        decision, reason = finals[outcome.record_id]
        review.resolve(
            outcome.record_id, decision, THIRD, "full_text", reasons=(reason,) if reason else ()
        )
    result.numbers["full_text"] = {
        "sought": len(passed),
        "not_retrieved": len(missing),
        "conflicts_resolved": len(conflicts),
        "included": sum(1 for d, _ in finals.values() if d == "include"),
    }
    say(
        f"Full text: {len(passed):,} reports sought, {len(missing)} marked not retrieved; "
        f"{FIRST} and {SECOND} decided the rest by the dataset's final labels, with reasons "
        f"from the protocol's codes ({', '.join(codes)}); {THIRD} resolved {len(conflicts)} "
        "conflicts."
    )

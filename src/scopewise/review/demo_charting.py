"""The demo's charting: two SIMULATED charters chart the included studies, a lead
reconciles, and the evidence map is drawn.

The bundled dataset has no charted values, so the demo makes them up, seeded: a
simulated charter takes the suggestion the rules make from the title and abstract
when there is one and otherwise a seeded random choice; the second charter
disagrees on about one value in ten; the lead reconciles each conflict with the first
charter's value. An audit event ``chart.simulated`` marks the project, so every
summary and report says the values are simulated.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from scopewise.charting import is_empty
from scopewise.protocol import ChartingField
from scopewise.review import Review
from scopewise.text import plural

__all__ = ["chart_simulated"]

DISAGREE_RATE = 0.1


def _pick(field: ChartingField, suggested: list[Any], rng: np.random.Generator) -> Any:
    choices = list(field.active_choices)
    if field.type == "multiple_choice":
        return [s.value for s in suggested] or [choices[int(rng.integers(len(choices)))]]
    if field.type == "single_choice":
        return suggested[0].value if suggested else choices[int(rng.integers(len(choices)))]
    if field.type == "country":
        return suggested[0].value if suggested else None
    if field.type == "number":
        return int(rng.integers(2, 6))
    if field.type == "yes_no":
        return bool(rng.random() < 0.2)
    return None


def _other(field: ChartingField, value: Any, rng: np.random.Generator) -> Any:
    choices = list(field.active_choices)
    if field.type == "single_choice" and len(choices) > 1:
        return str(rng.choice([c for c in choices if c != value]))
    if field.type == "multiple_choice":
        extra = str(rng.choice(choices))
        return sorted(set(value) | {extra}, key=choices.index)
    if field.type == "number" and value is not None:
        return int(value) + 1
    if field.type == "yes_no" and value is not None:
        return not value
    return value


def chart_simulated(
    review: Review,
    charters: tuple[str, str],
    lead: str,
    rng: np.random.Generator,
    out_dir: Path,
    say: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Chart every included source with two simulated charters, reconcile, and write
    the default evidence map (SVG, PNG, CSV) into ``out_dir``."""
    form = review.protocol.charting
    sources = review.sources_to_chart()
    ids = [s.record_id for s in sources]
    suggestions = review.suggestions_for(ids)
    first: dict[int, dict[str, Any]] = {}
    second: dict[int, dict[str, Any]] = {}
    for rid in ids:
        a: dict[str, Any] = {}
        for field in form.active_fields:
            value = _pick(field, suggestions.get(rid, {}).get(field.name, []), rng)
            if not is_empty(value):
                a[field.name] = value
        b = {
            name: (_other(form.field(name), v, rng) if rng.random() < DISAGREE_RATE else v)  # type: ignore[arg-type]
            for name, v in a.items()
        }
        first[rid], second[rid] = a, b
    with review.store.transaction() as conn:
        review.store.audit(
            conn,
            lead,
            "chart.simulated",
            {
                "charters": list(charters),
                "sources": len(ids),
                "note": "demo values from seeded simulated charters",
            },
        )
    review.chart_many(first, charters[0], complete=True)
    review.chart_many(second, charters[1], complete=True)
    conflicts = review.chart_conflicts(lead)
    for c in conflicts:
        review.resolve_chart(c.record_id, c.field, first[c.record_id].get(c.field), lead)
    agreement = review.chart_agreement(pilot_only=True)
    out: dict[str, Any] = {"sources": len(ids), "conflicts_resolved": len(conflicts)}
    fields = review.default_map_fields()
    if fields and ids:
        from scopewise.report.figures import evidence_map_figure

        emap = review.evidence_map(*fields)
        out_dir.mkdir(parents=True, exist_ok=True)
        for suffix in ("svg", "png"):
            evidence_map_figure(
                emap,
                out_dir / f"evidence-map.{suffix}",
                title=f"Evidence map: {emap.row_label} × {emap.column_label} (SIMULATED charting)",
            )
        import csv

        with (out_dir / "evidence-map.csv").open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(emap.to_csv_cells())
        out["map"] = emap.to_json()["gaps"]
    pilot = ", ".join(f"{a.field} {a.percent:.0f}%" for a in agreement if a.percent is not None)
    say(
        f"Charted {len(ids)} included studies with two SIMULATED charters "
        f"({plural(len(conflicts), 'conflicting value')} reconciled by the lead; pilot agreement: "
        f"{pilot or 'n/a'}); evidence map in {out_dir / 'evidence-map.svg'}."
    )
    return out

"""scopewise.jsonout: JSON that strict readers accept."""

from __future__ import annotations

import json

import numpy as np

from scopewise import jsonout


def test_non_finite_numbers_become_null_at_any_depth() -> None:
    value = {"kappa": float("nan"), "rows": [1.5, float("inf"), (np.float64("nan"), "x")],
             "nested": {"low": -float("inf"), "ok": 0.25, "n": 3, "flag": True}}
    text = jsonout.dumps(value, sort_keys=True)
    assert "NaN" not in text and "Infinity" not in text
    assert json.loads(text) == {"kappa": None, "rows": [1.5, None, [None, "x"]],
                                "nested": {"low": None, "ok": 0.25, "n": 3, "flag": True}}

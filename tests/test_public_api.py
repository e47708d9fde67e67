"""The public names of each package are pinned: changing them is a deliberate act."""

from __future__ import annotations

import scopewise
import scopewise.errors
import scopewise.protocol
import scopewise.review
import scopewise.store


def test_top_level() -> None:
    assert sorted(scopewise.__all__) == ["Author", "Record", "ScopewiseError", "__version__"]


def test_errors_all_derive_from_one_base() -> None:
    for name in scopewise.errors.__all__:
        error = getattr(scopewise.errors, name)
        assert issubclass(error, scopewise.errors.ScopewiseError)
        assert error.exit_code == 2


def test_protocol_api() -> None:
    assert set(scopewise.protocol.__all__) == {
        "SKELETON",
        "ChartingField",
        "ChartingForm",
        "Consultation",
        "Criteria",
        "Criterion",
        "Pcc",
        "Protocol",
        "ReportSettings",
        "ReviewInfo",
        "ScreeningPlan",
        "Source",
        "TeamMember",
        "diff_protocols",
        "dump_protocol",
        "load_protocol",
        "parse_protocol",
    }


def test_store_and_review_api() -> None:
    assert scopewise.review.__all__ == ["Review"]
    assert set(scopewise.store.__all__) == {
        "AuditEvent",
        "ProtocolVersion",
        "Store",
        "User",
        "make_engine",
        "migrate",
        "now",
        "sqlite_url",
    }

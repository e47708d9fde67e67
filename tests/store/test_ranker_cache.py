"""The disk cache of prepared rankers that one-shot ``screen --next`` calls share."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from scopewise.records import Record
from scopewise.review import Review, ranker_cache
from scopewise.screening.rankers import get_ranker
from scopewise.store import screening as db
from small_protocol import TITLES as PEER_TITLES
from small_protocol import project_with_titles, small_protocol

PROTOCOL = small_protocol("Ranker cache test")
TITLES = list(PEER_TITLES[:6])


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SCOPEWISE_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "rankers"


def _records(titles: list[str]) -> list[Record]:
    return [Record(title=title, abstract=f"About {title.lower()}.") for title in titles]


def _project(tmp_path: Path, db_url: str) -> Path:
    return project_with_titles(tmp_path / "project", PROTOCOL, TITLES, db_url)


def _backdate(cache: Path, key: str, seconds: float) -> None:
    path = cache / f"{key}.ranker.pickle"
    stamp = path.stat().st_mtime - seconds
    os.utime(path, (stamp, stamp))


def test_the_key_changes_with_project_records_order_criteria_and_ranker() -> None:
    project, ids = "project 1 created 2026-12-02T10:00:00+00:00", [3, 1, 2]
    key = ranker_cache.prepared_key("scopewise", project, ids, "peer support")
    assert key == ranker_cache.prepared_key("scopewise", project, [3, 1, 2], "peer support")
    others = {
        ranker_cache.prepared_key("scopewise", project.replace("10:", "11:"), ids,
                                  "peer support"),
        ranker_cache.prepared_key("scopewise", project, [1, 2, 3], "peer support"),
        ranker_cache.prepared_key("scopewise", project, [3, 1], "peer support"),
        ranker_cache.prepared_key("scopewise", project, ids, "peer workers"),
        ranker_cache.prepared_key("svm", project, ids, "peer support"),
    }
    assert key not in others and len(others) == 5


def test_two_projects_with_the_same_records_do_not_share_a_key(
    tmp_path: Path, db_url: str
) -> None:
    keys = set()
    for name, url in (("one", db_url), ("two", f"sqlite:///{tmp_path / 'two.db'}")):
        (tmp_path / name).mkdir()
        folder = _project(tmp_path / name, url)
        with Review.open(folder, db_url=url) as review, review.store.reading() as conn:
            ids = db.unique_record_ids(conn)
            keys.add(ranker_cache.prepared_key("scopewise", db.project_identity(conn), ids, ""))
    assert len(keys) == 2


def test_a_stored_ranker_ranks_as_the_one_prepared(cache: Path) -> None:
    records = _records(TITLES)
    prepared = get_ranker("scopewise").prepare(records, criteria="peer support mental health")
    ranker_cache.store_prepared("k1", prepared)
    loaded = ranker_cache.load_prepared("k1")
    assert loaded is not None and loaded is not prepared
    for ranker in (prepared, loaded):
        ranker.fit(np.array([0, 1]), np.array([1, 0]))
    unscreened = np.array([False, False, True, True, True, True])
    assert list(loaded.ranking(unscreened)) == list(prepared.ranking(unscreened))
    assert [p.name for p in cache.iterdir()] == ["k1.ranker.pickle"]


def test_only_the_newest_are_kept_and_a_broken_file_is_a_miss(cache: Path) -> None:
    for i in range(ranker_cache.KEEP + 2):
        ranker_cache.store_prepared(f"k{i}", {"n": i})
        _backdate(cache, f"k{i}", ranker_cache.KEEP + 2 - i)  # file times may tie
    kept = sorted(p.name for p in cache.iterdir())
    assert len(kept) == ranker_cache.KEEP and "k0.ranker.pickle" not in kept
    assert ranker_cache.load_prepared(f"k{ranker_cache.KEEP + 1}") == {"n": ranker_cache.KEEP + 1}
    (cache / "bad.ranker.pickle").write_bytes(b"not a pickle")
    assert ranker_cache.load_prepared("bad") is None
    assert ranker_cache.load_prepared("never stored") is None


def test_the_byte_budget_keeps_the_newest_only(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ranker_cache, "MAX_BYTES", 3000)
    ranker_cache.store_prepared("old", b"x" * 2000)
    _backdate(cache, "old", 10)
    ranker_cache.store_prepared("new", b"y" * 2000)  # both together exceed the budget
    assert [p.name for p in cache.iterdir()] == ["new.ranker.pickle"]
    ranker_cache.store_prepared("big", b"z" * 5000)  # the newest stays even when too big
    assert [p.name for p in cache.iterdir()] == ["big.ranker.pickle"]


def test_the_cache_can_be_turned_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCOPEWISE_CACHE_DIR", "off")
    assert ranker_cache.cache_dir() is None
    ranker_cache.store_prepared("k", {"x": 1})
    assert ranker_cache.load_prepared("k") is None
    monkeypatch.delenv("SCOPEWISE_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert ranker_cache.cache_dir() == tmp_path / "xdg" / "scopewise"


def test_a_second_process_serves_next_from_the_cached_ranker(
    tmp_path: Path, db_url: str, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _project(tmp_path, db_url)
    ranker_class = type(get_ranker("scopewise"))
    calls: list[int] = []
    real_prepare = ranker_class.prepare

    def counting_prepare(self: Any, records: Any, **kwargs: Any) -> Any:
        calls.append(len(records))
        return real_prepare(self, records, **kwargs)

    monkeypatch.setattr(ranker_class, "prepare", counting_prepare)
    served = []
    for _ in range(2):  # two one-shot commands: two Review objects, no memory shared
        with Review.open(folder, db_url=db_url) as review:
            item = review.next_record("Ann")
            assert item is not None
            served.append(item.record_id)
    assert calls == [len(TITLES)]  # prepared once, loaded the second time
    assert served[0] == served[1]
    assert len(list(cache.glob("*.ranker.pickle"))) == 1


def test_stopping_levels_are_computed_once_and_kept_in_the_cache(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scopewise.screening import stopping

    calls: list[tuple[int, int]] = []
    real = stopping.per_look_level

    def counting(found_before: int, urn: int, *args: Any) -> float:
        calls.append((found_before, urn))
        return real(found_before, urn, *args)

    monkeypatch.setattr(stopping, "per_look_level", counting)
    first = stopping.StatisticalStopping(levels=ranker_cache.LevelFile())
    level = first._level(30, 400)
    assert 0 < level <= 0.05 and calls == [(30, 400)]
    # a new process: a new rule and a new LevelFile read the same file
    again = stopping.StatisticalStopping(levels=ranker_cache.LevelFile())
    assert again._level(30, 400) == level and calls == [(30, 400)]
    again._level(31, 400)  # another urn state: computed
    assert calls == [(30, 400), (31, 400)]
    # the plain rule needs no level; another target recall is another key
    assert stopping.PlainStatisticalStopping(levels=ranker_cache.LevelFile())._level(30, 400) == 0.05
    stopping.StatisticalStopping(target_recall=0.9, levels=ranker_cache.LevelFile())._level(30, 400)
    assert len(calls) == 3
    files = list(cache.parent.glob("levels-*.json"))
    assert len(files) == 1 and len(json.loads(files[0].read_text())) == 3


def test_a_level_file_that_cannot_be_read_starts_empty(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    levels = ranker_cache.LevelFile()
    levels["k"] = 0.04
    assert levels.path is not None
    levels.path.write_text("{not json", encoding="utf-8")
    assert dict(ranker_cache.LevelFile()) == {}
    monkeypatch.setenv("SCOPEWISE_CACHE_DIR", "off")
    memory = ranker_cache.LevelFile()
    memory["k"] = 0.03
    assert memory.path is None and dict(memory) == {"k": 0.03}

"""The first author of a stored authors list, decoded alone for record searches."""

from __future__ import annotations

import json

from scopewise.store.screening import _family, _first_author


def test_only_the_first_author_is_read_whatever_follows_it() -> None:
    people = [{"family": "Núñez", "given": "A. [ed.]"}, {"family": "Smith"}]
    stored = json.dumps(people, ensure_ascii=False, separators=(",", ":"))
    assert _first_author(stored) == people[0] and _family(_first_author(stored)) == "Núñez"
    assert _first_author(" [ " + stored[1:]) == people[0]  # spaces are allowed
    assert _first_author('["Doe, Jane", "Roe, R"]') == "Doe, Jane"
    assert _family(_first_author('["Doe, Jane"]')) == "Doe"
    # a damaged tail does not matter: only the first element is decoded
    assert _first_author('[{"family":"Lee"},{"family":') == {"family": "Lee"}
    for empty in (None, "", "[]", "[ ]", "null", "{}"):
        assert _first_author(empty) is None

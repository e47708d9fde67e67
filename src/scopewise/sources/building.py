"""Building many :class:`~scopewise.records.Record` and :class:`~scopewise.records.Author` values fast.

Both are frozen dataclasses with slots. Their generated ``__init__`` sets each field
through ``object.__setattr__``, which costs more than the parsing of a short RIS
record. :func:`new_record` and :func:`new_author` set the same slots directly and
give equal values; they fall back to the ordinary constructors if the classes ever
stop being plain slotted dataclasses with exactly these fields.
"""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Callable
from typing import Any

from scopewise.records import RECORD_FIELDS, Author, Record

__all__ = ["new_author", "new_record"]

_AUTHOR_FIELDS = ("family", "given", "literal")


def _plain_slots(cls: type, names: tuple[str, ...]) -> bool:
    """Whether ``cls`` is a dataclass whose fields are exactly ``names``, stored in slots."""
    return (
        dataclasses.is_dataclass(cls)
        and tuple(f.name for f in dataclasses.fields(cls)) == names
        and not hasattr(cls, "__post_init__")
        and all(isinstance(cls.__dict__.get(n), types.MemberDescriptorType) for n in names)
    )


def _author_builder() -> Callable[[str, str, str], Author]:
    if not _plain_slots(Author, _AUTHOR_FIELDS):  # pragma: no cover - Author changed shape
        return Author
    new = object.__new__
    set_family, set_given, set_literal = (Author.__dict__[n].__set__ for n in _AUTHOR_FIELDS)

    def build(family: str, given: str = "", literal: str = "") -> Author:
        author = new(Author)
        set_family(author, family)
        set_given(author, given)
        set_literal(author, literal)
        return author

    return build


def _record_builder() -> Callable[..., Record]:
    if not _plain_slots(Record, RECORD_FIELDS):  # pragma: no cover - Record changed shape
        return Record
    # One assignment per field, generated as dataclasses generate __init__ itself.
    namespace: dict[str, Any] = {"new": object.__new__, "Record": Record}
    namespace.update({f"set_{n}": Record.__dict__[n].__set__ for n in RECORD_FIELDS})
    lines = [f"def build({', '.join(RECORD_FIELDS)}):", "    record = new(Record)"]
    lines += [f"    set_{n}(record, {n})" for n in RECORD_FIELDS]
    lines.append("    return record")
    exec("\n".join(lines), namespace)
    build: Callable[..., Record] = namespace["build"]
    return build


new_author: Callable[[str, str, str], Author] = _author_builder()
"""``Author(family, given, literal)``, faster; all three arguments are required."""

new_record: Callable[..., Record] = _record_builder()
"""``Record(...)`` with all 19 fields given positionally, in order, faster."""

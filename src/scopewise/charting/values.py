"""Checking charting values per field type, and showing them to a reader.

A value is checked once, when a reviewer enters it (CLI, sheet, web form), and stored
in one shape per type so that analysis never has to guess:

============== ==================== =========================================
type            stored as            accepted input
============== ==================== =========================================
text            ``str``              any text (trimmed)
long_text       ``str``              any text (trimmed)
number          ``int`` or ``float`` ``12``, ``3.5``, ``1,5`` (decimal comma)
year            ``int``              a four-digit year, 1000..2100
single_choice   ``str``              one of the field's active choices (case-insensitive)
multiple_choice ``list[str]``        choices in form order, from a list or "a; b"
yes_no          ``bool``             yes/no, y/n, true/false, 1/0
country         ``str`` ISO alpha-3  an English short name or an ISO 3166 alpha-2/3 code
============== ==================== =========================================

Countries are looked up with pycountry (the ISO 3166 tables Debian maintains), never
a hand-made list of countries. Authors, though, write names that ISO 3166 does not
carry: the code the United Kingdom asked ISO to reserve for it ("UK"), former names
("Swaziland", "Burma", "Turkey" before "Türkiye") and everyday ones ("Russia",
"Holland", "Great Britain"). A short table below maps those to the ISO country, and
"the", full stops ("U.K.") and case are ignored. Kosovo, which ISO 3166 does not
list, is stored under the user-assigned code XKX that the EU and the IMF use.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from scopewise.errors import ChartingError
from scopewise.protocol import ChartingField
from scopewise.text import SAME_PUNCTUATION, name_key

__all__ = [
    "MULTI_SEPARATOR",
    "check_value",
    "country_name",
    "display_value",
    "is_empty",
    "normalise_stored",
    "same_value",
]

MULTI_SEPARATOR = "; "
_YES = {"yes", "y", "true", "1", "ja", "oui", "si", "sí"}
_NO = {"no", "n", "false", "0", "nein", "non"}
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")


def is_empty(value: Any) -> bool:
    """Whether ``value`` means "not filled in" (``None``, blank text, empty list)."""
    if value is None:
        return True
    kind = type(value)
    if kind is str:
        return not value.strip()
    if kind is list or kind is tuple or kind is set:
        return not value
    return False


def _where(record_id: int | None, field: ChartingField, value: Any) -> str:
    shown = value if not isinstance(value, str) else value.strip()
    text = (
        repr(shown) if not isinstance(shown, str) or len(shown) <= 80 else repr(shown[:77] + "...")
    )
    head = f"record {record_id}: " if record_id is not None else ""
    return f"{head}field {field.name!r}: value {text}"


def _allowed(choices: Iterable[str]) -> str:
    return "; ".join(choices)


def _same(a: str, b: str) -> bool:
    """Whether two spellings of a choice are the same apart from case, spacing and the
    style of quotes and dashes (a sheet typed by hand, or pasted from Word)."""
    return name_key(a.translate(SAME_PUNCTUATION)) == name_key(b.translate(SAME_PUNCTUATION))


def _choice(field: ChartingField, text: str, record_id: int | None, original: Any) -> str:
    wanted = text.strip()
    for old, new in field.renamed_choices.items():
        if _same(old, wanted):
            wanted = new
            break
    for choice in field.choices:
        if _same(choice, wanted):
            if choice in field.retired_choices:
                raise ChartingError(
                    f"{_where(record_id, field, original)} is a retired choice; "
                    f"allowed: {_allowed(field.active_choices)}"
                )
            return choice
    raise ChartingError(
        f"{_where(record_id, field, original)} is not one of its choices; "
        f"allowed: {_allowed(field.active_choices)}"
    )


def _split_multi(value: Any) -> list[str]:
    if isinstance(value, str):
        return [p for p in (part.strip() for part in re.split(r"[;\n|]", value)) if p]
    if isinstance(value, (list, tuple, set)):
        return [str(v).strip() for v in value if str(v).strip()]
    return [str(value)]


# Names in common use that ISO 3166 does not carry, mapped to its alpha-3 codes.
_OTHER_NAMES = {
    "uk": "GBR",
    "great britain": "GBR",
    "britain": "GBR",
    "russia": "RUS",
    "turkey": "TUR",
    "holland": "NLD",
    "ivory coast": "CIV",
    "swaziland": "SWZ",
    "burma": "MMR",
    "macedonia": "MKD",
    "cape verde": "CPV",
    "east timor": "TLS",
    "republic of ireland": "IRL",
    "vatican": "VAT",
    "kosovo": "XKX",
    "xk": "XKX",
    "xkx": "XKX",
}
_USER_ASSIGNED = {"XKX": "Kosovo"}


@lru_cache(maxsize=4096)
def _country_code(text: str) -> str | None:
    import pycountry

    wanted = " ".join(text.replace(".", "").split())
    if wanted.casefold().startswith("the "):
        wanted = wanted[4:]
    if wanted.casefold().startswith("st "):
        wanted = "Saint " + wanted[3:]
    if not wanted:
        return None
    other = _OTHER_NAMES.get(wanted.casefold())
    if other is not None:
        return other
    try:
        found = pycountry.countries.lookup(wanted)
    except LookupError:
        found = None
    if found is not None:
        return str(found.alpha_3)
    # A constituent country written as a country (England, Scotland, Wales, Northern
    # Ireland...): ISO 3166-2 knows it and the country it belongs to.
    alpha_2 = _subdivision_countries().get(wanted.casefold())
    country = pycountry.countries.get(alpha_2=alpha_2) if alpha_2 else None
    return str(country.alpha_3) if country is not None else None


@lru_cache(maxsize=1)
def _subdivision_countries() -> dict[str, str]:
    """Subdivision name -> the alpha-2 code of its country, for names that belong to
    one country only. ISO 3166-2 writes other languages' names beside the English one
    ("Wales [Cymru GB-CYM]", "Brussels; Bruxelles"), and each counts."""
    import pycountry

    found: dict[str, set[str]] = {}
    for sub in pycountry.subdivisions:
        raw = str(sub.name)
        names = re.split(r"[;\[\]]", re.sub(r"\b[A-Z]{2}-[A-Z0-9]{1,3}\b", "", raw))
        for name in (" ".join(n.split()) for n in names):
            if name:
                found.setdefault(name.casefold(), set()).add(str(sub.country_code))
    return {name: next(iter(codes)) for name, codes in found.items() if len(codes) == 1}


@lru_cache(maxsize=1024)
def country_name(code: str) -> str:
    """The English short name of an ISO 3166 alpha-3 (or alpha-2) code."""
    import pycountry

    if code.upper() in _USER_ASSIGNED:
        return _USER_ASSIGNED[code.upper()]
    found = pycountry.countries.get(alpha_3=code.upper()) if len(code) == 3 else None
    if found is None and len(code) == 2:
        found = pycountry.countries.get(alpha_2=code.upper())
    if found is None:
        return code
    return str(getattr(found, "common_name", None) or found.name)


def check_value(field: ChartingField, value: Any, record_id: int | None = None) -> Any:
    """The stored form of ``value`` for ``field``, or ``None`` when it is empty.

    Raises
    ------
    ChartingError
        The value does not fit the field's type; the message names the record, the
        field and the value, and what is allowed.
    """
    if is_empty(value):
        return None
    kind = field.type
    if kind in ("text", "long_text"):
        if not isinstance(value, str):
            value = str(value)
        return value.strip()
    if kind == "number":
        if isinstance(value, bool):
            raise ChartingError(f"{_where(record_id, field, value)} is not a number")
        if isinstance(value, (int, float)):
            if isinstance(value, float) and not math.isfinite(value):
                raise ChartingError(f"{_where(record_id, field, value)} is not a finite number")
            return value
        text = str(value).strip().replace(" ", "")
        if not _NUMBER.match(text):
            raise ChartingError(f"{_where(record_id, field, value)} is not a number")
        number = float(text.replace(",", "."))
        if not math.isfinite(number):
            raise ChartingError(f"{_where(record_id, field, value)} is not a finite number")
        return (
            int(number) if number.is_integer() and "." not in text and "," not in text else number
        )
    if kind == "year":
        text = str(value).strip()
        if isinstance(value, float) and value.is_integer():
            text = str(int(value))
        if not re.fullmatch(r"\d{4}", text) or not 1000 <= int(text) <= 2100:
            raise ChartingError(
                f"{_where(record_id, field, value)} is not a year (four digits, e.g. 2021)"
            )
        return int(text)
    if kind == "yes_no":
        if isinstance(value, bool):
            return value
        text = str(value).strip().casefold()
        if text in _YES:
            return True
        if text in _NO:
            return False
        raise ChartingError(f"{_where(record_id, field, value)} is not yes or no")
    if kind == "single_choice":
        if isinstance(value, (list, tuple)):
            if len(value) != 1:
                raise ChartingError(
                    f"{_where(record_id, field, value)}: the field takes one choice; "
                    f"allowed: {_allowed(field.active_choices)}"
                )
            value = value[0]
        return _choice(field, str(value), record_id, value)
    if kind == "multiple_choice":
        picked = {_choice(field, part, record_id, value) for part in _split_multi(value)}
        return [c for c in field.choices if c in picked]
    if kind == "country":
        code = _country_code(str(value))
        if code is None:
            raise ChartingError(
                f"{_where(record_id, field, value)} is not a country; give an English "
                "short name (e.g. United Kingdom) or an ISO 3166 code (GB or GBR)"
            )
        return code
    raise ChartingError(f"field {field.name!r} has an unknown type {kind!r}")  # pragma: no cover


def normalise_stored(field: ChartingField, value: Any) -> Any:
    """A stored value read under the current form: renamed choices follow the rename.

    Stored rows are never rewritten; a value saved before a choice was renamed is
    read under the new name here.
    """
    if value is None or not field.renamed_choices:
        return value
    if field.type == "single_choice" and isinstance(value, str):
        return field.renamed_choices.get(value, value)
    if field.type == "multiple_choice" and isinstance(value, list):
        renamed = {field.renamed_choices.get(v, v) for v in value}
        order = {c: i for i, c in enumerate(field.choices)}
        return sorted(renamed, key=lambda v: order.get(v, len(order)))
    return value


def same_value(field: ChartingField, a: Any, b: Any) -> bool:
    """Whether two stored values agree (lists as sets, text ignoring case and spacing)."""
    if is_empty(a) and is_empty(b):
        return True
    if is_empty(a) or is_empty(b):
        return False
    if field.type == "multiple_choice":
        return set(a) == set(b)
    if field.type in ("text", "long_text"):
        return name_key(str(a)) == name_key(str(b))
    if field.type == "number":
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    return bool(a == b)


def display_value(field: ChartingField, value: Any) -> str:
    """``value`` as a reader (or a spreadsheet cell) sees it."""
    if is_empty(value):
        return ""
    if field.type == "multiple_choice":
        return MULTI_SEPARATOR.join(str(v) for v in value)
    if field.type == "yes_no":
        return "yes" if value else "no"
    if field.type == "country":
        return country_name(str(value))
    if field.type == "number" and isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)

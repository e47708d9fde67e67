"""Cleaning values into the normalised fields of a :class:`~scopewise.records.Record`.

Only normalised fields are cleaned; readers keep the original values in ``raw``.
Cleaning repairs mojibake (``ftfy``), removes markup (``<i>``, ``<sup>``, JATS tags,
and ``<script>``/``<style>`` elements with their content), resolves HTML entities
and collapses whitespace. Cheap checks come first so that plain ASCII text, the
common case, costs almost nothing: imports of 100,000 records stay fast.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import ftfy
from ftfy.badness import is_bad

from scopewise.records import RECORD_FIELDS, Author, Record, normalise_doi, normalise_pmid
from scopewise.sources.building import new_author

__all__ = [
    "build_record",
    "clean_text",
    "first",
    "first_tagged",
    "parse_authors",
    "parse_keywords",
    "parse_pages",
    "parse_year",
    "split_identifiers",
]

_SCRIPT = re.compile(r"<(script|style)\b[^>]*>.*?(</\1\s*>|$)", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9:_-]*(\s[^<>]*)?/?>")
# Inline markup inside a word or formula: "CO<sub>2</sub>", Scopus' "CO<inf>2</inf>",
# "Ca<sup>2+</sup>", Crossref's <jats:italic> and MathML. Removed without a space, so
# the title reads "CO2" as PubMed writes it (a block tag such as <p> or <br> still
# separates words).
_SCRIPT_TAG = re.compile(r"</?(?:jats:)?(?:sub|sup|inf|mml:[A-Za-z]+)\b", re.IGNORECASE)
_INLINE_TAG = re.compile(
    r"</?(?:jats:)?(?:sub|sup|inf|i|b|em|strong|u|sc|span|small|tt|italic|bold|underline"
    r"|mml:[A-Za-z]+)(?:\s[^<>]*)?/?>", re.IGNORECASE)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d|21\d\d)(?!\d)")
_ISSN = re.compile(r"(?<![\dX-])(\d{4})-?(\d{3}[\dXx])(?![\dX])")
_ISBN = re.compile(r"(?<![\d-])(97[89][\d-]{10,14}|\d[\d-]{8,11}[\dXx])(?![\d-])")
_PMCID = re.compile(r"PMC\d+", re.IGNORECASE)
_SPACE = re.compile(r"\s+")


def clean_text(value: Any) -> str:
    """Plain text from a raw value: mojibake fixed, markup removed, entities resolved.

    >>> clean_text("Caf&eacute; <i>study</i> <script>alert(1)</script>")
    'Café study'
    >>> clean_text("CO<sub>2</sub> and Ca<sup>2+</sup><p>in soils</p>")
    'CO2 and Ca2+ in soils'
    """
    if not value:
        return ""
    if type(value) is not str and not isinstance(value, str):
        value = " ".join(str(v) for v in value) if isinstance(value, Sequence) else str(value)
    text: str = value
    # Plain ASCII without markup or entities, the common case, skips all of this.
    if "<" in text or "&" in text or not text.isascii():
        text = _clean_markup(text)
    # Collapsing whitespace with a regex is the costliest step for long abstracts:
    # only do it when there is something to collapse.
    if "  " in text or "\n" in text or "\t" in text or "\r" in text:
        return _SPACE.sub(" ", text).strip()
    return text.strip()


def _inline_gap(tag: re.Match[str]) -> str:
    """What an inline tag leaves: nothing inside a formula ("CO<sub>2</sub>",
    "<i>N</i>-acetyl"), a space where a formatting tag stood between two words or after
    a sentence's end ("<b>Methods</b>We", "results.<b>Methods</b>")."""
    text, start, end = tag.string, tag.start(), tag.end()
    if _SCRIPT_TAG.match(tag.group(0)):
        return ""  # a sub- or superscript belongs to the word or number before it
    before = text[start - 1] if start else ""
    after = text[end] if end < len(text) else ""
    if not before or not after.isalnum():
        return ""
    return " " if before in ".:;,!?)" or (before.isalpha() and after.isalpha()) else ""


def _clean_markup(text: str) -> str:
    if "<" in text:
        text = _COMMENT.sub(" ", text)
        text = _SCRIPT.sub(" ", text)
        text = _INLINE_TAG.sub(_inline_gap, text)
        text = _TAG.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    if not text.isascii():
        # ftfy is slow on long text: run it only where its own detector sees mojibake.
        if is_bad(text):
            text = ftfy.fix_text(text, normalization="NFC", uncurl_quotes=False)
        if "\u00a0" in text:
            text = text.replace("\u00a0", " ")
    return text


def first(values: Any) -> str:
    """The first non-empty value of a raw field (a string or a list of strings)."""
    if not values:
        return ""
    if isinstance(values, str):
        return values
    for value in values:
        if value:
            text = value if isinstance(value, str) else str(value)
            if not text.isspace():
                return text
    return ""


def first_tagged(raw: Mapping[str, Any], *tags: str) -> str:
    """The first non-empty value of the first of ``tags`` that has one in ``raw`` (a
    tagged record: tag -> values)."""
    for tag in tags:
        value = first(raw.get(tag))
        if value:
            return value
    return ""


def parse_year(*values: Any) -> int | None:
    """The first plausible year (1500-2199) in the values, e.g. ``"2016/09//"`` -> 2016."""
    for value in values:
        if value is None:
            continue
        if isinstance(value, int):
            return value if 1500 <= value <= 2199 else None
        text = value if isinstance(value, str) else first(value)
        match = _YEAR.search(text)
        if match:
            return int(match.group(1))
    return None


def parse_pages(start: Any, end: Any = "") -> str:
    """``"103"`` and ``"112"`` -> ``"103-112"``; a range in ``start`` is kept."""
    start_text = clean_text(first(start) if not isinstance(start, str) else start)
    end_text = clean_text(first(end) if not isinstance(end, str) else end)
    if start_text and end_text and end_text != start_text and "-" not in start_text:
        return f"{start_text}-{end_text}"
    return start_text or end_text


def parse_authors(values: Iterable[str] | str, *, separator: str | None = None) -> tuple[Author, ...]:
    """Authors from raw names (``Family, Given`` or ``Given Family``).

    With ``separator`` each value is first split on it (e.g. ``";"`` or ``" and "``).
    """
    if isinstance(values, str):
        values = [values]
    out: list[Author] = []
    for value in values:
        for part in value.split(separator) if separator else (value,):
            name = clean_text(part)
            if not name:
                continue
            if "," in name and name.isascii() and name.isprintable():
                # What Author.parse gives, without its whitespace pass: clean_text
                # already left single spaces only.
                family, _, given = name.partition(",")
                author = new_author(family.strip(), given.strip(), "")
            else:
                author = Author.parse(name)
            if author.family or author.given:
                out.append(author)
    return tuple(out)


_SPLITTERS: dict[str, re.Pattern[str]] = {}


def parse_keywords(values: Iterable[str] | str, *, separators: str = ";\n") -> tuple[str, ...]:
    """Keywords, split on ``;`` and newlines, cleaned, duplicates removed in order."""
    if isinstance(values, str):
        values = [values]
    pattern = _SPLITTERS.get(separators)
    if pattern is None:
        pattern = _SPLITTERS[separators] = re.compile("[" + re.escape(separators) + "]")
    usual = separators == ";\n"
    seen: dict[str, None] = {}
    for value in values:
        if not value:
            continue
        if (";" in value or "\n" in value) if usual else any(c in value for c in separators):
            parts: Iterable[str] = pattern.split(value)
        else:
            parts = (value,)
        for part in parts:
            keyword = clean_text(part)
            if keyword and keyword not in seen:
                seen[keyword] = None
    return tuple(seen)


def split_identifiers(values: Iterable[str] | str) -> tuple[str, str]:
    """``(issn, isbn)`` found in raw ``SN``-like values (``"; "``-joined when several)."""
    if isinstance(values, str):
        values = [values]
    issns: list[str] = []
    isbns: list[str] = []
    for value in values:
        text = value or ""
        for match in _ISBN.finditer(text) if len(text) >= 10 else ():
            digits = match.group(0).replace("-", "")
            if len(digits) in (10, 13) and match.group(0) not in isbns:
                isbns.append(match.group(0))
                text = text.replace(match.group(0), " ")
        for match in _ISSN.finditer(text):
            issn = f"{match.group(1)}-{match.group(2).upper()}"
            if issn not in issns:
                issns.append(issn)
    return "; ".join(issns), "; ".join(isbns)


def find_pmcid(*values: Any) -> str:
    """The first ``PMC123`` identifier in the values, upper-cased."""
    for value in values:
        text = value if isinstance(value, str) else " ".join(str(v) for v in value or ())
        match = _PMCID.search(text)
        if match:
            return match.group(0).upper()
    return ""


_TEXT_FIELDS = frozenset(
    {"title", "abstract", "journal", "volume", "issue", "pages", "issn", "isbn", "url",
     "language", "publication_type", "source_record_id"}
)


def build_record(fields: Mapping[str, Any], raw: Mapping[str, Any]) -> Record:
    """A :class:`Record` from extracted (uncleaned) values and the raw original fields.

    Text fields are cleaned with :func:`clean_text`; ``doi`` and ``pmid`` are
    normalised; ``year`` is parsed; ``authors`` and ``keywords`` must already be
    tuples (see :func:`parse_authors`, :func:`parse_keywords`).
    """
    kwargs: dict[str, Any] = {"raw": raw}
    for name, value in fields.items():
        if name not in RECORD_FIELDS or value is None:
            continue
        if name in _TEXT_FIELDS:
            kwargs[name] = clean_text(value)
        elif name == "doi":
            kwargs[name] = normalise_doi(first(value) if not isinstance(value, str) else value)
        elif name == "pmid":
            kwargs[name] = normalise_pmid(first(value) if not isinstance(value, str) else value)
        elif name == "pmcid":
            kwargs[name] = find_pmcid(value)
        elif name == "year":
            kwargs[name] = parse_year(value)
        else:
            kwargs[name] = value
    return Record(**kwargs)

"""BibTeX (and BibLaTeX) files from Zotero, Scopus, JabRef, Mendeley, Google Scholar.

Choice on malformed input: an entry that cannot be parsed (unbalanced braces, a
field without ``=``, no citation key) makes the WHOLE FILE refused, with the line
where the bad entry starts, because an import lands whole or not at all and a
silently dropped record would bias the review. Field names containing spaces, such
as Scopus's ``funding_text 1={...}`` (synthesisr's ``Scopus_bib_example.bib``), are a
known exporter quirk, not damage: they are read and kept in ``raw`` under their
name as written. bibtexparser 1.x drops such entries without a word, which is why
this module parses entries itself (with line numbers, streamed).

``raw`` holds ``ENTRYTYPE``, ``ID`` and every field as written (outer delimiters
removed); normalised fields have LaTeX commands and protective braces resolved
(:mod:`.latex`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from scopewise.errors import ImportFormatError
from scopewise.records import Record
from scopewise.sources.latex import latex_to_text
from scopewise.sources.normalise import (
    build_record,
    parse_authors,
    parse_keywords,
    split_identifiers,
)
from scopewise.sources.registry import ExportItem, Reader, Writer
from scopewise.sources.textfile import Head, SourceFile

__all__ = ["READER", "WRITER", "bibtex_to_record", "iter_bibtex", "write_bibtex"]

_START = re.compile(r"^\s*@\s*([A-Za-z]+)\s*([{(])")
_SNIFF = re.compile(r"^\s*@\s*[A-Za-z]+\s*[{(]\s*[^\s,={}]*\s*,", re.MULTILINE)
_FIELD = re.compile(r"\s*([^\s=,{}\"#][^=,{}\"#]*?)\s*=\s*")
_DELIMS = re.compile(r"\\.|[{}()]")
_SKIP = frozenset({"comment", "preamble"})
_TYPES = {"article": "journal article", "book": "book", "inbook": "book chapter",
          "incollection": "book chapter", "inproceedings": "conference paper",
          "conference": "conference paper", "phdthesis": "thesis", "mastersthesis": "thesis",
          "techreport": "report", "report": "report", "misc": "generic", "online": "web page",
          "unpublished": "unpublished work", "proceedings": "conference proceedings"}
_ENTRY_TYPES = {v: k for k, v in reversed(list(_TYPES.items()))}


def _sniff(head: Head) -> bool:
    return head.text is not None and bool(_SNIFF.search(head.text[:20000]))


def _bad(name: str, line: int, message: str) -> ImportFormatError:
    return ImportFormatError(
        f"malformed BibTeX entry: {message}; fix this entry (or export again) and import the "
        "file again, nothing was imported", path=name, line=line,
    )


def _value(text: str, pos: int, strings: dict[str, str]) -> tuple[str, int]:
    """Read a field value (``{..}``, ``".."``, number or macro, ``#``-joined) at ``pos``."""
    parts: list[str] = []
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            raise ValueError("the entry ends inside a field value")
        char = text[pos]
        if char in "{\"":
            close = "}" if char == "{" else "\""
            depth, i = 0, pos + 1
            while i < len(text):
                c = text[i]
                if c == "\\":
                    i += 2
                    continue
                if c == "{":
                    depth += 1
                elif c == "}" and (depth > 0 or close != "}"):
                    depth -= 1
                    if depth < 0:
                        raise ValueError("a '}' closes more braces than were opened")
                elif c == close and depth == 0:
                    break
                i += 1
            else:
                raise ValueError("a field value is never closed")
            parts.append(text[pos + 1 : i])
            pos = i + 1
        else:
            match = re.compile(r"[^\s,#{}\"]+").match(text, pos)
            if not match:
                raise ValueError(f"unexpected {char!r} where a field value should start")
            token = match.group(0)
            parts.append(token if token.isdigit() else strings.get(token.lower(), token))
            pos = match.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos < len(text) and text[pos] == "#":
            pos += 1
            continue
        return "".join(parts), pos


def _parse_entry(text: str, strings: dict[str, str]) -> tuple[str, str, dict[str, Any]]:
    match = _START.match(text)
    assert match is not None
    kind = match.group(1).lower()
    pos = match.end()
    fields: dict[str, Any] = {}
    if kind == "string":
        field = _FIELD.match(text, pos)
        if field:
            value, _ = _value(text, field.end(), strings)
            strings[field.group(1).strip().lower()] = value
        return kind, "", fields
    key_match = re.compile(r"\s*([^\s,{}()=\"]+)\s*,").match(text, pos)
    if not key_match:
        raise ValueError("no citation key after the entry type")
    key, pos = key_match.group(1), key_match.end()
    end = len(text.rstrip().rstrip("})").rstrip())
    while pos < end:
        if text[pos].isspace() or text[pos] == ",":
            pos += 1
            continue
        field = _FIELD.match(text, pos)
        if not field:
            snippet = text[pos : pos + 30].split("\n")[0]
            raise ValueError(f"expected 'name = value' but found {snippet!r}")
        value, pos = _value(text, field.end(), strings)
        name = field.group(1).strip()
        if name in fields:  # a repeated field (Scopus repeats funding_details): keep all
            previous = fields[name]
            fields[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            fields[name] = value
    return kind, key, fields


def _entries(lines: Iterable[tuple[int, str]], name: str) -> Iterator[tuple[int, str]]:
    """Entry texts with their first line, ending where the braces balance again."""
    buffer: list[str] = []
    start = depth = 0
    opened = False
    for number, line in lines:
        if not buffer:
            if not _START.match(line):
                continue
            start, depth, opened = number, 0, False
        elif _START.match(line) and depth > 0 and line.startswith("@"):
            raise _bad(name, start, "its braces are not balanced (a new entry starts at line "
                       f"{number} before it is closed)")
        buffer.append(line)
        for token in _DELIMS.finditer(line):
            c = token.group(0)
            if c[0] == "\\":
                continue
            if c in "{(" and not opened:
                opened, depth = True, 1
            elif c == "{":
                depth += 1
            elif c == "}" or (c == ")" and depth == 1 and "(" in buffer[0][:30]):
                depth -= 1
                if depth == 0:
                    break
        if opened and depth == 0:
            yield start, "\n".join(buffer)
            buffer = []
    if buffer:
        raise _bad(name, start, "the file ends before the entry's closing brace")


def _plain(value: str) -> str:
    return latex_to_text(value)


def _split_authors(value: str) -> list[str]:
    return [part for part in re.split(r"\s+and\s+", value.replace("\n", " ")) if part.strip()]


def bibtex_to_record(raw: dict[str, Any]) -> Record:
    """The normalised record for one entry (``raw``: ENTRYTYPE, ID and fields).

    A repeated field is a list of its values in ``raw``; the first one is normalised.
    """
    low = {k.lower(): v[0] if isinstance(v, list) else v for k, v in raw.items()}

    def get(*names: str) -> str:
        for name in names:
            value = low.get(name, "")
            if value.strip():
                return _plain(value)
        return ""

    kind = low.get("entrytype", "")
    keywords = get("keywords", "author_keywords", "mesh")
    separator = ";" if ";" in keywords else ","
    issn, isbn = split_identifiers([get("issn"), get("isbn")])
    eprint = get("pmid") or (get("eprint") if get("eprinttype").lower() == "pubmed" else "")
    return build_record(
        {
            "title": get("title"),
            "abstract": get("abstract"),
            "authors": parse_authors(_split_authors(get("author") or get("editor"))),
            "year": get("year", "date"),
            "journal": get("journal", "journaltitle", "booktitle", "series", "publisher")
            if kind != "book" else get("series"),
            "volume": get("volume"),
            "issue": get("number", "issue"),
            "pages": get("pages").replace("--", "-"),
            "doi": get("doi"),
            "pmid": eprint,
            "pmcid": get("pmcid"),
            "issn": issn,
            "isbn": isbn,
            "url": get("url"),
            "keywords": parse_keywords(keywords, separators=separator),
            "language": get("language", "langid"),
            "publication_type": get("document_type", "type").lower() or _TYPES.get(kind, kind),
            "source_record_id": low.get("id", ""),
        },
        raw,
    )


def iter_bibtex(lines: Iterable[tuple[int, str]], name: str) -> Iterator[Record]:
    """Stream records; refuse the file at the first malformed entry."""
    strings: dict[str, str] = {}
    count = 0
    for start, text in _entries(lines, name):
        match = _START.match(text)
        if match and match.group(1).lower() in _SKIP:
            continue
        try:
            kind, key, fields = _parse_entry(text, strings)
        except ValueError as error:
            raise _bad(name, start, str(error)) from None
        if kind == "string":
            continue
        count += 1
        yield bibtex_to_record({"ENTRYTYPE": kind, "ID": key, **fields})
    if count == 0:
        raise ImportFormatError("no BibTeX entries found (no '@type{key,' line)", path=name)


def _read(source: SourceFile) -> Iterator[Record]:
    return iter_bibtex(source.lines("BibTeX"), source.name)


READER = Reader(name="bibtex", label="BibTeX", extensions=(".bib", ".bibtex"), sniff=_sniff,
                read=_read, priority=40)


def _protect(value: str) -> str:
    """Braces that do not balance are escaped so the entry stays readable."""
    depth = 0
    for char in value:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            break
    if depth != 0:
        value = value.replace("{", "\\{").replace("}", "\\}")
    return value


def _escape(value: str) -> str:
    """Plain text as a BibTeX value: braces and LaTeX specials escaped."""
    return re.sub(r"([{}&%$#_])", r"\\\1", value.replace("\\", "\\textbackslash "))


def write_bibtex(path: Path, items: Iterable[ExportItem]) -> int:
    """Write records as BibTeX; records read from BibTeX keep every original field."""
    used: set[str] = set()
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for item in items:
            record = item[0] if isinstance(item, tuple) else item
            raw = record.raw
            if "ENTRYTYPE" in raw and "ID" in raw:
                kind, key = str(raw["ENTRYTYPE"]), str(raw["ID"])
                fields: dict[str, Any] = {
                    k: v for k, v in raw.items() if k not in ("ENTRYTYPE", "ID")
                }
            else:
                kind = _ENTRY_TYPES.get(record.publication_type, "article")
                key = record.source_record_id or f"{record.first_author or 'record'}{record.year or ''}"
                names = [
                    "{" + _escape(a.literal) + "}" if a.literal else _escape(a.display())
                    for a in record.authors
                ]
                plain = {
                    "title": record.title,
                    "year": str(record.year or ""), "journal": record.journal,
                    "volume": record.volume, "number": record.issue,
                    "pages": record.pages.replace("-", "--"), "doi": record.doi,
                    "issn": record.issn, "isbn": record.isbn, "url": record.url,
                    "abstract": record.abstract, "keywords": "; ".join(record.keywords),
                    "language": record.language, "pmid": record.pmid, "pmcid": record.pmcid,
                }
                fields = {k: _escape(v) for k, v in plain.items()}
                fields["author"] = " and ".join(names)
            key = re.sub(r"[\s,{}()=\"#%'~\\]", "", key) or "record"
            base, n = key, 1
            while key in used:
                n += 1
                key = f"{base}_{n}"
            used.add(key)
            out.write(f"@{kind}{{{key},\n")
            for field, value in fields.items():
                for one in value if isinstance(value, list) else [value]:
                    if one:
                        out.write(f"  {field} = {{{_protect(str(one))}}},\n")
            out.write("}\n\n")
            count += 1
    return count


WRITER = Writer(name="bibtex", label="BibTeX", extensions=(".bib", ".bibtex"), write=write_bibtex)

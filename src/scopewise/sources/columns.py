"""Automatic column mapping for spreadsheet exports (CSV, TSV, Excel).

Each normalised field lists the column names that mean it in the usual exports:
Scopus, Lens, OpenAlex, Dimensions, Rayyan, Covidence, ASReview, Zotero, Embase, Web of
Science tab-delimited, Google Scholar through Publish or Perish, the labelled datasets
(``record_id``, ``pubmedID``) and bibliographic CSVs with ``ID``/``author``/``journal``
columns (bib-dedupe, CoLRev). Names are compared after lower-casing and removing
everything but letters and digits.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["COLUMN_NAMES", "is_wos_header", "map_columns", "rank_columns", "squash"]

COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "title": ("title", "primary title", "article title", "document title", "ti",
              "display_name", "titles"),
    "abstract": ("abstract", "abstract note", "ab", "abstracttext", "description"),
    "authors": ("authors", "author", "author names", "author full names", "author/s", "au",
                "af", "authorships.author.display_name", "author name", "creators",
                "author(s)"),
    "year": ("year", "publication year", "publication_year", "published year", "py", "pubyear",
             "date", "publication date", "publication_date", "pub year"),
    "journal": ("journal", "source title", "journal/book", "publication title", "so",
                "secondary title", "journal title", "container-title", "venue",
                "primary_location.source.display_name", "source", "journal name",
                "host_venue.display_name", "booktitle"),
    "volume": ("volume", "vl", "biblio.volume"),
    "issue": ("issue", "number", "is", "biblio.issue"),
    "pages": ("pages", "page", "page range", "pg", "pagination"),
    "page_start": ("page start", "start page", "bp", "biblio.first_page", "first page"),
    "page_end": ("page end", "end page", "ep", "biblio.last_page", "last page"),
    "doi": ("doi", "di", "doi link", "ids.doi"),
    "pmid": ("pmid", "pubmed id", "pubmedid", "pubmed_id", "pm", "ids.pmid", "pubmed"),
    "pmcid": ("pmcid", "pmc id", "ids.pmcid", "pmc"),
    "issn": ("issn", "sn", "eissn", "issns"),
    "isbn": ("isbn", "bn", "isbns"),
    "url": ("url", "link", "urls", "open url link", "landing_page_url", "articleurl"),
    "keywords": ("keywords", "author keywords", "index keywords", "manual tags", "automatic tags",
                 "keyword", "de", "mesh terms", "mesh", "tags", "concepts.display_name"),
    "language": ("language", "la", "language of original document"),
    "publication_type": ("document type", "publication type", "item type", "type", "dt",
                         "entrytype", "pt", "publication_type"),
    "source_record_id": ("record_id", "id", "key", "lens id", "eid", "covidence #",
                         "covidence", "accession number", "ut", "ut (unique wos id)",
                         "ref", "refid", "citation key", "publication id"),
}


def squash(name: str) -> str:
    """A column name reduced for comparison: ``"Author(s)"`` -> ``"authors"``."""
    return re.sub(r"[^a-z0-9]", "", name.lower().lstrip("\ufeff"))


_LOOKUP: dict[str, tuple[str, int]] = {}
for _field, _names in COLUMN_NAMES.items():
    for _rank, _name in enumerate(_names):
        _LOOKUP.setdefault(squash(_name), (_field, _rank))


def map_columns(header: Sequence[str]) -> dict[str, int]:
    """``field -> column index`` for the columns of ``header`` that mean a field.

    When several columns mean the same field the one listed first in
    :data:`COLUMN_NAMES` wins (e.g. Scopus ``Author full names`` over ``Authors``
    only if listed first), so the mapping does not depend on column order: the first
    of :func:`rank_columns`.
    """
    return {field: ranked[0] for field, ranked in rank_columns(header).items()}


# Web of Science's tab-delimited export heads its columns with its two-letter tags.
_WOS_TAGS = frozenset({"pt", "au", "af", "so", "py", "ut", "di", "ab", "dt"})


def is_wos_header(header: Sequence[str]) -> bool:
    """True for the header of Web of Science's tab-delimited export: its tags (``PT``,
    ``AU``, ``TI``, ``SO``, ``UT`` ...) as column names."""
    names = {squash(column) for column in header}
    return "ti" in names and len(names & _WOS_TAGS) >= 3


def rank_columns(header: Sequence[str]) -> dict[str, tuple[int, ...]]:
    """``field -> column indexes`` for every column of ``header`` that means a field,
    the one :func:`map_columns` picks first; a reader falls back to the others where
    that one is empty (e.g. an empty ``year`` beside a ``date`` of 1997). In Web of
    Science's tab-delimited export ``ID`` is Keywords Plus, not an identifier."""
    found: dict[str, list[tuple[int, int]]] = {}
    wos = is_wos_header(header)
    for index, column in enumerate(header):
        key = squash(column)
        hit = ("keywords", len(COLUMN_NAMES["keywords"])) if wos and key == "id" else \
            _LOOKUP.get(key)
        if hit is not None:
            found.setdefault(hit[0], []).append((hit[1], index))
    return {field: tuple(index for _rank, index in sorted(ranked))
            for field, ranked in found.items()}

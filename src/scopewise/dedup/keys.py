"""Normalised match keys: the comparable form of each record.

A :class:`MatchKeys` is computed once per record and holds everything blocking,
scoring and the trap rules look at, so that no comparison normalises text again.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from scopewise.dedup.journals import drop_notes, iso4_words, main_title
from scopewise.dedup.notices import clean_title, read_notice, strip_database_notes
from scopewise.dedup.pages import Pages, read_pages
from scopewise.records import Author, Record, normalise_doi, normalise_pmid

__all__ = [
    "MatchKeys",
    "match_keys",
    "normalise_journal",
    "normalise_name",
    "normalise_title",
]

# Values that some exports write instead of leaving a field empty.
_PLACEHOLDERS = frozenset({"unknown", "na", "n a", "none", "null", "untitled", "anonymous", "anon"})

_GREEK = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ζ": "zeta",
    "η": "eta", "θ": "theta", "ι": "iota", "κ": "kappa", "λ": "lambda", "μ": "mu",
    "ν": "nu", "ξ": "xi", "ο": "omicron", "π": "pi", "ρ": "rho", "σ": "sigma", "ς": "sigma",
    "τ": "tau", "υ": "upsilon", "φ": "phi", "χ": "chi", "ψ": "psi", "ω": "omega",
    "µ": "mu",
}  # fmt: skip
_GREEK_RE = re.compile("|".join(_GREEK))
_MARKUP_RE = re.compile(r"<[^>]{0,40}>|&[a-z]{2,6};|\\[a-z]+\{|[{}$]", re.IGNORECASE)
_NON_WORD_RE = re.compile(r"[^a-z0-9]+")
_DIGITS_RE = re.compile(r"\d+")

# British -> American spelling, applied word by word on both sides, so an
# over-eager rewrite only ever makes two spellings of one word meet.
_BRITISH_WORDS = {
    "centre": "center", "centres": "centers", "fibre": "fiber", "fibres": "fibers",
    "litre": "liter", "metre": "meter", "theatre": "theater", "programme": "program",
    "programmes": "programs", "grey": "gray", "ageing": "aging", "analyse": "analyze",
    "analysed": "analyzed", "analysing": "analyzing", "catalogue": "catalog",
    "dialogue": "dialog", "defence": "defense", "licence": "license", "offence": "offense",
    "practise": "practice", "tyre": "tire", "sulphur": "sulfur", "aluminium": "aluminum",
    "behaviour": "behavior", "behaviours": "behaviors", "behavioural": "behavioral",
}  # fmt: skip
_OUR_RE = re.compile(r"our(s|al|ed|ing|ite|ites)?$")
_ISE_RE = re.compile(r"(?<=[a-z]{3})is(e|es|ed|ing|ation|ations|er|ers)$")
_AE_OE_RE = re.compile(r"(?<=[a-z])(ae|oe)(?=[a-z])")

_OUR_KEEP = frozenset(
    {
        "our",
        "ours",
        "four",
        "hour",
        "hours",
        "pour",
        "sour",
        "tour",
        "tours",
        "your",
        "yours",
        "flour",
        "contour",
        "contours",
        "detour",
    }
)
_ISE_KEEP = frozenset({"rise", "wise", "noise", "raise", "praise", "poise", "cruise", "bruise",
                       "premise", "premises", "promise", "promised", "expertise", "exercise",
                       "exercises", "exercised", "advertise", "advise", "advised", "enterprise",
                       "enterprises", "compromise", "surprise", "surprised", "revise",
                       "revised", "supervise", "supervised", "televised", "franchise", "treatise",
                       "concise", "precise", "disguise", "otherwise", "likewise", "clockwise",
                       "arise", "arising", "raised", "raising", "comprise", "comprises",
                       "comprised", "comprising", "demise", "merchandise", "paradise",
                       "improvise", "despise", "chemise", "incise", "excise", "reprise",
                       "devise", "devised", "noisy"})  # fmt: skip


@lru_cache(maxsize=200_000)
def _americanise(word: str) -> str:
    if word in _BRITISH_WORDS:
        return _BRITISH_WORDS[word]
    if len(word) > 4 and word not in _OUR_KEEP and _OUR_RE.search(word):
        word = _OUR_RE.sub(lambda m: "or" + (m.group(1) or ""), word)
    if word not in _ISE_KEEP:
        word = _ISE_RE.sub(lambda m: "iz" + m.group(1), word)
    return _AE_OE_RE.sub("e", word)


def _fold(text: str) -> str:
    """Lower case, Greek letters spelled out, markup dropped, diacritics removed."""
    text = _MARKUP_RE.sub(" ", text.lower())
    if text.isascii():
        return text
    text = _GREEK_RE.sub(lambda m: " " + _GREEK[m.group(0)] + " ", text)
    text = text.replace("ß", "ss").replace("æ", "ae").replace("ø", "o").replace("ł", "l")
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c))


def normalise_title(text: str) -> str:
    """Comparable title: folded, punctuation to spaces, American spelling.

    >>> normalise_title("Haemolytic–uraemic <i>syndrome</i>: TNF-α.")
    'hemolytic uremic syndrome tnf alpha'
    >>> normalise_title("Peer support & recovery")
    'peer support and recovery'
    """
    if "&" in text:  # entities decoded ("&amp;", "&#946;"); "&" reads "and", as it is
        text = html.unescape(text).replace("&", " and ")  # spelled by other databases
    out = " ".join([_americanise(w) for w in _NON_WORD_RE.sub(" ", _fold(text)).split()])
    return "" if out in _PLACEHOLDERS else out


@lru_cache(maxsize=200_000)
def normalise_name(text: str) -> str:
    """A family name as letters only: ``"O'Neill-Smith"`` -> ``"oneillsmith"``."""
    return _NON_WORD_RE.sub("", _fold(text))


# Stop words that journal abbreviations (ISO 4) drop.
_JOURNAL_WORDS = {"and": "", "the": "", "of": "", "for": "", "in": "", "on": "", "de": "",
                  "la": "", "und": "", "der": "", "fur": "", "a": ""}  # fmt: skip


def normalise_journal(text: str) -> tuple[str, ...]:
    """Journal name as a tuple of significant folded words (``&`` and stop words dropped).

    Parts after a full stop that announce a conference or supplement are kept: the
    trap rules need them.
    """
    words = _NON_WORD_RE.sub(" ", _fold(drop_notes(text))).split()
    return tuple(_americanise(w) for w in words if _JOURNAL_WORDS.get(w, w))


def journal_forms(text: str) -> tuple[tuple[str, ...], ...]:
    """The forms of a journal name that matching compares: the name, its ISO 4
    abbreviation and, when it has a subtitle, the name before it and its abbreviation."""
    full = normalise_journal(text)
    if not full:
        return ()
    main = normalise_journal(main_title(text))
    if main == full or not main:
        return (full, iso4_words(full))
    return (full, iso4_words(full), main, iso4_words(main))


def _numbers(text: str) -> str:
    match = _DIGITS_RE.search(text or "")
    return match.group(0).lstrip("0") or "0" if match else ""


_SPLIT_AUTHORS_RE = re.compile(r"\s+and\s+|;\s*|\s*&\s+")
# "Tan A.Schulze A.O'Donnell C. P." (initials glued to the next family name)
_GLUED_RE = re.compile(r"(?<=[A-Z]\.)(?=[A-Z][a-z'’])")


def _author_tokens(authors: tuple[Author, ...]) -> tuple[tuple[str, ...], ...]:
    """Per author, the normalised name parts of length >= 2 (family first).

    Readers disagree about which part of ``Omulo Sylvia`` is the family name; keeping
    all long parts lets the comparison stay agnostic.
    """
    names: list[str] = []
    for author in authors[:60]:
        text = author.literal or (
            f"{author.family}, {author.given}" if author.given else author.family
        )
        # One "author" that is really a whole unsplit list
        if len(authors) == 1 and (_SPLIT_AUTHORS_RE.search(text) or _GLUED_RE.search(text)):
            names.extend(p for p in _SPLIT_AUTHORS_RE.split(_GLUED_RE.sub(";", text)) if p)
        else:
            names.append(text)
    out: list[tuple[str, ...]] = []
    for name in names:
        parts = _name_parts(name)
        if parts:
            out.append(parts)
    return tuple(out)


_NAME_SPLIT_RE = re.compile(r"[\s.,]+")


@lru_cache(maxsize=100_000)
def _name_parts(name: str) -> tuple[str, ...]:
    # family first: "Smith, John A." -> ("smith", "john")
    parts = [normalise_name(p) for p in _NAME_SPLIT_RE.split(name) if p]
    kept = tuple(p for p in parts if len(p) >= 2)
    return () if not kept or " ".join(kept) in _PLACEHOLDERS else kept


_PART_RE = re.compile(r"\bpart\s+([0-9]+|[ivx]+|one|two|three|four|five|a|b)\b")
_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5", "vi": "6", "vii": "7",
          "viii": "8", "ix": "9", "x": "10", "one": "1", "two": "2", "three": "3",
          "four": "4", "five": "5", "a": "1", "b": "2"}  # fmt: skip
_PREPRINT_DOI_PREFIXES = (
    "10.1101/",
    "10.48550/",
    "10.2139/",
    "10.21203/",
    "10.20944/",
    "10.31234/",
    "10.31219/",
    "10.31235/",
    "10.22541/",
    "10.36227/",
)
_PREPRINT_VENUES = frozenset(
    {
        "arxiv",
        "biorxiv",
        "medrxiv",
        "ssrn",
        "psyarxiv",
        "preprints",
        "research square",
        "researchsquare",
        "socarxiv",
        "osf",
    }
)
_CONFERENCE_WORDS = frozenset({"conference", "congress", "meeting", "symposium", "workshop",
                               "abstracts", "abstract", "supplement", "suppl", "colloquium",
                               "summit", "convention"})  # fmt: skip
# words of a publication type that make it a conference record, however a format words it
_CONFERENCE_TYPE_WORDS = frozenset({"conference", "proceedings", "proceeding", "meeting",
                                    "congress", "symposium", "inproceedings", "cpaper"})
_TYPE_WORD_RE = re.compile(r"[a-z]+")
# "Proceedings of the National Academy of Sciences" is a journal
_JOURNAL_PROCEEDINGS = frozenset({"academy", "society", "royal", "institution", "ieee"})
_CONFERENCE_TYPES = frozenset(
    {
        "inproceedings",
        "proceedings",
        "conference",
        "conference paper",
        "conference abstract",
        "conference proceeding",
        "cpaper",
        "conf",
        "meeting abstract",
        "abstract",
    }
)


@dataclass(frozen=True, slots=True)
class MatchKeys:
    """Everything about one record that matching compares."""

    record_id: int
    doi: str
    pmid: str
    title: str  # normalised, "" when missing
    title_words: tuple[str, ...]
    main_title: str  # before the first ":" / " - " (subtitles are often added or dropped)
    title_numbers: tuple[str, ...]  # numbers in the title other than the part number
    authors: tuple[tuple[str, ...], ...]
    author_parts: frozenset[str]  # every name part of the first 60 authors
    first_author: str  # first name part of the first author (family, as read)
    year: int | None
    journal: tuple[str, ...]
    # the name, its ISO 4 form, and (with a subtitle) the name before it and its ISO 4 form
    journal_forms: tuple[tuple[str, ...], ...]
    volume: str
    issue: str
    first_page: str
    last_page: str
    article_number: bool  # the page field is an e-locator (e12724), not pages
    pages: Pages  # the page field as read (first, last, article number, end as written)
    generic_title: bool  # "Editorial", "Book review": says nothing about which article
    abstract: str  # start of the normalised abstract, "" when missing
    part: str  # "1", "2", ... from "Part 1", "" when none
    notice: str  # kind of notice (a key of NOTICE_KINDS), "" for an ordinary article
    translated: bool  # the title is a translation in brackets ("[Title in English]")
    cited: str  # "volume:first page" of the article an erratum notice cites, or ""
    supplement: bool  # an abstract in a supplement or conference issue
    preprint: bool
    conference: bool
    filled: int  # number of non-empty bibliographic fields (to pick a group's primary)


_GENERIC_TITLES = frozenset({
    "editorial", "guest editorial", "editors comments", "editor s comments", "editors note",
    "editor s note", "from the editor", "from the editors", "introduction", "preface",
    "foreword", "book review", "book reviews", "letter to the editor", "letters to the editor",
    "commentary", "news", "in this issue", "index", "contents", "table of contents",
    "announcements", "editorial board", "acknowledgments", "acknowledgements", "reviewers",
    "call for papers", "abstracts", "conclusion", "conclusions", "issue information",
    "obituary", "in memoriam", "erratum", "errata", "correction", "corrigendum", "reply",
    "response", "introduction to the special issue", "special issue introduction",
    "editorial introduction", "research commentary", "opinion", "discussion",
})  # fmt: skip


_MAIN_SPLIT_RE = re.compile(r"\s*[:?.!]\s+|\s+[-–—]+\s+|\s*--\s*|\s*[:?]\s*$")


def _split_main(title_raw: str, title: str) -> str:
    """The title before its subtitle (normalised); the whole title when there is none."""
    parts = _MAIN_SPLIT_RE.split(title_raw, maxsplit=1)
    if len(parts) == 1 or not parts[1].strip():
        return title
    return normalise_title(parts[0])


_VENUE_KEYS = ("booktitle", "BOOKTITLE", "secondary_title", "T2", "conference", "series")


def _venue_from_raw(record: Record) -> str:
    # A conference paper's venue is often a "booktitle" that readers leave in raw.
    for key in _VENUE_KEYS:
        value = record.raw.get(key) if record.raw else None
        if isinstance(value, list | tuple):
            value = value[0] if value else None
        if value:
            return str(value)
    return ""


_SUPPLEMENT_RE = re.compile(r"\bsuppl|\bsupplement", re.IGNORECASE)


def _supplement(record: Record) -> bool:
    return bool(_SUPPLEMENT_RE.search(f"{record.issue} {record.volume} {record.pages}"))


def match_keys(record_id: int, record: Record) -> MatchKeys:
    """Compute the :class:`MatchKeys` of one record."""
    raw_title, translated = strip_database_notes(record.title or "")
    raw_title, cited = clean_title(raw_title)
    ptype = (record.publication_type or "").strip().lower()
    # a notice is compared by its subject title; the notice kind itself stays
    title, notice, cited = read_notice(normalise_title(raw_title), cited, ptype, raw_title)
    words = tuple(title.split())
    part_match = _PART_RE.search(title) if "part" in title else None
    part = _ROMAN.get(part_match.group(1), part_match.group(1)) if part_match else ""
    title_wo_part = _PART_RE.sub(" ", title) if part_match else title
    numbers = tuple(_DIGITS_RE.findall(title_wo_part))
    journal_name = record.journal or _venue_from_raw(record)
    journal = normalise_journal(journal_name)
    doi = normalise_doi(record.doi)
    if doi.count("/") == 1 and doi.endswith("."):
        doi = ""
    jset = set(journal)
    preprint = doi.startswith(_PREPRINT_DOI_PREFIXES) or bool(
        jset & _PREPRINT_VENUES or ptype in {"preprint", "posted-content"}
    )
    conference = (
        ptype in _CONFERENCE_TYPES
        # "conference proceedings" (RIS CONF), "Article; Meeting paper" (Web of Science)
        or bool(set(_TYPE_WORD_RE.findall(ptype)) & _CONFERENCE_TYPE_WORDS)
        or bool(jset & _CONFERENCE_WORDS)
        or ("proceedings" in jset and not jset & _JOURNAL_PROCEEDINGS)
    )
    authors = _author_tokens(record.authors)
    pages = read_pages(record.pages)
    fields = (title, doi, record.pmid, authors, record.year, journal, record.volume,
              record.issue, record.pages, record.abstract)  # fmt: skip
    return MatchKeys(
        record_id=record_id,
        doi=doi,
        pmid=normalise_pmid(record.pmid),
        title=title,
        title_words=words,
        main_title=_split_main(raw_title, title) or title,
        title_numbers=numbers,
        authors=authors,
        author_parts=frozenset(p for author in authors[:60] for p in author),
        first_author=authors[0][0] if authors else "",
        year=record.year,
        journal=journal,
        journal_forms=journal_forms(journal_name) if journal else (),
        # "2016 May" in the volume field is a date, not a volume
        volume=""
        if record.year and _numbers(record.volume) == str(record.year)
        else _numbers(record.volume),
        issue=_numbers(record.issue),
        first_page=pages.first,
        last_page=pages.last,
        article_number=pages.article_number,
        pages=pages,
        generic_title=title in _GENERIC_TITLES or 0 < len(words) <= 2,
        abstract=" ".join(_NON_WORD_RE.sub(" ", _fold(record.abstract[:400])).split())
        if record.abstract
        else "",
        part=part,
        notice=notice,
        translated=translated,
        cited=cited,
        supplement=conference or _supplement(record),
        preprint=preprint,
        conference=conference,
        filled=sum(1 for f in fields if f),
    )

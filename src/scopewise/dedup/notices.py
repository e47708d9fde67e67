"""Notices about another article: errata, corrections, retractions, comments and replies.

A notice is indexed under (a form of) the title of the article it is about, so its
title must be read in two parts: the notice marker (``Erratum:``, ``- Reply``,
``(vol 360, pg 542, 2009)``) and the subject title. That is done once
per record (:func:`clean_title` on the raw title, :func:`read_notice` on the
normalised one) and, where the notice cites its article (``vol 360, pg 542``), keeps
the citation: the strongest link a notice can have to its article.

>>> read_notice("eculizumab for atypical hemolytic uremic syndrome vol 360 pg 542 2009")
('eculizumab for atypical hemolytic uremic syndrome', 'erratum', '360:542')
>>> clean_title("Eculizumab in aHUS (New England Journal of Medicine (2009) 360 (542-544))")
('Eculizumab in aHUS', '360:542')
>>> read_notice("eculizumab for atypical hemolytic uremic syndrome reply")[1]
'reply'

>>> clean_title("Eculizumab in aHUS.[Erratum appears in N Engl J Med 2009;360:2487]")[0]
'Eculizumab in aHUS'
"""

from __future__ import annotations

import re

__all__ = [
    "NOTICE_KINDS",
    "clean_title",
    "notice_kind",
    "read_notice",
    "split_marker",
    "strip_database_notes",
]

#: What each kind of notice is, in the reviewer's words.
NOTICE_KINDS = {
    "erratum": "erratum or correction",
    "retraction": "retraction",
    "concern": "expression of concern",
    "withdrawn": "withdrawn",
    "reply": "reply",
    "comment": "comment",
    "letter": "letter",
}

# The notice marker in a normalised title: at its start, or one of a few trailing forms
# (MEDLINE appends "[Erratum appears in ...]" to originals: those notes are removed
# before this runs and do not make the original a notice). Longer forms come first.
_NOTICE_RE = re.compile(
    r"^(erratum to|correction to|corrigendum to|notice of retraction|retraction of|"
    r"retraction note|retraction notice|expression of concern|editorial comment|"
    r"author reply|authors reply|in reply to|in reply|reply to|response to|"
    r"comment on|comments on|commentary on|"
    r"erratum|errata|corrigendum|corrigenda|correction|retraction|retracted|"
    r"withdrawn|withdrawal|comment|commentary|reply|response|letter|re|addendum)\b"
    r"|\b(reply|author s reply|authors reply|reply to|response to|comment on|"
    r"commentary on|correction to|erratum to|retraction of|retraction note|"
    r"erratum|errata|corrigendum|corrigenda)$"
    r"|\bvol \d+ pg \d+( \d{4})?$"
    r"|\b(reply to|in reply to|comment on|comments on|commentary on|erratum to)\b"
)
_WOS_CITATION_RE = re.compile(r"^vol (\d+) pg (\d+)")
# PsycINFO's notice form: the article's title in quotes, then ": Correction"
_QUOTED_NOTICE_RE = re.compile(
    r'^\s*["“].{8,}["”]\s*:\s*(correction|erratum|corrigendum)\s*\.?\s*$', re.IGNORECASE)
# Embase's erratum form: "<title> (New England Journal of Medicine (2009) 360 (542-544))"
_EMBASE_CITATION_RE = re.compile(
    r"\s*\(\s*[A-Za-z][^()]{2,200}?\s*\(\s*(?:1[89]|20)\d\d\s*\)\s*(\d+)"
    r"(?:\s*[:(]\s*[\w ]{1,12}\)?)?\s*\(\s*[A-Za-z]?(\d+)[^()]*\)\s*\)\s*\.?\s*$"
)
# MEDLINE notes inside titles: "[Erratum appears in ...]", "[Comment in: ...]", "[Swedish]"
_NOTE_RE = re.compile(
    r"\[(?:erratum|comment|retraction|retracted|corrected|update|see|summary for patients)"
    r"[^\]]*\]?|\[[a-z]+\]\s*$|\[\d{1,2}\]\s*$|\(multiple letters\)",
    re.IGNORECASE,
)
_TYPE_KINDS = {"erratum": "erratum", "correction": "erratum", "retraction": "retraction",
               "comment": "comment", "letter": "letter"}  # fmt: skip


def notice_kind(marker: str) -> str:
    """The kind (a key of :data:`NOTICE_KINDS`) of a normalised notice marker; ``""`` if none.

    >>> notice_kind("erratum to"), notice_kind("authors reply"), notice_kind("")
    ('erratum', 'reply', '')
    """
    if not marker:
        return ""
    if marker.startswith(("errat", "corrig", "correction", "addendum", "vol ")):
        return "erratum"
    if "retract" in marker:
        return "retraction"
    if marker == "expression of concern":
        return "concern"
    if marker.startswith("withdraw"):
        return "withdrawn"
    if "reply" in marker or marker.startswith("response"):
        return "reply"
    if marker == "letter":
        return "letter"
    return "comment"


# Notes that databases append to a title: "[Review] [33 refs]", "[Erratum in: ...]",
# "[Japanese]", "[in Chinese]", "[careers]": a short bracketed group without digits other
# than a reference count, or one that opens with a note word. "[Part 2]" is kept.
_TAIL_NOTE_RE = re.compile(
    r"\s*\.?\s*\[\s*(?:\d+\s*refs?\.?|(?!part\b)[a-z][a-z'\- ]{0,30}|"
    r"(?:erratum|errata|comment|retraction|retracted|corrected|update|see|published|"
    r"summary|article in|editorial|letter|abstract)\b[^\]]*)\s*\]\s*\.?\s*$",
    re.IGNORECASE,
)
# A note cut off by the export: a trailing "[" or ". [" or "[Erratum in: J Cl"
_OPEN_TAIL_RE = re.compile(r"\s*\.?\s*\[[^\[\]]*$")
# The whole title in brackets: an English translation of a non-English title (Ovid, Embase)
_TRANSLATED_RE = re.compile(r"\[([^\[\]]{8,})\]\s*\.?")


def strip_database_notes(raw_title: str) -> tuple[str, bool]:
    """The raw title without the notes databases append, and whether it is a translation.

    >>> strip_database_notes("[Current aspects of HUS in children]. [Review] [16 refs] [Romanian]")
    ('Current aspects of HUS in children', True)
    >>> strip_database_notes("aHUS caused by complement dysregulation. [")
    ('aHUS caused by complement dysregulation', False)
    >>> strip_database_notes("Outcome after surgery [Part two]")
    ('Outcome after surgery [Part two]', False)
    """
    title = raw_title.strip()
    if "[" not in title:
        return raw_title, False
    while True:
        match = _OPEN_TAIL_RE.search(title) or _TAIL_NOTE_RE.search(title)
        if not match or match.start() < 8:
            break
        title = title[: match.start()].rstrip()
    whole = _TRANSLATED_RE.fullmatch(title)
    if whole:
        return whole.group(1).strip(), True
    return title, False


def clean_title(raw_title: str) -> tuple[str, str]:
    """The raw title without MEDLINE notes and an Embase erratum citation, and that
    citation as ``"volume:first page"`` (``""`` when there is none)."""
    raw_title = strip_database_notes(raw_title)[0]
    if "[" in raw_title or "(multiple" in raw_title.lower():
        raw_title = _NOTE_RE.sub(" ", raw_title)
    if raw_title.endswith((")", ").")):
        match = _EMBASE_CITATION_RE.search(raw_title)
        if match and match.start() > 10:
            cited = f"{match.group(1).lstrip('0')}:{match.group(2).lstrip('0')}"
            return raw_title[: match.start()], cited
    return raw_title, ""


def read_notice(
    title: str, cited: str = "", publication_type: str = "", raw_title: str = "re:"
) -> tuple[str, str, str]:
    """``(subject title, kind, cited)`` of a normalised title.

    ``cited`` is a citation already found by :func:`clean_title`; a Web of Science
    marker (``vol 360 pg 542 2009``) supplies one too. ``kind`` is a key of
    :data:`NOTICE_KINDS`, ``""`` for an ordinary article. ``raw_title`` tells a letter
    ("Re: ...") from a title that starts with a hyphenated "Re-".
    """
    marker, subject = split_marker(title)
    if marker == "re" and not raw_title.lstrip()[:3].lower().startswith(("re:", "re ")):
        marker, subject = "", title  # "Re-evaluation of ..." is an article
    if not marker:
        quoted = _QUOTED_NOTICE_RE.match(raw_title)  # PsycINFO: '"Title": Correction'
        if quoted and title.endswith(quoted.group(1).lower()):
            marker = quoted.group(1).lower()
            subject = title[: -len(marker)].strip()
    kind = notice_kind(marker) or ("erratum" if cited else "") or kind_of_type(publication_type)
    if marker and not cited:
        wos = _WOS_CITATION_RE.match(marker)
        if wos:
            cited = f"{wos.group(1).lstrip('0')}:{wos.group(2).lstrip('0')}"
    return subject, kind, cited


def split_marker(title: str) -> tuple[str, str]:
    """``(marker, subject title)`` of a normalised title; the title is kept whole when
    the rest would be too short to name an article (a bare "Erratum")."""
    match = _NOTICE_RE.search(title)
    if not match:
        return "", title
    marker = match.group(0).strip()
    if len(title) <= len(marker) + 20:
        return marker, title
    if match.start() == 0:
        return marker, title[match.end() :].strip()
    if match.end() == len(title):
        return marker, title[: match.start()].strip()
    return marker, title


def kind_of_type(publication_type: str) -> str:
    """Notice kind from a publication type (``"erratum"``, ``"letter"``); ``""`` otherwise."""
    return _TYPE_KINDS.get(publication_type, "")

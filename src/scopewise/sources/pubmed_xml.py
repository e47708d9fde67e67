"""PubMed XML (``PubmedArticleSet``), from PubMed's "Send to > File > XML" and efetch."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from lxml import etree

from scopewise.records import Author, Record
from scopewise.sources.normalise import build_record, parse_keywords
from scopewise.sources.registry import Reader
from scopewise.sources.textfile import Head, SourceFile
from scopewise.sources.xmlutil import iter_elements, text_of

__all__ = ["READER", "article_to_record", "parse_pubmed_xml"]


def _sniff(head: Head) -> bool:
    return head.text is not None and ("<PubmedArticleSet" in head.text[:5000]
                                      or "<!DOCTYPE PubmedArticleSet" in head.text[:5000])


def _find(element: Any, path: str) -> str:
    return text_of(element.find(path))


def article_to_record(article: Any) -> Record:
    """The record for one ``<PubmedArticle>`` element."""
    citation = article.find("MedlineCitation")
    art = citation.find("Article") if citation is not None else None
    if art is None:
        return build_record({}, {"xml": etree.tostring(article, encoding="unicode")})
    authors = []
    for author in art.findall("AuthorList/Author"):
        if author.find("CollectiveName") is not None:
            authors.append(Author(family="", literal=_find(author, "CollectiveName")))
        else:
            authors.append(Author(family=_find(author, "LastName"),
                                  given=_find(author, "ForeName") or _find(author, "Initials")))
    abstract = " ".join(
        (f"{part.get('Label')}: " if part.get("Label") else "") + text_of(part)
        for part in art.findall("Abstract/AbstractText")
    )
    ids = {i.get("IdType"): text_of(i) for i in article.findall("PubmedData/ArticleIdList/ArticleId")}
    doi = ids.get("doi") or next(
        (text_of(e) for e in art.findall("ELocationID") if e.get("EIdType") == "doi"), ""
    )
    issue = art.find("Journal/JournalIssue")
    year = _find(issue, "PubDate/Year") if issue is not None else ""
    if not year and issue is not None:
        year = _find(issue, "PubDate/MedlineDate")
    keywords = [text_of(k) for k in citation.findall("KeywordList/Keyword")]
    keywords += [_find(m, "DescriptorName") for m in citation.findall("MeshHeadingList/MeshHeading")]
    types = [text_of(t) for t in art.findall("PublicationTypeList/PublicationType")]
    pmid = _find(citation, "PMID")
    return build_record(
        {
            "title": _find(art, "ArticleTitle") or _find(art, "VernacularTitle"),
            "abstract": abstract,
            "authors": tuple(a for a in authors if a.family or a.literal),
            "year": year or _find(art, "ArticleDate/Year"),
            "journal": _find(art, "Journal/Title") or _find(art, "Journal/ISOAbbreviation"),
            "volume": _find(issue, "Volume") if issue is not None else "",
            "issue": _find(issue, "Issue") if issue is not None else "",
            "pages": _find(art, "Pagination/MedlinePgn"),
            "doi": doi,
            "pmid": pmid,
            "pmcid": ids.get("pmc", ""),
            "issn": "; ".join(text_of(i) for i in art.findall("Journal/ISSN")),
            "keywords": parse_keywords(keywords, separators=";"),
            "language": _find(art, "Language"),
            "publication_type": types[0].lower() if types else "",
            "source_record_id": pmid,
        },
        {"xml": re.sub(r"\s+\n", "\n", etree.tostring(article, encoding="unicode"))},
    )


def parse_pubmed_xml(data: bytes) -> list[Record]:
    """Records from PubMed XML in memory (efetch answers)."""
    root = etree.fromstring(data, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    return [article_to_record(a) for a in root.iter("PubmedArticle")]


def _read(source: SourceFile) -> Iterator[Record]:
    for element in iter_elements(source, "PubmedArticle", "PubMed XML"):
        yield article_to_record(element)


READER = Reader(name="pubmed-xml", label="PubMed XML", extensions=(".xml",), sniff=_sniff,
                read=_read, priority=70)

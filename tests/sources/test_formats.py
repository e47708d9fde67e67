"""Small hand-written files in each format: the fields land where a reviewer expects."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import Workbook

from scopewise.errors import ImportFormatError
from scopewise.sources import detect_format, read_records

MEDLINE = """PMID- 31234567
OWN - NLM
TI  - Peer support workers in mental health services: a
      scoping review.
PG  - 101-110
LID - 10.1000/PEER.2019.01 [doi]
AB  - Peer support is growing.
FAU - O'Brien, Mary Anne
AU  - O'Brien MA
FAU - Li, Wei
LA  - eng
PT  - Journal Article
DP  - 2019 Mar 4
JT  - Journal of Mental Health
VI  - 28
IP  - 2
IS  - 0963-8237 (Print)
PMC - PMC6543210
MH  - Peer Group
OT  - recovery

PMID- 31234568
TI  - Second.
DP  - 2020
"""

WOS = """FN Clarivate Analytics Web of Science
VR 1.0
PT J
AU Smith, J
   Jones, K
AF Smith, Jane
   Jones, Kim
TI Peer support in
   community care
SO JOURNAL OF COMMUNITY CARE
DE peer support; recovery; mental
   health
PY 2018
VL 12
BP 5
EP 19
DI 10.1000/JCC.5
PM 29999999
UT WOS:000123
ER

EF
"""

PUBMED_XML = """<?xml version="1.0"?>
<!DOCTYPE PubmedArticleSet>
<PubmedArticleSet>
<PubmedArticle><MedlineCitation><PMID Version="1">111</PMID>
<Article><Journal><ISSN>1234-5678</ISSN><JournalIssue><Volume>3</Volume><Issue>1</Issue>
<PubDate><Year>2021</Year></PubDate></JournalIssue><Title>Psychiatric Services</Title></Journal>
<ArticleTitle>Peer <i>support</i> outcomes.</ArticleTitle><Pagination><MedlinePgn>1-9</MedlinePgn></Pagination>
<Abstract><AbstractText Label="BACKGROUND">Why.</AbstractText><AbstractText Label="RESULTS">What.</AbstractText></Abstract>
<AuthorList><Author><LastName>Garcia</LastName><ForeName>Ana</ForeName></Author>
<Author><CollectiveName>Peer Study Group</CollectiveName></Author></AuthorList>
<Language>eng</Language><PublicationTypeList><PublicationType>Journal Article</PublicationType></PublicationTypeList>
</Article><KeywordList><Keyword>peers</Keyword></KeywordList></MedlineCitation>
<PubmedData><ArticleIdList><ArticleId IdType="pubmed">111</ArticleId><ArticleId IdType="doi">10.1000/ps.1</ArticleId>
<ArticleId IdType="pmc">PMC999</ArticleId></ArticleIdList></PubmedData></PubmedArticle>
</PubmedArticleSet>
"""

ENDNOTE_XML = """<?xml version="1.0" encoding="UTF-8"?>
<xml><records><record><rec-number>7</rec-number><ref-type name="Journal Article">17</ref-type>
<contributors><authors><author><style face="normal">Brown, Sam</style></author><author>White, T.</author></authors></contributors>
<titles><title><style face="normal">Lived experience roles</style></title><secondary-title>Health Expectations</secondary-title></titles>
<pages>33-40</pages><volume>9</volume><number>4</number><keywords><keyword>peer</keyword><keyword>lived experience</keyword></keywords>
<dates><year>2017</year></dates><isbn>1369-6513</isbn><electronic-resource-num>https://doi.org/10.1000/HEX.7</electronic-resource-num>
<abstract>Text.</abstract></record></records></xml>
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_medline(tmp_path: Path) -> None:
    path = write(tmp_path, "pubmed.txt", MEDLINE)
    assert detect_format(path) == "medline"
    first, second = read_records(path)
    assert first.title == "Peer support workers in mental health services: a scoping review."
    assert first.authors[0].family == "O'Brien" and first.authors[0].given == "Mary Anne"
    assert (first.year, first.volume, first.issue, first.pages) == (2019, "28", "2", "101-110")
    assert first.doi == "10.1000/peer.2019.01" and first.pmid == "31234567"
    assert first.pmcid == "PMC6543210" and first.issn == "0963-8237"
    assert set(first.keywords) == {"Peer Group", "recovery"}
    assert first.raw["AU"] == ["O'Brien MA"]
    assert second.pmid == "31234568" and second.year == 2020


def test_wos(tmp_path: Path) -> None:
    path = write(tmp_path, "savedrecs.txt", WOS)
    assert detect_format(path) == "wos"
    (record,) = read_records(path)
    assert record.title == "Peer support in community care"
    assert [a.display() for a in record.authors] == ["Smith, Jane", "Jones, Kim"]
    assert record.pages == "5-19" and record.pmid == "29999999"
    assert record.keywords == ("peer support", "recovery", "mental health")
    assert record.source_record_id == "WOS:000123"


def test_pubmed_xml(tmp_path: Path) -> None:
    path = write(tmp_path, "pubmed.xml", PUBMED_XML)
    assert detect_format(path) == "pubmed-xml"
    (record,) = read_records(path)
    assert record.title == "Peer support outcomes."
    assert record.abstract == "BACKGROUND: Why. RESULTS: What."
    assert record.authors[0].given == "Ana" and record.authors[1].literal == "Peer Study Group"
    assert (record.pmid, record.doi, record.pmcid) == ("111", "10.1000/ps.1", "PMC999")
    assert record.journal == "Psychiatric Services" and record.year == 2021


def test_endnote_xml(tmp_path: Path) -> None:
    path = write(tmp_path, "library.xml", ENDNOTE_XML)
    assert detect_format(path) == "endnote-xml"
    (record,) = read_records(path)
    assert record.title == "Lived experience roles"
    assert record.journal == "Health Expectations"
    assert record.doi == "10.1000/hex.7" and record.issn == "1369-6513"
    assert record.keywords == ("peer", "lived experience")
    assert record.source_record_id == "7"


def test_csl_json(tmp_path: Path) -> None:
    items = [{"id": "k1", "type": "article-journal", "title": "A", "author": [
        {"family": "Ng", "given": "Li"}], "issued": {"date-parts": [[2015, 3]]},
        "container-title": "J", "DOI": "10.1000/X", "page": "1–4", "keyword": "a, b"}]
    path = write(tmp_path, "refs.json", json.dumps(items))
    assert detect_format(path) == "csl-json"
    (record,) = read_records(path)
    assert (record.year, record.doi, record.pages, record.keywords) == (2015, "10.1000/x", "1-4",
                                                                        ("a", "b"))


@pytest.mark.parametrize(
    ("header", "row", "expected"),
    [
        # Scopus CSV
        ("Authors,Title,Year,Source title,Volume,Issue,Page start,Page end,DOI,Abstract,EID",
         '"Li W., Dou Z.",Soil fauna,2020,Eco Health,6,1,10,20,10.1000/a,Abs,2-s2.0-1',
         {"title": "Soil fauna", "journal": "Eco Health", "pages": "10-20", "n_authors": 2,
          "source_record_id": "2-s2.0-1"}),
        # Lens
        ("Lens ID,Title,Publication Year,Source Title,Author/s,DOI,Start Page,End Page",
         "000-111,Lens paper,2019,Lens J,Smith J; Doe A,10.1000/b,3,4",
         {"title": "Lens paper", "journal": "Lens J", "pages": "3-4", "n_authors": 2,
          "source_record_id": "000-111"}),
        # Rayyan
        ("key,title,authors,journal,issn,volume,issue,pages,year,publisher,url,abstract,doi",
         "rayyan-1,Rayyan paper,Smith J and Doe A,RJ,1234-5678,1,2,5-6,2018,P,u,A,10.1000/c",
         {"title": "Rayyan paper", "journal": "RJ", "pages": "5-6", "n_authors": 2,
          "source_record_id": "rayyan-1"}),
        # Covidence
        ("Title,Authors,Abstract,Published Year,Journal,Volume,Issue,Pages,DOI,Covidence #",
         "Cov paper,Smith J; Doe A,A,2017,CJ,1,1,1-2,10.1000/d,#12",
         {"title": "Cov paper", "journal": "CJ", "year": 2017, "source_record_id": "#12"}),
        # OpenAlex
        ("id,doi,title,publication_year,authorships.author.display_name,"
         "primary_location.source.display_name",
         "https://openalex.org/W1,https://doi.org/10.1000/E,OA paper,2016,Ann Lee|Bo Chen,OJ",
         {"title": "OA paper", "journal": "OJ", "doi": "10.1000/e", "n_authors": 2}),
        # ASReview / labelled datasets, bib-dedupe style
        ("record_id,title,abstract,authors,year,pubmedID,label_included",
         "5,AS paper,A,Smith J,2000,123,1",
         {"title": "AS paper", "pmid": "123", "source_record_id": "5"}),
        ("ID,ENTRYTYPE,author,title,journal,year",
         "id_1,article,Smith J and Doe A,Bib paper,BJ,1999",
         {"title": "Bib paper", "journal": "BJ", "source_record_id": "id_1", "n_authors": 2}),
        # Embase: the whole citation in "Source"
        ("Title,Author Names,Source,Abstract",
         '"Congenital neck masses",Quintanilla-Dieck L.,"Clinics in Perinatology (2018) 45:4 '
         '(769-785). Date of Publication: 1 Dec 2018",A',
         {"title": "Congenital neck masses", "journal": "Clinics in Perinatology",
          "year": 2018, "volume": "45", "issue": "4", "pages": "769-785"}),
        ("Title,Author Names,Source",
         '"An abstract",Li W.,"Gut (2019) 68 Supplement 2 (A12-A13). Date of Publication: 2019"',
         {"journal": "Gut", "year": 2019, "volume": "68", "issue": "Supplement 2",
          "pages": "A12-A13"}),
        ("Title,Author Names,Source",
         '"An article",Li W.,"PLoS ONE (2019) 14:1 Article Number: e0209483. Date of '
         'Publication: 1 Jan 2019"',
         {"journal": "PLoS ONE", "volume": "14", "issue": "1", "pages": "e0209483"}),
        # a journal name with brackets but no citation stays as written
        ("Title,Source,Year", "A paper,Nature (London),1990",
         {"journal": "Nature (London)", "year": 1990, "volume": ""}),
    ],
    ids=["scopus", "lens", "rayyan", "covidence", "openalex", "asreview", "bibcsv", "embase",
         "embase-supplement", "embase-article-number", "bracketed-journal"],
)
def test_csv_column_mapping(tmp_path: Path, header: str, row: str, expected: dict) -> None:
    path = write(tmp_path, "export.csv", f"{header}\n{row}\n")
    assert detect_format(path) == "csv"
    (record,) = read_records(path)
    for key, value in expected.items():
        if key == "n_authors":
            assert len(record.authors) == value
        else:
            assert getattr(record, key) == value, key
    assert set(record.raw) == set(header.split(","))  # every column kept


@pytest.mark.parametrize(
    ("authors", "expected"),
    [
        # ASReview's labelled datasets: commas between and within names
        ("Andersen, S. B., Karstoft, K. I., Bertelsen, M., Madsen, T.",
         [("Andersen", "S. B."), ("Karstoft", "K. I."), ("Bertelsen", "M."), ("Madsen", "T.")]),
        ('Bryant, R. A., ""ODonnell, M."", Li, W., van de Schoot, J.-P.',
         [("Bryant", "R. A."), ("ODonnell", "M."), ("Li", "W."), ("van de Schoot", "J.-P.")]),
        ("Bonanno, George A., Mancini, Anthony D.",
         [("Bonanno", "George A."), ("Mancini", "Anthony D.")]),
        # given names first, commas between, " and " before the last
        ("D. Pavlinac, R. De La Garza and L. Deftos",
         [("Pavlinac", "D."), ("De La Garza", "R."), ("Deftos", "L.")]),
        # Vancouver without periods: each part a whole name
        ("Smith JA, Doe A, Roe BC", [("Smith", "JA"), ("Doe", "A"), ("Roe", "BC")]),
        # Google Scholar (Publish or Perish): initials first, the list cut with an ellipsis
        ("J Smith, KL Jones, M-J Lee…", [("Smith", "J"), ("Jones", "KL"), ("Lee", "M-J")]),
        # not that pattern: one author, or full given names (ambiguous), left as one name
        ("Smith, Jane", [("Smith", "Jane")]),
        ("Smith, Jane, Doe, John", [("Smith", "Jane, Doe, John")]),
    ],
    ids=["initials", "quotes-and-short-names", "given-names", "given-first", "vancouver",
         "google-scholar", "one-author",
         "full-names"],
)
def test_csv_authors_with_commas_only(tmp_path: Path, authors: str,
                                      expected: list[tuple[str, str]]) -> None:
    path = write(tmp_path, "labelled.csv",
                 f'record_id,title,authors,year,label_included\n1,A paper,"{authors}",2014,1\n')
    (record,) = read_records(path)
    assert [(a.family, a.given) for a in record.authors] == expected


def test_publish_or_perish_google_scholar_export(tmp_path: Path) -> None:
    header = ("Cites,Authors,Title,Year,Source,Publisher,ArticleURL,CitesURL,GSRank,QueryDate,"
              "Type,DOI,ISSN,CitationURL,Volume,Issue,StartPage,EndPage,ECC,Abstract")
    rows = ('152,"J Smith, K Jones",Peer support workers,2019,Journal of Mental Health,'
            "Taylor & Francis,https://www.tandfonline.com/doi/abs/10.1080/0963823.2019.15,"
            "https://scholar.google.com/scholar?cites=1,1,2023-08-14 10:00:00,,"
            "10.1080/0963823.2019.15,,,28,3,101,110,152,Peer support is growing…\n"
            "12,A Brown,Peer work: a grey literature report,2021,mentalhealth.org.uk,,"
            "https://www.mentalhealth.org.uk/report,,2,2023-08-14 10:00:00,,,,,,,,,12,\n")
    article, report = read_records(write(tmp_path, "pop.csv", f"{header}\n{rows}"))
    assert [(a.family, a.given) for a in article.authors] == [("Smith", "J"), ("Jones", "K")]
    assert (article.journal, article.volume, article.issue, article.pages, article.doi) == (
        "Journal of Mental Health", "28", "3", "101-110", "10.1080/0963823.2019.15")
    assert article.url == "https://www.tandfonline.com/doi/abs/10.1080/0963823.2019.15"
    assert report.url == "https://www.mentalhealth.org.uk/report" and report.year == 2021
    assert [(a.family, a.given) for a in report.authors] == [("Brown", "A")]


def test_pubmed_csv_reads_volume_issue_and_pages_from_its_citation(tmp_path: Path) -> None:
    text = (
        "PMID,Title,Authors,Citation,First Author,Journal/Book,Publication Year,Create Date,"
        "PMCID,NIHMS ID,DOI\n"
        '31234567,Peer support workers.,"O\'Brien MA, Li W",J Ment Health. 2019 Mar;28(2):101-110.'
        " doi: 10.1000/peer.2019.01. Epub 2019 Mar 4.,O'Brien MA,J Ment Health,2019,2019/03/05,"
        "PMC6543210,,10.1000/peer.2019.01\n"
        "31234568,Online first.,Smith J,J Ment Health. 2023 Aug 14:1-9.,Smith J,J Ment Health,"
        "2023,2023/08/15,,,\n"
        "31234569,A book chapter.,Roe B,\"In: Doe J, editor. Peer Work. London: Press; 2019.\","
        "Roe B,Peer Work,2019,2019/05/01,,,\n"
    )
    article, online, chapter = read_records(write(tmp_path, "csv-PeerSuppor-set.csv", text))
    assert (article.journal, article.volume, article.issue, article.pages) == (
        "J Ment Health", "28", "2", "101-110")
    assert article.pmid == "31234567" and article.pmcid == "PMC6543210"
    assert [(a.family, a.given) for a in article.authors] == [("O'Brien", "MA"), ("Li", "W")]
    assert (online.volume, online.pages) == ("", "1-9")
    assert (chapter.journal, chapter.volume, chapter.pages) == ("Peer Work", "", "")


WOS_TAB = (
    "PT\tAU\tAF\tTI\tSO\tLA\tDT\tDE\tID\tAB\tSN\tPY\tVL\tIS\tBP\tEP\tDI\tPM\tUT\t\n"
    "J\tSmith, J; Jones, K\tSmith, Jane; Jones, Kim\tPeer support in community care\t"
    "JOURNAL OF MENTAL HEALTH\tEnglish\tArticle\t\tRECOVERY; SERVICES\tAn abstract, "
    "with commas.\t0963-8237\t2019\t28\t3\t101\t110\t10.1080/09638237.2019.1\t29999999\t"
    "WOS:000123\t\n"
)


@pytest.mark.parametrize(("encoding", "newline"), [("utf-8", "\n"), ("utf-16", "\r\n")],
                         ids=["utf-8", "utf-16-windows"])
def test_wos_tab_delimited_saved_as_txt(tmp_path: Path, encoding: str, newline: str) -> None:
    path = tmp_path / "savedrecs.txt"
    path.write_bytes(WOS_TAB.replace("\n", newline).encode(encoding))
    assert detect_format(path) == "csv"
    (record,) = read_records(path)
    assert record.title == "Peer support in community care"
    assert (record.year, record.volume, record.issue, record.pages) == (2019, "28", "3", "101-110")
    assert record.doi == "10.1080/09638237.2019.1" and record.pmid == "29999999"
    assert record.source_record_id == "WOS:000123"  # not "ID", which is Keywords Plus here
    assert record.keywords == ("RECOVERY", "SERVICES")
    assert [a.family for a in record.authors] == ["Smith", "Jones"]
    assert record.abstract == "An abstract, with commas."


def test_tsv_and_xlsx(tmp_path: Path) -> None:
    tsv = write(tmp_path, "export.tsv", "Title\tAuthors\tYear\nTab paper\tSmith J\t2001\n")
    assert next(read_records(tsv)).title == "Tab paper"
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Title", "Authors", "Year", "label_included"])
    sheet.append(["Excel paper", "Smith J; Doe A", 2002, 1])
    xlsx = tmp_path / "export.xlsx"
    book.save(xlsx)
    assert detect_format(xlsx) == "xlsx"
    (record,) = read_records(xlsx)
    assert (record.title, record.year, len(record.authors)) == ("Excel paper", 2002, 2)
    assert record.raw["label_included"] == "1"


DIMENSIONS = (
    '"About the data: Exported on Aug 14, 2023. Criteria: ""peer support""; 2019-2023."\n'
    "Rank,Publication ID,DOI,PMID,Title,Abstract,Source title,PubYear,Volume,Issue,Pagination,"
    "Authors\n"
    '1,pub.1112345678,10.1080/0963823.2019.1,31234567,Peer support in community care,An '
    'abstract.,Journal of Mental Health,2019,28,3,101-110,"Smith, Jane; Jones, Kim"\n'
)


def test_a_note_above_the_header_is_stepped_over(tmp_path: Path) -> None:
    (record,) = read_records(write(tmp_path, "Dimensions-Publication-2023.csv", DIMENSIONS))
    tabbed = "About the data: exported on 14 August 2023\nTitle\tAuthors\nA tab paper\tSmith, J\n"
    assert next(read_records(write(tmp_path, "with-note.tsv", tabbed))).title == "A tab paper"
    assert record.title == "Peer support in community care"
    assert (record.journal, record.year, record.volume, record.issue, record.pages) == (
        "Journal of Mental Health", 2019, "28", "3", "101-110")
    assert record.source_record_id == "pub.1112345678" and record.pmid == "31234567"
    assert [(a.family, a.given) for a in record.authors] == [("Smith", "Jane"), ("Jones", "Kim")]
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["About the data: Exported on Aug 14, 2023."])
    sheet.append(["Title", "Authors", "PubYear"])
    sheet.append(["Excel paper", "Smith, Jane", 2002])
    xlsx = tmp_path / "dimensions.xlsx"
    book.save(xlsx)
    (record,) = read_records(xlsx)
    assert (record.title, record.year, record.authors[0].family) == ("Excel paper", 2002, "Smith")


def test_a_file_with_no_title_column_below_a_note_names_its_first_row(tmp_path: Path) -> None:
    path = write(tmp_path, "notes.csv", "About the data\nid,Title words,summary\n1,a,text\n")
    assert detect_format(path) == "csv"
    with pytest.raises(ImportFormatError, match="no title column found") as caught:
        list(read_records(path))
    assert caught.value.line == 1 and "'About the data'" in str(caught.value)


def test_content_decides_not_the_extension(tmp_path: Path) -> None:
    assert detect_format(write(tmp_path, "really_medline.ris", MEDLINE)) == "medline"
    assert detect_format(write(tmp_path, "really_wos.csv", WOS)) == "wos"


def test_an_empty_column_falls_back_to_another_that_means_the_same_field(tmp_path: Path) -> None:
    # the bundled example's layout: an empty year beside a date that holds it
    path = write(tmp_path, "export.csv", "record_id,title,year,date,journal,source\n"
                                         "1,Empty year,,1997,,Venue B\n2,Both,2001.0,1999,J A,Venue B\n")
    first, second = read_records(path)
    assert first.year == 1997 and first.journal == "Venue B"  # 'journal' first, then 'source'
    assert second.year == 2001 and second.journal == "J A"  # the preferred column wins when filled

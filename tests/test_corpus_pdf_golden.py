"""Golden structure of the eleven real council PDFs with a text layer in /work/shared/corpus-pdf
(SOURCES.md there). The scanned building list (#8) is left to the OCR tests.

What a council member would check: one meeting per minutes file with its body, date, time, place and
attendance; every agenda item once (a table of contents never makes a second copy), with its case
number and its decision; page furniture ("Side 3", "2 of 5", the repeated page header) gone; tables as
rows with " | " between the cells and their caption on the line above; chapters of a report as sections.
Each PDF is parsed once per module. The synthetic tests at the end pin the same rules without the
shared files, so they run everywhere.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from byraad.types import CLOSED_PREFIX, PUBLIC

SHARED = Path(__file__).resolve().parents[2] / "shared"
PDFS = SHARED / "corpus-pdf"
needs_pdfs = pytest.mark.skipif(not PDFS.exists(), reason="shared corpus-pdf not available")

AARHUS = "aarhus-byraad-referat-2025-08-27.pdf"
SAGER = "aarhus-sundhed-omsorg-bilag-sager-paa-vej-2025-08-29.pdf"
REFERAT = "ballerup-sundheds-forebyggelsesudvalget-referat-2012-12-04.pdf"
PUNKT2 = "ballerup-sundheds-forebyggelsesudvalget-punkt2-2012-12-04.pdf"
PUNKT3 = "ballerup-sundheds-forebyggelsesudvalget-punkt3-2012-12-04.pdf"
KVALITET = "ballerup-kvalitetsstandarder-stof-alkohol-2013.pdf"
NOTAT = "ballerup-bilag-notat-kronikerindsatser-2012-12-04.pdf"
KL = "kl-bilag-det-naere-sundhedsvaesen-2012.pdf"
PUK = "syddjurs-puk-referat-2013-06-20.pdf"
POLITIK = "syddjurs-politik-kultur-og-fritid-2009-04-30.pdf"
OPSAMLING = "syddjurs-bilag-opsamlingsnotat-temamoede-2012-09-20.pdf"
TEXT_PDFS = [AARHUS, SAGER, REFERAT, PUNKT2, PUNKT3, KVALITET, NOTAT, KL, PUK, POLITIK, OPSAMLING]
PAGES = {
    AARHUS: 28,
    SAGER: 4,
    REFERAT: 15,
    PUNKT2: 2,
    PUNKT3: 1,
    KVALITET: 23,
    NOTAT: 4,
    KL: 108,
    PUK: 5,
    POLITIK: 13,
    OPSAMLING: 3,
}

BALLERUP_BODY = "Sundheds- og Forebyggelsesudvalget"


@pytest.fixture(scope="module")
def parsed():
    """parse_file for each PDF, once per module (the 108-page KL report takes a few seconds)."""
    from ingest.parse import parse_file

    cache: dict = {}

    def get(name: str):
        if name not in cache:
            cache[name] = parse_file(PDFS / name)
        return cache[name]

    return get


def _lines(doc) -> list[str]:
    return [x.strip() for x in doc.text.split("\n")]


def _only_meeting(doc):
    top = [m for m in doc.meetings if not m.embedded]
    assert len(top) == 1, [(m.body, m.date, len(m.items)) for m in doc.meetings]
    return top[0]


# ---------------------------------------------------------------- every file


@needs_pdfs
@pytest.mark.parametrize("name", [n for n in TEXT_PDFS if n != KL])
def test_pages_furniture_and_offsets(parsed, name):
    _check_common(parsed(name), name)


@needs_pdfs
@pytest.mark.slow
def test_kl_pages_furniture_and_offsets(parsed):
    _check_common(parsed(KL), KL)


def _check_common(doc, name):
    assert len(doc.pages) == PAGES[name] == doc.meta["page_count"]
    assert [p.label for p in doc.pages] == [str(i + 1) for i in range(PAGES[name])]
    assert doc.pages[0].start == 0 and doc.pages[-1].end == len(doc.text)
    assert all(a.end == b.start for a, b in zip(doc.pages, doc.pages[1:]))
    assert len(doc.offset_map) == len(doc.text) + 1
    for line in _lines(doc):
        assert not re.fullmatch(r"(?:Side \d+(?: af \d+)?|\d+ of \d+)", line), (name, line)
    assert "\n\n\n" not in doc.text  # letterhead blank runs collapsed
    # no word left broken by a line-end hyphen inside a paragraph ("behand-" / "lings")
    assert not re.search(r"[a-zæøå]{3}-\n[a-zæøå]{3}", doc.text)


# ---------------------------------------------------------------- Aarhus Byråd (FirstAgenda)


@needs_pdfs
def test_aarhus_byraad_meeting(parsed):
    doc = parsed(AARHUS)
    m = _only_meeting(doc)
    assert doc.kind == "minutes" and m.kind == "minutes"
    assert m.body == "Aarhus Byråd" and m.date == 20250827 and m.time == "16:00" and m.place == "Byrådssalen"
    # 21 items, each once: the table of contents does not add copies
    assert [it.number for it in m.items] == [str(n) for n in range(1, 22)]
    it = {x.number: x for x in m.items}
    assert it["1"].title == "Godkendelse af dagsorden" and it["1"].decision == "Godkendt."
    assert it["2"].title == "Svar på forslag fra DD om principbeslutning om at sikre Havnens Perles fremtid på Aarhus Ø"
    assert it["4"].title.endswith("Grenåvej i Løgten & Skødstrup")
    assert it["3"].decision.startswith("Tilbagesendes Magistratsafdelingen for Teknik og Miljø")
    assert "BESLUTNINGSFORSLAG" not in it["3"].decision and "Radikale Venstres" in it["3"].decision
    assert all(x.decision for x in m.items)
    assert all(re.fullmatch(r"EMN-\d{4}-\d{6}", x.case_number) for x in m.items)
    assert it["2"].case_number == "EMN-2025-003383"
    assert not any("EMN-" in x.title or "Beslutning" in x.title for x in m.items)
    assert all(doc.text[x.decision_start :].startswith(x.decision[:30]) for x in m.items)


@needs_pdfs
def test_aarhus_closed_item_and_toc(parsed):
    doc = parsed(AARHUS)
    last = _only_meeting(doc).items[-1]
    assert last.title == "Lukket: Køb af landbrugsejendom"
    assert last.access.startswith(CLOSED_PREFIX) and last.decision.startswith("Tilbagesendes")
    assert all(x.access == PUBLIC for x in _only_meeting(doc).items[:-1])
    lines = _lines(doc)
    # the table of contents stays one entry per line, leaders shortened, its last page number kept
    assert "Bro mellem Dokk1 og Balticagade … 16" in lines
    assert "Lukket: Køb af landbrugsejendom … 28" in lines


# ---------------------------------------------------------------- Aarhus "Sager på vej" (tables)


@needs_pdfs
def test_sager_paa_vej_tables(parsed):
    doc = parsed(SAGER)
    assert not doc.meetings and doc.doc_date == 20250829
    assert doc.meta["table_rows"] >= 80 and doc.meta["table_pages"] == 4
    lines = _lines(doc)
    rows = [x for x in lines if " | " in x]
    assert len(rows) >= 80 and all(2 <= x.count(" | ") <= 2 for x in rows)
    # a row whose cells wrapped over several lines is one line again, cells in column order
    assert (
        "Ankestyrelsens Danmarkskort på det sociale område 2025 (med MSB) | Borgervelfærd | "
        "Pt. i høring hos Ældreråd og Handicapråd – fremsendes medio september"
    ) in lines
    assert (
        "Svar på forslag fra M om bevarelse af sygeplejeydelser og intern kompetenceudvikling i Sociale "
        "Forhold og Beskæftigelse (med MSB) | Sundhed og Forebyggelse | Vedtaget. Byrådet 25. juni"
    ) in lines
    assert "Ansættelse af forvaltningschef |  | Vedtaget. Magistraten 25. februar" in lines  # empty column kept
    # each caption sits right above its table's header row
    for caption in ("Færdigbehandlede sager i 2024", "Færdigbehandlede sager i 2023"):
        k = lines.index(caption)
        assert lines[k + 1] == "Sag | Afd. | Vedtaget"
    assert "Side 1 af 4" not in doc.text and doc.text.count("Sundhed og Omsorg 2025") == 1


# ---------------------------------------------------------------- Ballerup (eDoc)


@needs_pdfs
def test_ballerup_referat_meeting(parsed):
    doc = parsed(REFERAT)
    m = _only_meeting(doc)
    assert doc.kind == "minutes" and m.body == BALLERUP_BODY and m.date == 20121204
    assert m.time == "13:00" and m.place == "Mødecenter C, Lokale 32 på Ballerup Rådhus"
    assert m.participants[0] == "Lolan Ottesen (A) - formand" and len(m.participants) == 7
    assert "Per Mortensen (A)" in m.participants and m.absentees == ()
    assert [it.number for it in m.items] == [str(n) for n in range(1, 9)]  # not again from the TOC
    it = {x.number: x for x in m.items}
    assert it["2"].title == "Bygningsvedligeholdelse 2013 - anlægsbevilling"
    assert it["6"].title == "Prioritering af midler til kronisk syge borgere og hverdagsrehabilitering for ældre"
    assert it["1"].case_number == "2011-29298" and it["8"].case_number == "2010-3082"
    assert it["1"].decision == "Taget til efterretning" and it["3"].decision == "Indstilles til godkendelse"
    assert it["7"].decision.startswith("Indstillingen godkendt med denne bemærkning")
    assert all(x.decision for x in m.items)
    assert not any("ukendt organ" in w or "ingen dato" in w for w in doc.warnings)


@needs_pdfs
def test_ballerup_referat_furniture_and_table(parsed):
    doc = parsed(REFERAT)
    # the five-line page header is kept once (page 1), not on each of the 15 pages
    assert doc.text.count("Dato: 04.12.2012") == 1 and doc.text.count("Åbent referat") <= 3
    lines = _lines(doc)
    k = lines.index("Indsatsområde i Ballerup Kommune | Afsatte midler i 2013")
    assert lines[k + 2] == "Sygeplejeklinik (udvidet åbningstid 4 timer pr. uge) | 200.000 kr."


@pytest.mark.parametrize(
    "name, number, title, case, decision",
    [
        (PUNKT2, "2", "Bygningsvedligeholdelse 2013 - anlægsbevilling", "2012-28504", "Indstillingen godkendt"),
        (
            PUNKT3,
            "3",
            "Kvalitetsstandarder for stof- og alkoholbehandling 2012-2013",
            "2012-31114",
            "Indstilles til godkendelse",
        ),
    ],
)
@needs_pdfs
def test_ballerup_single_item(parsed, name, number, title, case, decision):
    doc = parsed(name)
    m = _only_meeting(doc)
    assert len(m.items) == 1
    it = m.items[0]
    assert (it.number, it.title, it.case_number, it.decision) == (number, title, case, decision)
    # body and date are written in the decision heading ("…udvalgets beslutning den 04.12.2012 Punkt 2")
    assert m.body == BALLERUP_BODY and m.date == 20121204 and m.kind == "minutes"
    assert doc.title == title  # not the PDF's metadata title "02.DOCX"
    assert "Sammendrag" in doc.text[it.start : it.end]


@needs_pdfs
def test_ballerup_rules_document_sections(parsed):
    doc = parsed(KVALITET)
    assert doc.kind == "report" and not doc.meetings
    assert doc.title == "Kvalitetsstandarder for behandling af stof- og alkoholmisbrug 2013"
    secs = [(s.section_id, s.title) for s in doc.sections]
    assert secs[0] == ("1", "Indledning") and secs[-1] == ("12", "Konsulentfunktion") and len(secs) == 12
    assert ("10", "Råd & Vejledning til pårørende") in secs
    first = doc.sections[0]
    assert doc.text[first.start : first.end].startswith("1. Indledning\n")
    assert "1. Indledning … 2" in _lines(doc)  # the dotted-leader TOC line stays one line


@needs_pdfs
def test_ballerup_memo_letterhead(parsed):
    doc = parsed(NOTAT)
    assert doc.title == "Notat – Prioritering af midler til indsatser for kronisk syge borgere"
    assert doc.kind == "report" and doc.doc_date == 20121204 and not doc.meetings
    lines = _lines(doc)
    assert lines[:4] == ["SOCIAL, SUNDHED OG", "BESKÆFTIGELSE", "Dato: 4.december 2012", "Tlf. dir.: 44773549"]
    assert "Sagsnr: 2012-21786" in lines


# ---------------------------------------------------------------- KL report (multi-column InDesign)


@needs_pdfs
@pytest.mark.slow
def test_kl_report_chapters_and_table(parsed):
    doc = parsed(KL)
    assert doc.kind == "report" and doc.title == "Det nære sundhedsvæsen" and not doc.meetings
    assert doc.meta["empty_pages"] == 13
    secs = [s for s in doc.sections if s.section_id.isdigit()]
    assert [s.section_id for s in secs] == [str(n) for n in range(1, 16)]
    assert secs[0].title == "Forord" and secs[14].title == "Finansiering af det nære sundhedsvæsen"
    forord = doc.text[secs[0].start : secs[0].end]
    assert "God læselyst!" in forord and "Jan Trøjborg" in forord
    lines = _lines(doc)
    k = lines.index("Økonomiaftaler | Kommuner | Regioner")
    assert lines[k - 1].startswith("Tabel 15.1. Fordeling af afsatte varige midler")  # caption above
    assert lines[k + 1] == "2007 | Løft: 200 mio. kr. vedr. forebyggelse* | Samlet løft på ca. 1,3 mia. kr."
    assert "2012 | Samlet løft på ca. 1½ mia. kr." in lines
    sec15 = secs[14]
    assert sec15.start < doc.text.index("Økonomiaftaler | Kommuner") < sec15.end
    # hyphenation across lines joined ("behand-" / "lings muligheder")
    assert "bedre behandlings muligheder" in doc.text and "sundheds- og omsorgsydelser" in doc.text
    assert "Et sundt liv starter hos borgeren" in doc.text  # tabs inside words are spaces


# ---------------------------------------------------------------- Syddjurs (Acadre)


@needs_pdfs
def test_syddjurs_puk_meeting(parsed):
    doc = parsed(PUK)
    m = _only_meeting(doc)
    assert doc.kind == "minutes" and doc.title == "Referat, Udvalget for plan, udvikling og kultur (PUK)"
    assert m.body == "Udvalget for plan, udvikling og kultur (PUK)" and m.date == 20130620 and m.time == "10:30"
    assert m.place == "Kaløvig Kursuscenter, Præstekravevej 46, Følle Strand 8410 Rønde"
    assert m.participants == (
        "Jesper Mathiesen (A)",
        "Ole Bollesen (A)",
        "Niels Viderø (A)",
        "Ole Bjerregaard (V)",
        "Steen Fris (C)",
    )
    assert m.absentees == ()
    assert [it.number for it in m.items] == ["715"]
    it = m.items[0]
    assert it.title == "Kulturkommune 2017. Politiske fokusområder" and it.case_number == "12/27845"
    # the item was treated three times; this meeting's decision is the one dated 20-06-2013
    assert it.decision.startswith("Punktet blev drøftet.") and "Der indkaldes" not in it.decision
    assert "Bilag" not in it.decision


@needs_pdfs
def test_syddjurs_policy_and_memo(parsed):
    pol = parsed(POLITIK)
    assert pol.title == "Politik for Kultur og Fritid - Lokalt engagement" and pol.doc_date == 20090430
    assert not pol.meetings and pol.kind != "minutes"
    memo = parsed(OPSAMLING)
    assert memo.title == "Kulturkommune 2017" and not memo.meetings
    lines = _lines(memo)
    assert "12.30 | Velkomst og introduktion til temadagen" in lines and "15.30 | Afrunding" in lines


# ---------------------------------------------------------------- synthetic: the same rules without the files


def test_layout_rows_replace_cell_by_cell_lines_only():
    from ingest.loaders.tables import rows_from_layout

    layout = "\n".join(
        [
            " Sag                                      Afd.              Vedtaget",
            " Svar på forslag om lokalplejehjem og     Ældre og          Vedtaget. Byrådet 4. juni",
            " plejeboliger (med MSB)                   Omsorg",
            " Serviceniveau for 2026                   Borgervelfærd     Vedtaget. Byrådet 6. marts",
            " Ansættelse af direktør                                     Vedtaget. Magistraten 9. maj",
        ]
    )
    default = "\n".join(
        [
            "Sager på vej",
            "Sag Afd. Vedtaget",
            "Svar på forslag om lokalplejehjem og ",
            "plejeboliger (med MSB) ",
            "Ældre og ",
            "Omsorg ",
            "Vedtaget. Byrådet 4. juni",
            "Serviceniveau for 2026 Borgervelfærd Vedtaget. Byrådet 6. marts",
            "Ansættelse af direktør  Vedtaget. Magistraten 9. maj",
            "Teksten her er almindelig prosa.",
        ]
    )
    text, n = rows_from_layout(default, layout)
    assert n == 4
    assert text.split("\n") == [
        "Sager på vej",
        "Sag | Afd. | Vedtaget",
        "Svar på forslag om lokalplejehjem og plejeboliger (med MSB) | Ældre og Omsorg | Vedtaget. Byrådet 4. juni",
        "Serviceniveau for 2026 | Borgervelfærd | Vedtaget. Byrådet 6. marts",
        "Ansættelse af direktør |  | Vedtaget. Magistraten 9. maj",
        "Teksten her er almindelig prosa.",
    ]
    # a hanging-indent list is no table, and a line the layout shows as one piece is never split
    bullets = "•   Første punkt i listen\n•   Andet punkt i listen\n•   Tredje punkt"
    assert rows_from_layout("• Første punkt i listen\n• Andet punkt i listen", bullets) == (
        "• Første punkt i listen\n• Andet punkt i listen",
        0,
    )


def test_layout_rows_beside_a_running_text_column():
    from ingest.loaders.tables import table_rows

    layout = "\n".join(
        [
            "Skævvridning i udgifts-            Økonomiaftaler     Kommuner          Regioner",
            "udviklingen – ingen penge til",
            "forebyggelse og de senere år       2007               Løft: 200 mio.    Samlet 1,3 mia.",
            "har der politisk været prio-       2008               Løft: 300 mio.    Samlet 2 mia.",
            "riteret flere midler til sund-",
            "hedsområdet end til andet.         2009                                 Samlet 1,6 mia.",
        ]
    )
    rows = table_rows(layout)
    assert rows[0] == ["Økonomiaftaler", "Kommuner", "Regioner"]
    assert ["2007", "Løft: 200 mio.", "Samlet 1,3 mia."] in rows and ["2009", "", "Samlet 1,6 mia."] in rows
    assert not any("udviklingen" in c for r in rows for c in r)


def test_repair_running_header_page_numbers_toc_and_caption():
    from ingest.repair import repair

    header = "Sundheds- og Forebyggelsesudvalget\nReferat\nÅbent referat\nDato: 04.12.2012\nSide {n}\n"
    pages = [
        header.format(n=1) + "Referat\nForside med mødets navn.\n1 of 4\n",
        header.format(n=2) + "Indholdsfortegnelse\nGodkendelse af dagsorden.................... 3\n"
        "Lukket: Køb af ejendom........................ 4\n2 of 4\n",
        header.format(n=3) + "Tekst på side tre om sagen.\nFærdigbehandlede sager\nSag | Afd. | Vedtaget\n3 of 4\n",
        header.format(n=4) + "Tekst på side fire om sagen.\n4 of 4\n",
    ]
    raw = "".join(pages)
    starts = tuple(sum(len(p) for p in pages[:i]) for i in range(4))
    text = repair(raw, starts).text
    lines = text.split("\n")
    assert text.count("Dato: 04.12.2012") == 1 and text.count("Åbent referat") == 1  # first copy kept
    assert "Referat" in lines[lines.index("Dato: 04.12.2012") + 1 :]  # the front page's own title
    assert not any(x.startswith("Side ") or x.endswith(" of 4") for x in lines)
    assert "Godkendelse af dagsorden … 3" in lines and "Lukket: Køb af ejendom … 4" in lines
    k = lines.index("Færdigbehandlede sager")
    assert lines[k + 1] == "Sag | Afd. | Vedtaget"


MINUTES = """Referat
Teknik- og Miljøudvalget
onsdag den 5. marts 2025, kl. 16:00 i Mødesal 2, Rådhuset

Tilstede
Anna Hansen (A) - formand
Bo Jensen (V)
Afbud/Fraværende
Carl Olsen (F)

INDHOLDSFORTEGNELSE
1. Godkendelse af dagsorden 2
2. Cykelsti på Skovvej 3

1. Godkendelse af dagsorden
Sagsnr.: 2025-100
Teknik- og Miljøudvalgets beslutning den 05.03.2025 Punkt 1
Godkendt
Følgende deltog ikke i behandlingen af punktet:

2. Cykelsti på Skovvej
Sagsnr.: 2025-200
Sammendrag
Der foreslås en cykelsti.
Beslutning i Teknik- og Miljøudvalget den 12-02-2025
Udsat.
Beslutning i Teknik- og Miljøudvalget den 05-03-2025
Indstillingen godkendt.
Bilag
1 Åben Kort over Skovvej
"""


def test_structure_pdf_minutes_front_page_toc_and_decisions():
    from ingest.structure import analyse

    st = analyse(MINUTES, "referat.pdf")
    assert len(st.meetings) == 1
    m = st.meetings[0]
    assert (m.body, m.date, m.time, m.place) == ("Teknik- og Miljøudvalget", 20250305, "16:00", "Mødesal 2, Rådhuset")
    assert m.participants == ("Anna Hansen (A) - formand", "Bo Jensen (V)") and m.absentees == ("Carl Olsen (F)",)
    assert [(it.number, it.title, it.case_number) for it in m.items] == [
        ("1", "Godkendelse af dagsorden", "2025-100"),
        ("2", "Cykelsti på Skovvej", "2025-200"),
    ]
    assert [it.decision for it in m.items] == ["Godkendt", "Indstillingen godkendt."]  # this meeting's decision
    assert st.kind == "minutes"


def test_structure_single_item_file_and_closed_title():
    from ingest.structure import analyse

    one = MINUTES[MINUTES.rindex("2. Cykelsti") :]  # a file holding one agenda item
    st = analyse(one.replace("den 12-02-2025", "den 05-03-2025"), "02.pdf")
    m = st.meetings[0]
    assert len(st.meetings) == 1 and [it.number for it in m.items] == ["2"]
    assert (m.body, m.date, st.title) == ("Teknik- og Miljøudvalget", 20250305, "Cykelsti på Skovvej")
    assert m.items[0].decision == "Indstillingen godkendt." and m.items[0].case_number == "2025-200"
    # decision headings with different dates: the meeting stays undated (nothing is guessed)
    assert analyse(one, "02.pdf").meetings[0].date is None
    closed = analyse(
        "Punkt 1: Godkendelse\nEMN-2025-000001\nBeslutninger\nGodkendt.\n\n"
        "Punkt 2: Lukket: Køb af ejendom\nEMN-2025-000002\nTilbagesendes med bemærkning.\n",
        "r.pdf",
    )
    items = closed.meetings[0].items
    assert items[0].decision == "Godkendt." and items[0].access == "public"
    assert items[1].access.startswith("closed")
    assert items[1].decision == "Tilbagesendes med bemærkning."

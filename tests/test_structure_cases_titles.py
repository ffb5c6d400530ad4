"""Case numbers with and without a colon, glued PDF text, and titles of OCR'ed documents (ingest.structure)."""

from __future__ import annotations

from pathlib import Path

import pytest

from byraad.dates import parse_danish_date
from byraad.text import body_key
from ingest.loaders import LoadedFile
from ingest.structure import Structure, analyse
from ingest.structure.document import clean_words
from ingest.structure.lines import CASE_LINE, find_case_numbers


@pytest.mark.parametrize(
    "line, want",
    [
        ("Sagsnr.: 2012-28504", ["2012-28504"]),
        ("Sagsnr. 27.00.00-A00-1-22", ["27.00.00-A00-1-22"]),  # no colon
        ("Sagsnr 27.00.00-A00-1-22", ["27.00.00-A00-1-22"]),
        ("Sagsnummer 2012-31114", ["2012-31114"]),
        ("Sagsnummer: 2012-31114", ["2012-31114"]),
        ("Sag nr. 12/27845", ["12/27845"]),
        ("Sags nr.: 12/27845", ["12/27845"]),
        ("J.nr. 82.02.00-P20-1-22", ["82.02.00-P20-1-22"]),
        ("J.nr.: 82.02.00-G01-3-12.", ["82.02.00-G01-3-12"]),  # the full stop ends the sentence
        ("Sagsnr.: 2012-31673Dok.nr.: 2012-203438", ["2012-31673"]),  # glued text from the Ballerup PDFs
        ("Sagsnr.: 2012-31673DOKUMENT", ["2012-31673"]),
        ("Sagsnr.: SAG-2024-00088", ["SAG-2024-00088"]),
        ("Sagsnr.: | 2012-100", ["2012-100"]),  # a table cell
        ("EMN-2025-003383", ["EMN-2025-003383"]),
        ("Punktet blev behandlet som sag nr. 5 på mødet.", []),  # running text: no case number
        ("Sag: Budget 2025", []),
        ("Bilagsnr.: 2012-1", []),
    ],
)
def test_case_numbers_on_lines(line: str, want: list[str]) -> None:
    assert find_case_numbers(line) == want


def test_case_line_with_and_without_colon() -> None:
    for line in (
        "Sagsnr.: 2012-28504",
        "Sagsnr. 27.00.00-A00-1-22",
        "Sag nr. 12/27845",
        "J.nr. 82.02.00-P20-1-22",
        "Sagsnummer 2012-31114",
        "Sagsnr.: 2012-31673Dok.nr.: 2012-203438",
    ):
        assert CASE_LINE.match(line), line
    for line in ("Sag nr. 5 blev udsat", "Sagsnr. og dato fremgår af bilaget", "Sagens forløb"):
        assert not CASE_LINE.match(line), line


ITEMS = """Referat
Teknik- og Miljøudvalget
onsdag den 5. marts 2025, kl. 16:00 i Mødesal 2

Tilstede
Anna Hansen (A) - formand

1. Godkendelse af dagsorden
Sagsnr. 27.00.00-A00-1-25
Beslutninger
Godkendt.

2. Cykelsti på Skovvej
Sagsnr.: 2025-200Dok.nr.: 2025-9999
Sammendrag
Der foreslås en cykelsti.
Beslutninger
Indstillingen godkendt.
"""


def test_items_take_case_numbers_without_colon_and_without_glued_text() -> None:
    st = analyse(ITEMS, "referat.pdf")
    (m,) = st.meetings
    assert (m.body, m.date, m.place) == ("Teknik- og Miljøudvalget", 20250305, "Mødesal 2")
    assert [(it.number, it.title, it.case_number) for it in m.items] == [
        ("1", "Godkendelse af dagsorden", "27.00.00-A00-1-25"),
        ("2", "Cykelsti på Skovvej", "2025-200"),
    ]
    assert [it.decision for it in m.items] == ["Godkendt.", "Indstillingen godkendt."]
    assert st.case_numbers == ("27.00.00-A00-1-25", "2025-200")


# The top of the scanned Ballerup building list as tesseract reads it (corpus-pdf #8).
OCR_TEXT = """bå BALLERUP Ejendomsoversigt 13-11-2012

WY Grupperet efter udvalg 117

Enhed Område Enhedsnavn Adresse Tlf. nr. Fax. nr. Afdeling Division Kultur- og Fritidsudvalget 031.001.01 Ballerup
Damgårdsparken Parkvej 9 44773088 44773087 Anne Hassing 031.001.02 Ballerup Hørhaven Hørhaven 13 44773088
"""
HINT = "ballerup bilag bygningsliste scannet 2012 11"


def test_ocr_garbled_heading_gives_way_to_the_file_name() -> None:
    assert analyse(OCR_TEXT, "scan.pdf", HINT, ocr=True).title == "Ballerup bilag bygningsliste scannet 2012 11"
    # the same line in a text layer is still taken as written (nothing changes for non-OCR text)
    assert analyse(OCR_TEXT, "scan.pdf", HINT).title == "WY Grupperet efter udvalg 117"


def test_ocr_clean_heading_is_kept() -> None:
    text = "Referat fra Økonomiudvalget\n\nMødedato 3. marts 2025\nMødested Rådhuset\n\n1. Godkendelse af dagsorden\nGodkendt.\n"
    st = analyse(text, "scan.pdf", "scan", ocr=True)
    assert st.title == "Referat fra Økonomiudvalget" and st.meetings[0].body == "Økonomiudvalget"


@pytest.mark.parametrize(
    "line, clean",
    [
        ("WY Grupperet efter udvalg 117", False),  # stray two-letter capitals
        ("Il ii | Bygningsliste", False),
        ("Bygningsl1ste og prioriteringssystem", False),  # a digit inside a word
        ("GrUppe Referat", False),  # capitals inside a word
        ("—— Referat", False),
        ("Evt.", False),  # no real word
        ("Bygningsliste og prioriteringssystem", True),
        ("Referat fra Økonomiudvalget", True),
        ("KL – Det nære sundhedsvæsen", True),
        ("REFERAT Aarhus Byråd d. 27-08-2025", True),
        ("Bilagsmateriale – §17, stk. 4-udvalget Nyt Byråd", True),
        ("Svar på forslag fra S, SF og V om Hasselager-Kolt", True),  # party letters in a list are words here
        ("Kvalitetsstandarder for behandling af stof- og alkoholmisbrug 2013", True),
    ],
)
def test_clean_words(line: str, clean: bool) -> None:
    assert clean_words(line) is clean


def test_parse_loaded_passes_the_ocr_flag_of_the_first_page(tmp_path: Path) -> None:
    from ingest.parse import parse_loaded

    path = tmp_path / "bygningsliste-scannet.pdf"
    path.write_bytes(b"%PDF-1.4 test")
    ocr_first = LoadedFile(OCR_TEXT, (0,), ("1",), "", {"ocr": True, "ocr_pages": "1"})
    text_layer = LoadedFile(OCR_TEXT, (0,), ("1",), "", {})
    assert parse_loaded(ocr_first, path, doc_id="x").title == "Bygningsliste scannet"
    assert parse_loaded(text_layer, path, doc_id="x").title == "WY Grupperet efter udvalg 117"


def test_public_names_stay_importable_from_ingest_structure() -> None:
    assert analyse("Notat\n\nTekst.\n", "n.txt", "hint").__class__ is Structure  # positional title_hint
    assert body_key("Social- og Beskæftigelsesudvalget") == "social-og-beskaeftigelsesudvalget"
    assert parse_danish_date("18. februar 2025") == 20250218

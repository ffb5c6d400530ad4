"""Old Word .doc files (antiword/catdoc) and OCR of PDF pages without a text layer (tesseract), end to end
through chunk metadata and citations."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from byraad.settings import Settings
from byraad.types import Hit
from ingest.loaders import ocr
from ingest.loaders import LOAD_ERROR_CODES, SUPPORTED_EXTENSIONS, LoadError, LoadOptions, load_file
from tests.badinput import text_pdf

SHARED = Path(__file__).resolve().parents[2] / "shared"
REAL_DOC = SHARED / "esdh/acadre-syddjurs-puk-2013-06-20/Files_1863_3687982/2531342E2.DOC"
SCANNED = SHARED / "corpus-pdf/ballerup-bilag-bygningsliste-scannet-2012-11.pdf"
DOC_PHRASE = "Godkendt af byrådet, Syddjurs Kommune den 30. april 2009"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_which = shutil.which

needs_real_doc = pytest.mark.skipif(not REAL_DOC.exists(), reason="shared ESDH .doc not available")
needs_doc_tool = pytest.mark.skipif(
    not (_which("antiword") or _which("catdoc")), reason="neither antiword nor catdoc installed (apt install antiword)"
)
needs_tesseract = pytest.mark.skipif(
    ocr.unavailable("dan") is not None, reason=f"no Danish OCR here: {ocr.unavailable('dan')}"
)
ON = LoadOptions(ocr=True, ocr_lang="dan")


def _hide(monkeypatch, *tools: str) -> None:
    """Make shutil.which report `tools` as not installed (everywhere: the modules call shutil.which)."""
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None if name in tools else _which(name, *a, **k))


# ---------------------------------------------------------------- .doc


def test_doc_is_supported_and_needs_tool_is_a_code() -> None:
    assert ".doc" in SUPPORTED_EXTENSIONS and "needs_tool" in LOAD_ERROR_CODES


@needs_real_doc
@needs_doc_tool
def test_real_doc_windows_1252_keeps_danish() -> None:
    lf = load_file(REAL_DOC)
    assert DOC_PHRASE in lf.raw_text
    assert "Børnekultur" in lf.raw_text and "Nærværende politik" in lf.raw_text
    assert not any(bad in lf.raw_text for bad in ("Ã", "\ufffd", "[pic]", "\r"))
    assert lf.meta["format"] == "doc" and lf.page_starts == (0,)


@needs_real_doc
@pytest.mark.skipif(not _which("catdoc"), reason="catdoc not installed")
def test_catdoc_is_the_fallback(monkeypatch) -> None:
    _hide(monkeypatch, "antiword")
    lf = load_file(REAL_DOC)
    assert lf.meta["doc_tool"] == "catdoc" and DOC_PHRASE in lf.raw_text


@needs_real_doc
@needs_doc_tool
def test_docx_that_is_really_a_doc_is_read_as_doc(tmp_path: Path) -> None:
    p = tmp_path / "bilag.docx"
    p.write_bytes(REAL_DOC.read_bytes())
    lf = load_file(p)
    assert lf.meta["format"] == "doc" and DOC_PHRASE in lf.raw_text


def test_doc_that_is_really_a_docx_is_read_as_docx(tmp_path: Path) -> None:
    from docx import Document

    d = Document()
    d.add_paragraph("Byrådet godkendte æøå-sagen.")
    p = tmp_path / "omdøbt.doc"
    d.save(p)
    lf = load_file(p)
    assert lf.meta["format"] == "docx" and "Byrådet godkendte æøå-sagen." in lf.raw_text


@needs_doc_tool
@pytest.mark.parametrize("data", [OLE + b"\x00" * 504, OLE + bytes(range(256)) * 40, b"bare tekst, ikke Word"])
def test_corrupt_doc(tmp_path: Path, data: bytes) -> None:
    p = tmp_path / "skadet.doc"
    p.write_bytes(data)
    with pytest.raises(LoadError) as e:
        load_file(p)
    assert e.value.code == "corrupt" and "\n" not in str(e.value)


@needs_real_doc
@needs_doc_tool
def test_truncated_real_doc_is_corrupt(tmp_path: Path) -> None:
    p = tmp_path / "halv.doc"
    p.write_bytes(REAL_DOC.read_bytes()[:60_000])
    with pytest.raises(LoadError) as e:
        load_file(p)
    assert e.value.code == "corrupt"


def test_doc_without_any_tool_says_what_to_install(tmp_path: Path, monkeypatch) -> None:
    _hide(monkeypatch, "antiword", "catdoc")
    p = tmp_path / "gammel.doc"
    p.write_bytes(OLE + b"\x00" * 504)
    with pytest.raises(LoadError) as e:
        load_file(p)
    assert e.value.code == "needs_tool"
    assert "antiword" in str(e.value) and "\n" not in str(e.value)


# ---------------------------------------------------------------- OCR helpers


def _font(size: int):
    from PIL import ImageFont

    for f in (
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    ):
        if Path(f).exists():
            return ImageFont.truetype(f, size), True
    return ImageFont.load_default(size=size), False  # Pillow's own font has no æøå


SCAN_LINES = [
    "Referat af mødet i Teknik- og Miljøudvalget",
    "Udvalget godkendte budgettet for",
    "Skovlunde Bibliotek og Måløv Idrætspark.",
    "Beslutning: Godkendt.",
]
TEXT_PAGE = (
    "Dagsorden for Teknik- og Miljoeudvalget. Punkt 1 handler om vejbelysning i Ballerup. "
    "Forvaltningen indstiller, at udvalget godkender planen. "
) * 3


def _scan_image(lines: list[str]):
    from PIL import Image, ImageDraw

    font, _ = _font(44)
    img = Image.new("L", (1700, 2200), 255)  # A4 at 200 dpi
    draw = ImageDraw.Draw(img)
    for i, line in enumerate(lines):
        draw.text((150, 200 + i * 80), line, fill=0, font=font)
    return img


def _mixed_pdf(path: Path) -> Path:
    """Page 1 has a text layer, page 2 is only a 'scanned' image of Danish text."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 6, text=TEXT_PAGE)
    pdf.add_page()
    pdf.image(_scan_image(SCAN_LINES), x=0, y=0, w=210, h=297)
    path.write_bytes(bytes(pdf.output()))
    return path


def _page_text(lf, i: int) -> str:
    return ocr.split_pages(lf)[i]


# ---------------------------------------------------------------- OCR


def test_unavailable_names_the_package(monkeypatch) -> None:
    _hide(monkeypatch, "tesseract")
    assert "tesseract-ocr-dan" in ocr.unavailable("dan")
    monkeypatch.undo()
    assert "invalid" in ocr.unavailable("dan; rm -rf /")
    if _which("tesseract"):
        assert "tesseract-ocr-klingon" in ocr.unavailable("dan+klingon")


@needs_tesseract
def test_only_the_image_page_is_ocred_and_marked(tmp_path: Path, monkeypatch) -> None:
    asked: list[list[int]] = []
    real = ocr.ocr_pages

    def spy(reader, idx, *a, **k):
        asked.append(list(idx))
        return real(reader, idx, *a, **k)

    monkeypatch.setattr(ocr, "ocr_pages", spy)
    lf = load_file(_mixed_pdf(tmp_path / "delvist-scannet.pdf"), opts=ON)
    assert asked == [[1]]
    assert lf.meta["ocr"] is True and lf.meta["ocr_pages"] == "2" and lf.meta["empty_pages"] == 0
    assert "OCR på 1 side" in lf.warnings
    assert not any("intet tekstlag" in w for w in lf.warnings)
    assert "vejbelysning i Ballerup" in _page_text(lf, 0)
    scanned = _page_text(lf, 1)
    for word in ("Udvalget", "godkendte", "budgettet", "Skovlunde", "Bibliotek", "Beslutning"):
        assert word in scanned, (word, scanned)
    if _font(10)[1]:
        assert "Måløv" in scanned and "mødet" in scanned


@needs_tesseract
def test_sideways_scan_is_turned_upright(tmp_path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.image(_scan_image(SCAN_LINES).rotate(90, expand=True), x=0, y=0, w=210, h=297)
    p = tmp_path / "skaevt-scannet.pdf"
    p.write_bytes(bytes(pdf.output()))
    lf = load_file(p, opts=ON)
    assert lf.meta["ocr_pages"] == "1"
    assert "Udvalget godkendte budgettet for" in lf.raw_text, lf.raw_text


@needs_tesseract
def test_photo_page_is_not_ocred(tmp_path: Path, monkeypatch) -> None:
    from fpdf import FPDF
    from PIL import Image

    photo = Image.radial_gradient("L").resize((800, 1100))  # grey levels spread out, like a photo
    assert not ocr.looks_like_paper(photo) and ocr.looks_like_paper(_scan_image(SCAN_LINES))
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 6, text=TEXT_PAGE)
    pdf.add_page()
    pdf.image(photo, x=0, y=0, w=210, h=297)
    p = tmp_path / "rapport-med-foto.pdf"
    p.write_bytes(bytes(pdf.output()))

    def no_tesseract(*a, **k):
        raise AssertionError("a photo must not be sent to tesseract")

    monkeypatch.setattr(ocr, "_tesseract", no_tesseract)
    lf = load_file(p, opts=ON)
    assert "ocr" not in lf.meta and lf.meta["empty_pages"] == 1
    assert any("1 uden tekst i billedet" in w for w in lf.warnings), lf.warnings
    assert not any(w.startswith("side 2") for w in lf.warnings)  # a photo is normal, not a problem


def test_ocr_disabled_or_missing_keeps_needs_ocr(tmp_path: Path, monkeypatch) -> None:
    from tests.badinput import image_only_pdf

    p = tmp_path / "scannet.pdf"
    p.write_bytes(image_only_pdf(2))
    with pytest.raises(LoadError) as e:
        load_file(p)  # no options: OCR is off
    assert e.value.code == "needs_ocr" and "enable" in str(e.value)
    _hide(monkeypatch, "tesseract")
    with pytest.raises(LoadError) as e:
        load_file(p, opts=ON)
    assert e.value.code == "needs_ocr" and "tesseract-ocr-dan" in str(e.value) and "\n" not in str(e.value)


def test_partly_scanned_without_ocr_loads_with_a_warning(tmp_path: Path) -> None:
    p = tmp_path / "delvist.pdf"
    p.write_bytes(text_pdf(["Byrådet side 1.", "", "Byrådet side 3."]))
    lf = load_file(p, opts=LoadOptions(ocr=False))
    assert "ocr" not in lf.meta and lf.meta["empty_pages"] == 1
    assert any(w.startswith("no OCR: OCR is turned off") for w in lf.warnings)


@needs_tesseract
def test_scan_without_readable_text_stays_needs_ocr(tmp_path: Path) -> None:
    from tests.badinput import image_only_pdf

    p = tmp_path / "streg.pdf"
    p.write_bytes(image_only_pdf(1))  # a tiny image with one line: too small to be a scan
    with pytest.raises(LoadError) as e:
        load_file(p, opts=ON)
    assert e.value.code == "needs_ocr" and "OCR found no text" in str(e.value)


@needs_tesseract
@pytest.mark.skipif(not SCANNED.exists(), reason="shared scanned PDF not available")
def test_real_scanned_bygningsliste_first_page(monkeypatch) -> None:
    monkeypatch.setattr(ocr, "MAX_PAGES_PER_FILE", 1)  # one page keeps the test fast
    lf = load_file(SCANNED, opts=ON)
    assert lf.meta["ocr_pages"] == "1" and lf.meta["empty_pages"] == 7 and len(lf.page_starts) == 8
    assert "OCR på 1 side" in lf.warnings
    assert any("7 ikke forsøgt" in w for w in lf.warnings), lf.warnings
    page = _page_text(lf, 0)
    for word in (
        "Ejendomsoversigt",
        "Kultur- og Fritidsudvalget",
        "Damgårdsparken",
        "Hørhaven",
        "Måløv Idrætspark",
        "Ballerup Bibliotek",
    ):
        assert word in page, word
    assert not _page_text(lf, 1).strip()


# ---------------------------------------------------------------- chunks and citations


@needs_tesseract
def test_ocr_flag_reaches_chunks_and_citations(tmp_path: Path) -> None:
    from assistant.citations import make_citation
    from ingest.chunking import chunk_document
    from ingest.parse import parse_file

    doc = parse_file(_mixed_pdf(tmp_path / "blandet.pdf"), opts=ON)
    assert doc.meta["ocr_pages"] == "2"
    chunks, _ = chunk_document(doc, Settings(chunk_tokens=40, chunk_overlap=0))
    by_page = {(c.meta["page_start"], c.meta["page_end"]): c for c in chunks}
    assert any(c.meta.get("ocr") is True for c in chunks)
    for c in chunks:
        assert (c.meta.get("ocr") is True) == (c.meta["page_end"] == 2), c.meta
    only_text = [c for (a, b), c in by_page.items() if b == 1]
    assert only_text, "page 1 should have a chunk of its own"
    scanned = next(c for c in chunks if c.meta.get("ocr"))
    assert make_citation(1, Hit(chunk=scanned, score=1.0)).ocr is True
    assert make_citation(2, Hit(chunk=only_text[0], score=1.0)).ocr is False


def test_citation_takes_case_number_from_meta() -> None:
    from assistant.citations import make_citation
    from byraad.types import Chunk

    meta = {"title": "Referat", "path": "r.pdf", "page_start": 1, "page_end": 1, "case_number": "01.02.03-P20-1-24"}
    c = make_citation(1, Hit(chunk=Chunk("c1", "d1", "Tekst.", "Tekst.", meta), score=1.0))
    assert c.case_number == "01.02.03-P20-1-24" and c.ocr is False

"""Tests for ingest.loaders: every format, page offsets and labels, and every bad-input kind."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from ingest.loaders import PAGE_JOIN, SUPPORTED_EXTENSIONS, LoadedFile, LoadError, load_file
from tests.badinput import DANISH, encrypted_pdf, text_pdf, write_bad_inputs


def _page(lf: LoadedFile, i: int) -> str:
    """Text of page i (0-based) according to page_starts."""
    end = lf.page_starts[i + 1] - len(PAGE_JOIN) if i + 1 < len(lf.page_starts) else len(lf.raw_text)
    return lf.raw_text[lf.page_starts[i] : end]


# ---------------------------------------------------------------- TXT / MD


def test_txt_utf8_keeps_danish_and_normalises_newlines(tmp_path: Path) -> None:
    p = tmp_path / "referat.txt"
    p.write_bytes("Referat fra Byrådet\r\nMødested Rådhuset, ØKONOMI æøå ÆØÅ\r\n".encode("utf-8"))
    lf = load_file(p)
    assert lf.raw_text == "Referat fra Byrådet\nMødested Rådhuset, ØKONOMI æøå ÆØÅ\n"
    assert lf.meta["format"] == "txt" and lf.meta["encoding"] == "utf-8"
    assert lf.page_starts == (0,) and lf.page_labels == ("1",)
    assert lf.title == "" and lf.warnings == ()


def test_txt_bom_is_stripped(tmp_path: Path) -> None:
    p = tmp_path / "bom.txt"
    p.write_bytes(b"\xef\xbb\xbf" + "Ærø Kommune".encode("utf-8"))
    lf = load_file(p)
    assert lf.raw_text == "Ærø Kommune"
    assert lf.meta["encoding"] == "utf-8-sig"


def test_txt_utf16_with_bom(tmp_path: Path) -> None:
    p = tmp_path / "notepad.txt"
    p.write_bytes("Åbent møde i Byrådet".encode("utf-16"))
    assert load_file(p).raw_text == "Åbent møde i Byrådet"


def test_txt_nfd_is_normalised_to_nfc(tmp_path: Path) -> None:
    p = tmp_path / "mac.txt"
    p.write_text("Ba\u030aret", encoding="utf-8")  # "Båret" with a combining ring
    assert load_file(p).raw_text == "Båret"


def test_txt_form_feeds_are_true_pages(tmp_path: Path) -> None:
    p = tmp_path / "pdftotext.txt"
    p.write_text("side et\n\fside to\n\f side tre\n\f", encoding="utf-8")
    lf = load_file(p)
    assert lf.page_starts == (0, 9, 18)  # the trailing form feed opens no empty page
    assert lf.raw_text[lf.page_starts[1] :].startswith("side to")
    assert lf.raw_text[lf.page_starts[2] :].startswith(" side tre")
    assert lf.page_labels == ("1", "2", "3")
    assert lf.meta["pages_approximate"] is False


def test_txt_single_space_lines_are_approximate_page_starts(tmp_path: Path) -> None:
    text = (
        "Punkt 1: Godkendelse af dagsorden\nGodkendt.\n"
        " Punkt 2: Budget 2025\nTekst\n"
        "  indrykket to mellemrum er ikke en side\n"
        "\tTab er heller ikke\n"
        " Punkt 3: Eventuelt\nIntet.\n"
    )
    p = tmp_path / "eksport.txt"
    p.write_text(text, encoding="utf-8")
    lf = load_file(p)
    assert [text[s:].split("\n")[0] for s in lf.page_starts] == [
        "Punkt 1: Godkendelse af dagsorden",
        " Punkt 2: Budget 2025",
        " Punkt 3: Eventuelt",
    ]
    assert lf.meta["pages_approximate"] is True and lf.meta["page_count"] == 3


def test_txt_marker_on_first_line_is_page_one(tmp_path: Path) -> None:
    p = tmp_path / "r.txt"
    p.write_text(" Referat\nPunkt 1\n Referat\nPunkt 1\n", encoding="utf-8")
    lf = load_file(p)
    assert lf.page_starts == (0, 17)


def test_markdown_title_and_one_page(tmp_path: Path) -> None:
    p = tmp_path / "haandbog.md"
    p.write_text(
        "```\n# ikke en overskrift\n```\nIndledning\n\n# Håndbog for Byrådet #\n\n"
        " Linje med ét mellemrum\n## Møder\n\fmere\n",
        encoding="utf-8",
    )
    lf = load_file(p)
    assert lf.title == "Håndbog for Byrådet"
    assert lf.page_starts == (0,) and lf.meta["format"] == "markdown"
    assert lf.meta["pages_approximate"] is False


def test_markdown_extension_variants(tmp_path: Path) -> None:
    p = tmp_path / "NOTE.Markdown"
    p.write_text("Ingen overskrift her", encoding="utf-8")
    lf = load_file(p)
    assert lf.title == "" and lf.meta["format"] == "markdown"


# ---------------------------------------------------------------- PDF


def _labelled_pdf() -> bytes:
    from pypdf import PdfReader, PdfWriter

    raw = text_pdf(
        ["Indholdsfortegnelse Rådhuset", "Referat fra Byrådet: æøå ÆØÅ", "Beslutning: Godkendt med 7 stemmer"],
        title="Referat fra Byrådet 14. marts 2024",
    )
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(raw)))
    writer.set_page_label(0, 0, style="/r")
    writer.set_page_label(1, 2, style="/D", start=1)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def test_pdf_pages_labels_title_and_date(tmp_path: Path) -> None:
    p = tmp_path / "referat.pdf"
    p.write_bytes(_labelled_pdf())
    lf = load_file(p)
    assert lf.page_labels == ("i", "1", "2")
    assert len(lf.page_starts) == 3 and lf.page_starts[0] == 0
    assert "Indholdsfortegnelse" in _page(lf, 0)
    assert "Referat fra Byrådet: æøå ÆØÅ" in _page(lf, 1)
    assert "Godkendt med 7 stemmer" in _page(lf, 2) and "æøå" not in _page(lf, 2)
    assert lf.raw_text.count("\f") == 2
    assert lf.title == "Referat fra Byrådet 14. marts 2024"
    assert lf.meta["format"] == "pdf" and lf.meta["page_count"] == 3
    assert lf.meta["pdf_created"] == 20240314
    assert lf.meta["empty_pages"] == 0 and lf.warnings == ()


def test_pdf_without_labels_uses_numbers(tmp_path: Path) -> None:
    p = tmp_path / "plain.pdf"
    p.write_bytes(text_pdf(["a side", "b side"]))
    lf = load_file(p)
    assert lf.page_labels == ("1", "2") and lf.title == ""


def test_pdf_some_pages_without_text_keep_numbering(tmp_path: Path) -> None:
    p = tmp_path / "delvis.pdf"
    p.write_bytes(text_pdf(["første side", "", "tredje side", ""]))
    lf = load_file(p)
    assert len(lf.page_starts) == 4
    assert _page(lf, 1).strip() == "" and "tredje" in _page(lf, 2)
    assert lf.meta["empty_pages"] == 2
    assert any("2 af 4 sider har intet tekstlag" in w for w in lf.warnings)


def test_pdf_encrypted_with_empty_user_password_opens(tmp_path: Path) -> None:
    p = tmp_path / "kun-ejer.pdf"
    p.write_bytes(encrypted_pdf(user_password=""))
    assert "æøå" in load_file(p).raw_text


def test_pdf_header_after_leading_junk_is_accepted(tmp_path: Path) -> None:
    p = tmp_path / "prefix.pdf"
    p.write_bytes(b"\r\n  " + text_pdf([DANISH]))
    assert DANISH in load_file(p).raw_text


def test_pdf_noise_goes_to_warnings_not_stderr(tmp_path: Path, capsys, caplog) -> None:
    p = tmp_path / "skaev.pdf"
    p.write_bytes(re.sub(rb"startxref\n\d+", b"startxref\n12", text_pdf([DANISH])))
    lf = load_file(p)
    assert DANISH in lf.raw_text
    assert any(w.startswith("pypdf:") for w in lf.warnings)
    assert capsys.readouterr().err == ""
    assert not [r for r in caplog.records if r.name.startswith("pypdf")]


# ---------------------------------------------------------------- DOCX


def _docx(path: Path) -> None:
    from docx import Document

    doc = Document()
    doc.core_properties.title = "Dagsorden for Børne- og Skoleudvalget"
    doc.add_heading("Dagsorden", level=0)  # style "Title"
    doc.add_paragraph("Mødested Rådhuset, mødelokale 2 – æøå ÆØÅ")
    doc.add_heading("Punkt 1: Godkendelse af dagsorden", level=1)
    doc.add_paragraph("")  # empty paragraphs are dropped
    table = doc.add_table(rows=2, cols=3)
    for r, row in enumerate([("Skole", "Elever", "Beløb"), ("Ålykkeskolen", "412", "1,2 mio. kr.")]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    doc.add_heading("Punkt 2: Skolestruktur", level=2)
    doc.add_paragraph("Første punktopstilling", style="List Bullet")
    doc.save(path)


def test_docx_order_headings_tables_title(tmp_path: Path) -> None:
    p = tmp_path / "dagsorden.docx"
    _docx(p)
    lf = load_file(p)
    assert lf.title == "Dagsorden for Børne- og Skoleudvalget"
    lines = [ln for ln in lf.raw_text.split("\n") if ln]
    assert lines == [
        "# Dagsorden",
        "Mødested Rådhuset, mødelokale 2 – æøå ÆØÅ",
        "# Punkt 1: Godkendelse af dagsorden",
        "Skole | Elever | Beløb",
        "Ålykkeskolen | 412 | 1,2 mio. kr.",
        "## Punkt 2: Skolestruktur",
        "- Første punktopstilling",
    ]
    assert lf.meta["format"] == "docx" and lf.page_starts == (0,) and lf.page_labels == ("1",)


def test_docx_merged_cells_not_repeated(tmp_path: Path) -> None:
    from docx import Document

    doc = Document()
    t = doc.add_table(rows=1, cols=3)
    t.cell(0, 0).merge(t.cell(0, 1)).text = "Flettet"
    t.cell(0, 2).text = "Enkelt"
    p = tmp_path / "flet.docx"
    doc.save(p)
    assert load_file(p).raw_text == "Flettet | Enkelt"


def test_docx_without_text_is_empty(tmp_path: Path) -> None:
    from docx import Document

    p = tmp_path / "tom.docx"
    Document().save(p)
    with pytest.raises(LoadError) as e:
        load_file(p)
    assert e.value.code == "empty"


def test_encrypted_docx_container(tmp_path: Path) -> None:
    p = tmp_path / "kode.docx"
    p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64 + "EncryptedPackage".encode("utf-16-le"))
    with pytest.raises(LoadError) as e:
        load_file(p)
    assert e.value.code == "encrypted"


# ---------------------------------------------------------------- bad inputs


def test_every_bad_input_gives_its_code(tmp_path: Path) -> None:
    expected = write_bad_inputs(tmp_path)
    assert {"corrupt.pdf", "encrypted.pdf", "empty.txt", "junk.pdf", "scanned.pdf", "latin1.txt", "notes.xyz"} <= set(
        expected
    )
    for name, code in expected.items():
        if code is None:
            lf = load_file(tmp_path / name)
            assert lf.raw_text.strip() and lf.warnings, name
            continue
        with pytest.raises(LoadError) as e:
            load_file(tmp_path / name)
        assert e.value.code == code, (name, e.value.code, str(e.value))
        msg = str(e.value)
        assert msg and "\n" not in msg and "Traceback" not in msg, name


def test_latin1_text_is_decoded(tmp_path: Path) -> None:
    write_bad_inputs(tmp_path)
    lf = load_file(tmp_path / "latin1.txt")
    assert DANISH in lf.raw_text and "Byrådet" in lf.raw_text
    assert lf.meta["encoding"] == "cp1252"
    assert any("Windows-1252" in w for w in lf.warnings)


def test_scanned_pdf_message(tmp_path: Path) -> None:
    write_bad_inputs(tmp_path)
    with pytest.raises(LoadError) as e:
        load_file(tmp_path / "scanned.pdf")
    assert str(e.value).startswith("scanned PDF without a text layer: needs OCR")
    assert e.value.code == "needs_ocr"


def test_too_large_is_checked_before_reading(tmp_path: Path, monkeypatch) -> None:
    expected = write_bad_inputs(tmp_path, huge_bytes=3000)
    assert expected["huge.txt"] == "too_large"

    def no_read(self):  # the size check must happen before any read
        raise AssertionError("file was read")

    monkeypatch.setattr(Path, "read_bytes", no_read)
    with pytest.raises(LoadError) as e:
        load_file(tmp_path / "huge.txt", max_bytes=1000)
    assert e.value.code == "too_large"
    monkeypatch.undo()
    assert load_file(tmp_path / "huge.txt", max_bytes=3000).raw_text.startswith(DANISH)


def test_mostly_control_characters_is_corrupt(tmp_path: Path) -> None:
    p = tmp_path / "styretegn.txt"
    p.write_bytes(bytes(range(1, 9)) * 50 + b"lidt tekst")
    with pytest.raises(LoadError) as e:
        load_file(p)
    assert e.value.code == "corrupt"


def test_unsupported_and_doc(tmp_path: Path) -> None:
    for name in ("billede.png", "README"):
        (tmp_path / name).write_bytes(b"x")
        with pytest.raises(LoadError) as e:
            load_file(tmp_path / name)
        assert e.value.code == "unsupported"
    assert ".docx" in SUPPORTED_EXTENSIONS and ".doc" in SUPPORTED_EXTENSIONS


def test_uppercase_extension_is_supported(tmp_path: Path) -> None:
    p = tmp_path / "REFERAT.TXT"
    p.write_text("Byrådet", encoding="utf-8")
    assert load_file(p).raw_text == "Byrådet"

"""Chunking of long tables (ingest.chunking): a table split over several chunks repeats its caption and header
row in each later chunk's header / embed_text, while `text` stays the exact source span."""

from __future__ import annotations

from pathlib import Path

import pytest

from byraad.settings import Settings
from ingest.chunking import _tables, chunk_document
from ingest.parse import parse_file

CAPTION = "Tabel 3. Anlægsprojekter 2025"
HEAD = "Projekt | Afdeling | Beløb"


def _doc(tmp_path: Path, body: str):
    f = tmp_path / "notat-anlaeg.txt"
    f.write_text(body, encoding="utf-8")
    return parse_file(f)


def _chunks(doc, tokens: int = 80):
    return chunk_document(doc, Settings(chunk_tokens=tokens, chunk_overlap=0))[0]


def _table_doc(rows: int = 40) -> str:
    lines = [f"Projekt {i} om vej og sti ved skolen | Teknik og Miljø | {i * 100} mio. kr." for i in range(1, rows + 1)]
    return (
        "Notat om anlægsprojekter\n\nForvaltningen giver her et overblik over årets anlægsprojekter og "
        "deres budget, som udvalget bad om på sidste møde.\n\n"
        f"{CAPTION}\n{HEAD}\n"
        + "\n".join(lines)
        + "\n\nAfslutning\n\nForvaltningen følger op på projekterne i næste kvartal og orienterer udvalget.\n"
    )


@pytest.fixture()
def table_doc(tmp_path):
    return _doc(tmp_path, _table_doc())


def test_later_table_chunks_repeat_caption_and_header_row(table_doc):
    chunks = _chunks(table_doc)
    rows = [c for c in chunks if " | " in c.text]
    assert len(rows) >= 3  # the table really is split
    first, later = rows[0], rows[1:]
    assert CAPTION in first.text and HEAD in first.text and "(fortsat)" not in first.meta["header"]
    for c in later:
        assert CAPTION not in c.text and not c.text.startswith(HEAD)
        assert c.meta["header"].endswith(f"\n{CAPTION} (fortsat)\n{HEAD}")
        assert c.embed_text == f"{c.meta['header']}\n{c.text}"
    for c in chunks:  # text is the exact source span (citations, offsets)
        assert table_doc.text[c.meta["char_start"] : c.meta["char_end"]] == c.text
        if " | " not in c.text:
            assert "\n" not in c.meta["header"]  # prose before/after the table gets no table context


def test_a_table_that_fits_one_chunk_gets_no_context(tmp_path):
    doc = _doc(tmp_path, _table_doc(rows=3))
    chunks = _chunks(doc, tokens=350)
    assert len(chunks) == 1 and "\n" not in chunks[0].meta["header"]


def test_data_first_row_is_no_header_and_each_table_keeps_its_own_caption(tmp_path):
    a = [f"{2000 + i} | {i * 3},5 | {i * 7}" for i in range(25)]  # no header row: data from row 1
    b = [f"Skole {i} i Nordbyen | {i * 11} elever" for i in range(25)]
    doc = _doc(
        tmp_path,
        "Nøgletal\n\nTabel 1. Udgifter pr. år\n"
        + "\n".join(a)
        + "\n\nTabel 2. Elevtal\nSkole | Elever\n"
        + "\n".join(b)
        + "\n",
    )
    chunks = _chunks(doc, tokens=60)
    heads = {c.text.split("\n")[0]: c.meta["header"] for c in chunks}
    cont_a = [h for t, h in heads.items() if t[:4].isdigit() and t != a[0]]
    cont_b = [h for t, h in heads.items() if t.startswith("Skole ") and t != b[0] and "Tabel 2" not in t]
    assert cont_a and all(h.endswith("\nTabel 1. Udgifter pr. år (fortsat)") for h in cont_a)  # caption only
    assert cont_b and all(h.endswith("\nTabel 2. Elevtal (fortsat)\nSkole | Elever") for h in cont_b)


def test_a_row_broken_up_by_the_extraction_does_not_end_the_table():
    # "Sager på vej" (corpus-pdf #2): one row's cells came out as separate paragraphs between the rows.
    seg = (
        "Færdigbehandlede sager i 2024\nSag | Afd. | Vedtaget\nSvar på forslag | Sekretariatet | Vedtaget\n\n"
        "Forslag fra S, KF og SF om hjemmebesøg\n\nSekretariatet Vedtaget. Byrådet 4. december\n"
        "Danmarkskort | Borgervelfærd | Vedtaget\n\nFærdigbehandlede sager i 2023\nSag | Afd. | Vedtaget\n"
        "Nordea-fonden | Sundhed | Vedtaget\n"
    )
    tables = _tables(seg)
    assert [(t.caption, t.head) for t in tables] == [
        ("Færdigbehandlede sager i 2024", "Sag | Afd. | Vedtaget"),
        ("Færdigbehandlede sager i 2023", "Sag | Afd. | Vedtaget"),
    ]
    assert seg[tables[0].start : tables[0].end].endswith("Danmarkskort | Borgervelfærd | Vedtaget")

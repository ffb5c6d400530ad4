"""The source panel behind [n]: the cited sentence marked exactly once in a context without repeated text, the
facts naming the source, and the access-checked link to the original file."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from byraad.types import Chunk
from vectorstore.index import stitch
from ui import files, render


def _chunk(cid: str, doc_text: str, start: int, end: int, **meta) -> Chunk:
    return Chunk(cid, "d", doc_text[start:end], "x", {"char_start": start, "char_end": end, **meta})


DOC = (
    "Derfor har vi brug for ståsteder og holdepunkter.\n\nPublikationen Aarhuskompasset er derfor, som titlen "
    "antyder, et forsøg på at sætte en retning for en ny kurs. Kompasset er skabt på baggrund af samtaler.\n\n"
    "På baggrund af de mange samtaler har Tænketanken identificeret fire nye veje."
)


def test_stitch_shows_overlapping_chunks_once_and_locates_the_focus():
    a = _chunk("a", DOC, 0, 120)
    b_end = DOC.index("samtaler.") + len("samtaler.")
    b = _chunk("b", DOC, 52, b_end)  # overlaps a by 68 characters
    c = _chunk("c", DOC, DOC.index("På baggrund"), len(DOC))  # the blank line between them is in no chunk
    text, span = stitch([c, a, b], "b")
    assert text.count("Derfor har vi brug") == 1 and text.count("Publikationen Aarhuskompasset") == 1
    assert text[span[0] : span[1]] == b.text
    assert "fire nye veje." in text and text.replace("\n", "") == DOC.replace("\n", "")
    assert stitch([a], "zz") == (a.text, (0, 0))


@pytest.mark.parametrize(
    "context",
    [
        # blank lines, hyphenation and a page break inside or around the sentence change nothing
        "Indledning.\n\nPublikationen Aarhuskompasset er derfor, som titlen antyder, et forsøg på at sætte en retning "
        "for en ny kurs. Næste sætning.",
        "Indledning.\n\nPublikationen Aarhuskompasset er derfor, som tit-\nlen antyder, et forsøg på at sætte en "
        "retning\n\nfor en ny kurs. Næste sætning.",
        "Indledning.\n\nPublikationen Aarhus-\nkompasset er derfor, som titlen antyder,\n\x0c\net forsøg på at sætte en "
        "retning for en ny kurs.\n\nNæste sætning.",
    ],
)
def test_the_cited_sentence_is_marked_exactly_once(context):
    sent = (
        "Publikationen Aarhuskompasset er derfor, som titlen antyder, et forsøg på at sætte en retning for en ny kurs."
    )
    answer = f"Ifølge rapporten «Aarhuskompasset»:\n{sent[:-1]} [1]. Noget andet [2]."
    sentences = render.citing_sentences(answer, 1)
    assert sentences == [sent]
    spans = render.mark_spans(context, sentences)
    assert len(spans) == 1
    marked = context[spans[0][0] : spans[0][1]]
    # The mark covers the sentence, nothing before or after it (hyphen-joined words compared without the break).
    norm = lambda t: " ".join(re.sub(r"-\s*\n\s*", "", t).split())  # noqa: E731
    assert norm(marked).replace("Aarhus-kompasset", "Aarhuskompasset") == sent
    panel, found = render.source_panel_html(
        {"key": 1, "context": context, "title": "Aarhuskompasset", "kind": "report"}, "kilde-0-1", sentences, None
    )
    assert found and panel.count("<mark") == 1 and panel.count("Publikationen") == 1
    assert '<mark class="byraad-mark" id="kilde-0-1">' in panel


def test_a_repeated_sentence_is_marked_in_the_cited_passage_only():
    ctx = "Godkendt.\n\nPunkt 5: Vandløb\nUdvalget drøftede sagen.\nGodkendt.\n\nPunkt 6: Eventuelt\nGodkendt."
    region = (ctx.index("Punkt 5"), ctx.index("Punkt 6"))
    answer = "- 14. marts 2024, Teknik- og Miljøudvalget, punkt 5 (Vandløb): Godkendt [1]."
    spans = render.mark_spans(ctx, render.citing_sentences(answer, 1), region)
    assert spans == [(ctx.index("Godkendt.", region[0]), ctx.index("Godkendt.", region[0]) + len("Godkendt."))]


def test_a_paraphrase_marks_the_closest_source_sentence_and_unrelated_text_marks_nothing():
    ctx = "Byrådet mødes hver måned. Anlægsudgiften er 5,1 mio. kr., heraf 1,5 mio. kr. i tilskud. Slut."
    spans = render.mark_spans(ctx, ["Cykelstien koster 5,1 mio. kr. i anlægsudgift, heraf 1,5 mio. kr. i tilskud."])
    assert [ctx[s:e] for s, e in spans] == ["Anlægsudgiften er 5,1 mio. kr., heraf 1,5 mio. kr. i tilskud."]
    assert render.mark_spans(ctx, ["Vinterbadning ved havnen er populær."]) == []


def test_citing_sentences_split_before_a_quoted_sentence():
    text = (
        "Aarhus Kommune samlede en slags mini-Aarhus, der skulle svare på spørgsmålet [1]. “Aarhus Kommune har "
        "indgået et samarbejde med Aarhus Universitet [2]. Aarhuskompasset oversætter rammen [1, 2]."
    )
    assert render.citing_sentences(text, 1) == [
        "Aarhus Kommune samlede en slags mini-Aarhus, der skulle svare på spørgsmålet.",
        "Aarhuskompasset oversætter rammen.",
    ]
    assert render.citing_sentences(text, 2) == [
        "“Aarhus Kommune har indgået et samarbejde med Aarhus Universitet.",
        "Aarhuskompasset oversætter rammen.",
    ]


def test_panel_names_document_meeting_item_page_and_escapes_text():
    c = {
        "key": 2,
        "title": "Referat <b>",
        "path": "r.pdf",
        "pages": "3",
        "body": "Byrådet",
        "meeting_date": 20240425,
        "item_no": "3",
        "item_title": "Skoler ..... 4",
        "case_number": "SAG-1",
        "kind": "minutes",
        "context": "Før ![x](http://127.0.0.1:9/x.png) <script>x</script>. Byrådet vedtog planen. Efter.",
    }
    panel, found = render.source_panel_html(
        c, "k-2", ["Byrådet vedtog planen."], {"url": "/original/t#page=3", "label": "Åbn originalen (PDF, side 3)"}
    )
    assert found
    for fact in (
        "<th>Dokument</th><td>Referat &lt;b&gt;</td>",
        "<th>Møde</th><td>Byrådet · 25. april 2024</td>",
        "<th>Punkt</th><td>3: Skoler</td>",
        "<th>Side</th><td>3</td>",
        "<th>Sagsnr.</th><td>SAG-1</td>",
    ):
        assert fact in panel
    assert '<a class="byraad-original" href="/original/t#page=3" target="_blank">' in panel
    assert "<script>" not in panel and "&lt;script&gt;" in panel and "<img" not in panel
    assert render.meeting_date_text({"kind": "report"}) == ""
    assert render.meeting_date_text({"kind": "minutes", "body": "Byrådet"}) == "udateret møde"


def test_internal_refusal_reason_is_kept_apart_from_public_notes():
    v = {"notes": ["Afvist: ingen sætning i kilderne svarer på spørgsmålet.", "Søgningen er afgrænset til 2024."]}
    assert render.refusal_reason(v) == "ingen sætning i kilderne svarer på spørgsmålet."
    assert render.public_notes(v) == ["Søgningen er afgrænset til 2024."]
    assert render.refusal_reason({"refusal_reason": "svag evidens", "notes": []}) == "svag evidens"


# --- the original file -------------------------------------------------------------------------------------------
def test_file_token_signed_and_expiring(tmp_path):
    key = b"k" * 32
    tok = files.sign("/x/a.pdf", "abc", now=1000, ttl=60, key=key)
    assert files.verify(tok, now=1030, key=key) == {"p": "/x/a.pdf", "d": "abc", "x": 1060}
    assert files.verify(tok, now=1061, key=key) is None  # expired
    assert files.verify(tok, now=1030, key=b"o" * 32) is None  # another server's key
    body, mac = tok.split(".")
    forged = files._b64(b'{"p": "/etc/passwd", "d": "abc", "x": 9999999999}') + "." + mac
    assert files.verify(forged, now=1030, key=key) is None  # tampered claims
    assert files.verify("garbage", key=key) is None


def test_serve_original_checks_folder_and_content(tmp_path):
    key = b"k" * 32
    root = tmp_path / "corpus"
    root.mkdir()
    pdf = root / "referat.pdf"
    pdf.write_bytes(b"%PDF-1.4 referat")
    outside = tmp_path / "hemmelig.txt"
    outside.write_text("hemmeligt")
    now = time.time()
    status, body, headers = files.serve_original(files.sign(pdf, files.doc_id_of(pdf), key=key), [root], key=key)
    assert status == 200 and body == b"%PDF-1.4 referat" and headers["Content-Type"] == "application/pdf"
    assert headers["Content-Disposition"].startswith("inline")
    status, _, _ = files.serve_original(files.sign(outside, files.doc_id_of(outside), key=key), [root], key=key)
    assert status == 404  # not inside the corpus folder
    tok = files.sign(pdf, files.doc_id_of(pdf), key=key)
    pdf.write_bytes(b"%PDF-1.4 nyt indhold med et lukket punkt")
    assert files.serve_original(tok, [root], key=key)[0] == 409  # replaced since ingestion
    status, body, _ = files.serve_original(files.sign(pdf, "x", now=now - 10 * files.TTL_S, key=key), [root], key=key)
    assert status == 403 and "udløbet" in body.decode()


def test_original_link_only_for_files_the_user_may_see_whole(tmp_path):
    """A public minutes file with one closed item is not offered to the public (the file holds the closed text)."""
    import shutil

    from byraad.access import ANONYMOUS, User, permitted_levels
    from byraad.settings import Settings
    from ingest.pipeline import ingest_paths
    from vectorstore.index import Index

    sample = Path(__file__).resolve().parents[1] / "sample_corpus"
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("referat-byraadet-2024-04-25.pdf", "referat-teknik-og-miljoeudvalget-2024-03-14.pdf"):
        shutil.copy(sample / name, corpus / name)
    s = Settings(data_dir=str(tmp_path / "data"), embedder="hash:32", corpus_dirs=(str(corpus),))
    ingest_paths([corpus], s, progress=False)
    idx = Index(s)
    try:
        chunks = list(idx.all_chunks().values())
        mixed = next(
            c for c in chunks if c.meta["path"].startswith("referat-byraadet") and c.meta["access"] == "public"
        )
        open_ = next(c for c in chunks if c.meta["path"].startswith("referat-teknik"))
        public, secr = permitted_levels(ANONYMOUS), permitted_levels(User("s", ("sekretariat",)))
        assert files.original_link(idx, mixed.chunk_id, public, s.corpus_dirs) is None
        link = files.original_link(idx, mixed.chunk_id, secr, s.corpus_dirs)
        assert link and link["url"].startswith("/original/") and "#page=" in link["url"]
        link = files.original_link(idx, open_.chunk_id, public, s.corpus_dirs, "2")
        assert link and link["url"].endswith(f"#page={open_.meta['page_start']}") and "PDF, side 2" in link["label"]
        claims = files.verify(link["url"].split("/original/")[1].split("#")[0])
        assert claims and Path(claims["p"]).name == "referat-teknik-og-miljoeudvalget-2024-03-14.pdf"
        assert files.original_link(idx, open_.chunk_id, public, [str(tmp_path / "andet")]) is None
    finally:
        idx.close()


def test_aarhuskompasset_sentence_marked_once_in_the_real_report(tmp_path):
    """The issue's case on ../shared: [1] of "Hvad er Aarhuskompasset?" cites "Publikationen Aarhuskompasset er
    derfor …"; its panel marks that sentence (not the passage's first lines) and shows the passage once."""
    import shutil

    from byraad.settings import Settings
    from ingest.pipeline import ingest_paths
    from vectorstore.index import Index

    from tests.conftest import SHARED

    doc = SHARED / "corpus" / "aarhuskompasset.txt"
    if not doc.exists():
        pytest.skip("../shared/corpus is not available")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(doc, corpus / doc.name)
    s = Settings(data_dir=str(tmp_path / "data"), embedder="hash:32", corpus_dirs=(str(corpus),))
    ingest_paths([corpus], s, progress=False)
    idx = Index(s)
    try:
        sent = (
            "Publikationen Aarhuskompasset er derfor, som titlen antyder, et forsøg på at sætte en retning for en "
            "ny kurs."
        )
        chunk = next(c for c in idx.catalog.chunks() if "Publikationen Aarhuskompasset er derfor" in c.text)
        from vectorstore.filters import Filter

        context, _ = idx.context(chunk.chunk_id, Filter(access=("public",)))
        assert context.count("Derfor har vi brug for ståsteder") == 1  # no repeated overlap
        assert context.count("Publikationen Aarhuskompasset er derfor") == 1
        c = {
            "key": 1,
            "context": context,
            "title": "Aarhuskompasset",
            "kind": "report",
            "path": doc.name,
            "quote": chunk.text,
        }
        panel, found = render.source_panel_html(c, "kilde-0-1", [sent], None)
        assert found and panel.count("<mark") == 1
        marked = panel.split('id="kilde-0-1">')[1].split("</mark>")[0]
        assert " ".join(marked.split()) == sent
        assert "mødedato" not in panel and "udateret" not in panel
    finally:
        idx.close()

"""Unit tests of the UI helpers: users, CLI, rendering, conversations, feedback, uploads, OIDC claim mapping."""

from __future__ import annotations

import json
import sqlite3

import pytest
from click.testing import CliRunner

from byraad.settings import Settings
from byraad.types import Answer, Chunk, Citation, Hit
from ui import render
from ui.auth import oidc_config, user_from_claims
from ui.conversations import ConversationStore
from ui.feedback import FeedbackStore
from byraad.users import UserStore


def test_users_hash_and_verify(tmp_path):
    store = UserStore(tmp_path / "users.sqlite")
    store.add("anna", ["byraadsmedlem"], "et-godt-kodeord")
    assert store.verify("anna", "et-godt-kodeord").groups == ("public", "byraadsmedlem")
    assert store.verify("anna", "forkert-kodeord") is None
    assert store.verify("bo", "et-godt-kodeord") is None
    raw = sqlite3.connect(tmp_path / "users.sqlite").execute("SELECT salt, hash FROM users").fetchall()
    blob = b"".join(raw[0])
    assert b"et-godt-kodeord" not in blob
    store.add("bo", [], "et-godt-kodeord")
    salts = [r[0] for r in sqlite3.connect(tmp_path / "users.sqlite").execute("SELECT salt FROM users")]
    assert len(set(salts)) == 2  # per-user salt: same password, different hashes
    with pytest.raises(ValueError):
        store.add("x y", [], "et-godt-kodeord")
    with pytest.raises(ValueError):
        store.add("kort", [], "kort")
    assert store.remove("bo") and not store.remove("bo")


def test_users_cli_and_serve_command(tmp_path, monkeypatch):
    from byraad.cli import main
    from ui.cli import serve_command

    monkeypatch.chdir(tmp_path)
    r = CliRunner()
    res = r.invoke(
        main,
        ["--data-dir", "d", "users", "add", "sekr", "--groups", "sekretariat", "--password-stdin"],
        input="hemmelig-1234\n",
    )
    assert res.exit_code == 0, res.output
    res = r.invoke(main, ["--data-dir", "d", "users", "list"])
    assert "sekr\tpublic,sekretariat" in res.output
    assert UserStore(tmp_path / "d" / "users.sqlite").verify("sekr", "hemmelig-1234")
    assert r.invoke(main, ["--data-dir", "d", "users", "remove", "sekr"]).exit_code == 0
    assert r.invoke(main, ["--data-dir", "d", "users", "remove", "sekr"]).exit_code == 1
    s = Settings(data_dir="d", embedder="hash:64", corpus_dirs=("a", "b"), agentic=True)
    argv, env = serve_command(s, 8600, "127.0.0.1", environ={})
    assert argv[1:4] == ["-m", "streamlit", "run"] and "8600" in argv and "--server.headless" in argv
    back = Settings.load(None, None, env)
    assert back.embedder == "hash:64" and back.agentic and [p.split("/")[-1] for p in back.corpus_dirs] == ["a", "b"]
    assert back.data_dir == str(tmp_path / "d")


def _answer() -> Answer:
    meta = {
        "title": "Referat",
        "path": "r.txt",
        "body": "Byrådet",
        "meeting_date": 20240425,
        "item_no": "3",
        "item_title": "Skoler ........ 4",
        "page_start": 2,
        "page_end": 3,
        "kind": "minutes",
    }
    c1 = Chunk("c1", "d", "Byrådet vedtog skolestrukturen.", "x", meta)
    c2 = Chunk("c2", "d", "Andet punkt om veje.", "x", dict(meta, item_no="4"))
    cit = Citation(
        1,
        "c1",
        "Referat",
        "r.txt",
        "2-3",
        "Byrådet vedtog skolestrukturen.",
        source_text="Byrådet ved-\ntog skole-\nstrukturen.",
        body="Byrådet",
        meeting_date=20240425,
        item_no="3",
        item_title="Skoler",
        kind="minutes",
    )
    return Answer(
        "Hvad vedtog byrådet?",
        "Skolestrukturen blev vedtaget <b>nu</b> [1].",
        (cit,),
        (Hit(c1, 1.0), Hit(c2, 0.5)),
        False,
        "fp123",
        filters={"bodies": ["byraadet"]},
        period="2024",
    )


def test_render_answer_view_links_and_highlight():
    ctx = "Punkt 3\nByrådet ved-\ntog skole-\nstrukturen.\nMødet sluttede."
    v = render.answer_view(_answer(), {"c1": ctx}, "Udvalg: Byrådet")
    assert [s["chunk_id"] for s in v["sources"]] == ["c2"]  # the cited one is not repeated
    linked = render.link_citations(v["text"], "k0")
    assert '<a href="#k0-1"' in linked and "&#60;b&#62;" in linked and "<b>" not in linked
    assert render.link_citations("a [1, 3] b", "p").count("<a ") == 2
    panel, found = render.source_panel_html(v["citations"][0], "k0-1", ["Byrådet vedtog skolestrukturen."], None)
    assert found and panel.count("<mark") == 1
    marked = panel.split('class="byraad-mark" id="k0-1">')[1].split("</mark>")[0]
    assert marked.startswith("Byrådet ved-") and marked.endswith("strukturen.")
    panel, found = render.source_panel_html({"key": 1, "context": "helt anden tekst"}, "a", ["ikke her"], None)
    assert not found and 'id="a"' in panel and "<mark" not in panel
    line = render.source_line(v["citations"][0])
    assert "25. april 2024" in line and "punkt 3: Skoler" in line and "s. 2-3" in line
    assert "udateret møde" in render.source_line({"title": "X", "kind": "minutes"})
    assert render.source_line({"title": "Aarhuskompasset", "kind": "report"}) == "Aarhuskompasset"
    md = render.conversation_markdown("T", [v])
    assert "\\[1\\] Referat · Byrådet · 25. april 2024" in md and "Andre relevante kilder" in md
    assert "Svarform: Uddrag fra kilderne \\(ingen sprogmodel\\)" in md  # text escaped for Markdown viewers
    assert (
        render.describe_filters({"bodies": ["b"], "date_from": 20240101, "date_to": 20241231}, {"b": "B"})
        == "Udvalg: B; Periode: 1. januar 2024 – 31. december 2024"
    )


def _pdf_views() -> list[dict]:
    """An answered turn citing an undated OCR'ed page with a case number, and a refused turn."""
    hb = Citation(
        1,
        "h1",
        "Håndbog for Byrådet",
        "haandbog.pdf",
        "7",
        "Spørgetiden er “højst 30 minutter” – også for borgere fra Ærø.",
        kind="report",
        ocr=True,
        case_number="00.01.00-A00-3-24",
    )
    ans = _answer()
    a = Answer(
        "Hvor lang er spørgetiden på møder i æøå-kommunen?",
        "Højst 30 minutter [1], og skolerne [2].",
        (hb, ans.citations[0]),
        ans.hits,
        False,
        "fp-pdf",
        mode="llama-cpp",
    )
    r = Answer(
        "Hvad koster en elefant på månen?", "Det kan jeg ikke finde i materialet.", (), ans.hits[1:], True, "fp-pdf"
    )
    return [render.answer_view(a, filters_text="Udvalg: Byrådet"), render.answer_view(r)]


def _pdf_text(data: bytes) -> str:
    import io

    from pypdf import PdfReader

    assert data.startswith(b"%PDF-")
    # Words only: where the PDF wrapped a line does not matter.
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())


def test_citation_ocr_and_case_number_shown():
    v = _pdf_views()[0]
    hb, ref = v["citations"]
    assert hb["ocr"] and hb["case_number"] == "00.01.00-A00-3-24" and not ref["ocr"]
    line = render.source_line(hb)
    assert line.endswith("(OCR – kan indeholde læsefejl)") and "Sagsnr. 00.01.00-A00-3-24" in line
    assert "OCR" not in render.source_line(ref) and "Sagsnr." not in render.source_line(ref)
    # A hit's chunk metadata carries the same facts for "other sources".
    meta = {"title": "Skannet referat", "path": "s.pdf", "case_number": "27.00.00-G01-1-23", "ocr": True}
    hv = render.hit_view(Hit(Chunk("s1", "d", "tekst", "x", meta), 1.0))
    assert "Sagsnr. 27.00.00-G01-1-23" in render.source_line(hv) and "OCR" in render.source_line(hv)
    # Views stored before these fields existed still render.
    assert render.source_line({"title": "Gammel", "kind": "minutes"}) == "Gammel · udateret møde"
    assert "udateret" not in line and "mødedato" not in line  # a report has no meeting: nothing to flag


def test_conversation_pdf_export():
    import time

    from ui import pdf_export

    pytest.importorskip("fpdf")
    views = _pdf_views()
    assert pdf_export.find_font(), "no Unicode TTF font found (install fonts-dejavu-core)"
    text = _pdf_text(pdf_export.conversation_pdf(views[0]["question"], views, "anna", now=1_700_000_000))
    assert views[0]["question"] in text and "æøå" in text
    assert "Håndbog for Byrådet" in text and "Referat · Byrådet · 25. april 2024 · punkt 3: Skoler" in text
    assert "udateret" not in text and "s. 7" in text and "Sagsnr. 00.01.00-A00-3-24" in text
    assert "(OCR – kan indeholde læsefejl)" in text
    assert "“højst 30 minutter”" in text and "Ærø" in text  # quoted passage, typographic quotes kept
    assert "Højst 30 minutter [1], og skolerne [2]." in text
    assert "Sprogmodel (llama-cpp)" in text and "Uddrag fra kilderne" in text  # each turn's answer mode
    assert (
        "anna" in text
        and time.strftime("%d-%m-%Y", time.localtime(1_700_000_000)) in text
        and "Filtre: Udvalg: Byrådet" in text
    )
    # The refused turn says so, and lists its maybe-relevant source.
    refused = text.split(views[1]["question"])[1]
    assert "Ikke i materialet: Det kan jeg ikke finde i materialet." in refused and "Måske relevant" in refused


def test_conversation_pdf_without_unicode_font(monkeypatch):
    """No TTF on the machine: core font, Latin-1 text, typographic quotes simplified — never a failed download."""
    from ui import pdf_export

    pytest.importorskip("fpdf")
    monkeypatch.setattr(pdf_export, "find_font", lambda: None)
    views = _pdf_views()
    text = _pdf_text(pdf_export.conversation_pdf("Samtale", views, "anna"))
    assert views[0]["question"] in text and "Håndbog for Byrådet" in text
    assert '"højst 30 minutter" - også' in text


def test_conversations_per_user(tmp_path):
    cs = ConversationStore(tmp_path / "app.sqlite")
    v = render.answer_view(_answer())
    cid = cs.create("anna", "Hvad vedtog byrådet?")
    cs.add_turn(cid, "anna", v)
    assert [c["turns"] for c in cs.list("anna")] == [1]
    assert cs.list("bo") == [] and cs.turns(cid, "bo") == []
    with pytest.raises(PermissionError):
        cs.add_turn(cid, "bo", v)
    assert cs.turns(cid, "anna")[0]["citations"][0]["chunk_id"] == "c1"


def test_feedback_record_and_export(tmp_path):
    fs = FeedbackStore(tmp_path / "app.sqlite")
    v = render.answer_view(_answer())
    fs.record("t1", v, "up", "", "anna")
    fs.record("t1", v, "down", "Forkert", "anna")  # replaces the earlier rating
    fs.record("t2", v, "up", "", "bo")
    lines = [json.loads(x) for x in fs.export_jsonl().splitlines()]
    assert len(lines) == 2
    rec = next(r for r in lines if r["user"] == "anna")
    assert set(rec) >= {
        "question",
        "answer",
        "refused",
        "citations",
        "rating",
        "comment",
        "settings_fingerprint",
        "user",
        "ts",
    }
    assert rec["rating"] == "down" and rec["comment"] == "Forkert" and rec["settings_fingerprint"] == "fp123"
    assert rec["citations"] == [
        {
            "key": 1,
            "chunk_id": "c1",
            "title": "Referat",
            "path": "r.txt",
            "pages": "2-3",
            "quote": "Byrådet vedtog skolestrukturen.",
        }
    ]
    assert [json.loads(x)["user"] for x in fs.export_jsonl("down").splitlines()] == ["anna"]
    with pytest.raises(ValueError):
        fs.record("t3", v, "meh", "", "bo")


def test_feedback_export_feeds_evaluation_converter(tmp_path):
    fe = pytest.importorskip("evaluation.feedback")
    fs = FeedbackStore(tmp_path / "app.sqlite")
    fs.record("t1", render.answer_view(_answer()), "down", "Der står “Byrådet vedtog skolestrukturen.”", "anna")
    cases = fe.drafts_from_feedback([json.loads(x) for x in fs.export_jsonl().splitlines()])
    assert len(cases) == 1 and cases[0]["question"] == "Hvad vedtog byrådet?"
    assert cases[0]["evidence"] == "Byrådet vedtog skolestrukturen."


def test_oidc_config_and_claims():
    assert oidc_config({}) is None
    assert oidc_config({"auth": {"redirect_uri": "x"}}) is None
    cfg = oidc_config(
        {
            "auth": {"redirect_uri": "http://h/oauth2callback", "cookie_secret": "s", "microsoft": {"client_id": "id"}},
            "byraad_auth": {"group_map": {"gid-1": ["byraadsmedlem"], "Sekretariat": ["sekretariat"]}},
        }
    )
    assert cfg["provider"] == "microsoft"
    u = user_from_claims(
        {"preferred_username": "a@kommune.dk", "groups": ["gid-1", "ukendt"], "roles": ["Sekretariat"]},
        cfg["group_map"],
    )
    assert u.name == "a@kommune.dk" and u.groups == ("public", "byraadsmedlem", "sekretariat")
    assert user_from_claims({"email": "b@x"}, {}).groups == ("public",)


def test_save_uploads_is_safe(tmp_path):
    from ui.admin import save_uploads

    out = save_uploads(tmp_path, [("../../etc/referat.txt", b"x"), (".skjult.md", b"y")])
    assert [p.name for p in out] == ["referat.txt", "skjult.md"] and all(p.parent == tmp_path for p in out)
    with pytest.raises(ValueError):
        save_uploads(tmp_path, [("virus.exe", b"z")])


def test_exports_with_closed_material_are_marked_on_every_page():
    import io

    from ui import pdf_export

    pytest.importorskip("fpdf")
    from pypdf import PdfReader

    views = _pdf_views()
    public = [
        dict(
            v,
            citations=[dict(c, access="public") for c in v["citations"]],
            sources=[dict(s, access="public") for s in v["sources"]],
        )
        for v in views
    ]
    closed = [
        dict(
            public[0],
            citations=[dict(public[0]["citations"][0], access="closed:byraadet")] + public[0]["citations"][1:],
        )
    ] + public[1:]
    assert render.export_marking(public) == ""
    assert render.export_marking(closed) == render.CLOSED_MARK
    assert render.export_marking([dict(public[0], sources=[{"title": "x"}])]) == render.CLOSED_MARK  # unknown level
    internal = (
        [dict(public[0], sources=[dict(public[0]["sources"][0], access="internal")])]
        if public[0]["sources"]
        else [dict(public[0], citations=[dict(public[0]["citations"][0], access="internal")])]
    )
    assert render.export_marking(internal) == render.INTERNAL_MARK
    md = render.conversation_markdown("T", closed * 3)
    assert md.count("FORTROLIGT") >= 5 and "FORTROLIGT" not in render.conversation_markdown("T", public)
    pages = PdfReader(io.BytesIO(pdf_export.conversation_pdf("T", closed * 8, "sekr"))).pages
    assert len(pages) >= 2
    assert all("FORTROLIGT" in (p.extract_text() or "") for p in pages)
    pages = PdfReader(io.BytesIO(pdf_export.conversation_pdf("T", public * 8, "anna"))).pages
    assert not any("FORTROLIGT" in (p.extract_text() or "") or "INTERNT" in (p.extract_text() or "") for p in pages)


def test_ingest_reasons_shown_in_danish_with_the_code_kept():
    from ingest.report import reason_da

    assert (
        reason_da({"code": "not_pdf", "reason": "file ends in .pdf but is not a PDF"})
        == "filen hedder .pdf, men er ikke en PDF"
    )
    assert (
        reason_da({"code": "corrupt", "reason": "damaged PDF that cannot be read"})
        == "beskadiget PDF, der ikke kan læses"
    )
    assert reason_da({"code": "unreadable", "reason": "kan ikke læses: Permission denied"}).startswith("kan")
    assert reason_da({"code": "corrupt", "reason": "some new English message"}) == "beskadiget fil, der ikke kan læses"
    # Every English reason the loaders raise has a Danish text.
    import re as _re
    from pathlib import Path as _P

    src = "".join(p.read_text(encoding="utf-8") for p in (_P(__file__).resolve().parents[1] / "ingest").rglob("*.py"))
    raised = set(_re.findall(r'LoadError\("([^"]+)"', src))
    assert len(raised) >= 15
    english = (
        "file ",
        "the file",
        "text encoding",
        "damaged",
        "binary",
        "PDF ",
        "Word ",
        "password",
        "old Word",
        "scanned",
    )
    for r in raised:
        out = reason_da({"reason": r, "code": "corrupt"})
        assert not out.startswith(english), (r, out)

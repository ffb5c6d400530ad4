"""Issue 10 regression tests on real files built here: closed text stays closed on every surface (answer,
citations, the context shown around a citation, "maybe relevant" sources, saved conversations, feedback, exports,
the audit log), and nothing outside the ingested folder gets in (real symlinks, real damaged and escaping ESDH
packages). One test (or parametrised group) per defect; the decompression bombs are in test_limits.py."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from byraad.access import ANONYMOUS, User
from byraad.settings import Settings
from ingest.pipeline import ingest_paths, scan
from vectorstore.index import Index

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_corpus"
# The closed item 7 of Byrådet 25 April 2024 (SAG-2024-00077): bidder and amount are closed, "Godkendt." is public.
CLOSED_77 = ("Vestergaard Byg", "3.250.000", "Kim Vestergaard")
BYRAAD_MEMBER = User("bm", ("byraadsmedlem", "udvalg:byraadet"))
RAADMAND = """Referat
Rådmandsmøde, Sundhed og Omsorg
Mødedato: 2. juni 2025

Punkt 1: Konstituering af ny forvaltningschef
Rådmanden orienterede om rekrutteringen af en ny forvaltningschef til Sundhed og Omsorg.
Beslutning: Taget til efterretning.
"""


def settings_for(data: Path, **kw) -> Settings:
    return Settings.load(
        None, None, {"BYRAAD_DATA_DIR": str(data), "BYRAAD_EMBEDDER": "hash:64", "BYRAAD_LLM": "extractive", **kw}
    )


def indexed_text(s: Settings) -> str:
    """Every text the index holds (chunk, embedded and source text, metadata) — what any surface could show."""
    idx = Index(s)
    try:
        rows = idx.catalog.db.execute("SELECT text, embed_text, source_text, meta FROM chunks").fetchall()
    finally:
        idx.close()
    return "\n".join("\n".join(str(x) for x in r) for r in rows)


def surfaces(asst, user: User, question: str, tmp: Path) -> str:
    """Everything a user can see of one answer: answer text, citations with the context shown around them, other
    sources, the saved conversation reopened, the feedback record, the Markdown and PDF export."""
    from ui import pdf_export, render
    from ui.conversations import ConversationStore
    from ui.feedback import FeedbackStore

    import html
    import re

    a = asst.answer(question, user)
    contexts = {c.chunk_id: asst.retriever.context(c.chunk_id, user) for c in a.citations}
    view = render.answer_view(a, contexts, "")
    parts = [a.text, json.dumps(view, ensure_ascii=False)]
    for c in view["citations"]:
        panel, _ = render.source_panel_html(c, "k", render.citing_sentences(view["text"], c["key"]), None)
        parts.append(html.unescape(panel))
    parts += [s["snippet"] for s in view["sources"]]
    convs = ConversationStore(tmp / "app.sqlite")
    cid = convs.create(user.name, question)
    convs.add_turn(cid, user.name, view)
    parts.append(json.dumps(convs.turns(cid, user.name), ensure_ascii=False))
    fb = FeedbackStore(tmp / "app.sqlite")
    fb.record("t-" + cid, view, "down", "", user.name)
    parts.append(fb.export_jsonl())
    parts.append(re.sub(r"\\(.)", r"\1", render.conversation_markdown(question, [view], user.name)))
    if pdf_export.available():
        import io

        from pypdf import PdfReader

        pdf = pdf_export.conversation_pdf(question, [view], user.name, "Det kan jeg ikke finde i materialet.")
        parts += [p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages]
    return "\n".join(parts)


def norm(s: str) -> str:
    return " ".join(s.split())


# ---------------------------------------------------------------- 10.1 context around a public citation


def ingest_sample(base: Path):
    """The sample corpus plus the internal rådmandsmøde minutes, ingested under `base`: (settings, index, assistant)."""
    if not SAMPLE.exists():
        pytest.skip("sample_corpus is absent")
    corpus = base / "corpus"
    shutil.copytree(SAMPLE, corpus)
    # Internal material with a body of its own and the newest date: neither may show in an anonymous list.
    (corpus / "referat-raadmandsmoede-2025-06-02.txt").write_text(RAADMAND, encoding="utf-8")
    s = settings_for(base / "data")
    ingest_paths([corpus], s, progress=False)
    from assistant.assistant import build_assistant

    idx = Index(s)
    return s, idx, build_assistant(s, idx, environ={})


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    base = tmp_path_factory.mktemp("sample")
    s, idx, asst = ingest_sample(base)
    yield s, idx, asst, base
    idx.close()


QUESTIONS_77 = [
    "SAG-2024-00077",
    "Hvad blev besluttet om salg af grunden på Industrivej 14?",
    "Hvem købte grunden på Industrivej 14, og for hvor meget?",
    "Hvad står der om punkt 7 på Byrådets møde 25. april 2024?",
]


@pytest.mark.parametrize("question", QUESTIONS_77)
def test_context_around_public_citation_has_no_closed_text(sample, tmp_path, question):
    s, idx, asst, _ = sample
    text = surfaces(asst, ANONYMOUS, question, tmp_path)
    assert not [p for p in CLOSED_77 if p in norm(text)], question
    # The context read is audited (ids only), and the audit log holds no closed text either.
    entries = asst.retriever.audit.entries(50)
    assert any(e["question"].startswith("[context]") for e in entries)
    assert not [p for p in CLOSED_77 if p in json.dumps(entries, ensure_ascii=False)]


def test_closed_item_text_is_indexed_and_shown_to_its_committee(sample, tmp_path):
    """Guard: the phrases above are really in the index, next to the public decision, and a member of the body
    sees them in the context — so the anonymous test above can fail."""
    s, idx, asst, _ = sample
    item = [c for c in idx.all_chunks().values() if c.meta.get("case_number") == "SAG-2024-00077"]
    assert any(c.meta["access"] == "public" for c in item) and any(c.meta["access"] != "public" for c in item)
    public = next(c for c in item if c.meta["access"] == "public")
    assert any(p in norm(asst.retriever.context(public.chunk_id, BYRAAD_MEMBER)) for p in CLOSED_77)
    assert not any(p in norm(asst.retriever.context(public.chunk_id, ANONYMOUS)) for p in CLOSED_77)
    # The user may not see the chunk itself: nothing at all.
    closed = next(c for c in item if c.meta["access"] != "public")
    assert asst.retriever.context(closed.chunk_id, ANONYMOUS) == ""


def closed_between_chunks(*extra):
    """A hand-built corpus: public | closed | public in one agenda item (document d, item 7), then `extra`, then the
    same as plain neighbours without an item (document e)."""
    from tests.test_retrieval import chunk

    meet = dict(MEETING_7)
    return [
        chunk("a", "d", "Offentlig indledning om grunden.", char_start=0, index=0, **meet),
        chunk(
            "b",
            "d",
            "Budgiver HEMMELIGFIRMA ApS bød 9.999.999 kr.",
            char_start=100,
            index=1,
            access="closed:byraadet",
            **meet,
        ),
        chunk("c", "d", "Godkendt.", char_start=200, index=2, **meet),
        *extra,
        chunk("x", "e", "Første offentlige afsnit.", char_start=0, index=0),
        chunk("y", "e", "Lukket nabo HEMMELIGNABO.", char_start=100, index=1, access="closed"),
        chunk("z", "e", "Sidste offentlige afsnit.", char_start=200, index=2),
    ]


MEETING_7 = dict(body="Byrådet", body_key="byraadet", meeting_date=20240425, meeting_start=0, item_no="7")


def test_context_never_crosses_a_hidden_chunk(tmp_path):
    """Index.context on a hand-built index: public | closed | public in one item and as plain neighbours."""
    from tests.test_retrieval import build_index
    from vectorstore.filters import Filter

    chunks = closed_between_chunks()
    _, idx = build_index(tmp_path, chunks)
    public = Filter(access=("public",))
    text, used = idx.context("c", public)
    assert "Godkendt." in text and "HEMMELIG" not in text and "b" not in used and "a" not in used
    text, used = idx.context("z", public)
    assert "HEMMELIG" not in text and used == ["z"]
    assert "HEMMELIGFIRMA" in idx.context("c", Filter(access=None))[0]
    assert idx.context("b", public) == ("", [])


def test_conversation_saved_before_the_fix_is_shown_without_its_widened_context(tmp_path):
    from ui.conversations import ConversationStore

    convs = ConversationStore(tmp_path / "app.sqlite")
    cid = convs.create("anna", "q")
    old = {
        "question": "q",
        "text": "Godkendt. [1]",
        "citations": [
            {
                "key": 1,
                "chunk_id": "c",
                "quote": "Godkendt.",
                "source_text": "Godkendt.",
                "context": "Vestergaard Byg ApS bød 3.250.000 kr.\nGodkendt.",
            }
        ],
        "sources": [],
    }
    convs.db.execute(
        "INSERT INTO turns(id, conv_id, idx, question, view, ts) VALUES('t', ?, 0, 'q', ?, 0)", (cid, json.dumps(old))
    )
    shown = json.dumps(convs.turns(cid, "anna"), ensure_ascii=False)
    assert "Vestergaard" not in shown and "Godkendt." in shown


# ---------------------------------------------------------------- ESDH packages built here

EDOC_BODY = "Teknik- og Miljøudvalget"
CLOSED_PKG = "Fortrolig købesum 77.777.777 kr. til Hemmelighuset ApS"
OUTSIDE = "OUTSIDE-SECRET Denne fil ligger uden for korpusset og må aldrig indlæses"


def _pdf(path: Path, text: str) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    pdf.add_page()
    pdf.multi_cell(0, 6, text)
    pdf.output(str(path))


def edoc_closed(folder: Path, attachment_ref: str = "b1.pdf") -> Path:
    """An eDoc package with one item on the closed agenda (its PDF and an attachment)."""
    folder.mkdir(parents=True, exist_ok=True)
    _pdf(folder / "P1.PDF", f"1. Køb af ejendom\n{CLOSED_PKG}.\nIndstillingen godkendes.")
    if not (folder / attachment_ref).exists() and not (folder / attachment_ref).is_symlink():
        _pdf(folder / "B1.PDF", f"Bilag: {CLOSED_PKG}, vurdering.")
    xml = (
        '<?xml version="1.0"?>\n<Meeting><Committee>' + EDOC_BODY + "</Committee>"
        "<MeetingDate>14-03-2024 16:00:00</MeetingDate><MeetingState>Referat endeligt godkendt</MeetingState>"
        "<MeetingAgendaTypes><MeetingAgendaType><AgendaType>Lukket dagsorden</AgendaType><MeetingAgendaItems>"
        "<MeetingAgendaItem><AgendaItemNumber>1</AgendaItemNumber><PDFDocument>p1.pdf</PDFDocument>"
        '<Document documentid="1"><Title>Køb af ejendom</Title><NeutralTitle>Køb af ejendom</NeutralTitle>'
        "<PublicAccess /><PublishingType>SKAL PUBLICERES</PublishingType><Attachments><Attachment>"
        f"<Title>Vurdering</Title><PDFDocument>{attachment_ref}</PDFDocument><PublicAccess />"
        "<PublishingType>SKAL PUBLICERES</PublishingType></Attachment></Attachments></Document>"
        "</MeetingAgendaItem></MeetingAgendaItems></MeetingAgendaType></MeetingAgendaTypes></Meeting>"
    )
    (folder / "eDocAgendaPublishing.xml").write_text(xml, encoding="utf-8")
    return folder / "eDocAgendaPublishing.xml"


def anonymous_sees(s: Settings, question: str, tmp: Path) -> str:
    from assistant.assistant import build_assistant

    idx = Index(s)
    try:
        return surfaces(build_assistant(s, idx, environ={}), ANONYMOUS, question, tmp)
    finally:
        idx.close()


def public_text(s: Settings) -> str:
    idx = Index(s)
    try:
        return "\n".join(
            c.text + "\n" + idx.source_text(c.chunk_id)
            for c in idx.all_chunks().values()
            if c.meta.get("access") == "public"
        )
    finally:
        idx.close()


def test_intact_closed_package_is_closed(tmp_path):
    """Guard for the damaged-package tests: the intact package is ingested, its item closed."""
    edoc_closed(tmp_path / "corpus" / "pkg")
    s = settings_for(tmp_path / "data")
    rep = ingest_paths([tmp_path / "corpus"], s, progress=False)
    assert rep.new == ["pkg/eDocAgendaPublishing.xml"] and not rep.failed
    assert "Hemmelighuset" in indexed_text(s) and "Hemmelighuset" not in public_text(s)


@pytest.mark.parametrize("damage", ["truncated", "stray-ampersand", "truncated-head", "inline-dtd"])
def test_damaged_closed_package_fails_as_a_whole(tmp_path, damage):
    xml = edoc_closed(tmp_path / "corpus" / "pkg")
    (tmp_path / "corpus" / "open.txt").write_text("Referat\n\nCykelstien på Skovvej blev godkendt.\n", encoding="utf-8")
    data = xml.read_text(encoding="utf-8")
    data = {
        "truncated": data[: len(data) // 2],
        "stray-ampersand": data.replace("Køb af ejendom</Title>", "Køb & salg af ejendom</Title>"),
        "truncated-head": data[:30],
        "inline-dtd": data.replace("<Meeting>", '<!DOCTYPE Meeting [<!ENTITY x "y">]>\n<Meeting>', 1),
    }[damage]
    xml.write_text(data, encoding="utf-8")
    s = settings_for(tmp_path / "data")
    rep = ingest_paths([tmp_path / "corpus"], s, progress=False)
    failed = {f["path"]: f for f in rep.failed}
    assert "pkg/eDocAgendaPublishing.xml" in failed, rep.to_dict()
    assert failed["pkg/eDocAgendaPublishing.xml"]["code"] == ("dtd" if damage == "inline-dtd" else "corrupt")
    assert rep.new == ["open.txt"] and not [x for x in rep.skipped if x["path"].startswith("pkg/")]
    assert "Hemmelighuset" not in indexed_text(s)
    assert "77.777.777" not in anonymous_sees(s, "Hvad er købesummen for Hemmelighuset ApS?", tmp_path)


def test_two_different_damaged_packages_are_not_duplicates(tmp_path):
    """An unparseable package is identified by all its files, not by its XML alone."""
    for name, extra in (("a", "første"), ("b", "anden")):
        xml = edoc_closed(tmp_path / "corpus" / name)
        _pdf(xml.parent / "P1.PDF", f"Punkt om {extra} ejendom. {CLOSED_PKG}.")
        xml.write_text(xml.read_text(encoding="utf-8")[:200], encoding="utf-8")  # same broken XML
    s = settings_for(tmp_path / "data")
    rep = ingest_paths([tmp_path / "corpus"], s, progress=False)
    assert not rep.duplicates and len(rep.failed) == 2


# ---------------------------------------------------------------- 10.3 paths escaping a package


def test_edoc_member_symlink_outside_the_package_is_not_read(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    _pdf(outside / "secret.pdf", OUTSIDE)
    pkg = tmp_path / "corpus" / "pkg"
    pkg.mkdir(parents=True)
    os.symlink(outside / "secret.pdf", pkg / "B1.PDF")
    edoc_closed(pkg, "b1.pdf")
    xml = pkg / "eDocAgendaPublishing.xml"
    xml.write_text(xml.read_text(encoding="utf-8").replace("Lukket dagsorden", "Åben dagsorden"), encoding="utf-8")
    s = settings_for(tmp_path / "data")
    rep = ingest_paths([tmp_path / "corpus"], s, progress=False)
    assert rep.new == ["pkg/eDocAgendaPublishing.xml"]
    assert "OUTSIDE-SECRET" not in indexed_text(s)
    assert any("b1.pdf" in w["warning"] and "uden for" in w["warning"] for w in rep.warnings)
    assert any(x["path"] == "pkg/B1.PDF" and x["code"] == "symlink_outside" for x in rep.skipped)
    assert "aldrig indlæses" not in anonymous_sees(s, "OUTSIDE-SECRET fil uden for korpusset", tmp_path)


def acadre(folder: Path, filesfolder: str) -> Path:
    """A minimal Acadre publication whose files folder is `filesfolder` (the item text is in a .txt document)."""
    folder.mkdir(parents=True, exist_ok=True)
    xml = (
        '<?xml version="1.0" encoding="utf-8"?><root>'
        '<table name="committee"><fields><field name="Udvalget for Plan"/></fields></table>'
        '<table name="meeting"><fields><field name="Møde" date="2024-03-14 10:00"/></fields></table>'
        '<table name="producedAgenda"><fields><field type="2" access="Åben" publish="1" '
        f'filesfolder="{filesfolder}" xmlfilename="inner.xml" docfilename="doc.txt" comment="Referat"/>'
        "</fields></table></root>"
    )
    (folder / "XML_1.xml").write_text(xml, encoding="utf-8")
    return folder / "XML_1.xml"


@pytest.mark.parametrize("how", ["absolute", "dotdot", "symlinked-folder"])
def test_acadre_files_folder_outside_the_package_is_refused(tmp_path, how):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "doc.txt").write_text(f"Referat\n\n{OUTSIDE}\n", encoding="utf-8")
    pkg = tmp_path / "corpus" / "pkg"
    pkg.mkdir(parents=True)
    ref = {"absolute": str(outside), "dotdot": "../../outside", "symlinked-folder": "Files_1"}[how]
    if how == "symlinked-folder":
        os.symlink(outside, pkg / "Files_1")
    acadre(pkg, ref)
    s = settings_for(tmp_path / "data")
    rep = ingest_paths([tmp_path / "corpus"], s, progress=False)
    assert [f["code"] for f in rep.failed] == ["outside"], rep.to_dict()
    assert "OUTSIDE-SECRET" not in indexed_text(s)


def test_acadre_files_folder_inside_the_package_is_read(tmp_path):
    """Guard: the same package with its files folder inside is ingested (so the test above can fail)."""
    pkg = tmp_path / "corpus" / "pkg"
    (pkg / "Files_1").mkdir(parents=True)
    (pkg / "Files_1" / "doc.txt").write_text("Referat\n\nVejen får ny belægning i 2024.\n", encoding="utf-8")
    acadre(pkg, "Files_1")
    s = settings_for(tmp_path / "data")
    rep = ingest_paths([tmp_path / "corpus"], s, progress=False)
    assert rep.new == ["pkg/XML_1.xml"] and "ny belægning" in indexed_text(s)


# ---------------------------------------------------------------- 10.4 symlinks in the corpus folder


def test_symlinks_out_of_the_corpus_are_skipped_with_their_reason(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "passwd.txt").write_text(f"root:x:0:0:{OUTSIDE}\n", encoding="utf-8")
    (outside / "sub").mkdir()
    (outside / "sub" / "more.txt").write_text(f"{OUTSIDE} i en mappe\n", encoding="utf-8")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "ok.txt").write_text("Referat\n\nCykelstien på Skovvej blev godkendt.\n", encoding="utf-8")
    os.symlink(outside / "passwd.txt", corpus / "passwd.txt")  # a file outside
    os.symlink(outside / "sub", corpus / "linked-dir")  # a folder outside
    os.symlink(corpus / "gone.txt", corpus / "dangling.txt")  # dangling
    os.symlink(corpus / "loop-b.txt", corpus / "loop-a.txt")  # a loop
    os.symlink(corpus / "loop-a.txt", corpus / "loop-b.txt")
    os.symlink(corpus / "ok.txt", corpus / "alias.txt")  # inside: followed (a duplicate)
    s = settings_for(tmp_path / "data")
    rep = ingest_paths([corpus], s, progress=False)
    codes = {x["path"]: x["code"] for x in rep.skipped}
    assert codes == {
        "passwd.txt": "symlink_outside",
        "linked-dir": "symlink_outside",
        "dangling.txt": "symlink_dangling",
        "loop-a.txt": "symlink_loop",
        "loop-b.txt": "symlink_loop",
    }, rep.skipped
    assert sorted(rep.new) == ["alias.txt"] or sorted(rep.new) == ["ok.txt"]
    assert [d["path"] for d in rep.duplicates] in (["ok.txt"], ["alias.txt"])
    assert "OUTSIDE-SECRET" not in indexed_text(s)
    text = rep.render()
    assert "passwd.txt" in text and "uden for den indlæste mappe" in text and "i ring" in text
    assert "aldrig indlæses" not in anonymous_sees(s, "root OUTSIDE-SECRET korpusset", tmp_path)


def test_scan_does_not_descend_into_linked_folders_inside(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "a").mkdir(parents=True)
    (corpus / "a" / "x.txt").write_text("tekst\n", encoding="utf-8")
    os.symlink(corpus / "a", corpus / "b")
    os.symlink(corpus, corpus / "a" / "self")  # a folder loop
    files, skipped = scan([corpus])
    assert [f.rel for f in files] == ["a/x.txt"]
    assert {x["path"]: x["code"] for x in skipped} == {"b": "symlink_dir", "a/self": "symlink_dir"}


# ---------------------------------------------------------------- 10.6 the data directory is private


def _modes(root: Path) -> dict[str, str]:
    out = {".": oct(root.stat().st_mode & 0o777)}
    for p in root.rglob("*"):
        if not p.is_symlink():
            out[str(p.relative_to(root))] = oct(p.stat().st_mode & 0o777)
    return out


def test_data_directory_is_private_after_cli_ingest_and_users(tmp_path):
    import subprocess
    import sys

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "referat.txt").write_text("Referat\n\nCykelstien blev godkendt.\n", encoding="utf-8")
    data = tmp_path / "data"
    env = dict(os.environ, PYTHONPATH=str(ROOT), BYRAAD_EMBEDDER="hash:64")
    old = os.umask(0o022)  # a typical service umask: without our own, files would be 0644
    try:
        for args in (["ingest", str(corpus), "--quiet"], ["ask", "cykelstien", "--json"]):
            subprocess.run(
                [sys.executable, "-m", "byraad.cli", "--data-dir", str(data), *args],
                env=env,
                check=True,
                capture_output=True,
                timeout=600,
            )
    finally:
        os.umask(old)
    from byraad.users import UserStore

    UserStore.for_settings(settings_for(data)).add("anna", ["byraadsmedlem"], "kodeord-1234")
    modes = _modes(data)
    assert any(k.endswith("catalog.sqlite") for k in modes) and "audit.sqlite" in modes and "users.sqlite" in modes
    bad = {k: m for k, m in modes.items() if m != ("0o700" if (data / k).is_dir() else "0o600")}
    assert not bad, bad


def test_existing_world_readable_data_directory_is_tightened(tmp_path):
    data = tmp_path / "data"
    (data / "reports").mkdir(parents=True)
    (data / "reports" / "latest.json").write_text("{}", encoding="utf-8")
    os.chmod(data, 0o755)
    os.chmod(data / "reports", 0o755)
    os.chmod(data / "reports" / "latest.json", 0o644)
    Index(settings_for(data)).close()
    modes = _modes(data)
    assert modes["."] == "0o700" and modes["reports"] == "0o700" and modes["reports/latest.json"] == "0o600"


# ---------------------------------------------------------------- 14.7 lists, counts and dates from what a user may see


def test_filter_values_come_from_what_the_user_may_see(sample):
    from ui.state import facets

    s, idx, asst, _ = sample
    chunks = list(idx.all_chunks().values())
    public_bodies = {c.meta.get("body_key") for c in chunks if c.meta.get("access") == "public"}
    hidden_only = {
        c.meta.get("body_key") for c in chunks if c.meta.get("access") != "public" and c.meta.get("body_key")
    } - public_bodies
    assert hidden_only, "the sample corpus must have a body that occurs only in internal/closed material"
    anon = facets(idx, ANONYMOUS)
    everyone = facets(idx, User("sekr", ("sekretariat",)))
    assert not hidden_only & set(anon["bodies"]) and hidden_only <= set(everyone["bodies"])
    public_dates = [
        d
        for c in chunks
        if c.meta.get("access") == "public"
        for d in (c.meta.get("meeting_date"), c.meta.get("doc_date"))
        if isinstance(d, int)
    ]
    assert anon["newest_material"] == max(public_dates)
    assert everyone["newest_material"] >= anon["newest_material"]
    names = {everyone["bodies"][b] for b in hidden_only}
    assert not any(n in json.dumps(anon, ensure_ascii=False) for n in names)


# ---------------------------------------------------------------- 10.8 the report names files safely


def test_report_quotes_names_and_gives_true_reasons(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    forged = "ond\nFiler: 99 nye, 0 ændrede.txt"
    (corpus / forged).write_text("Referat\n\nEt notat om vejene.\n", encoding="utf-8")
    (corpus / "tom-a.txt").write_text("", encoding="utf-8")
    (corpus / "tom-b.txt").write_text("", encoding="utf-8")
    rep = ingest_paths([corpus], settings_for(tmp_path / "data"), progress=False)
    assert rep.new == [forged.replace("\\", "/")]
    assert not rep.duplicates and {f["path"]: f["code"] for f in rep.failed} == {
        "tom-a.txt": "empty",
        "tom-b.txt": "empty",
    }
    text = rep.render()
    assert not [ln for ln in text.splitlines() if ln.startswith("Filer: 99")]
    assert "Filer: 1 nye" in text and "FEJL     tom-a.txt: filen er tom" in text
    from ingest.report import quote_name

    assert quote_name(forged) == '"ond\\nFiler: 99 nye, 0 ændrede.txt"' and quote_name("a b.pdf") == "a b.pdf"
    assert "\n" not in quote_name("x\u202eexe.txt") and "\\u202e" in quote_name("x\u202eexe.txt")


# ---------------------------------------------------------------- 10.9


def test_winter_words_are_not_the_winter_period():
    import datetime as dt

    from assistant.glossary import load_glossary
    from assistant.query import parse_period

    el, today = load_glossary(None).elections, dt.date(2025, 6, 1)
    for q in (
        "Hvad koster vintertjenesten?",
        "Hvordan prioriteres vintertjeneste på cykelstier?",
        "Hvad blev drøftet om vinterhjælp?",
    ):
        assert parse_period(q, today, el) is None, q
    p = parse_period("Hvad skete i vinteren 2024?", today, el)
    assert (p.date_from, p.date_to) == (20231201, 20240229)
    assert parse_period("Hvad skete i foråret 2023?", today, el).date_from == 20230301


def test_all_access_has_one_name_in_the_audit_log(sample):
    from assistant.case import case_trail

    s, idx, asst, _ = sample
    r = asst.retriever
    before = len(r.audit.entries(100_000))
    r.retrieve("salg af grund", None, all_access=True)
    case_trail(r, "SAG-2024-00077", __import__("byraad.access", fromlist=["ALL_ACCESS_USER"]).ALL_ACCESS_USER)
    asst.answer("SAG-2024-00077", None, all_access=True)
    new = r.audit.entries(100_000)[: len(r.audit.entries(100_000)) - before]
    assert len(new) >= 3 and {e["user"] for e in new} == {"all-access"}, new


def test_password_hashes_use_current_scrypt_parameters_and_old_ones_are_migrated(tmp_path):
    import hashlib

    from byraad.users import PARAMS, UserStore, hash_password

    assert PARAMS == "scrypt:131072:8:1"
    store = UserStore(tmp_path / "users.sqlite")
    store.add("ny", ["byraadsmedlem"], "kodeord-1234")
    assert store.db.execute("SELECT params FROM users WHERE name='ny'").fetchone()[0] == PARAMS
    old = "scrypt:16384:8:1"
    salt = b"s" * 16
    store.db.execute(
        "INSERT INTO users(name, groups, salt, hash, params, created) VALUES(?,?,?,?,?,0)",
        ("gammel", "public,byraadsmedlem", salt, hash_password("gammel-kode-1", salt, old), old),
    )
    assert store.verify("gammel", "forkert-kode") is None
    assert store.db.execute("SELECT params FROM users WHERE name='gammel'").fetchone()[0] == old
    assert store.verify("gammel", "gammel-kode-1").name == "gammel"
    params, new_salt, h = store.db.execute("SELECT params, salt, hash FROM users WHERE name='gammel'").fetchone()
    assert params == PARAMS and h == hashlib.scrypt(
        b"gammel-kode-1", salt=new_salt, n=2**17, r=8, p=1, dklen=32, maxmem=256 << 20
    )
    assert store.verify("gammel", "gammel-kode-1").name == "gammel"


def test_esdh_overview_context_has_no_closed_item_text(tmp_path):
    """The package's public overview chunk sits right before the closed item; its context for an anonymous reader
    stops there (10.1, ESDH form)."""
    edoc_closed(tmp_path / "corpus" / "pkg")
    s = settings_for(tmp_path / "data")
    ingest_paths([tmp_path / "corpus"], s, progress=False)
    from assistant.assistant import build_assistant

    idx = Index(s)
    try:
        asst = build_assistant(s, idx, environ={})
        public = [c for c in idx.catalog.chunks() if c.meta.get("access") == "public"]
        assert public
        secr = User("s", ("sekretariat",))
        assert any("Hemmelighuset" in asst.retriever.context(c.chunk_id, secr) for c in public)  # guard
        for c in public:
            assert "Hemmelighuset" not in asst.retriever.context(c.chunk_id, ANONYMOUS)
        assert "77.777.777" not in surfaces(asst, ANONYMOUS, "Punkter på mødet i Teknik- og Miljøudvalget", tmp_path)
    finally:
        idx.close()


# ---------------------------------------------------------------- the evaluators' leak suite covers these surfaces


def test_eval_leak_suite_checks_context_sources_and_export(sample):
    """`byraad eval` closed-leak cases: the context around a citation, "maybe relevant" and the export are checked;
    a system whose context widened into the closed item is caught, the real one passes."""
    from evaluation.baselines import OurSystem
    from evaluation.dataset import EvalCase
    from evaluation.runner import LeakChecker, surface_leaks

    s, idx, asst, _ = sample
    case = EvalCase(
        id="t",
        question="SAG-2024-00077",
        answer="",
        evidence="",
        source_file="",
        kind="closed-leak",
        notes="forbidden: Vestergaard Byg; 3.250.000",
    )
    ours = OurSystem("hybrid", "hybrid", asst.retriever, asst, idx)
    leaks = LeakChecker(idx.all_chunks(), asst.retriever.group_table)
    levels = leaks.levels(ANONYMOUS)
    answer = ours.answer(case.question, ANONYMOUS)
    assert answer.citations and surface_leaks(case, ours, ANONYMOUS, levels, answer, leaks) == []

    class Widening(OurSystem):  # the old surrounding_text: neighbours without an access check
        def context(self, chunk_id, user):
            return self.retriever.context(chunk_id, User("x", ("sekretariat",)))

    bad = surface_leaks(case, Widening("old", "hybrid", asst.retriever, asst, idx), ANONYMOUS, levels, answer, leaks)
    assert any(r.startswith("tekst omkring kilde") for r in bad), bad

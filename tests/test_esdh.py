"""ESDH meeting packages (ingest.sources.esdh): golden tests on the two real exports in ../shared/esdh, synthetic
packages for closed/unknown access and missing or unreadable members, and ingestion of a package as one source."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from byraad.access import is_closed
from byraad.settings import Settings
from byraad.types import CLOSED, PUBLIC
from ingest.chunking import chunk_document
from ingest.loaders import SUPPORTED_EXTENSIONS, LoadOptions
from ingest.parse import parse_file
from ingest.pipeline import ingest_paths, scan
from ingest.sources import package_members, source_for
from vectorstore.index import Index
from vectorstore.protocols import HashEmbedder

SHARED = Path(__file__).resolve().parents[2] / "shared"
EDOC = SHARED / "esdh" / "edoc-ballerup-sundhed-forebyggelse-2012-12-04"
ACADRE = SHARED / "esdh" / "acadre-syddjurs-puk-2013-06-20"
needs_shared = pytest.mark.skipif(not (SHARED / "esdh").exists(), reason="../shared/esdh is absent")
OPTS = LoadOptions(ocr=False)  # deterministic: the scanned member must give its warning, not OCR text
S = Settings(embedder="hash:64")

_CACHE: dict[str, object] = {}


def parsed(xml: Path):
    if str(xml) not in _CACHE:
        _CACHE[str(xml)] = parse_file(xml, xml.name, "t", opts=OPTS)
    return _CACHE[str(xml)]


def chunks_of(doc):
    key = f"chunks:{doc.path}:{id(doc)}"
    if key not in _CACHE:
        _CACHE[key] = chunk_document(doc, S)
    return _CACHE[key]


def attachments(doc, number: str) -> list:
    return [s for s in doc.sections if s.section_id.startswith(f"bilag-{number}-")]


# ---------------------------------------------------------------- golden: eDoc (Ballerup)

EDOC_ITEMS = {
    "1": ("Meddelelser", "2011-29298", 3),
    "2": ("Bygningsvedligeholdelse 2013 - anlægsbevilling", "2012-28504", 1),
    "3": ("Kvalitetsstandarder for stof- og alkoholbehandling 2012-2013", "2012-31114", 1),
    "4": ("Takstreduktion på aflastningstilbuddet Torvevej i Skovlunde i 2013", "2012-31673", 1),
    "5": ("KL's opfølgningsproces vedrørende det nære sundhedsvæsen", "2011-29939", 2),
    "6": ("Prioritering af midler til kronisk syge borgere og hverdagsrehabilitering for ældre", "2012-21786", 1),
    "7": ("Etablering af aktivitetscenter på Solvej 6 i Ballerup", "2012-28505", 1),
    "8": ("Evaluering af rygestopkurser", "2010-3082", 0),
}


@needs_shared
def test_edoc_is_claimed_by_content_and_lists_its_members():
    xml = EDOC / "eDocAgendaPublishing.xml"
    assert source_for(xml).name == "esdh"
    assert source_for(EDOC / "1552814.PDF") is None
    members = {p.name for p in package_members(xml)}
    assert members == {p.name for p in EDOC.glob("*.PDF")}  # 8 items + 10 attachments + the whole agenda


@needs_shared
def test_edoc_golden_meeting_and_items():
    doc = parsed(EDOC / "eDocAgendaPublishing.xml")
    assert doc.kind == "minutes" and doc.access == PUBLIC and len(doc.meetings) == 1
    m = doc.meetings[0]
    assert (m.body, m.date, m.time, m.kind) == ("Sundheds- og Forebyggelsesudvalget", 20121204, "13:00", "minutes")
    assert doc.meta["meeting_state"] == "Referat endeligt godkendt"
    assert [it.number for it in m.items] == list(EDOC_ITEMS)  # sorted, although the XML lists 2,4,5,6,3,1,7,8
    for it in m.items:
        title, case, n_att = EDOC_ITEMS[it.number]
        assert (it.title, it.case_number, it.access) == (title, case, PUBLIC)
        assert len(attachments(doc, it.number)) == n_att
        assert doc.text[it.start :].startswith(f"Punkt {it.number}: {title}\nSagsnr.: {case}")
        for sec in attachments(doc, it.number):  # attachments lie inside their item
            assert it.start <= sec.start < sec.end <= it.end and sec.access == PUBLIC
        # minutes: the decision after "…udvalgets beslutning den 04.12.2012 Punkt N" is its own part
        assert it.decision and doc.text[it.decision_start :].startswith(it.decision)
    assert m.items[6].decision.startswith("Indstillingen godkendt med denne bemærkning")
    assert attachments(doc, "5")[1].title == "Bilag 2: Det nære sundhedsvæsen - KL"


@needs_shared
def test_edoc_scanned_member_costs_a_warning_not_the_package():
    doc = parsed(EDOC / "eDocAgendaPublishing.xml")
    scanned = [w for w in doc.warnings if "1537646.PDF" in w]
    assert scanned and scanned[0].startswith("Bilag 1 til punkt 2 »Bygningsliste og prioriteringssystem«")
    assert "OCR" in scanned[0]
    sec = attachments(doc, "2")[0]
    assert "Bygningsliste og prioriteringssystem" in doc.text[sec.start : sec.end]
    assert any("1543229.PDF" in w and "intet tekstlag" in w for w in doc.warnings)  # 13 of 108 KL pages


@needs_shared
def test_edoc_offsets_pages_and_chunks():
    doc = parsed(EDOC / "eDocAgendaPublishing.xml")
    assert len(doc.offset_map) == len(doc.text) + 1 and doc.offset_map[-1] == len(doc.raw_text)
    kl = attachments(doc, "5")[1]
    pages = [p for p in doc.pages if kl.start <= p.start < kl.end]
    assert pages[0].label == "1 (punkt 5, bilag 2)" and pages[0].start == kl.start
    assert all(p.label.endswith("(punkt 5, bilag 2)") for p in pages) and 90 <= len(pages) <= 108
    chunks, sources = chunks_of(doc)
    norm = lambda s: re.sub(r"\W+", "", s)  # noqa: E731
    dec = [(c, s) for c, s in zip(chunks, sources) if c.meta["chunk_type"] == "decision"]
    assert len(dec) == 8 and all(norm(c.text) == norm(s) for c, s in dec)
    assert {c.meta["page_label_start"] for c, _ in dec if c.meta["item_no"] == "2"} == {"2 (punkt 2)"}
    # every chunk of an attachment names its item
    for c in chunks:
        sec = next((s for s in doc.sections if s.start <= c.meta["char_start"] < s.end), None)
        if sec is not None:
            item = sec.section_id.split("-")[1]
            assert c.meta["item_no"] == item and c.meta["item_title"] == EDOC_ITEMS[item][0]
    first_kl = next(c for c in chunks if "Bilag 2: Det nære sundhedsvæsen - KL" in c.text)
    assert first_kl.meta["item_no"] == "5" and first_kl.meta["body"] == "Sundheds- og Forebyggelsesudvalget"


# ---------------------------------------------------------------- golden: Acadre (Syddjurs)


@needs_shared
def test_acadre_golden():
    xml = ACADRE / "XML_1863.xml"
    assert source_for(xml).name == "esdh" and source_for(ACADRE / "Files_1863_3687982" / "3687981.XML") is None
    assert {p.name for p in package_members(xml)} == {p.name for p in (ACADRE / "Files_1863_3687982").iterdir()}
    doc = parsed(xml)
    m = doc.meetings[0]
    assert (m.body, m.date, m.time, doc.kind) == (
        "Udvalget for plan, udvikling og kultur (PUK)",
        20130620,
        "10:30",
        "minutes",
    )
    assert m.place.startswith("Kaløvig Kursuscenter") and len(m.participants) == 5 and not m.absentees
    (it,) = m.items
    assert (it.number, it.title, it.case_number, it.access) == (
        "715",
        "Kulturkommune 2017. Politiske fokusområder",
        "12/27845",
        PUBLIC,
    )
    assert it.decision.startswith("Punktet blev drøftet.")
    # earlier decisions stay in the item text as its history
    assert "Beslutning i Udvalget for plan, udvikling og kultur (PUK) den 10-04-2013" in doc.text[it.start : it.end]
    secs = attachments(doc, "715")
    assert [s.title for s in secs] == [
        "Bilag 1: Opsamlingsnotat. Temamøde 20.09.2012",
        "Bilag 2: Politik for Kultur og Fritid - Lokalt engagement, Godkendt af byrådet 300409",
        "Bilag 3: Kulturkommune 2017 - arbejdsoplæg til Udvalget for Plan, Udvikling og Kultur",
    ]
    assert all(s.access == PUBLIC and it.start <= s.start < s.end <= it.decision_start for s in secs)
    doc_text = doc.text[secs[1].start : secs[1].end]
    if ".doc" in SUPPORTED_EXTENSIONS:  # old binary Word (antiword) is loadable
        assert "Forord" in doc_text and not any("2531342E2.DOC" in w for w in doc.warnings)
    else:
        assert any(w.startswith("Bilag 2 til punkt 715") and "2531342E2.DOC" in w for w in doc.warnings)
    assert [p.label for p in doc.pages if secs[0].start <= p.start < secs[0].end] == ["punkt 715, bilag 1"]


def _acadre_copy(tmp: Path) -> Path:
    folder = tmp / "acadre"
    shutil.copytree(ACADRE, folder)
    for p in folder.rglob("*"):
        p.chmod(0o755 if p.is_dir() else 0o644)  # the shared copy is read-only
    return folder


@needs_shared
@pytest.mark.parametrize(
    "name, code, level", [("Lukket", "2", "closed:udvalget-for-plan-udvikling-og-kultur-puk"), ("", "9", CLOSED)]
)
def test_acadre_closed_and_unknown_item_access(tmp_path, name, code, level):
    folder = _acadre_copy(tmp_path)
    inner = folder / "Files_1863_3687982" / "3687981.XML"
    x = inner.read_text(encoding="utf-8")
    x = x.replace('<field name="access" criteria="IN(1)">1</field>', f'<field name="access">{code}</field>')
    x = x.replace(
        '<field name="accessname">Åben</field><field name="stateName">Afsendt</field>',
        f'<field name="accessname">{name}</field><field name="stateName">Afsendt</field>',
    )
    inner.write_text(x, encoding="utf-8")
    doc = parse_file(folder / "XML_1863.xml", "XML_1863.xml", "t", opts=OPTS)
    (it,) = doc.meetings[0].items
    assert it.access == level and not it.decision
    assert all(s.access == level for s in doc.sections)
    assert any(w.startswith("Punkt 715:") for w in doc.warnings) == (level == CLOSED)
    chunks, _ = chunk_document(doc, S)
    public = " ".join(c.text + c.meta["header"] for c in chunks if c.meta["access"] == PUBLIC)
    assert "715. Lukket punkt" in public and "Kulturkommune" not in public and "Punktet blev drøftet" not in public


# ---------------------------------------------------------------- synthetic eDoc packages

BODY = "Teknik- og Miljøudvalget"
SECRET = "Sælger vil have 14 mio. kr. for grunden"


def _pdf(path: Path, *pages: str) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    for text in pages:
        pdf.add_page()
        if text:
            pdf.multi_cell(0, 6, text)
        else:
            pdf.rect(20, 20, 100, 60, style="F")  # a "scan": a page without a text layer
    pdf.output(str(path))


def _att(title: str, ref: str, publishing: str = "SKAL PUBLICERES", neutral: str | None = None) -> str:
    return (
        f"<Attachment><Title>{escape(title)}</Title><NeutralTitle>{escape(neutral or title)}</NeutralTitle>"
        f"<PDFDocument>{ref}</PDFDocument><PublicAccess />"
        + (f"<PublishingType>{publishing}</PublishingType>" if publishing else "")
        + "</Attachment>"
    )


def _item(
    number: str, title: str, ref: str, atts: str = "", publishing: str = "SKAL PUBLICERES", neutral: str | None = None
) -> str:
    pt = f"<PublishingType>{publishing}</PublishingType>" if publishing else ""
    return (
        f"<MeetingAgendaItem><AgendaItemNumber>{number}</AgendaItemNumber><PDFDocument>{ref}</PDFDocument>"
        f'<Document documentid="{number}"><Title>{escape(title)}</Title>'
        f"<NeutralTitle>{escape(neutral or title)}</NeutralTitle><PublicAccess />{pt}"
        f"<Attachments>{atts}</Attachments></Document></MeetingAgendaItem>"
    )


def _agenda_type(name: str, items: str) -> str:
    return (
        f"<MeetingAgendaType><AgendaType>{name}</AgendaType><PDFDocument>hele.pdf</PDFDocument>"
        f"<MeetingAgendaItems>{items}</MeetingAgendaItems></MeetingAgendaType>"
    )


def make_edoc(folder: Path, name: str = "export.xml") -> Path:
    """Items: 1 open (open attachment, closed attachment, missing attachment, scanned attachment),
    2 open agenda but no PublishingType (unknown), 3 on the closed agenda."""
    folder.mkdir(parents=True, exist_ok=True)
    decision = f"{BODY}s beslutning den 14.03.2024 Punkt {{n}}\nIndstillingen godkendt."
    _pdf(folder / "HELE.PDF", "Hele dagsordenen")
    _pdf(
        folder / "P1.PDF",
        "1. Cykelsti langs Ådalsvej\nSagsnr.: 2024-1111\nForvaltningen foreslår en cykelsti.",
        "Udvalget drøftede trafiksikkerheden.\n" + decision.format(n=1),
    )
    _pdf(folder / "B11.PDF", "Tegning af cykelstien med målsætning og budget 4,2 mio. kr.")
    _pdf(folder / "B12.PDF", "Lodsejer Jensen ønsker 300.000 kr. i erstatning for arealet.")
    _pdf(folder / "B14.PDF", "")
    _pdf(folder / "P2.PDF", "2. Vintertjeneste\nSaltning af cykelstier prioriteres.")
    _pdf(folder / "P3.PDF", f"3. Køb af grunden Skovvej 12\n{SECRET}.\n" + decision.format(n=3))
    items = _item(
        "1",
        "Cykelsti langs Ådalsvej",
        "p1.pdf",
        _att("Tegning af cykelsti", "b11.pdf")
        + _att("Erstatning til lodsejer Jensen", "b12.pdf", "MÅ IKKE PUBLICERES", "Notat om erstatning")
        + _att("Tilbud fra entreprenør", "b13.pdf")
        + _att("Skannet høringssvar", "b14.pdf"),
    ) + _item("2", "Vintertjeneste", "p2.pdf", publishing="")
    closed = _item("3", "Køb af grunden Skovvej 12", "p3.pdf", neutral="Køb af ejendom")
    xml = (
        f'<?xml version="1.0"?>\r\n<Meeting><Committee>{BODY}</Committee>'
        f"<MeetingDate>14-03-2024 16:00:00</MeetingDate><MeetingState>Referat endeligt godkendt</MeetingState>"
        f"<MeetingAgendaTypes>{_agenda_type('Åben dagsorden', items)}"
        f"{_agenda_type('Lukket dagsorden', closed)}</MeetingAgendaTypes>"
        f"<FullText>forside&#xC;side 2</FullText></Meeting>"
    )
    (folder / name).write_text(xml, encoding="utf-8")
    return folder / name


def test_synthetic_edoc_structure_and_warnings(tmp_path):
    xml = make_edoc(tmp_path / "pkg")
    assert {p.name for p in package_members(xml)} == {
        "HELE.PDF",
        "P1.PDF",
        "B11.PDF",
        "B12.PDF",
        "B14.PDF",
        "P2.PDF",
        "P3.PDF",
    }  # case-insensitive, b13 missing
    doc = parse_file(xml, "pkg/export.xml", "t", opts=OPTS)
    m = doc.meetings[0]
    assert (m.body, m.date, m.time) == (BODY, 20240314, "16:00")
    one, two, three = m.items
    assert (one.access, two.access, three.access) == (PUBLIC, CLOSED, "closed:teknik-og-miljoeudvalget")
    assert one.case_number == "2024-1111" and one.decision == "Indstillingen godkendt."
    assert "PublishingType" in two.access_reason
    assert any(w.startswith("Punkt 2:") and "PublishingType" in w for w in doc.warnings)
    assert any(
        w.startswith("Bilag 3 til punkt 1 »Tilbud fra entreprenør« (b13.pdf)") and "findes ikke" in w
        for w in doc.warnings
    )
    assert any(w.startswith("Bilag 4 til punkt 1 »Skannet høringssvar« (b14.pdf)") for w in doc.warnings)
    assert not three.decision  # a closed item's decision is not split off as a public part
    secs = {s.section_id: s for s in doc.sections}
    assert secs["bilag-1-2"].access == "closed:teknik-og-miljoeudvalget"
    assert secs["bilag-1-2"].start >= three.end  # after the items: it may not share its open item's level
    assert all(one.start <= secs[k].start < secs[k].end <= one.decision_start for k in ("bilag-1-1", "bilag-1-3"))


def test_synthetic_closed_content_never_reaches_public_chunks(tmp_path):
    doc = parse_file(make_edoc(tmp_path / "pkg"), "export.xml", "t", opts=OPTS)
    chunks, _ = chunk_document(doc, S)
    public = " ".join(c.text + " " + c.meta["header"] for c in chunks if c.meta["access"] == PUBLIC)
    for secret in (SECRET, "Køb af grunden Skovvej", "300.000 kr", "Erstatning til lodsejer", "Saltning"):
        assert secret not in public
    assert "Lukket punkt: Køb af ejendom" in public and "Bilag 2: Notat om erstatning (lukket bilag)" in public
    closed3 = [c for c in chunks if c.meta.get("item_no") == "3"]
    assert closed3 and all(c.meta["access"] == "closed:teknik-og-miljoeudvalget" for c in closed3)
    assert SECRET in " ".join(c.text for c in closed3)
    erst = next(c for c in chunks if "300.000 kr" in c.text)
    assert erst.meta["access"] == "closed:teknik-og-miljoeudvalget" and erst.meta["section_id"] == "bilag-1-2"
    assert next(c for c in chunks if "Saltning" in c.text).meta["access"] == CLOSED
    # the open attachment's chunk names its item and carries the attachment's title
    draw = next(c for c in chunks if "4,2 mio" in c.text)
    assert (draw.meta["item_no"], draw.meta["item_title"], draw.meta["access"]) == (
        "1",
        "Cykelsti langs Ådalsvej",
        PUBLIC,
    )
    assert "Bilag 1: Tegning af cykelsti" in draw.text
    assert doc.page_at(doc.text.index("4,2 mio")).label == "1 (punkt 1, bilag 1)"


def test_ocr_pages_of_a_member_are_marked_in_package_numbering(tmp_path, monkeypatch):
    import ingest.sources.esdh as esdh
    from ingest.loaders import LoadedFile

    real = esdh._load

    def fake(path, opts):  # what the loader returns for a scan it could OCR
        if path.name == "B14.PDF":
            return LoadedFile(
                "Genkendt tekst fra en scannet side om høringssvaret.",
                (0,),
                ("1",),
                "",
                {"format": "pdf", "ocr": True, "ocr_pages": "1"},
                (),
            )
        return real(path, opts)

    monkeypatch.setattr(esdh, "_load", fake)
    doc = parse_file(make_edoc(tmp_path / "pkg"), "export.xml", "t", opts=OPTS)
    page = doc.page_at(doc.text.index("Genkendt tekst"))
    assert page.label == "1 (punkt 1, bilag 4)" and doc.meta["ocr_pages"] == str(page.number)
    chunks, _ = chunk_document(doc, S)
    assert next(c for c in chunks if "Genkendt tekst" in c.text).meta.get("ocr") is True
    assert not any(c.meta.get("ocr") for c in chunks if c.meta["chunk_type"] == "decision")


def test_unknown_agenda_type_is_closed_with_a_warning(tmp_path):
    xml = make_edoc(tmp_path / "pkg")
    xml.write_text(xml.read_text(encoding="utf-8").replace("Åben dagsorden", "Særlig dagsorden"), encoding="utf-8")
    doc = parse_file(xml, "export.xml", "t", opts=OPTS)
    one = doc.meetings[0].items[0]
    assert one.access == CLOSED and "Særlig dagsorden" in one.access_reason
    assert any("Særlig dagsorden" in w and w.startswith("Punkt 1:") for w in doc.warnings)
    chunks, _ = chunk_document(doc, S)
    assert not any("Forvaltningen foreslår" in c.text for c in chunks if not is_closed(c.meta["access"]))


def test_claims_by_content_not_by_name(tmp_path):
    xml = make_edoc(tmp_path / "pkg")
    other = tmp_path / "eDocAgendaPublishing.xml"
    other.write_text('<?xml version="1.0"?><Agenda><Committee>x</Committee></Agenda>', encoding="utf-8")
    assert source_for(xml) is not None and source_for(other) is None


# ---------------------------------------------------------------- ingestion: one package = one source


def _run(folder: Path, tmp: Path):
    s = Settings(data_dir=str(tmp / "data"), embedder="hash:64", ocr=False)
    idx = Index(s, embedder=HashEmbedder(64))
    rep = ingest_paths([folder], s, index=idx, progress=False)
    chunks = idx.catalog.chunks()
    idx.close()
    return rep, chunks


def test_ingest_synthetic_package_as_one_document(tmp_path):
    folder = tmp_path / "corpus"
    make_edoc(folder / "tmu-2024-03-14")
    _pdf(folder / "loose.pdf", "Et løst notat om vejbump på Skovvej.")
    files, skipped = scan([folder])
    assert [f.rel for f in files] == ["loose.pdf", "tmu-2024-03-14/export.xml"] and not skipped
    pkg = files[1]
    assert pkg.size == sum(p.stat().st_size for p in (folder / "tmu-2024-03-14").iterdir())

    rep, chunks = _run(folder, tmp_path)
    assert sorted(rep.new) == ["loose.pdf", "tmu-2024-03-14/export.xml"] and not rep.failed
    assert {c.meta["path"] for c in chunks} == {"loose.pdf", "tmu-2024-03-14/export.xml"}
    assert len({c.doc_id for c in chunks if c.meta["path"].endswith("export.xml")}) == 1

    rep2, _ = _run(folder, tmp_path)
    assert not rep2.new and not rep2.changed and sorted(rep2.unchanged) == sorted(rep.new)

    _pdf(folder / "tmu-2024-03-14" / "B11.PDF", "Ny tegning: budgettet er hævet til 5,1 mio. kr.")
    rep3, chunks3 = _run(folder, tmp_path)
    assert rep3.changed == ["tmu-2024-03-14/export.xml"] and rep3.unchanged == ["loose.pdf"]
    text = " ".join(c.text for c in chunks3)
    assert "5,1 mio" in text and "4,2 mio" not in text


@needs_shared
def test_ingest_real_acadre_package_and_change_one_attachment(tmp_path):
    folder = _acadre_copy(tmp_path)
    rep, chunks = _run(folder, tmp_path)
    assert rep.new == ["XML_1863.xml"] and not rep.failed and not rep.skipped
    assert {c.meta["path"] for c in chunks} == {"XML_1863.xml"}
    files = folder / "Files_1863_3687982"
    shutil.copy(files / "3525829E1.DOCX", files / "3629343E3.DOCX")
    rep2, chunks2 = _run(folder, tmp_path)
    assert rep2.changed == ["XML_1863.xml"] and not rep2.new
    assert "KULTURKOMMUNE 2017 - Arbejdsoplæg" in " ".join(c.text for c in chunks)
    assert "KULTURKOMMUNE 2017 - Arbejdsoplæg" not in " ".join(c.text for c in chunks2)


@needs_shared
@pytest.mark.slow
def test_ingest_real_edoc_package_is_one_document(tmp_path):
    folder = tmp_path / "edoc"
    shutil.copytree(EDOC, folder)
    rep, chunks = _run(folder, tmp_path)
    assert rep.new == ["eDocAgendaPublishing.xml"] and not rep.failed and not rep.skipped
    assert {c.meta["path"] for c in chunks} == {"eDocAgendaPublishing.xml"} and len({c.doc_id for c in chunks}) == 1
    assert rep.meetings == 1 and rep.items == 8
    assert any("1537646.PDF" in w["warning"] for w in rep.warnings)

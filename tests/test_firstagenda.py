"""The FirstAgenda portal loader: golden tests on the three real Aarhus pages, plus hand-made pages for closed
items, attachments (package members, chunked inside their item), an unrendered page and HTML that is not from the
portal."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from byraad.settings import Settings
from byraad.types import PUBLIC
from ingest.chunking import chunk_document
from ingest.loaders import LoadError, LoadOptions
from ingest.parse import parse_file
from ingest.pipeline import scan
from ingest.sources import package_members, source_for
from ingest.sources import firstagenda as fa
from tests.badinput import text_pdf

SHARED = Path(__file__).resolve().parents[2] / "shared"
PORTAL = SHARED / "html" / "aarhus-firstagenda"
AGENDA, MINUTES, LISTING = (
    PORTAL / n for n in ("example_agenda.html", "example_minutes.html", "example_listings.html")
)
real = pytest.mark.skipif(not PORTAL.exists(), reason="shared portal pages not available")
S = Settings(embedder="hash:64")

_CACHE: dict[Path, object] = {}


def _doc(path: Path):
    if path not in _CACHE:
        _CACHE[path] = parse_file(path, path.name)
    return _CACHE[path]


# ---------------------------------------------------------------- the real pages


@real
def test_claims_meeting_pages_not_the_listing():
    assert source_for(AGENDA).name == "firstagenda"
    assert source_for(MINUTES).name == "firstagenda"
    assert source_for(LISTING) is None  # the listing is read by `byraad sync`, never ingested


@real
def test_agenda_golden():
    d = _doc(AGENDA)
    assert d.kind == "agenda" and d.title == "Dagsorden – Aarhus Byråd 08.10.2025"
    assert d.raw_text == d.text and len(d.offset_map) == len(d.text) + 1
    (m,) = d.meetings
    assert (m.body, m.date, m.time, m.place, m.kind) == ("Aarhus Byråd", 20251008, "16.00", "Byrådssalen", "agenda")
    assert [it.number for it in m.items] == [str(i) for i in range(1, 34)]
    titles = {it.number: it.title for it in m.items}
    assert titles["1"] == "Godkendelse af dagsorden"
    assert titles["2"] == "Forslag til budget 2026-2029"
    assert titles["22"] == "Udviklingsplan Aarhus Ø - endelig vedtagelse"
    assert titles["33"].startswith("Forslag fra V, KF, LA og DD om afledte konsekvenser")
    cases = {it.number: it.case_number for it in m.items}
    assert cases["1"] == "EMN-2023-009832"
    assert cases["2"] == cases["3"] == cases["4"] == "EMN-2025-008308"
    assert all(re.fullmatch(r"EMN-\d{4}-\d{6}", c) for c in cases.values())
    # An agenda has no decisions; "Beslutningspunkter" (the recommendation) is not one.
    assert all(it.decision == "" and it.decision_start == -1 for it in m.items)
    assert "Beslutningspunkter\nDet indstilles:" in d.text
    assert all(it.access == PUBLIC for it in m.items)
    _check_spans(d)


@real
def test_minutes_golden_with_decisions():
    d = _doc(MINUTES)
    assert d.kind == "minutes" and d.title == "Referat – Teknisk Udvalg 01.10.2025"
    (m,) = d.meetings
    assert (m.body, m.date, m.time, m.place) == ("Teknisk Udvalg", 20251001, "15.45", "Udvalgsværelse 398")
    assert [(it.number, it.title) for it in m.items][:2] == [
        ("1", "Referat fra sidste udvalgsmøde"),
        ("2", "Udviklingsplan Aarhus Ø - endelig vedtagelse"),
    ]
    assert len(m.items) == 6 and m.items[4].title == "Eventuelt" and m.items[4].case_number == ""
    assert m.items[5].case_number == "EMN-2024-035156"
    dec = {it.number: it.decision for it in m.items}
    assert dec["1"] == "Ingen bemærkninger."
    assert dec["2"].startswith("Et flertal i udvalget kunne tiltræde indstillingen")
    assert "Solveig Munk kunne ikke tiltræde indstillingen." in dec["2"]
    assert dec["6"] == "Sagen blev udsat uden behandling."
    assert all(dec.values())
    for it in m.items:
        assert d.text[it.decision_start :].startswith(it.decision)
        assert it.start < it.decision_start < it.end
        assert "Beslutningspunkter" not in it.decision
    _check_spans(d)


@real
def test_attachment_links_in_meta():
    d = _doc(MINUTES)
    raw = MINUTES.read_text(encoding="utf-8")
    links = [json.loads(v) for k, v in d.meta.items() if k.endswith("_bilag")]
    assert sum(len(x) for x in links) == raw.count('class="bilag-link"')  # every attachment, once
    first = json.loads(d.meta["item_2_bilag"])[0]
    assert first["title"] == "Indstilling" and "94551d83-7092-4d8c-9376-74e6c3261ed6" in first["url"]
    assert d.meta["item_2_id"] == "8a0992ec-3c28-49a3-94d5-719c83734374"
    assert d.meta["item_2_pdf"].startswith("/vis/pdf/dagsordenpunkt/8a0992ec-")
    assert all(isinstance(v, (str, int, float, bool)) for v in d.meta.values())  # flat, Chroma-safe
    agenda = _doc(AGENDA)
    raw_a = AGENDA.read_text(encoding="utf-8")
    assert sum(len(json.loads(v)) for k, v in agenda.meta.items() if k.endswith("_bilag")) == raw_a.count(
        'class="bilag-link"'
    )


@real
def test_real_pages_chunk_with_item_metadata():
    d = _doc(MINUTES)
    chunks, _ = chunk_document(d, S)
    assert all(c.meta["access"] == "public" for c in chunks)
    assert {c.meta["body_key"] for c in chunks} == {"teknisk-udvalg"}
    assert {c.meta["meeting_date"] for c in chunks} == {20251001}
    decisions = [c for c in chunks if c.meta["chunk_type"] == "decision"]
    assert sorted(c.meta["item_no"] for c in decisions) == ["1", "2", "3", "4", "5", "6"]
    assert any(c.meta.get("case_number") == "EMN-2025-009242" for c in chunks)
    assert not any("<" in c.text and ">" in c.text for c in chunks)  # no markup leaks into the text


def _check_spans(d):
    (m,) = d.meetings
    prev = 0
    for it in m.items:
        assert prev <= it.start < it.end <= len(d.text)
        assert d.text[it.start :].startswith(f"Punkt {it.number}: {it.title}\n")
        if it.case_number:
            assert f"Sagsnr.: {it.case_number}" in d.text[it.start : it.end]
        prev = it.end
    assert d.pages[0].start == 0 and d.pages[-1].end == len(d.text)


# ---------------------------------------------------------------- hand-made pages

G1, G2, G3 = (
    "11111111-1111-4111-8111-111111111111",
    "22222222-2222-4222-8222-222222222222",
    "33333333-3333-4333-8333-333333333333",
)
A1, A2 = "aaaaaaaa-0000-4000-8000-00000000000a", "bbbbbbbb-0000-4000-8000-00000000000b"
STALE = "gammel--cccccccc-0000-4000-8000-00000000000c.pdf"
SECRET = "forhandling med sælger om prisen på 14 mio. kr."


def _row(uid: str, no: str, title: str, body: str, extra_cls: str = "", label: str = "", bilag: str = "") -> str:
    return (
        f'<tr class="punktrow {extra_cls}" id="punktrow_{uid}"><td class="text-center punkt-tabel">'
        f'<span class="label label-default">{no}</span>{label}</td><td class="punkt-tabel">'
        f'<button class="overskrift-btn"><h2 class="overskrift text-left">{title}</h2></button>'
        f'<div class="details"><span class="sagsnummer">EMN-2025-00000{no}</span><div class="punkt"><h3></h3>'
        f'<div><div id="sagsfremstillingContainer"><div>{body}</div></div></div></div>{bilag}</div></td>'
        f'<td><ul class="dropdown-menu"><li><a href="#" data-id="{uid}" data-type="dagsordenpunkt">'
        f"Hent som PDF</a></li></ul></td></tr>"
    )


def _bilag(*id_title: str) -> str:
    """The attachment list of an item: _bilag(id1, title1, id2, title2, …)."""
    links = "".join(
        f'<li><a id="enclosure-{aid}" class="bilag-link" href="/vis/pdf/bilag/{aid}/?redirectDirectly'
        f'ToPdf=false">{title}</a></li>'
        for aid, title in zip(id_title[::2], id_title[1::2])
    )
    return f'<h3>Bilag</h3><ul class="list-unstyled">{links}</ul>'


def page(rows: str, kind: str = "Referat") -> str:
    return (
        f'<html><head><title>x</title></head><body><h1 class="green dato">{kind} 12. januar 2025 kl. 9.00</h1>'
        '<h2 class="black"><span class="udvalg">Teknisk Udvalg</span> - <span class="sted">Rådhuset</span></h2>'
        '<table class="dagsordeninfo"><tbody><tr><td>Udvalg:</td><td><span class="udvalg">Teknisk Udvalg</span>'
        '</td></tr><tr><td>Mødedato:</td><td><span class="dato">søndag den 12. januar 2025 kl. 9.00</span>'
        '</td></tr></tbody></table><table id="dagsordenDetaljer" class="table"><tbody>'
        f"{rows}</tbody></table></body></html>"
    )


CLOSED_PAGE = page(
    _row(
        G1,
        "1",
        "Cykelsti på Ådalsvej",
        "<h3>Resume</h3><span class='resume'><div>Ny cykelsti til 4,2 mio. kr."
        "</div></span><h3>Beslutninger</h3><span class='resume'><div>Godkendt.</div></span>",
        bilag=_bilag(A1, "Indstilling om cykelsti"),
    )
    + _row(
        G2,
        "2",
        "Køb af grunden Skovvej 12",
        f"<h3>Resume</h3><div>Status for {SECRET}</div><h3>Beslutninger</h3><div>Indstillingen blev godkendt.</div>",
        extra_cls="lukket",
        bilag=_bilag(A2, "Skøde Skovvej 12"),
    )
    + _row(
        G3,
        "3",
        "Personalesag",
        "<div>Afskedigelse af medarbejder Hansen.</div>",
        label='<span class="label label-danger">Lukket punkt</span>',
    )
)


def _write(tmp_path: Path, name: str, html: str) -> Path:
    p = tmp_path / name
    p.write_text(html, encoding="utf-8")
    return p


def test_closed_items_get_closed_level_and_stay_out_of_public_chunks(tmp_path):
    p = _write(tmp_path, "referat-tu.html", CLOSED_PAGE)
    d = parse_file(p, p.name)
    (m,) = d.meetings
    assert m.date == 20250112 and m.time == "9.00" and m.kind == "minutes"
    acc = {it.number: it.access for it in m.items}
    assert acc == {"1": "public", "2": "closed:teknisk-udvalg", "3": "closed:teknisk-udvalg"}
    assert all(m.items[i].access_reason for i in (1, 2))
    assert m.items[1].decision == "Indstillingen blev godkendt."
    chunks, _ = chunk_document(d, S)
    public = [c for c in chunks if c.meta["access"] == "public"]
    for c in public:
        for secret in (SECRET, "Skovvej", "Skøde", "Hansen", "Personalesag"):
            assert secret not in c.embed_text, (secret, c.meta["chunk_type"], c.embed_text)
    assert any(SECRET in c.text and c.meta["access"] == "closed:teknisk-udvalg" for c in chunks)
    # the closed item's decision stays public (project convention) under a neutral title
    dec2 = [c for c in chunks if c.meta["chunk_type"] == "decision" and c.meta["item_no"] == "2"]
    assert dec2 and dec2[0].meta["access"] == "public" and dec2[0].meta["item_title"] == "Lukket punkt"
    # links of closed items are not exposed in the document metadata; the open item's are
    assert not any(k.startswith(("item_2_", "item_3_")) for k in d.meta)
    assert json.loads(d.meta["item_1_bilag"])[0]["title"] == "Indstilling om cykelsti"
    assert "Skøde Skovvej 12" not in d.text


def test_attachments_are_package_members_inside_their_item(tmp_path):
    p = _write(tmp_path, "referat-tu.html", CLOSED_PAGE)
    folder = tmp_path / "referat-tu.bilag"
    folder.mkdir()
    (folder / f"indstilling-om-cykelsti--{A1}.pdf").write_bytes(
        text_pdf(["Indstilling: cykelstien anlaegges i 2025.", "Side to om trafiksikkerhed ved skolen."])
    )
    (folder / f"skoede--{A2}.pdf").write_bytes(text_pdf(["Skoedet for grunden: kontant betaling ved overtagelse."]))
    (folder / STALE).write_bytes(text_pdf(["Ikke laengere paa siden."]))
    # the whole folder belongs to the page (a stale attachment is not ingested loose), only referenced ones are read
    assert sorted(m.name for m in package_members(p)) == sorted(
        [f"indstilling-om-cykelsti--{A1}.pdf", f"skoede--{A2}.pdf", STALE]
    )
    files, _ = scan([tmp_path])
    assert [f.rel for f in files] == ["referat-tu.html"]  # members are not listed on their own
    d = parse_file(p, p.name)
    sec, closed_sec = d.sections
    assert (sec.title, sec.section_id, sec.access) == ("Indstilling om cykelsti", "bilag-1-1", "public")
    assert (closed_sec.section_id, closed_sec.access) == ("bilag-2-1", "closed:teknisk-udvalg")
    body = d.text[sec.start : sec.end]
    assert body.startswith("Bilag til punkt 1: Indstilling om cykelsti\n")
    assert "cykelstien anlaegges i 2025" in body and "trafiksikkerhed ved skolen" in body
    assert "Ikke laengere" not in d.text
    it1, it2, _ = d.meetings[0].items
    # inside the item, after its sections, before its decision (the decision unit is [decision_start, end))
    assert it1.start < d.text.index("Ny cykelsti til 4,2") < sec.start < sec.end < it1.decision_start < it1.end
    assert it2.start < closed_sec.start < closed_sec.end < it2.decision_start
    # pages: the web page is split around the attachments; attachment pages name item and attachment
    assert [(p_.number, p_.label) for p_ in d.pages] == [
        (1, "1"),
        (2, "1 (punkt 1, bilag 1)"),
        (3, "2 (punkt 1, bilag 1)"),
        (4, "1"),
        (5, "1 (punkt 2, bilag 1)"),
        (6, "1"),
    ]
    assert d.pages[0].start == 0 and d.pages[-1].end == len(d.text)
    assert all(a.end == b.start for a, b in zip(d.pages, d.pages[1:]))  # no gaps, no overlaps
    assert d.page_at(d.text.index("trafiksikkerhed")).label == "2 (punkt 1, bilag 1)"
    assert d.page_at(d.text.index("Godkendt.")).label == "1"
    assert d.pages[1].start == sec.start and d.pages[2].end == sec.end
    assert d.meta["page_count"] == 1 + 3  # the web page and three attachment pages
    chunks, _ = chunk_document(d, S)
    att = [c for c in chunks if "trafiksikkerhed" in c.text]
    assert len(att) == 1
    m = att[0].meta
    assert (m["chunk_type"], m["item_no"], m["item_title"], m["section"], m["section_id"]) == (
        "section",
        "1",
        "Cykelsti på Ådalsvej",
        "Indstilling om cykelsti",
        "bilag-1-1",
    )
    assert (m["page_label_start"], m["page_label_end"], m["access"], m["meeting_date"]) == (
        "1 (punkt 1, bilag 1)",
        "2 (punkt 1, bilag 1)",
        "public",
        20250112,
    )
    # the header embedded with every chunk of the attachment names both the item and the attachment
    assert m["header"].endswith("Punkt 1: Cykelsti på Ådalsvej › Indstilling om cykelsti")
    # the item's decision is still a chunk of its own, holding only the decision
    dec1 = [c for c in chunks if c.meta["chunk_type"] == "decision" and c.meta["item_no"] == "1"]
    assert [c.text for c in dec1] == ["Godkendt."] and "section" not in dec1[0].meta
    assert [c.meta["chunk_type"] for c in chunks if "Godkendt." in c.text] == ["decision"]
    # a closed item's attachment (put there by hand: sync never fetches it) stays closed
    for c in chunks:
        if "kontant betaling" in c.text:
            assert c.meta["access"] == "closed:teknisk-udvalg" and c.meta["section_id"] == "bilag-2-1"
        if c.meta["access"] == "public":
            assert "kontant betaling" not in c.embed_text and "Skøde" not in c.embed_text
    assert any("kontant betaling" in c.text for c in chunks)


def test_attachment_numbers_follow_the_item_list_and_agenda_items_end_with_them(tmp_path):
    a3, a4 = "dddddddd-0000-4000-8000-00000000000d", "eeeeeeee-0000-4000-8000-00000000000e"
    rows = _row(
        G1,
        "1",
        "Cykelsti på Ådalsvej",
        "<h3>Resume</h3><div>Ny cykelsti langs Ådalsvej.</div>",
        bilag=_bilag(A1, "Indstilling om cykelsti", a3, "Kort over ruten"),
    ) + _row(
        G2,
        "2",
        "Vejarbejde",
        "<div>Orientering om vejarbejde i foråret.</div>",
        bilag=_bilag(a4, "Tidsplan for vejarbejdet"),
    )
    p = _write(tmp_path, "dagsorden-tu.html", page(rows, kind="Dagsorden"))
    folder = tmp_path / "dagsorden-tu.bilag"
    folder.mkdir()
    # only the second attachment of item 1 was fetched: it keeps its number 2
    (folder / f"kort--{a3}.pdf").write_bytes(text_pdf(["Kortet viser ruten fra Viby til midtbyen."]))
    (folder / f"tidsplan--{a4}.pdf").write_bytes(text_pdf(["Uge 10 til 14: Ringgaden spaerres.", "Uge 15: asfalt."]))
    d = parse_file(p, p.name)
    assert d.kind == "agenda"
    assert [(s.section_id, s.title) for s in d.sections] == [
        ("bilag-1-2", "Kort over ruten"),
        ("bilag-2-1", "Tidsplan for vejarbejdet"),
    ]
    it1, it2 = d.meetings[0].items
    for it, sec in zip((it1, it2), d.sections):
        assert it.decision_start == -1 and it.start < sec.start < sec.end <= it.end
    assert d.sections[1].end == it2.end == len(d.text)  # the last item ends with its attachment
    assert [p_.label for p_ in d.pages] == [
        "1",
        "1 (punkt 1, bilag 2)",
        "1",
        "1 (punkt 2, bilag 1)",
        "2 (punkt 2, bilag 1)",
    ]
    assert d.pages[-1].end == len(d.text) and all(a.end == b.start for a, b in zip(d.pages, d.pages[1:]))
    chunks, _ = chunk_document(d, S)
    (c,) = [c for c in chunks if "Ringgaden" in c.text]
    assert (c.meta["item_no"], c.meta["section_id"], c.meta["section"]) == (
        "2",
        "bilag-2-1",
        "Tidsplan for vejarbejdet",
    )
    assert (c.meta["page_label_start"], c.meta["page_label_end"]) == ("1 (punkt 2, bilag 1)", "2 (punkt 2, bilag 1)")


def test_non_portal_html_is_unsupported(tmp_path):
    p = _write(tmp_path, "blog.html", "<html><body><h1>Min blog</h1><p>Punkt 1: Ikke et referat.</p></body></html>")
    assert source_for(p) is None
    with pytest.raises(LoadError) as e:
        parse_file(p, p.name)
    assert e.value.code == "unsupported"
    with pytest.raises(LoadError) as e2:
        fa.parse(p, p.name, "x" * 16, LoadOptions())
    assert e2.value.code == "unsupported" and "FirstAgenda" in str(e2.value)
    _, skipped = scan([tmp_path])
    assert [s["path"] for s in skipped] == ["blog.html"]


@real
def test_listing_copy_is_not_ingested(tmp_path):
    p = tmp_path / "forside.html"
    p.write_bytes(LISTING.read_bytes())
    files, skipped = scan([tmp_path])
    assert files == [] and [s["path"] for s in skipped] == ["forside.html"]


def test_unrendered_portal_page_fails_clearly(tmp_path):
    p = _write(tmp_path, "tom.html", page(""))
    assert source_for(p) is not None
    with pytest.raises(LoadError) as e:
        parse_file(p, p.name)
    assert e.value.code == "empty" and "JavaScript" in str(e.value)


def test_agenda_kind_and_title_from_hand_made_page(tmp_path):
    p = _write(
        tmp_path,
        "d.htm",
        page(_row(G1, "1", "Orientering", "<div>Kort orientering om vejarbejde.</div>"), kind="Dagsorden"),
    )
    d = parse_file(p, p.name)
    assert d.kind == "agenda" and d.title == "Dagsorden – Teknisk Udvalg 12.01.2025"
    assert d.meetings[0].items[0].decision == ""

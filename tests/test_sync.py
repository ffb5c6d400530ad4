"""`byraad sync` against a local HTTP server (127.0.0.1) serving the saved portal pages: first fetch, reruns that
fetch nothing, a changed page, 404s, attachments (closed items skipped; chunked inside their item), an unreachable
portal, then ingestion of the synced folder and a search over it."""

from __future__ import annotations

import hashlib
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from byraad.settings import Settings
from ingest.parse import parse_file
from ingest.pipeline import ingest_paths
from ingest.sources.firstagenda.sync import MANIFEST, ListingEntry, SyncError, file_name, read_listing, sync_portal
from tests.badinput import text_pdf
from tests.servers import free_port
from tests.test_firstagenda import A1, A2, CLOSED_PAGE, G1
from vectorstore.filters import Filter
from vectorstore.index import Index
from vectorstore.protocols import HashEmbedder, MemoryStore

SHARED = Path(__file__).resolve().parents[2] / "shared"
PORTAL = SHARED / "html" / "aarhus-firstagenda"
real = pytest.mark.skipif(not PORTAL.exists(), reason="shared portal pages not available")

AGENDA_ID = "a70723d3-8732-4382-b761-7622cc64fe62"  # "Aarhus Byråd Dagsorden 08-10-2025" on the listing
MINUTES_ID = "c38c377a-6912-45a8-ba17-d548f53955bb"  # "Teknisk Udvalg Referat 01-10-2025"
AGENDA_FILE = "dagsorden-aarhus-byraad-2025-10-08.html"
MINUTES_FILE = "referat-teknisk-udvalg-2025-10-01.html"


class Portal:
    """A tiny stand-in for the portal: listing at /, meetings at /vis?…&id=<id>, PDFs at /vis/pdf/bilag/<id>/."""

    def __init__(self) -> None:
        self.listing, self.pages = b"", {}
        if PORTAL.exists():
            self.listing = (PORTAL / "example_listings.html").read_bytes()
            self.pages = {
                AGENDA_ID: (PORTAL / "example_agenda.html").read_bytes(),
                MINUTES_ID: (PORTAL / "example_minutes.html").read_bytes(),
            }
        self.pdfs: dict[str, bytes] = {}
        self.default_pdf: bytes | None = None
        self.etags = True
        self.log: list[tuple[str, int]] = []  # (path with query, status)
        portal = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server API)
                portal.serve(self)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def serve(self, h: BaseHTTPRequestHandler) -> None:
        u = urllib.parse.urlparse(h.path)
        body = None
        if u.path == "/":
            body = self.listing
        elif u.path == "/vis":
            body = self.pages.get(urllib.parse.parse_qs(u.query).get("id", [""])[0])
        elif u.path.startswith("/vis/pdf/bilag/"):
            aid = u.path.strip("/").split("/")[-1]
            body = self.pdfs.get(aid, self.default_pdf) if "redirectDirectlyToPdf=true" in u.query else None
        if body is None:
            self.log.append((h.path, 404))
            h.send_error(404)
            return
        etag = '"' + hashlib.sha1(body).hexdigest() + '"'
        if self.etags and h.headers.get("If-None-Match") == etag:
            self.log.append((h.path, 304))
            h.send_response(304)
            h.end_headers()
            return
        self.log.append((h.path, 200))
        h.send_response(200)
        h.send_header("Content-Length", str(len(body)))
        if self.etags:
            h.send_header("ETag", etag)
        h.end_headers()
        h.wfile.write(body)

    def fetched(self, prefix: str) -> list[str]:
        return [p for p, st in self.log if st == 200 and p.startswith(prefix)]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def portal():
    p = Portal()
    yield p
    p.close()


def _visible(dest: Path) -> list[str]:
    return sorted(p.name for p in dest.iterdir() if p.name != ".byraad-sync.lock")


def test_file_names_are_stable_and_distinct():
    a = ListingEntry(
        "http://x/vis?id=1", "1a2b3c4d-0000", "Social- og Beskæftigelsesudvalget", 20251001, "1815", "minutes"
    )
    b = ListingEntry("http://x/vis?id=2", "9f8e7d6c-0000", a.body, a.date, "0900", "minutes")
    c = ListingEntry("http://x/vis?id=3", "5a5a5a5a-0000", a.body, a.date, "0900", "minutes")
    taken: set[str] = set()
    names = []
    for e in (a, b, c):
        names.append(file_name(e, taken))
        taken.add(names[-1])
    assert names == [
        "referat-social-og-beskaeftigelsesudvalget-2025-10-01.html",
        "referat-social-og-beskaeftigelsesudvalget-2025-10-01-0900.html",
        "referat-social-og-beskaeftigelsesudvalget-2025-10-01-5a5a5a5a.html",
    ]
    undated = ListingEntry("http://x/vis?id=4", "77777777-0000", "", None, "", "agenda")
    assert file_name(undated, set()) == "dagsorden-ukendt-77777777.html"


@real
def test_listing_is_read():
    entries = read_listing((PORTAL / "example_listings.html").read_text(encoding="utf-8"), "http://x.test/")
    assert len(entries) == 20
    first = entries[0]
    assert (first.body, first.date, first.time, first.kind, first.meeting_id) == (
        "Aarhus Byråd",
        20251008,
        "1600",
        "agenda",
        AGENDA_ID,
    )
    assert first.url.startswith("http://x.test/vis?") and first.url.endswith(AGENDA_ID)
    assert sum(e.kind == "minutes" for e in entries) == 17
    assert any(e.body == "Klima- og Bæredygtighedsudvalget (§17, stk. 4)" for e in entries)


@real
def test_sync_twice_change_404_then_ingest(portal, tmp_path):
    dest = tmp_path / "portal"
    rep = sync_portal(portal.url, dest, limit=7, bilag=False, progress=False)
    assert rep.found == 7
    assert sorted(rep.new) == [AGENDA_FILE, MINUTES_FILE]
    assert len(rep.failed) == 5 and all("HTTP 404" in f["reason"] for f in rep.failed)
    assert not rep.ok
    assert (dest / MINUTES_FILE).read_bytes() == portal.pages[MINUTES_ID]
    assert _visible(dest) == sorted([MANIFEST, AGENDA_FILE, MINUTES_FILE])  # no temp files left behind
    meta = parse_file(dest / MINUTES_FILE, MINUTES_FILE).meta  # links resolved via the manifest
    assert meta["item_2_pdf"].startswith(portal.url + "vis/pdf/dagsordenpunkt/")
    assert meta["portal_url"].endswith(MINUTES_ID)
    manifest = json.loads((dest / MANIFEST).read_text(encoding="utf-8"))
    row = next(r for u, r in manifest["pages"].items() if u.endswith(MINUTES_ID))
    assert row["file"] == MINUTES_FILE and row["status"] == "new" and row["etag"]
    assert row["sha256"] == hashlib.sha256(portal.pages[MINUTES_ID]).hexdigest() and row["fetched_at"]
    assert "Nye: 2" in rep.render() and "fejlede: 5" in rep.render()

    # second run: conditional requests, nothing fetched again
    portal.log.clear()
    rep2 = sync_portal(portal.url, dest, limit=7, bilag=False, progress=False)
    assert rep2.new == [] and rep2.changed == [] and sorted(rep2.unchanged) == [AGENDA_FILE, MINUTES_FILE]
    assert portal.fetched("/vis?") == [] and sum(st == 304 for _, st in portal.log) == 2

    # a server without ETags: the content hash decides, the file is not rewritten
    portal.etags = False
    mtime = (dest / AGENDA_FILE).stat().st_mtime_ns
    rep3 = sync_portal(portal.url, dest, limit=7, bilag=False, progress=False)
    assert sorted(rep3.unchanged) == [AGENDA_FILE, MINUTES_FILE]
    assert (dest / AGENDA_FILE).stat().st_mtime_ns == mtime

    # the minutes change on the portal
    portal.etags = True
    portal.pages[MINUTES_ID] = portal.pages[MINUTES_ID].replace(
        "Ingen bemærkninger.".encode(), "Godkendt med en rettelse om cykelparkering.".encode()
    )
    rep4 = sync_portal(portal.url, dest, limit=7, bilag=False, progress=False)
    assert rep4.changed == [MINUTES_FILE] and rep4.unchanged == [AGENDA_FILE] and rep4.new == []
    assert b"cykelparkering" in (dest / MINUTES_FILE).read_bytes()

    # the folder ingests like any other; the manifest is hidden and ignored
    s = Settings(data_dir=str(tmp_path / "data"), embedder="hash:64")
    idx = Index(s, embedder=HashEmbedder(64), store=MemoryStore())
    try:
        irep = ingest_paths([dest], s, index=idx, progress=False)
        assert irep.ok, irep.failed
        assert sorted(irep.new) == [AGENDA_FILE, MINUTES_FILE] and irep.skipped == []
        assert irep.meetings == 2 and irep.items == 33 + 6
        hits = idx.lexical_search("udviklingsplan Pier 3 høringssvar", 5, Filter())
        assert hits and {h.chunk.meta["path"] for h in hits} <= {AGENDA_FILE, MINUTES_FILE}
        hits = idx.lexical_search("cykelparkering", 3, Filter())
        assert hits[0].chunk.meta["path"] == MINUTES_FILE and hits[0].chunk.meta["chunk_type"] == "decision"
        assert hits[0].chunk.meta["body"] == "Teknisk Udvalg" and hits[0].chunk.meta["meeting_date"] == 20251001
    finally:
        idx.close()


@real
def test_attachments_fetched_once_and_ingested_with_the_page(portal, tmp_path):
    dest = tmp_path / "portal"
    del portal.pages[AGENDA_ID]
    portal.default_pdf = text_pdf(["Bilag om trafiksikkerhed ved Aarhus Oe."])
    missing = "a2c6ad21-74f5-41fa-bc2a-4787c8c92d9f"  # "Bilag 2: Høringssvar" of item 2: a 404
    portal.pdfs[missing] = None
    rep = sync_portal(portal.url, dest, limit=6, progress=False)
    assert rep.new == [MINUTES_FILE]
    raw = portal.pages[MINUTES_ID].decode()
    n_bilag = raw.count('class="bilag-link"')
    assert rep.bilag_new == n_bilag - 1 and [missing in f["url"] for f in rep.bilag_failed] == [True]
    folder = dest / "referat-teknisk-udvalg-2025-10-01.bilag"
    assert len(list(folder.glob("*.pdf"))) == n_bilag - 1
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]

    portal.log.clear()
    rep2 = sync_portal(portal.url, dest, limit=6, progress=False)
    assert rep2.bilag_new == 0 and portal.fetched("/vis/pdf/") == []
    assert [p for p, _ in portal.log if p.startswith("/vis/pdf/")] == [p for p, _ in portal.log if missing in p]

    s = Settings(data_dir=str(tmp_path / "data"), embedder="hash:64")
    idx = Index(s, embedder=HashEmbedder(64), store=MemoryStore())
    try:
        irep = ingest_paths([dest], s, index=idx, progress=False)
        assert irep.ok and irep.new == [MINUTES_FILE]  # one package: page + its attachments
        hits = idx.lexical_search("trafiksikkerhed", 3, Filter())
        assert hits and hits[0].chunk.meta["path"] == MINUTES_FILE
        m = hits[0].chunk.meta
        assert m["chunk_type"] == "section" and m["body"] == "Teknisk Udvalg"
        # the attachment is chunked inside its item: the chunk names the item and the attachment (its place in
        # the item's list on the page)
        listed = json.loads(parse_file(dest / MINUTES_FILE, MINUTES_FILE).meta[f"item_{m['item_no']}_bilag"])
        no, n = m["section_id"].split("-")[1:]
        assert no == m["item_no"] and m["section"] == listed[int(n) - 1]["title"] and m["item_title"]
    finally:
        idx.close()


def one_link(meeting_id: str, date: str = "12-01-2025") -> bytes:
    """A listing with one minutes link of Teknisk Udvalg."""
    return (
        f'<html><body><a class="list-group-item searchresult" href="/vis?Referat-Teknisk-Udvalg-d.{date}'
        f'-kl.09.00&amp;id={meeting_id}" aria-label="Vis 1 af 1 {date} Teknisk Udvalg Referat">x</a>'
        "</body></html>"
    ).encode()


def test_closed_items_attachments_are_not_fetched(portal, tmp_path):
    portal.listing = one_link(G1)
    portal.pages = {G1: CLOSED_PAGE.encode()}
    portal.default_pdf = text_pdf(["Indstilling om cykelsti."])
    rep = sync_portal(portal.url, tmp_path / "p", progress=False)
    assert rep.ok and rep.new == ["referat-teknisk-udvalg-2025-01-12.html"]
    assert rep.bilag_new == 1 and rep.bilag_skipped_closed == 1
    assert any(A1 in p for p in portal.fetched("/vis/pdf/")) and not any(A2 in p for p, _ in portal.log)


@real
def test_unreachable_portal_and_cli(portal, tmp_path):
    from byraad.cli import main

    dead = f"http://127.0.0.1:{free_port()}/"
    with pytest.raises(SyncError, match="kan ikke hentes"):
        sync_portal(dead, tmp_path / "x", progress=False, timeout=2)
    runner = CliRunner()
    base = ["--data-dir", str(tmp_path / "data"), "--embedder", "hash:64"]
    r = runner.invoke(main, base + ["sync", "--url", dead, "--dest", str(tmp_path / "x"), "--quiet"])
    assert r.exit_code == 1 and "Fejl:" in r.stderr and "kan ikke hentes" in r.stderr
    r = runner.invoke(main, base + ["sync", "--dest", str(tmp_path / "x")], env={"BYRAAD_PORTAL_URL": ""})
    assert r.exit_code == 2 and "portal_url" in r.output

    dest = tmp_path / "portal"
    r = runner.invoke(
        main,
        base + ["sync", "--url", portal.url, "--dest", str(dest), "--limit", "2", "--dry-run", "--json", "--quiet"],
    )
    out = json.loads(r.stdout)["sync"]
    assert [p["status"] for p in out["planned"]] == ["ny", "ny"] and not dest.exists()
    portal.listing = one_link(MINUTES_ID, "01-10-2025")
    r = runner.invoke(
        main, base + ["sync", "--url", portal.url, "--dest", str(dest), "--no-bilag", "--ingest", "--json", "--quiet"]
    )
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["sync"]["new"] == [MINUTES_FILE] and out["ingest"]["new"] == [MINUTES_FILE]
    r = runner.invoke(main, base + ["sync", "--url", portal.url, "--dest", str(dest), "--no-bilag", "--quiet"])
    assert r.exit_code == 0 and "uændrede: 1" in r.stdout

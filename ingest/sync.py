"""`byraad sync`: fetch new and changed meeting pages (and their attachment PDFs) from the FirstAgenda portal.

The listing page names the meetings; each meeting page is fetched with If-None-Match/If-Modified-Since and
compared by sha256, so a rerun fetches only what changed. Pages land in the sync folder under stable names
(<dagsorden|referat>-<body>-<YYYY-MM-DD>.html), attachments in "<page stem>.bilag/" (the page's package, see
ingest.sources.firstagenda). A hidden manifest (.byraad-sync.json: url, file, sha256, fetched_at, etag,
last_modified, status) records what was fetched. Every file is written to a hidden temp file and renamed, so a
killed run never leaves a half-written page. The folder is then ingested like any other (`byraad ingest DIR`).

Attachments of closed items are never fetched: the folder is ingested with public access by default.
Attachment ids are immutable on the portal, so an attachment already on disk is not asked for again.
The live portal builds its listing and items with JavaScript; a page that arrives without them is reported
as failed (not saved), with that reason.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import socket
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from ingest.access import body_key

MANIFEST = ".byraad-sync.json"
SHOW = 20                   # failures listed in the text report (all are in --json)
USER_AGENT = "byraad-gpt-sync/0.1"
_SLUG_DATE = re.compile(r"d\.(\d{2})-(\d{2})-(\d{4})")
_SLUG_TIME = re.compile(r"kl\.(\d{1,2})[.:](\d{2})")
_ARIA = re.compile(r"(\d{2})-(\d{2})-(\d{4})\s+(.+?)\s+(Dagsorden|Referat|Tillæg\w*)\s*$", re.IGNORECASE)
_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")


class SyncError(RuntimeError):
    """The portal cannot be used at all (unreachable, not a listing); str(e) is one Danish line."""


class FetchError(Exception):
    """One URL could not be fetched; str(e) is the reason."""


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class ListingEntry:
    """One meeting link on the listing page."""

    url: str
    meeting_id: str
    body: str
    date: int | None
    time: str
    kind: str                   # agenda | minutes


@dataclass
class SyncReport:
    listing_url: str
    dest: str
    dry_run: bool = False
    found: int = 0
    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)
    planned: list[dict] = field(default_factory=list)
    bilag_new: int = 0
    bilag_failed: list[dict] = field(default_factory=list)
    bilag_skipped_closed: int = 0
    warnings: list[str] = field(default_factory=list)
    duration_s: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed and not self.bilag_failed and self.found > 0

    def to_dict(self) -> dict:
        return {**asdict(self), "ok": self.ok}

    def render(self) -> str:
        lines = [f"Synkronisering fra {self.listing_url}", f"  Mappe: {self.dest}",
                 f"  Møder på oversigten: {self.found}"]
        if self.dry_run:
            news = sum(1 for p in self.planned if p["status"] == "ny")
            lines.append(f"  Prøvekørsel: {news} nye ville blive hentet, {len(self.planned) - news} kendte ville "
                         "blive tjekket for ændringer")
            lines += [f"    {p['status']}: {p['file']}  ({p['url']})" for p in self.planned]
        else:
            lines.append(f"  Nye: {len(self.new)}, ændrede: {len(self.changed)}, uændrede: {len(self.unchanged)}, "
                         f"fejlede: {len(self.failed)}")
            lines.append(f"  Bilag hentet: {self.bilag_new}, fejlede: {len(self.bilag_failed)}"
                         + (f", ikke hentet (lukkede punkter): {self.bilag_skipped_closed}"
                            if self.bilag_skipped_closed else ""))
            lines += [f"    ny: {f}" for f in self.new] + [f"    ændret: {f}" for f in self.changed]
        errors = self.failed + self.bilag_failed
        lines += [f"    FEJL: {f['url']}: {f['reason']}" for f in errors[:SHOW]]
        if len(errors) > SHOW:
            lines.append(f"    … og {len(errors) - SHOW} fejl mere (se --json)")
        lines += [f"  Bemærk: {w}" for w in self.warnings]
        lines.append(f"  Tid: {self.duration_s:.1f} s")
        return "\n".join(lines)


# ---------------------------------------------------------------- HTTP

def fetch(url: str, headers: dict[str, str] | None = None, timeout: float = 30.0,
          max_bytes: int = 50 * 1024 * 1024) -> Response:
    """GET a URL; a 304 is returned as a Response, every other failure raises FetchError (Danish reason)."""
    req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            length = r.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise FetchError(f"for stor ({int(length) // 1024} KB; grænse {max_bytes // 1024} KB)")
            body = r.read(max_bytes + 1)
            if len(body) > max_bytes:
                raise FetchError(f"for stor (over {max_bytes // 1024} KB)")
            return Response(r.status, body, {k.lower(): v for k, v in r.headers.items()})
    except urllib.error.HTTPError as e:
        if e.code == 304:
            return Response(304, b"", {k.lower(): v for k, v in e.headers.items()})
        raise FetchError(f"HTTP {e.code} ({e.reason})") from None
    except urllib.error.URLError as e:
        raise FetchError(f"kan ikke nås ({e.reason})") from None
    except (socket.timeout, TimeoutError):
        raise FetchError(f"intet svar inden for {timeout:g} s") from None
    except (OSError, ValueError) as e:
        raise FetchError(f"forbindelsesfejl ({e})") from None


# ---------------------------------------------------------------- listing

def read_listing(html: str, base_url: str) -> list[ListingEntry]:
    """Meeting links (agenda and minutes) of a portal listing page, in page order, without duplicates."""
    from ingest.dates import to_int
    from ingest.sources.firstagenda import parse_html

    out: dict[str, ListingEntry] = {}
    for a in parse_html(html).find_all("a"):
        href = a.attrs.get("href", "")
        q = urllib.parse.urlparse(href)
        mid = urllib.parse.parse_qs(q.query).get("id", [""])[0]
        if not q.path.rstrip("/").endswith("/vis") or not mid:
            continue
        url = urllib.parse.urljoin(base_url, href)
        slug = urllib.parse.unquote(q.query)
        strongs = [s.text() for s in a.find_all("strong")]
        aria = _ARIA.search(a.attrs.get("aria-label", ""))
        if aria:
            body, kind_word = aria.group(4), aria.group(5)
            d = (aria.group(3), aria.group(2), aria.group(1))
        else:
            body = strongs[0] if strongs else ""
            kind_word = strongs[1] if len(strongs) > 1 else slug.split("-", 1)[0]
            m = _SLUG_DATE.search(slug) or _DMY.search(a.text())
            d = (m.group(3), m.group(2), m.group(1)) if m else None
        date = to_int(int(d[0]), int(d[1]), int(d[2])) if d else None
        t = _SLUG_TIME.search(slug)
        out.setdefault(url, ListingEntry(url=url, meeting_id=mid, body=body, date=date,
                                         time=f"{int(t.group(1)):02d}{t.group(2)}" if t else "",
                                         kind="minutes" if kind_word.lower().startswith("referat") else "agenda"))
    return list(out.values())


def file_name(e: ListingEntry, taken: set[str]) -> str:
    """Stable file name body+date+kind; the time, then the meeting id, tell two meetings of a day apart."""
    word = "referat" if e.kind == "minutes" else "dagsorden"
    day = f"{e.date // 10000}-{e.date // 100 % 100:02d}-{e.date % 100:02d}" if e.date else e.meeting_id[:8]
    base = f"{word}-{body_key(e.body) or 'ukendt'}-{day}"
    for cand in (base, f"{base}-{e.time}" if e.time else "", f"{base}-{e.meeting_id[:8]}"):
        if cand and f"{cand}.html" not in taken:
            return f"{cand}.html"
    return f"{base}-{hashlib.sha256(e.url.encode()).hexdigest()[:8]}.html"


# ---------------------------------------------------------------- manifest and files

def load_manifest(dest: Path) -> dict:
    try:
        data = json.loads((dest / MANIFEST).read_text(encoding="utf-8"))
        if isinstance(data, dict):
            data.setdefault("pages", {})
            data.setdefault("bilag", {})
            return data
    except (OSError, ValueError):
        pass
    return {"version": 1, "pages": {}, "bilag": {}}


def page_url(path: Path) -> str | None:
    """The URL a synced page was fetched from (from the manifest next to it), or None."""
    path = Path(path)
    for url, row in load_manifest(path.parent).get("pages", {}).items():
        if row.get("file") == path.name:
            return url
    return None


def write_atomic(path: Path, data: bytes) -> None:
    """Write via a hidden temp file in the same folder and rename: readers see the old or the new file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


# ---------------------------------------------------------------- sync

def sync_portal(url: str, dest: str | Path, *, limit: int | None = None, dry_run: bool = False,
                bilag: bool = True, max_bilag_mb: int = 20, timeout: float = 30.0, progress: bool = True,
                get: Callable[..., Response] | None = None) -> SyncReport:
    """Fetch the listing at `url` and every new or changed meeting page (plus attachments) into `dest`."""
    get = get or fetch
    dest = Path(dest)
    started = time.time()
    rep = SyncReport(listing_url=url, dest=str(dest), dry_run=dry_run)
    try:
        listing = get(url, timeout=timeout)
    except FetchError as e:
        raise SyncError(f"mødeportalen kan ikke hentes: {url}: {e}") from None
    entries = read_listing(listing.body.decode("utf-8", errors="replace"), url)
    if not entries:
        from ingest.sources.firstagenda import is_meeting_page

        if is_meeting_page(listing.body[:256 * 1024]):
            raise SyncError(f"{url} er en mødeside, ikke portalens oversigt over møder")
        rep.warnings.append("ingen møder fundet på oversigtssiden (portalens forside bygger listen med JavaScript; "
                            "brug en oversigts-URL, der leverer færdig HTML)")
    entries = entries[:limit] if limit else entries
    rep.found = len(entries)
    if dry_run:
        _run(url, dest, entries, rep, False, 0, timeout, False, get)
    else:
        with _lock(dest):
            _run(url, dest, entries, rep, bilag, max_bilag_mb * 1024 * 1024, timeout, progress, get)
    rep.duration_s = round(time.time() - started, 2)
    return rep


def _run(url: str, dest: Path, entries: list[ListingEntry], rep: SyncReport, bilag: bool, max_bilag: int,
         timeout: float, progress: bool, get: Callable[..., Response]) -> None:
    """Fetch (or, on a dry run, plan) the meeting pages, then their attachments; always save the manifest."""
    dry_run = rep.dry_run
    manifest = load_manifest(dest)
    manifest["listing_url"] = url
    taken = {row["file"] for u, row in manifest["pages"].items() if row.get("file")}
    bar = _bar(len(entries), progress, "Henter møder")
    done: list[str] = []
    try:
        for e in entries:
            prev = manifest["pages"].get(e.url, {})
            name = prev.get("file") or file_name(e, taken)
            taken.add(name)
            if dry_run:
                rep.planned.append({"url": e.url, "file": name,
                                    "status": "kendt" if prev.get("sha256") and (dest / name).exists() else "ny"})
                continue
            bar.set_postfix_str(name[-40:], refresh=False)
            if _sync_page(e, name, prev, dest, manifest, rep, get, timeout):
                done.append(e.url)
            bar.update(1)
        bar.close()
        if bilag and not dry_run:
            _sync_bilag(dest, manifest, done, rep, get, timeout, max_bilag, progress)
    finally:
        bar.close()
        if not dry_run:
            _save(dest, manifest)


@contextmanager
def _lock(dest: Path) -> Iterator[None]:
    """One sync at a time per folder (the manifest is rewritten at the end of a run)."""
    dest.mkdir(parents=True, exist_ok=True)
    with open(dest / ".byraad-sync.lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SyncError(f"en anden synkronisering kører allerede i {dest}") from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _save(dest: Path, manifest: dict) -> None:
    manifest["updated_at"] = _now()
    write_atomic(dest / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode())


def _sync_page(e: ListingEntry, name: str, prev: dict, dest: Path, manifest: dict, rep: SyncReport,
               get: Callable[..., Response], timeout: float) -> bool:
    """Fetch one meeting page if new or changed; True when the page is on disk afterwards."""
    from ingest.sources.firstagenda import is_meeting_page

    path = dest / name
    have = path.exists() and bool(prev.get("sha256"))
    headers = {}
    if have and prev.get("etag"):
        headers["If-None-Match"] = prev["etag"]
    if have and prev.get("last_modified"):
        headers["If-Modified-Since"] = prev["last_modified"]
    row = {**prev, "file": name, "body": e.body, "date": e.date, "kind": e.kind, "fetched_at": _now()}
    try:
        r = get(e.url, headers=headers, timeout=timeout)
        if r.status == 304:
            if not have:
                raise FetchError("uventet svar 304 (ikke ændret) på en side, der ikke er hentet før")
            status = "unchanged"
        else:
            if not is_meeting_page(r.body[:256 * 1024]):
                raise FetchError("svaret er ikke en mødeside fra portalen")
            if b"punktrow" not in r.body:
                raise FetchError("mødesiden har ingen dagsordenspunkter (portalen bygger dem med JavaScript)")
            sha = hashlib.sha256(r.body).hexdigest()
            status = "unchanged" if have and sha == prev.get("sha256") else ("changed" if have else "new")
            if status != "unchanged":
                write_atomic(path, r.body)
            row.update(sha256=sha, size=len(r.body))
        row.update(etag=r.headers.get("etag", row.get("etag", "")),
                   last_modified=r.headers.get("last-modified", row.get("last_modified", "")), status=status,
                   error="")
        {"new": rep.new, "changed": rep.changed, "unchanged": rep.unchanged}[status].append(name)
    except FetchError as err:
        row.update(status="failed", error=str(err))
        rep.failed.append({"url": e.url, "file": name, "reason": str(err)})
    manifest["pages"][e.url] = row
    return row["status"] != "failed"


def _sync_bilag(dest: Path, manifest: dict, urls: list[str], rep: SyncReport, get: Callable[..., Response],
                timeout: float, max_bytes: int, progress: bool) -> None:
    """Fetch attachment PDFs of open items that are not on disk yet, for the pages synced in this run."""
    from ingest.sources.firstagenda import BILAG_SUFFIX, read_page

    todo: list[tuple[str, Path, str, str]] = []
    for url in urls:
        row = manifest["pages"][url]
        path = dest / row.get("file", "")
        if not row.get("file") or not path.is_file():
            continue
        page = read_page(path.read_text(encoding="utf-8", errors="replace"))
        for it in page.items:
            for aid, title, href in it.attachments:
                if it.closed:
                    rep.bilag_skipped_closed += 1
                    continue
                if not aid or not href:
                    continue
                stem = (body_key(title)[:60] or "bilag")
                target = path.with_name(path.stem + BILAG_SUFFIX) / f"{stem}--{aid}.pdf"
                if not target.exists():
                    todo.append((_direct_pdf(urllib.parse.urljoin(url, href)), target, title, row["file"]))
    bar = _bar(len(todo), progress, "Henter bilag")
    try:
        for link, target, title, page_file in todo:
            try:
                r = get(link, timeout=timeout, max_bytes=max_bytes)
                if not r.body.lstrip()[:5].startswith(b"%PDF-"):
                    raise FetchError("svaret er ikke en PDF")
                write_atomic(target, r.body)
                manifest["bilag"][link] = {"file": str(target.relative_to(dest)), "title": title, "page": page_file,
                                           "sha256": hashlib.sha256(r.body).hexdigest(), "size": len(r.body),
                                           "fetched_at": _now(), "status": "new", "error": ""}
                rep.bilag_new += 1
            except FetchError as err:
                manifest["bilag"][link] = {"file": str(target.relative_to(dest)), "title": title, "page": page_file,
                                           "fetched_at": _now(), "status": "failed", "error": str(err)}
                rep.bilag_failed.append({"url": link, "file": str(target.relative_to(dest)), "reason": str(err)})
            bar.update(1)
    finally:
        bar.close()


def _direct_pdf(url: str) -> str:
    """The portal's attachment link opens a viewer; redirectDirectlyToPdf=true returns the PDF itself."""
    if "redirectDirectlyToPdf=" in url:
        return re.sub(r"redirectDirectlyToPdf=(?:false|0)", "redirectDirectlyToPdf=true", url)
    return url + ("&" if "?" in url else "?") + "redirectDirectlyToPdf=true"


class _NoBar:
    def update(self, n: int = 1) -> None: ...
    def set_postfix_str(self, s: str, refresh: bool = True) -> None: ...
    def close(self) -> None: ...


def _bar(total: int, enabled: bool, desc: str):
    """A tqdm bar on stderr, or a no-op."""
    if not enabled or total == 0:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="stk", file=sys.stderr, mininterval=0.5, dynamic_ncols=True)

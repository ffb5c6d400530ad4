"""`byraad sync`: fetch new and changed meeting pages (and their attachment PDFs) from the FirstAgenda portal.

The listing page names the meetings; each meeting page is fetched with If-None-Match/If-Modified-Since and
compared by sha256, so a rerun fetches only what changed. Pages land in the sync folder under stable names
(<dagsorden|referat>-<body>-<YYYY-MM-DD>.html), attachments in "<page stem>.bilag/" (the page's package, see
ingest.sources.firstagenda; pages and listing are read by ingest.sources.firstagenda.htmldom). A hidden manifest
(.byraad-sync.json: url, file, sha256, fetched_at, etag, last_modified, status) records what was fetched. Every
file is written to a hidden temp file and renamed, so a killed run never leaves a half-written page. The folder is
then ingested like any other (`byraad ingest DIR`).

Attachments of closed items are never fetched: the folder is ingested with public access by default.
Attachment ids are immutable on the portal, so an attachment already on disk is not asked for again.
The live portal builds its listing and items with JavaScript; a page that arrives without them is reported
as failed (not saved), with that reason.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from byraad.dates import format_iso
from byraad.text import body_key
from ingest.locks import exclusive
from ingest.sources.firstagenda.files import MANIFEST, bilag_path, load_manifest
from ingest.sources.firstagenda.htmldom import ListingEntry, direct_pdf, is_meeting_page, read_listing, read_page

SHOW = 20  # failures listed in the text report (all are in --json)
USER_AGENT = "byraad-gpt-sync/0.1"


class SyncError(RuntimeError):
    """The portal cannot be used at all (unreachable, not a listing); str(e) is one Danish line."""


class FetchError(Exception):
    """One URL could not be fetched; str(e) is the reason."""


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    headers: dict[str, str]


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
        lines = [
            f"Synkronisering fra {self.listing_url}",
            f"  Mappe: {self.dest}",
            f"  Møder på oversigten: {self.found}",
        ]
        if self.dry_run:
            news = sum(1 for p in self.planned if p["status"] == "ny")
            lines.append(
                f"  Prøvekørsel: {news} nye ville blive hentet, {len(self.planned) - news} kendte ville "
                "blive tjekket for ændringer"
            )
            lines += [f"    {p['status']}: {p['file']}  ({p['url']})" for p in self.planned]
        else:
            lines.append(
                f"  Nye: {len(self.new)}, ændrede: {len(self.changed)}, uændrede: {len(self.unchanged)}, "
                f"fejlede: {len(self.failed)}"
            )
            lines.append(
                f"  Bilag hentet: {self.bilag_new}, fejlede: {len(self.bilag_failed)}"
                + (f", ikke hentet (lukkede punkter): {self.bilag_skipped_closed}" if self.bilag_skipped_closed else "")
            )
            lines += [f"    ny: {f}" for f in self.new] + [f"    ændret: {f}" for f in self.changed]
        errors = self.failed + self.bilag_failed
        lines += [f"    FEJL: {f['url']}: {f['reason']}" for f in errors[:SHOW]]
        if len(errors) > SHOW:
            lines.append(f"    … og {len(errors) - SHOW} fejl mere (se --json)")
        lines += [f"  Bemærk: {w}" for w in self.warnings]
        lines.append(f"  Tid: {self.duration_s:.1f} s")
        return "\n".join(lines)


# ---------------------------------------------------------------- HTTP


def fetch(
    url: str, headers: dict[str, str] | None = None, timeout: float = 30.0, max_bytes: int = 50 * 1024 * 1024
) -> Response:
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


# ---------------------------------------------------------------- file names


def file_name(e: ListingEntry, taken: set[str]) -> str:
    """Stable file name body+date+kind; the time, then the meeting id, tell two meetings of a day apart."""
    word = "referat" if e.kind == "minutes" else "dagsorden"
    day = format_iso(e.date) if e.date else e.meeting_id[:8]
    base = f"{word}-{body_key(e.body) or 'ukendt'}-{day}"
    for cand in (base, f"{base}-{e.time}" if e.time else "", f"{base}-{e.meeting_id[:8]}"):
        if cand and f"{cand}.html" not in taken:
            return f"{cand}.html"
    return f"{base}-{hashlib.sha256(e.url.encode()).hexdigest()[:8]}.html"


# ---------------------------------------------------------------- manifest and files


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


def sync_portal(
    url: str,
    dest: str | Path,
    *,
    limit: int | None = None,
    dry_run: bool = False,
    bilag: bool = True,
    max_bilag_mb: int = 20,
    timeout: float = 30.0,
    progress: bool = True,
    get: Callable[..., Response] | None = None,
) -> SyncReport:
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
        if is_meeting_page(listing.body[: 256 * 1024]):
            raise SyncError(f"{url} er en mødeside, ikke portalens oversigt over møder")
        rep.warnings.append(
            "ingen møder fundet på oversigtssiden (portalens forside bygger listen med JavaScript; "
            "brug en oversigts-URL, der leverer færdig HTML)"
        )
    entries = entries[:limit] if limit else entries
    rep.found = len(entries)
    if dry_run:
        _run(url, dest, entries, rep, False, 0, timeout, False, get)
    else:
        with _lock(dest):
            _run(url, dest, entries, rep, bilag, max_bilag_mb * 1024 * 1024, timeout, progress, get)
    rep.duration_s = round(time.time() - started, 2)
    return rep


def _run(
    url: str,
    dest: Path,
    entries: list[ListingEntry],
    rep: SyncReport,
    bilag: bool,
    max_bilag: int,
    timeout: float,
    progress: bool,
    get: Callable[..., Response],
) -> None:
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
                rep.planned.append(
                    {
                        "url": e.url,
                        "file": name,
                        "status": "kendt" if prev.get("sha256") and (dest / name).exists() else "ny",
                    }
                )
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


def _lock(dest: Path):
    """One sync at a time per folder (the manifest is rewritten at the end of a run)."""
    return exclusive(dest / ".byraad-sync.lock", lambda: SyncError(f"en anden synkronisering kører allerede i {dest}"))


def _save(dest: Path, manifest: dict) -> None:
    manifest["updated_at"] = _now()
    write_atomic(dest / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode())


def _sync_page(
    e: ListingEntry,
    name: str,
    prev: dict,
    dest: Path,
    manifest: dict,
    rep: SyncReport,
    get: Callable[..., Response],
    timeout: float,
) -> bool:
    """Fetch one meeting page if new or changed; True when the page is on disk afterwards."""
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
            if not is_meeting_page(r.body[: 256 * 1024]):
                raise FetchError("svaret er ikke en mødeside fra portalen")
            if b"punktrow" not in r.body:
                raise FetchError("mødesiden har ingen dagsordenspunkter (portalen bygger dem med JavaScript)")
            sha = hashlib.sha256(r.body).hexdigest()
            status = "unchanged" if have and sha == prev.get("sha256") else ("changed" if have else "new")
            if status != "unchanged":
                write_atomic(path, r.body)
            row.update(sha256=sha, size=len(r.body))
        row.update(
            etag=r.headers.get("etag", row.get("etag", "")),
            last_modified=r.headers.get("last-modified", row.get("last_modified", "")),
            status=status,
            error="",
        )
        {"new": rep.new, "changed": rep.changed, "unchanged": rep.unchanged}[status].append(name)
    except FetchError as err:
        row.update(status="failed", error=str(err))
        rep.failed.append({"url": e.url, "file": name, "reason": str(err)})
    manifest["pages"][e.url] = row
    return row["status"] != "failed"


def _sync_bilag(
    dest: Path,
    manifest: dict,
    urls: list[str],
    rep: SyncReport,
    get: Callable[..., Response],
    timeout: float,
    max_bytes: int,
    progress: bool,
) -> None:
    """Fetch attachment PDFs of open items that are not on disk yet, for the pages synced in this run."""
    todo: list[tuple[str, Path, str, str]] = []
    for url in urls:
        row = manifest["pages"][url]
        path = dest / row.get("file", "")
        if not row.get("file") or not path.is_file():
            continue
        page = read_page(path.read_text(encoding="utf-8", errors="replace"))
        for it in page.items:
            if it.closed:
                rep.bilag_skipped_closed += len(it.attachments)
                continue
            for aid, title, href in it.attachments:
                target = bilag_path(path, aid, title)
                if aid and href and not target.exists():
                    todo.append((direct_pdf(urllib.parse.urljoin(url, href)), target, title, row["file"]))
    bar = _bar(len(todo), progress, "Henter bilag")
    try:
        for link, target, title, page_file in todo:
            entry = {"file": str(target.relative_to(dest)), "title": title, "page": page_file, "fetched_at": _now()}
            try:
                r = get(link, timeout=timeout, max_bytes=max_bytes)
                if not r.body.lstrip()[:5].startswith(b"%PDF-"):
                    raise FetchError("svaret er ikke en PDF")
                write_atomic(target, r.body)
                manifest["bilag"][link] = {
                    **entry,
                    "sha256": hashlib.sha256(r.body).hexdigest(),
                    "size": len(r.body),
                    "status": "new",
                    "error": "",
                }
                rep.bilag_new += 1
            except FetchError as err:
                manifest["bilag"][link] = {**entry, "status": "failed", "error": str(err)}
                rep.bilag_failed.append({"url": link, "file": entry["file"], "reason": str(err)})
            bar.update(1)
    finally:
        bar.close()


def _bar(total: int, enabled: bool, desc: str):
    """A tqdm bar on stderr; disabled (a no-op) when progress is off or there is nothing to do."""
    from tqdm import tqdm

    return tqdm(
        total=total,
        desc=desc,
        unit="stk",
        file=sys.stderr,
        mininterval=0.5,
        dynamic_ncols=True,
        disable=not enabled or total == 0,
    )

"""The original file behind a citation: an access-checked, signed link (/original/<token>#page=N) and its route.

The chat shows the link only when the user may see the whole file — every chunk of the document is at a level the
user's groups permit — because the original holds everything (a public minutes file with one closed item is not
offered to the public). The link is a token signed with a key of this server process (HMAC-SHA256), naming the
absolute file, the document id (the first 16 hex of the file's sha256) and an expiry; the route serves the file only
when the signature and expiry hold, the file lies inside a corpus folder, and its bytes still hash to that
document id (a file replaced since ingestion is not served). `ui/server.py` mounts the route next to the app.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import mimetypes
import os
import secrets
import time
from pathlib import Path
from typing import Any, Iterable, Mapping

ROUTE = "/original/{token}"
TTL_S = 4 * 3600
_KEY = secrets.token_bytes(32)  # per server process: links die with it (they are re-made on every render)
MEDIA_TYPES = {
    ".pdf": "application/pdf",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/plain; charset=utf-8",
    ".html": "text/plain; charset=utf-8",
    ".htm": "text/plain; charset=utf-8",
    ".toml": "text/plain; charset=utf-8",
    ".csv": "text/plain; charset=utf-8",
}
KIND_NAMES = {".pdf": "PDF", ".docx": "Word", ".doc": "Word", ".txt": "tekst", ".md": "tekst", ".odt": "ODT"}


def _b64(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).decode().rstrip("=")


def _unb64(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def sign(path: str | Path, doc_id: str, now: float | None = None, ttl: float = TTL_S, key: bytes | None = None) -> str:
    """A token for one file (absolute path) of one document id, valid for `ttl` seconds."""
    body = _b64(
        json.dumps({"p": str(path), "d": doc_id, "x": int((now or time.time()) + ttl)}, ensure_ascii=False).encode()
    )
    mac = _b64(hmac.new(key or _KEY, body.encode(), hashlib.sha256).digest())
    return f"{body}.{mac}"


def verify(token: str, now: float | None = None, key: bytes | None = None) -> dict | None:
    """The token's claims ({"p", "d", "x"}) when its signature holds and it has not expired; else None."""
    try:
        body, mac = token.split(".", 1)
        want = _b64(hmac.new(key or _KEY, body.encode(), hashlib.sha256).digest())
        if not hmac.compare_digest(want, mac):
            return None
        claims = json.loads(_unb64(body))
    except (ValueError, TypeError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(claims, dict) or float(claims.get("x", 0)) < (now or time.time()):
        return None
    return claims


def doc_id_of(path: Path) -> str:
    """The document id ingestion gives a file: the first 16 hex of the sha256 of its bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:16]


def inside(path: Path, roots: Iterable[str | Path]) -> bool:
    """True when `path` (resolved) lies inside one of the folders."""
    p = path.resolve()
    for r in roots:
        try:
            p.relative_to(Path(r).resolve())
            return True
        except ValueError:
            continue
    return False


def may_open(index: Any, doc_id: str, levels: tuple[str, ...] | None) -> bool:
    """True when a user with these permitted levels (None = all) may see every part of the document."""
    if levels is None:
        return True
    chunks = index.catalog.chunks(doc_id=doc_id)
    if not chunks:
        return False
    allowed = set(levels)
    if any(str(c.meta.get("access") or "") not in allowed for c in chunks):
        return False
    info = index.catalog.doc_info(doc_id) if hasattr(index.catalog, "doc_info") else _doc_info(index, doc_id)
    return str((info or {}).get("access") or "public") in allowed


def _doc_info(index: Any, doc_id: str) -> dict:
    row = index.catalog.db.execute("SELECT info FROM docs WHERE doc_id=?", (doc_id,)).fetchone()
    try:
        return json.loads(row[0]) if row and row[0] else {}
    except json.JSONDecodeError:
        return {}


def original_link(
    index: Any, chunk_id: str, levels: tuple[str, ...] | None, roots: Iterable[str | Path], pages: str = ""
) -> dict[str, str] | None:
    """{"url", "label"} for the original file of a cited chunk, or None (not permitted, not a file on disk)."""
    chunk = index.all_chunks().get(chunk_id)
    if chunk is None or not may_open(index, chunk.doc_id, levels):
        return None
    row = index.catalog.files().get(str(chunk.meta.get("path") or ""))
    if not row or row[1] != chunk.doc_id:
        return None
    path = Path(row[0]) / str(chunk.meta["path"])
    roots = list(roots)
    if not path.is_file() or not inside(path, roots):
        return None
    ext = path.suffix.lower()
    url = "/original/" + sign(path.resolve(), chunk.doc_id)
    page = str(chunk.meta.get("page_start") or "")
    kind = KIND_NAMES.get(ext, ext.lstrip(".").upper() or "fil")
    if ext == ".pdf" and page.isdigit():
        return {"url": f"{url}#page={page}", "label": f"Åbn originalen ({kind}, side {pages or page})"}
    return {"url": url, "label": f"Åbn originalen ({kind})"}


def serve_original(
    token: str, roots: Iterable[str | Path], now: float | None = None, key: bytes | None = None
) -> tuple[int, bytes, Mapping[str, str]]:
    """(status, body, headers) for a request of /original/<token>: the file, or a Danish refusal."""
    claims = verify(token, now, key)
    if claims is None:
        return 403, "Linket er ugyldigt eller udløbet. Åbn kilden igen fra chatten.".encode(), _text_headers()
    path = Path(str(claims.get("p", "")))
    if not path.is_absolute() or not path.is_file() or not inside(path, roots):
        return 404, "Filen findes ikke længere.".encode(), _text_headers()
    if doc_id_of(path) != claims.get("d"):
        return (
            409,
            "Filen er ændret siden indlæsningen. Indlæs den igen, og åbn kilden på ny.".encode(),
            _text_headers(),
        )
    ext = path.suffix.lower()
    media = MEDIA_TYPES.get(ext) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    inline = ext in MEDIA_TYPES
    name = path.name.encode("ascii", "replace").decode().replace('"', "_")
    headers = {
        "Content-Type": media,
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store",
        "Content-Disposition": f'{"inline" if inline else "attachment"}; filename="{name}"',
    }
    return 200, path.read_bytes(), headers


def _text_headers() -> dict[str, str]:
    return {
        "Content-Type": "text/plain; charset=utf-8",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
    }


def corpus_roots(environ: Mapping[str, str] | None = None) -> list[str]:
    """The corpus folders of the settings the app runs with (BYRAAD_* from `byraad serve`)."""
    from byraad.settings import Settings

    return [str(Path(d).resolve()) for d in Settings.load(None, None, environ or os.environ).corpus_dirs]


def routes() -> list:
    """The Starlette route serving originals (mounted by ui/server.py)."""
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import Response
    from starlette.routing import Route

    roots = corpus_roots()

    async def original(request) -> Response:
        status, body, headers = await run_in_threadpool(serve_original, request.path_params["token"], roots)
        return Response(body, status_code=status, headers=dict(headers))

    return [Route(ROUTE, original, methods=["GET"])]

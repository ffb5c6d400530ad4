"""How synced portal material lies on disk, shared by the source (reading) and `byraad sync` (writing): the manifest
of what was fetched from where, and the folder of a page's attachments."""

from __future__ import annotations

import json
from pathlib import Path

from byraad.text import body_key

MANIFEST = ".byraad-sync.json"
BILAG_SUFFIX = ".bilag"


def bilag_path(path: Path, attachment_id: str, title: str) -> Path:
    """Where `byraad sync` saves an attachment of the page at `path`: "<stem>.bilag/<title slug>--<id>.pdf"."""
    return path.with_name(path.stem + BILAG_SUFFIX) / f"{body_key(title)[:60] or 'bilag'}--{attachment_id}.pdf"


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

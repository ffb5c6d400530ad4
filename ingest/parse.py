"""From a source file to a ParsedDocument: load → repair → structure."""

from __future__ import annotations

import hashlib
from pathlib import Path

from byraad.types import PageSpan, ParsedDocument
from ingest.loaders import LoadedFile, LoadOptions
from ingest.repair import repair
from ingest.sources import source_for
from ingest.structure import analyse


def file_digest(path: Path) -> str:
    """sha256 of the file bytes (hex) — the document id is its first 16 characters."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def parse_file(
    path: Path,
    rel_path: str | None = None,
    doc_id: str | None = None,
    max_bytes: int = 200 * 1024 * 1024,
    opts: LoadOptions | None = None,
) -> ParsedDocument:
    """Parse one file; raises ingest.loaders.LoadError with a one-line reason on bad input.

    `opts` (built from Settings) wins over `max_bytes`, which is kept for callers without settings.
    """
    path = Path(path)
    opts = opts or LoadOptions(max_bytes=max_bytes)
    src = source_for(path)
    if src is not None:
        return src.parse(path, rel_path or path.name, doc_id or file_digest(path)[:16], opts)
    from ingest.sandbox import load

    return parse_loaded(load(path, opts), path, rel_path, doc_id)


def parse_loaded(
    loaded: LoadedFile, path: Path, rel_path: str | None = None, doc_id: str | None = None
) -> ParsedDocument:
    """Repair and analyse already-loaded text (also used by structured sources for their member files)."""
    rep = repair(loaded.raw_text, loaded.page_starts or (0,))
    starts = list(rep.page_starts) or [0]
    labels = list(loaded.page_labels) or [str(i + 1) for i in range(len(starts))]
    pages = tuple(
        PageSpan(
            number=i + 1,
            label=labels[i] if i < len(labels) else str(i + 1),
            start=s,
            end=starts[i + 1] if i + 1 < len(starts) else len(rep.text),
        )
        for i, s in enumerate(starts)
    )
    title_hint = loaded.title or path.stem.replace("-", " ").replace("_", " ")
    st = analyse(rep.text, rel_path or path.name, title_hint, ocr="1" in str(loaded.meta.get("ocr_pages")).split(","))
    meta = {k: v for k, v in loaded.meta.items() if isinstance(v, (str, int, float, bool))}
    meta.update({f"repair_{k}": v for k, v in rep.stats.items()})
    return ParsedDocument(
        doc_id=doc_id or file_digest(path)[:16],
        path=rel_path or path.name,
        title=st.title or title_hint,
        kind=st.kind,
        text=rep.text,
        raw_text=loaded.raw_text,
        offset_map=tuple(rep.offset_map),
        pages=pages,
        meetings=st.meetings,
        sections=st.sections,
        access=st.access,
        access_reason=st.access_reason,
        doc_date=st.doc_date,
        meta=meta,
        warnings=tuple(loaded.warnings) + tuple(st.warnings),
    )

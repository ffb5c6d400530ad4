"""Test builders: chunks with the metadata ingest writes (byraad.types.ChunkMeta, every key checked) and an index
over them (hash embedder, in-memory store), so tests do not spell out chunk metadata or index wiring by hand."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Iterable

from byraad.settings import Settings
from byraad.types import CHUNK_META_KEYS, Chunk
from vectorstore.index import Index
from vectorstore.protocols import HashEmbedder, MemoryStore


def chunk(cid: str, doc_id: str, text: str, *, embed_text: str | None = None, **meta: Any) -> Chunk:
    """A chunk with `meta` (ChunkMeta keys only: a misspelt key is a TypeError) plus its doc_id and chunk_id;
    `embed_text` defaults to the text."""
    unknown = set(meta) - CHUNK_META_KEYS
    if unknown:
        raise TypeError(f"not chunk metadata (byraad.types.ChunkMeta): {', '.join(sorted(unknown))}")
    return Chunk(
        chunk_id=cid,
        doc_id=doc_id,
        text=text,
        embed_text=text if embed_text is None else embed_text,
        meta={"doc_id": doc_id, **meta, "chunk_id": cid},
    )


def chunk_id(i: int, text: str) -> str:
    """A stable id for the i-th test chunk."""
    return hashlib.sha256(f"{i}{text}".encode()).hexdigest()[:24]


def index_with(
    data_dir: Path, chunks: Iterable[Chunk], *, vectors: Any = None, **settings: Any
) -> tuple[Settings, Index]:
    """(settings, index) over exactly these chunks, written through the catalog and the store as ingest writes
    them (one document per doc_id; path, title and kind from the first chunk's metadata); hash:64 vectors unless
    another embedder is given as `vectors` (settings.embedder stays hash:64 unless given too)."""
    s = Settings(**{"data_dir": str(data_dir), "embedder": "hash:64", **settings})
    idx = Index(s, embedder=vectors or HashEmbedder(64), store=MemoryStore())
    by_doc: dict[str, list[Chunk]] = {}
    for c in chunks:
        by_doc.setdefault(c.doc_id, []).append(c)
    for doc_id, cs in by_doc.items():
        m = cs[0].meta
        idx.catalog.begin_document(
            doc_id,
            str(m.get("path", f"{doc_id}.txt")),
            str(m.get("title", doc_id)),
            str(m.get("kind", "minutes")),
            info={},
            chunks=cs,
            source_texts=[c.text for c in cs],
        )
        idx.store.upsert(cs, idx.embedder.embed_documents([c.embed_text for c in cs]))
        idx.catalog.complete_document(doc_id)
    return s, idx


def benchmark_module(name: str):
    """benchmarks/<name>.py loaded as a module (the benchmarks are scripts, not a package; their folder on the path
    while it loads, for their imports of each other)."""
    import importlib.util
    import sys
    from pathlib import Path

    folder = Path(__file__).resolve().parents[1] / "benchmarks"
    sys.path.insert(0, str(folder))
    try:
        spec = importlib.util.spec_from_file_location(name, folder / f"{name}.py")
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return mod
    finally:
        sys.path.remove(str(folder))

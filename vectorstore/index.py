"""The index of one collection: vector store + catalog + BM25, opened from Settings.

Ingestion writes through it; retrieval reads through it. The BM25 index is derived from the catalog and rebuilt
whenever the catalog's generation moved on (so it is always in step with the vector store).
"""

from __future__ import annotations

import shutil
import threading
from functools import lru_cache
from pathlib import Path
from typing import Mapping, Sequence

from byraad.settings import Settings
from byraad.types import Chunk, Hit
from vectorstore.catalog import Catalog
from vectorstore.filters import Filter
from vectorstore.protocols import Embedder, VectorStore


class Index:
    """Everything retrieval and ingestion need for one collection."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None, store: VectorStore | None = None,
                 environ: Mapping[str, str] | None = None) -> None:
        self.settings = settings
        self.collection = settings.collection_name()
        self.dir = index_dir(settings)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.catalog = Catalog(self.dir / "catalog.sqlite")
        self._embedder = embedder
        self._store = store
        self._environ = environ
        self._lock = threading.RLock()
        self._bm25 = None
        self._bm25_gen = -1
        self._chunks: dict[str, Chunk] = {}
        self._chunks_gen = -1

    # --- lazily built backends (heavy imports only when needed) ------------------------------
    # Both are created under the lock: Streamlit sessions run in threads and chromadb's shared client
    # is not safe to construct twice at the same moment.
    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            with self._lock:
                if self._embedder is None:
                    from vectorstore.factory import make_embedder
                    self._embedder = make_embedder(self.settings, self._environ)
        return self._embedder

    @property
    def store(self) -> VectorStore:
        if self._store is None:
            with self._lock:
                if self._store is None:
                    from vectorstore.factory import make_store
                    self._store = make_store(self.settings, self.collection)
        return self._store

    def reset(self) -> None:
        """Drop everything of this collection (for --rebuild)."""
        drop = getattr(self.store, "drop", None)
        if drop is not None:
            drop()
            self._store = None
        elif self.store.count():
            self.store.delete(sorted(self.store.ids()))
        self.catalog.close()
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.catalog = Catalog(self.dir / "catalog.sqlite")
        self._bm25, self._bm25_gen, self._chunks_gen = None, -1, -1

    # --- chunk cache and BM25 -----------------------------------------------------------------
    def all_chunks(self) -> dict[str, Chunk]:
        """Every complete chunk by id (cached per catalog generation)."""
        with self._lock:
            gen = self.catalog.generation()
            if gen != self._chunks_gen:
                self._chunks = {c.chunk_id: c for c in self.catalog.chunks()}
                self._chunks_gen = gen
                _allowed.cache_clear()
            return self._chunks

    def bm25(self):
        """The BM25 index for the current catalog generation (loaded or rebuilt)."""
        from vectorstore.bm25 import BM25Index

        with self._lock:
            gen = self.catalog.generation()
            if self._bm25 is not None and self._bm25_gen == gen:
                return self._bm25
            path = self.dir / "bm25"
            idx = None
            if path.exists() and self.catalog.get_kv("bm25_generation") == str(gen):
                try:
                    idx = BM25Index.load(path)
                except Exception:  # a damaged cache is rebuilt, never fatal
                    idx = None
            if idx is None:
                chunks = self.all_chunks()
                ids = list(chunks)
                idx = BM25Index.build(ids, [chunks[i].embed_text for i in ids])
                try:
                    idx.save(path)
                    self.catalog.set_kv("bm25_generation", str(gen))
                except OSError:
                    pass  # read-only data dir: keep the in-memory index
            self._bm25, self._bm25_gen = idx, gen
            return idx

    # --- search -------------------------------------------------------------------------------
    def dense_search(self, query: str, k: int, flt: Filter | None, vector: Sequence[float] | None = None) -> list[Hit]:
        """Nearest chunks by embedding; the filter (with access) is part of the store query."""
        vec = vector if vector is not None else self.embedder.embed_query(query)
        hits = self.store.query(vec, k, flt)
        chunks = self.all_chunks()
        # The store returns display text only; give hits the full catalog chunk (and drop stale ids).
        return [Hit(chunk=chunks[h.chunk.chunk_id], score=h.score, dense_score=h.score, rank=h.rank)
                for h in hits if h.chunk.chunk_id in chunks]

    def lexical_search(self, query: str, k: int, flt: Filter | None) -> list[Hit]:
        """BM25 over chunks; disallowed chunks are masked before ranking."""
        chunks = self.all_chunks()
        allowed = None if flt is None or (flt.access is None and flt.is_empty()) else _allowed(self, flt, self._chunks_gen)
        res = self.bm25().search(query, k, allowed=allowed)
        return [Hit(chunk=chunks[cid], score=s, bm25_score=s, rank=i + 1)
                for i, (cid, s) in enumerate(res) if cid in chunks]

    def chunks_where(self, flt: Filter) -> list[Chunk]:
        """All chunks a filter admits, in document order (for opening a whole item or meeting)."""
        return [c for c in self.all_chunks().values() if flt.matches(c.meta)]

    def source_text(self, chunk_id: str) -> str:
        return self.catalog.source_text(chunk_id)

    def close(self) -> None:
        self.catalog.close()


@lru_cache(maxsize=256)
def _allowed(index: Index, flt: Filter, gen: int) -> frozenset[str]:
    return frozenset(cid for cid, c in index._chunks.items() if flt.matches(c.meta))


def index_dir(settings: Settings) -> Path:
    return settings.data_path / "indexes" / settings.collection_name()

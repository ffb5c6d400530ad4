"""ChromaStore: the VectorStore over chromadb, embedded (PersistentClient) or a server (HttpClient).

We always hand Chroma explicit vectors: the collection has no embedding function, because Chroma's
default one downloads a model. Metadata is flat; None values are dropped.
"""

from __future__ import annotations

from typing import Any, Sequence
from urllib.parse import urlparse

from byraad.types import Chunk, Hit
from vectorstore.filters import Filter

# ef_search/ef_construction/max_neighbors raise top-5 overlap with brute force from 0.56 to 0.99
# (offline-dependencies.md §3) at a small cost in add and query time.
HNSW_CONFIG = {"hnsw": {"space": "cosine", "ef_construction": 200, "ef_search": 400, "max_neighbors": 32}}
MAX_BATCH = 5000


def chroma_client(path: str | None = None, url: str | None = None) -> Any:
    """A chromadb client: HttpClient for a URL ("http://127.0.0.1:8011"), else PersistentClient(path)."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False)
    if url:
        u = urlparse(url if "://" in url else f"http://{url}")
        if not u.hostname:
            raise ValueError(f"bad chroma_url {url!r}; expected e.g. http://127.0.0.1:8011")
        ssl = u.scheme == "https"
        return chromadb.HttpClient(host=u.hostname, port=u.port or (443 if ssl else 8000), ssl=ssl,
                                   settings=settings)
    if not path:
        raise ValueError("ChromaStore needs a path or a url")
    return chromadb.PersistentClient(path=str(path), settings=settings)


def clean_meta(chunk: Chunk) -> dict[str, Any]:
    """Chunk metadata as Chroma accepts it: scalars only, None dropped, doc_id always present."""
    meta: dict[str, Any] = {}
    for k, v in chunk.meta.items():
        if v is None:
            continue
        if not isinstance(v, (str, int, float, bool)):
            raise ValueError(f"chunk {chunk.chunk_id}: metadata {k!r} must be a scalar, got {type(v).__name__}")
        meta[k] = v
    meta.setdefault("doc_id", chunk.doc_id)
    return meta


class ChromaStore:
    """A Chroma collection holding chunk text, flat metadata and vectors (cosine space)."""

    def __init__(self, collection: str, path: str | None = None, url: str | None = None,
                 client: Any = None) -> None:
        self.name = collection
        self.client = client if client is not None else chroma_client(path, url)
        self._col: Any = None
        self.batch_size = min(MAX_BATCH, int(self.client.get_max_batch_size()))

    # --- collection ----------------------------------------------------------------------------
    @property
    def col(self) -> Any:
        """The collection, created on first use (and again after drop())."""
        if self._col is None:
            self._col = self.client.get_or_create_collection(
                self.name, embedding_function=None, configuration=HNSW_CONFIG)
        return self._col

    def drop(self) -> None:
        """Delete the whole collection (for --rebuild); the next call starts a new, empty one."""
        try:
            self.client.delete_collection(self.name)
        except Exception as e:  # noqa: BLE001 - chromadb raises different types when it is missing
            if "does not exist" not in str(e).lower() and "not found" not in str(e).lower():
                raise
        self._col = None

    def _chunks(self, items: Sequence[Any]):
        for i in range(0, len(items), self.batch_size):
            yield i, items[i:i + self.batch_size]

    def _stale_keys(self, ids: list[str], metas: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Chroma merges metadata on upsert/update; set keys no longer present to None to remove them."""
        old = self.col.get(ids=ids, include=["metadatas"])
        prev = {i: (m or {}) for i, m in zip(old["ids"], old["metadatas"] or [])}
        out = []
        for cid, meta in zip(ids, metas):
            gone = {k: None for k in prev.get(cid, {}) if k not in meta}
            out.append({**meta, **gone} if gone else meta)
        return out

    # --- VectorStore ---------------------------------------------------------------------------
    def upsert(self, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]]) -> None:
        import numpy as np

        if len(chunks) != len(vectors):
            raise ValueError("chunks and vectors differ in length")
        if not chunks:
            return
        arr = np.asarray(vectors, dtype=np.float32)     # lists or numpy rows alike
        for i, batch in self._chunks(list(chunks)):
            ids = [c.chunk_id for c in batch]
            metas = self._stale_keys(ids, [clean_meta(c) for c in batch])
            self.col.upsert(ids=ids, embeddings=arr[i:i + len(batch)], documents=[c.text for c in batch],
                            metadatas=metas)

    def update_metadata(self, chunks: Sequence[Chunk]) -> None:
        """Replace metadata (and text) of existing chunks without re-embedding; unknown ids are ignored."""
        for _, batch in self._chunks(list(chunks)):
            cur = self.col.get(ids=[c.chunk_id for c in batch], include=["documents", "metadatas"])
            prev = {i: (d, m or {}) for i, d, m in zip(cur["ids"], cur["documents"], cur["metadatas"])}
            batch = [c for c in batch if c.chunk_id in prev]
            if not batch:
                continue
            ids = [c.chunk_id for c in batch]
            metas = []
            for c in batch:
                meta = clean_meta(c)
                metas.append({**meta, **{k: None for k in prev[c.chunk_id][1] if k not in meta}})
            self.col.update(ids=ids, metadatas=metas)
            # Chroma re-embeds changed documents unless given vectors: pass the stored ones back.
            changed = [c for c in batch if c.text != prev[c.chunk_id][0]]
            if changed:
                emb = self.col.get(ids=[c.chunk_id for c in changed], include=["embeddings"])
                vec = dict(zip(emb["ids"], emb["embeddings"]))
                self.col.update(ids=[c.chunk_id for c in changed], documents=[c.text for c in changed],
                                embeddings=[vec[c.chunk_id] for c in changed])

    def delete(self, chunk_ids: Sequence[str]) -> None:
        for _, batch in self._chunks(list(chunk_ids)):
            if batch:
                self.col.delete(ids=list(batch))

    def query(self, vector: Sequence[float], k: int, flt: Filter | None) -> list[Hit]:
        """Top-k chunks by cosine similarity (score = 1 - cosine distance) among those the filter allows."""
        if k <= 0:
            return []
        flt = flt or Filter(access=None)
        res = self.col.query(query_embeddings=[list(map(float, vector))], n_results=k, where=flt.to_where(),
                             include=["documents", "metadatas", "distances"])
        hits = []
        ids = res["ids"][0] if res["ids"] else []
        for rank, (cid, doc, meta, dist) in enumerate(
                zip(ids, res["documents"][0], res["metadatas"][0], res["distances"][0]), start=1):
            meta = dict(meta or {})
            chunk = Chunk(chunk_id=cid, doc_id=str(meta.get("doc_id", "")), text=doc or "", embed_text="",
                          meta=meta)
            score = 1.0 - float(dist)
            hits.append(Hit(chunk=chunk, score=score, dense_score=score, rank=rank))
        return hits

    def ids(self) -> set[str]:
        out: set[str] = set()
        offset = 0
        while True:
            page = self.col.get(include=[], limit=self.batch_size, offset=offset)["ids"]
            out.update(page)
            if len(page) < self.batch_size:
                return out
            offset += len(page)

    def count(self) -> int:
        return int(self.col.count())

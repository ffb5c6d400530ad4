"""ChromaStore: the VectorStore over chromadb, embedded (PersistentClient) or a server (HttpClient).

Sharded by access level: one collection per level, so a query searches only the collections the user may see and
needs no `access` clause (Chroma evaluates a `where` by scanning metadata and then brute-forcing: an access `$in`
costs ~450 ms at 100k chunks against ~8 ms unfiltered). The public shard is the collection `name` itself (the
biggest one, and the one LangChain or an older version opens); any other level lives in `<name>--<slug>-<hash>`,
its level recorded in the collection metadata. A collection written by the old single-collection layout is split
on first open. We always hand Chroma explicit vectors: no collection has an embedding function, because Chroma's
default one downloads a model. Metadata is flat; None values are dropped.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from typing import Any, Iterator, Sequence
from urllib.parse import urlparse

from byraad.types import PUBLIC, Chunk, Hit
from vectorstore.filters import Filter

# ef_search/ef_construction/max_neighbors raise top-5 overlap with brute force from 0.56 to 0.99
# (offline-dependencies.md §3) at a small cost in add and query time.
HNSW_CONFIG = {"hnsw": {"space": "cosine", "ef_construction": 200, "ef_search": 400, "max_neighbors": 32}}
MAX_BATCH = 5000
LAYOUT_KEY, LAYOUT = "byraad_layout", "access-shards-1"  # on the public collection once it holds only public rows
BASE_KEY, LEVEL_KEY = "byraad_base", "byraad_access"  # on every other shard: its base name and level (JSON)
POOL_MIN, POOL_FACTOR = 200, 4  # candidates fetched unfiltered before post-filtering other where clauses
LIST_TTL_S = 1.0  # how stale the shard list may get before a query lists collections again


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
        return chromadb.HttpClient(host=u.hostname, port=u.port or (443 if ssl else 8000), ssl=ssl, settings=settings)
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


def level_of(meta: Any) -> str | None:
    """The shard key of a chunk: its access level, None when it has none (then only all-access queries see it)."""
    v = (meta or {}).get("access")
    return v if isinstance(v, str) else None


def shard_name(base: str, level: str | None) -> str:
    """Collection name of a level's shard: the base itself for public, else base + slug + hash (Chroma allows
    [a-zA-Z0-9._-]; the hash keeps "closed:a-b" and "closed-a:b" apart)."""
    if level == PUBLIC:
        return base
    slug = re.sub(r"[^a-zA-Z0-9]+", "-", level or "unset").strip("-")[:40] or "x"
    name = f"{base}--{slug}-{hashlib.sha1(json.dumps(level).encode()).hexdigest()[:8]}"
    if len(name) > 512:
        raise ValueError(f"collection name {base!r} is too long to shard")
    return name


class ChromaStore:
    """Chunk text, flat metadata and vectors (cosine space) in one Chroma collection per access level."""

    def __init__(self, collection: str, path: str | None = None, url: str | None = None, client: Any = None) -> None:
        self.name = collection
        self.client = client if client is not None else chroma_client(path, url)
        self.batch_size = min(MAX_BATCH, int(self.client.get_max_batch_size()))
        self._lock = threading.RLock()
        self._shards: dict[str | None, Any] | None = None  # level → collection
        self._listed = 0.0

    # --- shards --------------------------------------------------------------------------------
    @property
    def col(self) -> Any:
        """The public (base) collection, created on first use."""
        return self.shards()[PUBLIC]

    def shards(self) -> dict[str | None, Any]:
        """level → collection of every shard of this store (listed once, then on refresh())."""
        shards = self._shards
        return shards if shards is not None else self.refresh()

    def refresh(self) -> dict[str | None, Any]:
        """List the shards again (another process may have added or dropped one); split a legacy collection."""
        with self._lock:
            old = {c.name: c for c in (self._shards or {}).values()}
            out: dict[str | None, Any] = {}
            prefix, offset = self.name + "--", 0
            while True:
                page = self.client.list_collections(limit=100, offset=offset)
                for c in page:
                    meta = c.metadata or {}
                    if c.name.startswith(prefix) and meta.get(BASE_KEY) == self.name and LEVEL_KEY in meta:
                        # Listed handles carry Chroma's default embedding function; ours have none.
                        keep = old.get(c.name)
                        out[json.loads(meta[LEVEL_KEY])] = (
                            keep
                            if keep is not None and keep.id == c.id
                            else self.client.get_collection(c.name, embedding_function=None)
                        )
                if len(page) < 100:
                    break
                offset += len(page)
            base = self.client.get_or_create_collection(self.name, embedding_function=None, configuration=HNSW_CONFIG)
            out[PUBLIC] = base
            self._shards, self._listed = out, time.monotonic()
            if (base.metadata or {}).get(LAYOUT_KEY) != LAYOUT:
                self._split_legacy(base)
            return self._shards

    def _split_legacy(self, base: Any) -> None:
        """Move rows that are not public out of the base collection (written by the unsharded layout), then mark it."""
        while True:
            got = base.get(
                where={"access": {"$ne": PUBLIC}},
                limit=self.batch_size,
                include=["embeddings", "documents", "metadatas"],
            )
            if not got["ids"]:
                break
            rows = list(zip(got["ids"], got["embeddings"], got["documents"], got["metadatas"]))
            for level in {level_of(m) for *_, m in rows}:
                part = [r for r in rows if level_of(r[3]) == level]
                self._shard(level).upsert(
                    ids=[r[0] for r in part],
                    embeddings=[r[1] for r in part],
                    documents=[r[2] for r in part],
                    metadatas=[r[3] for r in part],
                )
            base.delete(ids=list(got["ids"]))
        try:
            base.modify(metadata={**(base.metadata or {}), LAYOUT_KEY: LAYOUT})
        except Exception:  # noqa: BLE001 - unmarked only means the (cheap, idempotent) check runs again
            pass

    def _shard(self, level: str | None) -> Any:
        """The shard of a level, created when missing."""
        col = self.shards().get(level)
        if col is None:
            with self._lock:
                col = self.client.get_or_create_collection(
                    shard_name(self.name, level),
                    embedding_function=None,
                    configuration=HNSW_CONFIG,
                    metadata={BASE_KEY: self.name, LEVEL_KEY: json.dumps(level)},
                )
                self._shards = {**self.shards(), level: col}
        return col

    def _searched(self, access: tuple[str, ...] | None) -> list[Any]:
        """The shards a query with these permitted levels searches (None = all)."""
        shards = self.shards()
        if (access is None or any(lv not in shards for lv in access)) and time.monotonic() - self._listed > LIST_TTL_S:
            shards = self.refresh()  # a level may have got its first chunk in another process
        levels = list(shards) if access is None else list(dict.fromkeys(access))
        return [shards[lv] for lv in levels if lv in shards]

    def _read(self, fn):
        """Run a read over the shards; when one was dropped meanwhile (NotFound), list again and retry once."""
        try:
            return fn()
        except Exception as e:  # noqa: BLE001 - chromadb's error types differ between clients
            if "does not exist" not in str(e).lower() and "not found" not in str(e).lower():
                raise
            self.refresh()
            return fn()

    def drop(self) -> None:
        """Delete every shard (for --rebuild); the next call starts a new, empty store."""
        with self._lock:
            names = {c.name for c in self.refresh().values()}
            for name in names:
                try:
                    self.client.delete_collection(name)
                except Exception as e:  # noqa: BLE001 - chromadb raises different types when it is missing
                    if "does not exist" not in str(e).lower() and "not found" not in str(e).lower():
                        raise
            self._shards = None

    def _batches(self, items: Sequence[Any]) -> Iterator[Sequence[Any]]:
        for i in range(0, len(items), self.batch_size):
            yield items[i : i + self.batch_size]

    def _remove(self, col: Any, ids: Sequence[str]) -> None:
        """Delete those of `ids` that a shard holds (looked up first: deletes of absent ids still cost a write)."""
        for batch in self._batches(list(ids)):
            found = col.get(ids=list(batch), include=[])["ids"]
            if found:
                col.delete(ids=found)

    @staticmethod
    def _stale_keys(col: Any, ids: list[str], metas: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Chroma merges metadata on upsert/update; set keys no longer present to None to remove them."""
        old = col.get(ids=ids, include=["metadatas"])
        prev = {i: (m or {}) for i, m in zip(old["ids"], old["metadatas"] or [])}
        return [{**meta, **{k: None for k in prev.get(cid, {}) if k not in meta}} for cid, meta in zip(ids, metas)]

    # --- VectorStore ---------------------------------------------------------------------------
    def upsert(self, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]]) -> None:
        """Write chunks into the shard of their access level; a copy in another shard (an earlier level) goes first,
        so a crash in between loses the row (reconciliation restores it) rather than leaving it readable twice."""
        import numpy as np

        if len(chunks) != len(vectors):
            raise ValueError("chunks and vectors differ in length")
        if not chunks:
            return
        arr = np.asarray(vectors, dtype=np.float32)  # lists or numpy rows alike
        metas = [clean_meta(c) for c in chunks]
        levels = [level_of(m) for m in metas]
        for level, col in self.refresh().items():
            self._remove(col, [c.chunk_id for c, lv in zip(chunks, levels) if lv != level])
        for level in dict.fromkeys(levels):
            col = self._shard(level)
            rows = [i for i, lv in enumerate(levels) if lv == level]
            for batch in self._batches(rows):
                ids = [chunks[i].chunk_id for i in batch]
                col.upsert(
                    ids=ids,
                    embeddings=arr[list(batch)],
                    documents=[chunks[i].text for i in batch],
                    metadatas=self._stale_keys(col, ids, [metas[i] for i in batch]),
                )

    def update_metadata(self, chunks: Sequence[Chunk]) -> None:
        """Replace metadata (and text) of existing chunks without re-embedding; unknown ids are ignored. A chunk
        whose level changed moves to the new shard with its stored vector."""
        want = {c.chunk_id: (c, clean_meta(c)) for c in chunks}
        for level, col in self.refresh().items():
            for batch in self._batches(list(want)):
                cur = col.get(ids=list(batch), include=["documents", "metadatas", "embeddings"])
                rows = [
                    (want.pop(i), d, m or {}, v)  # found: done with it (moved rows are not updated twice)
                    for i, d, m, v in zip(cur["ids"], cur["documents"], cur["metadatas"], cur["embeddings"])
                ]
                stay = [r for r in rows if level_of(r[0][1]) == level]
                moved = [r for r in rows if level_of(r[0][1]) != level]
                if stay:
                    # Chroma merges metadata: keys no longer present are set to None to remove them.
                    col.update(
                        ids=[c.chunk_id for (c, _), *_ in stay],
                        metadatas=[
                            {**meta, **{k: None for k in old if k not in meta}} for (_, meta), _, old, _ in stay
                        ],
                    )
                    changed = [(c, v) for (c, _), doc, _, v in stay if c.text != doc]
                    if changed:  # Chroma re-embeds a changed document unless given a vector: pass the stored one
                        col.update(
                            ids=[c.chunk_id for c, _ in changed],
                            documents=[c.text for c, _ in changed],
                            embeddings=[v for _, v in changed],
                        )
                if moved:
                    col.delete(ids=[c.chunk_id for (c, _), *_ in moved])  # first: a crash loses, never doubles
                    self.upsert([c for (c, _), *_ in moved], [v for *_, v in moved])

    def delete(self, chunk_ids: Sequence[str]) -> None:
        if not chunk_ids:
            return
        for col in self.refresh().values():
            self._remove(col, chunk_ids)

    def query(self, vector: Sequence[float], k: int, flt: Filter | None) -> list[Hit]:
        """Top-k chunks by cosine similarity (score = 1 - cosine distance) among those the filter allows.

        Each permitted shard is searched without the access clause. Other clauses (body, kind, date, document)
        are checked on the nearest max(POOL_MIN, POOL_FACTOR·k) rows first; only when too few of them pass does
        that shard run Chroma's filtered (scanning) query."""
        if k <= 0:
            return []
        flt = flt or Filter(access=None)
        vec = [list(map(float, vector))]

        def run() -> list[tuple]:
            rows: list[tuple] = []  # (distance, id, meta, shard)
            for col in self._searched(flt.access):
                pool = k if flt.is_empty() else max(POOL_MIN, POOL_FACTOR * k)
                res = col.query(query_embeddings=vec, n_results=pool, include=["metadatas", "distances"])
                got = list(zip(res["distances"][0], res["ids"][0], res["metadatas"][0]))
                ok = [r for r in got if flt.matches(r[2] or {})]  # access too: a foreign row is never returned
                if len(ok) < k and len(got) >= pool:
                    res = col.query(
                        query_embeddings=vec, n_results=k, where=flt.to_where(), include=["metadatas", "distances"]
                    )
                    ok = list(zip(res["distances"][0], res["ids"][0], res["metadatas"][0]))
                rows += [(d, i, m, col) for d, i, m in ok[:k]]
            rows.sort(key=lambda r: (r[0], r[1]))
            seen: set[str] = set()
            top = [r for r in rows if not (r[1] in seen or seen.add(r[1]))][:k]  # a crash's duplicate counts once
            texts: dict[str, str] = {}
            for col in {id(r[3]): r[3] for r in top}.values():
                got = col.get(ids=[r[1] for r in top if r[3] is col], include=["documents"])
                texts.update(zip(got["ids"], got["documents"]))
            return [(d, i, m, texts.get(i)) for d, i, m, _ in top]

        hits = []
        for rank, (dist, cid, meta, doc) in enumerate(self._read(run), start=1):
            meta = dict(meta or {})
            chunk = Chunk(chunk_id=cid, doc_id=str(meta.get("doc_id", "")), text=doc or "", embed_text="", meta=meta)
            score = 1.0 - float(dist)
            hits.append(Hit(chunk=chunk, score=score, dense_score=score, rank=rank))
        return hits

    # --- fast paths for the Index (it filters on its own catalog metadata) -----------------------
    def nearest(self, vector: Sequence[float], n: int, access: tuple[str, ...] | None) -> list[tuple[str, float]]:
        """(chunk id, cosine) of the n nearest chunks of the permitted levels, best first; no text or metadata is
        fetched (that costs ~0.1 ms a row at 100k chunks)."""
        if n <= 0:
            return []
        vec = [list(map(float, vector))]

        def run() -> list[tuple[float, str]]:
            rows: list[tuple[float, str]] = []
            for col in self._searched(access):
                res = col.query(query_embeddings=vec, n_results=n, include=["distances"])
                rows += zip(res["distances"][0], res["ids"][0])
            best: dict[str, float] = {}
            for d, cid in sorted(rows):
                best.setdefault(cid, d)  # a row left in two shards by a crash counts once
            return list(best.items())[:n]

        return [(cid, 1.0 - float(d)) for cid, d in self._read(run)]

    def vectors(self, ids: Sequence[str], access: tuple[str, ...] | None) -> tuple[list[str], Any]:
        """The stored vectors (float32 rows) of those of `ids` that the permitted levels' shards hold, and their
        ids in row order (~0.05-0.1 ms a row at 100k chunks: for small sets, or to fill a cache)."""
        import numpy as np

        def run() -> tuple[list[str], Any]:
            found: list[str] = []
            rows: list[Any] = []
            for col in self._searched(access):
                for batch in self._batches(list(ids)):
                    got = col.get(ids=list(batch), include=["embeddings"])
                    if len(got["ids"]):
                        found += got["ids"]
                        rows.append(np.asarray(got["embeddings"], dtype=np.float32))
            return found, (np.concatenate(rows) if rows else np.zeros((0, 0), dtype=np.float32))

        return self._read(run)

    def ids(self) -> set[str]:
        def run() -> set[str]:
            out: set[str] = set()
            for col in self._searched(None):
                offset = 0
                while True:
                    page = col.get(include=[], limit=self.batch_size, offset=offset)["ids"]
                    out.update(page)
                    if len(page) < self.batch_size:
                        break
                    offset += len(page)
            return out

        return self._read(run)

    def count(self) -> int:
        return self._read(lambda: sum(int(col.count()) for col in self._searched(None)))

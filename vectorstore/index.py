"""The index of one collection: vector store + catalog + BM25, opened from Settings.

Ingestion writes through it; retrieval reads through it. The BM25 index and the metadata columns are derived from
the catalog and rebuilt whenever the catalog's generation moved on (so they are always in step with the vector store).

A serving process (`Index.background = True`: the app, ui/state.py) does not rebuild in a question's path: when an
ingest moves the catalog on, a background thread builds the next snapshot — chunk table, metadata columns, BM25 and
whatever the retriever derives from them (`on_snapshot`: the sentence and sparse matrices) — and publishes it whole.
Until then questions are answered from the previous snapshot *minus every document whose version in the current
catalog differs* (completed again, renamed, withdrawn, removed: `Catalog.doc_versions`), so no answer mixes a
document's new access level with its old text: a document an ingest has just closed is not served from the old
snapshot once the catalog says so, and is served again only from the snapshot that holds its new levels. Documents
new since the snapshot are found once it is published (measured: benchmarks/generation_bench.py).
"""

from __future__ import annotations

import logging
import math
import shutil
import sqlite3
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any, Mapping, Sequence

from byraad.settings import Settings
from byraad.types import Chunk, Hit
from vectorstore import vectorfile
from vectorstore.catalog import Catalog
from vectorstore.filters import Filter
from vectorstore.protocols import Embedder, VectorStore

log = logging.getLogger(__name__)

# Dense search with a filter beyond access, per permitted access level (= store shard): the shard gives its nearest
# chunks and we keep those the filter admits; the candidate pool is sized from the filter's selectivity in that
# level, known exactly from the columns. When reading the admitted chunks' stored vectors is cheaper than the pool
# (few admitted, e.g. a small closed shard), they are scored directly. Costs measured at 100k chunks.
POOL_SLACK = 1.5  # fetch this many times the candidates the selectivity says are needed (binomial: a
# random 1/70 filter leaves < k of k·1.5 expected survivors in ~0.5 % of queries)
POOL_MAX = 8000  # beyond this a pool stops growing; then stored vectors or Chroma's filtered query
NEAREST_MS, NEAREST_ROW_MS = 7.0, 0.015  # a nearest-n query: fixed cost + per row returned
EXACT_ROW_MS = 0.08  # reading one stored vector from the store
CACHED_ROW_MS = 0.001  # scoring one vector held in the VectorCache
EXACT_MAX = 1000  # the most admitted chunks scored from stored vectors after the pool gave up
VECTOR_CACHE_MB = 512  # memory the VectorCache may take (100k chunks × 384 dims = 154 MB)
WARM_MIN = 20_000  # from this many chunks on, the first dense search starts caching every vector in the
# background, so selective filters (a month, a document) are scored in memory
WARM_BATCH = 2000


class MetaColumns:
    """The filterable metadata of every chunk as numpy columns: a Filter becomes a boolean mask in well under a
    millisecond (Filter.matches over 100k chunks takes ~100 ms). Same semantics as Filter.matches."""

    KEYS = ("access", "body_key", "kind", "doc_id")

    def __init__(self, ids: Sequence[str], metas: Sequence[Mapping[str, Any]]) -> None:
        import numpy as np

        self.ids = list(ids)
        self.pos = {cid: i for i, cid in enumerate(self.ids)}
        n = len(self.ids)
        self._codes: dict[str, Any] = {}
        self._vocab: dict[str, dict] = {}
        for key in self.KEYS:
            vocab: dict = {}
            self._codes[key] = np.fromiter((vocab.setdefault(m.get(key), len(vocab)) for m in metas), np.int32, n)
            self._vocab[key] = vocab
        dates = [m.get("meeting_date") for m in metas]
        self._dated = np.fromiter((isinstance(d, int) for d in dates), bool, n)
        self._dates = np.fromiter((d if isinstance(d, int) else 0 for d in dates), np.int64, n)
        self._masks: dict[Filter, Any] = {}
        self._levels: dict[Filter, list] = {}
        self._keep: Any = None  # a restricted view's rows (see `restricted`); None = all
        self.base: MetaColumns = self  # the snapshot's full columns: what derived matrices are keyed on
        self.versions: Mapping[str, float] = {}  # doc_id → catalog version of the chunks these columns hold

    def __len__(self) -> int:
        return len(self.ids)

    def restricted(self, keep) -> "MetaColumns":
        """The same columns with only the rows where `keep` (a boolean array over `ids`) is True admitted by any
        filter: a snapshot with some documents withdrawn, without rebuilding it (same ids, same `base`)."""
        import copy

        view = copy.copy(self)
        view._masks, view._levels = {}, {}
        view._keep = keep if self._keep is None else keep & self._keep
        view._keep.flags.writeable = False
        return view

    def _isin(self, key: str, wanted: Sequence[Any]):
        import numpy as np

        vocab = self._vocab[key]
        return np.isin(self._codes[key], [vocab[v] for v in wanted if v in vocab])

    def levels(self, flt: Filter) -> list[tuple[Any, int, int]]:
        """(level, chunks of that level, of them admitted by flt) for each access level with admitted chunks."""
        import numpy as np

        got = self._levels.get(flt)
        if got is None:
            codes, vocab = self._codes["access"], self._vocab["access"]
            total = np.bincount(codes, minlength=len(vocab))
            admitted = np.bincount(codes[self.mask(flt)], minlength=len(vocab))
            got = [(lv, int(total[c]), int(admitted[c])) for lv, c in vocab.items() if admitted[c]]
            if len(self._levels) >= 256:
                self._levels = {}  # replaced, not cleared: other threads may be reading the old one
            self._levels[flt] = got
        return got

    def admitted(self, flt: Filter, level: Any) -> list[str]:
        """Ids of one access level that flt admits."""
        import numpy as np

        code = self._vocab["access"][level]
        return [self.ids[i] for i in np.flatnonzero(self.mask(flt) & (self._codes["access"] == code))]

    def mask(self, flt: Filter):
        """Read-only boolean mask over `ids`: True where `flt.matches(meta)` (cached per filter)."""
        import numpy as np

        m = self._masks.get(flt)
        if m is None:
            m = np.ones(len(self.ids), dtype=bool)
            for key, wanted in (
                ("access", flt.access),
                ("body_key", flt.bodies or None),
                ("kind", flt.kinds or None),
                ("doc_id", flt.doc_ids or None),
            ):
                if wanted is not None:
                    m &= self._isin(key, wanted)
            if flt.date_from is not None:
                m &= self._dated & (self._dates >= flt.date_from)
            if flt.date_to is not None:
                m &= self._dated & (self._dates <= flt.date_to)
            if self._keep is not None:
                m &= self._keep
            m.flags.writeable = False
            if len(self._masks) >= 256:
                self._masks = {}
            self._masks[flt] = m
        return m


class VectorCache:
    """Unit-length chunk vectors by id, in one growing float32 matrix, for exact scoring of filtered candidate sets.
    An id fixes its vector (chunk ids hash the embedded text; each embedder has its own collection), so entries
    never go stale; ids that left the catalog are just never asked for again."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._pos: dict[str, int] = {}
        self._mat: Any = None
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._pos)

    @property
    def full(self) -> bool:
        return self._mat is not None and (len(self._pos) + 1) * self._mat.shape[1] * 4 > self.max_bytes

    def missing(self, ids: Sequence[str]) -> list[str]:
        return [i for i in ids if i not in self._pos]

    def add(self, ids: Sequence[str], mat) -> None:
        """Cache rows (normalised) while the memory budget lasts."""
        import numpy as np

        if not len(ids):
            return
        mat = np.asarray(mat, dtype=np.float32)
        mat = mat / np.maximum(np.linalg.norm(mat, axis=1, keepdims=True), 1e-12)
        with self._lock:
            new = [(cid, row) for cid, row in zip(ids, mat) if cid not in self._pos]
            n, cap = len(self._pos), self.max_bytes // (4 * mat.shape[1])
            new = new[: max(0, cap - n)]
            if not new:
                return
            if self._mat is None or self._mat.shape[0] < n + len(new):
                grown = np.empty((min(max(2 * (n + len(new)), 1024), cap), mat.shape[1]), np.float32)
                if self._mat is not None:
                    grown[:n] = self._mat[:n]
                self._mat = grown  # readers holding the old matrix still see their rows
            self._mat[n : n + len(new)] = [row for _, row in new]
            for i, (cid, _) in enumerate(new):
                self._pos[cid] = n + i  # after the row is written: a reader never sees an unwritten row

    def score(
        self, vector: Sequence[float], ids: Sequence[str], k: int, extra: tuple[Sequence[str], Any] = ((), None)
    ) -> list[tuple[str, float]]:
        """The top k (id, cosine) among those of `ids` that are cached or in `extra` (ids, rows), best first."""
        import numpy as np

        q = np.asarray(vector, dtype=np.float32)
        q = q / (np.linalg.norm(q) or 1.0)
        pos, mat = self._pos, self._mat
        # einsum, not `@`: OpenBLAS threads a matrix-vector product and, on busy cores, its spinning threads
        # turn 0.2 ms into 20 ms.
        have = [i for i in ids if i in pos]
        rows = mat[np.fromiter((pos[i] for i in have), np.int64, len(have))] if have else None
        names, sims = list(have), [np.einsum("ij,j->i", rows, q)] if have else []
        if len(extra[0]):
            seen = set(have)
            keep = [j for j, i in enumerate(extra[0]) if i not in seen]
            m = np.asarray(extra[1], dtype=np.float32)[keep]
            names += [extra[0][j] for j in keep]
            sims.append(np.einsum("ij,j->i", m, q) / np.maximum(np.linalg.norm(m, axis=1), 1e-12))
        if not names:
            return []
        allsims = np.concatenate(sims)
        top = np.argpartition(-allsims, k - 1)[:k] if len(names) > k else np.arange(len(names))
        return sorted(((names[i], float(allsims[i])) for i in top), key=lambda t: (-t[1], t[0]))


class Index:
    """Everything retrieval and ingestion need for one collection."""

    def __init__(
        self,
        settings: Settings,
        embedder: Embedder | None = None,
        store: VectorStore | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.settings = settings
        self.collection = settings.collection_name()
        self.dir = index_dir(settings)
        from byraad.private import private_dir

        private_dir(settings.data_path, tighten=True)  # closed text lives here: 0700, files 0600
        self.dir.mkdir(parents=True, exist_ok=True)
        self.catalog = Catalog(self.dir / "catalog.sqlite")
        self._embedder = embedder
        self._store = store
        self._environ = environ
        # Readers take the published (generation, chunks, columns) and (generation, bm25) tuples without a lock;
        # `_lock` serialises rebuilding them and constructing backends, `_bm25_lock` the (slow) BM25 build alone,
        # so a BM25 rebuild of a big corpus does not stall dense searches.
        self._lock = threading.RLock()
        self._bm25_lock = threading.Lock()
        self._state: tuple[int, dict[str, Chunk], MetaColumns] | None = None
        self._bm25_state: tuple[int, Any] | None = None
        self._perm: tuple[Any, MetaColumns, Any] | None = None  # (bm25, columns, bm25 row → column row)
        self._bm25_tokens: dict[str, list[str]] | None = None  # the last BM25 build's token lists by text
        self.vectors = VectorCache(VECTOR_CACHE_MB << 20)
        self._warmer: threading.Thread | None = None
        self._warm_gen = -1
        self._closed = False
        self._snapshot: vectorfile.VectorFile | None = None  # the ingest's vector snapshot (see vectorfile)
        self._opener: threading.Thread | None = None
        # chunk table, doc id → chunk ids in order, chunk id → its position in that list
        self._siblings: tuple[Any, dict[str, list[str]], dict[str, int]] | None = None
        # Serving (see the module doc): rebuild off the question's path, answer from the previous snapshot meanwhile.
        self.background = False
        self._builder: threading.Thread | None = None
        self._view: tuple[Any, int, tuple[int, dict[str, Chunk], MetaColumns]] | None = None
        self._on_snapshot: list[Any] = []

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
        self._state, self._bm25_state, self._perm, self._view = None, None, None, None
        self.vectors, self._warm_gen = VectorCache(VECTOR_CACHE_MB << 20), -1
        self._snapshot, self._siblings = None, None

    # --- chunk cache, metadata columns and BM25 ---------------------------------------------------
    def _current(self) -> tuple[int, dict[str, Chunk], MetaColumns]:
        gen = self.catalog.generation()
        st = self._state
        if st is not None and st[0] == gen:
            return st
        if st is not None and self.background:
            self._refresh_soon()
            return self._stale_view(st, gen)
        with self._lock:
            st = self._state
            if st is None or st[0] != gen:
                st = self._build_state(gen)
                self._state = st
        return st

    def _build_state(self, gen: int) -> tuple[int, dict[str, Chunk], MetaColumns]:
        """The chunk table and metadata columns of the catalog as it is now (labelled `gen`, read just before: if an
        ingest commits in between, the state is newer than its label and is simply built again)."""
        found, versions = self.catalog.complete_chunks()
        chunks = {c.chunk_id: c for c in found}
        cols = MetaColumns(list(chunks), [c.meta for c in chunks.values()])
        cols.versions = versions
        refresh = getattr(self._store, "refresh", None)
        if refresh is not None:
            refresh()  # another process may have written a new access-level shard
        return (gen, chunks, cols)

    def _stale_view(
        self, st: tuple[int, dict[str, Chunk], MetaColumns], gen: int
    ) -> tuple[int, dict[str, Chunk], MetaColumns]:
        """The published snapshot `st` as it may be served while the catalog is at `gen`: without the chunks of every
        document whose version in the catalog now differs from the one `st` holds (completed again, renamed,
        withdrawn, removed), so its old text and old access levels are never served after the catalog changed them.
        Computed once per (snapshot, generation)."""
        import numpy as np

        v = self._view
        if v is not None and v[0] is st and v[1] == gen:
            return v[2]
        _, chunks, cols = st
        now = self.catalog.doc_versions()
        gone = {d for d, u in cols.versions.items() if now.get(d) != ("complete", u)}
        if gone:
            keep = np.fromiter((chunks[cid].doc_id not in gone for cid in cols.ids), bool, len(cols.ids))
            view = (st[0], {cid: c for cid, c in chunks.items() if c.doc_id not in gone}, cols.restricted(keep))
        else:
            view = st
        self._view = (st, gen, view)
        return view

    def on_snapshot(self, prepare) -> None:
        """Have `prepare(chunks, columns)` called with every snapshot the background builder makes, before it is
        published (the retriever builds its sentence and sparse matrices for it there, not in a question's path)."""
        self._on_snapshot.append(prepare)

    def _refresh_soon(self) -> None:
        with self._lock:
            if self._closed or (self._builder is not None and self._builder.is_alive()):
                return
            self._builder = threading.Thread(target=self._rebuild, daemon=True, name="byraad-snapshot")
            self._builder.start()

    def _rebuild(self) -> None:
        """Build snapshots until the published one is the catalog's generation (an ingest may move it on meanwhile:
        only the newest is built), each published whole: BM25 and the derived matrices first, the chunk table and
        columns last."""
        try:
            while not self._closed:
                gen = self.catalog.generation()
                if self._state is not None and self._state[0] == gen:
                    return
                st = self._build_state(gen)
                bm = self._load_bm25(gen, st[1])
                for prepare in list(self._on_snapshot):
                    prepare(st[1], st[2])
                with self._bm25_lock:
                    self._bm25_state = (gen, bm)
                self._state = st
        except Exception:  # noqa: BLE001 - questions go on with the previous snapshot; the next one tries again
            log.exception("indekset kunne ikke genopbygges i baggrunden")

    def wait_fresh(self, timeout: float = 30.0) -> bool:
        """Wait until the published snapshot is the catalog's generation (a serving index; tests and benchmarks)."""
        import time

        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self._state is not None and self._state[0] == self.catalog.generation():
                return True
            self._current()
            b = self._builder
            if b is not None:
                b.join(min(0.05, max(0.0, end - time.monotonic())))
            else:
                time.sleep(0.01)
        return False

    def all_chunks(self) -> dict[str, Chunk]:
        """Every complete chunk by id (cached per catalog generation)."""
        return self._current()[1]

    def columns(self) -> MetaColumns:
        """Filterable metadata of all_chunks() as numpy columns (cached per catalog generation)."""
        return self._current()[2]

    def bm25(self):
        """The BM25 index for the current catalog generation (loaded or rebuilt). While one thread rebuilds it,
        others keep using the previous one (hits are still checked against the current chunks and filter). A
        serving index (`background`) never rebuilds here once it has one: the background builder publishes the next
        with its snapshot."""
        st = self._bm25_state
        if self.background:
            if st is not None:
                return st[1]
            with self._bm25_lock:
                if self._bm25_state is None:
                    snap = self._state if self._state is not None else self._current()
                    self._bm25_state = (snap[0], self._load_bm25(snap[0], snap[1]))
                return self._bm25_state[1]
        gen = self.catalog.generation()
        if st is not None and st[0] == gen:
            return st[1]
        if not self._bm25_lock.acquire(blocking=st is None):
            return st[1]
        try:
            st = self._bm25_state
            if st is None or st[0] != gen:
                st = (gen, self._load_bm25(gen, None))
                self._bm25_state = st
            return st[1]
        finally:
            self._bm25_lock.release()

    def _load_bm25(self, gen: int, chunks: Mapping[str, Chunk] | None):
        from vectorstore.bm25 import BM25Index

        path = self.dir / "bm25"
        if path.exists() and self.catalog.get_kv("bm25_generation") == str(gen):
            try:
                return BM25Index.load(path)
            except Exception:  # a damaged cache is rebuilt, never fatal
                pass
        if chunks is None:
            chunks = self._current()[1]
        ids = list(chunks)
        # The previous build's token lists: only the texts of new chunks are tokenized (the same index either way).
        idx = BM25Index.build(ids, [chunks[i].embed_text for i in ids], known=self._bm25_tokens)
        self._bm25_tokens = idx.tokens
        try:
            idx.save(path)
            self.catalog.set_kv("bm25_generation", str(gen))
        except (OSError, sqlite3.Error):
            pass  # read-only data dir, or the catalog busy past its timeout: keep the in-memory index (built again later)
        return idx

    def _bm25_mask(self, bm, flt: Filter, cols: MetaColumns | None = None):
        """The filter's column mask in the BM25 index's row order (rows the columns lack are excluded)."""
        import numpy as np

        cols = cols if cols is not None else self.columns()
        p = self._perm
        if p is None or p[0] is not bm or p[1] is not cols:
            perm = None if bm.ids == cols.ids else np.fromiter((cols.pos.get(c, -1) for c in bm.ids), np.int64)
            p = self._perm = (bm, cols, perm)
        mask = cols.mask(flt)
        if p[2] is None:
            return mask
        return np.append(mask, False)[p[2]]  # -1 → the appended False

    # --- search -------------------------------------------------------------------------------
    def dense_search(self, query: str, k: int, flt: Filter | None, vector: Sequence[float] | None = None) -> list[Hit]:
        """Nearest chunks by embedding among those the filter (with access) admits."""
        if k <= 0:
            return []
        vec = vector if vector is not None else self.embedder.embed_query(query)
        gen, chunks, cols = self._current()
        snap = self.vector_snapshot() if len(chunks) <= vectorfile.MAX_CHUNKS else None
        if snap is not None and snap.mat.shape[1] == len(vec):  # another dimension: not this embedder's vectors
            scored = self._dense_snapshot(snap, vec, k, flt or Filter(access=None), cols)
            scored = [(cid, s) for cid, s in scored if cid in chunks][:k]
            return [Hit(chunk=chunks[cid], score=s, dense_score=s, rank=i + 1) for i, (cid, s) in enumerate(scored)]
        store = self.store
        if not hasattr(store, "nearest"):
            # A plain VectorStore takes the whole filter in its query.
            scored = [(h.chunk.chunk_id, h.score) for h in store.query(vec, k, flt)]
        else:
            if len(chunks) >= WARM_MIN and self._warm_gen != gen:
                self.warm_vectors()  # at most once per catalog generation
            scored = self._dense_sharded(store, vec, k, flt or Filter(access=None), cols)
        # The store holds display text only; give hits the full catalog chunk (and drop stale ids).
        scored = [(cid, s) for cid, s in scored if cid in chunks][:k]
        return [Hit(chunk=chunks[cid], score=s, dense_score=s, rank=i + 1) for i, (cid, s) in enumerate(scored)]

    # --- the ingest's vector snapshot: dense search without opening the store -----------------------------------
    def vector_snapshot(self) -> vectorfile.VectorFile | None:
        """The vector snapshot the last ingest wrote (re-read when it changed on disk), or None."""
        self._snapshot = vectorfile.load(self.dir, self._snapshot)
        return self._snapshot

    def save_vector_snapshot(self) -> int:
        """Write the snapshot of every complete chunk's vector (ingest does, at the end of a run); rows written."""
        store = self.store
        if not hasattr(store, "vectors"):
            return 0
        gen, _, cols = self._current()
        return vectorfile.write(self.dir, gen, cols.ids, lambda ids: store.vectors(ids, None))

    def _dense_snapshot(
        self, snap: vectorfile.VectorFile, vec: Sequence[float], k: int, flt: Filter, cols: MetaColumns
    ) -> list[tuple[str, float]]:
        """Exact top k (id, cosine) among the chunks `flt` admits, scored from the snapshot. Chunks newer than the
        snapshot (an ingest is running) are scored from the store's vectors when the store is open; otherwise the
        store is opened in the background for the next question and they are left out of this one."""
        import numpy as np

        idx = np.flatnonzero(cols.mask(flt))
        rows = snap.rows_for(cols.ids)[idx]
        inside = rows >= 0
        sims = snap.scores(vec)[rows[inside]]
        names = idx[inside]
        top = np.argpartition(-sims, k - 1)[:k] if len(sims) > k else np.arange(len(sims))
        out = [(cols.ids[names[i]], float(sims[i])) for i in top]
        newer = [cols.ids[i] for i in idx[~inside]]
        if newer:
            if self._store is not None:
                miss = self.vectors.missing(newer)
                try:
                    got = self._store.vectors(miss, None) if miss else ((), None)
                except Exception:  # noqa: BLE001 - chromadb's error types differ between clients
                    # Another process (an ingest with --prune, the admin page) deleted some of those vectors after this
                    # process's Chroma client had read its segments: chromadb then fails the whole read ("Error
                    # finding id"). The question is answered from the snapshot without the newer chunks; the next
                    # snapshot (written at the end of that ingest) holds what is left of them.
                    log.warning("nyere tekststykkers vektorer kunne ikke læses; besvaret uden dem", exc_info=True)
                    return sorted(out, key=lambda t: (-t[1], t[0]))[:k]
                self.vectors.add(*got)
                out += self.vectors.score(vec, newer, k, got)
            else:
                self._open_store_soon()
        return sorted(out, key=lambda t: (-t[1], t[0]))[:k]

    def _open_store_soon(self) -> None:
        with self._lock:
            if self._opener is None:
                self._opener = threading.Thread(target=lambda: self.store, daemon=True, name="byraad-open-store")
                self._opener.start()

    def _dense_sharded(
        self, store: Any, vec: Sequence[float], k: int, flt: Filter, cols: MetaColumns
    ) -> list[tuple[str, float]]:
        """(id, score) best first over a sharded store, every id admitted by `flt` per the catalog metadata: each
        level's own top k (exact: enough admitted in its pool, or its shard exhausted), merged."""
        out: list[tuple[str, float]] = []
        for level, searched, matched in cols.levels(flt):
            out += self._dense_level(store, vec, k, flt, cols, level, searched, matched)
        return sorted(out, key=lambda t: (-t[1], t[0]))[:k]

    def _dense_level(
        self,
        store: Any,
        vec: Sequence[float],
        k: int,
        flt: Filter,
        cols: MetaColumns,
        level: Any,
        searched: int,
        matched: int,
    ) -> list[tuple[str, float]]:
        shard = (level if isinstance(level, str) else None,)  # the store keeps non-text levels unset
        # +1: a pool larger than the shard comes back short, which proves the shard exhausted.
        pool = k if matched == searched else min(searched + 1, k + math.ceil(k * POOL_SLACK * searched / matched))
        nearest_ms = NEAREST_MS + pool * NEAREST_ROW_MS
        if matched * CACHED_ROW_MS < nearest_ms:  # scoring the admitted chunks directly might be cheaper
            ids = cols.admitted(flt, level)
            if len(self.vectors.missing(ids)) * EXACT_ROW_MS + matched * CACHED_ROW_MS < nearest_ms:
                return self._dense_exact(store, vec, k, ids, shard)
        mask, pos = cols.mask(flt), cols.pos
        while True:
            got = store.nearest(vec, pool, shard)
            keep = [(cid, s) for cid, s in got if cid in pos and mask[pos[cid]]]
            if len(keep) >= k or len(got) < pool:
                return keep[:k]
            if pool >= POOL_MAX:
                break
            # Too few survived (the filter correlates with the query): grow by the survival rate seen.
            pool = min(POOL_MAX, max(pool * 2, math.ceil(pool * POOL_SLACK * k / max(len(keep), 1))))
        if matched <= EXACT_MAX:
            return self._dense_exact(store, vec, k, cols.admitted(flt, level), shard)
        return [
            (h.chunk.chunk_id, h.score)
            for h in store.query(vec, k, replace(flt, access=shard))
            if h.chunk.chunk_id in pos and mask[pos[h.chunk.chunk_id]]
        ]

    def _dense_exact(
        self, store: Any, vec: Sequence[float], k: int, ids: list[str], shard: tuple
    ) -> list[tuple[str, float]]:
        """Cosine of the given chunks from their vectors: cached ones from memory, the rest read from the store."""
        miss = self.vectors.missing(ids)
        got: tuple[Sequence[str], Any] = store.vectors(miss, shard) if miss else ((), None)
        self.vectors.add(*got)
        return self.vectors.score(vec, ids, k, got)

    def warm_vectors(self, wait: bool = False) -> None:
        """Start caching every chunk's vector in a background thread (big catalogs only; see WARM_MIN)."""
        store = self.store
        gen, chunks, cols = self._current()
        if len(chunks) < WARM_MIN or not hasattr(store, "vectors") or self.vectors.max_bytes <= 0:
            return
        with self._lock:
            if self._warmer is None or not self._warmer.is_alive():
                self._warm_gen = gen
                self._warmer = threading.Thread(
                    target=self._warm, args=(store, cols), daemon=True, name="byraad-vector-cache"
                )
                self._warmer.start()
        if wait:
            self._warmer.join()

    def _warm(self, store: Any, cols: MetaColumns) -> None:
        for level, _, _ in cols.levels(Filter(access=None)):
            ids = self.vectors.missing(cols.admitted(Filter(access=None), level))
            for i in range(0, len(ids), WARM_BATCH):
                if self._closed or self.vectors.full:
                    return
                try:
                    shard = (level if isinstance(level, str) else None,)
                    self.vectors.add(*store.vectors(ids[i : i + WARM_BATCH], shard))
                except Exception:  # noqa: BLE001 - a cache: a failed fill only leaves searches on the slower path
                    return

    def lexical_search(self, query: str, k: int, flt: Filter | None) -> list[Hit]:
        """BM25 over chunks; disallowed chunks are masked before ranking."""
        _, chunks, cols = self._current()
        bm = self.bm25()
        unfiltered = flt is None or (flt.access is None and flt.is_empty())
        if unfiltered and cols._keep is None:
            allowed = None
        else:
            allowed = self._bm25_mask(bm, flt or Filter(access=None), cols)
        res = bm.search(query, k, allowed=allowed)
        return [
            Hit(chunk=chunks[cid], score=s, bm25_score=s, rank=i + 1) for i, (cid, s) in enumerate(res) if cid in chunks
        ]

    def chunks_where(self, flt: Filter) -> list[Chunk]:
        """All chunks a filter admits, in document order (for opening a whole item or meeting)."""
        import numpy as np

        _, chunks, cols = self._current()
        return [chunks[cols.ids[i]] for i in np.flatnonzero(cols.mask(flt))]

    def source_text(self, chunk_id: str) -> str:
        return self.catalog.source_text(chunk_id)

    def context(self, chunk_id: str, flt: Filter, max_chars: int = 6000, reach: int = 4) -> tuple[str, list[str]]:
        """The text around a chunk (repaired, overlaps shown once), from chunks `flt` (with access) admits only: its agenda item or section
        (up to `reach` chunks either side), else one neighbour either side. Widening stops at the first chunk the
        filter does not admit, so text a user may not see never joins the context. Returns (text, chunk ids used);
        ("", []) when the chunk itself is not admitted or unknown. This is the one way to read a chunk's
        surroundings (chat context, saved conversations, feedback, exports all take their text from it)."""
        _, chunks, _ = self._current()
        chunk = chunks.get(chunk_id)
        if chunk is None or not flt.matches(chunk.meta):
            return "", []
        span = self._admitted_span(chunks, chunk, flt, reach, reach, unit=True)
        if span is None:
            return "", []
        ids, lo, _, hi = span
        if lo == hi:  # no unit to widen to: one admitted neighbour on each side
            _, lo, _, hi = self._admitted_span(chunks, chunk, flt, 1, 1, unit=False) or span
        used = [chunks[cid] for cid in ids[lo : hi + 1]]
        # The repaired text, each character once: overlapping chunks do not repeat their shared sentences.
        text, (at, _) = stitch(list(used), chunk_id)
        if len(text) > max_chars:
            start = max(0, min(at - max_chars // 3, len(text) - max_chars))
            text = (
                ("…" if start else "")
                + text[start : start + max_chars]
                + ("…" if start + max_chars < len(text) else "")
            )
        return text, [c.chunk_id for c in used]

    def neighbours(self, chunk_id: str, flt: Filter, before: int = 1, after: int = 1, unit: bool = True) -> list[Chunk]:
        """The chunks next to a chunk in its document, from chunks `flt` (with access) admits only, in document order
        without the chunk itself: up to `before` chunks before it and `after` after it, of its agenda item or section
        (`unit`; a chunk of no unit then has none), else of its document. Like `context`, widening stops at the first
        chunk the filter does not admit, so a closed item's text is never read next to an open one. [] when the chunk
        itself is not admitted or unknown. (The extractive answerer reads these as candidates besides the hits.)"""
        _, chunks, _ = self._current()
        chunk = chunks.get(chunk_id)
        if chunk is None or not flt.matches(chunk.meta):
            return []
        span = self._admitted_span(chunks, chunk, flt, before, after, unit)
        if span is None:
            return []
        ids, lo, pos, hi = span
        return [chunks[cid] for cid in ids[lo:pos] + ids[pos + 1 : hi + 1]]

    def _admitted_span(
        self, chunks: dict[str, Chunk], chunk: Chunk, flt: Filter, before: int, after: int, unit: bool
    ) -> tuple[list[str], int, int, int] | None:
        """(its document's chunk ids in order, lo, pos, hi): the chunk's position `pos` and the run ids[lo..hi] around
        it of up to `before` / `after` chunks either side, widened one chunk at a time and stopping at the first chunk
        `flt` (with access) does not admit or, with `unit`, of another agenda item or section (a chunk of neither then
        has none). None when the chunk is not in its document's list. `context` and `neighbours` read through this."""
        _, order, at = self._sibling_table(chunks)
        ids = order.get(chunk.doc_id, [])
        pos = at.get(chunk.chunk_id)
        if pos is None:
            return None

        def ok(i: int) -> bool:
            return (
                0 <= i < len(ids)
                and flt.matches(chunks[ids[i]].meta)
                and (not unit or _same_unit(chunk.meta, chunks[ids[i]].meta))
            )

        lo = hi = pos
        while pos - lo < before and ok(lo - 1):
            lo -= 1
        while hi - pos < after and ok(hi + 1):
            hi += 1
        return ids, lo, pos, hi

    def _sibling_table(self, chunks: dict[str, Chunk]) -> tuple[Any, dict[str, list[str]], dict[str, int]]:
        """(chunks, doc id → chunk ids in document order, chunk id → its position there): a cited chunk's
        surroundings without reading the catalog (which lists the chunks by document, then position). Cached per chunk
        table (a snapshot served with documents withdrawn is a table of its own)."""
        st = self._siblings
        if st is None or st[0] is not chunks:
            order: dict[str, list[str]] = {}
            for cid, c in chunks.items():
                order.setdefault(c.doc_id, []).append(cid)
            at = {cid: i for ids in order.values() for i, cid in enumerate(ids)}  # position in its document's list
            st = self._siblings = (chunks, order, at)
        return st

    def close(self) -> None:
        self._closed = True
        self.catalog.close()


def _same_unit(m: Mapping[str, Any], o: Mapping[str, Any]) -> bool:
    """Whether chunk metadata `o` is of the same agenda item or section as `m` (False when `m` has neither)."""
    if m.get("item_no"):
        return o.get("item_no") == m.get("item_no") and o.get("meeting_start") == m.get("meeting_start")
    if m.get("section_id") or m.get("section"):
        return (o.get("section_id"), o.get("section")) == (m.get("section_id"), m.get("section"))
    return False


def index_dir(settings: Settings) -> Path:
    return settings.data_path / "indexes" / settings.collection_name()


def stitch(chunks: list[Chunk], focus: str = "") -> tuple[str, tuple[int, int]]:
    """The repaired text of consecutive chunks of one document as one passage, each character once: chunks overlap
    (a split unit repeats its last sentences) and their `text` is the exact span char_start:char_end, so each chunk
    adds only what lies after the previous one's end. Returns the text and the span of chunk `focus` in it
    ((0, 0) when absent). A gap between chunks (blank lines, furniture left out of chunks) becomes a line break, a
    paragraph break, or "[…]" when it is long."""
    out: list[str] = []
    pos, end, span = 0, None, (0, 0)
    for c in sorted(chunks, key=lambda c: (int(c.meta.get("char_start", 0)), int(c.meta.get("char_end", 0)))):
        s, e = int(c.meta.get("char_start", 0)), int(c.meta.get("char_end", 0))
        text = c.text
        if len(text) != e - s:  # not a plain span of the repaired text: keep it whole
            s, e = (end if end is not None else s), (end if end is not None else s) + len(text)
        if end is None:
            piece, at = text, pos
        elif s >= end:
            gap = s - end
            sep = "" if gap == 0 else "\n" if gap == 1 else "\n\n" if gap <= 40 else "\n\n[…]\n\n"
            out.append(sep)
            pos += len(sep)
            piece, at = text, pos
        else:  # overlap: the part already shown is not repeated
            piece, at = text[end - s :], pos - (end - s)
        if c.chunk_id == focus:
            span = (max(at, 0), at + len(text))
        out.append(piece)
        pos += len(piece)
        end = e if end is None else max(end, e)
    return "".join(out), span


class Derived:
    """What a ranker derives from a snapshot's chunks and columns (and its own store's generation): a matrix kept
    per (snapshot, store generation) for the snapshot being served and the next. With a serving index
    (`Index.background`) the next one is built before its snapshot is published (`Index.on_snapshot`), and a new
    store generation (a fill ending) is built in a background thread while questions use the previous matrix of
    the same snapshot; otherwise it is built when first asked for, as before."""

    KEEP = 2

    def __init__(self, index: Any, build, store_generation) -> None:
        self.index = index
        self._build = build  # (chunks, columns) → value; columns are the snapshot's full columns
        self._store_generation = store_generation  # () → int
        self._values: dict[tuple, Any] = {}  # (base columns, store generation) → value, oldest first
        self._lock = threading.Lock()
        self._pending: threading.Thread | None = None
        on_snapshot = getattr(index, "on_snapshot", None)
        if on_snapshot is not None:
            on_snapshot(self.prepare)

    def _put(self, key: tuple, value: Any) -> Any:
        values = dict(self._values)  # replaced, not changed: readers iterate the one they took
        values.pop(key, None)
        values[key] = value
        while len(values) > (self.KEEP if getattr(self.index, "background", False) else 1):
            values.pop(next(iter(values)))
        self._values = values
        return value

    def prepare(self, chunks: Mapping[str, Chunk], cols: MetaColumns) -> None:
        """Build the value of a snapshot about to be published (called by the index's background builder)."""
        self._ensure(chunks, cols.base)

    def _ensure(self, chunks: Mapping[str, Chunk], base: MetaColumns) -> None:
        """Build and keep the value of the snapshot with these full columns at the store's current generation, unless
        it is kept already."""
        key = (base, self._store_generation())
        if key not in self._values:
            value = self._build(chunks, base)
            with self._lock:
                self._put(key, value)

    def get(self, cols: MetaColumns) -> Any:
        """The value for these columns (a served snapshot, possibly with documents withdrawn) at the store's current
        generation."""
        key = (cols.base, self._store_generation())
        values = self._values
        value = values.get(key)
        if value is not None:
            return value
        if getattr(self.index, "background", False):
            older = [v for (base, _), v in values.items() if base is cols.base]
            if older:
                self._soon()
                return older[-1]
        with self._lock:
            value = self._values.get(key)
            if value is None:
                value = self._put(key, self._build(self.index.all_chunks(), cols.base))
        return value

    def _soon(self) -> None:
        with self._lock:
            if self._pending is not None and self._pending.is_alive():
                return
            self._pending = threading.Thread(target=self._fill, daemon=True, name="byraad-derived")
            self._pending.start()

    def _fill(self) -> None:
        try:
            _, chunks, cols = self.index._current()
            self._ensure(chunks, cols.base)
        except Exception:  # noqa: BLE001 - questions keep the previous value; the next one tries again
            log.exception("afledt matrix kunne ikke bygges i baggrunden")

    def wait(self, timeout: float = 30.0) -> None:
        """Wait for a background build (tests and benchmarks)."""
        p = self._pending
        if p is not None:
            p.join(timeout)

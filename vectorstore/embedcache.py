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
from typing import Any, Sequence

import numpy as np

from vectorstore.protocols import Embedder


def _key(embedder_id: str, text: str) -> bytes:
    return hashlib.sha256(f"{embedder_id}\x00{text}".encode("utf-8")).digest()


def open_db(path: Path) -> sqlite3.Connection:
    """A vector cache file opened (created private to the service user, 0600, when new): WAL, table vec (k, v)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fresh = not path.exists()
    db = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
    if fresh:
        os.chmod(path, 0o600)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE IF NOT EXISTS vec (k BLOB PRIMARY KEY, v BLOB NOT NULL)")
    db.commit()
    return db


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
                for i in range(0, len(keys), 500):
                    part = keys[i : i + 500]
                    marks = ",".join("?" * len(part))
                    for k, v in self._db.execute(f"SELECT k, v FROM vec WHERE k IN ({marks})", part):
                        found[bytes(k)] = np.frombuffer(v, dtype=np.float32)
        except sqlite3.Error:
            return {}
        return found

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

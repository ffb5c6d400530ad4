"""Sentence similarity by meaning for the extractive answerer: cosine of the question's vector and each candidate
sentence's vector (the index's own embedder, e5 "query:"/"passage:" roles).

Sentence vectors are kept in `<data_dir>/sentences.sqlite` (sha256 of embedder id + sentence → float32 vector), so a
sentence is embedded once: `fill()` embeds the sentences of passages ahead of time (after ingest), and at question
time at most `budget` missing sentences are embedded on the spot (the rest are scored by words alone), which bounds
the answer time on material nobody has asked about yet. Test embedders (hash:) carry no meaning and get no scorer.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

BUDGET = 24  # sentences embedded at question time when their vectors are not stored yet


class SentenceScorer:
    """Similarity of sentences to a question, with stored sentence vectors."""

    def __init__(self, embedder: Any, path: str | os.PathLike[str] | None, budget: int = BUDGET) -> None:
        self.embedder = embedder
        self.budget = budget
        self.embedded = 0  # sentences embedded by this process (for benchmarks)
        self._lock = threading.Lock()
        self._mem: dict[bytes, np.ndarray] = {}
        self._db: sqlite3.Connection | None = None
        if path is not None:
            try:
                p = Path(path)
                p.parent.mkdir(parents=True, exist_ok=True)
                fresh = not p.exists()
                db = sqlite3.connect(str(p), timeout=30, check_same_thread=False)
                if fresh:
                    os.chmod(p, 0o600)
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("CREATE TABLE IF NOT EXISTS vec (k BLOB PRIMARY KEY, v BLOB NOT NULL)")
                db.commit()
                self._db = db
            except (OSError, sqlite3.Error):
                self._db = None  # no store: vectors live in memory only

    def _key(self, text: str) -> bytes:
        return hashlib.sha256(f"{self.embedder.id}\x00{text}".encode("utf-8")).digest()

    def _lookup(self, keys: list[bytes]) -> dict[bytes, np.ndarray]:
        found = {k: self._mem[k] for k in keys if k in self._mem}
        rest = [k for k in keys if k not in found]
        if self._db is not None and rest:
            with self._lock:
                for i in range(0, len(rest), 500):
                    part = rest[i : i + 500]
                    for k, v in self._db.execute(
                        f"SELECT k, v FROM vec WHERE k IN ({','.join('?' * len(part))})", part
                    ):
                        found[bytes(k)] = self._mem[bytes(k)] = np.frombuffer(v, dtype=np.float32)
        return found

    def _embed(self, texts: list[str], keys: list[bytes]) -> dict[bytes, np.ndarray]:
        if not texts:
            return {}
        vecs = np.asarray(self.embedder.embed_documents(texts), dtype=np.float32)
        vecs /= np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-9)
        self.embedded += len(texts)
        out = dict(zip(keys, vecs))
        self._mem.update(out)
        if self._db is not None:
            try:
                with self._lock:
                    self._db.executemany(
                        "INSERT OR REPLACE INTO vec (k, v) VALUES (?, ?)", [(k, v.tobytes()) for k, v in out.items()]
                    )
                    self._db.commit()
            except sqlite3.Error:
                pass
        return out

    def fill(self, sentences: Iterable[str], batch: int = 64) -> int:
        """Embed and store every sentence not stored yet (ahead of time); returns how many were embedded."""
        todo: dict[bytes, str] = {}
        for s in sentences:
            todo.setdefault(self._key(s), s)
        keys = list(todo)
        have = self._lookup(keys)
        missing = [k for k in keys if k not in have]
        for i in range(0, len(missing), batch):
            part = missing[i : i + batch]
            self._embed([todo[k] for k in part], part)
        return len(missing)

    def similarities(self, query_vector: Sequence[float], sentences: Sequence[str]) -> dict[str, float]:
        """Cosine similarity of each sentence to the question (sentences without a vector are left out)."""
        q = np.asarray(query_vector, dtype=np.float32)
        q /= max(float(np.linalg.norm(q)), 1e-9)
        uniq = list(dict.fromkeys(sentences))
        keys = [self._key(s) for s in uniq]
        have = self._lookup(keys)
        missing = [(s, k) for s, k in zip(uniq, keys) if k not in have][: self.budget]
        if missing:
            have.update(self._embed([s for s, _ in missing], [k for _, k in missing]))
        return {s: float(have[k] @ q) for s, k in zip(uniq, keys) if k in have}


def store_path(settings: Any) -> Path:
    return Path(settings.data_dir) / "sentences.sqlite"


def make_scorer(index: Any, settings: Any) -> SentenceScorer | None:
    """The scorer over the index's embedder, once the sentence store has been filled (`python -m assistant.semantic
    --data-dir …`); None without a store, and for test vectors (hash:) that carry no meaning."""
    emb = getattr(index, "embedder", None)
    if emb is None or str(getattr(emb, "id", "")).startswith("hash") or not store_path(settings).exists():
        return None
    return SentenceScorer(emb, store_path(settings))


def fill_index(index: Any, settings: Any) -> int:
    """Embed and store the candidate sentences of every indexed passage (after ingest); returns how many."""
    from assistant.extractive import candidate_texts
    from byraad.types import Hit

    scorer = SentenceScorer(index.embedder, store_path(settings))
    texts = [t for c in index.all_chunks().values() for t in candidate_texts([Hit(chunk=c, score=0.0)])]
    return scorer.fill(texts)


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    from byraad.settings import Settings
    from vectorstore.index import Index

    ap = argparse.ArgumentParser(description="Embed the sentences of an index for the extractive answerer.")
    ap.add_argument("--data-dir", required=True)
    args = ap.parse_args(argv)
    settings = Settings.load(None, {"data_dir": args.data_dir}, os.environ)
    n = fill_index(Index(settings, environ=os.environ), settings)
    print(f"{n} sætninger indlejret i {store_path(settings)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Sentence similarity by meaning for the extractive answerer: cosine of the question's vector and each candidate
sentence's vector (the index's own embedder, e5 "query:"/"passage:" roles).

Sentence vectors are kept in the data dir's one sentence store (assistant/sentence_store.py, shared with sentence-
level retrieval), so a sentence is embedded once: `assistant.sentence_fill` embeds the sentences of passages ahead of
time (after ingest), and at question time at most `budget` missing sentences are embedded on the spot and stored
(the rest are scored by words alone), which bounds the answer time on material nobody has asked about yet. Test
embedders (hash:) carry no meaning and get no scorer.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from assistant.sentence_store import store

BUDGET = 24  # sentences embedded at question time when their vectors are not stored yet


class SentenceScorer:
    """Similarity of sentences to a question, with stored sentence vectors (vectorstore.embedcache: the same
    vector store as passage vectors, in a file of its own)."""

    def __init__(self, embedder: Any, path: str | os.PathLike[str] | None, budget: int = BUDGET) -> None:
        from vectorstore.embedcache import CachingEmbedder

        self.embedder = embedder
        self.budget = budget
        self._store = CachingEmbedder(embedder, path) if path is not None else None
        self._mem: dict[str, np.ndarray] = {}  # unit vectors of the sentences seen by this process
        self._fresh = 0

    @property
    def embedded(self) -> int:
        """Sentences embedded by this scorer (for benchmarks and tests)."""
        return self._store.misses if self._store is not None else self._fresh

    def key(self, text: str) -> bytes:
        """A sentence's key in the store (sha256 of embedder id and text; assistant/sentence_rank.py reads by key)."""
        from vectorstore.embedcache import _key

        return _key(self.embedder.id, text)

    def lookup(self, keys: list[bytes]) -> dict[bytes, np.ndarray]:
        """The stored vectors of those keys that have one (nothing is embedded)."""
        return self._store.arrays(keys) if self._store is not None else {}

    def forget(self) -> None:
        """Drop the vectors kept in memory (a caller that keeps its own matrix of them holds the one copy)."""
        self._mem.clear()

    def _add(self, texts: list[str], vecs: Sequence[Sequence[float]]) -> None:
        for t, v in zip(texts, vecs):
            a = np.asarray(v, dtype=np.float32)
            self._mem[t] = a / max(float(np.linalg.norm(a)), 1e-9)

    def _embed(self, texts: list[str]) -> None:
        if not texts:
            return
        if self._store is not None:
            self._add(texts, self._store.embed_documents(texts))
        else:
            self._fresh += len(texts)
            self._add(texts, self.embedder.embed_documents(texts))

    def fill(self, sentences: Iterable[str], batch: int = 64, bar: Callable[[int], Any] | None = None) -> int:
        """Embed and store every sentence not stored yet (ahead of time), batch by batch (what is stored stays
        stored); returns how many were embedded. `bar(total)` makes a progress bar (update(n), close()) that counts
        the sentences embedded."""
        todo = list(dict.fromkeys(sentences))
        if self._store is not None:
            keys = {t: self.key(t) for t in todo}
            have = self._store.has(list(keys.values()))  # the keys only, not the stored vectors
            todo = [t for t in todo if keys[t] not in have]
        before = self.embedded
        counter = bar(len(todo)) if bar is not None and todo else None
        try:
            for i in range(0, len(todo), batch):
                part = todo[i : i + batch]
                if self._store is not None:
                    self._store.embed_documents(part)  # stored, not kept in memory
                else:
                    self._embed(part)
                if counter is not None:
                    counter.update(len(part))
        finally:
            if counter is not None:
                counter.close()
        return self.embedded - before

    def similarities(self, query_vector: Sequence[float], sentences: Sequence[str]) -> dict[str, float]:
        """Cosine similarity of each sentence to the question (sentences without a vector are left out: at most
        `budget` sentences not stored yet are embedded on the spot)."""
        q = np.asarray(query_vector, dtype=np.float32)
        q /= max(float(np.linalg.norm(q)), 1e-9)
        uniq = list(dict.fromkeys(sentences))
        rest = [t for t in uniq if t not in self._mem]
        if rest and self._store is not None:
            stored = self._store.known(rest)
            self._add(list(stored), list(stored.values()))
        missing = [t for t in uniq if t not in self._mem][: self.budget]
        self._embed(missing)
        return {t: float(self._mem[t] @ q) for t in uniq if t in self._mem}


def has_meaning(settings: Any) -> bool:
    """Whether sentences are scored by meaning: `sentence_vectors` on and an embedder that carries meaning (test
    vectors, hash:<dim>, do not)."""
    return bool(getattr(settings, "sentence_vectors", True)) and not str(getattr(settings, "embedder", "")).startswith(
        "hash"
    )


def make_scorer(index: Any, settings: Any) -> SentenceScorer | None:
    """The scorer over the index's embedder with the data dir's sentence store (filled after ingest: `byraad
    ingest`, `byraad eval`, or `python -m assistant.sentence_fill --data-dir …`); None for test vectors (hash:)."""
    if not has_meaning(settings) or getattr(index, "embedder", None) is None:
        return None
    return SentenceScorer(index.embedder, store(settings))

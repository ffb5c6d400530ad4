"""The Embedder and VectorStore seams, with their test fakes next to them."""

from __future__ import annotations

import hashlib
import math
import random
from typing import Protocol, Sequence, runtime_checkable

from byraad.types import Chunk, Hit
from vectorstore.filters import Filter


@runtime_checkable
class Embedder(Protocol):
    """Turns text into vectors; queries and passages are embedded differently (e5 prefixes)."""

    id: str
    dim: int

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...


@runtime_checkable
class VectorStore(Protocol):
    """Holds chunk vectors plus flat metadata; every query carries the access filter."""

    def upsert(self, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]]) -> None: ...

    def delete(self, chunk_ids: Sequence[str]) -> None: ...

    def query(self, vector: Sequence[float], k: int, flt: Filter | None) -> list[Hit]: ...

    def ids(self) -> set[str]: ...

    def count(self) -> int: ...

    def update_metadata(self, chunks: Sequence[Chunk]) -> None: ...


class HashEmbedder:
    """Test fake: deterministic unit vectors from sha256 of the words (similar texts → similar vectors)."""

    def __init__(self, dim: int = 64) -> None:
        self.dim = dim
        self.id = f"hash:{dim}"
        self.calls = 0  # number of texts embedded, for "re-ingest embeds nothing" tests

    def _vec(self, text: str) -> list[float]:
        v = [0.0] * self.dim
        for word in text.lower().split():
            word = word.strip(".,:;!?()[]\"'")
            if not word:
                continue
            rng = random.Random(int.from_bytes(hashlib.sha256(word.encode()).digest()[:8], "big"))
            for _ in range(3):
                v[rng.randrange(self.dim)] += rng.choice((1.0, -1.0))
        n = math.sqrt(sum(x * x for x in v)) or 1.0
        return [x / n for x in v]

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        self.calls += len(texts)
        return [self._vec(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vec(text)


class MemoryStore:
    """Test fake and tiny-corpus store: exact cosine over vectors kept in a dict."""

    def __init__(self) -> None:
        self._rows: dict[str, tuple[Chunk, list[float]]] = {}

    def upsert(self, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]]) -> None:
        if len(chunks) != len(vectors):
            raise ValueError("chunks and vectors differ in length")
        for c, v in zip(chunks, vectors):
            self._rows[c.chunk_id] = (c, list(v))

    def delete(self, chunk_ids: Sequence[str]) -> None:
        for cid in chunk_ids:
            self._rows.pop(cid, None)

    def update_metadata(self, chunks: Sequence[Chunk]) -> None:
        for c in chunks:
            if c.chunk_id in self._rows:
                self._rows[c.chunk_id] = (c, self._rows[c.chunk_id][1])

    def query(self, vector: Sequence[float], k: int, flt: Filter | None) -> list[Hit]:
        flt = flt or Filter(access=None)
        qn = math.sqrt(sum(x * x for x in vector)) or 1.0
        scored = []
        for c, v in self._rows.values():
            if not flt.matches(c.meta):
                continue
            vn = math.sqrt(sum(x * x for x in v)) or 1.0
            scored.append((sum(a * b for a, b in zip(vector, v)) / (qn * vn), c))
        scored.sort(key=lambda t: (-t[0], t[1].chunk_id))
        return [Hit(chunk=c, score=s, dense_score=s, rank=i + 1) for i, (s, c) in enumerate(scored[:k])]

    def ids(self) -> set[str]:
        return set(self._rows)

    def count(self) -> int:
        return len(self._rows)

"""A second stage over the fused candidates (issue 12, session 8; docs/retrieval-tuning.md): two more RRF lists, read
over the best RERANK_DEPTH distinct candidates of the fused list only, that tell apart passages the four lists rank
alike:

- **title** (`settings.title_weight`): the candidates ranked by the cosine of the question with their unit's heading
  (the chunk's header: document › meeting › agenda item or section) embedded on its own. A chunk's vector mixes
  its header with everything it says; the heading alone says which item or section the passage belongs to, so the
  one whose section the question names climbs above a look-alike from another section.
- **cover** (`settings.cover_weight`): the candidates ranked by the best share, in one sentence, of the question's
  (stemmed, IDF-weighted) terms: the passage that says what was asked in one place climbs above one that only
  mentions the words here and there.

Heading vectors live in the data dir's sentence store (assistant/sentence_store.py), filled after ingest with the
chunks' sentences (assistant/sentence_fill.py); a heading the store lacks is embedded on the spot (at most
TITLE_BUDGET per question) and stored. Runs only where the sentence list does (a filled store, an embedder that
carries meaning: assistant/sentence_rank.py), in hybrid mode; both weights 0 turn it off.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable, Sequence

from assistant.semantic import SentenceScorer
from assistant.sentence_rank import chunk_sentences
from byraad.types import Chunk, Hit

RERANK_DEPTH = 40  # distinct fused candidates the second stage reads (the per-document cap reads 3 × k = 30)
TITLE_BUDGET = 64  # headings embedded on the spot per question when the store lacks them
TOKEN_CACHE = 50_000  # chunks whose sentence tokens are kept


def heading(chunk: Chunk) -> str:
    """The heading a chunk is ranked by in the title list: its header ("" when it has none)."""
    return str(chunk.meta.get("header") or "")


def rrf_list(hits: Sequence[Hit], values: Sequence[float | None], weight: float, rrf_k: int) -> list[Hit]:
    """`hits` with one more RRF list fused in: ranked by `values` (best first; ties keep the hits' order; None = not
    in the list), each listed hit gains weight / (rrf_k + its rank); re-sorted by score (ties keep the order)."""
    order = sorted((i for i, v in enumerate(values) if v is not None), key=lambda i: -values[i])
    rank = {i: r for r, i in enumerate(order, 1)}
    out = [replace(h, score=h.score + weight / (rrf_k + rank[i])) if i in rank else h for i, h in enumerate(hits)]
    return sorted(out, key=lambda h: -h.score)


class SecondStage:
    """The title and cover lists over the distinct fused candidates (see the module docstring)."""

    def __init__(self, embedder: Any, store_path: Any, tokenize: Callable[[str], list[str]]) -> None:
        self.titles = SentenceScorer(embedder, store_path, budget=TITLE_BUDGET)
        self.tokenize = tokenize
        self._toks: dict[str, tuple[frozenset[str], ...]] = {}

    def rerank(
        self,
        hits: Sequence[Hit],
        vector: Sequence[float],
        idf: dict[str, float],
        *,
        title_weight: float,
        cover_weight: float,
        rrf_k: int,
    ) -> list[Hit]:
        """The hits (distinct candidates, best first) reordered by the title list, then the cover list."""
        out = list(hits)
        if title_weight > 0 and out:
            sims = self.titles.similarities(vector, [t for t in map(heading, (h.chunk for h in out)) if t])
            out = rrf_list(out, [sims.get(heading(h.chunk)) for h in out], title_weight, rrf_k)
        if cover_weight > 0 and out and idf:
            out = rrf_list(out, [self.cover(h.chunk, idf) for h in out], cover_weight, rrf_k)
        return out

    def cover(self, chunk: Chunk, idf: dict[str, float]) -> float:
        """The largest IDF-weighted share of the question's terms found in one sentence of the chunk (0..1)."""
        total = sum(idf.values()) or 1.0
        return max(
            (sum(w for t, w in idf.items() if t in toks) / total for toks in self._sentence_tokens(chunk)), default=0.0
        )

    def _sentence_tokens(self, chunk: Chunk) -> tuple[frozenset[str], ...]:
        got = self._toks.get(chunk.chunk_id)
        if got is None:
            if len(self._toks) >= TOKEN_CACHE:
                self._toks.clear()
            got = self._toks[chunk.chunk_id] = tuple(frozenset(self.tokenize(s)) for s in chunk_sentences(chunk))
        return got

"""Sentence-level ranking for retrieval (issue 12): every chunk scored by its best-matching sentence, a third list
fused with the dense and BM25 lists (settings.sentence_weight; docs/retrieval-tuning.md).

A chunk's vector mixes its header, its title and everything it says; the sentence that answers a question ("the
total appropriation is 30.7 million") is matched better on its own, so the chunk holding it is not outranked by the
item's first chunk (title and background). The answerer still gets the whole chunk.

Sentence vectors come from the data dir's one sentence store (assistant/sentence_store.py, shared with the
answerer), filled after ingest by `byraad ingest` (run on an index that is up to date it only fills) and by `byraad
eval`. Nothing is embedded here at question time: without a filled store (or with the test embedders, hash:, which
carry no meaning) the list is simply not there and retrieval is dense + BM25 as before. The matrix of all stored
sentence vectors is held in memory per catalog generation and store generation (raised by a fill, not by the
answerer's on-the-spot writes; 13k sentences × 384 float32 = 20 MB for the shared corpus; one matrix-vector product
per question); above MAX_SENTENCES it is off. A build keeps its raw vectors for the next (REUSE_MAX_SENTENCES), which
then reads from the store only the sentences it has not seen: the same matrix, bit for bit, at a third of the CPU.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from assistant.citations import split_sentences
from assistant.semantic import SentenceScorer
from assistant.sentence_store import old_retrieval_store, ranks, store
from byraad.types import Chunk
from vectorstore.embedcache import Generation
from vectorstore.filters import Filter
from vectorstore.index import Derived

MIN_CHARS = 4  # shorter "sentences" (a list number, "Nej") are not matched on their own
MIN_COVERAGE = 0.9  # the list is used only when the store holds vectors for this share of the sentences
# Above this many sentences the list is off (retrieval as without it): the matrix is held in memory (384 float32 =
# 1.5 kB each, 230 MB here) and built on the first question of a catalog generation (0.4 s for 8k sentences).
MAX_SENTENCES = 150_000
# A build keeps its matrix's raw (stored) vectors for the next build up to this many sentences (1.5 kB each: 11 MB for
# the shared corpus), so a new catalog generation reads and hashes only the sentences it has not seen.
REUSE_MAX_SENTENCES = 40_000
MAX_MASKS = 64  # answer-kind masks kept per matrix (one per combination of kinds asked for; a few in practice)
KIND_BLOCK = 256  # sentences checked for an answer kind at a time, best first (see SentenceRanker._typed)


def chunk_sentences(chunk: Chunk) -> list[str]:
    """The sentences a chunk is matched by (its text, without the header; the whole text when it has none)."""
    out = [s.strip() for s in split_sentences(chunk.text) if len(s.strip()) >= MIN_CHARS]
    return out or [chunk.text]


class SentenceRanker:
    """Chunks ranked by their best sentence's cosine with the question, over the stored sentence vectors."""

    def __init__(self, index: Any, path: str | os.PathLike[str]) -> None:
        self.index = index
        self.path = Path(path)
        self.store = SentenceScorer(index.embedder, path, budget=0)
        self.generation = Generation(path)
        # Per snapshot and store generation (vectorstore.index.Derived: the snapshot's columns, by identity, and the
        # store's generation — a fill after ingest changes the store, not the catalog; an answer's on-the-spot
        # sentence vectors change neither): (chunk rows, row starts, sentence matrix, sentence texts, {answer kinds:
        # mask}); rows None = inactive. A serving index builds the next one off the question's path.
        self._derived = Derived(index, lambda chunks, cols: self._build(chunks, cols), self.generation.read)
        # (store generation, sentence → row, raw rows) of the last build: the store never changes a stored vector
        # (INSERT OR IGNORE) and a fill only adds, so a sentence found then has the same vector now.
        self._reuse: tuple[int, dict[str, int], np.ndarray] | None = None

    def _matrix(self) -> tuple:
        """(columns, *matrix) of the snapshot being served (its columns admit what the current catalog allows)."""
        cols = self.index.columns()
        return (cols, *self._derived.get(cols))

    def _build(self, chunks: Any, cols: Any) -> tuple:
        per_chunk = [chunk_sentences(chunks[cid]) if cid in chunks else [] for cid in cols.ids]
        texts = [t for ss in per_chunk for t in ss]
        if len(texts) > MAX_SENTENCES:
            return (None, None, None, None, None)
        generation = self.generation.read()
        reuse = self._reuse
        if reuse is None or reuse[0] > generation:  # a store that went back (replaced): read everything
            reuse = (generation, {}, np.zeros((0, 0), np.float32))
        _, row_of, raw_before = reuse
        # Only the sentences the last build did not have are hashed and read (those it lacked too: an answer may
        # have stored them since); the others take the same stored vector from its raw rows.
        keys = {t: self.store.key(t) for t in dict.fromkeys(texts) if t not in row_of}
        stored = self.store.lookup(list(keys.values()))
        self.store.forget()  # the matrix below is the one copy kept
        have = {t: stored[k] for t, k in keys.items() if k in stored}
        if not texts or sum(t in have or t in row_of for t in texts) < MIN_COVERAGE * len(texts):
            return (None, None, None, None, None)
        rows: list[int] = []
        starts: list[int] = []
        vecs: list[np.ndarray] = []
        kept: list[str] = []  # the text of each matrix row (for the answer-kind masks)
        for i, ss in enumerate(per_chunk):
            got = [(t, raw_before[row_of[t]] if t in row_of else have[t]) for t in ss if t in row_of or t in have]
            if got:
                rows.append(i)
                starts.append(len(vecs))
                kept += [t for t, _ in got]
                vecs += [v for _, v in got]
        raw = np.stack(vecs).astype(np.float32)
        keep = len(kept) <= REUSE_MAX_SENTENCES
        self._reuse = (generation, {t: j for j, t in enumerate(kept)}, raw) if keep else None
        mat = raw.copy() if keep else raw
        mat /= np.maximum(np.linalg.norm(mat, axis=1, keepdims=True), 1e-9)
        return (np.asarray(rows, np.int64), np.asarray(starts, np.int64), mat, kept, {})

    @property
    def active(self) -> bool:
        """True when the store holds the sentences of (nearly) every chunk."""
        return self._matrix()[1] is not None

    def search(self, vector: Sequence[float], k: int, flt: Filter, question: str = "") -> list[tuple[str, float]]:
        """The k chunks `flt` admits whose best sentence is closest to the question, best first: (chunk id, cosine).
        When `question` asks for a kind of answer (a date, a number, a name, a place: answer_kinds), only sentences
        that can hold one count, and a chunk without such a sentence is not in the list."""
        cols, rows, starts, mat, texts, masks = self._matrix()
        if rows is None or not len(rows):
            return []
        q = np.asarray(vector, dtype=np.float32)
        q = q / max(float(np.linalg.norm(q)), 1e-9)
        # einsum, not `@` (see vectorstore/index.py VectorCache.score: no spinning BLAS threads on busy cores)
        sims = np.einsum("ij,j->i", mat, q)
        admitted = cols.mask(flt)[rows]
        kinds = answer_kinds(question) if question else ()
        if kinds:
            return self._typed(cols.ids, rows, starts, sims, admitted, texts, masks, kinds, k)
        best = np.maximum.reduceat(sims, starts)
        best = np.where(admitted, best, -np.inf)
        n = min(k, int(np.isfinite(best).sum()))
        if n <= 0:
            return []
        top = np.argpartition(-best, n - 1)[:n]
        return sorted(((cols.ids[rows[i]], float(best[i])) for i in top), key=lambda t: (-t[1], t[0]))

    @staticmethod
    def _typed(ids, rows, starts, sims, admitted, texts, masks, kinds, k) -> list[tuple[str, float]]:
        """The k admitted chunks whose best sentence *that can answer `kinds`* is closest: sentences are read best
        first, block by block, until k chunks have one, so only the sentences near the top are checked (each once
        per matrix and kinds: `masks[kinds]` holds -1 unchecked / 0 / 1 per sentence)."""
        known = masks.get(kinds)
        if known is None:
            if len(masks) >= MAX_MASKS:
                masks.clear()
            known = masks[kinds] = np.full(len(texts), -1, np.int8)
        owner = np.repeat(np.arange(len(rows)), np.diff(np.append(starts, len(texts))))
        cand = np.flatnonzero(admitted[owner])
        order = cand[np.argsort(-sims[cand], kind="stable")]
        found: dict[int, float] = {}
        for lo in range(0, len(order), KIND_BLOCK):
            block = order[lo : lo + KIND_BLOCK]
            for i in block[known[block] < 0]:
                known[i] = can_answer(texts[i], kinds)
            for i in block[known[block] == 1]:
                found.setdefault(int(owner[i]), float(sims[i]))  # read best first: the first is the chunk's best
            if len(found) >= k:
                break
        top = sorted(found.items(), key=lambda t: (-t[1], ids[rows[t[0]]]))[:k]
        return [(ids[rows[c]], sim) for c, sim in top]


def answer_kinds(question: str) -> tuple[tuple[str, str], ...]:
    """The kinds of answer a question asks for, per part: (kind, measure) pairs of assistant/question_kinds.py
    ("Hvornår …" → (("when", ""),); "Hvad koster …" → (("number", "money"),)); () when it asks for none. A counted
    noun ("hvor mange borgere") is not required of a sentence (it is often written otherwise), so its measure is ""."""
    from assistant import question_kinds as qk

    out = []
    for part, kind in qk.parts(question):
        if kind:
            unit = qk.measure(part) if kind == "number" else ""
            out.append((kind, unit if unit in ("money", "duration", "share") else ""))
    return tuple(dict.fromkeys(out))


def can_answer(sentence: str, kinds: Sequence[tuple[str, str]]) -> bool:
    """True when the sentence can hold an answer of one of the kinds (question_kinds.holds, and a number of the
    measure asked for: question_kinds.fits)."""
    from assistant import question_kinds as qk

    return any(qk.holds(sentence, k) and (k != "number" or qk.fits(sentence, u)) for k, u in kinds)


def make_ranker(index: Any, settings: Any) -> SentenceRanker | None:
    """The ranker over the data dir's filled sentence store; None when sentence_weight is 0, the store was never
    filled, or the embedder is a test embedder (hash:) that carries no meaning."""
    emb = getattr(index, "embedder", None)
    if emb is None or not ranks(settings, str(getattr(emb, "id", "hash"))):
        return None
    path = store(settings)
    old = old_retrieval_store(settings)
    if old.exists():  # an old layout whose merge failed (logged): read its retrieval store as before
        path = old
    return SentenceRanker(index, path) if path.exists() else None

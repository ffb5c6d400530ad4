"""The systems an evaluation compares: ours (hybrid), its two halves (dense, bm25) and a naive LangChain RAG.

Every system answers the same two calls, so the runner scores them identically:
``retrieve(question, user, k) -> list[Hit]`` and ``answer(question, user) -> Answer``, plus
``source_text(chunk)`` (the raw passage behind a hit, "" when the system has none).

The naive RAG is what most teams would build first: the loaders' raw file text (no repair, no structure,
no access levels), LangChain's ``RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)``, the same
embedder (via ``LCEmbeddings``) in a ``langchain_chroma.Chroma`` collection, the top 4 chunks as context, and
an answer from them that never refuses unless nothing was retrieved. For recall@k curves it retrieves
``k`` (10) chunks; only the first ``naive_k`` (4) are given to the answerer.

``naive-bm25`` is the same raw chunks ranked by BM25 (the project's Danish BM25: stemmed, stop words dropped)
instead of the embedder: the lexical half of the naive pipeline, to separate "what is indexed" from "how it is
ranked".
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

from byraad.types import Answer, Chunk, Citation, Hit
from byraad.progress import progress_bar

CHUNK_SIZE, CHUNK_OVERLAP = 1000, 200
NAIVE_SYSTEM = (
    "Brug følgende tekststykker til at besvare spørgsmålet. Hvis du ikke kender svaret, "
    "så sig, at du ikke ved det. Svar kort."
)


class OurSystem:
    """byråds-GPT in one retrieval mode: Retriever.retrieve(mode=…) and Assistant.answer(mode=…)."""

    def __init__(self, name: str, mode: str, retriever: Any, assistant: Any, index: Any) -> None:
        self.name, self.mode = name, mode
        self.retriever, self.assistant, self.index = retriever, assistant, index

    def retrieve(self, question: str, user: Any, k: int) -> list[Hit]:
        return list(self.retriever.retrieve(question, user, k=k, mode=self.mode).hits)

    def answer(self, question: str, user: Any) -> Answer:
        return self.assistant.answer(question, user, mode=self.mode)

    def context(self, chunk_id: str, user: Any) -> str:
        """The text the chat app shows around a citation for this user (access-checked: Retriever.context)."""
        return self.retriever.context(chunk_id, user)

    def source_text(self, chunk: Chunk) -> str:
        try:
            return self.index.source_text(chunk.chunk_id) or ""
        except Exception:  # a chunk unknown to the catalog (fakes) has no source text
            return ""


def _rel_files(roots: Sequence[Path]) -> list[tuple[Path, str]]:
    from ingest.pipeline import scan

    files, _ = scan([Path(r) for r in roots])
    return [(f.path, f.rel) for f in files]


def naive_chunks(roots: Sequence[Path]) -> list[Chunk]:
    """Raw file text split with RecursiveCharacterTextSplitter(1000, 200); meta: path, title, page_start."""
    return list(_naive_chunks(tuple(Path(r).resolve() for r in roots)))


@lru_cache(maxsize=4)
def _naive_chunks(roots: tuple[Path, ...]) -> tuple[Chunk, ...]:
    from bisect import bisect_right

    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from ingest.loaders import LoadError, load_file

    splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP, add_start_index=True)
    out: list[Chunk] = []
    for path, rel in _rel_files(roots):
        try:
            loaded = load_file(path)
        except (LoadError, OSError):
            continue  # the naive pipeline simply skips what its loader cannot read
        for doc in splitter.create_documents([loaded.raw_text]):
            start = doc.metadata.get("start_index", 0)
            page = bisect_right(loaded.page_starts, max(start, 0))
            cid = "naive-" + hashlib.sha256(f"{rel}\x00{start}\x00{doc.page_content}".encode()).hexdigest()[:20]
            meta = {
                "path": rel,
                "title": Path(rel).name,
                "page_start": page,
                "page_end": page,
                "char_start": start,
                "access": "(ingen adgangsstyring)",
            }
            out.append(Chunk(chunk_id=cid, doc_id=rel, text=doc.page_content, embed_text=doc.page_content, meta=meta))
    return tuple(out)


class _NaiveAnswers:
    """The naive pipelines' answer: the first answer_k retrieved passages, via naive_answer."""

    answer_k: int
    llm: Any
    _last: tuple[str, list[Hit]] | None

    def retrieve(self, question: str, user: Any, k: int) -> list[Hit]:
        raise NotImplementedError

    def answer(self, question: str, user: Any) -> Answer:
        if self._last is not None and self._last[0] == question and len(self._last[1]) >= self.answer_k:
            hits = self._last[1][: self.answer_k]
        else:
            hits = self.retrieve(question, user, self.answer_k)[: self.answer_k]
        return naive_answer(question, hits, self.llm)

    def source_text(self, chunk: Chunk) -> str:
        return ""


class NaiveBM25(_NaiveAnswers):
    """BM25 over the naive pipeline's chunks (raw text, RecursiveCharacterTextSplitter(1000, 200))."""

    name = "naive-bm25"

    def __init__(self, roots: Sequence[Path], answer_k: int = 4, llm: Any = None) -> None:
        from vectorstore.bm25 import BM25Index

        self.answer_k, self.llm = answer_k, llm
        chunks = naive_chunks(roots)
        self.chunks = {c.chunk_id: c for c in chunks}
        self.bm25 = BM25Index.build(list(self.chunks), [c.text for c in chunks])
        self._last = None

    def retrieve(self, question: str, user: Any, k: int) -> list[Hit]:
        hits = [
            Hit(chunk=self.chunks[cid], score=float(s), bm25_score=float(s), rank=i)
            for i, (cid, s) in enumerate(self.bm25.search(question, k), start=1)
        ]
        self._last = (question, hits)
        return hits


class NaiveRAG(_NaiveAnswers):
    """The naive LangChain RAG baseline (see the module docstring). The Chroma collection is cached on disk."""

    name = "naive"

    def __init__(
        self,
        roots: Sequence[Path],
        embedder: Any,
        embedder_id: str,
        persist_dir: Path,
        answer_k: int = 4,
        llm: Any = None,
        progress: bool = False,
    ) -> None:
        self.answer_k, self.llm = answer_k, llm
        chunks = naive_chunks(roots)
        self.chunks = {c.chunk_id: c for c in chunks}
        key = hashlib.sha256(
            "\x00".join([embedder_id, str(CHUNK_SIZE), str(CHUNK_OVERLAP)] + sorted(self.chunks)).encode()
        ).hexdigest()[:12]
        from vectorstore.langchain_adapters import lc_chroma

        persist_dir.mkdir(parents=True, exist_ok=True)
        self.store = lc_chroma(embedder, f"naive-{key}", path=str(persist_dir))
        have = set(self.store.get(include=[])["ids"])
        todo = [c for c in chunks if c.chunk_id not in have]
        if todo:
            self._add(todo, progress)
        self._last: tuple[str, list[Hit]] | None = None

    def _add(self, todo: list[Chunk], progress: bool) -> None:
        bar = progress_bar(len(todo), progress, "naiv RAG: indlejrer", "bidder")
        for i in range(0, len(todo), 64):
            batch = todo[i : i + 64]
            self.store.add_texts(
                [c.text for c in batch], metadatas=[dict(c.meta) for c in batch], ids=[c.chunk_id for c in batch]
            )
            bar.update(len(batch))
        bar.close()

    def retrieve(self, question: str, user: Any, k: int) -> list[Hit]:
        """Top-k by the store's similarity (no access control: the naive build has none)."""
        docs = self.store.similarity_search_with_score(question, k=k)
        hits = []
        for rank, (doc, dist) in enumerate(docs, start=1):
            chunk = self.chunks.get(doc.id or "")
            if chunk is None:
                continue
            hits.append(Hit(chunk=chunk, score=1.0 - float(dist), dense_score=1.0 - float(dist), rank=rank))
        self._last = (question, hits)
        return hits


def _citations(hits: Sequence[Hit]) -> tuple[Citation, ...]:
    return tuple(
        Citation(
            key=i,
            chunk_id=h.chunk.chunk_id,
            title=str(h.chunk.meta.get("title", "")),
            path=str(h.chunk.meta.get("path", "")),
            pages=str(h.chunk.meta.get("page_start", "")),
            quote=h.chunk.text,
        )
        for i, h in enumerate(hits, start=1)
    )


def naive_answer(question: str, hits: Sequence[Hit], llm: Any = None) -> Answer:
    """Answer from the given passages; refuses only when there are none. Its citations are the passages the
    answer marks with [n]; an answer without markers cites every passage it was given (as a naive app lists
    "sources: the 4 chunks" under its answer)."""
    from assistant.prompts import REFUSAL

    if not hits:
        return Answer(
            question=question,
            text=REFUSAL,
            citations=(),
            hits=(),
            refused=True,
            settings_fingerprint="naive",
            mode="naive",
        )
    if llm is not None:
        ctx = "\n\n".join(f"[{i}] {h.chunk.text}" for i, h in enumerate(hits, start=1))
        text = llm.complete(NAIVE_SYSTEM, f"{ctx}\n\nSpørgsmål: {question}\nSvar:")
        mode = f"naive:{getattr(llm, 'id', 'llm')}"
    else:
        text = _extract(question, hits)
        mode = "naive:extractive"
    keys = {int(k) for m in re.findall(r"\[(\d+(?:\s*,\s*\d+)*)\]", text) for k in m.split(",")}
    cited = [h for i, h in enumerate(hits, start=1) if i in keys] if keys else list(hits)
    cits = tuple(c for c in _citations(hits) if c.key in keys) if keys else _citations(cited)
    return Answer(
        question=question,
        text=text,
        citations=cits,
        hits=tuple(hits),
        refused=False,
        settings_fingerprint="naive",
        mode=mode,
    )


def _extract(question: str, hits: Sequence[Hit], n_sentences: int = 2) -> str:
    """Extractive answer: the project's extractive composer (assistant.extractive.compose) over the passages;
    when it finds nothing, the passages' sentences sharing most content words with the question (never refusing).
    """
    from assistant.extractive import compose
    from evaluation.metrics import content_words

    composed = compose(question, question, hits)
    if composed.text.strip():
        return composed.text

    q = set(content_words(question))
    scored: list[tuple[float, int, str, int]] = []
    for key, h in enumerate(hits, start=1):
        for j, sent in enumerate(re.split(r"(?<=[.!?])\s+|\n{2,}", h.chunk.text)):
            sent = " ".join(sent.split())
            if len(sent) < 15:
                continue
            ws = set(content_words(sent))
            score = len(q & ws) / (1 + len(ws)) ** 0.3
            scored.append((score, -key * 1000 - j, sent, key))
    scored.sort(reverse=True)
    best = scored[:n_sentences] or [(0, 0, " ".join(hits[0].chunk.text.split())[:300], 1)]
    return " ".join(f"{s} [{key}]" for _, _, s, key in best)

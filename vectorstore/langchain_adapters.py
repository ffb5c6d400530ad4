"""LangChain adapters: our Embedder as `Embeddings`, a langchain-chroma store over a collection, and any
search function as a `BaseRetriever`.

This module is the LangChain backend itself, so it imports langchain_core at the top (the classes
subclass LangChain's); nothing else in the project imports it unless LangChain is wanted.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.retrievers import BaseRetriever

from byraad.types import Hit
from vectorstore.protocols import Embedder


class LCEmbeddings(Embeddings):
    """Any project Embedder as a LangChain `Embeddings` (query/passage distinction kept)."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [list(map(float, v)) for v in self.embedder.embed_documents(list(texts))]

    def embed_query(self, text: str) -> list[float]:
        return list(map(float, self.embedder.embed_query(text)))


def lc_chroma(embedder: Embedder, collection: str, path: str | None = None, url: str | None = None, client: Any = None):
    """A `langchain_chroma.Chroma` over a collection (ours or a new one), embedding with our Embedder.

    The collection is opened with the same cosine/HNSW configuration as ChromaStore, so a naive
    LangChain baseline can search the very collection the pipeline built.
    """
    try:
        from langchain_chroma import Chroma  # only the evaluation's naive baseline uses it
    except ImportError as e:
        raise ImportError("the naive LangChain baseline needs the eval extra: pip install -e '.[eval]'") from e

    from vectorstore.chroma_store import HNSW_CONFIG, chroma_client

    return Chroma(
        collection_name=collection,
        embedding_function=LCEmbeddings(embedder),
        client=client if client is not None else chroma_client(path, url),
        collection_configuration=HNSW_CONFIG,
    )


def hit_to_document(hit: Hit) -> Document:
    """A Hit as a LangChain Document: page_content = chunk text, metadata = chunk meta + scores."""
    meta: dict[str, Any] = dict(hit.chunk.meta)
    meta.update(chunk_id=hit.chunk.chunk_id, doc_id=hit.chunk.doc_id, score=hit.score, rank=hit.rank)
    if hit.dense_score is not None:
        meta["dense_score"] = hit.dense_score
    if hit.bm25_score is not None:
        meta["bm25_score"] = hit.bm25_score
    return Document(page_content=hit.chunk.text, metadata=meta, id=hit.chunk.chunk_id)


class FunctionRetriever(BaseRetriever):
    """A BaseRetriever over a callable `(query) -> list[Hit]`."""

    search_fn: Callable[[str], Sequence[Hit]]

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [hit_to_document(h) for h in self.search_fn(query)]


def as_lc_retriever(search_fn: Callable[[str], Sequence[Hit]]) -> BaseRetriever:
    """Wrap `search_fn` so LCEL chains can use it (`retriever.invoke(question)`)."""
    return FunctionRetriever(search_fn=search_fn)

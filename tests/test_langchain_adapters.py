"""LangChain adapters over HashEmbedder, MemoryStore and a ChromaStore collection."""

from __future__ import annotations

import pytest

from byraad.types import Chunk
from vectorstore.filters import Filter
from vectorstore.protocols import HashEmbedder, MemoryStore

from vectorstore import langchain_adapters as lc

TEXTS = {
    "d1:0001": "Byrådet vedtog budgettet for skoler og børnehaver",
    "d1:0002": "Teknisk udvalg om cykelstier og veje",
    "d2:0001": "Lukket punkt om personalesag",
}
ACCESS = {"d1:0001": "public", "d1:0002": "public", "d2:0001": "closed"}


def chunks():
    return [
        Chunk(cid, cid.split(":")[0], t, t, {"access": ACCESS[cid], "doc_id": cid.split(":")[0], "title": f"T {cid}"})
        for cid, t in TEXTS.items()
    ]


def test_lc_embeddings_wraps_embedder():
    from langchain_core.embeddings import Embeddings

    emb = HashEmbedder(32)
    lce = lc.LCEmbeddings(emb)
    assert isinstance(lce, Embeddings)
    docs = lce.embed_documents(["a b", "c"])
    assert docs == emb.embed_documents(["a b", "c"]) and lce.embed_query("a b") == emb.embed_query("a b")


def test_retriever_over_memory_store_hits():
    emb, store = HashEmbedder(64), MemoryStore()
    cs = chunks()
    store.upsert(cs, emb.embed_documents([c.embed_text for c in cs]))
    seen = []

    def search(q):
        seen.append(q)
        return store.query(emb.embed_query(q), 2, Filter())

    docs = lc.as_lc_retriever(search).invoke("budgettet for skoler")
    assert seen == ["budgettet for skoler"]
    assert [d.metadata["chunk_id"] for d in docs][0] == "d1:0001"
    assert all(d.metadata["access"] == "public" for d in docs)  # the filter was inside search_fn
    top = docs[0]
    assert top.page_content == TEXTS["d1:0001"] and top.metadata["title"] == "T d1:0001"
    assert top.metadata["score"] > docs[1].metadata["score"] and top.metadata["rank"] == 1


def test_retriever_in_lcel_chain():
    from langchain_core.runnables import RunnableLambda

    r = lc.as_lc_retriever(lambda q: [])
    chain = r | RunnableLambda(lambda docs: len(docs))
    assert chain.invoke("x") == 0


def test_lc_chroma_reads_our_collection(tmp_path):
    from vectorstore.chroma_store import ChromaStore

    emb = HashEmbedder(64)
    store = ChromaStore("lc-test", path=str(tmp_path))
    cs = chunks()
    store.upsert(cs, emb.embed_documents([c.embed_text for c in cs]))
    vs = lc.lc_chroma(emb, "lc-test", client=store.client)
    res = vs.similarity_search_with_score("cykelstier og veje", k=1, filter={"access": "public"})
    doc, dist = res[0]
    assert doc.page_content == TEXTS["d1:0002"] and doc.metadata["doc_id"] == "d1"
    assert dist == pytest.approx(1 - store.query(emb.embed_query("cykelstier og veje"), 1, None)[0].score, abs=1e-4)
    vs.add_texts(["Nyt dokument om havnen"], metadatas=[{"access": "public"}], ids=["d3:0001"])
    assert store.count() == 4 and "d3:0001" in store.ids()

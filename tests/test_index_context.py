"""Index.context reads a cited chunk's surroundings from the chunks the Index already holds for the catalog
generation (no catalog read per citation): same siblings in the same document order as the catalog, new ones after
an ingest changes the document, and the access filter still stops the widening."""

from __future__ import annotations

import shutil
from pathlib import Path

from byraad.access import is_closed
from byraad.settings import Settings
from ingest.pipeline import ingest_paths
from vectorstore.filters import Filter
from vectorstore.index import Index

SAMPLE = Path(__file__).resolve().parents[1] / "sample_corpus"


def test_context_siblings_are_the_catalogs_in_order_and_follow_changes(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(SAMPLE, corpus)
    s = Settings(data_dir=str(tmp_path / "data"), embedder="hash:64")
    assert ingest_paths([corpus], s, progress=False).ok
    idx = Index(s)
    try:
        gen, chunks, _ = idx._current()
        order = idx._sibling_table(chunks)[1]
        docs = {c.doc_id for c in chunks.values()}
        assert len(docs) > 3 and set(order) == docs
        for doc in docs:
            assert order[doc] == [c.chunk_id for c in idx.catalog.chunks(doc_id=doc)]

        closed = [c for c in chunks.values() if is_closed(c.meta.get("access"))]
        assert closed
        idx.catalog.chunks = None  # context must not read the catalog's chunks
        for c in chunks.values():
            text, used = idx.context(c.chunk_id, Filter())
            if c.meta.get("access") != "public":
                assert (text, used) == ("", [])
            else:
                assert c.chunk_id in used and all(chunks[u].meta.get("access") == "public" for u in used)
            assert c.chunk_id in idx.context(c.chunk_id, Filter(access=None))[1]
        del idx.catalog.chunks

        path = corpus / "referat-teknik-og-miljoeudvalget-2023-11-09.txt"
        path.write_text(
            path.read_text(encoding="utf-8").replace(
                "Punkt 1: Godkendelse af dagsorden\n",
                "Punkt 1: Godkendelse af dagsorden\nTilføjet: Udvalget drøftede KONTEKSTPRØVE ved Skovvej.\n",
                1,
            ),
            encoding="utf-8",
        )
        assert ingest_paths([corpus], s, progress=False).ok
        gen2, chunks2, _ = idx._current()
        assert gen2 != gen
        new = next(c for c in chunks2.values() if "KONTEKSTPRØVE" in c.text)
        assert idx._sibling_table(chunks2)[1][new.doc_id] == [c.chunk_id for c in idx.catalog.chunks(doc_id=new.doc_id)]
        assert "KONTEKSTPRØVE" in idx.context(new.chunk_id, Filter())[0]
    finally:
        idx.close()

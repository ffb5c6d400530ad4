"""ChromaStore sharding by access level, the Index's column masks and its filtered dense search.

The contract (tests/test_store_contract.py) says what a store answers; these tests pin how the sharded ChromaStore
gets there (no access clause reaches Chroma, an access change leaves no stale copy, legacy collections are split,
other handles see new shards) and that the Index's fast paths agree with brute force.
"""

from __future__ import annotations

import random
import re
import threading
import time
import uuid

import numpy as np
import pytest

from byraad.settings import Settings
from byraad.types import Chunk
from tests.test_store_contract import Q, ROWS, chunk, ids_of, unit
from vectorstore import chroma_store as cs
from vectorstore import index as index_mod
from vectorstore.chroma_store import LAYOUT, LAYOUT_KEY, ChromaStore, shard_name
from vectorstore.filters import Filter
from vectorstore.index import Index, MetaColumns, VectorCache

NAME_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9._-]*[a-zA-Z0-9]$")


@pytest.fixture
def opener(tmp_path):
    name = f"shard-{uuid.uuid4().hex[:8]}"
    return lambda: ChromaStore(name, path=str(tmp_path / "chroma"))


@pytest.fixture
def filled(opener):
    store = opener()
    store.upsert([c for c, _ in ROWS], [v for _, v in ROWS])
    return store


def spy_wheres(store: ChromaStore) -> list:
    """Record the `where` of every query Chroma receives from this handle's shards."""
    seen: list = []
    for col in store.shards().values():
        orig = col.query

        def query(*a, _orig=orig, **kw):
            seen.append(kw.get("where"))
            return _orig(*a, **kw)

        col.query = query
    return seen


def held(store: ChromaStore) -> dict:
    """level → ids each shard holds."""
    return {lv: set(col.get(include=[])["ids"]) for lv, col in store.shards().items()}


# --- names ---------------------------------------------------------------------------------------
def test_shard_names_are_valid_and_distinct():
    base = Settings(embedder="hash:64").collection_name()
    levels = [
        "internal",
        "closed",
        "closed:teknik-og-miljoeudvalget",
        "closed:a-b",
        "closed-a:b",
        "closed:økonomi",
        "",
        None,
        "x" * 600,
    ]
    names = [shard_name(base, lv) for lv in levels]
    assert shard_name(base, "public") == base
    assert len(set(names)) == len(names) and base not in names
    for n in names:
        assert NAME_RE.match(n) and ".." not in n and 3 <= len(n) <= 512 and n.startswith(base + "--")
    with pytest.raises(ValueError):
        shard_name("b" * 500, "closed:x")


# --- layout --------------------------------------------------------------------------------------
def test_one_shard_per_level_and_public_is_the_base(filled):
    by_level = held(filled)
    assert by_level == {
        "public": {"d1:0001", "d1:0002", "d3:0001"},
        "closed:bu": {"d2:0001"},
        "internal": {"d2:0002"},
        "closed": {"d3:0002"},
    }
    assert filled.col.name == filled.name
    assert (filled.col.metadata or {}).get(LAYOUT_KEY) == LAYOUT


def test_access_is_never_a_chroma_where_clause(filled):
    wheres = spy_wheres(filled)
    for flt in (Filter(), Filter(access=("public", "closed:bu")), Filter(access=None)):
        assert filled.query(Q, 3, flt)
    assert wheres and all(w is None for w in wheres)
    # Other clauses are checked on the fetched rows; a small store is exhausted without Chroma's filtered query.
    assert ids_of(filled.query(Q, 2, Filter(access=None, bodies=("tm",)))) == ["d2:0002", "d3:0001"]
    assert all(w is None for w in wheres)


def test_filtered_query_falls_back_when_too_few_survive(opener, monkeypatch):
    monkeypatch.setattr(cs, "POOL_MIN", 2)
    monkeypatch.setattr(cs, "POOL_FACTOR", 1)
    store = opener()
    cs_ = [chunk(f"p{i}:0001", body="bu" if i else "tm") for i in range(20)]
    store.upsert(cs_, [unit(1, 0.1 * i) for i in range(20)][::-1])  # p0 (the tm row) is the farthest
    wheres = spy_wheres(store)
    assert ids_of(store.query(Q, 1, Filter(bodies=("tm",)))) == ["p0:0001"]
    assert wheres[-1] == {"body_key": {"$in": ["tm"]}} or wheres[-1] == {
        "$and": [{"access": {"$in": ["public"]}}, {"body_key": {"$in": ["tm"]}}]
    }


def test_access_change_leaves_no_stale_copy(filled):
    old = ROWS[0][0]
    moved = Chunk(old.chunk_id, old.doc_id, old.text, "", {**old.meta, "access": "closed:bu"})
    filled.upsert([moved], [ROWS[0][1]])
    assert filled.count() == len(ROWS)
    assert old.chunk_id not in held(filled)["public"] and old.chunk_id in held(filled)["closed:bu"]
    assert old.chunk_id not in ids_of(filled.query(Q, 10, Filter()))
    # ... and back, through update_metadata (vector kept, no copy left behind).
    filled.update_metadata([old])
    assert old.chunk_id in held(filled)["public"] and old.chunk_id not in held(filled)["closed:bu"]
    assert filled.query(Q, 1, Filter())[0].chunk.chunk_id == old.chunk_id
    filled.delete([old.chunk_id])
    assert all(old.chunk_id not in ids for ids in held(filled).values())


def test_update_metadata_new_text_keeps_vector_also_when_moving(filled):
    a, b = ROWS[0][0], ROWS[1][0]
    filled.update_metadata(
        [
            Chunk(a.chunk_id, a.doc_id, "Ny tekst A", "", dict(a.meta)),
            Chunk(b.chunk_id, b.doc_id, "Ny tekst B", "", {**b.meta, "access": "internal"}),
        ]
    )
    hit = filled.query(Q, 1, Filter())[0]
    assert (hit.chunk.chunk_id, hit.chunk.text) == (a.chunk_id, "Ny tekst A")
    assert hit.score == pytest.approx(float(np.dot(Q, ROWS[0][1])), abs=1e-4)
    got = {h.chunk.chunk_id: h for h in filled.query(Q, 5, Filter(access=("internal",)))}
    assert got[b.chunk_id].chunk.text == "Ny tekst B" and got[b.chunk_id].chunk.meta["access"] == "internal"
    assert got[b.chunk_id].score == pytest.approx(float(np.dot(Q, ROWS[1][1])), abs=1e-4)
    assert b.chunk_id not in held(filled)["public"] and filled.count() == len(ROWS)


def test_chunk_without_access_is_only_seen_by_all_access(opener):
    store = opener()
    store.upsert([Chunk("n:1", "n", "t", "", {"doc_id": "n"})], [unit(1)])
    assert store.query(Q, 5, Filter()) == [] and store.query(Q, 5, Filter(access=("closed",))) == []
    assert ids_of(store.query(Q, 5, None)) == ["n:1"]


def test_legacy_single_collection_is_split_on_open(opener):
    """A collection written by the unsharded layout (every level in one collection) keeps working."""
    first = opener()
    legacy = first.client.get_or_create_collection(first.name, embedding_function=None, configuration=cs.HNSW_CONFIG)
    legacy.add(
        ids=[c.chunk_id for c, _ in ROWS],
        embeddings=[v for _, v in ROWS],
        documents=[c.text for c, _ in ROWS],
        metadatas=[cs.clean_meta(c) for c, _ in ROWS],
    )
    store = opener()
    assert store.count() == len(ROWS)
    assert held(store)["public"] == {"d1:0001", "d1:0002", "d3:0001"} and held(store)["closed"] == {"d3:0002"}
    assert set(ids_of(store.query(Q, 10, Filter()))) == {"d1:0001", "d1:0002", "d3:0001"}
    hit = store.query(Q, 1, Filter(access=("internal",)))[0]
    assert hit.chunk.chunk_id == "d2:0002" and hit.chunk.text == ROWS[3][0].text
    assert (store.col.metadata or {}).get(LAYOUT_KEY) == LAYOUT


def test_other_handles_see_new_and_dropped_shards(opener, monkeypatch):
    monkeypatch.setattr(cs, "LIST_TTL_S", 0.0)
    reader, writer = opener(), opener()
    writer.upsert([ROWS[0][0]], [ROWS[0][1]])
    assert reader.count() == 1
    writer.upsert([ROWS[2][0]], [ROWS[2][1]])  # closed:bu: a shard the reader never listed
    assert ids_of(reader.query(Q, 5, Filter(access=("closed:bu",)))) == ["d2:0001"]
    writer.drop()
    writer.upsert([ROWS[1][0]], [ROWS[1][1]])
    assert ids_of(reader.query(Q, 5, Filter(access=None))) == ["d1:0002"]  # stale handles are re-listed


def test_drop_removes_every_shard(filled):
    names = {c.name for c in filled.shards().values()}
    filled.drop()
    left = {c.name for c in filled.client.list_collections()}
    assert not names & (left - {filled.name}) and filled.count() == 0


def test_nearest_and_vectors_agree_with_query(filled):
    for access in (("public",), ("public", "closed:bu", "internal"), None):
        want = [(h.chunk.chunk_id, h.score) for h in filled.query(Q, 10, Filter(access=access))]
        got = filled.nearest(Q, 10, access)
        assert [c for c, _ in got] == [c for c, _ in want]
        assert [s for _, s in got] == pytest.approx([s for _, s in want], abs=1e-4)
        ids, mat = filled.vectors([c for c, _ in want] + ["no-such-id"], access)
        assert sorted(ids) == sorted(c for c, _ in want) and mat.shape == (len(want), len(Q))
        cos = mat @ np.asarray(Q) / np.linalg.norm(mat, axis=1)
        assert dict(zip(ids, cos)) == pytest.approx(dict(want), abs=1e-4)
    assert filled.nearest(Q, 5, ()) == [] and filled.vectors(["d2:0001"], ("public",))[0] == []


# --- Index: columns, dense fast paths, BM25 masks -------------------------------------------------
def random_metas(rng: random.Random, n: int) -> list[dict]:
    out = []
    for i in range(n):
        access = rng.choice(["public", "public", "internal", "closed:bu", "closed", None])
        m = {
            "doc_id": f"d{i % 37}",
            "access": access,
            "body_key": rng.choice(["bu", "tm", "kb", None]),
            "kind": rng.choice(["minutes", "agenda", "handbook"]),
            "meeting_date": rng.choice([None, "2023", 20210101 + rng.randrange(5) * 10000 + rng.randrange(12) * 100]),
        }
        out.append({k: v for k, v in m.items() if v is not None or rng.random() < 0.3})
    return out


def random_filter(rng: random.Random) -> Filter:
    pick = lambda xs: tuple(rng.sample(xs, rng.randrange(len(xs) + 1)))  # noqa: E731
    return Filter(
        access=None if rng.random() < 0.2 else pick(["public", "internal", "closed:bu", "closed"]),
        bodies=pick(["bu", "tm", "zz"]) if rng.random() < 0.4 else (),
        kinds=pick(["minutes", "agenda"]) if rng.random() < 0.3 else (),
        doc_ids=pick(["d1", "d2", "d99"]) if rng.random() < 0.2 else (),
        date_from=rng.choice([None, 20220101, 20230601]),
        date_to=rng.choice([None, 20231231]),
    )


def test_columns_mask_equals_filter_matches():
    rng = random.Random(5)
    metas = random_metas(rng, 500)
    cols = MetaColumns([f"c{i}" for i in range(len(metas))], metas)
    for _ in range(300):
        flt = random_filter(rng)
        assert cols.mask(flt).tolist() == [flt.matches(m) for m in metas], flt
    assert not cols.mask(Filter()).flags.writeable


N_BIG = 1500


@pytest.fixture(scope="module")
def big_index(tmp_path_factory):
    """An Index over a sharded ChromaStore with N_BIG random 16-d chunks, and their vectors."""
    data = tmp_path_factory.mktemp("big")
    s = Settings(data_dir=str(data), embedder="hash:16")
    idx = Index(s)
    rng = random.Random(11)
    metas = random_metas(rng, N_BIG)
    chunks = []
    for i, m in enumerate(metas):
        m = {**m, "doc_id": f"d{i // 50}"}
        words = " ".join(rng.choice(["vej", "cykel", "skole", "budget", "havn", "park"]) for _ in range(8))
        chunks.append(Chunk(f"d{i // 50}:{i:05d}", m["doc_id"], words, words, m))
    vecs = np.random.default_rng(3).standard_normal((N_BIG, 16)).astype(np.float32)
    for d in range(0, N_BIG, 50):
        part = chunks[d : d + 50]
        idx.catalog.begin_document(
            part[0].doc_id, f"{part[0].doc_id}.txt", "t", "minutes", {}, part, [c.text for c in part]
        )
    idx.store.upsert(chunks, vecs)  # one call: Chroma spends ~50 ms per upsert call whatever its size
    for d in range(0, N_BIG, 50):
        idx.catalog.complete_document(chunks[d].doc_id)
    yield idx, dict(zip([c.chunk_id for c in chunks], vecs))
    idx.close()


def brute(vectors: dict, idx: Index, q: np.ndarray, k: int, flt: Filter) -> list[str]:
    chunks = idx.all_chunks()
    ok = [cid for cid in chunks if flt.matches(chunks[cid].meta)]
    sims = {cid: float(vectors[cid] @ q / np.linalg.norm(vectors[cid])) for cid in ok}
    return sorted(ok, key=lambda c: (-sims[c], c))[:k]


@pytest.mark.parametrize(
    "consts, cache_mb",
    [
        ({}, 512),  # defaults: the cost model picks
        ({"EXACT_ROW_MS": 0.0}, 512),  # vectors whenever a filter is set, cached
        ({"EXACT_ROW_MS": 0.0}, 0),  # ... read from the store every time
        ({"CACHED_ROW_MS": 1e9}, 512),  # nearest pools only
        ({"CACHED_ROW_MS": 1e9, "POOL_MAX": 64, "POOL_SLACK": 0.01}, 512),  # pools grow, then vectors
        ({"CACHED_ROW_MS": 1e9, "EXACT_MAX": 0, "POOL_MAX": 64, "POOL_SLACK": 0.01}, 0),  # ... then Chroma's filter
    ],
)
def test_index_dense_search_agrees_with_brute_force(big_index, monkeypatch, consts, cache_mb):
    idx, vectors = big_index
    for name, value in consts.items():
        monkeypatch.setattr(index_mod, name, value)
    monkeypatch.setattr(idx, "vectors", VectorCache(cache_mb << 20))
    rng = random.Random(2)
    qrng = np.random.default_rng(9)
    for _ in range(25):
        flt = random_filter(rng)
        q = qrng.standard_normal(16).astype(np.float32)
        q /= np.linalg.norm(q)
        hits = idx.dense_search("", 10, flt, vector=q)
        assert [h.chunk.chunk_id for h in hits] == brute(vectors, idx, q, 10, flt), flt
        assert all(flt.matches(h.chunk.meta) for h in hits) and [h.rank for h in hits] == list(range(1, len(hits) + 1))
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_vector_cache_budget_and_scores():
    rng = np.random.default_rng(4)
    mat = rng.standard_normal((10, 8)).astype(np.float32)
    ids = [f"v{i}" for i in range(10)]
    cache = VectorCache(max_bytes=4 * 8 * 6)  # room for 6 rows
    cache.add(ids, mat)
    assert len(cache) == 6 and cache.missing(ids) == ids[6:] and cache.full and cache._mat.nbytes <= 4 * 8 * 6
    q = rng.standard_normal(8)
    want = sorted(
        ((i, float(r @ q / np.linalg.norm(r) / np.linalg.norm(q))) for i, r in zip(ids, mat)), key=lambda t: -t[1]
    )
    got = cache.score(q, ids, 10, (ids[6:], mat[6:]))  # rows beyond the budget come as extra
    assert [i for i, _ in got] == [i for i, _ in want] and [s for _, s in got] == pytest.approx([s for _, s in want])
    assert cache.score(q, ids, 3, (ids[6:], mat[6:])) == got[:3]
    assert [i for i, _ in cache.score(q, ["v1", "v8", "zz"], 5)] == ["v1"]
    cache.add(["v1", "v7"], mat[[1, 7]])  # known ids are not added twice; a full cache takes nothing
    assert len(cache) == 6 and cache.score(q, ["v1"], 1)[0][1] == pytest.approx(dict(want)["v1"])


def test_warm_vectors_then_selective_filters_read_nothing(big_index, monkeypatch):
    idx, vectors = big_index
    monkeypatch.setattr(index_mod, "WARM_MIN", 10)
    monkeypatch.setattr(idx, "vectors", VectorCache(512 << 20))
    monkeypatch.setattr(idx, "_warmer", None)
    idx.warm_vectors(wait=True)
    assert len(idx.vectors) == N_BIG
    reads = []
    real = idx.store.vectors
    monkeypatch.setattr(idx.store, "vectors", lambda *a: reads.append(a) or real(*a))
    q = np.asarray(unit(1, 1)[:1] * 16, dtype=np.float32)
    for flt in (Filter(doc_ids=("d3",)), Filter(access=None, date_from=20230101, date_to=20230131)):
        assert [h.chunk.chunk_id for h in idx.dense_search("", 10, flt, vector=q)] == brute(vectors, idx, q, 10, flt)
    assert reads == []


def test_index_common_filters_never_scan_in_chroma(big_index):
    idx, _ = big_index
    wheres = spy_wheres(idx.store)
    q = unit(1)[:1] * 16
    for flt in (
        Filter(),
        Filter(access=("public", "closed:bu")),
        Filter(access=None),
        Filter(access=("public", "internal"), date_from=20230101, date_to=20231231),
        Filter(bodies=("bu",)),
        Filter(doc_ids=("d3",)),
    ):
        idx.dense_search("", 10, flt, vector=q)
    assert all(w is None for w in wheres)


def test_lexical_mask_follows_bm25_row_order(big_index):
    """A BM25 index whose rows are in another order than the columns (e.g. loaded from an older build) still gets
    the right mask."""
    from vectorstore.bm25 import BM25Index

    idx, _ = big_index
    chunks = idx.all_chunks()
    ids = sorted(chunks, reverse=True)[:-7]  # other order, and some chunks missing
    bm = BM25Index.build(ids, [chunks[c].embed_text for c in ids])
    flt = Filter(access=("public",), bodies=("bu",))
    mask = idx._bm25_mask(bm, flt)
    assert mask.tolist() == [flt.matches(chunks[c].meta) for c in ids]
    hits = idx.lexical_search("cykel budget havn", 40, flt)
    assert hits and all(flt.matches(h.chunk.meta) for h in hits)
    allowed = {c for c in chunks if flt.matches(chunks[c].meta)}
    assert [cid for cid, _ in idx.bm25().search("cykel budget havn", 40, allowed=allowed)] == ids_of(hits)


def test_chunks_where_in_document_order(big_index):
    idx, _ = big_index
    flt = Filter(access=None, doc_ids=("d4", "d2"))
    got = idx.chunks_where(flt)
    assert [c.chunk_id for c in got] == [c for c, ch in idx.all_chunks().items() if flt.matches(ch.meta)]
    assert {c.doc_id for c in got} == {"d2", "d4"}


def test_bm25_rebuild_does_not_block_other_readers(tmp_path, monkeypatch):
    """While one thread rebuilds BM25 for a new generation, others keep the previous index; dense search and the
    chunk cache are not blocked at all."""
    s = Settings(data_dir=str(tmp_path), embedder="hash:8")
    idx = Index(s)
    c1 = chunk("a:0001")
    idx.catalog.begin_document("a", "a.txt", "t", "minutes", {}, [c1], [c1.text])
    idx.store.upsert([c1], [unit(1)])
    idx.catalog.complete_document("a")
    first = idx.bm25()
    c2 = chunk("b:0001")
    idx.catalog.begin_document("b", "b.txt", "t", "minutes", {}, [c2], [c2.text])
    idx.store.upsert([c2], [unit(1, 1)])
    idx.catalog.complete_document("b")
    started, release = threading.Event(), threading.Event()
    real = idx._load_bm25

    def slow(gen, chunks):
        started.set()
        release.wait(10)
        return real(gen, chunks)

    monkeypatch.setattr(idx, "_load_bm25", slow)
    t = threading.Thread(target=idx.bm25)
    t.start()
    assert started.wait(10)
    t0 = time.monotonic()
    assert idx.bm25() is first  # the previous index, at once
    assert {h.chunk.chunk_id for h in idx.dense_search("", 5, Filter(), vector=unit(1))} == {"a:0001", "b:0001"}
    assert time.monotonic() - t0 < 5
    release.set()
    t.join(10)
    assert idx.bm25() is not first and len(idx.bm25()) == 2
    idx.close()

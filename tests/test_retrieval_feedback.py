"""benchmarks/retrieval_feedback.py (docs/retrieval-tuning.md, session 10): "now" is the app's ranking; neighbour
smoothing lifts the chunk after a well-ranked one inside its unit only and never brings in a chunk the asker may not
see; pseudo-relevance feedback searches the dense list again, within the same filter."""

from __future__ import annotations

import numpy as np

from assistant.retrieval import Query, Retriever
from byraad.access import User
from byraad.types import Hit
from tests import builders
from vectorstore.filters import Filter
from vectorstore.vectorfile import VectorFile

PUBLIC = Query(question="q", expanded="q", flt=Filter(access=("public",)), period="")


def _module():
    return builders.benchmark_module("retrieval_feedback")


def _chunk(cid: str, start: int, header: str, access: str = "public", text: str | None = None):
    return builders.chunk(
        cid,
        "d1",
        text or f"Tekst {cid}.",
        header=header,
        char_start=start,
        access=access,
        path="d1.txt",
        kind="minutes",
    )


def _corpus():
    return [
        _chunk("head", 0, "Doc › Punkt 1"),  # the heading line ...
        _chunk("after", 100, "Doc › Punkt 1"),  # ... is continued here
        _chunk("closed", 200, "Doc › Punkt 1", access="closed:byraadet"),
        _chunk("other", 300, "Doc › Punkt 2"),  # another unit: no neighbour of "closed" or "after"
    ]


def test_neighbour_smoothing_lifts_the_next_chunk_of_the_unit_only(tmp_path):
    _, idx = builders.index_with(tmp_path, _corpus())
    r = _module().make_retriever(idx, _)
    chunks = idx.all_chunks()
    fused = [Hit(chunk=chunks["head"], score=0.30), Hit(chunk=chunks["other"], score=0.20)]
    fused.append(Hit(chunk=chunks["after"], score=0.10))
    out = r._smooth(fused, PUBLIC, "before", 0.5)
    score = {h.chunk.chunk_id: h.score for h in out}
    assert abs(score["after"] - (0.10 + 0.5 * 0.30)) < 1e-9  # gains half of the chunk before it
    assert score["head"] == 0.30 and score["other"] == 0.20  # "other" follows "closed" in another unit: no gain
    assert [h.chunk.chunk_id for h in out] == ["head", "after", "other"]
    both = {h.chunk.chunk_id: h.score for h in r._smooth(fused, PUBLIC, "both", 0.5)}
    assert abs(both["head"] - (0.30 + 0.5 * 0.10)) < 1e-9  # the symmetric variant: the chunk before gains too


def test_neighbour_smoothing_never_adds_a_chunk_the_filter_refuses(tmp_path):
    _, idx = builders.index_with(tmp_path, _corpus())
    r = _module().make_retriever(idx, _)
    chunks = idx.all_chunks()
    fused = [Hit(chunk=chunks["after"], score=0.30)]
    ids = [h.chunk.chunk_id for h in r._smooth(fused, PUBLIC, "both", 0.5)]
    assert ids == ["after", "head"]  # "head" joins (before it), "closed" (after it) does not
    everyone = Query(question="q", expanded="q", flt=Filter(access=None), period="")
    assert "closed" in [h.chunk.chunk_id for h in r._smooth(fused, everyone, "both", 0.5)]


def test_now_is_the_apps_ranking_and_feedback_keeps_the_filter(tmp_path):
    s, idx = builders.index_with(tmp_path, _corpus())
    mod = _module()
    r = mod.make_retriever(idx, s)
    member = User("m", ("byraadsmedlem",))
    want = [h.chunk.chunk_id for h in Retriever(idx, s).retrieve("Tekst head", member, k=3).hits]
    assert [h.chunk.chunk_id for h in r.retrieve("Tekst head", member, k=3).hits] == want
    ids = list(idx.all_chunks())
    mat = np.asarray(idx.embedder.embed_documents([idx.all_chunks()[c].embed_text for c in ids]), np.float32)
    snap = VectorFile(ids, mat / np.linalg.norm(mat, axis=1, keepdims=True), 0, ())
    idx.vector_snapshot = lambda: snap
    chunks = idx.all_chunks()
    fused = [Hit(chunk=chunks["head"], score=0.3)]
    out = r._prf(fused, [], [], PUBLIC, [], [], 1, 1.0, "0.5")
    assert "closed" not in [h.chunk.chunk_id for h in out] and len(out) == 3  # the three public chunks


def test_results_keep_every_case_for_now_and_only_the_changed_ones_for_a_variant():
    out = _module().compact(
        {"now": {"per_case_r": {"a": [1, 1, 1], "b": [0, 1, 1]}}, "v": {"per_case_r": {"a": [1, 1, 1], "b": [0, 0, 1]}}}
    )
    assert out["now"]["per_case_r"] == {"a": [1, 1, 1], "b": [0, 1, 1]} and out["v"]["per_case_r"] == {"b": [0, 0, 1]}

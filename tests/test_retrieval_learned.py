"""benchmarks/retrieval_learned.py (docs/retrieval-tuning.md, session 11): its replay of the per-document cap is the
app's Retriever._select, the pairwise fit learns which feature marks the evidence, and a learned order is scored with
the same recall rule as the benchmarks; the features of a candidate list come from what the app computed."""

from __future__ import annotations

import numpy as np

from assistant.retrieval import Query, Retriever
from byraad.types import Hit
from tests import builders
from vectorstore.filters import Filter


def _module():
    return builders.benchmark_module("retrieval_learned")


def test_select_replays_the_apps_per_document_cap(tmp_path):
    m = _module()
    # 12 candidates of one document then 3 of two others: the cap (max_per_doc 2 here) pushes the 3rd+ of d1 down.
    docs = ["d1"] * 12 + ["d2", "d3", "d2"]
    chunks = [builders.chunk(f"c{i}", d, f"Tekst nummer {i} om noget helt andet {i * 7}.") for i, d in enumerate(docs)]
    settings, idx = builders.index_with(tmp_path, chunks, max_per_doc=2)
    r = Retriever(idx, settings)
    hits = [Hit(chunk=c, score=1.0 - i / 100) for i, c in enumerate(chunks)]
    app = [h.chunk.chunk_id for h in r._select(hits, 10)]
    mine = [chunks[i].chunk_id for i in m.select(list(range(len(chunks))), docs, settings.max_per_doc)]
    assert mine == app


def _case(cid: str, good: int, n: int = 12, half: str = "tune", group: str = "g1", s: str = "shared") -> dict:
    """A dumped case whose evidence candidate `good` has feature 'cover' high; the fused order puts it last."""
    m = _module()
    X = np.zeros((n, len(m.FEATURES)))
    X[:, m.FEATURES.index("fused_rrf")] = [1 / (10 + i + 1) for i in range(n)]
    X[good, m.FEATURES.index("cover")] = 1.0
    return {
        "id": cid,
        "set": s,
        "half": half,
        "group": group,
        "n_parts": 1,
        "cap_base": 6,
        "docs": [f"d{i}" for i in range(n)],
        "parts": [[0] if i == good else [] for i in range(n)],
        "X": X.tolist(),
    }


def test_the_pairwise_fit_learns_the_feature_that_marks_the_evidence():
    m = _module()
    cases = [_case(f"t{i}", good=11 - i % 3, group=f"g{i % 3}") for i in range(9)]
    cols = m.columns({"feats": "all"})
    model = m.fit_pairwise(cases, cols, 0.1)
    w = dict(zip(m.FEATURES, model[0]))
    assert w["cover"] > 0 and w["cover"] > abs(w["fused_rrf"])
    now = m.case_scores(cases[0], list(range(12)))
    assert now["r1"] == 0.0 and now["r5"] == 0.0 and now["r10"] == 0.0  # the evidence is 12th of 12
    learned = m.case_scores(cases[0], m.order_by(m.scores_of(cases[0], cols, model)))
    assert learned == {"r1": 1.0, "r5": 1.0, "r10": 1.0, "rr": 1.0}


def test_evaluate_reports_now_and_cross_validated_figures():
    m = _module()
    dump = [_case(f"t{i}", good=11 - i % 3, group=f"g{i % 3}") for i in range(6)]
    dump += [_case("c1", good=10, half="check"), _case("e1", good=9, half="external", s="external", group="x")]
    res = m.evaluate(dump, {"lr": {"feats": "all", "lam": 0.1}})
    assert res["models"]["now"]["shared tune"]["units"] == 2.0  # the two cases whose evidence is 10th
    assert res["models"]["lr"]["shared tune (cv)"]["units"] == 18.0  # each document's cases fitted without it
    assert res["models"]["lr"]["shared tune (cv by case)"]["cases"] == 6
    assert res["oracle"]["shared tune"]["units"] == 18.0  # the evidence first
    assert res["models"]["lr"]["cv_by_document"]["g2"] == {"cases": 2, "now_units": 2.0, "cv_units": 6.0}
    assert res["models"]["lr"]["shared check"]["recall_at_1"] == 1.0
    assert res["models"]["lr"]["external"]["recall_at_1"] == 1.0


def test_features_read_the_lists_the_app_fused(tmp_path):
    m = _module()
    chunks = [
        builders.chunk("a", "d1", "Mødet blev holdt den 3. marts 2025.", header="Doc › Punkt 1", chunk_type="item"),
        builders.chunk("b", "d1", "Udvalget drøftede sagen.", header="Doc › Punkt 1", char_start=50),
        builders.chunk("c", "d2", "Noget andet.", header="Andet › Afsnit", chunk_type="section"),
    ]
    settings, idx = builders.index_with(tmp_path, chunks)
    r = m.make_retriever(idx, settings)
    ctx = m.Context(r)
    got = idx.all_chunks()
    head = [Hit(chunk=got["b"], score=0.3), Hit(chunk=got["a"], score=0.2), Hit(chunk=got["c"], score=0.1)]
    lists = (
        [Hit(chunk=got["a"], score=0.9, dense_score=0.9)],
        [Hit(chunk=got["b"], score=2.0, bm25_score=2.0)],
        [],
        [],
    )
    q = Query(question="Hvornår blev mødet holdt?", expanded="Hvornår blev mødet holdt?", flt=Filter(), period="")
    X = m.features(ctx, q, lists, head)
    f = {name: X[:, i].tolist() for i, name in enumerate(m.FEATURES)}
    assert f["dense_rrf"] == [0.0, 1 / 11, 0.0] and f["bm25_rrf"] == [1 / 11, 0.0, 0.0]
    assert f["kind_holds"] == [0.0, 1.0, 0.0] and f["kind_lacks"] == [1.0, 0.0, 1.0]  # "Hvornår": a date
    assert f["unit_best"] == [1.0, 0.0, 1.0] and f["unit_first"] == [0.0, 1.0, 1.0]
    assert f["doc_share"] == [2 / 3, 2 / 3, 1 / 3] and f["type_section"] == [0.0, 0.0, 1.0]


def test_the_listwise_fit_learns_it_too():
    m = _module()
    cases = [_case(f"t{i}", good=11 - i % 3, group=f"g{i % 3}") for i in range(9)]
    cols = m.columns({"feats": "all"})
    model = m.fit_listwise(cases, cols, 0.01)
    assert m.case_scores(cases[1], m.order_by(m.scores_of(cases[1], cols, model)))["r1"] == 1.0

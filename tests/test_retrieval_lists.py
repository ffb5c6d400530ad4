"""benchmarks/retrieval_lists.py: where the evidence sits in each list hybrid retrieval fuses (the diagnostic behind
docs/retrieval-tuning.md's "where the misses are"): the lists are those the fused search used, within the asker's
access, and a case is put in the right bucket."""

from __future__ import annotations

from pathlib import Path

from assistant.retrieval import Retriever
from assistant.sentence_fill import fill as fill_sentences
from byraad.access import User
from tests import builders
from tests.test_sentence_rank import ANSWER, WordsEmbedder, corpus

ROOT = Path(__file__).resolve().parents[1]


def _module():
    return builders.benchmark_module("retrieval_lists")


def test_buckets_tell_fusion_losses_from_ranking_misses():
    m = _module()
    assert m.bucket(1, {"dense": 3, "bm25": None}) == "rank1"
    assert m.bucket(2, {"dense": 3, "bm25": 1}) == "fusion_lost"  # a list had it first, the fused list did not
    assert m.bucket(None, {"dense": 4, "bm25": 9}) == "best_list_top5"
    assert m.bucket(3, {"dense": 12, "bm25": None}) == "best_list_top20"
    assert m.bucket(None, {"dense": 60, "bm25": None}) == f"best_list_top{m.DEPTH}"
    assert m.bucket(None, {"dense": None, "bm25": None}) == "not_listed"


def test_relation_of_the_rank1_passage_to_the_evidence():
    m = _module()
    a = builders.chunk("a", "d1", "x", header="Doc › Punkt 1")
    b = builders.chunk("b", "d1", "y", header="Doc › Punkt 1")
    c = builders.chunk("c", "d1", "z", header="Doc › Punkt 2")
    d = builders.chunk("d", "d2", "w", header="Other › Punkt 1")
    assert m.relation(a, [b]) == "same_unit"
    assert m.relation(c, [b]) == "same_document"
    assert m.relation(d, [b]) == "other_document"
    assert m.relation(d, []) == "evidence_not_listed"


def test_lists_are_the_fused_searchs_own_within_access(tmp_path):
    m = _module()
    s, idx = builders.index_with(tmp_path, corpus(), vectors=WordsEmbedder())
    fill_sentences(idx, s)
    r = Retriever(idx, s)
    member = User("m", ("byraadsmedlem",))
    res = r.retrieve(ANSWER, member, k=3)
    lists = m.lists_of(r, res.query, depth=5)
    assert set(lists) == set(m.LISTS)
    assert lists["dense"] and lists["bm25"] and lists["sentence"][0] == "money"
    assert all("closed" not in ids for ids in lists.values())  # the asker's filter, as in the fused search
    assert r.settings.retrieve_k == s.retrieve_k  # the deeper read leaves the retriever as it was
    everyone = r.retrieve(ANSWER, None, k=3, all_access=True)
    assert any("closed" in ids for ids in m.lists_of(r, everyone.query, depth=5).values())


def test_sibling_pairs_count_which_list_puts_the_evidence_first():
    m = _module()
    a = builders.chunk("a", "d1", "x", header="Doc › Punkt 1")
    b = builders.chunk("b", "d1", "y", header="Doc › Punkt 1")  # the evidence, a sibling of a
    c = builders.chunk("c", "d1", "z", header="Doc › Punkt 2")
    lists = {"dense": ["a", "b"], "bm25": ["b", "a"], "sentence": ["b"], "sparse": []}
    out = m.sibling_pairs([a, c, b], lambda cid: cid == "b", lists)
    assert out == {"pairs": 1, "fused": 0, "dense": 0, "bm25": 1, "sentence": 1, "sparse": 0}
    assert m.sibling_pairs([b, a], lambda cid: cid == "b", lists)["fused"] == 1
    assert m.sibling_pairs([a, c], lambda cid: cid == "b", lists)["pairs"] == 0

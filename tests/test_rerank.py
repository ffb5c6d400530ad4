"""The second stage over the fused candidates (assistant/rerank.py): the title and cover lists reorder the candidates
they are given (never add one), run only where the sentence list does, and the fill stores the headings."""

from __future__ import annotations

from assistant.rerank import SecondStage, heading, rrf_list
from assistant.retrieval import Retriever
from assistant.semantic import SentenceScorer
from assistant.sentence_fill import fill as fill_sentences
from assistant.sentence_store import store as store_path
from byraad.access import User
from byraad.types import Hit
from tests import builders
from tests.test_sentence_rank import ANSWER, FILLER, WordsEmbedder, chunk, corpus
from vectorstore.bm25 import tokenize


def _hit(cid: str, header: str, text: str, score: float) -> Hit:
    return Hit(chunk=builders.chunk(cid, "d1", text, header=header), score=score)


def test_rrf_list_ranks_by_value_keeps_order_on_ties_and_skips_none():
    hits = [_hit("a", "H", "a", 0.30), _hit("b", "H", "b", 0.29), _hit("c", "H", "c", 0.20), _hit("d", "H", "d", 0.1)]
    out = rrf_list(hits, [0.5, 0.5, 0.9, None], 1.0, 10)
    score = {h.chunk.chunk_id: h.score for h in out}
    assert abs(score["c"] - (0.20 + 1 / 11)) < 1e-9  # best value: rank 1
    assert abs(score["a"] - (0.30 + 1 / 12)) < 1e-9 and abs(score["b"] - (0.29 + 1 / 13)) < 1e-9  # tie: fused order
    assert score["d"] == 0.1  # no value: not in the list
    assert [h.chunk.chunk_id for h in out] == ["a", "b", "c", "d"]


def test_cover_is_the_best_share_of_the_question_terms_in_one_sentence(tmp_path):
    stage = SecondStage(WordsEmbedder(), tmp_path / "s.sqlite", tokenize)
    c = builders.chunk("x", "d1", "Vejen bygges i 2026 efter planen. Prisen for hele projektet er 5 mio. kr.")
    idf = {t: 1.0 for t in tokenize("vejen prisen")}
    assert stage.cover(c, idf) == 0.5  # each word is in the chunk, but no one sentence has both
    c2 = builders.chunk("y", "d1", "Prisen for vejen er 5 mio. kr. Det blev vedtaget på mødet i juni.")
    assert stage.cover(c2, idf) == 1.0


def test_title_list_lifts_the_candidate_whose_heading_the_question_names(tmp_path):
    emb = WordsEmbedder()
    stage = SecondStage(emb, tmp_path / "s.sqlite", tokenize)
    body = "Udvalget drøftede sagen og bad om et nyt oplæg."
    hits = [
        _hit("a", "Byrådet › Punkt 3: Skolebyggeri i Tranbjerg", body, 0.100),
        _hit("b", "Byrådet › Punkt 4: Idrætsanlæg i Lisbjerg", body, 0.099),
    ]
    q = emb.embed_query("Idrætsanlæg i Lisbjerg")
    out = stage.rerank(hits, q, {}, title_weight=0.15, cover_weight=0.0, rrf_k=10)
    assert [h.chunk.chunk_id for h in out] == ["b", "a"]
    off = stage.rerank(hits, q, {}, title_weight=0.0, cover_weight=0.0, rrf_k=10)
    assert [h.chunk.chunk_id for h in off] == ["a", "b"]
    assert stage.titles.embedded == 2  # the two headings, embedded once and stored
    stage.rerank(hits, q, {}, title_weight=0.15, cover_weight=0.0, rrf_k=10)
    assert stage.titles.embedded == 2


def test_second_stage_only_where_the_sentence_list_is(tmp_path):
    s, idx = builders.index_with(tmp_path / "a", corpus(), vectors=WordsEmbedder())
    assert Retriever(idx, s).second is None  # no filled sentence store
    fill_sentences(idx, s)
    assert Retriever(idx, s).second is not None
    assert Retriever(idx, s.replace(title_weight=0.0, cover_weight=0.0)).second is None
    s2, idx2 = builders.index_with(tmp_path / "b", corpus())  # hash:64 carries no meaning
    fill_sentences(idx2, s2)
    assert Retriever(idx2, s2).second is None


def test_fill_stores_the_headings_and_retrieval_stays_within_access(tmp_path):
    h = "Byrådet › Punkt 12: Idrætsanlæg i Lisbjerg"
    chunks = [
        chunk("title", "Punkt 12: Idrætsanlæg i Lisbjerg. " + FILLER * 3, header=h),
        chunk("money", FILLER * 4 + ANSWER, header=h),
        chunk("closed", "Lukket punkt. " + ANSWER.replace("30,7", "99,9"), access="closed:byraadet", header=h),
    ]
    s, idx = builders.index_with(tmp_path, chunks, vectors=WordsEmbedder())
    fill_sentences(idx, s)
    scorer = SentenceScorer(idx.embedder, store_path(s), budget=0)
    assert scorer.similarities(idx.embedder.embed_query("x"), [heading(chunks[0])])  # stored by the fill
    r = Retriever(idx, s)
    assert r.second is not None
    hits = r.retrieve(ANSWER, User("m", ("byraadsmedlem",)), k=5).hits
    assert hits and "closed" not in [h.chunk.chunk_id for h in hits]

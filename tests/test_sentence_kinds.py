"""The sentence list counts only sentences that can answer the kind of question asked (assistant/sentence_rank.py
answer_kinds / can_answer; settings.sentence_kinds): a "what does it cost" question finds the chunk by its amount,
not by the sentence that repeats the question's words without one."""

from __future__ import annotations

from assistant.retrieval import Retriever
from assistant.sentence_fill import fill as fill_sentences
from assistant.sentence_rank import answer_kinds, can_answer, make_ranker
from byraad.access import User
from tests import builders
from tests.test_sentence_rank import WordsEmbedder, chunk
from vectorstore.filters import Filter

TALK = "Udgiften til idrætsanlægget i Lisbjerg blev drøftet af udvalget."
AMOUNT = "Anlægget koster 30,7 mio. kr. og finansieres af kultur og borgerservice."
WHEN = "Anlægget åbner den 3. marts 2026."
QUESTION = "Hvad koster idrætsanlægget i Lisbjerg?"


def corpus():
    return [
        chunk("talk", TALK),
        chunk("amount", AMOUNT),
        chunk("when", WHEN),
        chunk("closed", AMOUNT.replace("30,7", "99,9"), access="closed:byraadet"),
    ]


def test_answer_kinds_per_question_part():
    assert answer_kinds("Hvornår åbner anlægget?") == (("when", ""),)
    assert answer_kinds(QUESTION) == (("number", "money"),)
    assert answer_kinds("Hvor mange borgere deltog?") == (("number", ""),)  # a counted noun is not required
    assert answer_kinds("Hvornår åbner anlægget, og hvad koster det?") == (("when", ""), ("number", "money"))
    assert answer_kinds("Hvad handler sagen om?") == ()


def test_can_answer_needs_a_span_of_the_kind_and_measure():
    money = (("number", "money"),)
    assert can_answer(AMOUNT, money)
    assert not can_answer(TALK, money)
    assert not can_answer("Der var 12 deltagere.", money)  # a number, but no amount of money
    assert can_answer(WHEN, (("when", ""),)) and not can_answer(TALK, (("when", ""),))
    assert can_answer(WHEN, (("number", "money"), ("when", "")))  # any part of the question


def test_search_with_a_question_keeps_only_chunks_that_can_answer_it(tmp_path):
    s, idx = builders.index_with(tmp_path, corpus(), vectors=WordsEmbedder())
    fill_sentences(idx, s)
    ranker = make_ranker(idx, s)
    q = idx.embedder.embed_query(QUESTION)
    public = Filter(access=("public",))
    plain = [cid for cid, _ in ranker.search(q, 10, public)]
    typed = [cid for cid, _ in ranker.search(q, 10, public, question=QUESTION)]
    assert set(plain) == {"talk", "amount", "when"}
    assert typed == ["amount"]  # "talk" shares the question's words, but names no amount
    assert [cid for cid, _ in ranker.search(q, 10, public, question="Hvad handler sagen om?")] == plain
    both = Filter(access=("public", "closed:byraadet"))
    assert set(cid for cid, _ in ranker.search(q, 10, both, question=QUESTION)) == {"amount", "closed"}
    assert ranker.search(q, 10, Filter(access=("nobody",)), question=QUESTION) == []


def test_retriever_passes_the_question_only_with_sentence_kinds(tmp_path):
    s, idx = builders.index_with(tmp_path, corpus(), vectors=WordsEmbedder(), max_per_doc=10)
    fill_sentences(idx, s)
    member = User("m", ("byraadsmedlem",))
    on = Retriever(idx, s)
    off = Retriever(idx, s.replace(sentence_kinds=False))
    q_on = on.build_query(QUESTION, member)
    q_off = off.build_query(QUESTION, member)
    assert [h.chunk.chunk_id for h in on._sentence_search(q_on)] == ["amount"]
    assert {h.chunk.chunk_id for h in off._sentence_search(q_off)} == {"talk", "amount", "when"}
    hits = on.retrieve(QUESTION, member, k=4).hits
    assert hits[0].chunk.chunk_id == "amount"
    assert all(h.chunk.meta["access"] == "public" for h in hits)


def test_only_the_sentences_near_the_top_are_checked_and_each_once(tmp_path, monkeypatch):
    many = [chunk(f"c{i}", f"Sag nummer {i} om idrætsanlægget blev drøftet uden tal.") for i in range(30)]
    s, idx = builders.index_with(tmp_path, corpus() + many, vectors=WordsEmbedder())
    fill_sentences(idx, s)
    ranker = make_ranker(idx, s)
    monkeypatch.setattr("assistant.sentence_rank.KIND_BLOCK", 4)
    calls = []
    real = can_answer
    monkeypatch.setattr("assistant.sentence_rank.can_answer", lambda t, k: calls.append(t) or real(t, k))
    q = idx.embedder.embed_query(AMOUNT)
    public = Filter(access=("public",))
    assert ranker.search(q, 1, public, question=QUESTION)[0][0] == "amount"  # its own sentence: the best
    assert 0 < len(calls) <= 4  # one block read, not the ~33 sentences
    first = len(calls)
    assert [cid for cid, _ in ranker.search(q, 1, public, question=QUESTION)] == ["amount"]
    assert len(calls) == first  # checked once per matrix
    assert [cid for cid, _ in ranker.search(q, 10, public, question=QUESTION)] == ["amount"]  # read to the end

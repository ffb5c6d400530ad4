"""BM25Index: Danish tokenisation, ranking, access restriction inside ranking, persistence."""

from __future__ import annotations

from pathlib import Path

import pytest

from vectorstore.bm25 import BM25Index, tokenize

SAMPLE_DIR = Path(__file__).resolve().parents[1] / "sample_corpus"

IDS = ["a:1", "a:2", "b:1", "b:2", "c:1"]
TEXTS = [
    "Børne- og Ungdomsudvalget godkendte skolernes budget for 2024.",
    "Teknisk Udvalg drøftede vejenes vedligeholdelse og cykelstier.",
    "Udvalget besluttede at lukke Østergades børnehave. Børnehaven lukker i 2025.",
    "Økonomiudvalget: budgetopfølgning, børnehaver og skoler i Århus.",
    "Referat af mødet. Intet at bemærke.",
]


@pytest.fixture(scope="module")
def index():
    return BM25Index.build(IDS, TEXTS)


def test_tokenize_danish():
    toks = tokenize("Børnehaverne på ØSTERGADE og i Århus")
    assert "på" not in toks and "og" not in toks and "i" not in toks  # Danish stop words
    assert all(t == t.lower() for t in toks)
    assert any(t.startswith("børnehav") for t in toks) and "århus" in toks and "østergad" in toks
    assert tokenize("børnehaven")[0] == tokenize("børnehaver")[0]  # stemmed to one form


def test_search_ranks_matching_docs(index):
    hits = index.search("lukning af børnehaven på Østergade", 3)
    assert hits[0][0] == "b:1"
    assert all(s > 0 for _, s in hits)
    assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)


def test_only_matching_docs_returned(index):
    hits = index.search("cykelstier", 5)
    assert [cid for cid, _ in hits] == ["a:2"]


def test_allowed_applies_before_top_k(index):
    full = index.search("børnehave", 1)
    assert full[0][0] == "b:1"
    hits = index.search("børnehave", 1, allowed={"b:2", "a:1"})
    assert [cid for cid, _ in hits] == ["b:2"]  # not [] : restriction happens before top-k
    assert index.search("børnehave", 5, allowed=set()) == []
    assert index.search("børnehave", 5, allowed={"zz:9"}) == []


def test_scores_independent_of_allowed(index):
    free = dict(index.search("budget børnehave", 5))
    masked = dict(index.search("budget børnehave", 5, allowed={"b:2", "a:1"}))
    assert masked and all(free[c] == pytest.approx(s) for c, s in masked.items())


def test_empty_cases(index, tmp_path):
    assert index.search("", 5) == []
    assert index.search("og i på", 5) == []  # only stop words
    assert index.search("xyzzyq", 5) == []
    assert index.search("budget", 0) == []
    empty = BM25Index.build([], [])
    assert len(empty) == 0 and empty.search("budget", 5) == []
    empty.save(tmp_path / "e")
    assert len(BM25Index.load(tmp_path / "e")) == 0


def test_build_validates():
    with pytest.raises(ValueError):
        BM25Index.build(["a"], ["x", "y"])
    with pytest.raises(ValueError):
        BM25Index.build(["a", "a"], ["x", "y"])


def test_save_load_roundtrip_and_replace(index, tmp_path):
    d = tmp_path / "bm25"
    index.save(d)
    again = BM25Index.load(d)
    assert len(again) == len(IDS)
    assert again.search("budget skoler", 5) == index.search("budget skoler", 5)
    other = BM25Index.build(["z:1"], ["Helt andet om budget"])
    other.save(d)  # replaces the old index whole
    assert BM25Index.load(d).search("budget", 5)[0][0] == "z:1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bm25"]  # no temp dirs left behind


def test_load_missing_raises(tmp_path):
    with pytest.raises(FileNotFoundError):
        BM25Index.load(tmp_path / "nothing")


def test_saved_scores_score_as_bm25s_does(tmp_path):
    """The saved index is scored without importing bm25s (SavedScores); the scores are bm25s's own, bit for bit."""
    import bm25s
    import numpy as np

    from vectorstore.bm25 import SavedScores

    texts = [p.read_text(encoding="utf-8") for p in sorted(SAMPLE_DIR.glob("*.txt")) + sorted(SAMPLE_DIR.glob("*.md"))]
    chunks = [t[i : i + 600] for t in texts for i in range(0, len(t), 500)]
    BM25Index.build([f"c{i}" for i in range(len(chunks))], chunks).save(tmp_path / "bm25")
    ours = BM25Index.load(tmp_path / "bm25")
    assert isinstance(ours._model, SavedScores)
    ref = bm25s.BM25.load(str(tmp_path / "bm25"), show_progress=False, verbosity=0)
    # The retriever reads term document frequencies from `scores` (Retriever._idf): the same arrays as bm25s's.
    for key in ("data", "indices", "indptr", "num_docs"):
        assert np.array_equal(ours._model.scores[key], ref.scores[key]), key
    queries = [c[:200] for c in chunks[::3]] + ["cykelsti Skovvej", "budget budget skole", "xyzzy ukendt ord"]
    for q in queries:
        toks = [t for t in tokenize(q) if t in ref.vocab_dict]
        if toks:
            assert np.array_equal(ours._model.get_scores(toks), ref.get_scores(toks)), q
        want = [(i, round(s, 5)) for i, s in BM25Index(ours.ids, ref).search(q, 8)]
        assert [(i, round(s, 5)) for i, s in ours.search(q, 8)] == want


def test_a_build_from_an_earlier_builds_tokens_is_the_same_index(monkeypatch):
    import vectorstore.bm25 as bm25

    first = BM25Index.build(IDS[:3], TEXTS[:3])
    assert first.tokens is not None and set(first.tokens) == set(TEXTS[:3])
    calls: list[str] = []
    real = bm25.tokenize
    monkeypatch.setattr(bm25, "tokenize", lambda t: calls.append(t) or real(t))
    again = BM25Index.build(IDS, TEXTS, known=first.tokens)
    assert calls == TEXTS[3:]  # only the new texts are tokenized
    monkeypatch.setattr(bm25, "tokenize", real)
    fresh = BM25Index.build(IDS, TEXTS)
    assert again.tokens == fresh.tokens
    for q in ["børnehaven på Østergade", "budget skoler", "cykelstier vedligeholdelse", "referat", "Århus 2024"]:
        assert again.search(q, 5) == fresh.search(q, 5)  # same ids, same scores


def test_the_index_reuses_its_last_builds_tokens_after_an_ingest(tmp_path, monkeypatch):
    import shutil

    import vectorstore.bm25 as bm25
    from byraad.settings import Settings
    from ingest.pipeline import ingest_paths
    from vectorstore.index import Index

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    texts = sorted(SAMPLE_DIR.glob("*.txt"))
    assert len(texts) >= 2
    shutil.copy(texts[0], corpus)
    s = Settings(data_dir=str(tmp_path / "data"), embedder="hash:64")
    idx = Index(s)
    try:
        assert ingest_paths([corpus], s, index=idx, progress=False).ok  # builds BM25 at its end
        before = len(idx.all_chunks())
        shutil.copy(texts[1], corpus)
        calls: list[str] = []
        real = bm25.tokenize
        monkeypatch.setattr(bm25, "tokenize", lambda t: calls.append(t) or real(t))
        assert ingest_paths([corpus], s, index=idx, progress=False).ok
        monkeypatch.setattr(bm25, "tokenize", real)
        chunks = idx.all_chunks()
        assert 0 < len(calls) == len(chunks) - before  # the new document's chunks only
        ids = list(chunks)
        fresh = BM25Index.build(ids, [chunks[i].embed_text for i in ids])
        for q in ["byrådet besluttede", "budget", "cykelsti", "møde referat"]:
            assert idx.bm25().search(q, 10) == fresh.search(q, 10)
    finally:
        idx.close()

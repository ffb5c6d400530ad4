"""A serving index rebuilds off the question's path (vectorstore/index.py, issue 13) and closed stays closed while
it does: an ingest that closes an item never lets an anonymous user see the item's text — not while the run is
going (the old open version is withdrawn in the same step as the new one completes: Catalog.complete_document),
not from the previous snapshot a serving index answers from until the next is built, and not after."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from assistant.retrieval import Retriever
from byraad.access import ANONYMOUS, Access
from byraad.settings import Settings
from ingest.pipeline import ingest_paths
from vectorstore.catalog import Catalog
from vectorstore.filters import Filter
from vectorstore.index import Index

SAMPLE = Path(__file__).resolve().parents[1] / "sample_corpus"
MINUTES = "referat-teknik-og-miljoeudvalget-2023-11-09.txt"
PHRASE = "24 udkaldsdage"  # in item 3 (Vintertjeneste), open in the sample
QUESTION = "Hvor mange udkaldsdage svarer budgettet til vintertjeneste til?"
ITEM = "\nPunkt 3: Vintertjeneste 2023/24, serviceniveau\n"
ALL = Access(name="alle", levels=None)


def _close_item(path: Path) -> None:
    """The secretariat's new version of the minutes: item 3 marked closed (a 'Lukket punkt' line in its body)."""
    text = path.read_text(encoding="utf-8")
    assert text.count(ITEM) == 1
    path.write_text(text.replace(ITEM, ITEM + "Lukket punkt\n"), encoding="utf-8")


def _seen(ret: Retriever, who) -> bool:
    """Whether `who` meets the phrase anywhere retrieval shows text: the hits of the question (every mode) and the
    surrounding text of each hit."""
    for mode in ("hybrid", "bm25", "dense"):
        for h in ret.retrieve(QUESTION, who, mode=mode, k=8).hits:
            if PHRASE in h.chunk.text or PHRASE in ret.context(h.chunk.chunk_id, who):
                return True
    return False


def _ingested_minutes(tmp_path):
    """A folder with the sample minutes, ingested: (folder, settings)."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(SAMPLE / MINUTES, folder / MINUTES)
    s = Settings(data_dir=str(tmp_path / "data"), embedder="hash:64")
    assert ingest_paths([folder], s, progress=False).ok
    return folder, s


@pytest.fixture()
def corpus(tmp_path):
    return _ingested_minutes(tmp_path)


def test_the_old_open_version_is_withdrawn_when_the_closing_version_completes(corpus):
    """During the re-ingest, right after the new (closed) version is complete and before the run's end: the
    anonymous user must not find the phrase in the old open version (before: both versions were complete until the
    run's garbage collection, so the old open text stayed searchable for the rest of the run)."""
    folder, s = corpus
    server = Index(s)  # another process's view of the same data dir (the app's), rebuilt per generation
    ret = Retriever(server, s)
    assert _seen(ret, ANONYMOUS)  # open before
    _close_item(folder / MINUTES)
    during: list[tuple[bool, bool]] = []
    real = Catalog.complete_document

    def completed(self, doc_id, *a, **kw):
        real(self, doc_id, *a, **kw)
        if self is not server.catalog:
            during.append((_seen(ret, ANONYMOUS), _seen(ret, ALL)))

    Catalog.complete_document = completed
    try:
        assert ingest_paths([folder], s, progress=False).ok
    finally:
        Catalog.complete_document = real
    assert during == [(False, True)]  # the closed version is there (for those who may see it), the open one gone
    assert not _seen(ret, ANONYMOUS) and _seen(ret, ALL)
    server.close()


def test_a_serving_index_answers_from_the_previous_snapshot_without_the_changed_document(corpus):
    """A serving index (background) does not rebuild in the question's path: while its builder is held, questions
    are answered from the previous snapshot without the re-ingested document (its old open text is never served
    once the catalog has the closed version), and the new snapshot is served once it is built."""
    folder, s = corpus
    server = Index(s)
    server.background = True
    ret = Retriever(server, s)
    assert _seen(ret, ANONYMOUS)
    before = server.all_chunks()
    hold, building = threading.Event(), threading.Event()
    in_question = []  # the catalog's chunk table read in a question's path (a rebuild there)

    def held(read):
        def reading(*a, **kw):
            if threading.current_thread().name != "byraad-snapshot":
                in_question.append(read.__name__)
            else:
                building.set()
                assert hold.wait(30)
            return read(*a, **kw)

        return reading

    for name in ("chunks", "complete_chunks"):
        if hasattr(server.catalog, name):
            setattr(server.catalog, name, held(getattr(server.catalog, name)))
    _close_item(folder / MINUTES)
    assert ingest_paths([folder], s, progress=False).ok
    try:
        assert not _seen(ret, ANONYMOUS) and not _seen(ret, ALL)  # the document is out of the old snapshot
        assert building.wait(10) and in_question == []
        # the old snapshot minus the changed document: nothing of it served, by any path that shows text
        docs = {c.doc_id for c in before.values()}
        assert len(docs) == 1 and not server.all_chunks()
        assert not server.chunks_where(Filter(access=None))
        assert all(server.context(cid, Filter(access=None)) == ("", []) for cid in before)
        assert server.lexical_search("udkaldsdage", 5, None) == []
    finally:
        hold.set()
    assert server.wait_fresh(30) and in_question == []
    assert not _seen(ret, ANONYMOUS) and _seen(ret, ALL)  # the new snapshot: closed for anonymous, there for all
    server.close()


def _serving_minutes(tmp_path):
    """A folder with the sample minutes, ingested, and a serving index (background rebuilds) over it."""
    folder, s = _ingested_minutes(tmp_path)
    server = Index(s)
    server.background = True
    return folder, s, server


def test_unchanged_documents_stay_searchable_and_new_ones_come_with_the_next_snapshot(tmp_path):
    """Only the documents an ingest changed leave the previous snapshot; a new document is found once the next
    snapshot is published, and the derived matrices of that snapshot are built before it is (no question builds
    them)."""
    from vectorstore.index import Derived

    folder, s, server = _serving_minutes(tmp_path)
    built: list[tuple[object, str]] = []

    def build(chunks, cols):
        built.append((cols, threading.current_thread().name))
        return len(chunks)

    derived = Derived(server, build, lambda: 0)
    assert derived.get(server.columns()) == len(server.all_chunks())
    first = server._state
    hold = threading.Event()
    real_build = server._build_state

    def held(gen):
        assert hold.wait(30)
        return real_build(gen)

    server._build_state = held
    other = "notat-skolestruktur-nordbyen-2024-08-19.txt"
    shutil.copy(SAMPLE / other, folder / other)
    assert ingest_paths([folder], s, progress=False).ok
    try:
        assert server.all_chunks() is first[1]  # nothing the old snapshot holds has changed: served as it is
        assert {c.meta.get("path") for c in server.all_chunks().values()} == {MINUTES}
        assert derived.get(server.columns()) == len(first[1])
    finally:
        hold.set()
    assert server.wait_fresh(30)
    assert {c.meta.get("path") for c in server.all_chunks().values()} == {MINUTES, other}
    assert derived.get(server.columns()) == len(server.all_chunks())
    assert built[-1] == (server.columns(), "byraad-snapshot")  # built by the builder, before it was published
    server.close()


def test_a_new_store_generation_is_built_in_the_background_while_the_previous_matrix_serves(tmp_path):
    """A fill after ingest raises the sentence/sparse store's generation: a serving index's question keeps the
    matrix of the previous store generation (same snapshot) while the next is built in a thread."""
    from vectorstore.index import Derived

    folder, s, server = _serving_minutes(tmp_path)
    store_gen = [1]
    hold = threading.Event()

    def build(chunks, cols):
        if threading.current_thread().name == "byraad-derived":
            assert hold.wait(30)
        return ("matrix", store_gen[0])

    derived = Derived(server, build, lambda: store_gen[0])
    cols = server.columns()
    assert derived.get(cols) == ("matrix", 1)
    store_gen[0] = 2
    assert derived.get(cols) == ("matrix", 1)  # the previous one, at once
    hold.set()
    derived.wait(30)
    assert derived.get(cols) == ("matrix", 2)
    server.close()

"""The extractive answerer reads the chunks next to its best hits (extractive.NEIGHBOURS, session 10): a neighbour is
admitted exactly as a hit is (the query's filter, access included), so a closed agenda item next to an open one is
never read for a user without access, and an answer cites the neighbour that holds the sentence it quotes."""

from __future__ import annotations

import pytest

from assistant import extractive
from byraad.access import ANONYMOUS
from byraad.types import Hit
from tests.test_security import (
    BYRAAD_MEMBER,
    CLOSED_77,
    MEETING_7,
    QUESTIONS_77,
    closed_between_chunks,
    ingest_sample,
    norm,
    surfaces,
)
from vectorstore.filters import Filter


def test_neighbours_never_cross_a_hidden_chunk(tmp_path):
    """Index.neighbours on a hand-built index: public | closed | public in one item, and as plain neighbours."""
    from tests.test_retrieval import build_index, chunk

    chunks = closed_between_chunks(
        chunk("d2", "d", "Næste punkt, offentligt.", char_start=300, index=3, **{**MEETING_7, "item_no": "8"})
    )
    _, idx = build_index(tmp_path, chunks)
    try:
        public = Filter(access=("public",))

        def ids(cid, flt, **kw):
            return [c.chunk_id for c in idx.neighbours(cid, flt, **kw)]

        assert ids("c", public, before=2, after=2) == []  # b is closed: a behind it is not reached either
        assert ids("c", Filter(access=None), before=2, after=2) == ["a", "b"]  # guard: they are there
        assert ids("c", Filter(access=("public", "closed:byraadet")), before=1, after=1) == ["b"]  # d2: next item
        assert ids("c", Filter(access=("public", "closed:byraadet")), before=1, after=1, unit=False) == ["b", "d2"]
        assert ids("a", public, before=1, after=3, unit=False) == []
        assert ids("z", public, unit=False) == [] and ids("x", public, unit=False) == []
        assert ids("z", Filter(access=None), unit=False) == ["y"]
        assert ids("z", public) == []  # no item or section: no unit to read within
        assert ids("b", public) == []  # the chunk itself not admitted: nothing
        assert ids("c", replace_filter(public, date_to=20231231)) == []  # the content filter holds too
    finally:
        idx.close()


def replace_filter(flt: Filter, **kw) -> Filter:
    from dataclasses import replace

    return replace(flt, **kw)


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    _, idx, asst = ingest_sample(tmp_path_factory.mktemp("sample"))
    yield idx, asst
    idx.close()


@pytest.fixture
def every_neighbour(monkeypatch):
    """Read the neighbours of every hit, two chunks each side, in the whole document."""
    monkeypatch.setattr(extractive, "NEIGHBOURS", 20)
    monkeypatch.setattr(extractive, "NEIGHBOUR_BEFORE", 2)
    monkeypatch.setattr(extractive, "NEIGHBOUR_AFTER", 2)
    monkeypatch.setattr(extractive, "NEIGHBOUR_UNIT", False)


def _item_77(idx):
    item = sorted(
        (c for c in idx.all_chunks().values() if c.meta.get("item_no") == "7" and c.meta.get("body") == "Byrådet"),
        key=lambda c: c.meta["index"],
    )
    closed = [c for c in item if c.meta["access"] != "public"]
    public = [c for c in item if c.meta["access"] == "public"]
    return closed, public


def test_closed_neighbour_is_read_only_with_access(sample):
    """Guard for the test below: the public decision of the closed item 7 has the closed item text as its neighbour,
    which a member of the body is given and an anonymous user is not."""
    idx, asst = sample
    closed, public = _item_77(idx)
    assert closed and public and any(p in norm(c.text) for c in closed for p in CLOSED_77)
    hit = Hit(chunk=public[-1], score=1.0, rank=1)
    member = asst.retriever.access(BYRAAD_MEMBER)
    anon = asst.retriever.access(ANONYMOUS)
    got = asst.retriever.neighbours([hit], Filter(access=member.levels), member, 1, 2, 2, False)
    assert any(p in norm(h.chunk.text) for _, h in got for p in CLOSED_77)
    got = asst.retriever.neighbours([hit], Filter(access=anon.levels), anon, 1, 2, 2, False)
    assert not any(p in norm(h.chunk.text) for _, h in got for p in CLOSED_77)
    assert all(h.chunk.meta["access"] == "public" for _, h in got)


@pytest.mark.parametrize("question", [*QUESTIONS_77, "Hvad blev besluttet om punkt 7 den 25. april 2024?"])
def test_answer_with_neighbours_has_no_closed_text(sample, tmp_path, every_neighbour, question):
    """An anonymous user's answer, its citations and the context shown around them never hold a closed neighbour's
    phrase, with neighbours read of every hit; and the public chunk next to the closed item is among the hits whose
    neighbours were looked at for at least one question (checked in the guard below)."""
    idx, asst = sample
    text = surfaces(asst, ANONYMOUS, question, tmp_path)
    assert not [p for p in CLOSED_77 if p in norm(text)], question


def test_neighbours_of_the_public_decision_are_looked_at(sample, every_neighbour):
    """Guard: the anonymous questions above do retrieve the public decision next to the closed item, so its
    neighbours are looked at (and filtered) when they are answered, and neighbours are read (audited by id)."""
    idx, asst = sample
    _, public = _item_77(idx)
    seen = set()
    for q in QUESTIONS_77:
        ret = asst.retriever.retrieve(q, ANONYMOUS)
        seen |= {h.chunk.chunk_id for h in ret.hits}
        asst.answer(q, ANONYMOUS)
    assert {c.chunk_id for c in public} & seen
    read = [e for e in asst.retriever.audit.entries(200) if e["question"] == "[neighbours]" and e["user"] == "anonym"]
    assert read and all(idx.all_chunks()[c].meta["access"] == "public" for e in read for c in e["chunk_ids"])


def test_the_answer_quotes_and_cites_the_neighbour_that_holds_it(tmp_path, monkeypatch):
    """A committee page split after its name: the question matches the first chunk best, the figures stand in the
    next one of the same section. With neighbours read, the answer quotes the figure and cites the next chunk
    itself; without, it does not have it."""
    from assistant.assistant import Assistant
    from tests.test_retrieval import build_index, chunk

    sec = dict(kind="report", chunk_type="section", section="Teknisk Udvalg", section_id="3")
    chunks = [
        chunk(
            "p1",
            "web",
            "Teknisk Udvalg\nTeknisk Udvalg behandler sager om veje, trafik og natur i kommunen.",
            char_start=0,
            index=0,
            **sec,
        ),  # fmt: skip
        chunk(
            "p2",
            "web",
            "UDVALGET I TAL\nUdvalget holdt 11 møder i 2024 og behandlede 212 sager.",
            char_start=90,
            index=1,
            **sec,
        ),  # fmt: skip
        chunk(
            "q1",
            "other",
            "Kultur og fritid: bibliotekerne har lange åbningstider om vinteren.",
            char_start=0,
            index=0,
            kind="report",
            chunk_type="text",
        ),  # fmt: skip
    ]
    s, idx = build_index(tmp_path, chunks)
    try:
        asst = Assistant(s, idx, scorer=None)
        q = "Hvor mange møder holdt Teknisk Udvalg?"
        assert asst.retriever.retrieve(q, k=1).hits[0].chunk.chunk_id == "p1"  # guard: the first chunk ranks first
        monkeypatch.setattr(extractive, "NEIGHBOURS", 0)
        assert "11 møder" not in asst.answer(q, k=1).text
        monkeypatch.setattr(extractive, "NEIGHBOURS", 1)
        a = asst.answer(q, k=1)
        assert "11" in a.direct and "11 møder" in a.text
        assert "p2" in [c.chunk_id for c in a.citations]
        assert "q1" not in [h.chunk.chunk_id for h in a.hits]  # not a neighbour: another document
    finally:
        idx.close()

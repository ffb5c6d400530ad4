"""A case number in the question puts that case's chunks first (assistant/retrieval.py _case_first; settings
case_numbers): "Hvad er der sket i sag EMN-2025-000123?" is answered by the case's decisions, whose text names
neither the case number nor the question's words. Only case numbers the material knows count, and the access filter
holds."""

from __future__ import annotations

from assistant.retrieval import Retriever
from byraad.access import User
from tests import builders

CASE = "EMN-2025-000123"
OTHER = "EMN-2025-000999"
MEMBER = User("m", ("byraadsmedlem",))
FILLER = "Der er sket meget i sagen om sket og sket, og der er sket endnu mere i sag efter sag. "


def chunk(cid, text, case="", access="public", item="1", doc="docA", start=0):
    return builders.chunk(
        cid,
        doc,
        text,
        path=f"{doc}.txt",
        title=doc,
        kind="minutes",
        access=access,
        item_no=item,
        case_number=case,
        char_start=start,
    )


def corpus():
    return [
        chunk("noise1", FILLER * 3, case=OTHER, item="2"),
        chunk("noise2", FILLER * 2 + "Hvad er der sket?", item="3"),
        chunk("head", f"Punkt 1: Cykelsti. Sagsnr.: {CASE}", case=CASE, start=0),
        chunk("decision", "Beslutning: Indstillingen blev godkendt.", case=CASE, start=100),
        chunk("later", "Beslutning: Udsat til næste møde.", case=CASE, doc="docB", start=0),
        chunk("closed", "Lukket: Forhandlingen om prisen.", case=CASE, access="closed:byraadet", start=200),
    ]


def test_the_case_named_in_the_question_comes_first_within_access(tmp_path):
    s, idx = builders.index_with(tmp_path, corpus(), max_per_doc=10)
    r = Retriever(idx, s)
    q = f"Hvad er der sket i sag {CASE.lower()}?"
    assert r.build_query(q, MEMBER).cases == ("EMN2025000123",)
    ids = [h.chunk.chunk_id for h in r.retrieve(q, MEMBER, k=5).hits]
    assert set(ids[:3]) == {"head", "decision", "later"}  # the decisions too, which name no case number
    assert "closed" not in ids
    board = Retriever(idx, s).retrieve(q, User("b", ("byraadet",)), k=5, all_access=True).hits
    assert "closed" in [h.chunk.chunk_id for h in board][:4]
    off = Retriever(idx, s.replace(case_numbers=False))
    assert off.build_query(q, MEMBER).cases == ()
    assert set(h.chunk.chunk_id for h in off.retrieve(q, MEMBER, k=5).hits[:3]) != {"head", "decision", "later"}


def test_only_case_numbers_the_material_knows_and_not_years(tmp_path):
    s, idx = builders.index_with(tmp_path, corpus())
    r = Retriever(idx, s)
    assert r.case_keys("Hvad skete der i sag EMN-2025-000777?") == ()  # unknown: no reordering
    assert r.case_keys(f"Hvad skete der i 2025 i sag {OTHER} og {CASE}?") == ("EMN2025000999", "EMN2025000123")
    s2, idx2 = builders.index_with(tmp_path / "y", [chunk("x", "Budget 2025.", case="2025")])
    assert Retriever(idx2, s2).case_keys("Hvad skete der i 2025?") == ()  # a year is no case number


def test_single_retrievers_are_not_reordered(tmp_path):
    s, idx = builders.index_with(tmp_path, corpus(), max_per_doc=10)
    q = f"Hvad er der sket i sag {CASE}?"
    for mode in ("dense", "bm25"):
        a = [h.chunk.chunk_id for h in Retriever(idx, s).retrieve(q, MEMBER, k=5, mode=mode).hits]
        b = [
            h.chunk.chunk_id
            for h in Retriever(idx, s.replace(case_numbers=False)).retrieve(q, MEMBER, k=5, mode=mode).hits
        ]
        assert a == b

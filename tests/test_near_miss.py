"""benchmarks/near_miss.py: near-miss variants of answerable questions that the material does not answer. A variant
is made only where the check holds (the swapped-in name or year occurs nowhere in the corpus; a day only where no
sentence about the question holds one), and the generation is deterministic."""

from __future__ import annotations

import re

import pytest

from tests import builders
from tests.conftest import SHARED

REFERAT = (
    "Mødedato 18. februar 2025\nMødested Aarhus Rådhus, lokale 398\nDeltagere Mette Bjerre (forperson)\n"
    "Udvalget for mangfoldighed og ligestilling drøftede prøvehandlinger. Mentorordningen blev etableret i 2014. "
    "Holstebro og Thisted nævnes i en helt anden sammenhæng om havnen.\n"
)
OTHER = "Teknisk Udvalg fik 1.200 sider bilag i 2024. Kulturudvalget holdt møde i 2023. " + "Fyldtekst. " * 300


@pytest.fixture(scope="module")
def nm():
    return builders.benchmark_module("near_miss")


@pytest.fixture()
def corpus(nm):
    return nm.Corpus({"referat.txt": REFERAT, "andet.txt": OTHER})


def test_a_year_becomes_the_nearest_year_the_corpus_never_names(nm, corpus):
    q, swapped, _ = nm.swap_year("Hvor foregik mødet den 18. februar 2025?", corpus)
    assert q == "Hvor foregik mødet den 18. februar 2026?" and swapped == "2025 → 2026"
    q, _, _ = nm.swap_year("Hvad skete der i 2024?", corpus)  # 2023 and 2025 are named: 2022 is the nearest not
    assert q == "Hvad skete der i 2022?"
    assert nm.swap_year("Hvad skete der?", corpus) is None


def test_a_town_is_swapped_for_one_absent_from_the_corpus_and_never_the_first_word(nm, corpus):
    got = nm.swap_place("Hvor ligger Aarhus Rådhus?", corpus, "x-001")
    assert got is not None
    q, swapped, checked = got
    town = swapped.split(" → ")[1]
    assert town in nm.PLACE_POOL and town not in ("Holstebro", "Thisted")  # both occur in the corpus text
    assert q == f"Hvor ligger {town} Rådhus?" and not corpus.occurs(town)
    assert nm.swap_place("Aarhus er stor, ikke?", corpus, "x-001") is None  # the first word is not swapped
    assert nm.swap_place("Hvad sker der i Aarhuskompasset?", corpus, "x-001") is None  # no part of a compound


def test_a_committee_is_swapped_in_its_own_form(nm, corpus):
    q = nm.swap_body("Hvor mødes Udvalget for mangfoldighed og ligestilling?", corpus, "k")[0]
    assert re.fullmatch(r"Hvor mødes Udvalget for \w+ og \w+\?", q) and "mangfoldighed" not in q
    q = nm.swap_body("Hvem var ikke med i mangfoldighedsudvalget?", corpus, "k")[0]
    assert re.fullmatch(r"Hvem var ikke med i [a-zæøå]+udvalget\?", q) and "mangfoldighed" not in q
    q = nm.swap_body("Hvor mange sider fik Teknisk Udvalg?", corpus, "k")[0]
    assert re.fullmatch(r"Hvor mange sider fik [A-ZÆØÅ][a-zæøå]+udvalg\?", q)
    q = nm.swap_body("Hvad sagde Social- og Beskæftigelsesudvalgets formand?", corpus, "k")[0]
    assert re.fullmatch(r"Hvad sagde [A-ZÆØÅ][a-zæøå]+udvalgets formand\?", q)
    assert nm.swap_body("Hvad besluttede byrådet?", corpus, "k") is None  # the council itself is no swap


def test_a_body_is_not_swapped_for_one_the_corpus_names(nm):
    stems = [stem for stem, _ in nm.BODY_POOL]
    taken = nm.Corpus({"a.txt": " ".join(f"{s.lower()}udvalget" for s in stems[:-1])})
    q = nm.swap_body("Hvem leder mangfoldighedsudvalget?", taken, "k")[0]
    assert q == f"Hvem leder {stems[-1].lower()}udvalget?"
    every = nm.Corpus({"a.txt": " ".join(f"{s.lower()}udvalget" for s in stems)})
    assert nm.swap_body("Hvem leder mangfoldighedsudvalget?", every, "k") is None


def test_a_person_is_swapped_only_when_the_material_names_them(nm, corpus):
    q, swapped, _ = nm.swap_person("Hvornår kom Mette Bjerre til mødet?", corpus, "p")
    new = swapped.split(" → ")[1]
    assert new in nm.PERSON_POOL and q == f"Hvornår kom {new} til mødet?"
    assert nm.swap_person("Hvornår kom Mette Hansen til mødet?", corpus, "p") is None  # not in the material


def test_a_day_is_asked_only_where_no_sentence_about_the_question_holds_one(nm, corpus):
    q, _, checked = nm.swap_day("Hvornår blev mentorordningen etableret?", "I 2014.", corpus)
    assert q == "Hvilken dato blev mentorordningen etableret?" and "mentorordning" in checked
    assert nm.swap_day("Hvornår blev mentorordningen etableret?", "Den 3. marts 2014.", corpus) is None
    dated = nm.Corpus({"a.txt": REFERAT + " Mentorordningen startede den 3. marts 2014."})
    assert nm.swap_day("Hvornår blev mentorordningen etableret?", "I 2014.", dated) is None
    assert nm.swap_day("Hvornår og hvor mødes udvalget?", "", corpus) is None  # two parts: not swapped


def test_a_month_is_swapped_only_for_one_the_corpus_never_names_near_the_question(nm):
    text = "Udvalget for mangfoldighed holdt møde den 18. februar 2025. " + "Fyld. " * 400 + "Marts og april kommer."
    c = nm.Corpus({"a.txt": text})
    q, swapped, _ = nm.swap_month("Hvor holdt udvalget for mangfoldighed møde den 18. februar 2025?", c)
    assert swapped == "februar → marts" and "18. marts 2025" in q  # marts stands far from the question's words
    near = nm.Corpus({"a.txt": "Mangfoldighed: møde 3. marts, 4. januar og 5/4 og 6/5 og 7/6 og 8/7 og 9/8 og 10/9."})
    got = nm.swap_month("Hvor holdt udvalget for mangfoldighed møde den 18. februar 2025?", near)
    assert got is None or got[1] not in ("februar → marts", "februar → januar", "februar → april")


def test_an_elsewhere_swap_takes_a_name_the_corpus_holds_far_from_the_question(nm):
    near = "Odense og Aarhus er i spil til Inklusionsprisen. " + "Fyld. " * 400 + "Viborg har en havn."
    c = nm.Corpus({"a.txt": near})
    got = nm.swap_elsewhere("Hvilke kommuner er sammen med Aarhus i spil til Inklusionsprisen?", c, "k", "place")
    assert got is not None and got[1] == "Aarhus → Viborg"  # Odense stands next to the prize: not taken
    close = nm.Corpus({"a.txt": near.replace("Fyld. " * 400, "")})
    assert nm.swap_elsewhere("Hvilke kommuner er med Aarhus i spil til Inklusionsprisen?", close, "k", "place") is None


def test_partial_joins_answered_part_and_unanswerable_part(nm, corpus):
    cases = [
        {"id": "a-1", "question": "Hvor foregik mødet?", "answer": "På rådhuset.", "evidence": "x", "kind": "fact",
         "source_file": "referat.txt"},
        {"id": "a-2", "question": "Hvem leder mangfoldighedsudvalget?", "answer": "Mette Bjerre.", "evidence": "y",
         "kind": "person", "source_file": "referat.txt"},
    ]  # fmt: skip
    variants = nm.generate(cases, corpus)
    joins = [v for v in variants if v.perturbation == "partial"]
    assert len(joins) == 1
    j = joins[0]
    body = next(v for v in variants if v.id == "a-2~body")
    assert j.question == "Hvor foregik mødet, og " + body.question[0].lower() + body.question[1:]
    assert j.gold.startswith("På rådhuset; ikke hvem leder") and j.expect == "partial" and j.original == "a-1"
    assert nm.generate(cases, corpus) == variants  # deterministic


@pytest.mark.skipif(not (SHARED / "corpus").is_dir(), reason="needs the shared corpus (BYRAAD_TEST_SHARED)")
def test_every_shared_variant_swaps_in_what_the_corpus_never_names(nm):
    corpus = nm.corpus_for("shared", SHARED)
    cases = nm.load_cases(nm.SETS["shared"])
    asked = {c["id"]: c["question"] for c in cases}
    variants = nm.generate(cases, corpus)
    assert len([v for v in variants if v.expect == "decline"]) >= 60 and any(v.expect == "partial" for v in variants)
    text = corpus.folded
    for v in variants:
        old, new = v.swapped.split(" → ")
        if v.perturbation == "year":
            assert not re.search(rf"(?<!\d){new}(?!\d)", text), v
        elif v.perturbation in ("place", "person", "body"):
            assert new.lower() not in text, v
        elif v.perturbation.endswith("-elsewhere"):
            assert new.lower() in text, v
        assert v.question != asked[v.original] and new in v.question

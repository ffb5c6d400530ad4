"""Council facts: the byraadsfakta.toml source (parse, validation with line numbers), direct cited answers to the four
question types, and committee abbreviations/aliases from the facts in query expansion."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.assistant import Assistant
from assistant.facts import load_facts
from assistant.glossary import load_glossary
from assistant.retrieval import Retriever
from byraad.settings import Settings
from ingest.loaders import LoadError, LoadOptions
from ingest.parse import parse_file
from ingest.pipeline import ingest_paths
from ingest.sources import source_for
from byraad.facts import CouncilFacts
from ingest.sources.facts import load_facts as parse_facts, parse
from vectorstore.index import Index
from vectorstore.protocols import HashEmbedder, MemoryStore

SAMPLE = Path(__file__).resolve().parents[1] / "sample_corpus"

FACTS = """\
kommune = "Nordvig Kommune"
valgperiode = "2026-2029"
antal_medlemmer = 9
opdateret = 2026-02-01

[borgmester]
navn = "Anna Jensen (A)"

[[viceborgmester]]
titel = "1. viceborgmester"
navn = "Bent Holm (V)"

[[parti]]
navn = "Socialdemokratiet"
bogstav = "A"
mandater = 5

[[parti]]
navn = "Venstre"
bogstav = "V"
mandater = 4

[[udvalg]]
navn = "Plan- og Udviklingsudvalget"
forkortelse = "PLU"
formand = "Carla Dam (A)"
naestformand = "Bent Holm (V)"
medlemmer = ["Carla Dam (A)", "Bent Holm (V)", "Dorte Ravn (A)"]
aliaser = ["planudvalget"]
opgaver = "lokalplaner, byudvikling og erhvervsområder"

[[udvalg]]
navn = "Kulturudvalget"
formand = "Dorte Ravn (A)"
medlemmer = ["Erik Sand (V)"]
"""

MINUTES = """Referat fra Plan- og Udviklingsudvalget
Nordvig Kommune

Mødedato 5. marts 2026
Deltagere Carla Dam (A) (formand), Bent Holm (V), Dorte Ravn (A)

Punkt 1: Lokalplan for havnefronten
Sagsnr.: SAG-2026-00010

Resumé
Lokalplanen for havnefronten giver mulighed for 120 boliger og en ny kajpromenade langs vandet.

Beslutning for Punkt 1: Lokalplan for havnefronten
Godkendt.
"""


def _write(folder: Path, text: str = FACTS, name: str = "byraadsfakta.toml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / name
    p.write_text(text, encoding="utf-8")
    return p


# --- the source -------------------------------------------------------------------------------------------------
def test_claims_only_facts_files(tmp_path):
    assert source_for(tmp_path / "byraadsfakta.toml").name == "byraadsfakta"
    assert source_for(tmp_path / "2026.byraadsfakta.toml").name == "byraadsfakta"
    assert source_for(tmp_path / "glossary.toml") is None


def test_parse_gives_one_public_section_per_block(tmp_path):
    doc = parse_file(_write(tmp_path), "byraadsfakta.toml", "d1")
    assert doc.kind == "handbook" and doc.access == "public" and doc.doc_date == 20260201
    ids = [s.section_id for s in doc.sections]
    assert ids == ["byraadet", "borgmester", "viceborgmester:1", "partier", "udvalg:plu", "udvalg:kulturudvalget"]
    plu = next(s for s in doc.sections if s.section_id == "udvalg:plu")
    text = doc.text[plu.start : plu.end]
    assert text.startswith("Formand for Plan- og Udviklingsudvalget (PLU): Carla Dam (A). Næstformand: Bent Holm (V).")
    assert "Medlemmer af Plan- og Udviklingsudvalget (3)" in text and "kaldes også planudvalget" in text
    # the chair is a member even when the list forgot her; the source span is the committee's TOML table
    kultur = next(s for s in doc.sections if s.section_id == "udvalg:kulturudvalget")
    assert "(2): Dorte Ravn (A) og Erik Sand (V)" in doc.text[kultur.start : kultur.end]
    raw = doc.raw_text[slice(*doc.raw_span(plu.start, plu.end))]
    assert raw.startswith("[[udvalg]]") and 'forkortelse = "PLU"' in raw and "Kulturudvalget" not in raw
    assert CouncilFacts.from_json(doc.meta["facts_json"]) == parse_facts(FACTS)


def test_sample_facts_match_the_handbook():
    f = parse_facts((SAMPLE / "byraadsfakta.toml").read_text(encoding="utf-8"))
    handbook = (SAMPLE / "haandbog-byraadet.md").read_text(encoding="utf-8")
    assert f.seats == 25 and sum(p.seats for p in f.parties) == 25
    for c in f.committees:
        assert len(c.members) == 7 and f"| {c.name} | {c.abbreviation} | {c.chair}" in handbook
    assert f"Borgmester er {f.mayor.name}" in handbook


@pytest.mark.parametrize(
    "change, line, words",
    [
        (lambda t: t.replace('valgperiode = "2026-2029"', "valgperiode = 2026-2029"), 2, "ugyldig TOML"),
        (lambda t: t.replace('formand = "Dorte Ravn (A)"\n', ""), 32, "[[udvalg]] nr. 2 mangler feltet 'formand'"),
        (lambda t: t.replace('naestformand = "Bent Holm', 'nestformand = "Bent Holm'), 27, "ukendt felt 'nestformand'"),
        (lambda t: t.replace("mandater = 4", "mandater = 3"), 3, "summerer til 8"),
        (lambda t: t.replace("mandater = 4", 'mandater = "fire"'), 21, "helt tal"),
        (lambda t: t.replace('medlemmer = ["Erik Sand (V)"]', 'medlemmer = "Erik Sand (V)"'), 35, "liste"),
        (lambda t: t.replace('kommune = "Nordvig Kommune"\n', ""), 1, "mangler feltet 'kommune'"),
    ],
)
def test_validation_errors_name_line_and_field(tmp_path, change, line, words):
    bad = _write(tmp_path, change(FACTS))
    with pytest.raises(LoadError) as e:
        parse(bad, "byraadsfakta.toml", "d", LoadOptions())
    assert f"linje {line}:" in str(e.value) and words in str(e.value), str(e.value)
    assert e.value.code == "corrupt"


def test_bad_facts_file_fails_ingest_cleanly(tmp_path):
    folder = tmp_path / "c"
    _write(folder, FACTS.replace("mandater = 4", "mandater = 3"))
    s = Settings(data_dir=str(tmp_path / "data"), embedder="hash:64")
    rep = ingest_paths([folder], s, index=Index(s, embedder=HashEmbedder(64), store=MemoryStore()), progress=False)
    assert [f["path"] for f in rep.failed] == ["byraadsfakta.toml"] and "linje" in rep.failed[0]["reason"]


# --- answers ----------------------------------------------------------------------------------------------------
@pytest.fixture
def ingested(tmp_path):
    folder = tmp_path / "c"
    _write(folder)
    (folder / "referat-plu-2026-03-05.txt").write_text(MINUTES, encoding="utf-8")
    s = Settings(data_dir=str(tmp_path / "data"), embedder="hash:64")
    idx = Index(s, embedder=HashEmbedder(64), store=MemoryStore())
    rep = ingest_paths([folder], s, index=idx, progress=False)
    assert rep.ok, rep.failed
    return folder, s, idx


@pytest.mark.parametrize(
    "question, expected, section",
    [
        (
            "Hvem er formand for PLU?",
            "Formand for Plan- og Udviklingsudvalget (PLU) er Carla Dam (A) [1].",
            "udvalg:plu",
        ),
        (
            "Hvem er næstformand i planudvalget?",
            "Næstformand for Plan- og Udviklingsudvalget (PLU) er Bent Holm (V) [1].",
            "udvalg:plu",
        ),
        ("Hvem er borgmester?", "Borgmester i Nordvig Kommune er Anna Jensen (A) [1].", "borgmester"),
        ("Hvem er første viceborgmester?", "1. viceborgmester er Bent Holm (V) [1].", "viceborgmester:1"),
        (
            "Hvilke partier er repræsenteret i byrådet?",
            "Byrådet har 9 medlemmer fordelt på 2 partier: Socialdemokratiet (A) 5, Venstre (V) 4 mandater [1].",
            "partier",
        ),
        ("Hvor mange mandater har Venstre?", "Venstre (V) har 4 mandater i byrådet [1].", "partier"),
        (
            "Hvem sidder i Plan- og Udviklingsudvalget?",
            "Plan- og Udviklingsudvalget (PLU) har 3 medlemmer: Carla Dam (A), Bent Holm (V) og Dorte Ravn (A). "
            "Formand er Carla Dam (A), næstformand er Bent Holm (V) [1].",
            "udvalg:plu",
        ),
    ],
)
def test_facts_questions_are_answered_directly_with_a_citation(ingested, question, expected, section):
    _, s, idx = ingested
    a = Assistant(s, idx).answer(question)
    assert not a.refused and a.text == expected
    (c,) = a.citations
    assert c.path == "byraadsfakta.toml" and c.quote
    assert a.hits[0].chunk.meta["section_id"] == section and "byrådsfakta" in a.steps
    assert any("valgperioden 2026-2029" in n for n in a.notes)


@pytest.mark.parametrize(
    "question",
    ["Hvad besluttede PLU om lokalplanen for havnefronten?", "Hvem var formand for PLU i 2019?", "Hvem er formand?"],
)
def test_other_questions_are_not_taken_over_by_the_facts(ingested, question):
    _, s, idx = ingested
    a = Assistant(s, idx).answer(question)
    assert "byrådsfakta" not in a.steps


def test_facts_follow_a_changed_file(ingested):
    folder, s, idx = ingested
    assert Assistant(s, idx).answer("Hvem er borgmester?").text.endswith("Anna Jensen (A) [1].")
    _write(folder, FACTS.replace('navn = "Anna Jensen (A)"', 'navn = "Carla Dam (A)"'))
    ingest_paths([folder], s, index=idx, progress=False)
    assert load_facts(idx).facts.mayor.name == "Carla Dam (A)"
    assert Assistant(s, idx).answer("Hvem er borgmester?").text.endswith("Carla Dam (A) [1].")


def test_committee_abbreviations_and_aliases_expand_queries(ingested):
    _, s, idx = ingested
    plain = Retriever(idx, s, glossary=load_glossary())  # the built-in glossary only, without the facts
    assert "Plan- og Udviklingsudvalget" not in plain.build_query("Hvad har PLU besluttet?", None).expanded
    asst = Assistant(s, idx, retriever=Retriever(idx, s))
    q = asst.retriever.build_query("Hvad har PLU besluttet om havnefronten?", None)
    assert "Plan- og Udviklingsudvalget" in q.expanded
    alias = asst.retriever.build_query("Hvad har planudvalget besluttet?", None).expanded
    assert (
        "Plan- og Udviklingsudvalget" in alias
        and "PLU" in asst.retriever.build_query("Plan- og Udviklingsudvalget", None).expanded
    )
    assert "planudvalget" not in asst.retriever.build_query("Plan- og Udviklingsudvalget", None).expanded  # one way

    # the minutes never write "PLU": only the expansion lets the abbreviation find them
    def paths(r) -> set[str]:
        return {h.chunk.meta["path"] for h in r.retrieve("Hvad har PLU haft på dagsordenen?", None, mode="bm25").hits}

    assert "referat-plu-2026-03-05.txt" not in paths(plain)
    assert "referat-plu-2026-03-05.txt" in paths(asst.retriever)

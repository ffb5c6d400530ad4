"""Case history (assistant.case): case-number normalisation, the trail's order and content, access control, the
assistant's trail answers and `byraad case` on a small ingested index."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.assistant import Assistant
from assistant.case import build_trail, case_key, case_trail, find_case_numbers, normalise_case_number, trail_answer
from assistant.retrieval import Retriever
from byraad.access import User
from byraad.types import Chunk
from tests.builders import chunk, chunk_id, index_with

SAMPLE = Path(__file__).resolve().parents[1] / "sample_corpus"
TMU, BR = "Teknik- og Miljøudvalget", "Byrådet"
CASE = "SAG-2023-00412"
SECRET = ("Hemmelig ApS", "12 mio. kr.")

# (doc, path, kind, chunk_type, body, date, item_no, title, case, access, closed, text)
# deliberately not in date order
ROWS = [
    (
        "br24",
        "byraad-2024-04-25.txt",
        "minutes",
        "item",
        BR,
        20240425,
        "2",
        "Anlægsbevilling til cykelsti",
        CASE,
        "public",
        False,
        "Punkt 2: Anlægsbevilling til cykelsti\nSagsnr.: SAG-2023-00412\n\nResumé\n\nTMU anbefalede "
        "linjeføring B.\n\nIndstilling\n\nForvaltningen indstiller, at der gives en anlægsbevilling på 5,1 mio. kr.",
    ),
    (
        "br24",
        "byraad-2024-04-25.txt",
        "minutes",
        "decision",
        BR,
        20240425,
        "2",
        "Anlægsbevilling til cykelsti",
        CASE,
        "public",
        False,
        "Indstillingen blev vedtaget med 20 stemmer mod 5.",
    ),
    (
        "tmu23",
        "tmu-2023-11-09.txt",
        "minutes",
        "item",
        TMU,
        20231109,
        "2",
        "Cykelsti langs Skovvej",
        CASE,
        "public",
        False,
        "Punkt 2: Cykelsti langs Skovvej\nSagsnr.: SAG-2023-00412\n\nResumé\n\nAnlægsudgiften er anslået til "
        "4,8 mio. kr.\n\nIndstilling\n\nForvaltningen indstiller, at TMU godkender projektforslaget.",
    ),
    (
        "tmu23",
        "tmu-2023-11-09.txt",
        "minutes",
        "decision",
        TMU,
        20231109,
        "2",
        "Cykelsti langs Skovvej",
        CASE,
        "public",
        False,
        "Sagen blev udsat.",
    ),
    (
        "tema",
        "tmu-temamoede.txt",
        "minutes",
        "item",
        TMU,
        None,
        "1",
        "Drøftelse af cykelstier",
        "SAG 2023-00412",
        "public",
        False,
        "Punkt 1: Drøftelse af cykelstier\nUdvalget drøftede cykelstien langs Skovvej uden at beslutte.",
    ),
    (
        "bsu",
        "dagsorden-bsu.txt",
        "agenda",
        "item",
        "Børne- og Skoleudvalget",
        20240905,
        "2",
        "Cykelsti ved skolen",
        CASE,
        "public",
        False,
        "Punkt 2: Cykelsti ved skolen\nIndstilling: Forvaltningen indstiller, at BSU tager "
        "orienteringen til efterretning.",
    ),
    (
        "br24",
        "byraad-2024-04-25.txt",
        "minutes",
        "item",
        BR,
        20240425,
        "7",
        "Salg af grund på Havnevej (Lukket punkt)",
        "SAG-2024-00077",
        "closed:byraadet",
        True,
        "Punkt 7: Salg af grund på Havnevej\nDet højeste bud på 12 mio. kr. "
        "er afgivet af Hemmelig ApS.\n\nIndstilling\n\nForvaltningen indstiller, at grunden sælges til Hemmelig ApS.",
    ),
    (
        "br24",
        "byraad-2024-04-25.txt",
        "minutes",
        "decision",
        BR,
        20240425,
        "7",
        "Lukket punkt",
        "SAG-2024-00077",
        "public",
        True,
        "Godkendt.",
    ),
    (
        "vin",
        "tmu-vinter.txt",
        "minutes",
        "decision",
        TMU,
        20231109,
        "3",
        "Vintertjeneste",
        "SAG-2023-00398",
        "public",
        False,
        "Indstillingen blev godkendt.",
    ),
]


def _chunk(i: int, row: tuple) -> Chunk:
    doc, path, kind, ctype, body, date, item, title, case, access, closed, text = row
    meta = dict(
        path=path,
        title=f"Referat {path}",
        kind=kind,
        chunk_type=ctype,
        access=access,
        page_start=1,
        page_end=1,
        page_label_start="1",
        page_label_end="1",
        index=i,
        char_start=i * 1000,
        char_end=i * 1000 + len(text),
        body=body,
        body_key=body.lower(),
        meeting_start=0,
        meeting_undated=date is None,
        item_no=item,
        item_title=title,
        item_closed=closed,
        case_number=case,
        item_part="agenda" if kind == "agenda" else "minutes",
    )
    if date:
        meta["meeting_date"] = date
    return chunk(chunk_id(i, text), doc, text, embed_text=f"{body} › Punkt {item}: {title}\n{text}", **meta)


@pytest.fixture
def index(tmp_path):
    return index_with(tmp_path, [_chunk(i, r) for i, r in enumerate(ROWS)])


# --- case numbers -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, want",
    [
        ("Hvad er der sket i sag EMN-2023-009780?", ["EMN-2023-009780"]),
        ("hvad med sag emn - 2023 - 009780 og SAG-2024-12345", ["EMN-2023-009780", "SAG-2024-12345"]),
        ("Sagsnr. 27.00.00-A00-1-22", ["27.00.00-A00-1-22"]),
        ("Hvad skete der i sagsnr.: 2012-31673?", ["2012-31673"]),
        ("Hvad blev besluttet om budget 2025-2028 i 2024?", []),
        ("Hvad er sagsforløbet for cykelstien?", []),
    ],
)
def test_find_case_numbers(text, want):
    assert find_case_numbers(text) == want


def test_normalisation_of_variants():
    assert normalise_case_number("Sagsnr.: emn - 2023 - 009780") == "EMN-2023-009780"
    assert normalise_case_number("SAG-2023-00412") == "SAG-2023-00412"  # "SAG" is no prefix word
    assert case_key("sag 2023-00412") == case_key("2023 00412") == "202300412"
    assert case_key("SAG-2023-00412") == case_key(" sag-2023 -00412 ") == "SAG202300412"


# --- the trail --------------------------------------------------------------------------------------------------
def test_trail_in_date_order_with_recommendation_and_decision(index):
    s, idx = index
    trail = case_trail(Retriever(idx, s), CASE, None)
    ts = trail.treatments
    assert [t.date for t in ts] == [20231109, 20240425, 20240905, None]  # undated last
    first = ts[0]
    assert (first.body, first.item_no, first.meeting_kind, first.status) == (TMU, "2", "referat", "beslutning")
    assert first.decision == "Sagen blev udsat." and "indstiller, at TMU godkender" in first.recommendation
    assert ts[1].decision.startswith("Indstillingen blev vedtaget med 20 stemmer")
    assert ts[2].meeting_kind == "dagsorden" and not ts[2].decision and ts[2].status == "dagsorden"
    assert ts[3].date_text == "udateret" and ts[3].status == "behandlet"  # "SAG 2023-00412" is the same case
    assert "SAG-2023-00398" not in json.dumps(trail.to_dict())


def test_trail_answer_is_cited_per_treatment(index):
    s, idx = index
    ans = trail_answer(case_trail(Retriever(idx, s), CASE, None))
    lines = ans.text.splitlines()
    assert lines[0].startswith(f"Sag {CASE} er behandlet 4 gange")
    assert lines[1].startswith("- 9. november 2023, Teknik- og Miljøudvalget (referat), punkt 2")
    assert lines[-1].startswith("- udateret")
    assert "Indstilling:" in lines[1] and "Beslutning: Sagen blev udsat [" in lines[1]
    assert ans.keys == list(range(1, len(ans.hits) + 1)) and "".join(ans.pieces) == ans.text
    for k in ans.keys:  # every source is cited and every citation exists
        assert f"[{k}]" in ans.text
    assert any("udateret" in n for n in ans.notes) and any("indstilling er et forslag" in n for n in ans.notes)


def test_public_user_sees_only_the_public_decision_of_a_closed_item(index):
    s, idx = index
    r = Retriever(idx, s)
    public = case_trail(r, "SAG-2024-00077", User("borger", ("public",)))
    (t,) = public.treatments
    assert t.decision == "Godkendt." and t.item_title == "Lukket punkt" and not t.recommendation and t.closed
    blob = json.dumps(public.to_dict(), ensure_ascii=False) + trail_answer(public).text
    assert not any(x in blob for x in SECRET)
    full = case_trail(r, "SAG-2024-00077", r.access(None, all_access=True))
    assert "Hemmelig ApS" in full.treatments[0].recommendation
    assert any("fortrolig" in n for n in trail_answer(full).notes)


def test_build_trail_groups_item_and_decision_chunks():
    chunks = [_chunk(i, r) for i, r in enumerate(ROWS) if r[0] == "br24" and r[6] == "2"]
    (t,) = build_trail(CASE, list(reversed(chunks))).treatments
    assert t.recommendation and t.decision and t.recommendation_chunk != t.decision_chunk


# --- the assistant ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("question", ["Hvad er der sket i sag SAG-2023-00412?", "Hvad er status på sag 2023-00412?"])
def test_assistant_answers_a_named_case_with_the_trail(index, question):
    s, idx = index
    a = Assistant(s, idx).answer(question)
    assert not a.refused and a.text.startswith(f"Sag {CASE} er behandlet 4 gange")
    assert any(st.startswith("sagsforløb") for st in a.steps)
    assert len(a.citations) == len({c.chunk_id for c in a.citations}) >= 4
    assert {c.case_number for c in a.citations if c.case_number} <= {CASE, "SAG 2023-00412"}


def test_history_question_follows_the_case_of_the_hits(index):
    s, idx = index
    a = Assistant(s, idx).answer("Hvad er sagsforløbet for cykelstien langs Skovvej?")
    assert a.text.startswith(f"Sag {CASE} er behandlet"), a.text


def test_unknown_or_invisible_case_is_not_invented(index):
    s, idx = index
    a = Assistant(s, idx).answer("Hvad er der sket i sag SAG-1999-99999?")
    assert not a.text.startswith("Sag SAG-1999-99999")
    a = Assistant(s, idx).answer("Hvad er der sket i sag SAG-2024-00077?")
    assert not any(x in a.text + " ".join(c.quote for c in a.citations) for x in SECRET)


# --- byraad case --------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    if not SAMPLE.exists():
        pytest.skip("sample corpus missing")
    from byraad.cli import main

    base = tmp_path_factory.mktemp("case")
    folder = base / "corpus"
    folder.mkdir()
    for name in (
        "referat-teknik-og-miljoeudvalget-2023-11-09.txt",
        "referat-byraadet-2024-04-25.pdf",
        "referat-teknik-og-miljoeudvalget-2025-01-16.txt",
    ):
        shutil.copy(SAMPLE / name, folder / name)
    r = CliRunner().invoke(
        main, ["--data-dir", str(base / "data"), "--embedder", "hash:64", "ingest", str(folder), "--quiet", "--json"]
    )
    assert r.exit_code == 0, r.output
    return base / "data"


def _case(data_dir, *args):
    from byraad.cli import main

    return CliRunner().invoke(main, ["--data-dir", str(data_dir), "--embedder", "hash:64", "case", *args])


def test_cli_case_prints_the_trail_in_danish(data_dir):
    r = _case(data_dir, "sag-2023-00412")
    assert r.exit_code == 0, r.output
    heads = [ln for ln in r.output.splitlines() if ln[:1].isdigit()]
    assert heads[0].startswith("1. 9. november 2023 – Teknik- og Miljøudvalget, referat, punkt 2")
    assert heads[1].startswith("2. 25. april 2024 – Byrådet") and heads[2].startswith("3. 16. januar 2025")
    assert "Beslutning: Sagen blev udsat." in r.output and "Indstilling: Forvaltningen indstiller" in r.output


def test_cli_case_json_and_access(data_dir):
    r = _case(data_dir, "Sagsnr.: SAG-2024-00077", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["case_number"] == "SAG-2024-00077"
    (t,) = out["treatments"]
    assert t["decision"] == "Godkendt." and t["item_title"] == "Lukket punkt" and t["date"] == 20240425
    assert "Vestergaard" not in r.output and "3.250.000" not in r.output
    full = _case(data_dir, "SAG-2024-00077", "--all-access")
    assert full.exit_code == 0 and "højestbydende" in full.output
    missing = _case(data_dir, "SAG-1999-00001")
    assert missing.exit_code == 1 and "Ingen behandlinger" in missing.output

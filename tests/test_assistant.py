"""Assistant.answer/stream over a small hand-built index (hash embedder, memory store, the real Retriever)."""

from __future__ import annotations

import pytest

from assistant.assistant import Assistant
from assistant.llm import ScriptedLLM
from assistant.prompts import REFUSAL
from byraad.settings import Settings
from byraad.types import Answer, Chunk
from tests.builders import chunk, chunk_id, index_with
from vectorstore.index import Index

TMU = "Teknik- og Miljøudvalget"

# (doc, path, title, kind, chunk_type, body, date, item_no, item_title, case, access, text)
DOCS = [
    (
        "d1",
        "tmu-2023-11-09.txt",
        "Referat fra Teknik- og Miljøudvalget",
        "minutes",
        "item",
        TMU,
        20231109,
        "2",
        "Cykelsti langs Skovvej",
        "SAG-2023-00412",
        "public",
        "Forvaltningen har udarbejdet et projektforslag til en 2,1 km lang cykelsti langs Skovvej. Den samlede "
        "anlægsudgift er anslået til 4,8 mio. kr. Forvaltningen indstiller, at udvalget godkender projektforslaget.",
    ),
    (
        "d1",
        "tmu-2023-11-09.txt",
        "Referat fra Teknik- og Miljøudvalget",
        "minutes",
        "decision",
        TMU,
        20231109,
        "2",
        "Cykelsti langs Skovvej",
        "SAG-2023-00412",
        "public",
        "Sagen blev udsat. Udvalget ønsker en belysning af alternative linjeføringer for cykelstien.",
    ),
    (
        "d2",
        "byraad-2024-04-25.txt",
        "Referat fra Byrådet",
        "minutes",
        "decision",
        "Byrådet",
        20240425,
        "2",
        "Anlægsbevilling til cykelsti langs Skovvej",
        "SAG-2023-00412",
        "public",
        "Indstillingen blev vedtaget med 20 stemmer mod 5. Byrådet gav en anlægsbevilling på 5,1 mio. kr. til cykelstien.",
    ),
    (
        "d3",
        "tmu-udateret.txt",
        "Referat fra Teknik- og Miljøudvalget",
        "minutes",
        "decision",
        TMU,
        None,
        "3",
        "Cykelsti langs Skovvej, fornyet behandling",
        "SAG-2023-00412",
        "public",
        "Indstillingen om cykelstien langs Skovvej blev vedtaget med 4 stemmer mod 2.",
    ),
    (
        "d4",
        "tmu-2023-11-09.txt",
        "Referat fra Teknik- og Miljøudvalget",
        "minutes",
        "item",
        TMU,
        20231109,
        "3",
        "Vintertjeneste 2023/24",
        "SAG-2023-00398",
        "public",
        "Budgettet til vintertjeneste er 6,2 mio. kr. svarende til 24 udkaldsdage. Cykelstier og skoleveje ryddes "
        "inden kl. 7.00 på hverdage.",
    ),
    (
        "d5",
        "haandbog.md",
        "Håndbog for byrådet",
        "handbook",
        "section",
        "",
        None,
        "",
        "",
        "",
        "public",
        "Et byrådsmedlem kan stille skriftlige spørgsmål til borgmesteren og rådmændene. Spørgsmålet besvares "
        "normalt inden ti hverdage efter 10-dagesreglen.",
    ),
    (
        "d6",
        "lukket.txt",
        "Referat fra Teknik- og Miljøudvalget",
        "minutes",
        "item",
        TMU,
        20240110,
        "9",
        "Grundsalg på Havnevej",
        "SAG-2024-00001",
        "closed:teknik-og-miljoeudvalget",
        "Kommunen forhandler om salg af grunden på Havnevej til en pris på 12 mio. kr. med køberen Hemmelig ApS.",
    ),
]


def make_chunk(i: int, row: tuple) -> Chunk:
    doc, path, title, kind, ctype, body, date, item, ititle, case, access, text = row
    meta = dict(
        path=path,
        title=title,
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
    )
    header = [title]
    if body:
        meta.update(body=body, body_key=body.lower().replace(" ", "-"), meeting_undated=date is None, meeting_start=0)
        if date:
            meta["meeting_date"] = date
        header.append(body)
    if item:
        meta.update(item_no=item, item_title=ititle)
        header.append(f"Punkt {item}: {ititle}")
    if case:
        meta["case_number"] = case
    return chunk(chunk_id(i, text), doc, text, embed_text=" › ".join(header) + "\n" + text, **meta)


def build_index(tmp_path, rows=DOCS, **settings) -> tuple[Settings, Index]:
    return index_with(tmp_path, [make_chunk(i, r) for i, r in enumerate(rows)], **settings)


@pytest.fixture
def small(tmp_path):
    return build_index(tmp_path)


def test_extractive_answer_is_cited_and_timed(small):
    s, idx = small
    a = Assistant(s, idx).answer("Hvad er budgettet til vintertjeneste?")
    assert not a.refused and a.mode == "extractive"
    assert "6,2 mio. kr." in a.text and "[" in a.text
    assert a.citations and all(c.quote and c.title and c.pages == "1" for c in a.citations)
    cited = {c.chunk_id for c in a.citations}
    assert any("vintertjeneste" in h.chunk.text for h in a.hits if h.chunk.chunk_id in cited)
    assert a.settings_fingerprint == s.fingerprint()
    assert {"retrieve_ms", "generate_ms", "total_ms"} <= set(a.timings)
    assert a.citations[0].source_text  # from Index.source_text


def test_refusal_when_nothing_relevant(small):
    s, idx = small
    a = Assistant(s, idx).answer("Hvem vandt fodbold-VM i Qatar?")
    assert a.refused and a.text == REFUSAL and a.citations == ()
    assert isinstance(a.hits, tuple)  # the closest hits are still there ("måske relevant")
    # The internal reason is a field of its own (for the secretariat), never a note shown to every member.
    assert a.refusal_reason.startswith("Afvist: ") and not any("Afvist" in n for n in a.notes)


def test_closed_content_never_reaches_public_answer(small):
    s, idx = small
    a = Assistant(s, idx).answer("Hvad er prisen for grunden på Havnevej?")
    blob = a.text + " ".join(c.quote for c in a.citations) + " ".join(h.chunk.text for h in a.hits)
    assert "Hemmelig" not in blob and "12 mio" not in blob
    full = Assistant(s, idx).answer("Hvad er prisen for grunden på Havnevej?", all_access=True)
    assert "12 mio. kr." in full.text and not full.refused


def test_decision_trail_in_date_order_with_undated_last(small):
    s, idx = small
    a = Assistant(s, idx).answer("Hvad blev besluttet om cykelstien langs Skovvej?")
    assert a.text.startswith("Der er truffet følgende beslutninger")
    lines = [ln for ln in a.text.splitlines() if ln.startswith("- ")]
    assert lines[0].startswith("- 9. november 2023") and "udsat" in lines[0]
    assert lines[1].startswith("- 25. april 2024, Byrådet")
    assert lines[-1].startswith("- udateret")
    assert any("behandlet flere gange" in n for n in a.notes)
    assert any("udateret" in n for n in a.notes)


def test_llm_answer_checked_and_bad_numbers_dropped(small):
    s, idx = small
    llm = ScriptedLLM("Budgettet til vintertjeneste er 6,2 mio. kr. [1, 17].")
    a = Assistant(s, idx, llm=llm).answer("Hvad er budgettet til vintertjeneste?")
    assert not a.refused, a.notes
    assert "[17]" not in a.text and a.citations[0].key == 1
    assert any("17" in n for n in a.notes)
    system, prompt = llm.calls[-1]
    assert '<kilde nr="1"' in prompt and "aldrig en instruktion" in system and REFUSAL in system


@pytest.mark.parametrize(
    "reply",
    [
        "Budgettet til vintertjeneste er 9,9 mio. kr. [1].",  # invented amount
        "Borgmesteren har besluttet at lukke alle svømmehaller i kommunen [1].",  # unsupported claim
        "Budgettet er 6,2 mio. kr. [1]. " + REFUSAL,  # refusal mixed in
        "Budgettet er stort.",  # no citation at all
        REFUSAL,
    ],
)
def test_llm_unsupported_or_refusing_answers_become_refusal(small, reply):
    s, idx = small
    a = Assistant(s, idx, llm=ScriptedLLM(reply)).answer("Hvad er budgettet til vintertjeneste?")
    assert a.refused and a.text == REFUSAL and a.citations == ()
    assert a.hits


def test_stream_yields_text_then_answer(small):
    s, idx = small
    items = list(Assistant(s, idx).stream("Hvad er budgettet til vintertjeneste?"))
    assert isinstance(items[-1], Answer) and all(isinstance(x, str) for x in items[:-1])
    assert "".join(items[:-1]) == items[-1].text
    llm = ScriptedLLM("Budgettet til vintertjeneste er 6,2 mio. kr. [1]. Det svarer til 24 udkaldsdage [1].")
    items = list(Assistant(s, idx, llm=llm).stream("Hvad er budgettet til vintertjeneste?"))
    assert isinstance(items[-1], Answer) and not items[-1].refused
    assert "".join(items[:-1]) == items[-1].text


def test_period_from_filters_is_reported(small):
    s, idx = small
    a = Assistant(s, idx).answer("Hvad skete der med cykelstien?", date_from=20240101, date_to=20241231)
    assert a.period and a.filters.get("date_from") == 20240101
    assert any(a.period in n for n in a.notes)
    assert all(c.meeting_date and 20240101 <= c.meeting_date <= 20241231 for c in a.citations)


def test_unknown_filter_is_an_error(small):
    s, idx = small
    with pytest.raises(TypeError):
        Assistant(s, idx).answer("cykelsti", access=("closed",))


def test_answer_citations_numbered_from_one_without_gaps(small):
    """A reply whose first citation is not [1] is shown numbered [1], [2] in order of use, streamed and final alike,
    with the hits and citations following the new numbers."""
    s, idx = small
    q = "Hvad er budgettet til vintertjeneste, og hvad koster cykelstien langs Skovvej?"
    plain = Assistant(s, idx).retriever.retrieve(q, all_access=True).hits
    winter = next(i for i, h in enumerate(plain, 1) if "vintertjeneste" in h.chunk.text)
    path = next(i for i, h in enumerate(plain, 1) if "4,8 mio" in h.chunk.text)
    said = {
        winter: "Budgettet til vintertjeneste er 6,2 mio. kr. [{}].",
        path: "Cykelstien er anslået til 4,8 mio. kr. [{}].",
    }
    order = (path, winter) if path != 1 else (winter, path)  # the first number cited is not 1
    llm = ScriptedLLM(" ".join(said[k].format(k) for k in order))
    items = list(Assistant(s, idx, llm=llm).stream(q, all_access=True))
    a = items[-1]
    assert not a.refused, (a.refusal_reason, a.notes)
    assert a.text == " ".join(said[k].format(n) for n, k in enumerate(order, 1)), a.text
    assert [c.key for c in a.citations] == [1, 2] and "".join(items[:-1]) == a.text
    assert [h.chunk.chunk_id for h in a.hits[:2]] == [plain[k - 1].chunk.chunk_id for k in order]
    assert [c.chunk_id for c in a.citations] == [h.chunk.chunk_id for h in a.hits[:2]]
    assert sorted(h.rank for h in a.hits) == sorted(h.rank for h in plain)  # retrieval ranks kept


def test_a_period_that_only_weights_the_ranking_is_not_called_a_limit(small):
    """Session 11 QA: "Hvad er budgettet for Sport, fritid og kultur i 2026?" was answered from a meeting of 8 October
    2025 under the note "Søgningen er afgrænset til perioden 2026" — a fiscal year is only a boost (query.parse_period),
    so the search was not limited to it and the note (and the lead's "(perioden 2026)") said something untrue."""
    s, idx = small
    asst = Assistant(s, idx)
    a = asst.answer("Hvad koster cykelstien langs Skovvej i 2024?")  # "koster … i 2024": fiscal, a boost only
    assert a.period == "2024" and not a.filters.get("date_from")
    assert not any("afgrænset til perioden" in n for n in a.notes), a.notes
    assert any("vægtet højere" in n and "ikke afgrænset" in n for n in a.notes), a.notes
    assert "(perioden 2024)" not in a.text
    # an explicit period still limits the search and says so
    b = asst.answer("Hvad skete der med cykelstien i april 2024?")
    assert b.filters.get("date_from") == 20240401
    assert any(n == "Søgningen er afgrænset til perioden april 2024." for n in b.notes), b.notes

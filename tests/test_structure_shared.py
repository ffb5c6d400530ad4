"""Golden structure of the five shared Aarhus documents (corpus-notes.md §3–7).

Runs on the repaired text when ingest.repair is available, else on the raw text; the assertions hold for both.
"""

from pathlib import Path

import pytest

from byraad.types import CLOSED, INTERNAL, PUBLIC
from ingest.structure import analyse

SHARED = Path(__file__).resolve().parents[2] / "shared"
CORPUS = SHARED / "corpus"
pytestmark = pytest.mark.skipif(not CORPUS.exists(), reason="shared corpus not available")

MANGFOLDIGHED = "referat-udvalget-for-mangfoldighed-og-ligestilling-2025-02-18.txt"
RM2023 = "referat-raadmandsmoede-msb-2023-11.txt"
RM2022 = "raadmandsmoeder-msb-2022-2025.txt"
BILAG = "bilagsmateriale-17-4-udvalget-nyt-byraad-2025.txt"
KOMPAS = "aarhuskompasset.txt"


def _prepare(raw: str) -> str:
    """The repaired text when ingest.repair exists (it is written in parallel), else the raw text."""
    try:
        from ingest.repair import repair
    except ImportError:
        return raw
    return repair(raw, (0,)).text


_CACHE: dict[str, tuple[str, object]] = {}


def _doc(name: str):
    if name not in _CACHE:
        text = _prepare((CORPUS / name).read_text(encoding="utf-8"))
        _CACHE[name] = (text, analyse(text, name))
    return _CACHE[name]


def _titles(m):
    return [(it.number, it.title) for it in m.items]


def test_kinds_and_document_access():
    kinds = {n: _doc(n)[1].kind for n in (MANGFOLDIGHED, RM2023, RM2022, BILAG, KOMPAS)}
    assert kinds == {MANGFOLDIGHED: "minutes", RM2023: "minutes", RM2022: "minutes", BILAG: "report", KOMPAS: "report"}
    assert _doc(MANGFOLDIGHED)[1].access == PUBLIC
    assert _doc(RM2023)[1].access == INTERNAL and _doc(RM2023)[1].access_reason
    assert _doc(RM2022)[1].access == INTERNAL
    # B2.4 discusses closed agendas in prose: that must not close the report
    assert _doc(BILAG)[1].access == PUBLIC and _doc(KOMPAS)[1].access == PUBLIC


def test_mangfoldighed():
    text, st = _doc(MANGFOLDIGHED)
    assert st.title == "Referat fra Udvalget for mangfoldighed og ligestilling"
    (m,) = st.meetings
    assert m.body == "Udvalget for mangfoldighed og ligestilling" and not m.embedded
    assert m.date == 20250218 and m.kind == "minutes"
    assert m.place == "Aarhus Rådhus, lokale 398" and "17.00-20.00" in m.time
    assert len(m.participants) == 9 and len(m.absentees) == 4
    assert m.participants[0] == "Mette Bjerre (forperson)"
    assert m.participants[-1].startswith("Purnima Erichsen (online deltagelse på den første")
    assert m.participants[-1].endswith("del af mødet)")
    assert m.absentees == ("Ali Karim", "Jakob May", "Metin Lindved Aydin", "Tone Dandanell")
    assert _titles(m) == [
        ("1", "Velkommen til og præsentation af ny sekretariatsmedarbejder"),
        ("2", "Aktuelt"),
        ("3", "Minioplæg om borgerdialog"),
        ("4", "Videreudvikling af prøvehandlinger i arbejdsgrupper"),
        ("5", "Fælles opsamling"),
        ("6", "Eventuelt"),
    ]
    assert all(it.decision == "" and it.access == PUBLIC for it in m.items)
    assert "Prøvehandling 2" in text[m.items[3].start : m.items[3].end]
    assert st.doc_date is None


def test_raadmandsmoede_2023():
    text, st = _doc(RM2023)
    a, b, emb = st.meetings
    assert (a.embedded, b.embedded, emb.embedded) == (False, False, True)
    # the rådmandsmøder are undated: no date, only a flagged hint
    assert a.date is None and b.date is None
    assert a.date_hint and a.date_hint_reason and b.date_hint == 20231115 and b.date_hint_reason
    assert a.body == "Rådmandsmøde" and a.kind == "minutes"
    assert [it.number for it in a.items] == ["1", "2", "3", "4", "5", "6", "7"]
    assert a.items[2].title == "Orientering om vinterhjælp til økonomisk trængte"  # "(15 min)" stripped
    # agenda part (3, 4) and the "Referat" part (1-5) of the same meeting
    assert [(it.number, it.section) for it in b.items] == [
        ("3", "agenda"),
        ("4", "agenda"),
        ("1", "minutes"),
        ("2", "minutes"),
        ("3", "minutes"),
        ("4", "minutes"),
        ("5", "minutes"),
    ]
    assert "FAS følger op" in text[b.items[5].start : b.items[5].end]
    # the embedded committee agenda of 15 Nov 2023, attached to Punkt 4
    assert emb.body == "Social- og Beskæftigelsesudvalget" and emb.date == 20231115 and emb.kind == "agenda"
    assert emb.place == "Rådhuset, lokale 398" and "18.15" in emb.time
    assert b.items[1].start < emb.start < b.items[1].end
    assert [it.number for it in emb.items] == [str(n) for n in range(1, 11)]
    assert emb.items[2].title == "Byrådshenvist sag: Det vilde problem, Blandede bydele og integration"
    assert emb.items[9].title == "Evt."
    assert "Baggrund/formål" in text[emb.items[0].start : emb.items[0].end]  # detailed occurrence, not the short list
    assert "EMN-2023-009780" in st.case_numbers
    assert any(it.case_number == "EMN-2023-009780" for it in emb.items)


def test_raadmandsmoeder_2022_2025():
    text, st = _doc(RM2022)
    assert st.title == "Rådmandsmøder 2022-2025 (Rådmandsmøde)"
    m1, m2, m3, emb = st.meetings
    assert [m.embedded for m in st.meetings] == [False, False, False, True]
    assert m1.date == 20221128 and m1.time == "10:30 - 12:30" and m1.place == "Rådmandens kontor, vær. 436"
    assert {"Lotte Henriksen", "Mathias Møller Bech", "Jacob"} <= set(m1.participants)
    assert _titles(m1) == [("1", "Dagsorden"), ("2", "Referat")]
    assert [it.decision for it in m1.items] == ["Godkendt.", "Godkendt."]
    assert text[m1.items[0].decision_start :].startswith("Godkendt.")
    # second meeting ("Information:Steffen tager referat."): undated
    assert m2.date is None and m2.date_hint == 20221128 and "Steffen" in m2.participants
    assert [it.number for it in m2.items] == [str(n) for n in range(1, 8)]
    assert m2.items[2].title == "Dimmitendledighed"
    assert m2.items[2].decision.startswith("Kredsen tog evalueringen til efterretning.")
    assert m2.items[6].decision == ""  # Bordrunde: no decision
    # the closed-agenda reference in Punkt 6 → restrictive level with a warning
    assert m2.items[5].access == CLOSED and m2.items[5].access_reason
    assert any("lukket dagsorden" in w for w in st.warnings)
    assert all(it.access == PUBLIC for i, it in enumerate(m2.items) if i != 5)
    # numbering drops 7 → 3: a third, undated meeting that continues 28-11-2022
    assert m3.date is None and m3.date_hint == 20221128 and "fortsætter" in m3.date_hint_reason
    assert _titles(m3)[0] == ("3", "Beslutning vedr. Nordic Safe Cities")
    assert " ".join(m3.items[0].decision.split()) == (
        "Rådmanden ønsker at følge forvaltningens anbefaling. Der kommunikeres tilbage til Nordic Safe Cities herom."
    )
    assert [(it.number, it.decision) for it in m3.items[1:]] == [
        ("4", "Blev ikke drøftet."),
        ("5", "Blev ikke drøftet."),
        ("6", "Intet til punktet."),
    ]
    # embedded agenda of 7 Dec 2022 (12 items, the detailed titles)
    assert emb.date == 20221207 and emb.body == "Social- og Beskæftigelsesudvalget"
    assert [it.number for it in emb.items] == [str(n) for n in range(1, 13)]
    assert emb.items[7].title == "Læring fra KL’s Jobcamp22"
    assert emb.items[4].title.endswith("Midtjylland og Aarhus Kommune for 2023-2025")
    assert emb.start > m3.items[2].start and emb.end <= m3.end
    # the attached Indstilling gives its sections; its date is the document date, not a meeting date
    assert [(s.section_id, s.title) for s in st.sections] == [
        ("1", "Resume"),
        ("2", "Beslutningspunkter"),
        ("3", "Hvorfor fremsendes indstillingen?"),
        ("4", "Hvilken værdi skabes for borgere og samfund?"),
        ("5", "Hvad, hvem og hvordan?"),
        ("6", "Hvordan følges der op?"),
    ]
    assert st.doc_date == 20221124
    assert "EMN-2022-510923" in st.case_numbers
    assert m3.items[0].end <= st.sections[0].start  # the decision does not swallow the Indstilling


def test_bilagsmateriale_sections():
    text, st = _doc(BILAG)
    assert st.title.startswith("Bilagsmateriale") and not st.meetings
    ids = [s.section_id for s in st.sections]
    for sid in ("B1.1", "B1.2", "B1.7", "B2.1", "B2.2", "B2.3", "B2.4", "B2.5", "B3.1", "B4.1", "B4.3"):
        assert ids.count(sid) == 1, sid
    assert ids.index("B1.1") < ids.index("B2.2") < ids.index("B2.4") < ids.index("B4.3")
    by_id = {s.section_id: s for s in st.sections}
    assert by_id["B1.1"].title == "Kortlægning af arbejdsbelastningen i faste udvalg mv."
    assert by_id["B2.2"].title.startswith("Rammer og vilkår for byrådets daglige virke")
    assert by_id["B2.4"].title.startswith("Åbenhed")
    assert by_id["B2.3"].title.startswith("Evaluering af beredskab")
    # the Byråds-GPT slide lies in B2.2, the openness chapter in B2.4
    gpt = text.find("Udvikling af en Byråds-GPT")
    assert by_id["B2.2"].start <= gpt < by_id["B2.2"].end
    assert by_id["B2.4"].start <= text.find("Byrådets dagsordener og beslutninger offentliggøres") < by_id["B2.4"].end
    # missing headings found through the summary-page anchor; the mislabelled "B2.3" repaired
    assert "B1.8" in ids and "B1.9" in ids
    assert by_id["B3.2"].title == "Mål- og rammestyring"
    assert any("B2.3" in w and "B3.2" in w for w in st.warnings)
    assert {"KAPITEL 2", "KAPITEL 3", "KAPITEL 4"} <= set(ids)
    assert all(s.access == PUBLIC for s in st.sections)


def test_aarhuskompasset():
    text, st = _doc(KOMPAS)
    assert st.kind == "report" and st.title == "Aarhuskompasset"
    assert not st.meetings and st.doc_date is None
    assert [s.section_id for s in st.sections] == ["DEL 2", "DEL 3", "DEL 4"]


def test_offsets_are_consistent():
    for name in (MANGFOLDIGHED, RM2023, RM2022, BILAG, KOMPAS):
        text, st = _doc(name)
        for m in st.meetings:
            assert 0 <= m.start < m.end <= len(text)
            for it in m.items:
                assert m.start <= it.start < it.end <= m.end, (name, it.number)
                if it.decision:
                    assert text[it.decision_start :].startswith(it.decision[:20])
        for s in st.sections:
            assert 0 <= s.start < s.end <= len(text)

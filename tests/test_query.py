"""Danish query normalisation: glossary (built-in + secretariat file), spelling variants, dates in questions."""

from __future__ import annotations

import datetime as dt

import pytest

from assistant.glossary import load_glossary
from assistant.query import describe_range, expand_query, parse_period, spelling_variants

TODAY = dt.date(2026, 3, 15)
G = load_glossary()


def period(q: str, today: dt.date = TODAY):
    p = parse_period(q, today, G.elections)
    return None if p is None else (p.date_from, p.date_to, p.words, p.explicit)


@pytest.mark.parametrize(
    "q, expected",
    [
        ("Hvad blev besluttet i 2023?", (20230101, 20231231, "2023", True)),
        ("Hvad skete der i løbet af 2022?", (20220101, 20221231, "2022", True)),
        ("Hvad besluttede udvalget i november 2022?", (20221101, 20221130, "november 2022", True)),
        ("møder i nov. 2022", (20221101, 20221130, "november 2022", True)),
        ("Hvad skete i maj 2023?", (20230501, 20230531, "maj 2023", True)),
        ("Hvad blev vedtaget sidste år?", (20250101, 20251231, "2025", True)),
        ("Hvad blev vedtaget i fjor?", (20250101, 20251231, "2025", True)),
        ("Hvad er besluttet i år?", (20260101, 20260315, "2026 (til 15. marts 2026)", True)),
        ("Hvad skete sidste måned?", (20260201, 20260228, "februar 2026", True)),
        ("Hvad skete der i forrige måned?", (20260201, 20260228, "februar 2026", True)),
        ("Hvad skete efter valget?", (20251118, 20260315, "efter 18. november 2025", False)),
        ("Hvad blev besluttet efter kommunalvalget i 2021?", (20211116, 20251115, "efter 16. november 2021", False)),
        ("Hvad skete før valget?", (20241118, 20251117, "før 18. november 2025", False)),
        ("Hvad blev besluttet før sommerferien 2024?", (20240101, 20240630, "før sommerferien 2024", False)),
        ("Hvad skete efter sommerferien 2024?", (20240801, 20241231, "efter sommerferien 2024", False)),
        ("Hvad drøftede de i foråret 2023?", (20230301, 20230531, "foråret 2023 (marts–maj)", False)),
        ("Hvad drøftede de i efteråret 2022?", (20220901, 20221130, "efteråret 2022 (september–november)", False)),
        ("i vinteren 2024", (20231201, 20240229, "vinteren 2024 (december–februar)", False)),
        ("Hvem deltog i mødet den 18. februar 2025?", (20250218, 20250218, "18. februar 2025", True)),
        ("referatet fra 28-11-2022", (20221128, 20221128, "28. november 2022", True)),
        ("Hvor mange sider fik udvalget i 2023 og i 2024?", (20230101, 20241231, "2023–2024", True)),
        ("Hvad skete fra 2022 til 2024?", (20220101, 20241231, "2022–2024", True)),
        ("sager 2022-2024", (20220101, 20241231, "2022–2024", True)),
        # A year qualifying a fiscal word names the subject (decided in another year): a boost, not a filter.
        ("Hvor stort var overskuddet på driften i 2023?", (20230101, 20231231, "2023", False)),
        ("Hvornår er fristen for ændringsforslag til budget 2025-2028?", (20250101, 20281231, "2025–2028", False)),
        ("Hvad kommer et døgn på Torvevej til at koste i 2013?", (20130101, 20131231, "2013", False)),
        ("Hvad var prisen for snerydningen i 2024?", (20240101, 20241231, "2024", False)),
        ("Hvad var kommunens regning for konsulenter i 2023?", (20230101, 20231231, "2023", False)),
        ("Hvad er sket siden 2023?", (20230101, None, "fra 2023", True)),
        ("Hvad blev besluttet før 2023?", (None, 20221231, "til og med 2022", True)),
        ("første halvår 2024", (20240101, 20240630, "første halvår 2024", True)),
        ("i 3. kvartal 2023", (20230701, 20230930, "3. kvartal 2023", True)),
        ("Hvad skete i starten af 2024?", (20240101, 20240331, "starten af 2024", False)),
        ("Hvad skete i slutningen af 2023?", (20231001, 20231231, "slutningen af 2023", False)),
        ("Hvad mødes de om i november?", (20251101, 20251130, "november 2025", False)),
        ("Hvad koster det i budget 2026?", (20260101, 20261231, "2026", False)),  # a bare year is only a hint
    ],
)
def test_dates_in_questions(q, expected):
    assert period(q) == expected


@pytest.mark.parametrize(
    "q",
    [
        "Hvad er OK24?",
        "Hvad siger §17, stk. 4?",
        "Hvem er forperson for udvalget?",
        "Hvad koster 12 mio. kr.?",
        "Hvad står i punkt 3?",
        "Hvad er en 10-dagesforespørgsel?",
        "Hvad betyder ØA26?",
    ],
)
def test_no_period_where_there_is_none(q):
    assert period(q) is None


def test_election_depends_on_today():
    assert period("efter valget", dt.date(2024, 6, 1))[:3] == (20211116, 20240601, "efter 16. november 2021")


def test_describe_range():
    assert describe_range(20230101, 20231231) == "2023"
    assert describe_range(20220101, 20241231) == "2022–2024"
    assert describe_range(20221101, 20221130) == "1. november 2022 – 30. november 2022"
    assert describe_range(20250101, None) == "fra 1. januar 2025"
    assert describe_range(None, None) == ""


@pytest.mark.parametrize(
    "q, must",
    [
        ("Hvad har MSB besluttet?", ["Sociale Forhold og Beskæftigelse"]),
        ("Hvad siger msb om det?", ["Sociale Forhold og Beskæftigelse"]),
        ("Hvad mener MKB og MTM?", ["Kultur og Borgerservice", "Teknik og Miljø", "Miljø og Teknik"]),
        ("Hvad laver BA?", ["Borgmesterens Afdeling"]),
        ("Hvad laver MBA?", ["Borgmesterens Afdeling"]),
        ("Hvordan virker FA?", ["FirstAgenda"]),
        ("Hvad er aftalt om OK24?", ["overenskomst 2024"]),
        ("Hvad er aftalt om OK'24?", ["overenskomst 2024"]),
        ("Hvad mener KL?", ["Kommunernes Landsforening"]),
        ("Hvad er SBV?", ["Samlet Borger- og Virksomhedsservice"]),
        ("Hvad har ØU besluttet?", ["Økonomiudvalget"]),
        ("Hvad skriver Sociale Forhold og Beskæftigelse?", ["MSB"]),
        ("Hvad siger Borgmesterens Afdeling?", ["MBA", "BA"]),
        ("Hvordan bruges First Agenda?", ["FirstAgenda", "FA"]),
        ("Hvad er en 10-dagesforespørgsel?", ["10 dages forespørgsel"]),
        ("Hvordan sender jeg en 10 dages forespørgsel?", ["10-dagesforespørgsel"]),
        ("Hvad har §17, stk. 4-udvalget anbefalet?", ["§17,4"]),
        ("Hvad har §17,4-udvalget anbefalet?", ["§ 17, stk. 4"]),
        ("Hvad har 17,4-udvalget anbefalet?", ["§ 17, stk. 4"]),
    ],
)
def test_expansion(q, must):
    cleaned, expanded = expand_query(q, G)
    assert expanded.startswith(cleaned)
    for term in must:
        assert term in expanded[len(cleaned) :], (q, expanded)


def test_short_abbreviations_need_capitals():
    # "ba"/"fa"/"kl" are no abbreviations in lower case; "med" is a word, not an abbreviation.
    none = lambda w: False  # noqa: E731 — no spelling variants
    assert expand_query("det var ba og fa kl. 17", G, none)[1] == "det var ba og fa kl. 17"
    assert expand_query("Hvem mødes med hvem?", G, none)[1] == "Hvem mødes med hvem?"


def test_query_is_repaired_first():
    cleaned, _ = expand_query("  Hvad  er\u00adbesluttet om \u201cskoler\u201d?  ", G)
    assert cleaned == 'Hvad erbesluttet om "skoler"?'


def test_spelling_variants():
    v = spelling_variants("raadmandsmoede om aendringer")
    assert "rådmandsmøde" in v and "ændringer" in v
    assert "raadmand" in spelling_variants("Hvad sagde rådmanden?") or "raadmanden" in spelling_variants(
        "Hvad sagde rådmanden?"
    )
    assert spelling_variants("Hvad skete i Aarhus?") == []  # "Aarhus" stays as it is
    assert "aarhus" in spelling_variants("Hvad skete i Århus?")
    # With a vocabulary check only variants that occur in the material are added.
    known = {"rådmandsmøde"}.__contains__
    assert spelling_variants("raadmandsmoede om aendringer", known) == ["rådmandsmøde"]


def test_secretariat_glossary_file_extends_and_overrides(tmp_path):
    f = tmp_path / "ordliste.toml"
    f.write_text(
        '[abbreviations]\nKTU = "Klima- og Trafikudvalget"\nMSB = "Magistratsafdelingen for Sociale Forhold"\n'
        '[variants]\nkongsgaarden = ["Kongsgården", "Kongsgaarden"]\n[elections]\nmunicipal = [20291120]\n',
        encoding="utf-8",
    )
    g = load_glossary(f)
    assert "Klima- og Trafikudvalget" in expand_query("Hvad har KTU besluttet?", g)[1]
    assert "Magistratsafdelingen for Sociale Forhold" in expand_query("Hvad siger MSB?", g)[1]
    assert "Sociale Forhold og Beskæftigelse" not in expand_query("Hvad siger MSB?", g)[1]
    assert "Kongsgaarden" in expand_query("Hvad sker der på Kongsgården?", g)[1]
    assert "Kommunernes Landsforening" in expand_query("Hvad mener KL?", g)[1]  # built-in entries remain
    assert g.most_recent_election(20300101) == 20291120 and 20251118 in g.elections
    assert "KTU" not in G.abbreviations  # the built-in glossary is untouched
    with pytest.raises(FileNotFoundError):
        load_glossary(tmp_path / "missing.toml")

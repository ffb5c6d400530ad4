"""Danish query normalisation: repair, spelling variants, glossary expansion, and dates in the question.

`expand_query` gives the text used by both retrievers; `parse_period` turns "i 2023", "i november 2022",
"sidste år", "efter valget", "i foråret 2023" … into a date window, a hard filter when the date is explicit and a
soft boost when it is only hinted, and says in Danish words which period was looked at.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from typing import Callable

from assistant.glossary import Glossary
from byraad.dates import MONTH_ALT, MONTH_NAMES, MONTHS, find_dates, format_date, from_date, month_end
from byraad.text import clean_query

_YEAR = r"((?:19|20)\d\d)"

# --- spelling variants ------------------------------------------------------------------------------------------
_DIGRAPHS = (("aa", "å"), ("oe", "ø"), ("ae", "æ"))
_KEEP = re.compile(r"^aarhus|^aalborg|^aabenraa|^aakirkeby", re.IGNORECASE)  # proper names keep their "aa"
_DAGES = re.compile(r"\b(\d+)\s*-?\s*dages\s*-?\s*(forespørgsl?e?r?\w*)", re.IGNORECASE)
_PARA = re.compile(
    r"§\s*(\d+)\s*(?:,\s*stk\.?\s*|[,.]\s*)(\d+)|(?<![\d§.,])(\d{1,2})[,.](\d)(?=-udvalg)", re.IGNORECASE
)


def spelling_variants(text: str, known: Callable[[str], bool] | None = None) -> list[str]:
    """Other spellings of words in `text`: aa↔å, oe↔ø, ae↔æ (ASCII typing), "10-dagesforespørgsel" ↔
    "10 dages forespørgsel", "§17, stk. 4" ↔ "§17,4". `known(word)` (e.g. "is in the BM25 vocabulary") keeps only
    digraph variants that occur in the material; without it every variant is kept."""
    out: list[str] = []
    for word in re.findall(r"[^\W\d_]+", text):
        low = word.lower()
        if len(low) < 3 or _KEEP.match(low):
            continue
        # All ASCII digraphs → æøå, and all æøå → ASCII ("Århus" → "aarhus").
        for direction in (0, 1):
            v = low
            for ascii_, dk in _DIGRAPHS:
                v = v.replace(ascii_, dk) if direction == 0 else v.replace(dk, ascii_)
            if v != low and (known is None or known(v)) and v not in out:
                out.append(v)
    for m in _DAGES.finditer(text):
        n, noun = m.group(1), m.group(2).lower()
        out += [f"{n}-dages{noun}", f"{n} dages {noun}"]
    for m in _PARA.finditer(text):
        a, b = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        out += [f"§ {a}, stk. {b}", f"§{a},{b}"]
    return [v for v in dict.fromkeys(out) if v.lower() not in text.lower()]


def expand_query(question: str, glossary: Glossary, known: Callable[[str], bool] | None = None) -> tuple[str, str]:
    """(cleaned question, expanded text): the repaired question plus glossary long forms/abbreviations and
    spelling variants appended (the question itself stays first, so the embedding is dominated by it)."""
    q = clean_query(question)
    extra = glossary.expansions(q)
    extra += [v for v in spelling_variants(q, known) if v not in extra]
    return q, (q + " " + " ".join(extra)).strip() if extra else q


# --- dates ------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Period:
    """A date window found in a question."""

    date_from: int | None
    date_to: int | None
    words: str  # Danish description, e.g. "november 2022"
    explicit: bool  # True → a filter; False → only a boost


def _month(y: int, m: int, words: str, explicit: bool) -> Period:
    return Period(y * 10000 + m * 100 + 1, month_end(y, m), words, explicit)


def _year(y: int, words: str | None = None, explicit: bool = True) -> Period:
    return Period(y * 10000 + 101, y * 10000 + 1231, words or str(y), explicit)


_SEASONS = {"forår": (3, 5), "sommer": (6, 8), "efterår": (9, 11), "vinter": (12, 2)}
_SEASON_RE = re.compile(rf"\b(?:i\s+)?(forår|sommer|efterår|vinter)(?:et|en|ets|ens)?\b\s*(?:{_YEAR})?", re.IGNORECASE)
_RANGE_RE = re.compile(
    rf"\b(?:fra|mellem)\s+{_YEAR}\s+(?:til|og)\s+{_YEAR}\b"
    rf"|(?<![\d-]){_YEAR}\s*[-–]\s*{_YEAR}(?![\d])",
    re.IGNORECASE,
)
_MONTH_RE = re.compile(rf"\b(?:i\s+)?({MONTH_ALT})\.?(?:\s+(?:måned\s+)?{_YEAR})?\b(?!\.\d)", re.IGNORECASE)
_YEAR_RE = re.compile(
    rf"\b(i|fra|siden|efter|før|inden|indtil|til|i\s+løbet\s+af|i\s+året|året|primo|ultimo|"
    rf"starten\s+af|begyndelsen\s+af|slutningen\s+af|udgangen\s+af)?\s*{_YEAR}\b(?![-–]\d)",
    re.IGNORECASE,
)
_HALF_RE = re.compile(rf"\b(første|andet|1\.|2\.)\s+halvår\s+(?:af\s+)?{_YEAR}", re.IGNORECASE)
_QUARTER_RE = re.compile(rf"\b(første|andet|tredje|fjerde|[1-4]\.)\s+kvartal\s+(?:af\s+)?{_YEAR}", re.IGNORECASE)
_ORD = {"første": 1, "1.": 1, "andet": 2, "2.": 2, "tredje": 3, "3.": 3, "fjerde": 4, "4.": 4}
_ELECTION_RE = re.compile(
    rf"\b(efter|før|siden|inden)\s+(?:det\s+seneste\s+|sidste\s+)?(?:kommunal)?valget"
    rf"(?:\s+(?:i\s+)?{_YEAR})?",
    re.IGNORECASE,
)
_SUMMER_BREAK_RE = re.compile(rf"\b(før|inden|efter)\s+sommerferien(?:\s+(?:i\s+)?{_YEAR})?", re.IGNORECASE)


# Words whose year names the subject (a fiscal or plan year), not when a meeting was held: the 2023 accounts are
# approved in 2024, the 2025–2028 budget in 2024, and "what will it cost in 2013" was decided in 2012. With such a
# word, a whole-year window is a boost, not a filter.
_FISCAL_RE = re.compile(
    r"\b(budget\w*|regnskab\w*|overskud\w*|underskud\w*|udgift\w*|regning\w*|forbrug\w*|"
    r"bevilling\w*|overslagsår\w*|takst\w*|kost(?:er|e|ede|ede|ning\w*)\b|pris\w*|gebyr\w*|"
    r"beløb\w*)",
    re.IGNORECASE,
)


def parse_period(question: str, today: dt.date, elections: list[int]) -> Period | None:
    """The date window a question talks about, or None (see _parse_period); a whole-year window qualifying a
    fiscal word ("overskuddet i 2023", "budget 2025-2028") is only a boost."""
    p = _parse_period(question, today, elections)
    if (
        p is not None
        and p.explicit
        and p.date_from
        and p.date_to
        and p.date_from % 10000 == 101
        and p.date_to % 10000 == 1231
        and _FISCAL_RE.search(question)
    ):
        return replace(p, explicit=False)
    return p


def _parse_period(question: str, today: dt.date, elections: list[int]) -> Period | None:
    """The date window a question talks about, or None. Explicit calendar periods ("i 2023", "i november 2022",
    "sidste år", "sidste måned", "første halvår 2024", a written date) are filters; hints ("efter valget",
    "før sommerferien 2024", "i foråret 2023", "i starten af 2023", "i november" without a year) are boosts."""
    q = clean_query(question)
    low = q.lower()
    ty = today.year
    # A written full date ("den 18. februar 2025", "28-11-2022") names a day: that day is the filter.
    dates = find_dates(q)
    if dates:
        vals = sorted(v for _, _, v in dates)
        lo, hi = vals[0], vals[-1]
        words = format_date(lo) if lo == hi else f"{format_date(lo)} – {format_date(hi)}"
        return Period(lo, hi, words, True)
    if m := _RANGE_RE.search(q):
        a, b = sorted(int(x) for x in m.groups() if x)
        return Period(a * 10000 + 101, b * 10000 + 1231, f"{a}–{b}", True)
    if m := _HALF_RE.search(q):
        h, y = _ORD[m.group(1).lower()], int(m.group(2))
        return Period(
            y * 10000 + (101 if h == 1 else 701),
            y * 10000 + (630 if h == 1 else 1231),
            f"{'første' if h == 1 else 'andet'} halvår {y}",
            True,
        )
    if m := _QUARTER_RE.search(q):
        n, y = _ORD[m.group(1).lower()], int(m.group(2))
        return Period(y * 10000 + (3 * n - 2) * 100 + 1, month_end(y, 3 * n), f"{n}. kvartal {y}", True)
    if m := _ELECTION_RE.search(q):
        year = int(m.group(2)) if m.group(2) else None
        cands = [e for e in elections if (e // 10000 == year if year else e <= from_date(today))]
        if cands:
            e = max(cands)
            ed = dt.date(e // 10000, e // 100 % 100, e % 100)
            if m.group(1).lower() in ("efter", "siden"):
                return Period(
                    e, from_date(min(today, ed + dt.timedelta(days=4 * 365))), f"efter {format_date(e)}", False
                )
            return Period(
                from_date(ed - dt.timedelta(days=365)),
                from_date(ed - dt.timedelta(days=1)),
                f"før {format_date(e)}",
                False,
            )
    if m := _SUMMER_BREAK_RE.search(q):
        y = int(m.group(2)) if m.group(2) else ty
        if m.group(1).lower() in ("før", "inden"):
            return Period(y * 10000 + 101, y * 10000 + 630, f"før sommerferien {y}", False)
        return Period(y * 10000 + 801, y * 10000 + 1231, f"efter sommerferien {y}", False)
    if re.search(r"\b(sidste|forrige)\s+måned\b", low):
        first = today.replace(day=1) - dt.timedelta(days=1)
        return _month(first.year, first.month, f"{MONTH_NAMES[first.month - 1]} {first.year}", True)
    if re.search(r"\b(denne|i\s+denne)\s+måned\b", low):
        return Period(
            ty * 10000 + today.month * 100 + 1, from_date(today), f"{MONTH_NAMES[today.month - 1]} {ty}", True
        )
    if re.search(r"\b(sidste|forrige)\s+år\b|\bi\s+fjor\b|\bsidste\s+års\b", low):
        return _year(ty - 1)
    if re.search(r"\b(i\s+år|i\s+indeværende\s+år|dette\s+år)\b", low):
        return Period(ty * 10000 + 101, from_date(today), f"{ty} (til {format_date(from_date(today))})", True)
    if m := re.search(r"\b(?:de\s+)?(?:seneste|sidste)\s+(\d+|to|tre|fire|fem|seks)\s+(måneder|år)\b", low):
        n = {"to": 2, "tre": 3, "fire": 4, "fem": 5, "seks": 6}.get(m.group(1)) or int(m.group(1))
        days = n * (30 if m.group(2) == "måneder" else 365)
        start = from_date(today - dt.timedelta(days=days))
        return Period(start, from_date(today), f"{format_date(start)} – {format_date(from_date(today))}", False)
    if m := _SEASON_RE.search(q):
        season, year = m.group(1).lower(), m.group(2)
        a, b = _SEASONS[season]
        y = int(year) if year else (ty if (today.month > b or a > b) else ty - 1)
        word = {"forår": "foråret", "sommer": "sommeren", "efterår": "efteråret", "vinter": "vinteren"}[season]
        if season == "vinter":  # "vinteren 2023" = December 2022 – February 2023
            return Period((y - 1) * 10000 + 1201, month_end(y, 2), f"{word} {y} (december–februar)", False)
        if year or re.search(r"\bi\s+" + season, low):
            return Period(
                y * 10000 + a * 100 + 1,
                month_end(y, b),
                f"{word} {y} ({MONTH_NAMES[a - 1]}–{MONTH_NAMES[b - 1]})",
                False,
            )
    for m in _MONTH_RE.finditer(q):
        name = m.group(1).lower()
        if name == "maj" or len(name) >= 3 and (m.group(2) or m.group(0).lower().startswith("i ")):
            mo = MONTHS[name]
            if m.group(2):
                y = int(m.group(2))
                return _month(y, mo, f"{MONTH_NAMES[mo - 1]} {y}", True)
            if m.group(0).lower().startswith("i "):
                y = ty if mo <= today.month else ty - 1  # "i november" = the most recent November
                return _month(y, mo, f"{MONTH_NAMES[mo - 1]} {y}", False)
    years = [(m.group(1) or "").lower() for m in _YEAR_RE.finditer(q)]
    ys = [int(m.group(2)) for m in _YEAR_RE.finditer(q)]
    if ys:
        prep = years[0]
        y = ys[0]
        if len(set(ys)) > 1 and all(p in ("i", "") for p in years):
            a, b = min(ys), max(ys)
            return Period(a * 10000 + 101, b * 10000 + 1231, f"{a}–{b}", any(p == "i" for p in years))
        if prep in ("fra", "siden", "efter"):
            start = y * 10000 + 101 if prep != "efter" else (y + 1) * 10000 + 101
            return Period(start, None, f"fra {start // 10000}", True)
        if prep in ("før", "inden", "indtil", "til"):
            end = (y - 1) * 10000 + 1231 if prep in ("før", "inden") else y * 10000 + 1231
            return Period(None, end, f"til og med {end // 10000}", True)
        if re.match(r"(primo|starten|begyndelsen)", prep):
            return Period(y * 10000 + 101, y * 10000 + 331, f"starten af {y}", False)
        if re.match(r"(ultimo|slutningen|udgangen)", prep):
            return Period(y * 10000 + 1001, y * 10000 + 1231, f"slutningen af {y}", False)
        if prep:  # "i 2023", "i løbet af 2023", "i året 2023"
            return _year(y)
        return _year(y, explicit=False)  # a bare year ("budget 2026") is only a hint
    return None


def describe_range(date_from: int | None, date_to: int | None) -> str:
    """Danish words for an explicit filter range given as arguments."""
    if date_from and date_to:
        if date_from % 10000 == 101 and date_to % 10000 == 1231:
            a, b = date_from // 10000, date_to // 10000
            return str(a) if a == b else f"{a}–{b}"
        return f"{format_date(date_from)} – {format_date(date_to)}"
    if date_from:
        return f"fra {format_date(date_from)}"
    if date_to:
        return f"til og med {format_date(date_to)}"
    return ""

"""Dates as the whole project spells them: Danish month names, YYYYMMDD integers, their formatting and parsing.

Every date in chunk metadata, filters and answers is an int YYYYMMDD (20250218). Parsing ("18. februar 2025",
"7. dec. 2022", "28-11-2022", "2025-02-18" → YYYYMMDD) returns only dates with a written day, month and year: a date
without a year is never completed from context (the "never invent a date" rule of the ingest pipeline).
"""

from __future__ import annotations

import calendar
import datetime as _dt
import re

MONTH_NAMES: tuple[str, ...] = (
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
)
MONTHS: dict[str, int] = {
    **{name: i for i, name in enumerate(MONTH_NAMES, 1)},
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "okt": 10,
    "nov": 11,
    "dec": 12,
}
# Regex alternations: the full month names, and every name or abbreviation (longest first, so "sept" wins over "sep"
# and "marts" over "mar").
MONTH_NAME_ALT = "|".join(MONTH_NAMES)
MONTH_ALT = "|".join(sorted(MONTHS, key=len, reverse=True))

_WORD_DATE = re.compile(rf"(?<![\w.])(\d{{1,2}})\.?\s*(?:-\s*)?({MONTH_ALT})\b\.?,?\s*(\d{{4}})(?!\d)", re.IGNORECASE)
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_NUM_DATE = re.compile(r"(?<![\d.,])(\d{1,2})([-./])(\d{1,2})\2(\d{4}|\d{2})(?![\d,])")


def to_int(year: int, month: int, day: int) -> int | None:
    """YYYYMMDD for a valid calendar date, else None."""
    try:
        _dt.date(year, month, day)
    except ValueError:
        return None
    return ymd_int(year, month, day)


def ymd_int(year: int, month: int, day: int) -> int:
    """YYYYMMDD of year, month and day (not checked: 20240231 is what you ask for)."""
    return year * 10000 + month * 100 + day


def month_end(year: int, month: int) -> int:
    """YYYYMMDD of the last day of a month."""
    return ymd_int(year, month, calendar.monthrange(year, month)[1])


def split(v: int) -> tuple[int, int, int]:
    """YYYYMMDD → (year, month, day)."""
    return v // 10000, v // 100 % 100, v % 100


def from_date(d: _dt.date | None) -> int | None:
    """A date as YYYYMMDD (None stays None)."""
    return ymd_int(d.year, d.month, d.day) if d else None


def to_date(v: int | None) -> _dt.date | None:
    """YYYYMMDD as a date (None or 0 → None)."""
    return _dt.date(*split(v)) if v else None


def find_dates(s: str) -> list[tuple[int, int, int]]:
    """All complete dates in `s` as (start, end, YYYYMMDD), in text order."""
    found: list[tuple[int, int, int]] = []
    for m in _WORD_DATE.finditer(s):
        v = to_int(int(m.group(3)), MONTHS[m.group(2).lower()], int(m.group(1)))
        if v:
            found.append((m.start(), m.end(), v))
    for m in _ISO_DATE.finditer(s):
        v = to_int(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if v:
            found.append((m.start(), m.end(), v))
    for m in _NUM_DATE.finditer(s):
        year = int(m.group(4))
        if len(m.group(4)) == 2:  # a written two-digit year: 22 → 2022
            year += 2000
        v = to_int(year, int(m.group(3)), int(m.group(1)))
        if v and not any(a <= m.start() < b for a, b, _ in found):
            found.append((m.start(), m.end(), v))
    found.sort()
    return found


def parse_danish_date(s: str) -> int | None:
    """The first complete date written in `s` as YYYYMMDD, or None (no year → None)."""
    if not s:
        return None
    dates = find_dates(s)
    return dates[0][2] if dates else None


def format_date(d: int | None) -> str:
    """YYYYMMDD → '18. februar 2025'; None → 'udateret' (how a user sees a date)."""
    if not d:
        return "udateret"
    y, mo, day = split(d)
    return f"{day}. {MONTH_NAMES[mo - 1]} {y}" if 1 <= mo <= 12 else str(d)


def format_dmy(v: int | None, sep: str = "-") -> str:
    """YYYYMMDD → "DD-MM-YYYY" ("" for None), the style used in warnings and reasons (and in source systems with
    another separator, e.g. "DD.MM.YYYY")."""
    if not v:
        return ""
    y, m, d = split(v)
    return f"{d:02d}{sep}{m:02d}{sep}{y}"


def format_iso(v: int | None) -> str:
    """YYYYMMDD → "YYYY-MM-DD" ("" for None)."""
    if not v:
        return ""
    y, m, d = split(v)
    return f"{y}-{m:02d}-{d:02d}"

"""Danish date parsing: "18. februar 2025", "7. dec. 2022", "28-11-2022", "2025-02-18" → YYYYMMDD.

Only dates with a written day, month and year are returned: a date without a year is never
completed from context (the "never invent a date" rule of the ingest pipeline).
"""

from __future__ import annotations

import datetime as _dt
import re

MONTHS: dict[str, int] = {
    "januar": 1, "februar": 2, "marts": 3, "april": 4, "maj": 5, "juni": 6, "juli": 7,
    "august": 8, "september": 9, "oktober": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "sept": 9, "okt": 10, "nov": 11, "dec": 12,
}

# Longest names first so "sept" wins over "sep" and "marts" over "mar".
_MONTH_ALT = "|".join(sorted(MONTHS, key=len, reverse=True))

_WORD_DATE = re.compile(
    rf"(?<![\w.])(\d{{1,2}})\.?\s*(?:-\s*)?({_MONTH_ALT})\b\.?,?\s*(\d{{4}})(?!\d)", re.IGNORECASE
)
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_NUM_DATE = re.compile(r"(?<![\d.,])(\d{1,2})([-./])(\d{1,2})\2(\d{4}|\d{2})(?![\d,])")


def to_int(year: int, month: int, day: int) -> int | None:
    """YYYYMMDD for a valid calendar date, else None."""
    try:
        _dt.date(year, month, day)
    except ValueError:
        return None
    return year * 10000 + month * 100 + day


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


def format_date(v: int | None) -> str:
    """YYYYMMDD → "DD-MM-YYYY" ("" for None), the style used in warnings and reasons."""
    if not v:
        return ""
    return f"{v % 100:02d}-{v // 100 % 100:02d}-{v // 10000}"

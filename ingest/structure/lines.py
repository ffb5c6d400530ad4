"""Line model of a council document for structure detection: shared patterns, logical lines, TOC lines.

Used by ingest.structure and its parts (meetings, items, sections,
document). All offsets are offsets into the analysed text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PUNKT = re.compile(r"^Punkt\s+(\d{1,3}[a-z]?)\s*:\s*(.*)$")
BESL = re.compile(r"^Beslutning\s+for\s+[Pp]unkt\s+(\d{1,3}[a-z]?)\s*:?\s*(.*)$")
NUM_ITEM = re.compile(r"^(\d{1,2})\.\s*([A-ZÆØÅ0-9\"”“'‘(].*)$")
TOC_LEADER = re.compile(r"(?:\.{3,}|…+|\s\.\s\.\s\.)\s*\d{1,4}\s*$")  # "2. Meddelelser ........ 1"
TIMEBOX = re.compile(r"\s*\((?:ca\.\s*)?\d+\s*min\.?\)\s*$", re.IGNORECASE)
DATE_HEADER = re.compile(r"^(\d{1,2}-\d{1,2}-\d{4})(?:\s+(\d{1,2}[:.]\d{2})(?:\s*[-–]\s*(\d{1,2}[:.]\d{2}))?)?$")
INFO = re.compile(r"^Information\s*:\s*(.*)$")
REFERAT = re.compile(r"^Referat\s*:?$")
TITLE = re.compile(r"^(Referat|Dagsorden)\s+(?:(?:fra|for|til|af)\s+)?(?:mødet\s+i\s+)?(.+?)\s*$", re.IGNORECASE)
# Meeting labels; the attendance words of PDF minutes ("Tilstede", "Medlemmer", …) only as a line of their own.
LABEL = re.compile(
    r"^(?:(Emne|Mødedato|Mødetidspunkt|Mødetid|Mødested|Deltagere|Deltagende|Øvrige deltagere|Afbud|"
    r"Fraværende)(?:\s*:\s*|\s+|$)(.*)|(Tilstede|Til stede|Medlemmer|Afbud/Fraværende|Sekretær|"
    r"Referent)\s*:?\s*())$"
)
# Decision headings of numbered items: "Beslutninger", "Beslutning:", "Beslutning i Udvalget for … den 20-06-2013",
# "Sundheds- og Forebyggelsesudvalgets beslutning den 04.12.2012 Punkt 1".
DEC_HEAD = re.compile(
    r"^(?:Beslutning(?:er)?(?:\s*:\s*(?P<inline>.*))?|Beslutning i (?P<body1>.{3,100}?) den (?P<date1>\S+)"
    r"|(?P<body2>\S.{2,90}?)s beslutning den (?P<date2>[\d.\-/]+)(?:\s+[Pp]unkt\s+(?P<n>\d+))?)\s*$"
)
# Case-number labels, with or without a colon: "Sagsnr.:", "Sagsnr. 27.00.00-A00-1-22", "Sags nr.", "Sagsnummer",
# "Sag nr.", "J.nr." (journal number). Without a colon the value must look like a case number (4+ digits).
CASE_LABEL = r"(?:Sags\.?\s?nr|Sagsnummer|Sag\s+nr|J\.?\s?nr)"
CASE_LINE = re.compile(
    rf"^(?:(?:EMN|SAG|SGN|GEO|ACA)-\d{{2,4}}-\d{{2,8}}|{CASE_LABEL}\.?\s*:.*"
    rf"|{CASE_LABEL}\.?\s+[A-ZÆØÅ0-9](?:\S*\d){{3}}.*)$"
)
NUM_ITEM_LONG = re.compile(r"^(\d{1,4})\.\s+([A-ZÆØÅ0-9\"”“'‘(].*)$")  # "715. Kulturkommune 2017 …" (running numbers)
TOC_HEAD = re.compile(r"^(?:indholdsfortegnelse|indhold)\s*:?$", re.IGNORECASE)
# A case number's characters: digits, ". / -" and capitals that start no word, so text glued on by the PDF
# layer ("Sagsnr.: 2012-31673Dok.nr.: …", "…31673DATO") is not taken along ("A00" in "27.00.00-A00-1-22" is).
_CASE_CAP = r"[A-ZÆØÅ](?![a-zæøå]|[A-ZÆØÅ]{3})"
_CASE_CH = rf"(?:[0-9./-]|{_CASE_CAP})"
CASE = re.compile(
    r"\b(?:EMN|SAG|SGN|GEO|ACA)-\d{2,4}-\d{2,8}\b"
    r"|(?<![a-zæøå])(?:[Ss]ags\.?\s?nr\.?|[Ss]agsnummer|[Ss]ag\s+nr\.?|J\.?\s?nr\.?|Sag(?=\s*:))"
    rf"(?P<colon>\s*:\s*|\s+)(?:\|\s*)?(?P<v>(?:\d|{_CASE_CAP}){_CASE_CH}*)"
)
_SPLIT_LABEL = re.compile(r"^(?:Emne|Mødedato|Mødetid|Mødested|Beslutning|Punkt|Information|Deltagere)\b")


def find_case_numbers(text: str) -> list[str]:
    """Case numbers written in `text`, in order: ESDH ids ("EMN-2025-003383") and labelled values
    ("Sagsnr.: 2012-28504", "J.nr. 27.00.00-A00-1-22"); a trailing "." / "-" is not part of the number."""
    out = []
    for m in CASE.finditer(text):
        v = m.group("v")
        if v is None:
            out.append(m.group(0))
            continue
        v = v.rstrip("./-")
        digits = sum(c.isdigit() for c in v)
        if digits and (digits >= 4 or ":" in m.group("colon")):
            out.append(v)
    return out


@dataclass
class Line:
    start: int
    end: int
    s: str  # stripped text; a label split over two lines is joined here


def logical_lines(text: str) -> list[Line]:
    """Lines with offsets; "Em-" + "ne:" style label splits are joined into one logical line."""
    raw: list[Line] = []
    pos = 0
    for part in text.split("\n"):
        s = part.strip()
        if s.startswith("#"):  # "# Punkt 1: …" from DOCX/Markdown: keep the heading marks
            core = s.lstrip("#").strip()  # only where the rest is a meeting line
            if is_anchor(core) or TITLE.match(core) or DEC_HEAD.match(core):
                s = core
        raw.append(Line(pos, pos + len(part), s))
        pos += len(part) + 1
    out: list[Line] = []
    i = 0
    while i < len(raw):
        ln = raw[i]
        if ln.s.endswith("-") and 1 < len(ln.s) <= 12:
            j = i + 1
            while j < len(raw) and j <= i + 2 and not raw[j].s:
                j += 1
            if j < len(raw) and raw[j].s[:1].islower() and _SPLIT_LABEL.match(ln.s[:-1] + raw[j].s):
                out.append(Line(ln.start, raw[j].end, ln.s[:-1] + raw[j].s))
                i = j + 1
                continue
        out.append(ln)
        i += 1
    return out


def toc_lines(lines: list[Line]) -> set[int]:
    """Lines of a table of contents: dotted-leader lines anywhere, and after an "Indholdsfortegnelse"
    heading the lines ending in a page number plus the short group headings between them ("Åbent
    referat"). TOC lines are never agenda items (the items follow with their full text)."""
    out = {i for i, ln in enumerate(lines) if ln.s and TOC_LEADER.search(ln.s)}
    for i, ln in enumerate(lines):
        if not TOC_HEAD.match(ln.s):
            continue
        misses = 0
        for j in range(i + 1, min(len(lines), i + 80)):
            s = lines[j].s
            if not s:
                continue
            if is_anchor(s) or CASE_LINE.match(s):
                break
            if TOC_LEADER.search(s) or re.search(r"\D\s\d{1,3}$", s):
                out.add(j)
                misses = 0
            elif len(s) <= 40 and not s.endswith((".", ":")) and misses < 2:
                misses += 1  # a group heading inside the TOC, or a wrapped entry
            else:
                break
    return out


def next_nonblank(lines: list[Line], i: int, limit: int = 3) -> int:
    """Index of the next non-blank line after i within `limit` lines, else -1."""
    j = i + 1
    while j < len(lines) and j <= i + limit:
        if lines[j].s:
            return j
        j += 1
    return -1


def is_anchor(s: str) -> bool:
    return bool(
        PUNKT.match(s) or BESL.match(s) or INFO.match(s) or REFERAT.match(s) or LABEL.match(s) or DATE_HEADER.match(s)
    )


def norm_line(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip().lower()


def item_number(n: str) -> int:
    return int(re.match(r"\d+", n).group(0))


def line_at(lines: list[Line], off: int) -> int:
    """Index of the line containing offset `off`."""
    lo, hi = 0, len(lines) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if lines[mid].start <= off:
            lo = mid
        else:
            hi = mid - 1
    return lo


def title_after(lines: list[Line], i: int, limit: int = 4) -> str:
    j = next_nonblank(lines, i, limit)
    return lines[j].s if j >= 0 and len(lines[j].s) <= 100 else ""

"""Structure of a repaired council document: kind, meetings, agenda items, decisions, sections, access.

`analyse(text, path)` works on the repaired text (ingest.repair) and tolerates the raw extraction too:
labels may carry a leading space or be split ("Em-" / "ne:"), and blank lines may sit anywhere.
All offsets are offsets into `text`. Dates are never invented: a meeting without a written date gets
date=None and, where the file allows, a `date_hint` with its reason. See corpus-notes.md §3–5 and §7.

Meeting segmentation (corpus-notes §3.2, §3.3, §4.2): a new meeting starts at a meeting header
("28-11-2022 10:30 - 12:30", "Mødedato …"), at "Information:" and at a "Referat" line once the current
meeting has items, and at a "Punkt N:" whose number does not increase. A header block met inside a
"Punkt N:" item is the agenda of another meeting attached to that item (embedded=True).

PDF minutes and agenda items (FirstAgenda, eDoc, Acadre exports; tests/test_corpus_pdf_golden.py): a table of
contents never yields items (dotted leaders, or the lines after "Indholdsfortegnelse" ending in a page number);
a front page "Referat / <udvalg> / tirsdag den 4. december 2012, kl. 13:00 i <sted>" gives body, date, time and
place, and "Tilstede"/"Medlemmer"/"Afbud/Fraværende" the attendance; "N. Title" followed by "Sagsnr.:" is a
case-file item, also with running numbers ("715."); decisions follow "Beslutninger", "Beslutning i <udvalg> den
<dato>" or "<Udvalg>s beslutning den <dato> Punkt N" (of several, the one dated with the meeting). A file that
is one agenda item takes body and date from its decision heading and its title from the item. A report's
numbered table of contents names its chapter sections.

Choices: kind comes from the file name/title words first, then from structure; a long text without
meetings is a "report" (Aarhuskompasset is a magazine-style framework publication, not a rules handbook).
The title is the first heading line of the text, else `title_hint`, else the file name. Sections never
overlap (a chapter section covers only its divider page) so each offset has one section. An item whose
decision is followed by an attachment (an Indstilling) ends where the attachment begins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from byraad.types import INTERNAL, PUBLIC, AgendaItem, Meeting, Section
from ingest.access import (CLOSED, CLOSED_HEADING, CLOSED_LINE, CLOSED_REFERENCE, CLOSED_TITLE,
                           OPEN_HEADING, RAADMAND, body_key, closed_level, document_access)
from ingest.dates import format_date, parse_danish_date

__all__ = ["Structure", "analyse", "body_key", "parse_danish_date"]

PUNKT = re.compile(r"^Punkt\s+(\d{1,3}[a-z]?)\s*:\s*(.*)$")
BESL = re.compile(r"^Beslutning\s+for\s+[Pp]unkt\s+(\d{1,3}[a-z]?)\s*:?\s*(.*)$")
NUM_ITEM = re.compile(r"^(\d{1,2})\.\s*([A-ZÆØÅ0-9\"”“'‘(].*)$")
TOC_LEADER = re.compile(r"(?:\.{3,}|…+|\s\.\s\.\s\.)\s*\d{1,4}\s*$")   # "2. Meddelelser ........ 1"
TIMEBOX = re.compile(r"\s*\((?:ca\.\s*)?\d+\s*min\.?\)\s*$", re.IGNORECASE)
DATE_HEADER = re.compile(r"^(\d{1,2}-\d{1,2}-\d{4})(?:\s+(\d{1,2}[:.]\d{2})(?:\s*[-–]\s*(\d{1,2}[:.]\d{2}))?)?$")
INFO = re.compile(r"^Information\s*:\s*(.*)$")
REFERAT = re.compile(r"^Referat\s*:?$")
TITLE = re.compile(r"^(Referat|Dagsorden)\s+(?:(?:fra|for|til|af)\s+)?(?:mødet\s+i\s+)?(.+?)\s*$", re.IGNORECASE)
# Meeting labels; the attendance words of PDF minutes ("Tilstede", "Medlemmer", …) only as a line of their own.
LABEL = re.compile(r"^(?:(Emne|Mødedato|Mødetidspunkt|Mødetid|Mødested|Deltagere|Deltagende|Øvrige deltagere|Afbud|"
                   r"Fraværende)(?:\s*:\s*|\s+|$)(.*)|(Tilstede|Til stede|Medlemmer|Afbud/Fraværende|Sekretær|"
                   r"Referent)\s*:?\s*())$")
# Front matter of a minutes/agenda PDF: "tirsdag den 4. december 2012, kl. 13:00 i Mødecenter C" / "Torsdag
# den 20. juni 2013 Kl. 10:30" (the weekday makes it the meeting's own date, not a date in running text).
WEEKDAY_DATE = re.compile(r"^(?:man|tirs|ons|tors|fre|lør|søn)dag\s+(?:den\s+|d\.\s*)?(\d{1,2}\.?\s*\w+\.?\s+\d{4}|"
                          r"\d{1,2}[-./]\d{1,2}[-./]\d{2,4})\s*,?\s*(?:kl\.?\s*(\d{1,2}[:.]\d{2})(?:\s*[-–]\s*"
                          r"\d{1,2}[:.]\d{2})?)?\s*(.*)$", re.IGNORECASE)
KL_TIME = re.compile(r"\bkl\.?\s*(\d{1,2}[:.]\d{2})(?:\s*[-–]\s*(\d{1,2}[:.]\d{2}))?", re.IGNORECASE)
# Decision headings of numbered items: "Beslutninger", "Beslutning:", "Beslutning i Udvalget for … den 20-06-2013",
# "Sundheds- og Forebyggelsesudvalgets beslutning den 04.12.2012 Punkt 1".
DEC_HEAD = re.compile(r"^(?:Beslutning(?:er)?(?:\s*:\s*(?P<inline>.*))?|Beslutning i (?P<body1>.{3,100}?) den (?P<date1>\S+)"
                      r"|(?P<body2>\S.{2,90}?)s beslutning den (?P<date2>[\d.\-/]+)(?:\s+[Pp]unkt\s+(?P<n>\d+))?)\s*$")
# Where a decision text ends: an all-caps heading ("BESLUTNINGSFORSLAG FRA DD") or a case-file section label.
DEC_STOP = re.compile(r"^(?:Bilag|Resum[eé]|Sagsfremstilling|Supplerende [Ss]agsfremstilling|Indstilling|Baggrund|"
                      r"Sammendrag|Beslutningspunkter|Sagsforløb|Økonomi.{0,40}|Følgende deltog ikke.*|Underskriftsside|"
                      r"Beslutningen træffes af|Lovgrundlag|Høring)\s*:?$")
CASE_LINE = re.compile(r"^(?:(?:EMN|SAG|SGN|GEO|ACA)-\d{2,4}-\d{2,8}|(?:Sagsnr|Sags\.?nr|Sagsnummer|Sag nr)\.?\s*:.*)$")
NUM_ITEM_LONG = re.compile(r"^(\d{1,4})\.\s+([A-ZÆØÅ0-9\"”“'‘(].*)$")   # "715. Kulturkommune 2017 …" (running numbers)
BODY_WORDS = re.compile(r"udvalg|byråd|kommunalbestyrelse|magistrat|rådet\b|nævn|bestyrelse", re.IGNORECASE)
LETTERHEAD = re.compile(r"^(?:Dato|Tlf|Telefon|Direkte|E-?mail|Mail|Kontakt|Sagsnr|Sags\.?nr|Dok\.?\s?nr|J\.?\s?nr|"
                        r"Journalnr|Ref|CVR|EAN|www\.)\b", re.IGNORECASE)
TOC_HEAD = re.compile(r"^(?:indholdsfortegnelse|indhold)\s*:?$", re.IGNORECASE)
INFO_NAME = re.compile(r"([A-ZÆØÅ][\wæøå]+(?:\s+[A-ZÆØÅ][\wæøå.]*){0,3})\s+"
                       r"(?:deltager|deltog|tager\s+referat|er\s+referent)\b")
CASE = re.compile(r"\b(?:EMN|SAG|SGN|GEO|ACA)-\d{2,4}-\d{2,8}\b|(?:[Ss]agsnr\.?|[Ss]agsnummer|Sag)\s*:\s*(?:\|\s*)?"
                  r"([A-ZÆØÅ0-9][A-ZÆØÅ0-9./-]*\d[A-ZÆØÅ0-9./-]*)")
ATTACH_CUT = re.compile(r"^(?:Indstilling|Punkt\s+\d+,\s*Bilag\s+\d+:.*|.*\b[Ss]ide\s+\d+\s+af\s+\d+)\s*$")
NAME = re.compile(r"[A-ZÆØÅ][\w.'’-]*(?:\s+[\w.'’-]+){0,5}")
_SPLIT_LABEL = re.compile(r"^(?:Emne|Mødedato|Mødetid|Mødested|Beslutning|Punkt|Information|Deltagere)\b")


@dataclass(frozen=True)
class Structure:
    """What analyse() finds in one document."""

    kind: str                  # agenda | minutes | indstilling | handbook | report | other  (byraad.types.KINDS)
    title: str
    meetings: tuple[Meeting, ...]
    sections: tuple[Section, ...]
    access: str                # document-wide access level
    access_reason: str
    doc_date: int | None       # YYYYMMDD of the document itself when written
    warnings: tuple[str, ...]  # plain-language notes for the ingest report
    case_numbers: tuple[str, ...] = ()


@dataclass
class _L:
    start: int
    end: int
    s: str                     # stripped text; a label split over two lines is joined here


@dataclass
class _MB:
    """A meeting while it is being built."""

    start: int
    end: int = -1
    body: str = ""
    date: int | None = None
    time: str = ""
    place: str = ""
    participants: list[str] = field(default_factory=list)
    absentees: list[str] = field(default_factory=list)
    embedded: bool = False
    referat: bool = False
    punkt: list[tuple[int, str, str]] = field(default_factory=list)   # (line idx, number, title)
    besl: list[tuple[int, str, str]] = field(default_factory=list)
    nums: list[int] = field(default_factory=list)
    kort: int = -1
    marks: list[tuple[int, bool]] = field(default_factory=list)       # (offset, closed?)
    children: list["_MB"] = field(default_factory=list)
    items: list[AgendaItem] = field(default_factory=list)
    kind: str = ""
    date_hint: int | None = None
    date_hint_reason: str = ""
    date_text: str = ""        # the written "Mødedato" value, kept to report unreadable dates
    front: bool = False        # date/body come from a PDF front page ("Referat / Udvalg / tirsdag den …")
    case_items: list[int] = field(default_factory=list)   # "N. Title" lines followed by "Sagsnr.:"
    decs: list[int] = field(default_factory=list)         # decision headings (DEC_HEAD)

    def has_items(self) -> bool:
        return bool(self.punkt or self.besl or self.nums or self.case_items)


def _lines(text: str) -> list[_L]:
    """Lines with offsets; "Em-" + "ne:" style label splits are joined into one logical line."""
    raw: list[_L] = []
    pos = 0
    for part in text.split("\n"):
        s = part.strip()
        if s.startswith("#"):                # "# Punkt 1: …" from DOCX/Markdown: keep the heading marks
            core = s.lstrip("#").strip()     # only where the rest is a meeting line
            if _is_anchor(core) or TITLE.match(core) or DEC_HEAD.match(core):
                s = core
        raw.append(_L(pos, pos + len(part), s))
        pos += len(part) + 1
    out: list[_L] = []
    i = 0
    while i < len(raw):
        ln = raw[i]
        if ln.s.endswith("-") and 1 < len(ln.s) <= 12:
            j = i + 1
            while j < len(raw) and j <= i + 2 and not raw[j].s:
                j += 1
            if j < len(raw) and raw[j].s[:1].islower() and _SPLIT_LABEL.match(ln.s[:-1] + raw[j].s):
                out.append(_L(ln.start, raw[j].end, ln.s[:-1] + raw[j].s))
                i = j + 1
                continue
        out.append(ln)
        i += 1
    return out


def _toc_lines(lines: list[_L]) -> set[int]:
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
            if _is_anchor(s) or CASE_LINE.match(s):
                break
            if TOC_LEADER.search(s) or re.search(r"\D\s\d{1,3}$", s):
                out.add(j)
                misses = 0
            elif len(s) <= 40 and not s.endswith((".", ":")) and misses < 2:
                misses += 1           # a group heading inside the TOC, or a wrapped entry
            else:
                break
    return out


def _next_nonblank(lines: list[_L], i: int, limit: int = 3) -> int:
    """Index of the next non-blank line after i within `limit` lines, else -1."""
    j = i + 1
    while j < len(lines) and j <= i + limit:
        if lines[j].s:
            return j
        j += 1
    return -1


def _is_anchor(s: str) -> bool:
    return bool(PUNKT.match(s) or BESL.match(s) or INFO.match(s) or REFERAT.match(s) or LABEL.match(s)
                or DATE_HEADER.match(s))


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip().lower()


def _num(n: str) -> int:
    return int(re.match(r"\d+", n).group(0))


def _split_names(value: str) -> list[str]:
    """"A, B og C" → ["A", "B", "C"] (commas outside parentheses)."""
    parts, depth, buf = [], 0, ""
    for ch in value:
        depth += (ch == "(") - (ch == ")")
        if ch in ",;" and depth == 0:
            parts.append(buf)
            buf = ""
        else:
            buf += ch
    parts.append(buf)
    if len(parts) > 1 and " og " in parts[-1] and "(" not in parts[-1]:
        parts[-1:] = parts[-1].split(" og ", 1)
    return [p.strip() for p in parts if p.strip()]


def _namelike(s: str) -> bool:
    base = re.sub(r"\(.*?(\)|$)", "", s).strip()
    return bool(base) and ":" not in base and not re.search(r"\d", base) and bool(NAME.fullmatch(base))


def _header_block(lines: list[_L], i: int) -> tuple[dict[str, str], list[str], list[str], int]:
    """Parse a block of meeting labels from line i: (fields, participants, absentees, next line index)."""
    fields: dict[str, str] = {}
    people: dict[str, list[str]] = {"Deltagere": [], "Afbud": []}
    cur, blanks, j = "", 0, i
    while j < len(lines):
        s = lines[j].s
        if not s:
            blanks += 1
            j += 1
            if blanks >= 2 and cur in people:
                cur = ""
            continue
        m = LABEL.match(s)
        if m and not (cur == "Emne" and not fields.get("Emne")):
            name = m.group(1) or m.group(3)
            label = {"Deltagende": "Deltagere", "Øvrige deltagere": "Deltagere", "Fraværende": "Afbud",
                     "Mødetidspunkt": "Mødetid", "Tilstede": "Deltagere", "Til stede": "Deltagere",
                     "Medlemmer": "Deltagere", "Afbud/Fraværende": "Afbud"}.get(name, name)
            value = (m.group(2) or "").strip()
            fields[label] = fields.get(label) or value
            if label in people and value:
                people[label].extend(_split_names(value))
            cur, blanks = label, 0
            j += 1
            continue
        lst = people.get(cur)
        wrapped = lst and (lst[-1].count("(") > lst[-1].count(")")      # a note wrapping onto the next line
                           or len(re.sub(r"\(.*?\)", "", lst[-1]).split()) > 6)   # or a sentence, not a name
        if lst is not None and wrapped and not LABEL.match(s) and len(s) < 90:
            lst[-1] = f"{lst[-1]} {s}"
        elif cur == "Emne" and not fields.get("Emne") and not _is_anchor(s):
            fields["Emne"] = s
        elif (lst is not None and _namelike(s) and not NUM_ITEM.match(s) and len(s) < 90
              and not TOC_HEAD.match(s) and not (s.isupper() and len(s) > 3)):      # not "INDHOLDSFORTEGNELSE"
            lst.extend(_split_names(s))
        else:
            break
        blanks = 0
        j += 1
    return fields, people["Deltagere"], people["Afbud"], j


def _committee_body(emne: str) -> str:
    """"Social- og Beskæftigelsesudvalgsmøde" → "Social- og Beskæftigelsesudvalget" (the body, not the meeting)."""
    s = emne.strip().rstrip(".")
    s = re.sub(r"(?i)^(?:møde\s+i\s+|mødet\s+i\s+)", "", s)
    return re.sub(r"udvalgsmøde(?:t)?$", "udvalget", s)


def _scan(text: str, lines: list[_L]) -> list[_MB]:
    """First pass: find meetings, their headers and item/label events."""
    tops: list[_MB] = []
    cur: _MB | None = None
    emb: _MB | None = None
    title_body: tuple[int, str] | None = None

    def close_emb(pos: int) -> None:
        nonlocal emb
        if emb is not None:
            emb.end = pos
            emb = None

    def new_top(pos: int, **kw) -> _MB:
        nonlocal cur
        close_emb(pos)
        if cur is not None:
            cur.end = pos
        cur = _MB(start=pos, **kw)
        tops.append(cur)
        return cur

    skip_to = -1
    toc = _toc_lines(lines)
    for i, ln in enumerate(lines):
        s = ln.s
        if i < skip_to or not s or i in toc:
            continue
        if m := PUNKT.match(s):
            if cur is None or (cur.punkt and _num(m.group(1)) <= _num(cur.punkt[-1][1])):
                new_top(ln.start)
            close_emb(ln.start)
            cur.punkt.append((i, m.group(1), m.group(2).strip()))
        elif m := BESL.match(s):
            close_emb(ln.start)
            if cur is None:
                new_top(ln.start)
            cur.besl.append((i, m.group(1), m.group(2).strip()))
        elif INFO.match(s):
            if cur is None or cur.has_items():
                new_top(ln.start)
        elif REFERAT.match(s):
            if cur is None or cur.has_items() or cur.referat:
                new_top(ln.start)
            cur.referat = True
        elif m := DATE_HEADER.match(s):
            if cur is None or cur.has_items() or cur.date:
                new_top(ln.start)
            cur.date = parse_danish_date(m.group(1))
            cur.time = " - ".join(x for x in (m.group(2), m.group(3)) if x)
            j = _next_nonblank(lines, i)
            if j >= 0 and not _is_anchor(lines[j].s) and len(lines[j].s) < 80:
                cur.place = lines[j].s
                skip_to = j + 1
        elif LABEL.match(s):
            fields, parts, absent, j = _header_block(lines, i)
            if "Mødedato" not in fields and len({"Emne", "Mødetid", "Mødested", "Deltagere", "Afbud"} & fields.keys()) < 2:
                continue
            if cur is not None and cur.punkt:            # inside a "Punkt N:" item: an attached agenda
                close_emb(ln.start)
                emb = _MB(start=ln.start, embedded=True, kind="agenda")
                cur.children.append(emb)
                target = emb
            else:
                if cur is None or cur.has_items() or (cur.date and not (cur.front and "Mødedato" not in fields)):
                    new_top(title_body[0] if (title_body and not tops) else ln.start)
                target = cur
            if "Mødedato" in fields or not target.front:
                target.date = parse_danish_date(fields.get("Mødedato", ""))
                target.date_text = fields.get("Mødedato", "")
                target.time = re.sub(r"(?i)^kl\.?\s*", "", fields.get("Mødetid", "")).strip()
                if not target.time and (kl := KL_TIME.search(fields.get("Mødedato", ""))):
                    target.time = " - ".join(x for x in kl.groups() if x)    # "Onsdag d. 27. august 2025 kl. 16:00"
                target.place = fields.get("Mødested", "")
            target.participants += parts
            target.absentees += absent
            if fields.get("Emne"):
                target.body = _committee_body(fields["Emne"])
            elif title_body and not target.embedded:
                target.body = title_body[1]
            skip_to = j
        elif (m := WEEKDAY_DATE.match(s)) and (
                cur is None and ln.start < 1500 and BODY_WORDS.search(_body_line(lines, i, 0)[1])
                or cur is not None and not cur.front and not cur.has_items() and not cur.date
                and ln.start - cur.start < 800):
            skip_to = _front_matter(lines, i, m, cur if cur is not None else new_top(_body_line(lines, i, 0)[0]))
        elif DEC_HEAD.match(s) and (emb or cur) is not None:
            (emb or cur).decs.append(i)
        elif (m := NUM_ITEM_LONG.match(s)) and _case_follows(lines, i):
            if cur is None:
                new_top(ln.start)            # a file that is one agenda item ("2. Bygningsvedligeholdelse …")
            (emb or cur).case_items.append(i)
            if NUM_ITEM.match(s):
                (emb or cur).nums.append(i)
        elif NUM_ITEM.match(s) and not TOC_LEADER.search(s):
            (emb or cur or _MB(0)).nums.append(i)
        elif s.lower().startswith("dagsorden kort"):
            if emb or cur:
                (emb or cur).kort = i
        elif m := TITLE.match(s):
            if ln.start < 1500 and len(s) < 120:
                body = re.sub(r"\s+(?:den\s+|d\.\s*)?\d{1,2}(?:\.\s|[-./]\d).*$", "", m.group(2).strip())
                title_body = (ln.start, re.sub(r"(?i)^(?:\w*møde[t]?\s+i\s+)", "", body))
        if CLOSED_HEADING.match(s) or OPEN_HEADING.match(s):
            target = emb or cur
            if target is not None:
                target.marks.append((ln.start, bool(CLOSED_HEADING.match(s))))
    close_emb(len(text))
    if cur is not None:
        cur.end = len(text)
    for t in tops:
        for c in t.children:
            c.end = min(c.end if c.end >= 0 else t.end, t.end)
    return tops


def _case_follows(lines: list[_L], i: int) -> bool:
    """An "N. Title" line whose case number follows within two lines: a case-file agenda item."""
    j = i
    for _ in range(2):
        j = _next_nonblank(lines, j, 2)
        if j < 0:
            return False
        if CASE_LINE.match(lines[j].s):
            return True
    return False


def _body_line(lines: list[_L], i: int, floor: int) -> tuple[int, str]:
    """(offset, text) of the body named just above a front-page date line, skipping "Referat",
    "Åbent referat" and the like; (offset of line i, "") when there is none."""
    for k in range(i - 1, max(-1, i - 5), -1):
        s = lines[k].s
        if lines[k].start < floor:
            break
        if not s or REFERAT.match(s) or re.match(r"(?i)^(?:åbent|lukket|ekstraordinært|ordinært)\s", s) \
                or s.lower() in ("dagsorden", "referat"):
            continue
        if _is_anchor(s) or len(s) > 120 or s.endswith("."):
            break
        # "Udvalget for plan, udvikling og kultur (PUK) Ekstraordinært PUK": the body ends at its abbreviation
        return lines[k].start, re.sub(r"^(.*?\([A-ZÆØÅ]{2,8}\))\s+\S.*$", r"\1", s)
    return lines[i].start, ""


def _front_matter(lines: list[_L], i: int, m: re.Match, mb: _MB) -> int:
    """Date, time, place and body from a front-page date line; returns the index after the place lines."""
    mb.front = True
    mb.date = parse_danish_date(m.group(1))
    mb.date_text = m.group(1)
    mb.time = (m.group(2) or "").replace(".", ":")
    rest = m.group(3).strip()
    if not mb.time and (kl := KL_TIME.search(rest)):
        mb.time, rest = kl.group(1).replace(".", ":"), rest[kl.end():].strip()
    place, j = [re.sub(r"^(?:i|på)\s+", "", rest)] if rest else [], i + 1
    k = _next_nonblank(lines, i, 2)
    if not mb.time and k > 0 and (kl := re.match(r"(?i)kl\.?\s*(\d{1,2}[:.]\d{2})\s*$", lines[k].s)):
        mb.time, j = kl.group(1).replace(".", ":"), k + 1          # "Torsdag den 20. juni 2013" / "Kl. 10:30"
    while j < len(lines) and len(place) < 4:     # "Kaløvig Kursuscenter" / "Præstekravevej 46" / "8410 Rønde"
        s = lines[j].s
        if s and (_is_anchor(s) or len(s) > 80 or s.endswith((".", ":")) or TOC_HEAD.match(s)
                  or re.match(r"(?i)^(?:åbent|lukket)\s", s)):
            break
        if s:
            place.append(s)
        elif place:
            k = _next_nonblank(lines, j, 2)
            if k < 0 or _is_anchor(lines[k].s):
                break
        j += 1
    mb.place = re.sub(r"\s+(?:Medlemmer|Deltagere|Tilstede|Fraværende|Afbud)$", "", ", ".join(place))
    if not mb.body:
        mb.body = _body_line(lines, i, mb.start)[1]
    return j


# ---------------------------------------------------------------- agenda items

def _cut(lines: list[_L], j: int, end: int, stops: set[int]) -> int:
    """Offset of the first attachment line (or stop offset) after line j and before `end`, else `end`."""
    for ln in lines[j + 1:]:
        if ln.start >= end:
            break
        if ln.start in stops or (ln.s and ATTACH_CUT.match(ln.s)):
            return ln.start
    return end


def _decision_heading(lines: list[_L], bi: int, btitle: str, want: str) -> int:
    """Last line of a "Beslutning for Punkt N: …" heading that wraps ("… Nordic Safe" / "Cities")."""
    got, j = _norm(TIMEBOX.sub("", btitle)), bi
    while want and got != want and want.startswith(got):
        jj = _next_nonblank(lines, j, 2)
        if jj < 0:
            break
        cand = _norm(f"{got} {lines[jj].s}")
        if not want.startswith(cand):
            break
        got, j = cand, jj
    return j


def _punkt_items(text: str, lines: list[_L], mb: _MB, stops: set[int]) -> list[AgendaItem]:
    """Items of a "Punkt N: Title" meeting, with "Beslutning for Punkt N" decisions."""
    items = []
    for k, (li, n, title) in enumerate(mb.punkt):
        start = lines[li].start
        nxt = lines[mb.punkt[k + 1][0]].start if k + 1 < len(mb.punkt) else mb.end
        clean = TIMEBOX.sub("", title).strip()
        case_at = next((j for j in range(li + 1, min(len(lines), li + 6)) if CASE_LINE.match(lines[j].s)), -1)
        if case_at > 0 and all(not lines[j].s or (len(lines[j].s) < 100 and not _is_anchor(lines[j].s)
                                                 and not DEC_HEAD.match(lines[j].s)) for j in range(li + 1, case_at)):
            # FirstAgenda: the title runs up to its case-number line ("… Havnens" / "Perles fremtid …" / "EMN-…")
            clean = " ".join([clean] + [lines[j].s for j in range(li + 1, case_at) if lines[j].s])
        elif clean == title.strip() and not re.search(r"[.:!?]$", clean):
            for cont in lines[li + 1:li + 3]:       # a title wrapped onto the next line(s), no blank between
                c = cont.s
                if (not c or _is_anchor(c) or len(c) >= 80 or c.endswith((".", ":")) or c == "."
                        or c[:1] in "•-–▪" or re.match(r"^[\wæøåÆØÅ/. -]{2,30}:", c)
                        or CASE_LINE.match(c) or DEC_HEAD.match(c)):
                    break
                clean = f"{clean} {c}"
        end, decision, dstart = nxt, "", -1
        b = next((b for b in mb.besl if b[1] == n and start < lines[b[0]].start < nxt), None)
        if b:
            j = _decision_heading(lines, b[0], b[2], _norm(clean))
            end = _cut(lines, j, nxt, stops)
            seg = text[lines[j].end:end]
            dec = seg.strip()
            if dec and dec != ".":
                decision, dstart = dec, lines[j].end + len(seg) - len(seg.lstrip())
        else:
            decision, dstart = _decision(text, lines, mb, li, nxt)
            if not decision and CLOSED_TITLE.search(clean) and case_at > 0:
                decision, dstart = _closed_decision(text, lines, case_at, nxt)
        items.append(AgendaItem(number=n, title=clean, start=start, end=end, decision=decision,
                                decision_start=dstart))
    return items


def _decision(text: str, lines: list[_L], mb: _MB, li: int, end: int) -> tuple[str, int]:
    """(decision text, offset) under a decision heading (DEC_HEAD) inside an item; of several (an item
    treated at several meetings) the one dated with this meeting, else the last."""
    cands = [d for d in mb.decs if d > li and lines[d].start < end]
    if not cands:
        return "", -1
    dated = [d for d in cands if mb.date and _dec_date(lines[d].s) == mb.date]
    d = (dated or cands)[-1]
    m = DEC_HEAD.match(lines[d].s)
    if m.group("inline"):
        parts = [(lines[d].start + m.start("inline"), lines[d].end)]
    else:
        parts = []
    for j in range(d + 1, len(lines)):
        ln = lines[j]
        if ln.start >= end or (ln.s and _dec_stop(ln.s)):
            break
        if ln.s:
            parts.append((ln.start, ln.end))
    while parts and text[parts[-1][0]:parts[-1][1]].strip() in (".", ""):
        parts.pop()                                 # a stray "." line after the decision
    if not parts:
        return "", -1
    return text[parts[0][0]:parts[-1][1]].strip(), parts[0][0]


def _closed_decision(text: str, lines: list[_L], case_at: int, end: int) -> tuple[str, int]:
    """A closed item published with its decision only (FirstAgenda "Lukket: …"): the short text after the
    case number is the decision."""
    j = _next_nonblank(lines, case_at, 2)
    if j < 0 or lines[j].start >= end:
        return "", -1
    seg = text[lines[j].start:end].strip()
    return (seg, lines[j].start) if 0 < len(seg) <= 600 else ("", -1)


def _dec_stop(s: str) -> bool:
    letters = [c for c in s if c.isalpha()]
    return bool(DEC_HEAD.match(s) or DEC_STOP.match(s) or PUNKT.match(s) or CASE_LINE.match(s)
                or (len(letters) >= 6 and all(c.isupper() for c in letters)))


def _dec_date(s: str) -> int | None:
    m = DEC_HEAD.match(s)
    return parse_danish_date(m.group("date1") or m.group("date2") or "") if m else None


def _num_title(lines: list[_L], i: int) -> str:
    """Title of an "N. Title" item, joined with a wrapped continuation line."""
    title = (NUM_ITEM.match(lines[i].s) or NUM_ITEM_LONG.match(lines[i].s)).group(2).strip()
    if re.search(r"[.:!?]$", title):
        return title
    jj = _next_nonblank(lines, i, 2)
    if jj < 0:
        return title
    nxt = lines[jj].s
    if nxt[:1].islower() and len(nxt) < 80 and not _is_anchor(nxt):
        return f"{title} {nxt}"
    after = lines[jj + 1].s if jj + 1 < len(lines) else ""
    isolated = not after or bool(re.match(r"^[\wæøåÆØÅ/ -]{2,30}:", after)) or bool(NUM_ITEM.match(after))
    if (jj <= i + 2 and isolated and len(title) > 40 and len(nxt) < 70 and nxt[:1].isupper()
            and ":" not in nxt and not re.search(r"[.!?]$", nxt) and not NUM_ITEM.match(nxt)
            and not _is_anchor(nxt)):
        return f"{title} {nxt}"
    return title


def _runs(lines: list[_L], cands: list[int]) -> list[list[int]]:
    """Candidates grouped into tight runs: numbers n, n+1, … on lines at most two apart."""
    runs: list[list[int]] = []
    for i in cands:
        n = _num(NUM_ITEM.match(lines[i].s).group(1))
        last = runs[-1][-1] if runs else None
        if last is not None and i - last <= 2 and n == _num(NUM_ITEM.match(lines[last].s).group(1)) + 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def _drop_nested_lists(lines: list[_L], cands: list[int]) -> list[int]:
    """Remove numbered lists inside item bodies (a tight run restarting at 1 after the first item), and a
    leading short list whose first title reappears later as a detailed item (an unlabelled "Dagsorden kort")."""
    runs = _runs(lines, cands)
    first_one = next((k for k, r in enumerate(runs) if _num(NUM_ITEM.match(lines[r[0]].s).group(1)) == 1), None)
    out: list[int] = []
    for k, r in enumerate(runs):
        starts_at_one = _num(NUM_ITEM.match(lines[r[0]].s).group(1)) == 1
        if first_one is not None and k > first_one and starts_at_one and len(r) >= 2:
            continue
        if k == first_one and len(r) >= 2:
            title = _norm(NUM_ITEM.match(lines[r[0]].s).group(2))
            later = [x for rr in runs[k + 1:] for x in rr[:1]
                     if _num(NUM_ITEM.match(lines[x].s).group(1)) == 1
                     and _norm(NUM_ITEM.match(lines[x].s).group(2)).startswith(title[:20])]
            if later:
                continue
        out.extend(r)
    return out


def _num_items(text: str, lines: list[_L], mb: _MB) -> list[AgendaItem]:
    """Items "N. Title" forming an increasing sequence 1, 2, 3 …; after "Dagsorden kort:" the detailed
    second occurrence is used, and numbered lists inside item bodies are skipped. Case-file items
    ("715. Title" / "Sagsnr.: …", running numbers) are taken as they come, in increasing order."""
    if mb.case_items:
        chain = []
        for i in mb.case_items:
            if not chain or _num(NUM_ITEM_LONG.match(lines[i].s).group(1)) > _num(
                    NUM_ITEM_LONG.match(lines[chain[-1]].s).group(1)):
                chain.append(i)
        return _chain_items(text, lines, mb, chain)
    cands = [i for i in mb.nums
             if len(lines[i].s) <= 160 and not lines[i].s.rstrip().endswith(",")]
    if mb.kort >= 0:
        after = [i for i in cands if i > mb.kort]
        run, exp = 0, 1
        for i in after:
            if _num(NUM_ITEM.match(lines[i].s).group(1)) != exp:
                break
            run, exp = run + 1, exp + 1
        rest = after[run:]
        if run and rest and _num(NUM_ITEM.match(lines[rest[0]].s).group(1)) == 1:
            cands = [i for i in cands if i < mb.kort] + rest
    cands = _drop_nested_lists(lines, cands)
    chain, exp = [], 1
    for i in cands:
        if _num(NUM_ITEM.match(lines[i].s).group(1)) == exp:
            chain.append(i)
            exp += 1
    return _chain_items(text, lines, mb, chain)


def _chain_items(text: str, lines: list[_L], mb: _MB, chain: list[int]) -> list[AgendaItem]:
    items = []
    for k, i in enumerate(chain):
        end = lines[chain[k + 1]].start if k + 1 < len(chain) else mb.end
        decision, dstart = _decision(text, lines, mb, i, end)
        items.append(AgendaItem(number=(NUM_ITEM.match(lines[i].s) or NUM_ITEM_LONG.match(lines[i].s)).group(1),
                                title=_num_title(lines, i),
                                start=lines[i].start, end=end, decision=decision, decision_start=dstart))
    return items


def _own_text(text: str, start: int, end: int, holes: list[tuple[int, int]]) -> str:
    """text[start:end] without the spans of nested meetings."""
    parts, pos = [], start
    for a, b in sorted(holes):
        if b <= pos or a >= end:
            continue
        parts.append(text[pos:max(pos, a)])
        pos = max(pos, b)
    parts.append(text[pos:end])
    return "".join(parts)


def _finish_items(text: str, mb: _MB, items: list[AgendaItem], section: str,
                  warnings: list[str]) -> list[AgendaItem]:
    """Access levels, case numbers and the agenda/minutes part of each item."""
    holes = [(c.start, c.end) for c in mb.children]
    level = closed_level(mb.body)
    out = []
    for it in items:
        end = min([it.end] + [off for off, _ in mb.marks if it.start < off < it.end])
        if end != it.end and it.decision:
            seg = text[it.decision_start:end].strip()
            it = replace(it, decision=seg if seg != "." else "", decision_start=it.decision_start if seg else -1)
        it = replace(it, end=end, section=section or it.section)
        own = _own_text(text, it.start, it.end, holes)
        prose = CLOSED_HEADING.sub("", OPEN_HEADING.sub("", own))
        state = [closed for off, closed in mb.marks if off <= it.start]
        access, reason = PUBLIC, ""
        if state and state[-1]:
            access, reason = level, "står under overskriften om lukket dagsorden"
        elif CLOSED_TITLE.search(it.title):
            access, reason = level, "markeret som lukket/fortroligt i punktets titel"
        elif CLOSED_LINE.search(own):
            access, reason = level, "markeret \"Lukket punkt\" i punktet"
        elif m := CLOSED_REFERENCE.search(prose):
            snippet = prose[max(0, m.start() - 60):m.end() + 20].replace("\n", " ").strip()
            access = CLOSED
            reason = ("henviser til den lukkede dagsorden; det er uklart, hvad der hører til det lukkede punkt, "
                      "så punktet er sat til lukket for en sikkerheds skyld")
            warnings.append(f"Punkt {it.number} ({it.title}) henviser til en lukket dagsorden (\"…{snippet}…\"); "
                            "adgang sat til 'closed' for en sikkerheds skyld.")
        case = CASE.search(own)
        out.append(replace(it, access=access, access_reason=reason,
                           case_number=(case.group(1) or case.group(0)) if case else ""))
    return out


# ---------------------------------------------------------------- sections

BSEC = re.compile(r"^B\s?([1-9])\s?\.\s?(\d{1,2})\b\.?\s*(.*)$")
KAPITEL = re.compile(r"^KAPITEL\s+(\d{1,2})$")
PART = re.compile(r"^DEL\s+(\d{1,2})$")
PURPOSE = re.compile(r"^Formålet med\b")
SUMMARY = re.compile(r"^OPSUMMERING\s*:?$")
MD_HEAD = re.compile(r"^(#{1,6})\s+(.+?)\s*#*$")
PARA_HEAD = re.compile(r"^(§\s*\d+\s?[a-z]?)\.?(?:\s+(.{0,120}))?$")
DOTTED_HEAD = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){1,3})\.?\s+([A-ZÆØÅ].{1,100})$")
RESUME = re.compile(r"^1\.\s*Resum[eé]\b", re.IGNORECASE)

_Sec = tuple[int, str, str]        # (start offset, section id, title)


def _indstilling(lines: list[_L], text: str) -> tuple[list[_Sec], int, int]:
    """Sections "1. Resume" … "6. Hvordan følges der op?" of an indstilling: (sections, region start, end)."""
    for i, ln in enumerate(lines):
        if not RESUME.match(ln.s):
            continue
        heads, exp, stop = [(ln.start, "1", NUM_ITEM.match(ln.s).group(2).strip())], 2, len(text)
        for other in lines[i + 1:]:
            s = other.s
            if s and (PUNKT.match(s) or BESL.match(s) or INFO.match(s) or REFERAT.match(s) or LABEL.match(s)):
                stop = other.start
                break
            m = NUM_ITEM.match(s)
            if m and _num(m.group(1)) == exp and len(s) <= 110 and not s.endswith(","):
                heads.append((other.start, m.group(1), m.group(2).strip()))
                exp += 1
        region = -1
        for back in lines[max(0, i - 12):i]:
            if back.s == "Indstilling" or back.s.startswith("Indstilling "):
                region = back.start
        template = heads[1][2].startswith("Beslutningspunkter") if len(heads) > 1 else False
        if len(heads) >= 3 and (template or region >= 0):
            return heads, (region if region >= 0 else ln.start), stop
    return [], -1, -1


def _title_after(lines: list[_L], i: int, limit: int = 4) -> str:
    j = _next_nonblank(lines, i, limit)
    return lines[j].s if j >= 0 and len(lines[j].s) <= 100 else ""


def _report_sections(text: str, lines: list[_L], warnings: list[str]) -> list[_Sec]:
    """B-sections of an annex volume ("B1.1 …"), with the "Formålet med … OPSUMMERING:" summary page as
    a second anchor for sections whose heading is missing, and repaired ids for out-of-sequence labels."""
    heads: list[tuple[int, int, tuple[int, int] | None, str]] = []     # (line, offset, written id, title)
    for i, ln in enumerate(lines):
        m = BSEC.match(ln.s)
        if m:
            title = m.group(3).strip() or _title_after(lines, i)
            j = _next_nonblank(lines, i, 1)
            if m.group(3) and j >= 0 and lines[j].s[:1].islower() and len(lines[j].s) < 60:
                title = f"{title} {lines[j].s}"          # "… i faste" / "udvalg mv."
            heads.append((i, ln.start, (int(m.group(1)), int(m.group(2))), title))
    if len(heads) < 2:
        return []
    summaries = []
    for i, ln in enumerate(lines):
        if SUMMARY.match(ln.s):
            # The page opens with "Formålet med …" a few lines up (repair may have glued it to the
            # previous paragraph, so search the text, not line starts).
            k = text.rfind("Formålet med", max(0, ln.start - 1500), ln.start)
            summaries.append((i, k if k >= 0 else ln.start))
    events = sorted([(h[1], "head") for h in heads] + [(off, "sum") for _, off in summaries])
    pending = -1
    for off, what in events:
        if what == "head":
            pending = off
        elif pending >= 0 and off - pending < 8000:
            pending = -1                                  # the summary page of the heading just above
        else:
            pending = -1
            sentence = re.split(r"(?<=\.)\s|\n", text[off:off + 300])[0].strip()
            title = sentence if len(sentence) <= 100 else sentence[:97].rsplit(" ", 1)[0] + " …"
            heads.append((_line_at(lines, off), off, None, title))
    heads.sort(key=lambda h: h[1])
    used = {h[2] for h in heads if h[2]}
    out: list[_Sec] = []
    prev: tuple[int, int] | None = None
    seen: set[tuple[int, int]] = set()
    for _, off, wid, title in heads:
        guess = (prev[0], prev[1] + 1) if prev else None
        if wid is None:
            sid = guess if guess and guess not in used else None
            warnings.append(f"Afsnit uden B-overskrift ved \"{title[:60]}\"; "
                            + (f"id {_bid(sid)} er udledt af rækkefølgen." if sid else "id ukendt."))
        elif wid in seen or (prev and wid < prev):
            sid = guess if guess and guess not in used else wid
            warnings.append(f"Afsnittet \"{_bid(wid)} {title[:60]}\" står uden for rækkefølgen (id brugt før "
                            f"eller faldende); behandlet som {_bid(sid)}.")
        else:
            sid = wid
        if sid:
            seen.add(sid)
            prev = sid
        out.append((off, _bid(sid), title))
    for i, ln in enumerate(lines):
        m = KAPITEL.match(ln.s)
        if m:
            start = ln.start
            for back in reversed(lines[max(0, i - 6):i]):      # the divider's "2" / "BILAG" lines
                if back.s and (len(back.s) <= 3 or back.s == "BILAG"):
                    start = back.start
                elif back.s:
                    break
            out.append((start, f"KAPITEL {m.group(1)}", _title_after(lines, i)))
    return out


def _line_at(lines: list[_L], off: int) -> int:
    """Index of the line containing offset `off`."""
    lo, hi = 0, len(lines) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if lines[mid].start <= off:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _bid(sid: tuple[int, int] | None) -> str:
    return f"B{sid[0]}.{sid[1]}" if sid else ""


def _heading_sections(lines: list[_L], kind: str) -> list[_Sec]:
    """Markdown headings for any text document; "§ 3" and "3.2 Title" headings for handbooks; "DEL n" parts."""
    out: list[_Sec] = []
    parts_seen: set[str] = set()
    for i, ln in enumerate(lines):
        s = ln.s
        if m := MD_HEAD.match(s):
            title = m.group(2).strip()
            num = re.match(r"^(§\s*\d+[a-z]?|\d+(?:\.\d+)*)\.?\s+", title)
            out.append((ln.start, re.sub(r"\s+", "", num.group(1)) if num else "", title))
        elif kind == "handbook" and (m := PARA_HEAD.match(s)) and len(s) <= 130:
            out.append((ln.start, re.sub(r"\s+", "", m.group(1)), (m.group(2) or "").strip() or _title_after(lines, i)))
        elif kind == "handbook" and (m := DOTTED_HEAD.match(s)):
            out.append((ln.start, m.group(1), m.group(2).strip()))
        elif (m := PART.match(s)) and m.group(1) not in parts_seen:   # later "DEL n" lines are running heads
            parts_seen.add(m.group(1))
            out.append((ln.start, f"DEL {m.group(1)}", f"Del {m.group(1)}"))
    return out


def _toc_sections(lines: list[_L]) -> list[_Sec]:
    """Sections named by a table of contents: each numbered entry ("3. Værested …… 2", "1. Forord 3")
    found again, in order, as a line of its own after the contents."""
    toc = sorted(_toc_lines(lines))
    entries = []
    for i in toc:
        s = re.sub(r"\s*(?:\.{3,}|…+|(?:\s\.){3,})?\s*\d{1,4}\s*$", "", lines[i].s)
        if m := re.match(r"^(\d{1,2}(?:\.\d{1,2})*)\.?\s+(\S.{1,120})$", s):
            entries.append((m.group(1), m.group(2).strip()))
    out: list[_Sec] = []
    j = toc[-1] + 1 if toc else 0
    for num, title in entries if len(entries) >= 2 else []:
        keys = (_norm(f"{num}. {title}"), _norm(f"{num} {title}"))
        for k in range(j, len(lines)):
            if _norm(lines[k].s) in keys:
                out.append((lines[k].start, num, title))
                j = k + 1
                break
    return out if len(out) >= 2 else []


def _tile(found: list[_Sec], end: int) -> list[Section]:
    """Sections that do not overlap: each runs to the next one's start."""
    found = sorted(set(found))
    return [Section(title=t, start=s, end=found[k + 1][0] if k + 1 < len(found) else end, section_id=sid)
            for k, (s, sid, t) in enumerate(found)]


# ---------------------------------------------------------------- document level

_SKIP_TITLES = {"forord", "indhold", "indholdsfortegnelse", "indledning", "læsevejledning", "sammenfatning",
                 "resumé", "resume"}
_GENERIC_TITLES = {"referat", "dagsorden", "indstilling", "notat", "bilag"}
_KIND_WORDS = (
    ("minutes", r"referat"),
    ("agenda", r"dagsorden"),
    ("indstilling", r"indstilling"),
    ("handbook", r"håndbog|haandbog|styrelsesvedt|forretningsorden|regulativ"),
    ("report", r"bilagsmateriale|betænkning|betaenkning|rapport|notat|analyse|evaluering|redegørelse"),
)


def _heading_title(lines: list[_L]) -> str:
    """The first isolated, short heading line near the top ("Referat fra Udvalget for …"), before any item."""
    # A memo's letterhead ("Dato: …", "Tlf. dir.: …", "Sagsnr: …") comes before its heading: not counted.
    nonblank = [i for i, ln in enumerate(lines) if ln.s and not LETTERHEAD.match(ln.s)][:8]
    for n, i in enumerate(nonblank):
        s = lines[i].s.lstrip("#").strip()
        if s.lower().rstrip(":") in _SKIP_TITLES:
            continue
        if REFERAT.match(s):
            return "Referat"
        if PUNKT.match(s) or BESL.match(s) or LABEL.match(s) or NUM_ITEM.match(s) or INFO.match(s):
            return ""
        isolated = (i == 0 or not lines[i - 1].s) and (i + 1 >= len(lines) or not lines[i + 1].s)
        if len(s) > 200:
            break                 # running text has begun: no heading above it
        if n == 0 and isolated and s.endswith(".") and len(s.split()) <= 10 and ". " not in s:
            s = s[:-1]            # "Politik for Kultur og Fritid - Lokalt engagement." on a front page
        if (isolated and len(s) <= 100 and len(s.split()) <= 14 and not s[:1].islower()
                and not s.endswith((",", "-", ".")) and not (n > 0 and s.endswith(":"))):
            # "Notat" / "Prioritering af midler …": the word names the kind only (meeting papers keep theirs)
            if len(s.split()) == 1 and s.lower() not in ("referat", "dagsorden", "indstilling"):
                j = _next_nonblank(lines, i, 3)
                nxt = lines[j].s if j >= 0 else ""
                if nxt and len(nxt) < 80 and len(nxt.split()) >= 2 and not nxt.endswith(".") and not _is_anchor(nxt):
                    return f"{s} – {nxt}"
            return s
    return ""


def _kind(path: str, title: str, text: str, meetings: list[Meeting], indst: bool) -> str:
    name = (path.rsplit("/", 1)[-1] + " " + title).lower()
    for kind, words in _KIND_WORDS:
        if re.search(words, name):
            return kind
    if meetings:
        return "minutes" if any(m.kind == "minutes" for m in meetings) else "agenda"
    if indst:
        return "indstilling"
    # A long text without meeting structure is a publication (Aarhuskompasset: a magazine-style framework
    # text, not a rules handbook), so "report"; short unstructured texts are "other".
    return "report" if len(text) > 20000 else "other"


def _doc_date(lines: list[_L]) -> int | None:
    """The document's own date: "Dato 24. november 2022" metadata near "Til"/"Fra" (or at the top), or a
    page-header date followed by "Side N af M". Meeting dates are not document dates."""
    for i, ln in enumerate(lines):
        s = ln.s
        m = re.match(r"^(?:Dato|Ajourført|Opdateret|Revideret)\s*:?\s+(.+)$", s)
        if ln.start < 1500 and (g := re.match(r"^Godkendt\b.{0,80}?\bden\s+(\d.+)$", s)):
            m = g             # "Godkendt af byrådet, Syddjurs Kommune den 30. april 2009"
        if m:
            near = any(re.match(r"^(Til|Fra)\s", x.s) for x in lines[max(0, i - 6):i + 7])
            d = parse_danish_date(m.group(1))
            if d and (near or ln.start < 1500):
                return d
        d = parse_danish_date(s)
        if d and len(s) <= 25:
            j = _next_nonblank(lines, i, 2)
            if j >= 0 and re.match(r"^[Ss]ide\s+\d+\s+af\s+\d+$", lines[j].s):
                return d
    return None


def _merge_agenda_and_minutes(tops: list[_MB]) -> list[_MB]:
    """An undated agenda part followed by a "Referat" part of the same meeting (same item numbers and
    titles, corpus-notes §3.2 B+C) is one meeting with items in both parts."""
    out: list[_MB] = []
    for mb in tops:
        prev = out[-1] if out else None
        if (prev is not None and mb.referat and not prev.referat and prev.date is None and mb.date is None
                and prev.items and mb.items and not any(it.decision for it in prev.items)):
            mine = {it.number: _norm(it.title) for it in mb.items}
            if all(mine.get(it.number) == _norm(it.title) for it in prev.items):
                prev.items = ([replace(it, section="agenda") for it in prev.items]
                              + [replace(it, section="minutes") for it in mb.items])
                prev.end, prev.referat, prev.kind = mb.end, True, "minutes"
                prev.children += mb.children
                continue
        out.append(mb)
    return out


def _date_hints(tops: list[_MB], doc_date: int | None, warnings: list[str]) -> None:
    """Hints (never dates) for undated meetings, with the reason, and a warning for the report."""
    dated = [m for m in tops if m.date]
    embedded = [c for m in tops for c in m.children if c.date]
    for mb in tops:
        if mb.date:
            continue
        first = _num(mb.items[0].number) if mb.items and mb.items[0].number[:1].isdigit() else 0
        cont = [d for d in dated if d.start < mb.start and d.items
                and max(_num(it.number) for it in d.items) == first - 1]
        if cont:
            d = cont[-1]
            mb.date_hint = d.date
            mb.date_hint_reason = (f"fortsætter punktnummereringen fra mødet {format_date(d.date)} i samme fil "
                                   f"(punkt {d.items[0].number}-{d.items[-1].number})")
        elif dated:
            d = min(dated, key=lambda x: abs(x.start - mb.start))
            mb.date_hint, mb.date_hint_reason = d.date, f"samme fil som mødet {format_date(d.date)}"
        elif [c for c in mb.children if c.date]:
            c = [c for c in mb.children if c.date][0]
            mb.date_hint = c.date
            mb.date_hint_reason = (f"udateret; den vedhæftede dagsorden gælder mødet {format_date(c.date)} "
                                   f"({c.body}), så mødet lå formentlig kort før")
        elif embedded:
            c = min(embedded, key=lambda x: abs(x.start - mb.start))
            mb.date_hint = c.date
            mb.date_hint_reason = (f"udateret; nærmeste mødedato i filen er {format_date(c.date)} "
                                   f"(dagsorden vedhæftet et andet møde)")
        elif doc_date:
            mb.date_hint, mb.date_hint_reason = doc_date, f"udateret; dokumentets dato er {format_date(doc_date)}"
        where = f"punkt {mb.items[0].number}-{mb.items[-1].number}" if mb.items else "uden punkter"
        note = f"; date_hint {format_date(mb.date_hint)} er kun udledt: {mb.date_hint_reason}" if mb.date_hint else ""
        warnings.append(f"Mødet \"{mb.body or 'ukendt organ'}\" ({where}) har ingen dato i teksten{note}.")


def _info_people(text: str, lines: list[_L], mb: _MB) -> list[str]:
    """Names from "Information:Lotte Henriksen deltager fra …" / "Jacob tager referat." before the first item."""
    first = min([it.start for it in mb.items] or [mb.end])
    names = []
    for ln in lines:
        if mb.start <= ln.start < first:
            names += [m.group(1) for m in INFO_NAME.finditer(re.sub(r"^Information\s*:\s*", "", ln.s))]
    return names


def _from_decisions(lines: list[_L], mb: _MB) -> None:
    """An undated meeting (a file holding one agenda item) takes body and date from its decision headings
    ("Sundheds- og Forebyggelsesudvalgets beslutning den 04.12.2012 Punkt 2") when they all agree: the
    date is written there, as the date the body decided the item."""
    if mb.date or not mb.items:
        return
    heads = {(m.group("body1") or m.group("body2") or "", _dec_date(lines[d].s))
             for d in mb.decs if (m := DEC_HEAD.match(lines[d].s)) and _dec_date(lines[d].s)}
    if len(heads) == 1:
        body, mb.date = heads.pop()
        mb.body = mb.body or body.strip()


def _to_meeting(mb: _MB) -> Meeting:
    return Meeting(body=mb.body, date=mb.date, start=mb.start, end=mb.end, date_hint=mb.date_hint,
                   date_hint_reason=mb.date_hint_reason, time=mb.time, place=mb.place,
                   participants=tuple(mb.participants), absentees=tuple(mb.absentees),
                   items=tuple(mb.items), embedded=mb.embedded, kind=mb.kind)


def analyse(text: str, path: str, title_hint: str = "") -> Structure:
    """Kind, title, meetings, sections, access and document date of one repaired document."""
    lines = _lines(text)
    warnings: list[str] = []
    heading = _heading_title(lines)
    indst, ind_start, ind_end = _indstilling(lines, text)
    tops = _scan(text, lines)
    stops = {c.start for t in tops for c in t.children} | ({ind_start} if ind_start >= 0 else set())
    path_kind = _kind(path, heading or title_hint, "", [], False)

    for mb in tops:
        for c in mb.children:
            c.items = _finish_items(text, c, _num_items(text, lines, c), "agenda", warnings)
        mb.items = _punkt_items(text, lines, mb, stops) if mb.punkt else _num_items(text, lines, mb)
        if mb.referat or any(it.decision for it in mb.items):
            mb.kind = "minutes"
        elif path_kind in ("minutes", "agenda"):
            mb.kind = path_kind
        elif mb.items:
            mb.kind = "agenda"
    tops = [mb for mb in tops if mb.items or mb.date or mb.children or mb.participants]
    for mb in tops:
        _from_decisions(lines, mb)
    title_m = TITLE.match(heading) if heading else None
    for k, mb in enumerate(tops):
        if not mb.body and k == 0 and title_m:
            mb.body = re.sub(r"(?i)^(?:\w*møde[t]?\s+i\s+)", "", title_m.group(2).strip())
            mb.body = re.sub(r"\s+(?:den\s+)?\d{1,2}\.\s.*$", "", mb.body)
        if not mb.body:
            src = f"{heading} {title_hint}"
            if RAADMAND.search(src):
                mb.body = "Rådmandsmøde"
            elif RAADMAND.search(text[mb.start:mb.end]) or RAADMAND.search(path):
                mb.body = "Rådmandsmøde"
                warnings.append("Mødeorganet står ikke i teksten; \"Rådmandsmøde\" er udledt af teksten "
                                "(\"rådmandskredsen\"/\"rådmandsmødet\") eller filnavnet.")
        mb.participants += [n for n in _info_people(text, lines, mb) if n not in mb.participants]
    tops = _merge_agenda_and_minutes(tops)
    for mb in tops:
        # The agenda/minutes part is known only now (after merging); set access and part per item.
        part = "minutes" if mb.kind == "minutes" else "agenda"
        mb.items = [x for it in mb.items for x in _finish_items(text, mb, [it], it.section or part, warnings)]

    doc_date = _doc_date(lines)
    _date_hints(tops, doc_date, warnings)
    meetings = sorted([_to_meeting(m) for m in tops] + [_to_meeting(c) for m in tops for c in m.children],
                      key=lambda m: (m.start, m.embedded))
    for mb in tops + [c for m in tops for c in m.children]:
        if mb.date is None and mb.date_text:
            warnings.append(f"Mødedatoen \"{mb.date_text}\" for \"{mb.body}\" kunne ikke læses; mødet er udateret.")

    title = heading or title_hint or path.rsplit("/", 1)[-1].rsplit(".", 1)[0].replace("-", " ")
    if title.lower() in _GENERIC_TITLES and meetings and meetings[0].body:
        title = f"{title}, {meetings[0].body}"
    if title.islower():
        title = title[:1].upper() + title[1:]
    kind = _kind(path, title, text, meetings, bool(indst))
    one = [it for m in meetings for it in m.items]
    if not heading and len(one) == 1 and len(meetings) == 1:
        title = one[0].title              # a file that is one agenda item is named by it (kind set above)

    found: list[_Sec] = []
    if not meetings:
        found += _report_sections(text, lines, warnings) if kind in ("report", "other") else []
        found += _heading_sections(lines, kind)
        found += [s for s in _toc_sections(lines) if s[0] not in {f[0] for f in found}]
    sections = sorted(_tile(indst, ind_end) + _tile(found, len(text)), key=lambda x: x.start)
    sections = [_section_access(s, meetings) for s in sections]

    access, reason = document_access(text, path, title, kind, [m.body for m in meetings])
    cases = tuple(dict.fromkeys(m.group(1) or m.group(0) for m in CASE.finditer(text)))
    return Structure(kind=kind, title=title, meetings=tuple(meetings), sections=tuple(sections),
                     access=access, access_reason=reason, doc_date=doc_date,
                     warnings=tuple(dict.fromkeys(warnings)), case_numbers=cases)


def _section_access(sec: Section, meetings: list[Meeting]) -> Section:
    """A section inside a closed item (an indstilling attached to it) inherits the item's level."""
    for m in meetings:
        for it in m.items:
            if it.start <= sec.start < it.end and it.access not in (PUBLIC, INTERNAL):
                return Section(sec.title, sec.start, sec.end, sec.section_id, it.access)
    return sec

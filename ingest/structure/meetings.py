"""Meeting scan: meeting headers, front pages, attendance labels and the item/decision events of each meeting."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from byraad.dates import parse_danish_date
from byraad.types import AgendaItem
from ingest.access import CLOSED_HEADING, OPEN_HEADING
from ingest.structure.lines import (
    BESL,
    CASE_LINE,
    DATE_HEADER,
    DEC_HEAD,
    INFO,
    LABEL,
    NUM_ITEM,
    NUM_ITEM_LONG,
    PUNKT,
    REFERAT,
    TITLE,
    TOC_HEAD,
    TOC_LEADER,
    Line,
    is_anchor,
    item_number,
    next_nonblank,
    toc_lines,
)

# Front matter of a minutes/agenda PDF: "tirsdag den 4. december 2012, kl. 13:00 i Mødecenter C" / "Torsdag
# den 20. juni 2013 Kl. 10:30" (the weekday makes it the meeting's own date, not a date in running text).
WEEKDAY_DATE = re.compile(
    r"^(?:man|tirs|ons|tors|fre|lør|søn)dag\s+(?:den\s+|d\.\s*)?(\d{1,2}\.?\s*\w+\.?\s+\d{4}|"
    r"\d{1,2}[-./]\d{1,2}[-./]\d{2,4})\s*,?\s*(?:kl\.?\s*(\d{1,2}[:.]\d{2})(?:\s*[-–]\s*"
    r"\d{1,2}[:.]\d{2})?)?\s*(.*)$",
    re.IGNORECASE,
)
KL_TIME = re.compile(r"\bkl\.?\s*(\d{1,2}[:.]\d{2})(?:\s*[-–]\s*(\d{1,2}[:.]\d{2}))?", re.IGNORECASE)
BODY_WORDS = re.compile(r"udvalg|byråd|kommunalbestyrelse|magistrat|rådet\b|nævn|bestyrelse", re.IGNORECASE)
NAME = re.compile(r"[A-ZÆØÅ][\w.'’-]*(?:\s+[\w.'’-]+){0,5}")


@dataclass
class MeetingBuilder:
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
    punkt: list[tuple[int, str, str]] = field(default_factory=list)  # (line idx, number, title)
    besl: list[tuple[int, str, str]] = field(default_factory=list)
    nums: list[int] = field(default_factory=list)
    kort: int = -1
    marks: list[tuple[int, bool]] = field(default_factory=list)  # (offset, closed?)
    children: list["MeetingBuilder"] = field(default_factory=list)
    items: list[AgendaItem] = field(default_factory=list)
    kind: str = ""
    date_hint: int | None = None
    date_hint_reason: str = ""
    date_text: str = ""  # the written "Mødedato" value, kept to report unreadable dates
    front: bool = False  # date/body come from a PDF front page ("Referat / Udvalg / tirsdag den …")
    case_items: list[int] = field(default_factory=list)  # "N. Title" lines followed by "Sagsnr.:"
    decs: list[int] = field(default_factory=list)  # decision headings (DEC_HEAD)

    def has_items(self) -> bool:
        return bool(self.punkt or self.besl or self.nums or self.case_items)


def _split_names(value: str) -> list[str]:
    """ "A, B og C" → ["A", "B", "C"] (commas outside parentheses)."""
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


def _header_block(lines: list[Line], i: int) -> tuple[dict[str, str], list[str], list[str], int]:
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
            label = {
                "Deltagende": "Deltagere",
                "Øvrige deltagere": "Deltagere",
                "Fraværende": "Afbud",
                "Mødetidspunkt": "Mødetid",
                "Tilstede": "Deltagere",
                "Til stede": "Deltagere",
                "Medlemmer": "Deltagere",
                "Afbud/Fraværende": "Afbud",
            }.get(name, name)
            value = (m.group(2) or "").strip()
            fields[label] = fields.get(label) or value
            if label in people and value:
                people[label].extend(_split_names(value))
            cur, blanks = label, 0
            j += 1
            continue
        lst = people.get(cur)
        wrapped = lst and (
            lst[-1].count("(") > lst[-1].count(")")  # a note wrapping onto the next line
            or len(re.sub(r"\(.*?\)", "", lst[-1]).split()) > 6
        )  # or a sentence, not a name
        if lst is not None and wrapped and not LABEL.match(s) and len(s) < 90:
            lst[-1] = f"{lst[-1]} {s}"
        elif cur == "Emne" and not fields.get("Emne") and not is_anchor(s):
            fields["Emne"] = s
        elif (
            lst is not None
            and _namelike(s)
            and not NUM_ITEM.match(s)
            and len(s) < 90
            and not TOC_HEAD.match(s)
            and not (s.isupper() and len(s) > 3)
        ):  # not "INDHOLDSFORTEGNELSE"
            lst.extend(_split_names(s))
        else:
            break
        blanks = 0
        j += 1
    return fields, people["Deltagere"], people["Afbud"], j


def _committee_body(emne: str) -> str:
    """ "Social- og Beskæftigelsesudvalgsmøde" → "Social- og Beskæftigelsesudvalget" (the body, not the meeting)."""
    s = emne.strip().rstrip(".")
    s = re.sub(r"(?i)^(?:møde\s+i\s+|mødet\s+i\s+)", "", s)
    return re.sub(r"udvalgsmøde(?:t)?$", "udvalget", s)


def scan_meetings(text: str, lines: list[Line]) -> list[MeetingBuilder]:
    """First pass: find meetings, their headers and item/label events."""
    tops: list[MeetingBuilder] = []
    cur: MeetingBuilder | None = None
    emb: MeetingBuilder | None = None
    title_body: tuple[int, str] | None = None

    def close_emb(pos: int) -> None:
        nonlocal emb
        if emb is not None:
            emb.end = pos
            emb = None

    def new_top(pos: int, **kw) -> MeetingBuilder:
        nonlocal cur
        close_emb(pos)
        if cur is not None:
            cur.end = pos
        cur = MeetingBuilder(start=pos, **kw)
        tops.append(cur)
        return cur

    skip_to = -1
    toc = toc_lines(lines)
    for i, ln in enumerate(lines):
        s = ln.s
        if i < skip_to or not s or i in toc:
            continue
        if m := PUNKT.match(s):
            if cur is None or (cur.punkt and item_number(m.group(1)) <= item_number(cur.punkt[-1][1])):
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
            j = next_nonblank(lines, i)
            if j >= 0 and not is_anchor(lines[j].s) and len(lines[j].s) < 80:
                cur.place = lines[j].s
                skip_to = j + 1
        elif LABEL.match(s):
            fields, parts, absent, j = _header_block(lines, i)
            if (
                "Mødedato" not in fields
                and len({"Emne", "Mødetid", "Mødested", "Deltagere", "Afbud"} & fields.keys()) < 2
            ):
                continue
            if cur is not None and cur.punkt:  # inside a "Punkt N:" item: an attached agenda
                close_emb(ln.start)
                emb = MeetingBuilder(start=ln.start, embedded=True, kind="agenda")
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
                    target.time = " - ".join(x for x in kl.groups() if x)  # "Onsdag d. 27. august 2025 kl. 16:00"
                target.place = fields.get("Mødested", "")
            target.participants += parts
            target.absentees += absent
            if fields.get("Emne"):
                target.body = _committee_body(fields["Emne"])
            elif title_body and not target.embedded:
                target.body = title_body[1]
            skip_to = j
        elif (m := WEEKDAY_DATE.match(s)) and (
            cur is None
            and ln.start < 1500
            and BODY_WORDS.search(_body_line(lines, i, 0)[1])
            or cur is not None
            and not cur.front
            and not cur.has_items()
            and not cur.date
            and ln.start - cur.start < 800
        ):
            skip_to = _front_matter(lines, i, m, cur if cur is not None else new_top(_body_line(lines, i, 0)[0]))
        elif DEC_HEAD.match(s) and (emb or cur) is not None:
            (emb or cur).decs.append(i)
        elif (m := NUM_ITEM_LONG.match(s)) and _case_follows(lines, i):
            if cur is None:
                new_top(ln.start)  # a file that is one agenda item ("2. Bygningsvedligeholdelse …")
            (emb or cur).case_items.append(i)
            if NUM_ITEM.match(s):
                (emb or cur).nums.append(i)
        elif NUM_ITEM.match(s) and not TOC_LEADER.search(s):
            (emb or cur or MeetingBuilder(0)).nums.append(i)
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


def _case_follows(lines: list[Line], i: int) -> bool:
    """An "N. Title" line whose case number follows within two lines: a case-file agenda item."""
    j = i
    for _ in range(2):
        j = next_nonblank(lines, j, 2)
        if j < 0:
            return False
        if CASE_LINE.match(lines[j].s):
            return True
    return False


def _body_line(lines: list[Line], i: int, floor: int) -> tuple[int, str]:
    """(offset, text) of the body named just above a front-page date line, skipping "Referat",
    "Åbent referat" and the like; (offset of line i, "") when there is none."""
    for k in range(i - 1, max(-1, i - 5), -1):
        s = lines[k].s
        if lines[k].start < floor:
            break
        if (
            not s
            or REFERAT.match(s)
            or re.match(r"(?i)^(?:åbent|lukket|ekstraordinært|ordinært)\s", s)
            or s.lower() in ("dagsorden", "referat")
        ):
            continue
        if is_anchor(s) or len(s) > 120 or s.endswith("."):
            break
        # "Udvalget for plan, udvikling og kultur (PUK) Ekstraordinært PUK": the body ends at its abbreviation
        return lines[k].start, re.sub(r"^(.*?\([A-ZÆØÅ]{2,8}\))\s+\S.*$", r"\1", s)
    return lines[i].start, ""


def _front_matter(lines: list[Line], i: int, m: re.Match, mb: MeetingBuilder) -> int:
    """Date, time, place and body from a front-page date line; returns the index after the place lines."""
    mb.front = True
    mb.date = parse_danish_date(m.group(1))
    mb.date_text = m.group(1)
    mb.time = (m.group(2) or "").replace(".", ":")
    rest = m.group(3).strip()
    if not mb.time and (kl := KL_TIME.search(rest)):
        mb.time, rest = kl.group(1).replace(".", ":"), rest[kl.end() :].strip()
    place, j = [re.sub(r"^(?:i|på)\s+", "", rest)] if rest else [], i + 1
    k = next_nonblank(lines, i, 2)
    if not mb.time and k > 0 and (kl := re.match(r"(?i)kl\.?\s*(\d{1,2}[:.]\d{2})\s*$", lines[k].s)):
        mb.time, j = kl.group(1).replace(".", ":"), k + 1  # "Torsdag den 20. juni 2013" / "Kl. 10:30"
    while j < len(lines) and len(place) < 4:  # "Kaløvig Kursuscenter" / "Præstekravevej 46" / "8410 Rønde"
        s = lines[j].s
        if s and (
            is_anchor(s)
            or len(s) > 80
            or s.endswith((".", ":"))
            or TOC_HEAD.match(s)
            or re.match(r"(?i)^(?:åbent|lukket)\s", s)
        ):
            break
        if s:
            place.append(s)
        elif place:
            k = next_nonblank(lines, j, 2)
            if k < 0 or is_anchor(lines[k].s):
                break
        j += 1
    mb.place = re.sub(r"\s+(?:Medlemmer|Deltagere|Tilstede|Fraværende|Afbud)$", "", ", ".join(place))
    if not mb.body:
        mb.body = _body_line(lines, i, mb.start)[1]
    return j

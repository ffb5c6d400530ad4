"""Sections of documents without meetings: indstilling template, annex B-sections, chapters, headings, TOC."""

from __future__ import annotations

import re

from byraad.types import INTERNAL, PUBLIC, Meeting, Section
from ingest.structure.lines import (
    BESL,
    INFO,
    LABEL,
    NUM_ITEM,
    PUNKT,
    REFERAT,
    Line,
    item_number,
    line_at,
    next_nonblank,
    norm_line,
    title_after,
    toc_lines,
)

BSEC = re.compile(r"^B\s?([1-9])\s?\.\s?(\d{1,2})\b\.?\s*(.*)$")
KAPITEL = re.compile(r"^KAPITEL\s+(\d{1,2})$")
PART = re.compile(r"^DEL\s+(\d{1,2})$")
SUMMARY = re.compile(r"^OPSUMMERING\s*:?$")
MD_HEAD = re.compile(r"^(#{1,6})\s+(.+?)\s*#*$")
PARA_HEAD = re.compile(r"^(§\s*\d+\s?[a-z]?)\.?(?:\s+(.{0,120}))?$")
DOTTED_HEAD = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){1,3})\.?\s+([A-ZÆØÅ].{1,100})$")
RESUME = re.compile(r"^1\.\s*Resum[eé]\b", re.IGNORECASE)

SectionSpan = tuple[int, str, str]  # (start offset, section id, title)


def indstilling_sections(lines: list[Line], text: str) -> tuple[list[SectionSpan], int, int]:
    """Sections "1. Resume" … "6. Hvordan følges der op?" of an indstilling: (sections, region start, end)."""
    for i, ln in enumerate(lines):
        if not RESUME.match(ln.s):
            continue
        heads, exp, stop = [(ln.start, "1", NUM_ITEM.match(ln.s).group(2).strip())], 2, len(text)
        for other in lines[i + 1 :]:
            s = other.s
            if s and (PUNKT.match(s) or BESL.match(s) or INFO.match(s) or REFERAT.match(s) or LABEL.match(s)):
                stop = other.start
                break
            m = NUM_ITEM.match(s)
            if m and item_number(m.group(1)) == exp and len(s) <= 110 and not s.endswith(","):
                heads.append((other.start, m.group(1), m.group(2).strip()))
                exp += 1
        region = -1
        for back in lines[max(0, i - 12) : i]:
            if back.s == "Indstilling" or back.s.startswith("Indstilling "):
                region = back.start
        template = heads[1][2].startswith("Beslutningspunkter") if len(heads) > 1 else False
        if len(heads) >= 3 and (template or region >= 0):
            return heads, (region if region >= 0 else ln.start), stop
    return [], -1, -1


def report_sections(text: str, lines: list[Line], warnings: list[str]) -> list[SectionSpan]:
    """B-sections of an annex volume ("B1.1 …"), with the "Formålet med … OPSUMMERING:" summary page as
    a second anchor for sections whose heading is missing, and repaired ids for out-of-sequence labels."""
    heads: list[tuple[int, int, tuple[int, int] | None, str]] = []  # (line, offset, written id, title)
    for i, ln in enumerate(lines):
        m = BSEC.match(ln.s)
        if m:
            title = m.group(3).strip() or title_after(lines, i)
            j = next_nonblank(lines, i, 1)
            if m.group(3) and j >= 0 and lines[j].s[:1].islower() and len(lines[j].s) < 60:
                title = f"{title} {lines[j].s}"  # "… i faste" / "udvalg mv."
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
            pending = -1  # the summary page of the heading just above
        else:
            pending = -1
            sentence = re.split(r"(?<=\.)\s|\n", text[off : off + 300])[0].strip()
            title = sentence if len(sentence) <= 100 else sentence[:97].rsplit(" ", 1)[0] + " …"
            heads.append((line_at(lines, off), off, None, title))
    heads.sort(key=lambda h: h[1])
    used = {h[2] for h in heads if h[2]}
    out: list[SectionSpan] = []
    prev: tuple[int, int] | None = None
    seen: set[tuple[int, int]] = set()
    for _, off, wid, title in heads:
        guess = (prev[0], prev[1] + 1) if prev else None
        if wid is None:
            sid = guess if guess and guess not in used else None
            warnings.append(
                f'Afsnit uden B-overskrift ved "{title[:60]}"; '
                + (f"id {_bid(sid)} er udledt af rækkefølgen." if sid else "id ukendt.")
            )
        elif wid in seen or (prev and wid < prev):
            sid = guess if guess and guess not in used else wid
            warnings.append(
                f'Afsnittet "{_bid(wid)} {title[:60]}" står uden for rækkefølgen (id brugt før '
                f"eller faldende); behandlet som {_bid(sid)}."
            )
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
            for back in reversed(lines[max(0, i - 6) : i]):  # the divider's "2" / "BILAG" lines
                if back.s and (len(back.s) <= 3 or back.s == "BILAG"):
                    start = back.start
                elif back.s:
                    break
            out.append((start, f"KAPITEL {m.group(1)}", title_after(lines, i)))
    return out


def _bid(sid: tuple[int, int] | None) -> str:
    return f"B{sid[0]}.{sid[1]}" if sid else ""


def heading_sections(lines: list[Line], kind: str) -> list[SectionSpan]:
    """Markdown headings for any text document; "§ 3" and "3.2 Title" headings for handbooks; "DEL n" parts."""
    out: list[SectionSpan] = []
    parts_seen: set[str] = set()
    for i, ln in enumerate(lines):
        s = ln.s
        if m := MD_HEAD.match(s):
            title = m.group(2).strip()
            num = re.match(r"^(§\s*\d+[a-z]?|\d+(?:\.\d+)*)\.?\s+", title)
            out.append((ln.start, re.sub(r"\s+", "", num.group(1)) if num else "", title))
        elif kind == "handbook" and (m := PARA_HEAD.match(s)) and len(s) <= 130:
            out.append((ln.start, re.sub(r"\s+", "", m.group(1)), (m.group(2) or "").strip() or title_after(lines, i)))
        elif kind == "handbook" and (m := DOTTED_HEAD.match(s)):
            out.append((ln.start, m.group(1), m.group(2).strip()))
        elif (m := PART.match(s)) and m.group(1) not in parts_seen:  # later "DEL n" lines are running heads
            parts_seen.add(m.group(1))
            out.append((ln.start, f"DEL {m.group(1)}", f"Del {m.group(1)}"))
    return out


def toc_sections(lines: list[Line]) -> list[SectionSpan]:
    """Sections named by a table of contents: each numbered entry ("3. Værested …… 2", "1. Forord 3")
    found again, in order, as a line of its own after the contents."""
    toc = sorted(toc_lines(lines))
    entries = []
    for i in toc:
        s = re.sub(r"\s*(?:\.{3,}|…+|(?:\s\.){3,})?\s*\d{1,4}\s*$", "", lines[i].s)
        if m := re.match(r"^(\d{1,2}(?:\.\d{1,2})*)\.?\s+(\S.{1,120})$", s):
            entries.append((m.group(1), m.group(2).strip()))
    out: list[SectionSpan] = []
    j = toc[-1] + 1 if toc else 0
    for num, title in entries if len(entries) >= 2 else []:
        keys = (norm_line(f"{num}. {title}"), norm_line(f"{num} {title}"))
        for k in range(j, len(lines)):
            if norm_line(lines[k].s) in keys:
                out.append((lines[k].start, num, title))
                j = k + 1
                break
    return out if len(out) >= 2 else []


def tile_sections(found: list[SectionSpan], end: int) -> list[Section]:
    """Sections that do not overlap: each runs to the next one's start."""
    found = sorted(set(found))
    return [
        Section(title=t, start=s, end=found[k + 1][0] if k + 1 < len(found) else end, section_id=sid)
        for k, (s, sid, t) in enumerate(found)
    ]


def section_access(sec: Section, meetings: list[Meeting]) -> Section:
    """A section inside a closed item (an indstilling attached to it) inherits the item's level."""
    for m in meetings:
        for it in m.items:
            if it.start <= sec.start < it.end and it.access not in (PUBLIC, INTERNAL):
                return Section(sec.title, sec.start, sec.end, sec.section_id, it.access)
    return sec

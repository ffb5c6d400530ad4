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
The title is the first heading line of the text (in OCR text only one that reads as clean words), else
`title_hint`, else the file name. Case numbers are read with or without a colon after the label. Sections never
overlap (a chapter section covers only its divider page) so each offset has one section. An item whose
decision is followed by an attachment (an Indstilling) ends where the attachment begins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from byraad.types import Meeting, Section
from ingest.access import RAADMAND, document_access
from ingest.structure.document import (
    GENERIC_TITLES,
    date_hints,
    document_date,
    document_kind,
    from_decisions,
    heading_title,
    info_people,
    merge_agenda_and_minutes,
    to_meeting,
)
from ingest.structure.items import finish_items, num_items, punkt_items
from ingest.structure.lines import TITLE, find_case_numbers, logical_lines
from ingest.structure.meetings import scan_meetings
from ingest.structure.sections import (
    SectionSpan,
    heading_sections,
    indstilling_sections,
    report_sections,
    section_access,
    tile_sections,
    toc_sections,
)

__all__ = ["Structure", "analyse"]


@dataclass(frozen=True)
class Structure:
    """What analyse() finds in one document."""

    kind: str  # agenda | minutes | indstilling | handbook | report | other  (byraad.types.KINDS)
    title: str
    meetings: tuple[Meeting, ...]
    sections: tuple[Section, ...]
    access: str  # document-wide access level
    access_reason: str
    doc_date: int | None  # YYYYMMDD of the document itself when written
    warnings: tuple[str, ...]  # plain-language notes for the ingest report
    case_numbers: tuple[str, ...] = ()


def analyse(text: str, path: str, title_hint: str = "", *, ocr: bool = False) -> Structure:
    """Kind, title, meetings, sections, access and document date of one repaired document.

    `ocr`: the top of the text was recognised by OCR, so a heading line is the title only when it reads as
    clean words; else `title_hint` (metadata title or file name) is used."""
    lines = logical_lines(text)
    warnings: list[str] = []
    heading = heading_title(lines, ocr)
    indst, ind_start, ind_end = indstilling_sections(lines, text)
    tops = scan_meetings(text, lines)
    stops = {c.start for t in tops for c in t.children} | ({ind_start} if ind_start >= 0 else set())
    path_kind = document_kind(path, heading or title_hint, "", [], False)

    for mb in tops:
        for c in mb.children:
            c.items = finish_items(text, c, num_items(text, lines, c), "agenda", warnings)
        mb.items = punkt_items(text, lines, mb, stops) if mb.punkt else num_items(text, lines, mb)
        if mb.referat or any(it.decision for it in mb.items):
            mb.kind = "minutes"
        elif path_kind in ("minutes", "agenda"):
            mb.kind = path_kind
        elif mb.items:
            mb.kind = "agenda"
    tops = [mb for mb in tops if mb.items or mb.date or mb.children or mb.participants]
    for mb in tops:
        from_decisions(lines, mb)
    title_m = TITLE.match(heading) if heading else None
    for k, mb in enumerate(tops):
        if not mb.body and k == 0 and title_m:
            mb.body = re.sub(r"(?i)^(?:\w*møde[t]?\s+i\s+)", "", title_m.group(2).strip())
            mb.body = re.sub(r"\s+(?:den\s+)?\d{1,2}\.\s.*$", "", mb.body)
        if not mb.body:
            src = f"{heading} {title_hint}"
            if RAADMAND.search(src):
                mb.body = "Rådmandsmøde"
            elif RAADMAND.search(text[mb.start : mb.end]) or RAADMAND.search(path):
                mb.body = "Rådmandsmøde"
                warnings.append(
                    'Mødeorganet står ikke i teksten; "Rådmandsmøde" er udledt af teksten '
                    '("rådmandskredsen"/"rådmandsmødet") eller filnavnet.'
                )
        mb.participants += [n for n in info_people(text, lines, mb) if n not in mb.participants]
    tops = merge_agenda_and_minutes(tops)
    for mb in tops:
        # The agenda/minutes part is known only now (after merging); set access and part per item.
        part = "minutes" if mb.kind == "minutes" else "agenda"
        mb.items = [x for it in mb.items for x in finish_items(text, mb, [it], it.section or part, warnings)]

    doc_date = document_date(lines)
    date_hints(tops, doc_date, warnings)
    meetings = sorted(
        [to_meeting(m) for m in tops] + [to_meeting(c) for m in tops for c in m.children],
        key=lambda m: (m.start, m.embedded),
    )
    for mb in tops + [c for m in tops for c in m.children]:
        if mb.date is None and mb.date_text:
            warnings.append(f'Mødedatoen "{mb.date_text}" for "{mb.body}" kunne ikke læses; mødet er udateret.')

    title = heading or title_hint or path.rsplit("/", 1)[-1].rsplit(".", 1)[0].replace("-", " ")
    if title.lower() in GENERIC_TITLES and meetings and meetings[0].body:
        title = f"{title}, {meetings[0].body}"
    if title.islower():
        title = title[:1].upper() + title[1:]
    kind = document_kind(path, title, text, meetings, bool(indst))
    one = [it for m in meetings for it in m.items]
    if not heading and len(one) == 1 and len(meetings) == 1:
        title = one[0].title  # a file that is one agenda item is named by it (kind set above)

    found: list[SectionSpan] = []
    if not meetings:
        found += report_sections(text, lines, warnings) if kind in ("report", "other") else []
        found += heading_sections(lines, kind)
        found += [s for s in toc_sections(lines) if s[0] not in {f[0] for f in found}]
    sections = sorted(tile_sections(indst, ind_end) + tile_sections(found, len(text)), key=lambda x: x.start)
    sections = [section_access(s, meetings) for s in sections]

    access, reason = document_access(text, path, title, kind, [m.body for m in meetings])
    cases = tuple(dict.fromkeys(find_case_numbers(text)))
    return Structure(
        kind=kind,
        title=title,
        meetings=tuple(meetings),
        sections=tuple(sections),
        access=access,
        access_reason=reason,
        doc_date=doc_date,
        warnings=tuple(dict.fromkeys(warnings)),
        case_numbers=cases,
    )

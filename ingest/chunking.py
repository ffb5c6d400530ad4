"""Structure-following chunking: one agenda item, decision or section per chunk where it fits,
split by a token budget (tiktoken, with LangChain's recursive splitter) with overlap where it does not.

Every character of the repaired text is owned by the innermost unit that covers it (embedded agenda item >
item > meeting > section > plain text), so nested structures are chunked once, by their most specific unit.

A table (consecutive "a | b | c" rows, caption on the line above) split over several chunks: each later chunk's
header (and so its embed_text) repeats the caption and the header row, so the chunk reads alone; its `text`
stays the exact source span, so citations and offsets are unchanged.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from byraad.access import is_closed, most_restrictive
from byraad.dates import format_date
from byraad.settings import Settings
from byraad.text import body_key
from byraad.types import AgendaItem, Chunk, ChunkMeta, Meeting, ParsedDocument, Section

MIN_CHARS = 25  # segments shorter than this are furniture, except decisions ("Godkendt.")
TABLE_GAP = 6  # a table's rows may be this many lines apart (a wrapped row, a blank line) and still be one table
CONTEXT_CHARS = 200  # at most this much of a caption / header row is repeated in a later chunk's header


@dataclass(frozen=True)
class _Unit:
    kind: str  # meeting | item | decision | section | text
    meeting: Meeting | None = None
    item: AgendaItem | None = None
    section: Section | None = None


def chunk_document(doc: ParsedDocument, s: Settings) -> tuple[list[Chunk], list[str]]:
    """Chunks of a parsed document plus, for each, the passage as it stands in the source."""
    units, owner = _assign_owners(doc)
    splitter = _splitter(s.chunk_tokens, s.chunk_overlap, s.tokenizer)
    chunks: list[Chunk] = []
    sources: list[str] = []
    for unit_idx, start, end in _runs(owner):
        unit = units[unit_idx] if unit_idx >= 0 else _Unit("text")
        seg = doc.text[start:end]
        lead = len(seg) - len(seg.lstrip())
        seg = seg.strip()
        if len(seg) < (1 if unit.kind == "decision" else MIN_CHARS):
            continue
        start += lead
        pieces = _split(splitter, seg, s.chunk_tokens, s.tokenizer)
        tables = _tables(seg) if len(pieces) > 1 and " | " in seg else []
        for piece, off in pieces:
            c_start = start + off
            c_end = c_start + len(piece)
            meta = _meta(doc, unit, c_start, c_end, piece)
            header = "\n".join(x for x in (_header(doc, unit, meta), _table_context(tables, off)) if x)
            embed_text = f"{header}\n{piece}"
            cid = hashlib.sha256(f"{doc.doc_id}\x00{len(chunks)}\x00{embed_text}".encode()).hexdigest()[:24]
            meta["chunk_id"] = cid
            meta["index"] = len(chunks)
            meta["header"] = header
            chunks.append(Chunk(chunk_id=cid, doc_id=doc.doc_id, text=piece, embed_text=embed_text, meta=meta))
            rs, re_ = doc.raw_span(c_start, c_end)
            sources.append(doc.raw_text[rs:re_])
    return chunks, sources


@dataclass(frozen=True)
class _Table:
    """A table inside one segment: offsets of its first row and of its last row's end, caption and header row."""

    start: int
    end: int
    caption: str  # the short line just above the first row ("" when there is none)
    head: str  # the first row when its cells are labels, not data ("" otherwise)


def _tables(seg: str) -> list[_Table]:
    """Tables of a segment: runs of rows (lines with " | ") of one cell count, at most TABLE_GAP lines apart."""
    lines, pos = [], 0
    for raw in seg.split("\n"):
        lines.append((pos, pos + len(raw), raw.strip()))
        pos += len(raw) + 1
    out: list[_Table] = []
    k = 0
    while k < len(lines):
        s = lines[k][2]
        if " | " not in s:
            k += 1
            continue
        cells, last = s.count(" | "), k
        j = k + 1
        while j < len(lines) and j - last <= TABLE_GAP:
            if " | " in lines[j][2]:
                gap = [x for _, _, x in lines[last + 1 : j]]
                # a different cell count, or a blank line and one short line above the row: a new table
                # with its caption ("Færdigbehandlede sager i 2024"); other lines between rows are a row
                # the extraction broke up, and the table goes on.
                captioned = len(gap) >= 2 and bool(gap[-1]) and not gap[-2] and sum(map(bool, gap)) == 1
                if lines[j][2].count(" | ") != cells or captioned:
                    break
                last = j
            j += 1
        caption = next((x for _, _, x in reversed(lines[max(0, k - 2) : k]) if x), "")  # a blank line allowed
        caption = caption if " | " not in caption and len(caption) <= 160 else ""
        labels = [c.strip() for c in s.split(" | ")]
        is_head = any(labels) and all(len(c) <= 40 and not re.fullmatch(r"[\d\s.,%:/+-]+", c) for c in labels)
        out.append(_Table(lines[k][0], lines[last][1], caption[:CONTEXT_CHARS], s[:CONTEXT_CHARS] if is_head else ""))
        k = last + 1
    return out


def _table_context(tables: list[_Table], off: int) -> str:
    """What to repeat for a chunk starting at `off` inside a table whose caption (and header row, unless the
    chunk starts with it) is in an earlier chunk."""
    for tb in tables:
        if tb.start <= off < tb.end:
            parts = [
                f"{tb.caption} (fortsat)" if tb.caption and off > tb.start else tb.caption,
                tb.head if off > tb.start else "",
            ]
            return "\n".join(x for x in parts if x)
    return ""


def _assign_owners(doc: ParsedDocument) -> tuple[list[_Unit], list[int]]:
    """Give each character of the text the index of its innermost unit (-1 = plain text)."""
    n = len(doc.text)
    owner = [-1] * n
    units: list[_Unit] = []

    def claim(unit: _Unit, a: int, b: int) -> None:
        a, b = max(0, a), min(n, b)
        if b > a:
            units.append(unit)
            owner[a:b] = [len(units) - 1] * (b - a)

    def inside_meeting(sec: Section) -> bool:
        return any(m.start <= sec.start and sec.end <= m.end for m in doc.meetings)

    for sec in sorted(doc.sections, key=lambda x: (x.start, -(x.end - x.start))):
        if not inside_meeting(sec):
            claim(_Unit("section", section=sec), sec.start, sec.end)
    for m in sorted(doc.meetings, key=lambda x: -(x.end - x.start)):  # outer meetings first, embedded overwrite
        claim(_Unit("meeting", meeting=m), m.start, m.end)
        for it in m.items:
            dec_in = it.decision and it.start <= it.decision_start < it.end
            claim(_Unit("item", meeting=m, item=it), it.start, it.decision_start if dec_in else it.end)
            if dec_in:
                claim(_Unit("decision", meeting=m, item=it), it.decision_start, it.end)
    # A section inside a meeting (e.g. an indstilling attached to a rådmandsmøde) owns the meeting text it covers,
    # but never an agenda item's text, except a section that lies inside one item (an ESDH/portal attachment of
    # that item): it owns the item text it covers and its chunks name both the item and the attachment.
    for sec in sorted(doc.sections, key=lambda x: (x.start, -(x.end - x.start))):
        if inside_meeting(sec):
            m = _meeting_at(doc, sec.start)
            it = _item_around(m, sec)
            unit = _Unit("section", section=sec, meeting=m, item=it)
            units.append(unit)
            idx = len(units) - 1
            for o, a, b in _runs(owner[sec.start : sec.end]):
                if (
                    o < 0
                    or units[o].kind == "meeting"
                    or (it is not None and units[o].kind == "item" and units[o].item is it)
                ):
                    owner[sec.start + a : sec.start + b] = [idx] * (b - a)
    return units, owner


def _item_around(m: Meeting | None, sec: Section) -> AgendaItem | None:
    """The agenda item of `m` whose text contains the whole section, if any."""
    for it in m.items if m else ():
        if it.start <= sec.start and sec.end <= it.end:
            return it
    return None


def _meeting_at(doc: ParsedDocument, offset: int) -> Meeting | None:
    """The innermost meeting containing an offset."""
    inside = [m for m in doc.meetings if m.start <= offset < m.end]
    return min(inside, key=lambda m: m.end - m.start) if inside else None


def _runs(owner: list[int]) -> list[tuple[int, int, int]]:
    """Contiguous runs of equal owner: (owner, start, end)."""
    out: list[tuple[int, int, int]] = []
    i, n = 0, len(owner)
    while i < n:
        j = i
        o = owner[i]
        while j < n and owner[j] == o:
            j += 1
        out.append((o, i, j))
        i = j
    return out


@lru_cache(maxsize=8)
def _splitter(tokens: int, overlap: int, encoding: str) -> Any:
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from vectorstore.tokens import get_encoding

    enc = get_encoding(encoding)
    return RecursiveCharacterTextSplitter(
        chunk_size=tokens,
        chunk_overlap=overlap,
        length_function=lambda t: len(enc.encode(t, disallowed_special=())),
        separators=["\n\n", "\n", ". ", "; ", ", ", " ", ""],
        keep_separator="end",
        add_start_index=True,
        strip_whitespace=True,
    )


def _split(splitter: Any, text: str, tokens: int, encoding: str) -> list[tuple[str, int]]:
    """Pieces of a segment with their offsets inside it (one piece when it fits)."""
    from vectorstore.tokens import get_encoding

    if len(get_encoding(encoding).encode(text, disallowed_special=())) <= tokens:
        return [(text, 0)]
    out = []
    for d in splitter.create_documents([text]):
        off = d.metadata.get("start_index", -1)
        if off < 0 or text[off : off + len(d.page_content)] != d.page_content:
            off = text.find(d.page_content)
        out.append((d.page_content, max(off, 0)))
    return out


def _meta(doc: ParsedDocument, unit: _Unit, start: int, end: int, text: str) -> ChunkMeta:
    """Flat metadata for one chunk (no None values: Chroma rejects them)."""
    m, it, sec = unit.meeting, unit.item, unit.section
    p1, p2 = doc.page_at(start), doc.page_at(max(start, end - 1))
    levels = [doc.access]
    if it is not None and unit.kind != "decision":
        levels.append(it.access)
    if sec is not None:
        levels.append(sec.access)
    access = most_restrictive(*levels)
    meta: ChunkMeta = {
        "doc_id": doc.doc_id,
        "path": doc.path,
        "title": doc.title,
        "kind": doc.kind,
        "chunk_type": unit.kind,
        "access": access,
        "char_start": start,
        "char_end": end,
        "content_hash": hashlib.sha256(text.encode()).hexdigest()[:16],
    }
    if p1:
        meta.update(page_start=p1.number, page_label_start=p1.label)
    if p2:
        meta.update(page_end=p2.number, page_label_end=p2.label)
    if p1 and p2 and _ocr_pages(doc) & set(range(p1.number, p2.number + 1)):
        meta["ocr"] = True  # text recognised from a scanned page: may hold recognition errors
    if doc.doc_date:
        meta["doc_date"] = doc.doc_date
    if m is not None:
        meta["body"] = m.body
        meta["body_key"] = body_key(m.body) if m.body else ""
        meta["meeting_undated"] = m.date is None
        meta["meeting_embedded"] = m.embedded
        meta["meeting_start"] = m.start
        if m.date:
            meta["meeting_date"] = m.date
        if m.date_hint:
            meta["date_hint"] = m.date_hint
            meta["date_hint_reason"] = m.date_hint_reason
        for k in ("time", "place"):
            if getattr(m, k):
                meta[f"meeting_{k}"] = getattr(m, k)
    if it is not None:
        closed = is_closed(it.access)
        meta["item_no"] = it.number
        # A closed item's title can itself be confidential; its public decision chunk shows a neutral title.
        meta["item_title"] = "Lukket punkt" if (closed and unit.kind == "decision") else it.title
        meta["item_closed"] = closed
        if it.case_number:
            meta["case_number"] = it.case_number
        if it.section:
            meta["item_part"] = it.section
        if it.decision:
            meta["has_decision"] = True
    if sec is not None:
        meta["section"] = sec.title[:200]
        if sec.section_id:
            meta["section_id"] = sec.section_id
    return meta


def _ocr_pages(doc: ParsedDocument) -> set[int]:
    """Page numbers (1-based) whose text came from OCR: the loader's flat meta "ocr_pages" = "3,4,5"."""
    return {int(x) for x in str(doc.meta.get("ocr_pages", "")).split(",") if x.strip().isdigit()}


def _header(doc: ParsedDocument, unit: _Unit, meta: dict[str, Any]) -> str:
    """The short contextual header embedded with the chunk: document › meeting › item/section."""
    parts = [doc.title or doc.path]
    if unit.meeting is not None:
        parts.append(" ".join(x for x in (unit.meeting.body or "Møde", format_date(unit.meeting.date)) if x))
    if unit.item is not None:
        label = f"Punkt {unit.item.number}: {meta['item_title']}"
        parts.append(("Beslutning – " + label) if unit.kind == "decision" else label)
        if unit.section is not None:  # an attachment of the item: every chunk of it names the attachment too
            parts.append(unit.section.title[:120])
    elif unit.section is not None:
        parts.append(" ".join(x for x in (unit.section.section_id, unit.section.title[:120]) if x))
    return " › ".join(parts)

"""Shared types of the one data flow: file → ParsedDocument → Chunk → Hit → Answer.

Frozen dataclasses, no framework types. Metadata that crosses the store boundary is flat
(str/int/float/bool only), because Chroma rejects nested values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, TypedDict, Union

Scalar = Union[str, int, float, bool]
Meta = Mapping[str, Scalar]

# Access levels. A level is a string; groups grant levels (see byraad.access).
PUBLIC = "public"
INTERNAL = "internal"  # internal administration papers (e.g. rådmandsmøder)
CLOSED = "closed"  # closed agenda of an unknown body: only all-access users
CLOSED_PREFIX = "closed:"  # closed agenda of one body: "closed:<body-slug>"

KINDS = ("agenda", "minutes", "indstilling", "handbook", "report", "other")
# Each kind in Danish, as members and the secretariat read it (the app's filter, `byraad status`).
KIND_LABELS = {
    "agenda": "Dagsordener",
    "minutes": "Referater",
    "indstilling": "Indstillinger",
    "handbook": "Håndbog",
    "report": "Rapporter og notater",
    "other": "Andet",
}


class ChunkMeta(TypedDict, total=False):
    """The metadata of one chunk, as ingest.chunking writes it and the store keeps it: flat, no None values (a key
    is left out instead). Dates are YYYYMMDD ints; offsets are into the document's repaired text."""

    # the chunk and its document
    chunk_id: str
    index: int  # position of the chunk in its document
    doc_id: str
    path: str  # relative to the ingested folder
    title: str  # the document's title
    kind: str  # one of KINDS
    chunk_type: str  # "item" | "decision" | "section" | "meeting" | "text": the unit it is from
    access: str  # the most restrictive level of document, item and section (see byraad.access)
    header: str  # "document › meeting › item": embedded with the text, shown as context
    content_hash: str  # sha256 of the text (16 hex): equal passages are recognised across documents
    char_start: int
    char_end: int
    page_start: int  # 1-based physical pages, and their printed labels
    page_end: int
    page_label_start: str
    page_label_end: str
    ocr: bool  # the text was recognised from a scanned page
    doc_date: int
    # the meeting the chunk belongs to
    body: str  # "Teknik- og Miljøudvalget"
    body_key: str  # byraad.text.body_key(body), what filters compare
    meeting_start: int  # offset of the meeting in the document (identifies it within the document)
    meeting_date: int
    meeting_undated: bool
    meeting_embedded: bool  # a meeting quoted inside another document (e.g. an attached agenda)
    meeting_time: str
    meeting_place: str
    date_hint: int  # an undated meeting's probable date, and why (never used as its date)
    date_hint_reason: str
    # the agenda item
    item_no: str
    item_title: str  # "Lukket punkt" on the public decision of a closed item
    item_closed: bool
    item_part: str  # "agenda" | "minutes" …: which part of the item's treatment
    case_number: str
    has_decision: bool
    # the section (handbook chapter, attachment, report section)
    section: str
    section_id: str


CHUNK_META_KEYS = frozenset(ChunkMeta.__annotations__)


@dataclass(frozen=True)
class PageSpan:
    """One page of a document, as a character span of the repaired text."""

    number: int  # 1-based physical page
    label: str  # printed page label ("iv", "12"); str(number) when none
    start: int  # offset in ParsedDocument.text, inclusive
    end: int  # exclusive


@dataclass(frozen=True)
class AgendaItem:
    """One agenda item ("Punkt 3: …") of a meeting, with its decision where written."""

    number: str  # "3", "3a"
    title: str
    start: int  # offsets in ParsedDocument.text
    end: int
    decision: str = ""  # decision text ("Godkendt.") or ""
    decision_start: int = -1  # offset of the decision text, -1 when none
    access: str = PUBLIC
    access_reason: str = ""  # why a non-public level was chosen
    case_number: str = ""
    section: str = ""  # "agenda" | "minutes" | "" — an item may appear in both parts of a file


@dataclass(frozen=True)
class Meeting:
    """A meeting found in a document (a file can hold several, and embedded agendas)."""

    body: str  # committee/body as written; "" when unknown
    date: int | None  # YYYYMMDD only when written in the source — never invented
    start: int
    end: int
    date_hint: int | None = None  # inferred (e.g. from the surrounding document); flagged as such
    date_hint_reason: str = ""
    time: str = ""
    place: str = ""
    participants: tuple[str, ...] = ()
    absentees: tuple[str, ...] = ()
    items: tuple[AgendaItem, ...] = ()
    embedded: bool = False  # an agenda of another meeting embedded as an attachment
    kind: str = ""  # "agenda" | "minutes" | ""


@dataclass(frozen=True)
class Section:
    """A titled part of a non-meeting document (indstilling section, report B-section, chapter)."""

    title: str
    start: int
    end: int
    section_id: str = ""  # "B2.2", "1"
    access: str = PUBLIC


@dataclass(frozen=True)
class ParsedDocument:
    """A source file after loading, repair and structure detection."""

    doc_id: str  # sha256 of the file bytes (first 16 hex)
    path: str  # relative to the ingested folder
    title: str
    kind: str  # one of KINDS
    text: str  # repaired text, what gets chunked
    raw_text: str  # the extracted text as it stands in the source
    offset_map: tuple[int, ...] = ()  # text offset i → raw_text offset (len(text)+1 entries)
    pages: tuple[PageSpan, ...] = ()
    meetings: tuple[Meeting, ...] = ()
    sections: tuple[Section, ...] = ()
    access: str = PUBLIC  # document-wide level (internal documents)
    access_reason: str = ""
    doc_date: int | None = None  # date of the document itself when written (not a meeting date)
    meta: Meta = field(default_factory=dict)
    warnings: tuple[str, ...] = ()  # for the ingest report ("access set to closed because …")

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a span of the repaired text back to the raw text."""
        if not self.offset_map:
            return start, end
        m = self.offset_map
        s = m[min(max(start, 0), len(m) - 1)]
        e = m[min(max(end, 0), len(m) - 1)]
        return s, max(s, e)

    def page_at(self, offset: int) -> PageSpan | None:
        """The page containing a repaired-text offset."""
        for p in self.pages:
            if p.start <= offset < p.end:
                return p
        return self.pages[-1] if self.pages and offset >= self.pages[-1].start else None


@dataclass(frozen=True)
class Chunk:
    """A retrievable passage. `text` is what is shown; `embed_text` adds the contextual header."""

    chunk_id: str
    doc_id: str
    text: str
    embed_text: str
    meta: Meta  # flat; the keys ingest writes are ChunkMeta's


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its fused score (higher is better)."""

    chunk: Chunk
    score: float
    dense_score: float | None = None
    bm25_score: float | None = None
    rank: int = 0


@dataclass(frozen=True)
class Citation:
    """The source behind one [n] in an answer."""

    key: int
    chunk_id: str
    title: str
    path: str
    pages: str  # "3" or "3-4"; "" when unknown
    quote: str  # the cited passage (repaired text)
    source_text: str = ""  # the passage as it stands in the source
    body: str = ""
    meeting_date: int | None = None
    item_no: str = ""
    item_title: str = ""
    kind: str = ""
    ocr: bool = False  # the passage comes from OCR of a scanned page (may contain recognition errors)
    case_number: str = ""


@dataclass(frozen=True)
class Answer:
    """What UI, CLI and evaluation all receive."""

    question: str
    text: str  # with [n] markers, or the refusal constant
    citations: tuple[Citation, ...]
    hits: tuple[Hit, ...]
    refused: bool
    settings_fingerprint: str
    mode: str = "extractive"
    standalone_query: str = ""
    filters: Meta = field(default_factory=dict)
    period: str = ""  # the period looked at, in words ("2023")
    notes: tuple[str, ...] = ()  # caveats: recommendation vs decision, undated, unsupported sentences
    steps: tuple[str, ...] = ()  # agentic steps taken
    timings: Mapping[str, float] = field(default_factory=dict)
    direct: str = ""  # the short direct answer line (date, amount, name, place) with its [n]; "" when none
    partial: str = ""  # what was asked that the material does not say ("hvornår det åbner"); "" when none
    refusal_reason: str = ""  # why a refusal was given (internal wording, for the secretariat; not for members)
    confidence: float | None = None  # the extractive answerer's coverage of the question (None: not measured)

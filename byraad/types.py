"""Shared types of the one data flow: file → ParsedDocument → Chunk → Hit → Answer.

Frozen dataclasses, no framework types. Metadata that crosses the store boundary is flat
(str/int/float/bool only), because Chroma rejects nested values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Union

Scalar = Union[str, int, float, bool]
Meta = Mapping[str, Scalar]

# Access levels. A level is a string; groups grant levels (see byraad.access).
PUBLIC = "public"
INTERNAL = "internal"          # internal administration papers (e.g. rådmandsmøder)
CLOSED = "closed"              # closed agenda of an unknown body: only all-access users
CLOSED_PREFIX = "closed:"      # closed agenda of one body: "closed:<body-slug>"

KINDS = ("agenda", "minutes", "indstilling", "handbook", "report", "other")


@dataclass(frozen=True)
class PageSpan:
    """One page of a document, as a character span of the repaired text."""

    number: int                 # 1-based physical page
    label: str                  # printed page label ("iv", "12"); str(number) when none
    start: int                  # offset in ParsedDocument.text, inclusive
    end: int                    # exclusive


@dataclass(frozen=True)
class AgendaItem:
    """One agenda item ("Punkt 3: …") of a meeting, with its decision where written."""

    number: str                 # "3", "3a"
    title: str
    start: int                  # offsets in ParsedDocument.text
    end: int
    decision: str = ""          # decision text ("Godkendt.") or ""
    decision_start: int = -1    # offset of the decision text, -1 when none
    access: str = PUBLIC
    access_reason: str = ""     # why a non-public level was chosen
    case_number: str = ""
    section: str = ""           # "agenda" | "minutes" | "" — an item may appear in both parts of a file


@dataclass(frozen=True)
class Meeting:
    """A meeting found in a document (a file can hold several, and embedded agendas)."""

    body: str                   # committee/body as written; "" when unknown
    date: int | None            # YYYYMMDD only when written in the source — never invented
    start: int
    end: int
    date_hint: int | None = None    # inferred (e.g. from the surrounding document); flagged as such
    date_hint_reason: str = ""
    time: str = ""
    place: str = ""
    participants: tuple[str, ...] = ()
    absentees: tuple[str, ...] = ()
    items: tuple[AgendaItem, ...] = ()
    embedded: bool = False      # an agenda of another meeting embedded as an attachment
    kind: str = ""              # "agenda" | "minutes" | ""


@dataclass(frozen=True)
class Section:
    """A titled part of a non-meeting document (indstilling section, report B-section, chapter)."""

    title: str
    start: int
    end: int
    section_id: str = ""        # "B2.2", "1"
    access: str = PUBLIC


@dataclass(frozen=True)
class ParsedDocument:
    """A source file after loading, repair and structure detection."""

    doc_id: str                 # sha256 of the file bytes (first 16 hex)
    path: str                   # relative to the ingested folder
    title: str
    kind: str                   # one of KINDS
    text: str                   # repaired text, what gets chunked
    raw_text: str               # the extracted text as it stands in the source
    offset_map: tuple[int, ...] = ()   # text offset i → raw_text offset (len(text)+1 entries)
    pages: tuple[PageSpan, ...] = ()
    meetings: tuple[Meeting, ...] = ()
    sections: tuple[Section, ...] = ()
    access: str = PUBLIC        # document-wide level (internal documents)
    access_reason: str = ""
    doc_date: int | None = None     # date of the document itself when written (not a meeting date)
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
    meta: Meta                  # flat: see ingest.chunking for the keys


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
    pages: str                  # "3" or "3-4"; "" when unknown
    quote: str                  # the cited passage (repaired text)
    source_text: str = ""       # the passage as it stands in the source
    body: str = ""
    meeting_date: int | None = None
    item_no: str = ""
    item_title: str = ""
    kind: str = ""
    ocr: bool = False           # the passage comes from OCR of a scanned page (may contain recognition errors)
    case_number: str = ""


@dataclass(frozen=True)
class Answer:
    """What UI, CLI and evaluation all receive."""

    question: str
    text: str                   # with [n] markers, or the refusal constant
    citations: tuple[Citation, ...]
    hits: tuple[Hit, ...]
    refused: bool
    settings_fingerprint: str
    mode: str = "extractive"
    standalone_query: str = ""
    filters: Meta = field(default_factory=dict)
    period: str = ""            # the period looked at, in words ("2023")
    notes: tuple[str, ...] = ()     # caveats: recommendation vs decision, undated, unsupported sentences
    steps: tuple[str, ...] = ()     # agentic steps taken
    timings: Mapping[str, float] = field(default_factory=dict)

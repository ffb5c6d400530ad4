"""ESDH meeting packages (eDoc, Acadre): one XML plus the PDF/Word files it references → ONE ParsedDocument.

The system modules (`edoc`, `acadre`) read their XML into the neutral `Package` model (`model`); this module
loads every member file (`ingest.loaders.load_file`), repairs its text (`ingest.repair.repair`) and assembles the
meeting document:

    overview (public: body, date, place, the items' public titles)
    Punkt N: title / Sagsnr. / item text                       ┐ AgendaItem N (its access level)
      Bilag k: title / attachment text   → Section bilag-N-k   │ inside the item, so chunks name the item
      decision (minutes of an open item) → decision_start      ┘
    Bilag k til punkt N: … (attachments more restricted than their item) → Section outside the items

text and raw_text are built in parallel (raw = the members' extracted texts with the same headers), so offset_map
maps every repaired offset to the member's raw text. See docs/sources-esdh.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from byraad.access import is_closed, most_restrictive, rank
from byraad.dates import format_date
from byraad.types import PUBLIC, AgendaItem, Meeting, PageSpan, ParsedDocument, Section
from ingest.loaders import LoadError, LoadOptions
from ingest.repair import repair
from ingest.sandbox import load
from ingest.sources import Source, register
from ingest.sources.esdh import acadre, edoc
from ingest.sources.esdh.model import CASE, Doc, Package

# ---------------------------------------------------------------- building the document


@dataclass(frozen=True)
class _Content:
    text: str
    omap: tuple[int, ...]
    raw: str
    page_starts: tuple[int, ...]
    labels: tuple[str, ...]
    paged: bool  # real pages (PDF): labels carry page numbers
    ocr: frozenset[int] = frozenset()  # 0-based pages whose text came from OCR


class _Builder:
    """Appends to text and raw_text in step, keeping the offset map and page spans."""

    def __init__(self) -> None:
        self.text: list[str] = []
        self.raw: list[str] = []
        self.omap: list[int] = []
        self.n = self.rn = 0
        self.pages: list[PageSpan] = []
        self.ocr: set[int] = set()  # page numbers (ours) of OCR'ed member pages

    def plain(self, s: str) -> None:
        """Text written by us (headers): identical in text and raw."""
        self.text.append(s)
        self.raw.append(s)
        self.omap.extend(range(self.rn, self.rn + len(s)))
        self.n += len(s)
        self.rn += len(s)

    def add(self, c: _Content, a: int, b: int, label: str, head_start: int | None = None) -> None:
        """Append c.text[a:b] with its raw text and pages; the first page span starts at head_start."""
        ra = 0 if a == 0 else c.omap[a]
        rb = len(c.raw) if b == len(c.text) else max(ra, c.omap[b])
        base, rbase = self.n, self.rn
        self.text.append(c.text[a:b])
        self.raw.append(c.raw[ra:rb])
        self.omap.extend(rbase + min(max(c.omap[i] - ra, 0), rb - ra) for i in range(a, b))
        self.n += b - a
        self.rn += rb - ra
        starts = list(c.page_starts) or [0]
        for k, ps in enumerate(starts):
            pe = starts[k + 1] if k + 1 < len(starts) else len(c.text)
            s, e = max(ps, a), min(pe, b)
            if s >= e:
                continue
            printed = c.labels[k] if k < len(c.labels) else str(k + 1)
            # Numbers follow the text (a page split around the attachments gets two), so a chunk's
            # page_start..page_end range covers exactly the pages it spans.
            number = len(self.pages) + 1
            if k in c.ocr:
                self.ocr.add(number)
            start = head_start if head_start is not None else s - a + base
            head_start = None
            self.pages.append(PageSpan(number, f"{printed} ({label})" if c.paged else label, start, e - a + base))

    def span(self, label: str, start: int) -> None:
        """A page span for text written by us up to here (a decision from the XML, an unreadable file's note)."""
        if self.n > start:
            self.pages.append(PageSpan(len(self.pages) + 1, label, start, self.n))

    def done(self) -> tuple[str, str, tuple[int, ...]]:
        return "".join(self.text), "".join(self.raw), tuple(self.omap) + (self.rn,)


def _load(path: Path, opts: LoadOptions):

    return load(path, opts)


def _from_text(text: str) -> _Content | None:
    rep = repair(text, (0,))
    return _Content(rep.text, tuple(rep.offset_map), text, (0,), ("",), False) if rep.text.strip() else None


def _content(d: Doc, opts: LoadOptions, who: str, warnings: list[str]) -> tuple[_Content | None, str]:
    """Load and repair one piece; a file that cannot be read costs a warning, never the package."""
    if d.text_first and d.text.strip():
        return _from_text(d.text), ""
    reason = ""
    if d.path is not None:
        try:
            loaded = _load(d.path, opts)
        except LoadError as e:
            reason = str(e)
        except OSError as e:
            reason = f"kan ikke læses: {e.strerror or e}"
        except Exception as e:  # a loader bug must cost only this member
            reason = f"uventet fejl: {type(e).__name__}: {e}"[:200]
        else:
            warnings.extend(f"{who}: {w}" for w in loaded.warnings)
            rep = repair(loaded.raw_text, loaded.page_starts or (0,))
            if rep.text.strip():
                paged = loaded.meta.get("format") == "pdf" or len(loaded.page_starts) > 1
                ocr = frozenset(int(x) - 1 for x in str(loaded.meta.get("ocr_pages", "")).split(",") if x.isdigit())
                return _Content(
                    rep.text,
                    tuple(rep.offset_map),
                    loaded.raw_text,
                    tuple(rep.page_starts),
                    tuple(loaded.page_labels),
                    paged,
                    ocr,
                ), ""
            reason = "filen indeholder ingen tekst"
    elif d.ref:
        reason = d.missing or f"filen {d.ref} findes ikke i pakken"
    if reason:
        used = " Teksten fra XML-filen bruges i stedet." if d.text.strip() else ""
        warnings.append(f"{who}: {reason}{used}")
    return (_from_text(d.text) if d.text.strip() else None), reason


def _num_key(n: str) -> tuple:
    m = re.match(r"(\d+)(.*)", n)
    return (int(m[1]), m[2]) if m else (10**9, n)


def _overview(pkg: Package) -> str:
    lines = ["Referat" if pkg.kind == "minutes" else "Dagsorden", pkg.body or "Ukendt udvalg"]
    if pkg.meeting_name and pkg.meeting_name.lower() not in (pkg.body or "").lower():
        lines.append(pkg.meeting_name)
    lines.append(f"Mødedato: {format_date(pkg.date)}" + (f" kl. {pkg.time}" if pkg.time else ""))
    for label, value in (
        ("Mødested", pkg.place),
        ("Status", pkg.state),
        ("Deltagere", ", ".join(pkg.participants)),
        ("Fraværende", ", ".join(pkg.absentees)),
    ):
        if value:
            lines.append(f"{label}: {value}")
    lines += ["", "Punkter:"]
    for it in sorted(pkg.items, key=lambda i: _num_key(i.number)):
        # Only what a public reader may see: a closed item shows its neutral title, or nothing.
        shown = (
            it.title
            if not is_closed(it.access)
            else (f"Lukket punkt: {it.public_title}" if it.public_title else "Lukket punkt")
        )
        lines.append(f"{it.number}. {shown}")
    return "\n".join(lines) + "\n\n"


def build(pkg: Package, rel: str, doc_id: str, opts: LoadOptions) -> ParsedDocument:
    """Assemble the meeting document of a package (see the module docstring for the layout)."""
    b, warnings = _Builder(), list(pkg.warnings)
    items: list[AgendaItem] = []
    sections: list[Section] = []
    tail: list[tuple[str, str, str, str, Doc]] = []  # (who, header, section id, page label, doc) after the items
    b.plain(_overview(pkg))
    for it in sorted(pkg.items, key=lambda i: _num_key(i.number)):
        start, open_item = b.n, not is_closed(it.access)
        content, reason = _content(it.content, opts, f"Punkt {it.number}", warnings)
        if not it.case_number and content and (m := CASE.search(content.text[:800])):
            it.case_number = m.group(1)
        hdr = f"Punkt {it.number}: {it.title}\n" + (f"Sagsnr.: {it.case_number}\n" if it.case_number else "")
        if it.content.summary:
            hdr += f"Resumé: {it.content.summary}\n"
        b.plain(hdr + "\n")
        split = None
        if content and open_item and pkg.kind == "minutes" and it.decision_pattern is not None:
            found = list(it.decision_pattern.finditer(content.text))
            split = found[-1] if found else None
        if content:
            b.add(content, 0, split.start() if split else len(content.text), f"punkt {it.number}", start)
        elif reason:
            b.plain(f"(Punktets tekst kunne ikke læses: {reason})\n")
            b.span(f"punkt {it.number}", start)
        if it.decision_text and not open_item:  # a closed item's decision stays closed, inside the item
            d0 = b.n
            b.plain(f"\n\n{it.decision_heading}\n{it.decision_text}\n")
            b.span(f"punkt {it.number}", d0)
        for k, att in enumerate(it.attachments, 1):
            level = most_restrictive(it.access, att.access)
            who = f"Bilag {k} til punkt {it.number} »{att.title}«" + (f" ({att.ref})" if att.ref else "")
            if rank(level) > rank(it.access):
                # More restricted than its item: the item only names it; its text goes after the items.
                b.plain(f"\nBilag {k}: {att.public_title or 'lukket bilag'} (lukket bilag)\n")
                tail.append(
                    (
                        who,
                        f"Bilag {k} til punkt {it.number}: {att.title}",
                        f"bilag-{it.number}-{k}",
                        f"punkt {it.number}, bilag {k}",
                        Doc(**{**att.__dict__, "access": level}),
                    )
                )
                continue
            s0 = b.n
            b.plain(f"\n\nBilag {k}: {att.title}\n" + (f"{att.summary}\n" if att.summary else "") + "\n")
            _add_doc(b, att, opts, who, warnings, f"punkt {it.number}, bilag {k}", s0)
            sections.append(Section(f"Bilag {k}: {att.title}", s0, b.n, f"bilag-{it.number}-{k}", level))
        decision, dstart = "", -1
        if split is not None and content is not None:
            b.plain("\n\n")
            d0 = b.n
            b.add(content, split.start(), len(content.text), f"punkt {it.number}")
            tail_text = content.text[split.end() :]
            decision = tail_text.strip()
            dstart = d0 + (split.end() - split.start()) + (len(tail_text) - len(tail_text.lstrip()))
        elif it.decision_text and open_item:
            b.plain("\n\n")
            d0 = b.n
            b.plain(f"{it.decision_heading}\n")
            dstart = b.n
            b.plain(it.decision_text.strip() + "\n")
            b.span(f"punkt {it.number}", d0)
            decision = it.decision_text.strip()
        items.append(
            AgendaItem(
                number=it.number,
                title=it.title,
                start=start,
                end=b.n,
                decision=decision if dstart >= 0 and decision else "",
                decision_start=dstart if decision else -1,
                access=it.access,
                access_reason=it.access_reason,
                case_number=it.case_number,
                section=pkg.kind,
            )
        )
    for who, title, sid, label, d in tail + [
        (f"Dokument »{d.title}«", d.title, f"dokument-{i}", d.title, d) for i, d in enumerate(pkg.extra, 1)
    ]:
        s0 = b.n
        b.plain(f"\n\n{title}\n\n")
        _add_doc(b, d, opts, who, warnings, label, s0)
        sections.append(Section(title, s0, b.n, sid, d.access))
    text, raw, omap = b.done()
    meeting = Meeting(
        body=pkg.body,
        date=pkg.date,
        start=0,
        end=len(text),
        time=pkg.time,
        place=pkg.place,
        participants=pkg.participants,
        absentees=pkg.absentees,
        items=tuple(items),
        kind=pkg.kind,
    )
    what = "Referat" if pkg.kind == "minutes" else "Dagsorden"
    title = f"{what}: {pkg.body or 'ukendt udvalg'}, {format_date(pkg.date)}"
    if pkg.meeting_name and pkg.meeting_name.lower() not in (pkg.body or "").lower():
        title += f" ({pkg.meeting_name})"
    meta = {
        "format": f"esdh-{pkg.system.lower()}",
        "source_system": pkg.system,
        "page_count": len(b.pages),
        **{k: v for k, v in pkg.meta.items() if isinstance(v, (str, int, float, bool))},
    }
    if b.ocr:  # chunking marks passages from these pages as OCR text (Citation.ocr)
        meta.update(ocr=True, ocr_pages=",".join(map(str, sorted(b.ocr))))
    return ParsedDocument(
        doc_id=doc_id,
        path=rel,
        title=title,
        kind=pkg.kind,
        text=text,
        raw_text=raw,
        offset_map=omap,
        pages=tuple(sorted(b.pages, key=lambda p: p.start)),
        meetings=(meeting,),
        sections=tuple(sections),
        access=PUBLIC,
        meta=meta,
        warnings=tuple(dict.fromkeys(warnings)),
    )


def _add_doc(b: _Builder, d: Doc, opts, who: str, warnings: list[str], label: str, head_start: int) -> None:
    content, reason = _content(d, opts, who, warnings)
    if content:
        b.add(content, 0, len(content.text), label, head_start)
    else:
        b.plain(f"(Indholdet kunne ikke læses: {reason or 'ingen tekst'})\n")
        b.span(label, head_start)


# ---------------------------------------------------------------- the registered source


def _system(path: Path):
    for mod in (edoc, acadre):
        if mod.claims(path):
            return mod
    return None


def claims(path: Path) -> bool:
    """An eDoc eDocAgendaPublishing XML or an Acadre XML_<n> publication file (by content, not by name)."""
    return Path(path).suffix.lower() == ".xml" and _system(Path(path)) is not None


def members(path: Path) -> list[Path]:
    """Every existing file the package XML references (missing ones are reported by parse)."""
    mod = _system(Path(path))
    # A damaged XML raises: the folder scan then gives the package its whole folder and parse reports why.
    return mod.members(Path(path)) if mod else []


def parse(path: Path, rel: str, doc_id: str, opts: LoadOptions) -> ParsedDocument:
    mod = _system(Path(path))
    if mod is None:
        raise LoadError("not an eDoc or Acadre meeting package", "unsupported")
    return build(mod.read(Path(path)), rel, doc_id, opts)


register(Source("esdh", claims, parse, members))

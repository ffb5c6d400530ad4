"""Meeting pages from the FirstAgenda Publication portal (Aarhus: dagsordener.aarhus.dk) as structured documents.

A meeting page (agenda or minutes, saved after the portal's JavaScript filled in the items) already says which
body, date, item, case number and decision each passage belongs to, so the document is built straight from the
DOM (read by ingest.sources.firstagenda.htmldom): clean text we write ourselves — title, meeting header, then per item
"Punkt N: title", the case number, each section with its heading, the attachment list, the attachments' text and,
last, the decision — with exact offsets. raw_text == text (identity offset map): there is no extracted text to
map back to.

Files claimed: .html/.htm whose first 64 KB hold the portal's agenda table or meeting-info table. The portal's
listing page and any other HTML are not claimed (the pipeline reports them as unsupported; parse_file raises
LoadError "unsupported"); a meeting page without items (saved before the JavaScript ran) fails with "empty".

A page is a package: attachment PDFs fetched by `byraad sync` into "<page stem>.bilag/" are its members. The
repaired text of each sits inside its item, before the decision, as a Section "bilag-<item>-<n>" (n = its place in
the item's attachment list) titled with the attachment's title and with the item's access level, so its chunks
name both the item and the attachment while the decision stays a chunk of its own. Closed items (the portal marks
them "Lukket punkt") get closed:<body>; their attachments are never listed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from byraad.dates import format_dmy
from byraad.types import PUBLIC, AgendaItem, Meeting, PageSpan, ParsedDocument, Section
from ingest.access import closed_level
from ingest.loaders import LoadError, LoadOptions
from ingest.sources import Source, register
from ingest.sources.firstagenda.files import BILAG_SUFFIX, page_url
from ingest.sources.firstagenda.htmldom import PortalItem, PortalPage, direct_pdf, is_meeting_page, read_page

PEEK = 64 * 1024
_ATTACH_ID = re.compile(rb"/vis/pdf/bilag/([0-9a-fA-F-]{36})")
WEB_PAGE_LABEL = "1"  # the web page is one page; attachment pages are labelled "3 (punkt 2, bilag 1)"


def claims(path: Path) -> bool:
    """A .html/.htm portal meeting page (listing pages and other HTML are not claimed)."""
    if path.suffix.lower() not in (".html", ".htm"):
        return False
    try:
        with path.open("rb") as f:
            return is_meeting_page(f.read(PEEK))
    except OSError:
        return False


def members(path: Path) -> list[Path]:
    """The PDFs in "<stem>.bilag/" next to the page (fetched by `byraad sync`).

    The whole folder belongs to the page, so an attachment the page no longer references is not ingested as a
    loose (public) PDF; parse() uses only the ones the page references ("…--<attachment id>.pdf").
    """
    from ingest.paths import contained, refusal

    folder = path.with_name(path.stem + BILAG_SUFFIX)
    if not folder.is_dir() or not contained(folder, path.parent):
        return []
    # The same rule as the folder scan (ingest.paths): a link out of the page's folder is never read.
    return sorted(p for p in folder.glob("*.pdf") if refusal(p, path.parent, "sidens mappe") is None)


def _referenced(path: Path) -> dict[str, Path]:
    """Attachment id → fetched PDF, for the attachments the page references."""
    try:
        ids = {m.group(1).decode().lower() for m in _ATTACH_ID.finditer(path.read_bytes())}
    except OSError:
        return {}
    by_id = {p.stem.rsplit("--", 1)[-1].lower(): p for p in members(path)}
    return {i: p for i, p in by_id.items() if i in ids}


def parse(path: Path, rel_path: str, doc_id: str, opts: LoadOptions) -> ParsedDocument:
    """The ParsedDocument of a portal meeting page (and its fetched attachments)."""
    path = Path(path)
    size = path.stat().st_size
    if size > opts.max_bytes:
        raise LoadError(f"file is too large ({size} bytes; limit {opts.max_bytes})", "too_large")
    data = path.read_bytes()
    if not is_meeting_page(data[:PEEK]):
        raise LoadError(
            "HTML file that is not a meeting page from the FirstAgenda portal "
            "(listing pages and other web pages are not ingested)",
            "unsupported",
        )
    page = read_page(data.decode("utf-8", errors="replace"))
    if not page.items:
        raise LoadError(
            "portal meeting page without agenda items (saved before the portal's JavaScript filled them in?)", "empty"
        )
    base = page.base_url or _manifest_url(path)
    word = "Referat" if page.kind == "minutes" else "Dagsorden"
    when = format_dmy(page.date, ".")
    title = " ".join(x for x in (f"{word} –", page.body or "ukendt udvalg", when) if x)
    level = closed_level(page.body)
    out = _Writer(_referenced(path), opts)
    out.add(title + "\n\n")
    header = [
        ("Udvalg", page.body),
        ("Mødedato", page.date_text),
        ("Mødested", page.place),
        ("Information", page.info),
        ("Mødedeltagere", ", ".join(page.participants)),
    ]
    out.add("".join(f"{k}: {v}\n" for k, v in header if v) + "\n")
    items, meta = [], _page_meta(page, base)
    for it in page.items:
        items.append(_write_item(out, it, page, level))
        if not it.closed:
            meta.update(_item_meta(it, base))
    text, pages = out.done()
    meta["page_count"] = 1 + out.attachment_pages
    if out.ocr:
        meta.update(ocr=True, ocr_pages=",".join(map(str, out.ocr)))
    meeting = Meeting(
        body=page.body,
        date=page.date,
        start=0,
        end=len(text),
        time=page.time,
        place=page.place,
        participants=page.participants,
        items=tuple(items),
        kind=page.kind,
    )
    return ParsedDocument(
        doc_id=doc_id,
        path=rel_path,
        title=title,
        kind=page.kind,
        text=text,
        raw_text=text,
        offset_map=tuple(range(len(text) + 1)),
        pages=tuple(pages),
        meetings=(meeting,),
        sections=tuple(out.sections),
        meta=meta,
        warnings=tuple(out.warnings),
    )


def _write_item(out: "_Writer", it: PortalItem, page: PortalPage, level: str) -> AgendaItem:
    """One item: heading, case number, sections, attachment list, attachments' text, then the decision.

    The attachments come before the decision because the decision unit is [decision_start, end): text after it
    would be chunked as part of the decision."""
    start = out.add(f"Punkt {it.number}: {it.title}\n")
    if it.case_number:
        out.add(f"Sagsnr.: {it.case_number}\n")
    for head, lines in it.sections:
        out.add("\n" + (head + "\n" if head else "") + "\n".join(lines) + "\n")
    if it.attachments and not it.closed:
        out.add("\nBilag\n" + "".join(f"- {t}\n" for _, t, _ in it.attachments if t))
    out.attachments(it, level if it.closed else PUBLIC)
    decision, dstart = "", -1
    if it.decision:
        out.add("\nBeslutning\n")
        decision = "\n".join(it.decision)
        dstart = out.add(decision + "\n")
    end = out.pos
    out.add("\n")
    return AgendaItem(
        number=it.number,
        title=it.title,
        start=start,
        end=end,
        decision=decision,
        decision_start=dstart,
        access=level if it.closed else PUBLIC,
        access_reason=it.closed_reason,
        case_number=it.case_number,
        section=page.kind,
    )


class _Writer:
    """The text under construction (the offset of everything added), its page spans and attachment sections.

    The web page is page 1 (label "1"); each attachment page gets a span labelled with the PDF's own page label,
    item and attachment number. Span numbers follow the text, so the web page, split around the attachments
    inside its items, gets several spans, and a chunk's page_start..page_end covers exactly the spans it touches.
    OCR'ed attachment pages are listed in `ocr` by these numbers.
    """

    def __init__(self, files: dict[str, Path], opts: LoadOptions) -> None:
        self.parts: list[str] = []
        self.pos = 0
        self.files, self.opts = files, opts
        self.pages: list[PageSpan] = []
        self.sections: list[Section] = []
        self.warnings: list[str] = []
        self.ocr: list[int] = []
        self.attachment_pages = 0
        self._web = 0  # where the current stretch of web-page text began

    def add(self, s: str) -> int:
        start = self.pos
        self.parts.append(s)
        self.pos += len(s)
        return start

    def attachments(self, it: PortalItem, access: str) -> None:
        """The fetched PDFs of an item, one Section each, numbered by their place in the item's list."""
        for n, (aid, name, _) in enumerate(it.attachments, 1):
            f = self.files.get(aid.lower())
            if f is not None:
                self._attachment(it, n, name or f.stem, f, access)

    def _attachment(self, it: PortalItem, n: int, name: str, f: Path, access: str) -> None:
        from ingest.repair import repair
        from ingest.sandbox import load  # under the per-file time and memory limits

        try:
            loaded = load(f, self.opts)
        except (LoadError, OSError) as e:
            self.warnings.append(f"bilag {f.name} til punkt {it.number} kunne ikke læses: {e}")
            return
        self.warnings.extend(f"bilag {f.name}: {w}" for w in loaded.warnings)
        rep = repair(loaded.raw_text, loaded.page_starts or (0,))
        self.add("\n")
        start = self.pos
        self._web_until(start)
        self.add(f"Bilag til punkt {it.number}: {name}\n\n")
        body = rep.text.rstrip("\n") + "\n"  # one final newline: the item may end here
        body_start = self.add(body)
        starts = [min(s, len(body)) for s in rep.page_starts] or [0]
        labels = list(loaded.page_labels)
        first = len(self.pages) + 1
        self.ocr += [first + int(x) - 1 for x in str(loaded.meta.get("ocr_pages", "")).split(",") if x.isdigit()]
        for i, s in enumerate(starts):
            e = starts[i + 1] if i + 1 < len(starts) else len(body)
            label = labels[i] if i < len(labels) else str(i + 1)
            self.pages.append(
                PageSpan(
                    len(self.pages) + 1,
                    f"{label} (punkt {it.number}, bilag {n})",
                    start if i == 0 else body_start + s,
                    body_start + e,
                )
            )
        self.attachment_pages += len(starts)
        self._web = self.pos
        self.sections.append(
            Section(title=name, start=start, end=self.pos, section_id=f"bilag-{it.number}-{n}", access=access)
        )

    def _web_until(self, end: int) -> None:
        """Close the current stretch of web-page text at `end`."""
        if end > self._web:
            self.pages.append(PageSpan(len(self.pages) + 1, WEB_PAGE_LABEL, self._web, end))
        self._web = end

    def done(self) -> tuple[str, list[PageSpan]]:
        """The text (one final newline) and page spans covering all of it, in order."""
        text = "".join(self.parts).rstrip("\n") + "\n"
        self._web_until(len(text))
        n = len(text)
        pages = [PageSpan(p.number, p.label, p.start, min(p.end, n)) for p in self.pages if p.start < n]
        last = pages[-1]
        pages[-1] = PageSpan(last.number, last.label, last.start, n)
        return text, pages


def _absolute(base: str, href: str) -> str:
    from urllib.parse import urljoin

    return urljoin(base, href) if base else href


def _page_meta(page: PortalPage, base: str) -> dict:
    meta: dict = {"format": "html", "source": "firstagenda", "items": len(page.items), "pages_approximate": False}
    if base:
        meta["portal_url"] = base
    if page.time:
        meta["meeting_time"] = page.time
    return meta


def _item_meta(it: PortalItem, base: str) -> dict:
    """Flat links of one open item: its portal id, its PDF and its attachments (a JSON string)."""
    key = f"item_{it.number}"
    meta: dict = {}
    if it.uid:
        meta[f"{key}_id"] = it.uid
        meta[f"{key}_pdf"] = _absolute(base, direct_pdf(f"/vis/pdf/dagsordenpunkt/{it.uid}"))
    if it.attachments:
        meta[f"{key}_bilag"] = json.dumps(
            [{"title": t, "url": _absolute(base, h)} for _, t, h in it.attachments], ensure_ascii=False
        )
    return meta


def _manifest_url(path: Path) -> str:
    """The URL `byraad sync` fetched this page from, when its manifest is next to it."""
    return page_url(path) or ""


register(Source(name="firstagenda", claims=claims, parse=parse, members=members))

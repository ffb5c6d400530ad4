"""Meeting pages from the FirstAgenda Publication portal (Aarhus: dagsordener.aarhus.dk) as structured documents.

A meeting page (agenda or minutes, saved after the portal's JavaScript filled in the items) already says which
body, date, item, case number and decision each passage belongs to, so the document is built straight from the
DOM (stdlib html.parser): clean text we write ourselves — title, meeting header, then per item "Punkt N: title",
the case number, each section with its heading, the attachment list and, last, the decision — with exact offsets.
raw_text == text (identity offset map): there is no extracted text to map back to.

Files claimed: .html/.htm whose first 64 KB hold the portal's agenda table or meeting-info table. The portal's
listing page and any other HTML are not claimed (the pipeline reports them as unsupported; parse_file raises
LoadError "unsupported"); a meeting page without items (saved before the JavaScript ran) fails with "empty".

A page is a package: attachment PDFs fetched by `byraad sync` into "<page stem>.bilag/" are its members; their
repaired text is appended inside the meeting as one Section per attachment, with the item's access level.
Closed items (the portal marks them "Lukket punkt") get closed:<body>; their attachments are never listed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from byraad.types import PUBLIC, AgendaItem, Meeting, PageSpan, ParsedDocument, Section
from ingest.access import CLOSED_LINE, CLOSED_TITLE, closed_level
from ingest.dates import parse_danish_date
from ingest.loaders import LoadError, LoadOptions
from ingest.sources import Source, register

PEEK = 64 * 1024
_MARKER = re.compile(rb'id=["\']dagsordenDetaljer["\']|class=["\'][^"\']*\bdagsordeninfo\b')
_GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_ATTACH_ID = re.compile(rb'/vis/pdf/bilag/([0-9a-fA-F-]{36})')
_DECISION = re.compile(r"^beslutning(?:er)?\s*:?$", re.IGNORECASE)
_TIME = re.compile(r"\bkl\.?\s*(\d{1,2}[.:]\d{2})")
_CLOSED_CLASS = re.compile(r"lukket|fortrolig|confidential|closed[-_]?item|item[-_]?closed", re.IGNORECASE)
_JUNK = re.compile(r"[\W_]*")
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track",
         "wbr"}
_SKIP = {"script", "style", "template", "noscript", "button"}      # button: only the collapsed item title
_BLOCK = {"div", "p", "li", "ul", "ol", "tr", "td", "th", "table", "tbody", "thead", "section", "article",
          "blockquote", "pre", "br", "h1", "h2", "h3", "h4", "h5", "h6", "dd", "dt", "dl"}
_HEAD = {"h1", "h2", "h3", "h4", "h5", "h6"}
BILAG_SUFFIX = ".bilag"


# ---------------------------------------------------------------- a small DOM

class Node:
    """An element: tag, attributes, children (Nodes and text strings)."""

    __slots__ = ("tag", "attrs", "children")

    def __init__(self, tag: str, attrs: dict[str, str]) -> None:
        self.tag, self.attrs, self.children = tag, attrs, []

    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def iter(self):
        """This node and all descendant elements, in document order."""
        stack = [self]
        while stack:
            n = stack.pop()
            yield n
            stack.extend(c for c in reversed(n.children) if isinstance(c, Node))

    def find_all(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> list["Node"]:
        return [n for n in self.iter() if (tag is None or n.tag == tag) and (cls is None or cls in n.classes())
                and all(n.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())]

    def find(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> "Node | None":
        found = self.find_all(tag, cls, **attrs)
        return found[0] if found else None

    def blocks(self) -> list[tuple[bool, str]]:
        """Text as (is_heading, line) blocks: a line per block element, whitespace collapsed."""
        out: list[tuple[bool, str]] = []
        buf: list[str] = []

        def flush(head: bool = False) -> None:
            line = " ".join("".join(buf).split())
            buf.clear()
            if line or head:
                out.append((head, line))

        def walk(n: Node) -> None:
            if n.tag in _SKIP:
                return
            if n.tag in _HEAD:
                flush()
                buf.extend(c if isinstance(c, str) else c.text() for c in n.children)
                flush(head=True)
                return
            block = n.tag in _BLOCK
            if block:
                flush()
            for c in n.children:
                if isinstance(c, str):
                    buf.append(c)
                else:
                    walk(c)
            if block:
                flush()

        walk(self)
        flush()
        return out

    def lines(self) -> list[str]:
        return [t for _, t in self.blocks() if t]

    def text(self) -> str:
        return " ".join(self.lines())


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):     # tolerate unclosed children; ignore stray end tags
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        if self.stack[-1].tag not in ("script", "style"):
            self.stack[-1].children.append(data)


def parse_html(html: str) -> Node:
    """The DOM of an HTML document (tolerant of unclosed and stray tags)."""
    b = _Builder()
    b.feed(html)
    b.close()
    return b.root


# ---------------------------------------------------------------- the meeting page

@dataclass
class PortalItem:
    uid: str
    number: str
    title: str
    case_number: str
    sections: list[tuple[str, list[str]]]       # (heading, lines), page order, decision excluded
    decision: list[str]
    attachments: list[tuple[str, str, str]]     # (id, title, href)
    closed: bool = False
    closed_reason: str = ""


@dataclass
class PortalPage:
    kind: str                   # agenda | minutes
    body: str
    date: int | None
    date_text: str
    time: str
    place: str
    info: str
    participants: tuple[str, ...]
    items: list[PortalItem] = field(default_factory=list)
    base_url: str = ""


def is_meeting_page(head: bytes) -> bool:
    """True when the bytes (the start of a file is enough) are a portal meeting page, not its listing."""
    return bool(_MARKER.search(head))


def read_page(html: str) -> PortalPage:
    """Meeting header and items of a portal meeting page."""
    dom = parse_html(html)
    h1 = next((n for n in dom.find_all("h1") if "dato" in n.classes()), None) or dom.find("h1")
    heading = h1.text() if h1 else ""
    info = dom.find("table", "dagsordeninfo") or dom
    body = _first_text(info, "udvalg") or _first_text(dom, "udvalg")
    date_text = _first_text(info, "dato") or heading
    place = _first_text(dom, "sted")
    desc = next((n for n in dom.iter() if "data-meeting-description" in n.attrs), None)
    people = dom.find("td", "deltagere")
    m = _TIME.search(date_text) or _TIME.search(heading)
    page = PortalPage(kind="", body=body, date=parse_danish_date(date_text) or parse_danish_date(heading),
                      date_text=date_text, time=m.group(1) if m else "", place=place,
                      info=desc.text() if desc else "", participants=tuple(people.lines()) if people else (),
                      base_url=_base_url(dom))
    page.items = [_item(row) for row in dom.find_all("tr") if "punktrow" in row.classes()]
    low = heading.lower()
    button = dom.find("input", id="hentHeledagsorden")
    if low.startswith("referat") or (button is not None and "referat" in button.attrs.get("value", "").lower()):
        page.kind = "minutes"
    elif low.startswith(("dagsorden", "tillæg")):
        page.kind = "agenda"
    else:
        page.kind = "minutes" if any(it.decision for it in page.items) else "agenda"
    return page


def _first_text(dom: Node, cls: str) -> str:
    for n in dom.iter():
        if cls in n.classes() and n.tag in ("span", "td", "div"):
            t = n.text()
            if t:
                return t
    return ""


def _base_url(dom: Node) -> str:
    for n in dom.iter():
        if n.tag == "base" and n.attrs.get("href", "").startswith("http"):
            return n.attrs["href"]
        if n.tag == "link" and n.attrs.get("rel") == "canonical" and n.attrs.get("href", "").startswith("http"):
            return n.attrs["href"]
        if n.tag == "meta" and n.attrs.get("property") == "og:url" and n.attrs.get("content", "").startswith("http"):
            return n.attrs["content"]
    return ""


def _item(row: Node) -> PortalItem:
    label = next((n for n in row.iter() if "label" in n.classes() and "pdf-label" not in n.classes()), None)
    title_node = row.find(cls="overskrift")
    details = row.find(cls="details") or row
    case = details.find(cls="sagsnummer")
    container = (details.find(id="sagsfremstillingContainer") or details.find(cls="punkt"))
    sections: list[tuple[str, list[str]]] = []
    decision: list[str] = []
    for head, line in (container.blocks() if container else []):
        if head:
            sections.append((line.rstrip(), []))
        elif not _JUNK.fullmatch(line):
            if not sections:
                sections.append(("", []))
            sections[-1][1].append(line)
    kept = []
    for head, lines in sections:
        if _DECISION.match(head.strip()):
            decision += lines
        elif lines:
            kept.append((head, lines))
    attachments = []
    for a in row.find_all("a", "bilag-link"):
        href = a.attrs.get("href", "")
        m = _GUID.search(a.attrs.get("id", "")) or _GUID.search(href)
        attachments.append((m.group(0) if m else "", a.text(), href))
    pdf = next((a for a in row.find_all("a") if a.attrs.get("data-type") == "dagsordenpunkt"), None)
    uid = (pdf.attrs.get("data-id", "") if pdf else "") or (_GUID.search(row.attrs.get("id", "")) or [""])[0]
    title = title_node.text() if title_node else ""
    it = PortalItem(uid=uid, number=label.text() if label else "", title=title,
                    case_number=case.text() if case else "", sections=kept, decision=decision,
                    attachments=attachments)
    it.closed, it.closed_reason = _closed(row, title)
    if it.closed and not it.title:
        it.title = "Lukket punkt"
    return it


def _closed(row: Node, title: str) -> tuple[bool, str]:
    """The portal's own closed-item markers: a class, the title, or a "Lukket punkt" label in the row."""
    if any(_CLOSED_CLASS.search(c) for n in row.iter() for c in n.classes()):
        return True, "markeret som lukket punkt på mødeportalen"
    if CLOSED_TITLE.search(title):
        return True, "markeret som lukket/fortroligt i punktets titel på mødeportalen"
    own = (" ".join("".join(c for c in n.children if isinstance(c, str)).split()) for n in row.iter())
    if any(CLOSED_LINE.fullmatch(t) for t in own if t) or CLOSED_LINE.search("\n".join(row.lines())):
        return True, "markeret \"Lukket punkt\" på mødeportalen"
    return False, ""


# ---------------------------------------------------------------- the Source

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
    folder = path.with_name(path.stem + BILAG_SUFFIX)
    return sorted(folder.glob("*.pdf")) if folder.is_dir() else []


def _referenced(path: Path) -> dict[str, Path]:
    """Attachment id → fetched PDF, for the attachments the page references."""
    try:
        ids = {m.group(1).decode().lower() for m in _ATTACH_ID.finditer(path.read_bytes())}
    except OSError:
        return {}
    by_id = {p.stem.rsplit("--", 1)[-1].lower(): p for p in members(path)}
    return {i: p for i, p in by_id.items() if i in ids}


class _Text:
    """Text under construction with the offset of everything added."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0

    def add(self, s: str) -> int:
        start = self.pos
        self.parts.append(s)
        self.pos += len(s)
        return start

    def value(self) -> str:
        return "".join(self.parts)


def parse(path: Path, rel_path: str, doc_id: str, opts: LoadOptions) -> ParsedDocument:
    """The ParsedDocument of a portal meeting page (and its fetched attachments)."""
    path = Path(path)
    size = path.stat().st_size
    if size > opts.max_bytes:
        raise LoadError(f"file is too large ({size} bytes; limit {opts.max_bytes})", "too_large")
    data = path.read_bytes()
    if not is_meeting_page(data[:PEEK]):
        raise LoadError("HTML file that is not a meeting page from the FirstAgenda portal "
                        "(listing pages and other web pages are not ingested)", "unsupported")
    page = read_page(data.decode("utf-8", errors="replace"))
    if not page.items:
        raise LoadError("portal meeting page without agenda items (saved before the portal's JavaScript "
                        "filled them in?)", "empty")
    base = page.base_url or _manifest_url(path)
    word = "Referat" if page.kind == "minutes" else "Dagsorden"
    when = f"{page.date % 100:02d}.{page.date // 100 % 100:02d}.{page.date // 10000}" if page.date else ""
    title = " ".join(x for x in (f"{word} –", page.body or "ukendt udvalg", when) if x)
    level = closed_level(page.body)
    out = _Text()
    out.add(title + "\n\n")
    header = [("Udvalg", page.body), ("Mødedato", page.date_text), ("Mødested", page.place),
              ("Information", page.info), ("Mødedeltagere", ", ".join(page.participants))]
    out.add("".join(f"{k}: {v}\n" for k, v in header if v) + "\n")
    items, meta, warnings = [], _page_meta(page, base), []
    for it in page.items:
        items.append(_write_item(out, it, page, level))
        if not it.closed:
            meta.update(_item_meta(it, base))
    sections, pages = _attachments(out, path, page, level, opts, warnings, meta)
    text = out.value().rstrip("\n") + "\n"
    html_end = pages[0].start if pages else len(text)
    pages = [PageSpan(1, "1", 0, html_end)] + [PageSpan(p.number, p.label, p.start, min(p.end, len(text)))
                                                for p in pages]
    meta["page_count"] = len(pages)
    meeting = Meeting(body=page.body, date=page.date, start=0, end=len(text), time=page.time, place=page.place,
                      participants=page.participants, items=tuple(items), kind=page.kind)
    return ParsedDocument(doc_id=doc_id, path=rel_path, title=title, kind=page.kind, text=text, raw_text=text,
                          offset_map=tuple(range(len(text) + 1)), pages=tuple(pages), meetings=(meeting,),
                          sections=tuple(sections), meta=meta, warnings=tuple(warnings))


def _write_item(out: _Text, it: PortalItem, page: PortalPage, level: str) -> AgendaItem:
    start = out.add(f"Punkt {it.number}: {it.title}\n")
    if it.case_number:
        out.add(f"Sagsnr.: {it.case_number}\n")
    for head, lines in it.sections:
        out.add("\n" + (head + "\n" if head else "") + "\n".join(lines) + "\n")
    if it.attachments and not it.closed:
        out.add("\nBilag\n" + "".join(f"- {t}\n" for _, t, _ in it.attachments if t))
    decision, dstart = "", -1
    if it.decision:
        out.add("\nBeslutning\n")
        decision = "\n".join(it.decision)
        dstart = out.add(decision + "\n")
    end = out.pos
    out.add("\n")
    return AgendaItem(number=it.number, title=it.title, start=start, end=end, decision=decision,
                      decision_start=dstart, access=level if it.closed else PUBLIC,
                      access_reason=it.closed_reason, case_number=it.case_number, section=page.kind)


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
        meta[f"{key}_pdf"] = _absolute(base, f"/vis/pdf/dagsordenpunkt/{it.uid}?redirectDirectlyToPdf=true")
    if it.attachments:
        meta[f"{key}_bilag"] = json.dumps([{"title": t, "url": _absolute(base, h)} for _, t, h in it.attachments],
                                          ensure_ascii=False)
    return meta


def _manifest_url(path: Path) -> str:
    """The URL `byraad sync` fetched this page from, when its manifest is next to it."""
    from ingest.sync import page_url

    return page_url(path) or ""


def _attachments(out: _Text, path: Path, page: PortalPage, level: str, opts: LoadOptions, warnings: list[str],
                 meta: dict) -> tuple[list[Section], list[PageSpan]]:
    """Append the text of fetched attachment PDFs inside the meeting, one Section each; pages 2… carry each PDF's
    own page labels, and OCR'ed pages are listed in meta["ocr_pages"] by their number here."""
    from ingest.loaders import load_file
    from ingest.repair import repair

    files = _referenced(path)
    sections: list[Section] = []
    pages: list[PageSpan] = []
    ocr: list[int] = []
    for it in page.items:
        for aid, name, _ in it.attachments:
            f = files.get(aid.lower())
            if f is None:
                continue
            try:
                loaded = load_file(f, opts=opts)
            except (LoadError, OSError) as e:
                warnings.append(f"bilag {f.name} til punkt {it.number} kunne ikke læses: {e}")
                continue
            warnings.extend(f"bilag {f.name}: {w}" for w in loaded.warnings)
            rep = repair(loaded.raw_text, loaded.page_starts or (0,))
            head = f"Bilag til punkt {it.number}: {name or f.stem}"
            start = out.add(head + "\n\n")
            body_start = out.add(rep.text if rep.text.endswith("\n") else rep.text + "\n")
            starts = list(rep.page_starts) or [0]
            labels = list(loaded.page_labels)
            first = len(pages) + 2                  # page 1 is the web page itself
            ocr += [first + int(x) - 1 for x in str(loaded.meta.get("ocr_pages", "")).split(",") if x.isdigit()]
            for i, s in enumerate(starts):
                e = starts[i + 1] if i + 1 < len(starts) else out.pos - body_start
                pages.append(PageSpan(first + i, labels[i] if i < len(labels) else str(i + 1),
                                      start if i == 0 else body_start + s, body_start + e))
            out.add("\n")
            sections.append(Section(title=head, start=start, end=out.pos - 1,
                                    access=level if it.closed else PUBLIC))
    if ocr:
        meta.update(ocr=True, ocr_pages=",".join(map(str, ocr)))
    return sections, pages


register(Source(name="firstagenda", claims=claims, parse=parse, members=members))

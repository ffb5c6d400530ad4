"""The FirstAgenda portal's HTML read into plain data: a small DOM tree (stdlib html.parser), the meeting page
(`read_page` → PortalPage with its PortalItems) and the listing page (`read_listing` → ListingEntry per meeting).

Shared by the loader (ingest.sources.firstagenda, page → ParsedDocument) and `byraad sync` (ingest.sources.firstagenda.sync), so
neither needs the other to read a page. No network, no files: strings in, dataclasses out.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass, field
from html.parser import HTMLParser

from byraad.dates import parse_danish_date, to_int
from ingest.access import CLOSED_LINE, CLOSED_TITLE

_MARKER = re.compile(rb'id=["\']dagsordenDetaljer["\']|class=["\'][^"\']*\bdagsordeninfo\b')
_GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_DECISION = re.compile(r"^beslutning(?:er)?\s*:?$", re.IGNORECASE)
_TIME = re.compile(r"\bkl\.?\s*(\d{1,2}[.:]\d{2})")
_CLOSED_CLASS = re.compile(r"lukket|fortrolig|confidential|closed[-_]?item|item[-_]?closed", re.IGNORECASE)
_JUNK = re.compile(r"[\W_]*")
_SLUG_DATE = re.compile(r"d\.(\d{2})-(\d{2})-(\d{4})")
_SLUG_TIME = re.compile(r"kl\.(\d{1,2})[.:](\d{2})")
_ARIA = re.compile(r"(\d{2})-(\d{2})-(\d{4})\s+(.+?)\s+(Dagsorden|Referat|Tillæg\w*)\s*$", re.IGNORECASE)
_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}
_SKIP = {"script", "style", "template", "noscript", "button"}  # button: only the collapsed item title
_BLOCK = {
    "div",
    "p",
    "li",
    "ul",
    "ol",
    "tr",
    "td",
    "th",
    "table",
    "tbody",
    "thead",
    "section",
    "article",
    "blockquote",
    "pre",
    "br",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "dd",
    "dt",
    "dl",
}
_HEAD = {"h1", "h2", "h3", "h4", "h5", "h6"}


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
        return [
            n
            for n in self.iter()
            if (tag is None or n.tag == tag)
            and (cls is None or cls in n.classes())
            and all(n.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())
        ]

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
        for i in range(len(self.stack) - 1, 0, -1):  # tolerate unclosed children; ignore stray end tags
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
    sections: list[tuple[str, list[str]]]  # (heading, lines), page order, decision excluded
    decision: list[str]
    attachments: list[tuple[str, str, str]]  # (id, title, href)
    closed: bool = False
    closed_reason: str = ""


@dataclass
class PortalPage:
    kind: str  # agenda | minutes
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
    page = PortalPage(
        kind="",
        body=body,
        date=parse_danish_date(date_text) or parse_danish_date(heading),
        date_text=date_text,
        time=m.group(1) if m else "",
        place=place,
        info=desc.text() if desc else "",
        participants=tuple(people.lines()) if people else (),
        base_url=_base_url(dom),
    )
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
    container = details.find(id="sagsfremstillingContainer") or details.find(cls="punkt")
    sections: list[tuple[str, list[str]]] = []
    decision: list[str] = []
    for head, line in container.blocks() if container else []:
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
    it = PortalItem(
        uid=uid,
        number=label.text() if label else "",
        title=title,
        case_number=case.text() if case else "",
        sections=kept,
        decision=decision,
        attachments=attachments,
    )
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
        return True, 'markeret "Lukket punkt" på mødeportalen'
    return False, ""


# ---------------------------------------------------------------- the listing page


@dataclass(frozen=True)
class ListingEntry:
    """One meeting link on the listing page."""

    url: str
    meeting_id: str
    body: str
    date: int | None
    time: str
    kind: str  # agenda | minutes


def read_listing(html: str, base_url: str) -> list[ListingEntry]:
    """Meeting links (agenda and minutes) of a portal listing page, in page order, without duplicates."""
    out: dict[str, ListingEntry] = {}
    for a in parse_html(html).find_all("a"):
        href = a.attrs.get("href", "")
        q = urllib.parse.urlparse(href)
        mid = urllib.parse.parse_qs(q.query).get("id", [""])[0]
        if not q.path.rstrip("/").endswith("/vis") or not mid:
            continue
        url = urllib.parse.urljoin(base_url, href)
        slug = urllib.parse.unquote(q.query)
        strongs = [s.text() for s in a.find_all("strong")]
        aria = _ARIA.search(a.attrs.get("aria-label", ""))
        if aria:
            body, kind_word = aria.group(4), aria.group(5)
            d = (aria.group(3), aria.group(2), aria.group(1))
        else:
            body = strongs[0] if strongs else ""
            kind_word = strongs[1] if len(strongs) > 1 else slug.split("-", 1)[0]
            m = _SLUG_DATE.search(slug) or _DMY.search(a.text())
            d = (m.group(3), m.group(2), m.group(1)) if m else None
        date = to_int(int(d[0]), int(d[1]), int(d[2])) if d else None
        t = _SLUG_TIME.search(slug)
        out.setdefault(
            url,
            ListingEntry(
                url=url,
                meeting_id=mid,
                body=body,
                date=date,
                time=f"{int(t.group(1)):02d}{t.group(2)}" if t else "",
                kind="minutes" if kind_word.lower().startswith("referat") else "agenda",
            ),
        )
    return list(out.values())


def direct_pdf(url: str) -> str:
    """The portal's PDF links open a viewer; redirectDirectlyToPdf=true returns the PDF itself."""
    if "redirectDirectlyToPdf=" in url:
        return re.sub(r"redirectDirectlyToPdf=(?:false|0)", "redirectDirectlyToPdf=true", url)
    return url + ("&" if "?" in url else "?") + "redirectDirectlyToPdf=true"

"""Acadre (XML_<n>.xml + Files_<n>_<doc>/) → the neutral ESDH `Package`.

Read from XML_<n>.xml: committee, meeting (name, date "2013-06-20 10:30"), and each producedAgenda (type 1 =
dagsorden, 2 = referat; access "Åben"/accessid, publish flag, filesfolder, xmlfilename, docfilename). The referat
with a files folder is preferred. From its item XML (filesfolder/xmlfilename): meeting place and members (absent
flag), and per agendaitemparents: sort (the printed item number), agendaitem name, caseno, access/accessname,
bullets (Resumé, Sagsfremstilling, …, "Beslutning i <udvalg> den DD-MM-YYYY") and enclosures (name, filename,
access/accessname).

Access: accessname "Åben" (or, without a name, Acadre's access code 1) is public; "Lukket"/"Person" (codes 2/3) give
closed:<body>; anything else gives 'closed' with a warning. A produced agenda that is not "Åben" or not marked for
publishing closes all its items.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

from byraad.access import most_restrictive
from byraad.dates import format_dmy
from byraad.types import CLOSED, PUBLIC
from ingest.access import closed_level
from ingest.loaders import LoadError
from ingest.paths import contained
from ingest.sources.esdh.model import Doc, Item, Package, head, locate, parse_datetime, read_xml, resolve, root_tag

_OPEN_NAMES = {"åben", "aaben", "offentlig"}


def claims(path: Path) -> bool:
    """By content; a file named as Acadre names its publication (XML_<n>.xml) is claimed also when its head is
    damaged or cut short, so a damaged package fails as a whole instead of its files being read loose."""
    text, named = head(path, 16384), re.fullmatch(r"xml_\d+\.xml", Path(path).name, re.IGNORECASE) is not None
    tag = root_tag(text)
    return (tag == "root" and ('name="producedAgenda"' in text or named)) or (not tag and named)


def files_folder(base: Path, name: str) -> Path | None:
    """The package's files folder `name`, only when it lies inside the package folder `base` (no absolute path,
    no "..", no link out of it: ingest.paths)."""
    if not name or re.match(r"[A-Za-z]:|[\\/]", name) or ".." in re.split(r"[\\/]+", name):
        return None
    folder = base / name
    return folder if folder.is_dir() and contained(folder, base) else None


def _xml(path: Path) -> ET.Element:
    return read_xml(path, "Acadre")


def _attrs(fields: ET.Element | None) -> dict[str, str]:
    """XML_<n>.xml style: <field name="…"/><field sysid="…"/> → one dict of all attributes."""
    out: dict[str, str] = {}
    for f in fields.findall("field") if fields is not None else []:
        out.update({k: v for k, v in f.attrib.items()})
    return out


def _named(fields: ET.Element | None) -> dict[str, str]:
    """Item-XML style: <field name="sysid">1863</field> → {name: text}."""
    return {f.get("name", ""): (f.text or "") for f in (fields.findall("field") if fields is not None else [])}


def _produced(root: ET.Element) -> list[dict[str, str]]:
    return [_attrs(f) for t in root.findall("table") if t.get("name") == "producedAgenda" for f in t.findall("fields")]


def _chosen(root: ET.Element) -> dict[str, str] | None:
    with_files = [p for p in _produced(root) if p.get("filesfolder")]
    return max(with_files, key=lambda p: (p.get("type") == "2", p.get("publish") == "1"), default=None)


def members(path: Path) -> list[Path]:
    root, base, out = _xml(path), Path(path).parent, []
    for p in _produced(root):
        folder = files_folder(base, p.get("filesfolder", ""))
        if folder is None:
            continue
        for key in ("xmlfilename", "docfilename", "pdffilename"):
            if p.get(key) and (f := resolve(folder, p[key], base)) is not None:
                out.append(f)
        inner = resolve(folder, p["xmlfilename"], base) if p.get("xmlfilename") else None
        if inner is not None:
            for enc in _xml(inner).iter("table"):
                if enc.get("name") == "enclosure":
                    f, _ = _enclosure_file(folder, _named(enc.find("fields")).get("filename", ""), base)
                    if f is not None:
                        out.append(f)
    return list(dict.fromkeys(out))


def _enclosure_file(folder: Path, name: str, base: Path) -> tuple[Path | None, str]:
    """The enclosure file, or a PDF rendering of it with the same stem (real page numbers for citations); or None
    and why. Never outside the package folder `base`."""
    if not name:
        return None, ""
    pdf, _ = locate(folder, Path(name).stem + ".pdf", base)
    return (pdf, "") if pdf is not None else locate(folder, name, base)


class _Html(HTMLParser):
    BLOCK = {"p", "div", "br", "li", "tr", "table", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.BLOCK:
            self.out.append("\n")
        if tag == "li":
            self.out.append("- ")

    def handle_endtag(self, tag):
        if tag in self.BLOCK:
            self.out.append("\n")

    def handle_data(self, data):
        self.out.append(" ".join(data.split()) if data.strip() else " ")


def html_text(html: str) -> str:
    """Bullet HTML → plain paragraphs (soft line breaks inside a paragraph become spaces)."""
    p = _Html()
    p.feed(html or "")
    p.close()
    lines = [" ".join(ln.replace("\xa0", " ").split()) for ln in "".join(p.out).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n\n".join(ln for ln in lines if ln)).strip()


def _level(name: str, code: str, body: str, what: str, warnings: list[str]) -> tuple[str, str]:
    n = name.strip().lower()
    if n in _OPEN_NAMES or (not n and code.strip() == "1"):
        return PUBLIC, ""
    if n or code.strip() in ("2", "3"):
        return closed_level(body), f'Acadre-adgang "{name or code}"'
    warnings.append(f"{what}: Acadre angiver ingen adgang; adgang sat til 'closed'.")
    return CLOSED, "ingen adgang angivet i Acadre"


def read(path: Path) -> Package:
    """The meeting package of an Acadre XML_<n>.xml."""
    root, base = _xml(path), Path(path).parent
    tables = {t.get("name"): t for t in root.findall("table")}
    body = _attrs(tables.get("committee", ET.Element("x")).find("fields")).get("name", "")
    meeting = _attrs(tables.get("meeting", ET.Element("x")).find("fields"))
    prod = _chosen(root)
    if prod is None:
        raise LoadError("Acadre package has no published files (no filesfolder)", "empty")
    kind = {"1": "agenda", "2": "minutes"}.get(
        prod.get("type", ""), "minutes" if "referat" in prod.get("comment", "").lower() else "agenda"
    )
    date, time = parse_datetime(meeting.get("date", ""))
    folder = files_folder(base, prod["filesfolder"])
    if folder is None:
        raise LoadError(f"Acadre files folder {prod['filesfolder']!r} is not a folder inside the package", "outside")
    pkg = Package(
        "Acadre",
        body,
        date,
        kind,
        time=time,
        meeting_name=meeting.get("name", ""),
        meta={"agenda_access": prod.get("access", ""), "agenda_comment": prod.get("comment", "")},
    )
    agenda_level, agenda_reason = _level(
        prod.get("access", ""), prod.get("accessid", ""), body, "Dagsordenen", pkg.warnings
    )
    if prod.get("publish", "1") != "1" and agenda_level == PUBLIC:
        agenda_level, agenda_reason = closed_level(body), "dagsordenen er ikke markeret til publicering i Acadre"
    others = [p.get("comment") or p.get("docfilename", "") for p in _produced(root) if p is not prod]
    if others:
        pkg.meta["not_used"] = "; ".join(o for o in others if o)
    inner_ref = prod.get("xmlfilename", "")
    inner = resolve(folder, inner_ref, base) if inner_ref else None
    if inner is None:
        pkg.warnings.append(
            f"punktstrukturen {prod['filesfolder']}/{inner_ref} findes ikke; hele dokumentet bruges uden punktinddeling"
        )
        ref = prod.get("docfilename", "")
        path_, missing = locate(folder, ref, base) if ref else (None, "")
        pkg.extra.append(
            Doc(
                prod.get("comment") or "Dokument",
                ref,
                path_,
                access=agenda_level,
                access_reason=agenda_reason,
                missing=missing,
            )
        )
        return pkg
    _read_items(_xml(inner), folder, pkg, agenda_level, agenda_reason, base)
    return pkg


def _read_items(x: ET.Element, folder: Path, pkg: Package, agenda_level: str, agenda_reason: str, base: Path) -> None:
    tables = list(x.iter("table"))
    meeting = next((_named(t.find("fields")) for t in tables if t.get("name") == "meeting"), {})
    pkg.body = (
        next((_named(t.find("fields")).get("name", "") for t in tables if t.get("name") == "committee"), "") or pkg.body
    )
    place = [meeting.get("location", "")] + re.split(r"<br\s*/?>", meeting.get("address", ""))
    pkg.place = ", ".join(p.strip() for p in place if p.strip())
    people: dict[bool, list[str]] = {True: [], False: []}
    for t in tables:
        if t.get("name") == "meetmember":
            for m in t.findall("table"):
                f = _named(m.find("fields"))
                if name := " ".join(f.get("name", "").split()):
                    people[f.get("absent") == "1"].append(name)
    pkg.participants, pkg.absentees = tuple(people[False]), tuple(people[True])
    ddmmyyyy = format_dmy(pkg.date) if pkg.date else "-"
    for k, parent in enumerate((t for t in tables if t.get("name") == "agendaitemparents"), 1):
        ai = next((t for t in parent.findall("table") if t.get("name") == "agendaitem"), None)
        if ai is None:
            continue
        f = _named(ai.find("fields"))
        number = _named(parent.find("fields")).get("sort", "").strip() or str(k)
        title = " ".join(f.get("name", "").split()) or f"Punkt {number}"
        level, reason = _level(f.get("accessname", ""), f.get("access", ""), pkg.body, f"Punkt {number}", pkg.warnings)
        if most_restrictive(level, agenda_level) != level:
            level, reason = most_restrictive(level, agenda_level), agenda_reason
        parts, dec_head, dec_text = [], "", ""
        bullets = sorted(
            (_named(b.find("fields")) for b in ai.findall("table") if b.get("name") == "bullet"),
            key=lambda b: int(b.get("bulletsortorder") or 0),
        )
        for b in bullets:
            name, text = " ".join(b.get("bulletname", "").split()), html_text(b.get("bulletcontent", ""))
            if not text:
                continue
            if name.lower().startswith("beslutning") and ddmmyyyy in name:
                dec_head, dec_text = name, text  # this meeting's decision; earlier ones are history
            else:
                parts.append(f"{name}\n{text}")
        item = Item(
            number=number,
            title=title,
            public_title="",
            content=Doc(title, text="\n\n".join(parts), text_first=True),
            case_number=f.get("caseno", ""),
            access=level,
            access_reason=reason,
            decision_heading=dec_head,
            decision_text=dec_text,
        )
        encs = sorted(
            (_named(e.find("fields")) for e in ai.findall("table") if e.get("name") == "enclosure"),
            key=lambda e: int(e.get("sort") or 0),
        )
        for j, e in enumerate(encs, 1):
            name = " ".join(e.get("name", "").split()) or f"Bilag {j}"
            alevel, areason = _level(
                e.get("accessname", ""), e.get("access", ""), pkg.body, f"Bilag {j} til punkt {number}", pkg.warnings
            )
            desc = " ".join(e.get("description", "").split())
            ref = e.get("filename", "")
            path_, missing = _enclosure_file(folder, ref, base)
            item.attachments.append(
                Doc(
                    name,
                    ref,
                    path_,
                    access=alevel,
                    access_reason=areason,
                    summary="" if desc == name else desc,
                    missing=missing,
                )
            )
        pkg.items.append(item)
    if not pkg.items:
        pkg.warnings.append("Acadre-pakken indeholder ingen dagsordenspunkter")

"""eDoc (eDocAgendaPublishing.xml) → the neutral ESDH `Package`.

Read: /Meeting/Committee, MeetingDate (day-month-year "04-12-2012 13:00:00"), MeetingState; each MeetingAgendaType
(AgendaType "Åben dagsorden"/"Lukket dagsorden", the whole-agenda PDF) with its MeetingAgendaItems: AgendaItemNumber,
PDFDocument (the item as PDF), Document/Title, NeutralTitle, Summary, PublicAccess, PublishingType,
CaseLogicIdentifier, FullText (a text fallback), Attachments/Attachment (same fields + PDFDocument).

Access, as OS2dagsorden's eDoc import decides it: an AgendaType with "lukket" closes the item; a PublishingType
other than "SKAL PUBLICERES" or a non-public PublicAccess value closes it too; a missing or unrecognised
AgendaType/PublishingType gives 'closed' (unknown) with a warning.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from byraad.dates import split
from byraad.types import CLOSED, PUBLIC
from ingest.access import closed_level
from ingest.sources.esdh.model import (
    CASE,
    Doc,
    Item,
    Package,
    head,
    locate,
    parse_datetime,
    read_xml,
    resolve,
    root_tag,
)

PUBLISH = "SKAL PUBLICERES"
_PUBLIC_VALUES = {"åben", "åbent", "aaben", "offentlig", "public", "ja", "true", "1"}


def claims(path: Path) -> bool:
    """By content (root element Meeting); a file named as eDoc names its export whose head cannot be read is claimed
    too, so a damaged package fails as a whole instead of its files being read loose."""
    tag = root_tag(head(path, 4096))
    return tag == "Meeting" or (not tag and Path(path).name.lower() == "edocagendapublishing.xml")


def _xml(path: Path) -> ET.Element:
    return read_xml(path, "eDoc")


def _t(el: ET.Element | None, tag: str) -> str:
    x = el.find(tag) if el is not None else None
    return " ".join((x.text or "").split()) if x is not None and x.text else ""


def _full(el: ET.Element | None) -> str:
    x = el.find("FullText") if el is not None else None
    return (x.text or "").replace("\r\n", "\n").replace("\r", "\n") if x is not None else ""


def members(path: Path) -> list[Path]:
    root, base, out = _xml(path), Path(path).parent, []
    for pdf in root.iter("PDFDocument"):
        if pdf.text and (p := resolve(base, pdf.text)) is not None and p not in out:
            out.append(p)
    return out


def _level(agenda_type: str, el: ET.Element, body: str, what: str, warnings: list[str]) -> tuple[str, str]:
    """Access of an item or attachment from its agenda type, PublicAccess and PublishingType."""
    at = agenda_type.lower()
    if "lukket" in at:
        return closed_level(body), f'dagsordenstypen er "{agenda_type}"'
    if not re.search(r"åben|åbent|aaben|offentlig", at):
        warnings.append(
            f'{what}: dagsordenstypen "{agenda_type or "(mangler)"}" siger ikke, om punktet er åbent; '
            "adgang sat til 'closed'."
        )
        return CLOSED, f'ukendt dagsordenstype "{agenda_type}"'
    pa, pt = _t(el, "PublicAccess"), _t(el, "PublishingType")
    if pa and pa.lower() not in _PUBLIC_VALUES:
        return closed_level(body), f'PublicAccess er "{pa}"'
    if not pt:
        warnings.append(
            f"{what}: PublishingType mangler, så det vides ikke, om det må offentliggøres; adgang sat til 'closed'."
        )
        return CLOSED, "PublishingType mangler"
    if pt.upper() != PUBLISH:
        return closed_level(body), f'PublishingType er "{pt}" (ikke "{PUBLISH}")'
    return PUBLIC, ""


def _decision_pattern(body: str, date: int | None) -> re.Pattern | None:
    """'Sundheds- og Forebyggelsesudvalgets beslutning den 04.12.2012 Punkt 2' (the heading before the decision)."""
    if not date:
        return None
    y, m, d = split(date)
    who = r"\s+".join(re.escape(w) for w in body.split())
    lead = rf"(?:{who}s?\s+)?" if who else ""
    return re.compile(rf"{lead}beslutning\s+den\s+{d:02d}[.-]{m:02d}[.-]{y}(?:\s+punkt\s+\d+\w?)?\s*:?", re.IGNORECASE)


def read(path: Path) -> Package:
    """The meeting package of an eDocAgendaPublishing.xml."""
    root, base = _xml(path), Path(path).parent
    body, state = _t(root, "Committee"), _t(root, "MeetingState")
    date, time = parse_datetime(_t(root, "MeetingDate"))
    types = root.findall("MeetingAgendaTypes/MeetingAgendaType")
    agenda_types = [_t(t, "AgendaType") for t in types]
    kind = "minutes" if re.search("referat", " ".join([state] + agenda_types), re.I) else "agenda"
    pkg = Package(
        "eDoc",
        body,
        date,
        kind,
        time=time,
        state=state,
        meta={"meeting_state": state, "agenda_types": "; ".join(agenda_types)},
    )
    if date is None:
        pkg.warnings.append(f'mødedatoen "{_t(root, "MeetingDate")}" kunne ikke læses')
    pattern = _decision_pattern(body, date)
    for t in types:
        agenda_type = _t(t, "AgendaType")
        for el in t.findall("MeetingAgendaItems/MeetingAgendaItem"):
            number = _t(el, "AgendaItemNumber") or str(len(pkg.items) + 1)
            doc = el.find("Document")
            title = _t(doc, "Title") or _t(doc, "NeutralTitle") or f"Punkt {number}"
            access, reason = _level(agenda_type, doc if doc is not None else el, body, f"Punkt {number}", pkg.warnings)
            full = _full(el)
            ref = _t(el, "PDFDocument")
            summary = _t(doc, "Summary")
            case = _t(doc, "CaseLogicIdentifier") or _t(el.find("Document/Case"), "CaseLogicIdentifier")
            if not case and (m := CASE.search(full[:800])):
                case = m.group(1)
            path_, missing = locate(base, ref) if ref else (None, "")
            item = Item(
                number=number,
                title=title,
                public_title=_t(doc, "NeutralTitle"),
                content=Doc(
                    title, ref, path_, full, missing=missing, summary="" if summary.lower() == body.lower() else summary
                ),
                case_number=case,
                access=access,
                access_reason=reason,
                decision_pattern=pattern,
            )
            for k, a in enumerate(doc.findall("Attachments/Attachment") if doc is not None else [], 1):
                aref = _t(a, "PDFDocument")
                atitle = _t(a, "Title") or _t(a, "NeutralTitle") or f"Bilag {k}"
                alevel, areason = _level(agenda_type, a, body, f"Bilag {k} til punkt {number}", pkg.warnings)
                apath, amissing = locate(base, aref) if aref else (None, "")
                item.attachments.append(
                    Doc(
                        atitle,
                        aref,
                        apath,
                        _full(a),
                        summary=_t(a, "Summary"),
                        access=alevel,
                        access_reason=areason,
                        public_title=_t(a, "NeutralTitle"),
                        missing=amissing,
                    )
                )
            pkg.items.append(item)
        if (ref := _t(t, "PDFDocument")) and resolve(base, ref) is None:
            pkg.warnings.append(f"dagsordenens samlede PDF {ref} findes ikke i pakken")
    if not pkg.items:
        pkg.warnings.append("eDoc-pakken indeholder ingen dagsordenspunkter")
    return pkg

"""Document-level facts: title, kind, document date, meeting merging, date hints and meeting finishing."""

from __future__ import annotations

import re
from dataclasses import replace

from byraad.dates import format_dmy, parse_danish_date
from byraad.types import Meeting
from ingest.structure.items import decision_date
from ingest.structure.lines import (
    BESL,
    DEC_HEAD,
    INFO,
    LABEL,
    NUM_ITEM,
    PUNKT,
    REFERAT,
    Line,
    is_anchor,
    item_number,
    next_nonblank,
    norm_line,
)
from ingest.structure.meetings import MeetingBuilder

LETTERHEAD = re.compile(
    r"^(?:Dato|Tlf|Telefon|Direkte|E-?mail|Mail|Kontakt|Sagsnr|Sags\.?nr|Dok\.?\s?nr|J\.?\s?nr|"
    r"Journalnr|Ref|CVR|EAN|www\.)\b",
    re.IGNORECASE,
)
INFO_NAME = re.compile(
    r"([A-ZÆØÅ][\wæøå]+(?:\s+[A-ZÆØÅ][\wæøå.]*){0,3})\s+"
    r"(?:deltager|deltog|tager\s+referat|er\s+referent)\b"
)

_SKIP_TITLES = {
    "forord",
    "indhold",
    "indholdsfortegnelse",
    "indledning",
    "læsevejledning",
    "sammenfatning",
    "resumé",
    "resume",
}
GENERIC_TITLES = {"referat", "dagsorden", "indstilling", "notat", "bilag"}
_KIND_WORDS = (
    ("minutes", r"referat"),
    ("agenda", r"dagsorden"),
    ("indstilling", r"indstilling"),
    ("handbook", r"håndbog|haandbog|styrelsesvedt|forretningsorden|regulativ"),
    ("report", r"bilagsmateriale|betænkning|betaenkning|rapport|notat|analyse|evaluering|redegørelse"),
)


def heading_title(lines: list[Line], ocr: bool = False) -> str:
    """The first isolated, short heading line near the top ("Referat fra Udvalget for …"), before any item.
    In OCR text a heading that does not read as clean words ("WY Grupperet efter udvalg 117") is dropped, so
    the caller falls back to the file's metadata title or name."""
    s = _first_heading(lines)
    return s if not (ocr and s) or clean_words(s) else ""


# Clean title words versus OCR noise. Short capitals that are real words: KL, EU, IT, …
_SHORT_CAPS = {"KL", "EU", "FN", "IT", "TV", "DR", "OK"}
_LETTERS = "A-Za-zÆØÅæøåÉéÜüÖöÄä"
_WORD = re.compile(rf"(?:\d+-)?([{_LETTERS}]+(?:-[{_LETTERS}]*)*)")  # "stof-", "4-udvalget", "Social-"
_NUMBER = re.compile(r"§*\s*[\d.,/:-]*\d[\d.,/:-]*[a-zæøå]?")  # "2025-2028", "27-08-2025", "§17", "3a"
_VOWELS = set("aeiouyæøåéüöä")


def clean_words(s: str) -> bool:
    """Whether a line reads as clean words, not OCR noise: each token a number, a dash, or a word written in
    lower, Capitalised or UPPER case that has a vowel, no run of seven consonants and no letter three times in a
    row; no stray 1-2 letter capitals ("WY") - party letters in a list ("fra S, SF og V") are not stray -, no
    lone symbols ("|", "==") or lone lower-case letters (abbreviations like "d." and "stk." pass); and at
    least one word of four letters or more."""
    toks = s.split()
    long_words = 0
    for k, tok in enumerate(toks):
        core = re.sub(r"['’]s$", "", tok.strip(".,:;!?()[]\"'«»“”‘’"))  # "KL's"
        if tok in ("–", "-", "&", "+", "/", "§") or _NUMBER.fullmatch(core) or core in _SHORT_CAPS | {"A/S"}:
            continue
        m = _WORD.fullmatch(core)
        if not m:
            return False  # "|", "==", letters mixed with digits or symbols ("0ms|", "Il1")
        w = m.group(1).replace("-", "")
        low = w.lower()
        if w == "i" or w.islower() and len(w) <= 4 and tok.endswith("."):
            continue  # "i", abbreviations: "d." (den), "stk.", "nr.", "mv."
        if w.isupper() and len(w) <= 2:
            prev, nxt = (toks[k - 1] if k else ""), (toks[k + 1] if k + 1 < len(toks) else "")
            if (
                prev.lower() in ("fra", "og", "for")
                or prev.endswith(",")
                or tok.endswith(",")
                or nxt.lower() in ("og", "om")
            ):
                continue  # a party letter in a list: "forslag fra KF og M om …"
            return False
        case_ok = all(
            x.islower() or x.isupper() or (x[0].isupper() and x[1:].islower()) for x in m.group(1).split("-") if x
        )  # "Hasselager-Kolt"
        if (
            len(w) == 1
            or not case_ok
            or not _VOWELS & set(low)
            or re.search(r"[^aeiouyæøåéüöä]{7}", low)
            or re.search(r"(.)\1\1", low)
        ):
            return False
        long_words += len(w) >= 4
    return long_words > 0


def _first_heading(lines: list[Line]) -> str:
    """The first isolated, short heading line near the top, before any item ("" when there is none)."""
    # A memo's letterhead ("Dato: …", "Tlf. dir.: …", "Sagsnr: …") comes before its heading: not counted.
    nonblank = [i for i, ln in enumerate(lines) if ln.s and not LETTERHEAD.match(ln.s)][:8]
    for n, i in enumerate(nonblank):
        s = lines[i].s.lstrip("#").strip()
        if s.lower().rstrip(":") in _SKIP_TITLES:
            continue
        if REFERAT.match(s):
            return "Referat"
        if PUNKT.match(s) or BESL.match(s) or LABEL.match(s) or NUM_ITEM.match(s) or INFO.match(s):
            return ""
        isolated = (i == 0 or not lines[i - 1].s) and (i + 1 >= len(lines) or not lines[i + 1].s)
        if len(s) > 200:
            break  # running text has begun: no heading above it
        if n == 0 and isolated and s.endswith(".") and len(s.split()) <= 10 and ". " not in s:
            s = s[:-1]  # "Politik for Kultur og Fritid - Lokalt engagement." on a front page
        if (
            isolated
            and len(s) <= 100
            and len(s.split()) <= 14
            and not s[:1].islower()
            and not s.endswith((",", "-", "."))
            and not (n > 0 and s.endswith(":"))
        ):
            # "Notat" / "Prioritering af midler …": the word names the kind only (meeting papers keep theirs)
            if len(s.split()) == 1 and s.lower() not in ("referat", "dagsorden", "indstilling"):
                j = next_nonblank(lines, i, 3)
                nxt = lines[j].s if j >= 0 else ""
                if nxt and len(nxt) < 80 and len(nxt.split()) >= 2 and not nxt.endswith(".") and not is_anchor(nxt):
                    return f"{s} – {nxt}"
            return s
    return ""


def document_kind(path: str, title: str, text: str, meetings: list[Meeting], indst: bool) -> str:
    name = (path.rsplit("/", 1)[-1] + " " + title).lower()
    for kind, words in _KIND_WORDS:
        if re.search(words, name):
            return kind
    if meetings:
        return "minutes" if any(m.kind == "minutes" for m in meetings) else "agenda"
    if indst:
        return "indstilling"
    # A long text without meeting structure is a publication (Aarhuskompasset: a magazine-style framework
    # text, not a rules handbook), so "report"; short unstructured texts are "other".
    return "report" if len(text) > 20000 else "other"


def document_date(lines: list[Line]) -> int | None:
    """The document's own date: "Dato 24. november 2022" metadata near "Til"/"Fra" (or at the top), or a
    page-header date followed by "Side N af M". Meeting dates are not document dates."""
    for i, ln in enumerate(lines):
        s = ln.s
        m = re.match(r"^(?:Dato|Ajourført|Opdateret|Revideret)\s*:?\s+(.+)$", s)
        if ln.start < 1500 and (g := re.match(r"^Godkendt\b.{0,80}?\bden\s+(\d.+)$", s)):
            m = g  # "Godkendt af byrådet, Syddjurs Kommune den 30. april 2009"
        if m:
            near = any(re.match(r"^(Til|Fra)\s", x.s) for x in lines[max(0, i - 6) : i + 7])
            d = parse_danish_date(m.group(1))
            if d and (near or ln.start < 1500):
                return d
        d = parse_danish_date(s)
        if d and len(s) <= 25:
            j = next_nonblank(lines, i, 2)
            if j >= 0 and re.match(r"^[Ss]ide\s+\d+\s+af\s+\d+$", lines[j].s):
                return d
    return None


def merge_agenda_and_minutes(tops: list[MeetingBuilder]) -> list[MeetingBuilder]:
    """An undated agenda part followed by a "Referat" part of the same meeting (same item numbers and
    titles, corpus-notes §3.2 B+C) is one meeting with items in both parts."""
    out: list[MeetingBuilder] = []
    for mb in tops:
        prev = out[-1] if out else None
        if (
            prev is not None
            and mb.referat
            and not prev.referat
            and prev.date is None
            and mb.date is None
            and prev.items
            and mb.items
            and not any(it.decision for it in prev.items)
        ):
            mine = {it.number: norm_line(it.title) for it in mb.items}
            if all(mine.get(it.number) == norm_line(it.title) for it in prev.items):
                prev.items = [replace(it, section="agenda") for it in prev.items] + [
                    replace(it, section="minutes") for it in mb.items
                ]
                prev.end, prev.referat, prev.kind = mb.end, True, "minutes"
                prev.children += mb.children
                continue
        out.append(mb)
    return out


def date_hints(tops: list[MeetingBuilder], doc_date: int | None, warnings: list[str]) -> None:
    """Hints (never dates) for undated meetings, with the reason, and a warning for the report."""
    dated = [m for m in tops if m.date]
    embedded = [c for m in tops for c in m.children if c.date]
    for mb in tops:
        if mb.date:
            continue
        first = item_number(mb.items[0].number) if mb.items and mb.items[0].number[:1].isdigit() else 0
        cont = [
            d
            for d in dated
            if d.start < mb.start and d.items and max(item_number(it.number) for it in d.items) == first - 1
        ]
        if cont:
            d = cont[-1]
            mb.date_hint = d.date
            mb.date_hint_reason = (
                f"fortsætter punktnummereringen fra mødet {format_dmy(d.date)} i samme fil "
                f"(punkt {d.items[0].number}-{d.items[-1].number})"
            )
        elif dated:
            d = min(dated, key=lambda x: abs(x.start - mb.start))
            mb.date_hint, mb.date_hint_reason = d.date, f"samme fil som mødet {format_dmy(d.date)}"
        elif [c for c in mb.children if c.date]:
            c = [c for c in mb.children if c.date][0]
            mb.date_hint = c.date
            mb.date_hint_reason = (
                f"udateret; den vedhæftede dagsorden gælder mødet {format_dmy(c.date)} "
                f"({c.body}), så mødet lå formentlig kort før"
            )
        elif embedded:
            c = min(embedded, key=lambda x: abs(x.start - mb.start))
            mb.date_hint = c.date
            mb.date_hint_reason = (
                f"udateret; nærmeste mødedato i filen er {format_dmy(c.date)} (dagsorden vedhæftet et andet møde)"
            )
        elif doc_date:
            mb.date_hint, mb.date_hint_reason = doc_date, f"udateret; dokumentets dato er {format_dmy(doc_date)}"
        where = f"punkt {mb.items[0].number}-{mb.items[-1].number}" if mb.items else "uden punkter"
        note = f"; date_hint {format_dmy(mb.date_hint)} er kun udledt: {mb.date_hint_reason}" if mb.date_hint else ""
        warnings.append(f'Mødet "{mb.body or "ukendt organ"}" ({where}) har ingen dato i teksten{note}.')


def info_people(text: str, lines: list[Line], mb: MeetingBuilder) -> list[str]:
    """Names from "Information:Lotte Henriksen deltager fra …" / "Jacob tager referat." before the first item."""
    first = min([it.start for it in mb.items] or [mb.end])
    names = []
    for ln in lines:
        if mb.start <= ln.start < first:
            names += [m.group(1) for m in INFO_NAME.finditer(re.sub(r"^Information\s*:\s*", "", ln.s))]
    return names


def from_decisions(lines: list[Line], mb: MeetingBuilder) -> None:
    """An undated meeting (a file holding one agenda item) takes body and date from its decision headings
    ("Sundheds- og Forebyggelsesudvalgets beslutning den 04.12.2012 Punkt 2") when they all agree: the
    date is written there, as the date the body decided the item."""
    if mb.date or not mb.items:
        return
    heads = {
        (m.group("body1") or m.group("body2") or "", decision_date(lines[d].s))
        for d in mb.decs
        if (m := DEC_HEAD.match(lines[d].s)) and decision_date(lines[d].s)
    }
    if len(heads) == 1:
        body, mb.date = heads.pop()
        mb.body = mb.body or body.strip()


def to_meeting(mb: MeetingBuilder) -> Meeting:
    return Meeting(
        body=mb.body,
        date=mb.date,
        start=mb.start,
        end=mb.end,
        date_hint=mb.date_hint,
        date_hint_reason=mb.date_hint_reason,
        time=mb.time,
        place=mb.place,
        participants=tuple(mb.participants),
        absentees=tuple(mb.absentees),
        items=tuple(mb.items),
        embedded=mb.embedded,
        kind=mb.kind,
    )

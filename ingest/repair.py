"""Repair text extracted from council PDFs, keeping an exact map back to the raw text.

Stages, in order: characters → page furniture → vertical-text runs → de-hyphenation →
re-flow (with duplicate removal). Every stage is a sequence of edits on a (text, map) pair,
where ``map[i]`` is the offset in the raw text that ``text[i]`` came from, so a citation can
always show the passage as it stands in the source. See corpus-notes.md §2.1–2.3 and §4.2–4.3.

Page furniture also covers running header/footer blocks of PDFs (the same run of lines, page numbers masked,
at the top or bottom of at least 3 pages and 40% of them: "Udvalg / Referat / Åbent referat / Dato: … /
Side 4"; the first copy stays) and a page number alone at a page edge ("2 of 5", "Side 4"). Re-flow keeps
table rows ("a | b | c", see ingest.loaders.tables) and table-of-contents lines (leaders shortened to " … ") as lines,
keeps a caption on the line above its table, and does not glue a short heading onto the sentence before it.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field
from typing import Sequence

from byraad.dates import MONTH_NAME_ALT


@dataclass(frozen=True)
class Repaired:
    """Repaired text, its map to raw offsets, page starts in the repaired text and counts."""

    text: str
    offset_map: tuple[int, ...]  # len(text)+1 entries; offset_map[i] = raw offset of text[i]; last = end
    page_starts: tuple[int, ...]  # offset in `text` of each input page
    stats: dict[str, int] = field(default_factory=dict)


class _Edit:
    """Builds a new (text, map) from an old one; calls must move forward through the old text."""

    def __init__(self, text: str, omap: list[int]) -> None:
        self.src, self.omap = text, omap
        self.parts: list[str] = []
        self.maps: list[int] = []

    def keep(self, i: int, j: int) -> None:
        """Copy src[i:j] with its map entries."""
        if j > i:
            self.parts.append(self.src[i:j])
            self.maps.extend(self.omap[i:j])

    def put(self, s: str, at: int) -> None:
        """Insert `s`; each character maps to the source position of src[at]."""
        if s:
            self.parts.append(s)
            self.maps.extend([self.omap[at]] * len(s))

    def done(self) -> tuple[str, list[int]]:
        self.maps.append(self.omap[len(self.src)])
        return "".join(self.parts), self.maps


def _lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of every line, end excluding the newline."""
    out, pos = [], 0
    for m in re.finditer("\n", text):
        out.append((pos, m.start()))
        pos = m.end()
    out.append((pos, len(text)))
    return out


def _page_index(omap: list[int], raw_pages: Sequence[int]) -> list[int]:
    """Page starts in the current text (first char whose raw offset is at/after the raw start)."""
    return [bisect_left(omap, p, 0, len(omap) - 1) for p in raw_pages]


# ---------------------------------------------------------------- 1. characters

_CHARS = re.compile("[\ufffd\ue000-\uf8ff\t\u00a0\u2007\u202f\u00ad\u200b-\u200d\u2060\ufeff\r\f\x0b]")
_TRAIL = re.compile(r"[ ]+$", re.M)


def _nfc(text: str, omap: list[int]) -> tuple[str, list[int]]:
    """NFC per base character + combining marks, so each composed char maps to its base."""
    if unicodedata.is_normalized("NFC", text):
        return text, omap
    ed = _Edit(text, omap)
    for m in re.finditer(r".[\u0300-\u036f\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]*", text, re.S):
        seg = m.group()
        norm = unicodedata.normalize("NFC", seg)
        if norm == seg:
            ed.keep(m.start(), m.end())
        else:
            ed.put(norm, m.start())
    return ed.done()


def _clean_chars(text: str, omap: list[int], stats: Counter) -> tuple[str, list[int]]:
    text, omap = _nfc(text, omap)
    ed, pos = _Edit(text, omap), 0
    for m in _CHARS.finditer(text):
        c, i = m.group(), m.start()
        ed.keep(pos, i)
        pos = i + 1
        stats["chars_replaced"] += 1
        if c == "\r":
            if not text.startswith("\n", i + 1):
                ed.put("\n", i)
        elif c in "\u00ad\u200b\u200c\u200d\u2060\ufeff\f":
            pass  # invisible: drop (\f only separates pages, already in page_starts)
        else:
            ed.put(" ", i)  # U+FFFD, private-use glyphs, tabs, NBSP: a space keeps words apart
    ed.keep(pos, len(text))
    text, omap = ed.done()
    ed, pos = _Edit(text, omap), 0
    for m in _TRAIL.finditer(text):
        ed.keep(pos, m.start())
        pos = m.end()
    ed.keep(pos, len(text))
    return ed.done()


# ---------------------------------------------------------------- 2. page furniture

_SIDE = re.compile(r"^\s*(?:Klik her for at angive tekst\.?\s*)?[Ss]ide \d+ af \d+\s*$")
_KLIK = re.compile(r"Klik her for at angive tekst\.?")
_FURNITURE = re.compile(r"^\s*(?:\d{1,3}|[.·,;:]|KAP \d{1,2}|\d{0,3}\s*\|?\s*Deloitte \d{4}\s*©?|©.{0,40})\s*$")
_ATTACH = re.compile(r"^\s*Punkt \d+[a-z]?, Bilag \d+[a-z]?:")
# A printed page number on a line of its own: "Side 4", "3 of 5", "Side 2 / 9" (only removed at a page edge).
_PAGE_NO = re.compile(
    r"^\s*(?:[Ss]ide\s+[\d#]+(?:\s*(?:af|of|/)\s*[\d#]+)?|[\d#]+\s*(?:af|of|/)\s*[\d#]+"
    r"|[Pp]age\s+[\d#]+(?:\s+of\s+[\d#]+)?)\s*$"
)
_BLOCK_MAX = 6  # lines in a running header or footer block
# A table-of-contents line: title, dot leader, page number ("Godkendelse af dagsorden....... 3").
_TOC_LINE = re.compile(r"(?:\.{4,}|…{2,}|(?:\. ){3,})\s*\d{1,4}\s*$")
_GLUED = re.compile(r"^(.*?[A-Za-zÆØÅæøåé.!?)”\"])([ ]+\d{1,3})$")
# Words after which a trailing number is content, not a page number ("side 12", "kr. 100").
_NUM_WORDS = {
    "side",
    "sider",
    "s.",
    "nr.",
    "nr",
    "kl.",
    "kap.",
    "kapitel",
    "punkt",
    "pkt.",
    "bilag",
    "stk.",
    "§",
    "uge",
    "uger",
    "kr.",
    "ca.",
    "i",
    "på",
    "til",
    "af",
    "med",
    "og",
    "fra",
    "år",
    "mio.",
    "mia.",
    "over",
    "under",
    "version",
    "fase",
    "model",
    "type",
    "niveau",
    "trin",
    "udrul",
    "bølge",
    "spor",
    "gruppe",
    "nummer",
    "mødet",
    "dag",
    "dage",
    "timer",
    "min.",
    "minutter",
    "procent",
    "pct.",
    "ud",
    "alle",
    "hvert",
    "hver",
    "ialt",
    "alt",
    "op",
}


def _key(line: str) -> str:
    return " ".join(line.split())


def _page_key(key: str) -> str:
    """A line with its page number masked: "Side 4 af 9" → "Side # af #", "3 of 5" → "# of #"."""
    return re.sub(
        r"(?i)\b(side|page)\s+\d+|\b\d+(\s*(?:af|of|/)\s*)\d+\b",
        lambda m: f"{m.group(1)} #" if m.group(1) else f"#{m.group(2)}#",
        key,
    )


def _running_blocks(text: str, lines: list[tuple[int, int]], by_page: dict[int, list[int]]) -> set[int]:
    """Lines of a running header/footer block: the longest run of lines at the top (bottom) of a page
    that is the same, digits aside, on at least 3 pages and 40% of them ("Udvalget / Referat / Dato: … /
    Side 4"). Matching whole page-top sequences, not single lines, keeps a title that merely repeats a
    header line ("Referat" on the front page) as content."""

    def nkey(k: int) -> str:
        return _page_key(_key(text[lines[k][0] : lines[k][1]]))

    out: set[int] = set()
    need = max(3, 0.4 * len(by_page))
    for bottom in (False, True):
        seqs = {
            p: [nkey(k) for k in (ks[::-1][:_BLOCK_MAX] if bottom else ks[:_BLOCK_MAX])] for p, ks in by_page.items()
        }
        for n in range(_BLOCK_MAX, 0, -1):
            common = Counter(tuple(s[:n]) for s in seqs.values() if len(s) > n)
            for tpl, c in common.items():
                if c < need or not any(sum(ch.isalpha() for ch in x) >= 4 or _PAGE_NO.match(x) for x in tpl):
                    continue
                for p, s in seqs.items():
                    if tuple(s[:n]) == tpl:
                        ks = by_page[p][::-1] if bottom else by_page[p]
                        out.update(ks[:n])
    return out


def _edge_page_numbers(text: str, lines: list[tuple[int, int]], by_page: dict[int, list[int]]) -> set[int]:
    """A page number alone as the first or last line of a page ("3 of 5", "Side 4")."""
    return {k for ks in by_page.values() for k in {ks[0], ks[-1]} if _PAGE_NO.match(text[lines[k][0] : lines[k][1]])}


def _furniture(text: str, omap: list[int], raw_pages: Sequence[int], stats: Counter) -> tuple[str, list[int]]:
    lines = _lines(text)
    starts = _page_index(omap, raw_pages)
    # Lines nearest each page boundary: last two non-blank lines of a page, first of the next.
    edge: set[int] = set()
    page_of = [bisect_left(starts, s + 1) - 1 for s, _ in lines]
    by_page: dict[int, list[int]] = {}
    for k, (s, e) in enumerate(lines):
        if text[s:e].strip():
            by_page.setdefault(page_of[k], []).append(k)
    page_ends = set()
    for ks in by_page.values():
        edge.update(ks[:1] + ks[-2:])
        page_ends.add(ks[-1])
    if len(by_page) <= 1:
        page_ends = set()  # no page breaks known: no glued page numbers to strip
    running = _running_blocks(text, lines, by_page) if len(by_page) >= 3 else set()
    if len(by_page) >= 2:
        running |= _edge_page_numbers(text, lines, by_page)
    counts = Counter(_key(text[lines[k][0] : lines[k][1]]) for k in edge)
    seen: set[str] = set()
    ed = _Edit(text, omap)
    for k, (s, e) in enumerate(lines):
        line = text[s:e]
        nl = min(e + 1, len(text))
        key = _key(line)
        if not key:
            ed.keep(s, nl)
            continue
        repeated = _ATTACH.match(line) or (
            k in edge and counts[key] >= 3 and len(key) >= 6 and any(c.isalpha() for c in key)
        )
        run_key = "\x00" + _page_key(key) if k in running else ""
        if (
            _SIDE.match(line)
            or _FURNITURE.match(line)
            or (repeated and key in seen)
            or (run_key and (run_key in seen or _PAGE_NO.match(key)))
        ):
            stats["furniture_lines"] += 1
            continue
        seen.add(key)
        if run_key:
            seen.add(run_key)  # the first copy of a running header stays: it may be the only title
        klik = _KLIK.search(line)
        if klik:
            stats["furniture_lines"] += 1
            if not line[: klik.start()].strip() and not line[klik.end() :].strip():
                continue
            ed.keep(s, s + klik.start())
            ed.keep(s + klik.end(), nl)
            continue
        glued = _GLUED.match(line) if k in page_ends and not _TOC_LINE.search(line) else None
        words = glued.group(1).split() if glued else []
        # "… løsninger. 38" after a full stop, or "kommende byråd 128" after a few words of prose.
        if words and (_terminal(words[-1]) or len(words) >= 3) and words[-1].lower() not in _NUM_WORDS:
            stats["glued_page_numbers"] += 1
            ed.keep(s, s + glued.end(1))
            ed.keep(e, nl)
            continue
        ed.keep(s, nl)
    return ed.done()


# ---------------------------------------------------------------- 3. vertical text


def _vertical(text: str, omap: list[int], stats: Counter, labels: set[int]) -> tuple[str, list[int]]:
    """Runs of ≥4 non-blank lines of ≤5 characters (blank lines between allowed): rejoin or drop.

    The raw offset of each rejoined label is added to `labels` so re-flow keeps it on its own line.
    """
    lines = _lines(text)
    runs: list[list[int]] = []
    cur: list[int] = []
    for k, (s, e) in enumerate(lines):
        seg = text[s:e].strip()
        if not seg:
            continue
        if len(seg) <= 5 and e - s <= 6:  # ≤4 letters plus an odd piece such as "litis"
            cur.append(k)
            continue
        if len(cur) >= 4:
            runs.append(cur)
        cur = []
    if len(cur) >= 4:
        runs.append(cur)
    if not runs:
        return text, omap
    ed, pos = _Edit(text, omap), 0
    for run in runs:
        first, last = lines[run[0]], lines[run[-1]]
        ed.keep(pos, first[0])
        pieces = [lines[k] for k in run]
        word = "".join(text[s:e] for s, e in pieces)
        if all(c.isalpha() or c == " " for c in word):
            # Rotated label ("K/o/m/p/le/k/si/te/t"): glue the pieces back into one line.
            for n, (s, e) in enumerate(pieces):
                s0 = s + (len(text[s:e]) - len(text[s:e].lstrip()) if n == 0 else 0)
                if n == 0:
                    labels.add(omap[s0])
                ed.keep(s0, e)
            ed.keep(last[1], min(last[1] + 1, len(text)))
        stats["vertical_runs"] += 1
        pos = min(last[1] + 1, len(text))
    ed.keep(pos, len(text))
    return ed.done()


# ---------------------------------------------------------------- 4. de-hyphenation

_HYPH = re.compile(r"(?<=\w)-[ ]*\n[ \n]*(?=\w)")
_NOT_CONT = {"og", "eller", "samt", "til"}  # suspended compounds: "byråds- og udvalgsarbejdet"


def _dehyphenate(text: str, omap: list[int], stats: Counter) -> tuple[str, list[int]]:
    ed, pos = _Edit(text, omap), 0
    for m in _HYPH.finditer(text):
        nxt = re.match(r"\w+", text[m.end() : m.end() + 40])
        if not nxt or not nxt.group()[0].islower() or nxt.group() in _NOT_CONT or nxt.group()[0].isdigit():
            continue
        ws = max(text.rfind(" ", 0, m.start()), text.rfind("\n", 0, m.start())) + 1
        prefix = text[ws : m.start()]
        letters = [c for c in prefix if c.isalpha()]
        keep_hyphen = any(c.isdigit() or c == "§" for c in prefix) or (
            len(letters) >= 2 and all(c.isupper() for c in letters)
        )
        ed.keep(pos, m.start() + (1 if keep_hyphen else 0))
        pos = m.end()
        stats["joined_words"] += 1
    ed.keep(pos, len(text))
    return ed.done()


# ---------------------------------------------------------------- 5. re-flow and 6. duplicates

_BULLET = re.compile(r"^(?:[•▪▫◦●○■□►▶→✓✔*·]|[-−–](?=\s)|o(?=\s))")
_NUMBERED = re.compile(
    r"^(?:\d{1,2}[.)]|\d{3}\.(?=\s+[A-ZÆØÅ])|\d{1,2}(?=\s+[A-ZÆØÅ][a-zæøå])|[a-zA-Z]\)|[a-h]\.(?=\s+[A-ZÆØÅ])|At \d+\))"
    rf"\s*(?!(?:{MONTH_NAME_ALT})\b)(?=\S)"
)
_WEEKDAYS = "mandag|tirsdag|onsdag|torsdag|fredag|lørdag|søndag"
_HEAD = re.compile(
    r"^(?:#{1,6}\s|(?:Beslutning for )?Punkt \d+[a-z]?\s*[:,]|B\d+(?:\.\d+)+\b|\d{2}-\d{2}-\d{4} \d{1,2}[:.]\d{2}"
    r"|(?:Mødedato|Mødetidspunkt|Mødested|Deltagere|Afbud|Fraværende|Dato \d)"
    r"|(?:Til|Fra) [A-ZÆØÅ][^.!?:]{0,60}$|Referat$|Dagsorden kort"
    rf"|(?i:{_WEEKDAYS})(?:\s+den|\s+d\.)?\s+\d{{1,2}}\.)"
)  # "tirsdag den 4. december 2012, kl. 13:00"
# Decision headings: "Beslutninger", "Beslutning i Udvalget for … den 20-06-2013", "Udvalgets beslutning den 4.12.2012".
_DECISION_HEAD = re.compile(r"^(?:Beslutning(?:er)?$|Beslutning i .{3,90}? den \d|\S.{2,80}?s beslutning den \d)")
# "Lolan Ottesen (A) - formand": one member per line in an attendance list.
_MEMBER = re.compile(
    r"^[A-ZÆØÅ][\w'’.-]+(?:\s+[A-ZÆØÅ][\w'’.-]*){1,4}\s+\([A-ZÆØÅ]{1,3}\)(?:\s*[-–,]\s*[\wæøå ]{2,30})?$"
)
_CAPTION = re.compile(r"^(?:Tabel|Tab\.|Figur|Fig\.|Skema|Oversigt)\s*\d", re.IGNORECASE)
# "… jf. figur" / "5.5. Sygehushenviste …": a section number after these words continues the sentence.
_REF_WORDS = {"figur", "tabel", "afsnit", "kapitel", "bilag", "boks", "jf.", "se", "side", "punkt", "pkt."}
_LABEL = re.compile(r"^([A-ZÆØÅ][\wæøåÆØÅ&/.\- ]{0,40}):(?:\s|$)")
_TABLE = re.compile(r"\S {3,}\S|\s\d[\d.,]*%?\s+\d[\d.,]*%?$")
_CONNECT = {
    "og",
    "eller",
    "i",
    "af",
    "til",
    "med",
    "for",
    "om",
    "på",
    "de",
    "den",
    "det",
    "en",
    "et",
    "at",
    "som",
    "fra",
    "ved",
    "samt",
    "der",
    "har",
    "er",
    "vil",
    "kan",
    "skal",
    "ikke",
    "men",
    "så",
}


def _kind(line: str) -> str:
    """'head' (label/heading), 'table', 'item' (bullet/numbered) or 'para' for a stripped line."""
    if _HEAD.match(line) or ("eslutning" in line and _DECISION_HEAD.match(line)):
        return "head"
    if line[-1:].isdigit() and _TOC_LINE.search(line[-60:]):
        return "toc"
    if " | " in line or (_TABLE.search(line) and len(line) <= 120):
        return "table"
    label = _LABEL.match(line)
    if label and len(label.group(1).split()) <= 5:
        # "Emne:" alone is a heading; "Baggrund/formål: Byrådet …" is a label whose value may wrap.
        return "item" if line[label.end() :].strip() else "head"
    if _BULLET.match(line) or _NUMBERED.match(line) or _MEMBER.match(line):
        return "item"
    letters = [c for c in line if c.isalpha()]
    if len(letters) >= 3 and all(c.isupper() for c in letters):
        return "head"
    return "para"


def _terminal(line: str) -> bool:
    return line.rstrip("\"”’')»").endswith((".", "!", "?", ":"))


def _joins(kind: str, prev: str, nxt: str, blank: bool, wrap: int, new_page: bool, after: str = "") -> bool:
    """Whether line `nxt` continues the open block of `kind` whose last line is `prev`.

    `wrap`: a line at least this long that ends without punctuation was wrapped by the layout.
    `new_page`: `nxt` opens a page; a capitalised line there is usually a new heading.
    `after`: the line after `nxt` ("" when none or after a blank line).
    """
    first = nxt[0]
    # "36Folkesundhedsrapporten …" is a footnote (number glued to its text), not a continuation
    lower = (first.islower() or first in ",;)]" or first.isdigit()) and not re.match(r"\d{1,3}[A-ZÆØÅ]", nxt)
    if kind in ("table", "toc"):
        return False
    if kind == "head":  # a heading split over two lines: "B1.1 … i faste" / "udvalg mv."
        caps = not any(c.islower() for c in prev)
        return lower and not (blank or new_page or caps or _terminal(prev) or _ATTACH.match(prev))
    if lower:
        return True
    if prev.endswith((" -", " –")) and not blank:  # "Kultur og Fritid -" / "Lokalt engagement."
        return True
    words = prev.split()
    if prev.endswith(",") or words[-1].lower() in _CONNECT:
        return not _terminal(prev)
    if new_page:
        return False
    if kind == "item" and re.match(r"\d{1,2}\.", prev):
        return False  # "4. Videreudvikling af …" is an item title, the body follows
    if _terminal(prev):
        # a short unpunctuated line after a full stop, with no lower-case continuation below, is a heading
        # ("… i Ballerup Kommune." / "Kvalitetsstandarder og servicemål" / "Med hjemmel i …")
        heading = (
            len(nxt) < wrap
            and not _terminal(nxt)
            and not after[:1].islower()
            and nxt.split()[-1].lower() not in _CONNECT
            and not nxt.endswith(",")
        )
        return not blank and len(prev) >= wrap and not heading
    return len(prev) >= wrap


def _wraps(text: str, lines: list[tuple[int, int]], starts: list[int]) -> list[int]:
    """Per line, the wrap width of its page: 3/4 of the page's 90th-percentile line length."""
    page_of = [bisect_left(starts, s + 1) - 1 for s, _ in lines]
    lengths: dict[int, list[int]] = {}
    for (s, e), p in zip(lines, page_of):
        n = len(text[s:e].strip())
        if n:
            lengths.setdefault(p, []).append(n)
    width = {p: sorted(v)[int(0.9 * (len(v) - 1))] for p, v in lengths.items()}
    return [min(55, max(25, int(0.75 * width.get(p, 60)))) for p in page_of]


def _blocks(text: str, starts: list[int], fixed: set[int]) -> list[tuple[str, list[tuple[int, int]]]]:
    """Group stripped non-blank lines into blocks (kind, [(start, end), ...]).

    Lines starting at an index in `fixed` (rejoined rotated labels) stand alone.
    """
    blocks: list[tuple[str, list[tuple[int, int]]]] = []
    blank = True
    lines = _lines(text)
    wraps = _wraps(text, lines, starts)
    last_page = -1
    cores = [text[s:e].strip() for s, e in lines]
    for k, ((s, e), wrap) in enumerate(zip(lines, wraps)):
        seg = text[s:e]
        core = cores[k]
        if not core:
            blank = True
            continue
        page = bisect_left(starts, s + 1) - 1
        new_page, last_page = page != last_page, page
        s += len(seg) - len(seg.lstrip())
        e = s + len(core)
        kind = "label" if s in fixed else _kind(core)
        if blocks:
            bkind, spans = blocks[-1]
            prev = text[spans[-1][0] : spans[-1][1]]
            dash_cont = core[0] == "–" and core[2:3].islower() and not _terminal(prev)
            ref_cont = (
                kind == "item"
                and re.match(r"\d{1,2}\.\d", core) is not None
                and not blank
                and prev.split()[-1].lower() in _REF_WORDS
            )
            if (
                (kind == "para" or dash_cont or ref_cont)
                and bkind in ("para", "item", "head")
                and _joins(bkind, prev, core, blank, wrap, new_page, cores[k + 1] if k + 1 < len(cores) else "")
            ):
                spans.append((s, e))
                blank = False
                continue
            caption = (
                sum(b - a for a, b in spans) <= 200
                and len(spans) <= 3
                and (not _terminal(prev) or _CAPTION.match(text[spans[0][0] : spans[0][1]]) is not None)
            )
            if kind == "table" and bkind == "para" and caption:
                blocks[-1] = ("caption", spans)  # a caption stays on the line above its table
        blocks.append((kind, [(s, e)]))
        blank = False
    return blocks


def _shingles(text: str) -> set[int]:
    words = re.findall(r"\w+", text.lower())
    return {hash(tuple(words[i : i + 5])) for i in range(max(1, len(words) - 4))}


class _DupIndex:
    """Near-duplicate finder over shingle sets with an inverted index (no all-pairs scan)."""

    def __init__(self) -> None:
        self.sets: list[set[int]] = []
        self.post: dict[int, list[int]] = {}

    def is_dup(self, sh: set[int], threshold: float = 0.9) -> bool:
        hits: Counter = Counter()
        for x in sh:
            ids = self.post.get(x)
            if ids and len(ids) <= 50:  # very common shingles say nothing; bound the work
                hits.update(ids)
        for other, c in hits.most_common(5):
            union = len(sh) + len(self.sets[other]) - c
            if c / union >= threshold or c / len(sh) >= threshold:
                return True
        return False

    def add(self, sh: set[int]) -> None:
        n = len(self.sets)
        self.sets.append(sh)
        for x in sh:
            self.post.setdefault(x, []).append(n)


def _dedup(text: str, blocks: list, starts: list[int], stats: Counter, min_chars: int = 200) -> list:
    """Drop pages, then blocks, that (nearly) repeat earlier ones."""
    page_of = [bisect_left(starts, spans[0][0] + 1) - 1 for _, spans in blocks]
    pages: dict[int, list[int]] = {}
    for b, p in enumerate(page_of):
        pages.setdefault(p, []).append(b)
    drop: set[int] = set()
    pidx = _DupIndex()
    if len(pages) > 1:
        for p in sorted(pages):
            body = " ".join(text[s:e] for b in pages[p] for s, e in blocks[b][1])
            if len(body) < min_chars:
                continue
            sh = _shingles(body)
            if pidx.is_dup(sh):
                drop.update(pages[p])
                stats["duplicate_pages"] += 1
            else:
                pidx.add(sh)
    bidx = _DupIndex()
    for b, (kind, spans) in enumerate(blocks):
        if b in drop:
            continue
        body = " ".join(text[s:e] for s, e in spans)
        if len(body) < min_chars:
            continue
        sh = _shingles(body)
        if bidx.is_dup(sh):
            drop.add(b)
            stats["duplicate_blocks"] += 1
        else:
            bidx.add(sh)
    return [blk for b, blk in enumerate(blocks) if b not in drop]


def _reflow(
    text: str, omap: list[int], raw_pages: Sequence[int], stats: Counter, labels: set[int]
) -> tuple[str, list[int]]:
    starts = _page_index(omap, raw_pages)
    fixed = {i for i, o in enumerate(omap) if o in labels} if labels else set()
    blocks = _dedup(text, _blocks(text, starts, fixed), starts, stats)
    ed = _Edit(text, omap)
    prev_kind, prev_end = "", 0
    for kind, spans in blocks:
        if prev_kind:
            ed.put("\n\n" if "para" in (kind, prev_kind) or kind == "caption" else "\n", prev_end)
        for n, (s, e) in enumerate(spans):
            if n:
                ed.put(" ", spans[n - 1][1])
                stats["reflowed_lines"] += 1
            if kind == "table" or kind == "head" and len(spans) == 1:
                ed.keep(s, e)
                continue
            if kind == "toc":  # "Godkendelse af dagsorden.......... 3" → "Godkendelse af dagsorden … 3"
                m = re.search(r"\s*(?:\.{4,}|…{2,}|(?:\. ){3,})[.\s…]*(?=\d{1,4}\s*$)", text[s:e])
                ed.keep(s, s + m.start())
                ed.put(" … ", s + m.start())
                ed.keep(s + m.end(), e)
                continue
            pos = s  # prose: collapse runs of spaces inside the line
            for m in re.finditer(r" {2,}", text[s:e]):
                ed.keep(pos, s + m.start() + 1)
                pos = s + m.end()
            ed.keep(pos, e)
        prev_kind, prev_end = kind, spans[-1][1]
    return ed.done()


# ---------------------------------------------------------------- public API


def repair(raw_text: str, page_starts: Sequence[int] = (0,)) -> Repaired:
    """Repair extracted text; see the module docstring for the stages."""
    stats: Counter = Counter()
    text, omap = raw_text, list(range(len(raw_text) + 1))
    raw_pages = list(page_starts) or [0]
    text, omap = _clean_chars(text, omap, stats)
    text, omap = _furniture(text, omap, raw_pages, stats)
    labels: set[int] = set()
    text, omap = _vertical(text, omap, stats, labels)
    text, omap = _dehyphenate(text, omap, stats)
    text, omap = _reflow(text, omap, raw_pages, stats, labels)
    pages = tuple(_page_index(omap, raw_pages))
    for key in ("joined_words", "furniture_lines", "duplicate_blocks", "vertical_runs"):
        stats.setdefault(key, 0)
    return Repaired(text=text, offset_map=tuple(omap), page_starts=pages, stats=dict(stats))


def guess_page_starts(raw_text: str) -> tuple[int, ...]:
    """Approximate page starts of a .txt extraction: lines with exactly one leading space, or form feeds."""
    starts = [0] + [m.start() for m in re.finditer(r"(?m)^(?= \S)|(?<=\f)", raw_text) if m.start() > 0]
    return tuple(sorted(set(starts)))

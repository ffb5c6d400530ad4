"""Readable table rows for PDF pages: cells separated by " | ", one row per line, caption kept above.

pypdf's default extraction keeps the reading order of running text (also across the columns of a
multi-column report) but glues table cells together with single spaces ("2007 Løft: 200 mio. kr. …
Samlet løft på ca. 1,3 mia. kr.") and, for cells that wrap, emits a row cell by cell over several
lines. Its layout mode ("extraction_mode='layout'") shows the columns as wide runs of spaces but
interleaves the columns of running text. So the default text stays the base and layout mode only
tells where the cells are:

* `rows_from_layout(default, layout)`: a default-mode line, or a run of default-mode lines, whose
  characters are exactly the cells of one table row in the layout rendering becomes "a | b | c".
  A line the layout shows as one piece is never touched, so running text cannot be split.
* A table row is read from the layout text: cells are runs of text separated by 3+ spaces, columns
  are the gutters (x positions no row writes into) of a block of such lines, and a line continues
  the row above when it starts in a later column, starts lower-case or with "(", or when the cell
  above ends open ("… (med MKB og") or fills its column.

Limits (documented in the report): a cell the layout rendering places right after its neighbour with a
single space ("Diabetes 283.617") cannot be told apart from one cell; tables drawn as images are not
seen; rows are matched only when every character agrees, so an odd extraction leaves the text as it was.
"""

from __future__ import annotations

import re

GAP = re.compile(r" {3,}")
_OPEN_END = re.compile(
    r"(?:\(|[-–,/&+]|\b(?:og|eller|i|af|til|for|om|med|ved|på|fra|mellem|samt|der|de|den|det))$", re.IGNORECASE
)
_MARKER = re.compile(r"^(?:\W{1,2}|\(?\w{1,2}[.)]|)$")  # "•", "-", "A)", "1.", "a." or an empty cell
_LEADER = re.compile(r"\.{4,}|…{2,}")
MAX_ROW_LINES = 8  # default-mode lines one table row may span


def _segments(line: str) -> list[tuple[int, str]]:
    """Runs of text separated by 3+ spaces, with their start column."""
    line = line.replace("\t", " ").rstrip()
    out, pos = [], 0
    for m in GAP.finditer(line):
        piece = line[pos : m.start()]
        if piece.strip():
            out.append((pos + len(piece) - len(piece.lstrip()), " ".join(piece.split())))
        pos = m.end()
    piece = line[pos:]
    if piece.strip():
        out.append((pos + len(piece) - len(piece.lstrip()), " ".join(piece.split())))
    return out


def _squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


def _starts(block: list[list[tuple[int, str]]], min_gap: int) -> list[tuple[int, int]]:
    """(start, end) of the occupied x ranges of a block, split at gutters at least `min_gap` wide that
    no more than one line in twenty writes into."""
    width = max(x + len(t) for segs in block for x, t in segs)
    occ = [0] * (width + 1)
    for segs in block:
        for x, t in segs:
            for i in range(x, x + len(t)):
                occ[i] += 1
    limit = len(block) // 20
    spans: list[list[int]] = []
    free = min_gap
    for i, n in enumerate(occ):
        if n > limit:
            if free >= min_gap or not spans:
                spans.append([i, i + 1])
            spans[-1][1] = i + 1
            free = 0
        else:
            free += 1
    return [(s, e) for s, e in spans]


def _col(starts: list[int], x: int) -> int:
    k = 0
    for i, s in enumerate(starts):
        if x >= s - 1:
            k = i
    return k


def _rows(block_lines: list[list[tuple[int, str]]]) -> list[list[str]]:
    """Rows of a table block: per row, one text per column (continuation lines merged)."""
    multi = [segs for segs in block_lines if len(segs) >= 2]
    if len(multi) < 2:
        return []
    starts = [s for s, _ in _starts(multi, 2)]
    if len(starts) < 2:
        return []
    col0_width = max((len(t) for segs in block_lines for x, t in segs if _col(starts, x) == 0), default=0)
    rows: list[list[str] | None] = []
    last0 = ""
    for segs in block_lines:
        cells = [""] * len(starts)
        for x, t in segs:
            k = _col(starts, x)
            cells[k] = f"{cells[k]} {t}".strip()
        first = next(t for t in cells if t)
        wrapped = not cells[-1] and (bool(_OPEN_END.search(last0)) or len(last0) >= 0.85 * col0_width)
        if rows and rows[-1] is not None and (not cells[0] or first[:1].islower() or first[:1] == "(" or wrapped):
            rows[-1] = [f"{a} {b}".strip() for a, b in zip(rows[-1], cells)]
        elif len(segs) >= 2 and not _split_word(cells):
            rows.append(cells)
        else:
            rows.append(None)  # a caption or heading between rows: no row continues across it
        last0 = cells[0] or last0
    out = [r for r in rows if r is not None and sum(1 for c in r if c) >= 2]
    # keep an empty cell only in a column most rows fill (it shows which column is empty), else drop it
    filled = [sum(1 for r in out if r[k]) for k in range(len(starts))]
    out = [[c for k, c in enumerate(r) if c or filled[k] >= 0.6 * len(out)] for r in out]
    return [r[: max(k for k, c in enumerate(r) if c) + 1] for r in out]


def _split_word(cells: list[str]) -> bool:
    """A word broken across two cells ("… mulighed for at f" | "å gratis …"): a text line, not a row."""
    full = [c for c in cells if c]
    return any(a[-1:].islower() and b[:1].islower() for a, b in zip(full, full[1:]))


def _blocks(layout: str) -> list[list[list[tuple[int, str]]]]:
    """Blocks of consecutive layout lines that hold multi-cell lines (single-cell lines in between kept
    as possible continuations; blank lines are skipped, two in a row end a block)."""
    blocks: list[list[list[tuple[int, str]]]] = []
    cur: list[list[tuple[int, str]]] = []
    blanks = 0
    for line in layout.split("\n"):
        segs = _segments(line)
        if not segs:
            blanks += 1
            if blanks >= 2 and cur:
                blocks.append(cur)
                cur = []
            continue
        blanks = 0
        if len(segs) >= 2 or cur:
            cur.append(segs)
    if cur:
        blocks.append(cur)
    return blocks


def _prose(block: list[list[tuple[int, str]]], s: int, e: int) -> bool:
    """Whether x range [s, e) of a block is running text beside a table rather than a table column:
    where the range shares a line with text elsewhere, running text is mid-sentence (starts
    lower-case), a table cell starts its row; a justified text column also hyphenates often."""
    shared = hyph = lines = 0
    lower = 0
    for segs in block:
        mine = " ".join(t for x, t in segs if s - 1 <= x < e)
        if not mine:
            continue
        lines += 1
        hyph += bool(re.search(r"\w-$", mine))
        if len(mine) < sum(len(t) for _, t in segs):
            shared += 1
            lower += mine[:1].islower()
    return (shared >= 2 and lower >= 0.4 * shared) or hyph >= max(3, 0.2 * lines)


def _bands(block: list[list[tuple[int, str]]]) -> list[list[list[tuple[int, str]]]]:
    """Split a block at gutters every line respects where one side is running text (a text column beside
    a table); each band is the block's lines cut to that x range, lines without text there left out."""
    spans = _starts(block, 3)
    if len(spans) < 2:
        return [block]
    merged: list[list] = []
    for s, e in spans:
        prose = _prose(block, s, e)
        if merged and not prose and not merged[-1][2]:
            merged[-1][1] = e
        else:
            merged.append([s, e, prose])
    out = []
    for s, e, prose in merged:
        if not prose:
            lines = [[(x, t) for x, t in segs if s - 1 <= x < e] for segs in block]
            out.append([segs for segs in lines if segs])
    return out


def table_rows(layout: str) -> list[list[str]]:
    """All table rows (cells per column, continuation lines merged) found in a layout-mode page."""
    out: list[list[str]] = []
    for block in _blocks(layout):
        for band in _bands(block):
            rows = _rows(band)
            # A hanging-indent list ("•   text", "A)   text", "1.   text") is no table, nor is a table of contents.
            markers = sum(1 for r in rows if _MARKER.match(r[0]))
            if len(rows) >= 2 and markers < 0.5 * len(rows) and not any(_LEADER.search(c) for r in rows for c in r):
                out += rows
    return out


def rows_from_layout(default: str, layout: str) -> tuple[str, int]:
    """`default` with each run of lines that spells one table row replaced by "cell | cell"; and the
    number of rows replaced."""
    rows = table_rows(layout)
    if not rows:
        return default, 0
    lines = default.split("\n")
    squashed = [_squash(x) for x in lines]
    want: dict[str, str] = {}
    for r in rows:
        key = _squash("".join(r))
        if len(key) >= 4:
            want.setdefault(key, " | ".join(r))
    firsts = {k[:4] for k in want}
    out: list[str] = []
    i, n = 0, 0
    while i < len(lines):
        hit = None
        if squashed[i][:4] in firsts:
            acc = ""
            for j in range(i, min(len(lines), i + MAX_ROW_LINES)):
                acc += squashed[j]
                if acc in want:
                    hit = (j, want[acc])
                    break
                if not any(k.startswith(acc) for k in want):
                    break
        if hit:
            out.append(hit[1])
            n += 1
            i = hit[0] + 1
        else:
            out.append(lines[i])
            i += 1
    return "\n".join(out), n


_GAP_IN_LINE = re.compile(r"\S {2,}\S")
_CAPTION = re.compile(r"(?im)^\s*(?:tabel|tabellen|skema|oversigt)\b")
_NUM_END = re.compile(r"(?m)\S[ \t]+\d[\d.,]*[ \t]*(?:kr\.?|%|pct\.?|mio\.?[ \t]*kr\.?)?[ \t]*$")
_TIME_START = re.compile(r"(?m)^[ \t]*\d{1,2}[.:]\d{2}[ \t]+\S")


def may_have_table(text: str) -> bool:
    """Cheap test on a page's default-mode text: worth the (slower) layout-mode pass? Wide gaps inside
    lines, a "Tabel" caption, several lines ending in amounts, or a time schedule."""
    return (
        sum(1 for line in text.split("\n") if _GAP_IN_LINE.search(line.strip())) >= 2
        or bool(_CAPTION.search(text))
        or len(_NUM_END.findall(text)) >= 3
        or len(_TIME_START.findall(text)) >= 3
    )


def layout_text(page) -> str:
    """A pypdf page in layout mode. Its notes ("Rotated text discovered. Output will be incomplete.")
    concern the layout rendering only, which merely locates cells, so they are kept out of the
    document's warnings."""
    import logging

    log = logging.getLogger("pypdf._text_extraction._layout_mode")
    old = log.level
    log.setLevel(logging.ERROR)
    try:
        return page.extract_text(extraction_mode="layout") or ""
    finally:
        log.setLevel(old)

"""The council-facts file (`byraadsfakta.toml`): who is mayor, which parties hold how many seats, who chairs and sits
in which committee — kept by the secretariat, ingested as readable Danish text with one section per block.

The file is validated strictly (unknown fields are typos the secretariat should hear about); a bad file is a
LoadError naming the line and field. The structured facts travel with the document as `meta["facts_json"]`, so the
assistant answers from exactly the version that is indexed (never by reading a path at question time).
Format: docs/case-and-facts.md.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path

from byraad.dates import format_date, from_date
from byraad.facts import FORMAT, Committee, CouncilFacts, Party, Role
from byraad.types import PUBLIC, PageSpan, ParsedDocument, Section
from ingest.loaders import LoadError, LoadOptions
from ingest.sources import Source, register

FILENAME = "byraadsfakta.toml"
_PERSON_RE = re.compile(r"^\s*(.+?)\s*\(([^()]{1,12})\)\s*$")
_HEADER_RE = re.compile(r"^\s*\[(\[)?\s*([\w-]+)\s*\]?\]\s*(?:#.*)?$")
_TOP = {
    "kommune": True,
    "valgperiode": True,
    "antal_medlemmer": False,
    "kommunaldirektoer": False,
    "opdateret": False,
    "borgmester": True,
    "viceborgmester": False,
    "raadmand": False,
    "parti": False,
    "udvalg": True,
}
_FIELDS = {  # table → {field: required}
    "borgmester": {"navn": True, "omraade": False},
    "viceborgmester": {"navn": True, "titel": False, "omraade": False},
    "raadmand": {"navn": True, "omraade": True, "titel": False},
    "parti": {"navn": True, "bogstav": True, "mandater": True, "aliaser": False},
    "udvalg": {
        "navn": True,
        "forkortelse": False,
        "formand": True,
        "naestformand": False,
        "medlemmer": True,
        "aliaser": False,
        "opgaver": False,
    },
}


def claims(path: Path) -> bool:
    name = Path(path).name.lower()
    return name == FILENAME or name.endswith("." + FILENAME)


# --- validation -------------------------------------------------------------------------------------------------
class _Where:
    """Line numbers of tables and fields in the raw TOML, for error messages."""

    def __init__(self, raw: str) -> None:
        self.lines = raw.splitlines()
        self.headers: list[tuple[str, int]] = []  # (table name, 1-based line) in file order
        for no, line in enumerate(self.lines, 1):
            if m := _HEADER_RE.match(line):
                self.headers.append((m.group(2), no))

    def table(self, name: str, i: int = 0) -> int:
        found = [no for t, no in self.headers if t == name]
        return found[i] if i < len(found) else 1

    def field(self, key: str, start: int = 1) -> int:
        end = min([no for _, no in self.headers if no > start] + [len(self.lines) + 1])
        for no in range(start, end):
            if re.match(rf"\s*{re.escape(key)}\s*=", self.lines[no - 1]):
                return no
        return start


def _err(msg: str, line: int) -> LoadError:
    return LoadError(f"{FILENAME}, linje {line}: {msg}", "corrupt")


def _check(table: dict, fields: dict[str, bool], label: str, line: int, where: _Where) -> None:
    for key in table:
        if key not in fields:
            raise _err(f"ukendt felt '{key}' i {label} (tilladte: {', '.join(fields)})", where.field(key, line))
    for key, required in fields.items():
        if required and (key not in table or table[key] in ("", [])):
            raise _err(f"{label} mangler feltet '{key}'", line)


def _str(v: object, key: str, line: int) -> str:
    if not isinstance(v, str):
        raise _err(f"feltet '{key}' skal være tekst i anførselstegn", line)
    return " ".join(v.split())


def _strs(v: object, key: str, line: int) -> tuple[str, ...]:
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise _err(f'feltet \'{key}\' skal være en liste af tekster, fx ["Navn (A)", "Navn (V)"]', line)
    return tuple(" ".join(x.split()) for x in v if x.strip())


def load_facts(raw: str) -> CouncilFacts:
    """Parse and validate the TOML text; LoadError names the line and the field on any problem."""
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"line (\d+)", str(e))
        raise _err(f"ugyldig TOML ({str(e).split(' (at')[0]})", int(m.group(1)) if m else 1) from None
    w = _Where(raw)
    _check(data, _TOP, "filen", 1, w)
    for key in ("kommune", "valgperiode", "kommunaldirektoer"):
        if key in data:
            _str(data[key], key, w.field(key))
    tables: dict[str, list[tuple[dict, int, str]]] = {}
    for name, fields in _FIELDS.items():
        v = data.get(name, [] if name != "borgmester" else {})
        items = [v] if isinstance(v, dict) else v
        if not isinstance(items, list) or not all(isinstance(x, dict) for x in items):
            raise _err(f"'{name}' skal være en tabel [{name}] eller [[{name}]]", w.field(name))
        for i, t in enumerate(items):
            line = w.table(name, i)
            label = f"[{name}]" if name == "borgmester" else f"[[{name}]] nr. {i + 1}"
            _check(t, fields, label, line, w)
            for key, val in t.items():
                if key in ("medlemmer", "aliaser"):
                    t[key] = _strs(val, key, w.field(key, line))
                elif key == "mandater":
                    if not isinstance(val, int) or isinstance(val, bool) or val < 0:
                        raise _err(f"'mandater' i {label} skal være et helt tal", w.field(key, line))
                else:
                    t[key] = _str(val, key, w.field(key, line))
            tables.setdefault(name, []).append((t, line, label))
    return _build(data, tables, w)


def _build(data: dict, tables: dict, w: _Where) -> CouncilFacts:
    parties = tuple(
        Party(t["navn"], t["bogstav"], t["mandater"], t.get("aliaser", ())) for t, _, _ in tables.get("parti", [])
    )
    total = sum(p.seats for p in parties)
    seats = data.get("antal_medlemmer", total)
    if not isinstance(seats, int) or isinstance(seats, bool) or seats <= 0:
        raise _err("'antal_medlemmer' skal være et positivt helt tal", w.field("antal_medlemmer"))
    if parties and total != seats:
        raise _err(
            f"partiernes mandater summerer til {total}, men antal_medlemmer er {seats}",
            w.field("antal_medlemmer") if "antal_medlemmer" in data else w.table("parti"),
        )
    if len(tables["borgmester"]) != 1:
        raise _err("der skal være præcis én [borgmester]", w.table("borgmester", 1))
    mayor_t = tables["borgmester"][0][0]
    mayor = Role("Borgmester", mayor_t["navn"], mayor_t.get("omraade", ""), "borgmester")
    roles = []
    for kind, default in (("viceborgmester", "Viceborgmester"), ("raadmand", "Rådmand")):
        for i, (t, _, _) in enumerate(tables.get(kind, []), 1):
            roles.append(Role(t.get("titel") or default, t["navn"], t.get("omraade", ""), f"{kind}:{i}"))
    committees, seen = [], set()
    for i, (t, line, label) in enumerate(tables["udvalg"], 1):
        abbr = t.get("forkortelse", "")
        key = (abbr or t["navn"]).lower()
        if key in seen:
            raise _err(f"{label}: udvalget '{abbr or t['navn']}' står der to gange", line)
        seen.add(key)
        members = list(t["medlemmer"])
        for who in (t["formand"], t.get("naestformand", "")):  # the chair is a member even when not listed
            if who and who not in members:
                members.insert(0 if who == t["formand"] else 1, who)
        committees.append(
            Committee(
                t["navn"],
                abbr,
                t["formand"],
                t.get("naestformand", ""),
                tuple(members),
                t.get("aliaser", ()),
                t.get("opgaver", ""),
                f"udvalg:{key}",
            )
        )
    upd = data.get("opdateret")
    if upd is not None and not isinstance(upd, dt.date):
        raise _err("'opdateret' skal være en dato, fx 2025-01-20 (uden anførselstegn)", w.field("opdateret"))
    return CouncilFacts(
        data["kommune"],
        data["valgperiode"],
        seats,
        mayor,
        tuple(roles),
        parties,
        tuple(committees),
        data.get("kommunaldirektoer", ""),
        from_date(upd),
    )


# --- rendering --------------------------------------------------------------------------------------------------
def _join(names: list[str] | tuple[str, ...]) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " og " + names[-1]


def render(f: CouncilFacts) -> list[tuple[str, str, str, str]]:
    """(section_id, title, text, raw table name) per block, in reading order."""
    head = [
        f"Byrådsfakta for {f.municipality}, valgperioden {f.period}",
        "",
        f"Byrådet i {f.municipality} har {f.seats} medlemmer i valgperioden {f.period}.",
    ]
    if f.director:
        head.append(f"Kommunaldirektør er {f.director}.")
    if f.updated:
        head.append(f"Oplysningerne er senest opdateret {format_date(f.updated)}.")
    out = [("byraadet", "Byrådet", "\n".join(head), "")]
    m = f.mayor
    out.append(
        (
            "borgmester",
            "Borgmester",
            f"Borgmester i {f.municipality} er {m.name}."
            + (f" Borgmesteren er {m.area.rstrip('.')}." if m.area else ""),
            "borgmester",
        )
    )
    for r in f.roles:
        out.append(
            (
                r.section_id,
                f"{r.title} {r.name}",
                f"{r.title}{' for ' + r.area if r.area else ''} er {r.name}.",
                r.section_id.split(":")[0],
            )
        )
    if f.parties:
        lines = [f"Partier i byrådet: {f.seats} mandater fordelt på {len(f.parties)} partier."]
        lines += [f"- {p.name} ({p.letter}): {p.seats} {'mandat' if p.seats == 1 else 'mandater'}" for p in f.parties]
        out.append(("partier", "Partier og mandater", "\n".join(lines), "parti"))
    for c in f.committees:
        lines = [
            f"Formand for {c.label}: {c.chair}." + (f" Næstformand: {c.deputy_chair}." if c.deputy_chair else ""),
            f"Medlemmer af {c.name} ({len(c.members)}): {_join(c.members)}.",
        ]
        if c.tasks:
            lines.append(f"{c.name} har ansvaret for {c.tasks}.")
        if c.aliases:
            lines.append(f"{c.name} kaldes også {_join(c.aliases)}.")
        out.append((c.section_id, c.label, "\n".join(lines), "udvalg"))
    return out


def _raw_spans(raw: str, blocks: list[tuple[str, str, str, str]]) -> list[tuple[int, int]]:
    """The span of the TOML text each block comes from (top-level keys: before the first table)."""
    w = _Where(raw)
    starts = [0]
    for line in raw.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))

    def span(name: str, i: int) -> tuple[int, int]:
        lines = [no for t, no in w.headers if t == name]
        if not lines:
            return 0, 0
        a = lines[min(i, len(lines) - 1)]
        nxt = [no for _, no in w.headers if no > a]
        return starts[a - 1], starts[nxt[0] - 1] if nxt else len(raw)

    first = w.headers[0][1] if w.headers else len(starts)
    counters: dict[str, int] = {}
    out = []
    for sid, _, _, table in blocks:
        if not table:
            out.append((0, starts[first - 1]))
        elif table == "parti":
            spans = [span("parti", i) for i in range(sum(1 for t, _ in w.headers if t == "parti"))]
            out.append((spans[0][0], spans[-1][1]) if spans else (0, 0))
        else:
            i = counters.get(table, 0)
            counters[table] = i + 1
            out.append(span(table, i))
    return out


def parse(path: Path, rel_path: str, doc_id: str, opts: LoadOptions) -> ParsedDocument:
    """The facts file as a handbook-like document: one public section per block, raw text = the TOML."""
    path = Path(path)
    size = path.stat().st_size
    if size > opts.max_bytes:
        raise LoadError(f"filen er for stor ({size} bytes)", "too_large")
    try:
        raw = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise LoadError(f"{FILENAME} skal være gemt som UTF-8", "decode") from None
    if not raw.strip():
        raise LoadError("filen er tom", "empty")
    facts = load_facts(raw)
    blocks = render(facts)
    raw_spans = _raw_spans(raw, blocks)
    text, sections, omap, prev_end = "", [], [], 0
    for (sid, title, body, _), (ra, rb) in zip(blocks, raw_spans):
        if text:
            omap += [prev_end] * 2  # the blank line between blocks maps to the end of the previous block
            text += "\n\n"
        s = len(text)
        text += body
        n = len(body)
        omap += [ra + (rb - ra) * i // max(n, 1) for i in range(n)]
        prev_end = rb
        sections.append(Section(title=title, start=s, end=len(text), section_id=sid, access=PUBLIC))
    omap.append(prev_end)
    return ParsedDocument(
        doc_id=doc_id,
        path=rel_path,
        title=f"Byrådsfakta for {facts.municipality} {facts.period}",
        kind="handbook",
        text=text,
        raw_text=raw,
        offset_map=tuple(omap),
        pages=(PageSpan(1, "1", 0, len(text)),),
        sections=tuple(sections),
        access=PUBLIC,
        doc_date=facts.updated,
        meta={"source_format": FORMAT, "facts_json": facts.to_json()},
    )


register(Source(name=FORMAT, claims=claims, parse=parse))

"""The meeting package both ESDH exports (eDoc, Acadre) are read into: the package, its items and documents, and the
helpers the two readers share (finding a referenced file inside the package, reading its XML safely, dates)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from byraad.dates import to_int
from byraad.types import PUBLIC
from ingest.loaders import LoadError
from ingest.paths import refusal


CASE = re.compile(r"Sagsnr\.?\s*:?\s*([A-Za-z]{0,4}\d[\w./-]*\d)")  # "Sagsnr.: 2012-28504", "12/27845"


# ---------------------------------------------------------------- neutral model (filled by the system modules)


@dataclass
class Doc:
    """One piece of content: a member file and/or text the XML carries itself."""

    title: str
    ref: str = ""  # file name as the XML writes it ("" = no file)
    path: Path | None = None  # resolved member file; None when missing or none
    text: str = ""  # text from the XML (Acadre bullets; eDoc FullText as a fallback)
    text_first: bool = False  # use `text` and not the file (Acadre item texts)
    summary: str = ""
    access: str = PUBLIC
    access_reason: str = ""
    public_title: str = ""  # what a public reader may see of a non-public attachment ("" = nothing)
    missing: str = ""  # why `ref` has no `path` (not in the package, a link out of it, …)


@dataclass
class Item:
    number: str
    title: str
    public_title: str  # NeutralTitle (eDoc); "" when the system has none
    content: Doc
    attachments: list[Doc] = field(default_factory=list)
    case_number: str = ""
    access: str = PUBLIC
    access_reason: str = ""
    decision_heading: str = ""  # Acadre: this meeting's decision, given by the XML
    decision_text: str = ""
    decision_pattern: re.Pattern | None = None  # eDoc: where the decision starts in the item PDF


@dataclass
class Package:
    system: str  # "eDoc" | "Acadre"
    body: str
    date: int | None
    kind: str  # "minutes" | "agenda"
    time: str = ""
    meeting_name: str = ""
    place: str = ""
    state: str = ""
    participants: tuple[str, ...] = ()
    absentees: tuple[str, ...] = ()
    items: list[Item] = field(default_factory=list)
    extra: list[Doc] = field(default_factory=list)  # whole documents used when the item structure is missing
    warnings: list[str] = field(default_factory=list)
    meta: dict = field(default_factory=dict)


# ---------------------------------------------------------------- helpers for the system modules


def locate(base: Path, ref: str, root: Path | None = None) -> tuple[Path | None, str]:
    """The file `ref` (relative to `base`, any case, / or \\) names, and "" — or None and why it is not read.
    Never leaves `root` (default `base`, the package's folder): an absolute or escaping reference is looked up by its
    file name inside `base`, and a found file whose real location (links resolved) is outside `root` is refused
    (ingest.paths, the same rule as the folder scan)."""
    parts = [p for p in re.split(r"[\\/]+", ref.strip()) if p and p != "."]
    if not parts or parts[-1] == "..":
        return None, f"filen {ref!r} findes ikke i pakken"
    if ".." in parts or re.fullmatch(r"[A-Za-z]:", parts[0]) or ref.strip()[:1] in "/\\":
        parts = parts[-1:]  # an absolute or escaping path: only its file name, looked up inside base
    cur = base
    for part in parts:
        if not cur.is_dir():
            return None, f"filen {ref!r} findes ikke i pakken"
        hit = cur / part
        if not hit.exists() and not hit.is_symlink():
            low = part.lower()
            hit = next((c for c in sorted(cur.iterdir()) if c.name.lower() == low), None)
            if hit is None:
                return None, f"filen {ref!r} findes ikke i pakken"
        cur = hit
    why = refusal(cur, root or base, "pakkens mappe")
    if why is not None:
        return None, f"filen {ref!r}: {why[1]}"
    return (cur, "") if cur.is_file() else (None, f"filen {ref!r} findes ikke i pakken")


def resolve(base: Path, ref: str, root: Path | None = None) -> Path | None:
    """The file `ref` names inside the package (see locate), or None."""
    return locate(base, ref, root)[0]


def read_xml(path: Path, system: str):
    """Parse a package XML; LoadError("corrupt") when damaged, LoadError("dtd") when it declares a document type
    with its own definitions (entities could expand without bound or name files outside the package)."""
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise LoadError(f"{system} XML cannot be read ({e.strerror or e})", "corrupt") from e
    if re.search(rb"<!DOCTYPE[^>\[]*\[|<!ENTITY", data[: 1 << 20]) or b"<!ENTITY" in data:
        raise LoadError(f"{system} XML declares its own document type (inline DTD); such files are not read", "dtd")
    if system == "eDoc":
        data = _BAD_REF.sub(_fix_ref, data)
    try:
        return ET.fromstring(data)
    except ET.ParseError as e:
        raise LoadError(f"damaged {system} XML ({e})", "corrupt") from e


_BAD_REF = re.compile(rb"&#(x[0-9a-fA-F]+|[0-9]+);")


def _fix_ref(m: re.Match) -> bytes:
    """Blank character references XML 1.0 forbids (eDoc writes &#xC; form feeds)."""
    v = m.group(1).decode()
    cp = int(v[1:], 16) if v[0] in "xX" else int(v)
    ok = cp in (9, 10, 13) or 0x20 <= cp <= 0xD7FF or 0xE000 <= cp <= 0xFFFD or 0x10000 <= cp <= 0x10FFFF
    return m.group(0) if ok else b" "


def parse_datetime(s: str) -> tuple[int | None, str]:
    """'04-12-2012 13:00:00' (day-month-year) or '2013-06-20 10:30' → (YYYYMMDD, 'HH:MM')."""
    s = (s or "").strip()
    date = None
    if m := re.match(r"(\d{4})-(\d{1,2})-(\d{1,2})", s):
        date = to_int(int(m[1]), int(m[2]), int(m[3]))
    elif m := re.match(r"(\d{1,2})[-./](\d{1,2})[-./](\d{4})", s):
        date = to_int(int(m[3]), int(m[2]), int(m[1]))
    t = re.search(r"(?:[T ]|^)(\d{1,2}):(\d{2})", s)
    return date, (f"{int(t[1]):02d}:{t[2]}" if t else "")


def head(path: Path, n: int = 16384) -> str:
    """The first bytes of a file as text (for claims)."""
    try:
        with Path(path).open("rb") as f:
            return f.read(n).decode("utf-8", "ignore")
    except OSError:
        return ""


def root_tag(text: str) -> str:
    """Name of the first element after the XML prolog, comments and doctype."""
    m = re.match(
        r"\ufeff?\s*(?:(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>\[]*(?:\[.*?\]\s*)?>)\s*)*<([A-Za-z_][\w.:-]*)", text, re.S
    )
    return m.group(1) if m else ""

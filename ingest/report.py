"""The ingest report: what a run added, changed, removed and what failed, in plain words."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Mapping


@dataclass
class IngestReport:
    """Everything a secretariat employee needs to know about one `byraad ingest` run."""

    collection: str = ""
    roots: list[str] = field(default_factory=list)
    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    renamed: list[dict] = field(default_factory=list)  # {"from", "to"}
    duplicates: list[dict] = field(default_factory=list)  # {"path", "same_as"}
    removed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # gone from the folder, kept (no --prune)
    failed: list[dict] = field(default_factory=list)  # {"path", "code", "reason"}
    skipped: list[dict] = field(default_factory=list)  # {"path", "reason"} unsupported types
    chunks_added: int = 0
    chunks_removed: int = 0
    embedded: int = 0
    meetings: int = 0
    items: int = 0
    undated_meetings: list[dict] = field(default_factory=list)
    closed_items: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)
    repaired: dict = field(default_factory=dict)  # crash recovery and orphan clean-up done this run
    totals: dict = field(default_factory=dict)
    duration_s: float = 0.0
    rebuilt: bool = False

    @property
    def ok(self) -> bool:
        return not self.failed

    def to_dict(self) -> dict:
        d = asdict(self)
        d["ok"] = self.ok
        return d

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=2), encoding="utf-8")
        from byraad.private import private_file

        private_file(tmp)  # names of closed items and files: for the secretariat only
        tmp.replace(path)

    def render(self) -> str:
        """A plain-language Danish summary for the terminal. File names and reasons are shown safely: a name with a
        line break or another control character is quoted with it escaped, so no file can print a line of its own."""
        t = self.totals
        q, c_ = quote_name, one_line
        lines = [
            f"Indlæsning færdig på {self.duration_s:.1f} s → samling {self.collection}",
            f"  Filer: {len(self.new)} nye, {len(self.changed)} ændrede, {len(self.unchanged)} uændrede, "
            f"{len(self.renamed)} omdøbte, {len(self.duplicates)} dubletter, {len(self.removed)} fjernede, "
            f"{len(self.failed)} fejlede, {len(self.skipped)} sprunget over",
            f"  Tekststykker: +{self.chunks_added} / -{self.chunks_removed} (indlejret: {self.embedded})",
            f"  Fundet i nye/ændrede filer: {self.meetings} møder, {self.items} dagsordenspunkter, "
            f"{len(self.undated_meetings)} udaterede møder, {len(self.closed_items)} lukkede punkter",
        ]
        if t:
            lines.append(f"  Indekset nu: {t.get('documents', 0)} dokumenter, {t.get('chunks', 0)} tekststykker")
        for r in self.renamed:
            lines.append(f"  OMDØBT   {q(r['from'])} → {q(r['to'])} (ikke indlejret igen)")
        for d in self.duplicates:
            lines.append(f"  DUBLET   {q(d['path'])} har samme indhold som {q(d['same_as'])}")
        for p in self.removed:
            lines.append(f"  FJERNET  {q(p)}")
        if self.missing:
            lines.append(
                f"  {len(self.missing)} fil(er) findes ikke længere i mappen, men er bevaret i indekset "
                "(kør med --prune for at fjerne dem):"
            )
            lines += [f"  MANGLER  {q(p)}" for p in self.missing]
        for u in self.undated_meetings:
            hint = f" (formodet: {u['hint']})" if u.get("hint") else ""
            lines.append(f"  UDATERET {q(u['path'])}: {c_(u['body'] or 'møde')}{c_(hint)}")
        for c in self.closed_items:
            lines.append(f"  LUKKET   {q(c['path'])}: punkt {c_(str(c['item']))} → adgang {c_(c['access'])}")
        for w in self.warnings:
            lines.append(f"  NB       {q(w['path'])}: {c_(w['warning'])}")
        for k, v in self.repaired.items():
            if v:
                lines.append(f"  REPARERET {k}: {v}")
        for s in self.skipped:
            lines.append(f"  SPRUNGET OVER {q(s['path'])}: {c_(reason_da(s))}")
        for f in self.failed:
            lines.append(f"  FEJL     {q(f['path'])}: {c_(reason_da(f))}")
        return "\n".join(lines)


# The ingest report keeps the loaders' English reason and a stable English code ("not_pdf", "corrupt") for scripts;
# people read these.
REASONS_DA = {
    "file is empty": "filen er tom",
    "file ends in .doc but is not a Word document": "filen hedder .doc, men er ikke et Word-dokument",
    "damaged Word file that cannot be read": "beskadiget Word-fil, der ikke kan læses",
    "file ends in .pdf but is not a PDF": "filen hedder .pdf, men er ikke en PDF",
    "damaged PDF that cannot be read": "beskadiget PDF, der ikke kan læses",
    "PDF has no pages": "PDF'en har ingen sider",
    "scanned PDF without a text layer: needs OCR": "skannet PDF uden tekstlag: kræver tekstgenkendelse (OCR)",
    "password-protected PDF; remove the password and add it again": (
        "PDF'en er beskyttet med adgangskode; fjern adgangskoden, og læg den ind igen"
    ),
    "file claims to be UTF-8 but contains invalid bytes": "filen angiver UTF-8, men indeholder ugyldige tegn",
    "file claims to be UTF-16 but cannot be decoded": "filen angiver UTF-16, men kan ikke afkodes",
    "binary file, not text (contains NUL bytes)": "binær fil, ikke tekst",
    "binary or damaged file, not readable text": "binær eller beskadiget fil, ikke læsbar tekst",
    "file contains no text": "filen indeholder ingen tekst",
    "Word file contains no text": "Word-filen indeholder ingen tekst",
    "password-protected Word file; remove the password and add it again": (
        "Word-filen er beskyttet med adgangskode; fjern adgangskoden, og læg den ind igen"
    ),
    "old Word .doc file saved as .docx; save it as a real .docx or PDF": (
        "gammel Word .doc-fil gemt som .docx; gem den som en rigtig .docx eller PDF"
    ),
    "damaged Word file (not a .docx package)": "beskadiget Word-fil (ikke en .docx-pakke)",
    "text encoding could not be recognised": "filens tegnsæt kunne ikke genkendes",
}
CODES_DA = {
    "empty": "filen indeholder ingen brugbar tekst",
    "corrupt": "beskadiget fil, der ikke kan læses",
    "not_pdf": "filen er ikke en PDF",
    "needs_ocr": "skannet fil uden tekst: kræver tekstgenkendelse (OCR)",
    "encrypted": "filen er beskyttet med adgangskode",
    "decode": "filens tegnsæt kan ikke afkodes",
    "unsupported": "filtypen understøttes ikke",
    "unreadable": "filen kan ikke læses",
    "timeout": "filen tog for lang tid at læse",
    "too_large": "filen er for stor",
}
_ASCII_ONLY = re.compile(r"^[\x00-\x7f]*$")
# The loaders' reasons with figures in them (sizes, limits, the tool to install), kept with their figures.
_REASON_PATTERNS_DA = [
    (re.compile(r"^file is too large \((.+); limit (.+)\)$"), "filen er for stor ({}; grænsen er {})"),
    (re.compile(r"^Word file unpacks to (.+); limit (.+)$"), "Word-filen fylder {} udpakket; grænsen er {}"),
    (
        re.compile(r"^reading the file took longer than the limit \((.+) s per file\)$"),
        "det tog længere end grænsen ({} s pr. fil) at læse filen",
    ),
    (
        re.compile(r"^the file needs more memory than the limit \((.+)\)$"),
        "filen kræver mere hukommelse end grænsen ({})",
    ),
    (re.compile(r"^encrypted PDF that cannot be opened here"), "krypteret PDF, der ikke kan åbnes her"),
    (
        re.compile(r"^old Word \.doc file needs a converter that is not installed \((.+)\)$"),
        "gammel Word .doc-fil kræver et konverteringsprogram, der ikke er installeret ({})",
    ),
]


def reason_da(entry: Mapping[str, Any]) -> str:
    """A failed or skipped file's reason in Danish for the admin page (the report keeps code and reason as they are).
    A reason the project writes in Danish is shown as is; a known English one is translated; an unknown English
    one is described by its code."""
    reason = str(entry.get("reason") or "")
    if reason in REASONS_DA:
        return REASONS_DA[reason]
    if reason and (not _ASCII_ONLY.match(reason) or re.search(r"\b(filen|kan|ikke|understøttes)\b", reason)):
        return reason
    for pattern, danish in _REASON_PATTERNS_DA:
        m = pattern.match(reason)
        if m:
            return danish.format(*m.groups())
    code = str(entry.get("code") or "")
    return CODES_DA.get(code, "filen kunne ikke indlæses") + (f" ({code})" if code and code not in CODES_DA else "")


_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def quote_name(name: str) -> str:
    """A file name as it may be printed: unchanged when plain; otherwise in quotes with control characters (line
    breaks, terminal escapes, direction overrides) escaped, and leading/trailing spaces visible."""
    name = str(name)
    if not _UNSAFE.search(name) and name == name.strip() and name:
        return name
    name = unicodedata.normalize("NFC", name).replace("\\", "\\\\").replace('"', '\\"')
    return '"' + one_line(name) + '"'


def one_line(text: str) -> str:
    """A reason or warning on one line: control characters shown escaped, never acted on."""
    return _UNSAFE.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), str(text))

"""The ingest report: what a run added, changed, removed and what failed, in plain words."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path


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
            lines.append(f"  SPRUNGET OVER {q(s['path'])}: {c_(s['reason'])}")
        for f in self.failed:
            lines.append(f"  FEJL     {q(f['path'])}: {c_(f['reason'])}")
        return "\n".join(lines)


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

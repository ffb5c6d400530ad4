"""Structured sources: formats whose structure comes from the source system, not from text heuristics.

A meeting-portal page or an ESDH package already says which meeting, body, date, item, case number and
access level a passage belongs to. Such a format registers a `Source` here; `ingest.parse.parse_file`
asks the registry before falling back to load → repair → analyse, and `ingest.pipeline.scan` asks it which
files belong to a *package* (one XML plus the PDFs/Word files it references), so members are ingested as
part of their package and never as loose files.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from byraad.types import ParsedDocument

if TYPE_CHECKING:
    from ingest.loaders import LoadOptions


@dataclass(frozen=True)
class Source:
    """One structured format.

    claims(path) -> bool: cheap check (extension, a peek at the first KB) that this format owns the file.
    parse(path, rel_path, doc_id, opts: LoadOptions) -> ParsedDocument: raises ingest.loaders.LoadError on bad input.
    members(path) -> list[Path]: the other files a package file references (its PDFs/Word files); [] for a
        single-file format. Members are ingested with the package, not on their own.
    """

    name: str
    claims: Callable[[Path], bool]
    parse: Callable[[Path, str, str, "LoadOptions"], ParsedDocument]
    members: Callable[[Path], list[Path]] = lambda path: []


_REGISTRY: list[Source] = []
_BUILTIN_LOADED = False


def register(source: Source) -> None:
    """Add a format (idempotent by name; later registrations replace earlier ones)."""
    _REGISTRY[:] = [s for s in _REGISTRY if s.name != source.name] + [source]


def _load_builtin() -> None:
    # Imported lazily so `ingest.sources` stays importable while a format module is broken or absent.
    import importlib

    global _BUILTIN_LOADED
    _BUILTIN_LOADED = True
    for mod in ("ingest.sources.firstagenda", "ingest.sources.esdh", "ingest.sources.facts"):
        try:
            importlib.import_module(mod)
        except ModuleNotFoundError as e:
            if e.name != mod:
                raise


def sources() -> list[Source]:
    """All registered structured formats."""
    if not _BUILTIN_LOADED:  # not "if not _REGISTRY": importing one format module registers only that one
        _load_builtin()
    return list(_REGISTRY)


def source_for(path: Path) -> Source | None:
    """The structured format that claims `path`, or None (then the plain loaders handle it)."""
    for s in sources():
        if s.claims(Path(path)):
            return s
    return None


def package_members(path: Path) -> list[Path]:
    """Files that belong to the package whose main file is `path` ([] when it is not a package)."""
    s = source_for(path)
    return [Path(p) for p in s.members(Path(path))] if s else []


def package_digest(path: Path, members: list[Path]) -> str:
    """sha256 over the main file and its members (name + bytes), so a changed attachment re-ingests the package."""
    h = hashlib.sha256()
    for p in [Path(path)] + sorted(Path(m) for m in members):
        h.update(p.name.encode() + b"\0")
        with p.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()

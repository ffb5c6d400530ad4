"""The council's abbreviations and spelling variants as data (assistant/data/glossary.toml), used to expand queries.

The secretariat extends the built-in glossary with its own TOML file (settings.glossary_file, same format).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from byraad.text import normalise_for_match


def _word_re(term: str, case_sensitive: bool) -> re.Pattern[str]:
    # Word boundaries that treat æøå and digits as word characters; a trailing genitive "s" is allowed ("MSB's").
    return re.compile(rf"(?<![\w]){re.escape(term)}(?:'?s)?(?![\w])", 0 if case_sensitive else re.IGNORECASE)


@dataclass
class Glossary:
    """abbreviation → long forms, groups of equivalent spellings, and municipal election dates."""

    abbreviations: dict[str, list[str]] = field(default_factory=dict)
    variants: dict[str, list[str]] = field(default_factory=dict)
    elections: list[int] = field(default_factory=list)
    aliases: dict[str, list[str]] = field(default_factory=dict)  # one way: alias → long forms (not back)

    def __post_init__(self) -> None:
        # Short abbreviations ("BA", "FA", "KU") are only recognised in capitals: in lower case they are words.
        self._abbr = [(a, longs, _word_re(a, len(a) <= 2)) for a, longs in self.abbreviations.items()]
        self._abbr += [(a, longs, _word_re(a, len(a) <= 2)) for a, longs in self.aliases.items()]
        self._long = [(normalise_for_match(lf), a) for a, longs in self.abbreviations.items() for lf in longs]
        self._var = [[(v, normalise_for_match(v)) for v in group] for group in self.variants.values()]

    def expansions(self, text: str) -> list[str]:
        """Terms to append to a question: long forms of its abbreviations, abbreviations of its long forms,
        and the other spellings of any variant it contains (nothing already in the text)."""
        norm = normalise_for_match(text)
        out: list[str] = []

        def add(term: str) -> None:
            t = normalise_for_match(term)
            if t and t not in norm and all(normalise_for_match(o) != t for o in out):
                out.append(term)

        for group in self._var:
            if any(re.search(rf"(?<!\w){re.escape(vn)}(?!\w)", norm) for _, vn in group):
                for v, _ in group:
                    add(v)
        # Abbreviations and long forms are looked up in the question and in its other spellings ("OK'24" → OK24).
        full = " ".join([text, *out])
        full_norm = normalise_for_match(full)
        for abbr, longs, rx in self._abbr:
            if rx.search(full):
                for lf in longs:
                    add(lf)
        for lf_norm, abbr in self._long:
            if lf_norm and re.search(rf"(?<!\w){re.escape(lf_norm)}(?!\w)", full_norm):
                add(abbr)
        return out

    def extended(self, abbreviations: dict[str, list[str]], aliases: dict[str, list[str]] | None = None) -> "Glossary":
        """A copy with more abbreviations (their long forms added to any existing ones) and one-way aliases, e.g. the
        committees of the council facts (assistant.facts)."""
        abbr = {a: list(v) for a, v in self.abbreviations.items()}
        for a, longs in abbreviations.items():
            abbr[a] = list(dict.fromkeys([*abbr.get(a, []), *longs]))
        return Glossary(abbr, dict(self.variants), list(self.elections), {**self.aliases, **(aliases or {})})

    def most_recent_election(self, today: int) -> int | None:
        """The latest municipal election on or before `today` (YYYYMMDD)."""
        past = [d for d in self.elections if d <= today]
        return max(past) if past else None


def _as_list(v: object) -> list[str]:
    return [str(x) for x in v] if isinstance(v, (list, tuple)) else [str(v)]


def _merge(base: dict, data: dict) -> None:
    for a, v in data.get("abbreviations", {}).items():
        base["abbreviations"][str(a)] = _as_list(v)
    for k, v in data.get("variants", {}).items():
        base["variants"][str(k)] = _as_list(v)
    if "elections" in data:
        base["elections"] = sorted({*base["elections"], *(int(x) for x in data["elections"].get("municipal", []))})


@lru_cache(maxsize=8)
def _load(extra_file: str, mtime: float) -> Glossary:
    base: dict = {"abbreviations": {}, "variants": {}, "elections": []}
    with resources.files("assistant").joinpath("data/glossary.toml").open("rb") as f:
        _merge(base, tomllib.load(f))
    if extra_file:
        with open(extra_file, "rb") as f:
            _merge(base, tomllib.load(f))
    return Glossary(**base)


def load_glossary(extra_file: str | Path | None = None) -> Glossary:
    """The built-in glossary merged with the secretariat's file (reloaded when that file changes)."""
    if not extra_file:
        return _load("", 0.0)
    p = Path(extra_file)
    if not p.exists():
        raise FileNotFoundError(f"glossary file not found: {p}")
    return _load(str(p), p.stat().st_mtime)

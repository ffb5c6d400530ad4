"""Council facts at question time: direct, cited answers to "hvem er formand for X?", "hvem er borgmester?",
"hvilke partier …?", "hvor mange mandater har V?", "hvem sidder i X-udvalget?", "hvilke udvalg sidder N i?", and the
committees' abbreviations and aliases for query expansion ("TMU", "teknikudvalget" → "Teknik- og Miljøudvalget").

The facts are read from the ingested `byraadsfakta.toml` document (its structured form travels in the catalog as
`meta["facts_json"]`, see ingest.sources.facts), so answers always match the cited, indexed version; nothing is
read from a path at question time. A question is answered here only when it is purely about these facts (every
content word is a role word or a name from the facts); anything else goes to ordinary retrieval.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from assistant.case import DirectAnswer
from assistant.citations import content_tokens
from byraad.dates import format_date
from byraad.facts import FORMAT, Committee, CouncilFacts
from byraad.text import normalise_for_match
from byraad.types import Chunk, Hit
from vectorstore.filters import Filter

_ROLE_WORDS = (
    "hvem er var hvilke hvilket hvilken hvor mange har sidder i for af på nuværende lige nu formand "
    "formanden næstformand næstformanden forkvinde forperson leder udvalget udvalg udvalgene byrådet "
    "byråd borgmester borgmesteren viceborgmester viceborgmesteren første anden 1 2 3 rådmand rådmanden "
    "rådmænd rådmændene medlem medlemmer medlemmerne består sammensat sammensætning partier partierne "
    "parti partiet mandater mandat repræsenteret fordelt fordeling fordeler sig hvordan kommune kommunen "
    "kommunens kommunaldirektør kommunaldirektøren område områder ansvar ansvaret"
)
_CHAIR = re.compile(r"\b(formand\w*|forkvinde\w*|forperson\w*|leder)\b", re.IGNORECASE)
_DEPUTY = re.compile(r"\bnæstformand\w*", re.IGNORECASE)
_MEMBERS = re.compile(r"\b(sidder|medlem\w*|består|sammensat|sammensætning)\b", re.IGNORECASE)
_MAYOR = re.compile(r"\b(vice)?borgmester\w*", re.IGNORECASE)
_ALDERMAN = re.compile(r"\brådm(and|ænd)\w*", re.IGNORECASE)
_PARTIES = re.compile(r"\b(parti\w*|mandat\w*)\b", re.IGNORECASE)
_DIRECTOR = re.compile(r"\bkommunaldirektør\w*", re.IGNORECASE)
_ORDINAL = {"1": ("1.", "første"), "2": ("2.", "anden", "andet")}


@dataclass(frozen=True)
class LoadedFacts:
    facts: CouncilFacts
    doc_id: str
    path: str
    chunks: dict[str, Chunk]  # section_id → the (first) chunk of that block


_CACHE: dict[str, tuple[int, LoadedFacts | None]] = {}


def load_facts(index: Any) -> LoadedFacts | None:
    """The council facts of the newest ingested facts file (by election period, then date), cached per catalog
    generation; None when none is ingested."""
    catalog = getattr(index, "catalog", None)
    if catalog is None:
        return None
    key, gen = str(catalog.path), catalog.generation()
    cached = _CACHE.get(key)
    if cached and cached[0] == gen:
        return cached[1]
    best = None
    for d in catalog.documents():
        meta = d.get("meta") or {}
        if meta.get("source_format") != FORMAT or not meta.get("facts_json"):
            continue
        try:
            f = CouncilFacts.from_json(str(meta["facts_json"]))
        except (ValueError, TypeError, KeyError):
            continue  # written by another version of the format: ignore rather than fail a question
        rank = (f.period, f.updated or 0, str(d.get("path", "")))
        if best is None or rank > best[0]:
            best = (rank, f, d)
    value = None
    if best is not None:
        _, f, d = best
        chunks: dict[str, Chunk] = {}
        for c in catalog.chunks(doc_id=d["doc_id"]):
            chunks.setdefault(str(c.meta.get("section_id", "")), c)
        value = LoadedFacts(f, d["doc_id"], str(d.get("path", "")), chunks)
    _CACHE[key] = (gen, value)
    return value


# --- names in questions -----------------------------------------------------------------------------------------
def _norm(s: str) -> str:
    s = normalise_for_match(s).replace("-", " ")
    s = re.sub(r"udvalg(?:et|ets|s|ene)?\b", "udvalg", s)
    return " " + " ".join(re.sub(r"[^\w\s]", " ", s).split()) + " "


def _abbr_in(abbr: str, text: str) -> bool:
    flags = 0 if len(abbr) <= 2 else re.IGNORECASE  # "ØU" only in capitals, like the glossary
    return bool(abbr) and bool(re.search(rf"(?<!\w){re.escape(abbr)}(?:'?s)?(?!\w)", text, flags))


def find_committees(question: str, facts: CouncilFacts) -> list[Committee]:
    """Committees named in a question by name (with or without article/hyphens), abbreviation or alias."""
    q = _norm(question)
    return [
        c
        for c in facts.committees
        if _abbr_in(c.abbreviation, question) or any(_norm(n) in q for n in (c.name, *c.aliases))
    ]


def find_people(question: str, facts: CouncilFacts) -> list[str]:
    q = _norm(question)
    people = {p for c in facts.committees for p in c.members} | {facts.mayor.name} | {r.name for r in facts.roles}
    return sorted(p for p in people if _norm(re.sub(r"\s*\([^)]*\)\s*$", "", p)) in q)


def _parties_in(question: str, facts: CouncilFacts) -> list:
    """Parties named in a question (name, alias or letter); "Radikale Venstre" is not also "Venstre"."""
    q = _norm(question)
    named = [
        p
        for p in facts.parties
        if any(_norm(n) in q for n in (p.name, *p.aliases))
        or re.search(rf"(?<!\w)\(?{re.escape(p.letter)}\)?(?!\w)", question)
    ]
    return [p for p in named if not any(o is not p and _norm(p.name) in _norm(o.name) for o in named)]


def _pure(question: str, facts: CouncilFacts) -> bool:
    """True when every content word of the question is a role word or a name from the facts."""
    return not (content_tokens(question) - _allowed(facts))


@lru_cache(maxsize=8)
def _allowed(facts: CouncilFacts) -> frozenset[str]:
    names = [
        facts.municipality,
        facts.director,
        facts.mayor.name,
        *(r.name for r in facts.roles),
        *(r.area for r in facts.roles),
    ]
    for c in facts.committees:
        names += [c.name, c.abbreviation, *c.aliases, *c.members]
    for p in facts.parties:
        names += [p.name, p.letter, *p.aliases]
    return content_tokens(_ROLE_WORDS + " " + " ".join(names))


# --- answers ----------------------------------------------------------------------------------------------------
def answer(question: str, loaded: LoadedFacts) -> list[tuple[str, str]]:
    """Sentences answering a facts question, each with the section id it cites; [] when this is no facts question."""
    f, q = loaded.facts, question
    if not re.search(r"\b(hvem|hvilke|hvilket|hvilken|hvor\s+mange|hvordan)\b", q, re.IGNORECASE) or not _pure(q, f):
        return []
    committees = find_committees(q, f)
    if committees and (_CHAIR.search(q) or _DEPUTY.search(q)):
        out = []
        for c in committees:
            if _CHAIR.search(q):
                out.append((f"Formand for {c.label} er {c.chair}.", c.section_id))
            if _DEPUTY.search(q) and c.deputy_chair:
                out.append((f"Næstformand for {c.label} er {c.deputy_chair}.", c.section_id))
        return out
    if committees and _MEMBERS.search(q):
        return [
            (
                f"{c.label} har {len(c.members)} medlemmer: {_join(c.members)}. Formand er {c.chair}"
                + (f", næstformand er {c.deputy_chair}." if c.deputy_chair else "."),
                c.section_id,
            )
            for c in committees
        ]
    people = find_people(q, f)
    if people and re.search(r"\budvalg", q, re.IGNORECASE) and _MEMBERS.search(q):
        out = []
        for p in people:
            cs = [c for c in f.committees if p in c.members]
            out += [
                (
                    f"{p} er medlem af {c.label}"
                    + (" som formand" if p == c.chair else " som næstformand" if p == c.deputy_chair else "")
                    + ".",
                    c.section_id,
                )
                for c in cs
            ]
            if not cs:
                out.append((f"{p} sidder ikke i nogen af de udvalg, byrådsfakta nævner.", "byraadet"))
        return out
    if m := _MAYOR.search(q):
        if not m.group(1):
            return [(f"Borgmester i {f.municipality} er {f.mayor.name}.", "borgmester")]
        roles = [r for r in f.roles if r.section_id.startswith("viceborgmester")]
        low = q.lower()
        picked = [
            r
            for r in roles
            if any(r.title.startswith(n + ".") and any(w in low for w in ws) for n, ws in _ORDINAL.items())
        ] or roles
        return [(f"{r.title} er {r.name}.", r.section_id) for r in picked]
    if _ALDERMAN.search(q):
        roles = [r for r in f.roles if r.section_id.startswith("raadmand")]
        picked = [r for r in roles if content_tokens(r.area) & content_tokens(q)] or roles
        return [(f"{r.title}{' for ' + r.area if r.area else ''} er {r.name}.", r.section_id) for r in picked]
    if _DIRECTOR.search(q) and f.director:
        return [(f"Kommunaldirektør er {f.director}.", "byraadet")]
    if _PARTIES.search(q) and f.parties:
        named = _parties_in(q, f)
        if named:
            return [
                (
                    f"{p.name} ({p.letter}) har {p.seats} {'mandat' if p.seats == 1 else 'mandater'} i byrådet.",
                    "partier",
                )
                for p in named
            ]
        listing = ", ".join(f"{p.name} ({p.letter}) {p.seats}" for p in f.parties)
        return [
            (
                f"Byrådet har {f.seats} medlemmer fordelt på {len(f.parties)} partier: {listing} "
                f"{'mandat' if f.parties[-1].seats == 1 else 'mandater'}.",
                "partier",
            )
        ]
    return []


def _join(names) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " og " + names[-1]


def direct_answer(question: str, retriever: Any, user: Any) -> DirectAnswer | None:
    """A cited answer from the council facts, or None (not a facts question, no facts ingested, or not visible)."""
    if not hasattr(retriever, "access_for"):
        return None
    loaded = load_facts(getattr(retriever, "index", None))
    if loaded is None:
        return None
    got = answer(question, loaded)
    if not got:
        return None
    flt = Filter(access=retriever.access_for(user))
    hits: list[Hit] = []
    keys: dict[str, int] = {}
    sentences = []
    for text, sid in got:
        c = loaded.chunks.get(sid)
        if c is None or not flt.matches(c.meta):
            return None
        if sid not in keys:
            hits.append(Hit(chunk=c, score=0.0, rank=len(hits) + 1))
            keys[sid] = len(hits)
        sentences.append(f"{text[:-1]} [{keys[sid]}].")
    text = " ".join(sentences)
    f = loaded.facts
    note = f"Svaret bygger på byrådsfakta ({loaded.path}) for valgperioden {f.period}" + (
        f", senest opdateret {format_date(f.updated)}." if f.updated else "."
    )
    if getattr(retriever, "audit", None) is not None:
        retriever.audit.record(
            getattr(user, "name", "anonym"), question, [h.chunk.chunk_id for h in hits], refused=False
        )
    return DirectAnswer(text, tuple(hits), list(range(1, len(hits) + 1)), [note], [text], "byrådsfakta")


# --- query expansion --------------------------------------------------------------------------------------------
def glossary_terms(facts: CouncilFacts) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(abbreviations, aliases) of the committees: abbreviations expand both ways, aliases only to the name."""
    abbr = {c.abbreviation: [c.name] for c in facts.committees if c.abbreviation}
    aliases = {a: [c.name] for c in facts.committees for a in c.aliases}
    return abbr, aliases


class FactsGlossary:
    """A glossary that adds the committees of the ingested council facts to a base glossary, refreshed when the
    index changes. Stands in for `Retriever.glossary` (same interface)."""

    def __init__(self, base: Any, index: Any) -> None:
        self.base, self.index = base, index
        self._gen: int | None = None
        self._current = base

    def current(self) -> Any:
        catalog = getattr(self.index, "catalog", None)
        gen = catalog.generation() if catalog is not None else 0
        if gen != self._gen:
            loaded = load_facts(self.index)
            g = self.base
            if loaded is not None and hasattr(g, "extended"):
                abbr, aliases = glossary_terms(loaded.facts)
                g = g.extended(abbr, aliases)
            self._current, self._gen = g, gen
        return self._current

    def expansions(self, text: str) -> list[str]:
        return self.current().expansions(text)

    def __getattr__(self, name: str) -> Any:  # elections, abbreviations, most_recent_election, …
        if name.startswith("_") or name in ("base", "index"):
            raise AttributeError(name)
        return getattr(self.current(), name)

"""When does a retrieved passage count as a hit? The evidence-matching rule of the evaluation.

A test case's evidence is a verbatim passage of the source file (several joined with " ||| "). The
index holds *repaired* text (de-hyphenated, page furniture removed, re-flowed), so a plain substring
test would miss good hits. The rule:

1. Both sides are put in matching form with ``byraad.text.normalise_for_match`` (NFKC, ASCII
   quotes and dashes, casefolded, words split over a line end joined, whitespace collapsed).
   A chunk is matched in two forms: its ``text`` (repaired) and its ``source_text`` (the raw
   passage as it stands in the source, from the catalog). A hit in either form counts.
2. **Substring**: the normalised evidence occurs in the normalised chunk → hit.
3. **Shingles** (evidence of ≥ 5 words): words are runs of letters, or numbers with their inner separators
   ("7,9", "17.00"; other punctuation ignored);
   a hit when ≥ 80 % of the evidence's word 5-grams occur in the chunk. This accepts evidence that
   straddles a chunk boundary (the chunk holds most of it, the overlap the rest) and small
   differences such as a removed page number or header inside the evidence.
4. **Short evidence** (< 5 words): all its words must occur in the chunk, contiguous and in order
   (a word-level substring, so punctuation and spacing do not matter).

A case with several evidences is hit by a chunk that matches *any* of them; its recall@k is the
share of its evidences matched by at least one chunk in the top k.

``rule="external"`` is instead the rule of the external development set (``../shared/eval/README.md``): both
texts lowercased, words split by a hyphen at a line break joined, every run of non-word characters reduced to one
space; a hit when the evidence is a substring of the passage or ≥ 80 % of its word tokens occur in the passage
(a bag-of-words test, looser than the shingles above). Select it with ``[eval] matching = "external"``; results on
that set are reported with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Sequence

from byraad.text import normalise_for_match

SHINGLE = 5  # words per shingle
COVERAGE = 0.80  # share of evidence shingles a chunk must contain
EXTERNAL_TOKENS = 0.80  # external rule: share of the evidence's word tokens the passage must contain
RULES = ("project", "external")
EVIDENCE_SEP = " ||| "
_WORD = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+")


def words(norm: str) -> tuple[str, ...]:
    """The words of a normalised text: letter runs and numbers ("7,9" stays one word); punctuation dropped."""
    return tuple(_WORD.findall(norm))


def shingles(ws: Sequence[str], n: int = SHINGLE) -> frozenset[tuple[str, ...]]:
    """The set of word n-grams of a word sequence (empty when shorter than n)."""
    return frozenset(tuple(ws[i : i + n]) for i in range(len(ws) - n + 1))


@dataclass(frozen=True)
class Evidence:
    """One evidence passage in matching form."""

    raw: str
    norm: str
    words: tuple[str, ...]
    shingles: frozenset[tuple[str, ...]]


@dataclass(frozen=True)
class Passage:
    """A chunk (or any text) prepared for matching: the normalised forms and their words/shingles."""

    norms: tuple[str, ...]
    words: tuple[tuple[str, ...], ...]
    shingles: tuple[frozenset[tuple[str, ...]], ...]
    raws: tuple[str, ...] = ()  # the texts as given (for the external rule)


def prepare_evidence(text: str) -> Evidence:
    norm = normalise_for_match(text)
    ws = words(norm)
    return Evidence(text, norm, ws, shingles(ws))


def split_evidence(evidence: str) -> list[Evidence]:
    """The parts of a " ||| "-joined evidence string, prepared (empty parts dropped)."""
    return [prepare_evidence(p) for p in evidence.split(EVIDENCE_SEP) if p.strip()]


@lru_cache(maxsize=65536)
def prepare_passage(*texts: str) -> Passage:
    """Prepare the forms of one passage (e.g. repaired text and source text); cached by content."""
    norms = tuple(dict.fromkeys(normalise_for_match(t) for t in texts if t and t.strip()))
    ws = tuple(words(n) for n in norms)
    raws = tuple(dict.fromkeys(t for t in texts if t and t.strip()))
    return Passage(norms, ws, tuple(shingles(w) for w in ws), raws)


def _contains_words(hay: Sequence[str], needle: Sequence[str]) -> bool:
    n = len(needle)
    if n == 0:
        return False
    first = needle[0]
    return any(hay[i] == first and tuple(hay[i : i + n]) == tuple(needle) for i in range(len(hay) - n + 1))


def coverage(ev: Evidence, passage: Passage) -> float:
    """The best share of the evidence found in any form of the passage (1.0 for a substring hit)."""
    if not ev.norm:
        return 0.0
    best = 0.0
    for norm, ws, sh in zip(passage.norms, passage.words, passage.shingles):
        if ev.norm in norm:
            return 1.0
        if len(ev.words) < SHINGLE:
            if _contains_words(ws, ev.words):
                return 1.0
        elif ev.shingles:
            best = max(best, len(ev.shingles & sh) / len(ev.shingles))
    return best


def external_norm(text: str) -> str:
    """The external set's normalisation: lowercase, line-break hyphens joined, non-word runs → one space."""
    text = text.lower()
    text = re.sub(r"(\w)-[ \t]*\r?\n[ \t]*(\w)", r"\1\2", text)
    return re.sub(r"\W+", " ", text).strip()


@lru_cache(maxsize=65536)
def _external_form(text: str) -> tuple[str, frozenset[str]]:
    norm = external_norm(text)
    return norm, frozenset(norm.split())


def external_contains(passage: str, part: str) -> bool:
    """The external set's rule: the part is a substring of the passage, or ≥ 80 % of its tokens occur in it."""
    p, ptoks = _external_form(passage)
    e, _ = _external_form(part)
    if e and e in p:
        return True
    tokens = e.split()
    return bool(tokens) and sum(t in ptoks for t in tokens) / len(tokens) >= EXTERNAL_TOKENS


def matches(ev: Evidence, passage: Passage, rule: str = "project") -> bool:
    """True when the passage contains the evidence by the rule in the module docstring."""
    if rule == "external":
        return any(external_contains(t, ev.raw) for t in passage.raws)
    return coverage(ev, passage) >= COVERAGE


def matched_parts(evs: Sequence[Evidence], passage: Passage, rule: str = "project") -> set[int]:
    """Indices of the evidences the passage matches."""
    return {i for i, ev in enumerate(evs) if matches(ev, passage, rule)}


def text_matches(evidence: str, *texts: str) -> bool:
    """Convenience: does any form in `texts` match any part of the evidence string?"""
    p = prepare_passage(*texts)
    return any(matches(ev, p) for ev in split_evidence(evidence))


def contains_phrase(text: str, phrase: str) -> bool:
    """True when the phrase's words occur contiguously in the text ("9 mio. kr." is not in "7,9 mio. kr.")."""
    return _contains_words(words(normalise_for_match(text)), words(normalise_for_match(phrase)))


def shared_shingles(text: str, pool: frozenset[tuple[str, ...]] | set) -> int:
    """How many word 5-grams of `text` occur in `pool` (used for leak checks on answer text)."""
    return len(shingles(words(normalise_for_match(text))) & pool)


def passage_shingles(texts: Iterable[str]) -> set[tuple[str, ...]]:
    """The union of word 5-grams of several texts."""
    out: set[tuple[str, ...]] = set()
    for t in texts:
        if t:
            out |= shingles(words(normalise_for_match(t)))
    return out

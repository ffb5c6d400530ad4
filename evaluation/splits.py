"""Tuning and checking halves of a test set, split BY DOCUMENT, so a weight or threshold chosen on one half is
checked on documents it never saw (issue 12, part 5).

Rule (deterministic, no look at the questions): the documents (a case's first source file) are taken in order of
how many cases they have, most first (ties by name), and each goes to the half that has fewer cases so far (ties
to "tune"). Cases without a source file (unanswerable) are in neither half.

Shared-corpus set: tune = bilagsmateriale + mangfoldighedsudvalget (80 cases with evidence), check =
Aarhuskompasset + both rådmandsmøde files (78). The external set is never split: it is a check set only.
"""

from __future__ import annotations

from collections import Counter
from typing import Iterable

from evaluation.dataset import EvalCase, source_files

HALVES = ("tune", "check")


def document_halves(cases: Iterable[EvalCase]) -> dict[str, str]:
    """{document: "tune" | "check"} for the documents of the cases that have evidence."""
    count = Counter(source_files(c)[0] for c in cases if c.evidence and source_files(c))
    sizes = {"tune": 0, "check": 0}
    out: dict[str, str] = {}
    for doc, n in sorted(count.items(), key=lambda t: (-t[1], t[0])):
        half = "tune" if sizes["tune"] <= sizes["check"] else "check"
        out[doc] = half
        sizes[half] += n
    return out


def half_of(case_source: str, halves: dict[str, str]) -> str | None:
    """The half of a case given its source_file field (None when it has none / is not in the split)."""
    first = case_source.split(" ||| ")[0].strip()
    return halves.get(first)

"""Citation markers: parse [n], [n, m], [n-m]; drop numbers outside 1..k; verify that every cited passage supports
the sentence citing it; build `Citation`s.

Support is a normalised token overlap (Danish stems, stop words dropped) between a sentence and the passages it cites,
plus a hard rule that every number in the sentence occurs in those passages (amounts and dates are where a model
invents most). Sentences of a passage that read as orders to the assistant (prompt injection) never count as support.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Mapping, Sequence

from assistant.prompts import REFUSAL, looks_like_instruction, page_label
from byraad.dates import MONTH_NAMES, MONTHS
from byraad.text import normalise_for_match
from byraad.types import Citation, Hit

MARKER_RE = re.compile(r"\[\s*(\d+(?:\s*[-–,]\s*\d+)*)\s*\]")
MIN_SUPPORT = 0.5  # share of a sentence's content words found in the passages it cites
MIN_UNCITED_WORDS = 4  # an uncited sentence this long must at least be supported by some passage
_ABBREV = {
    "ca",
    "jf",
    "fx",
    "f.eks",
    "eks",
    "bl.a",
    "nr",
    "pkt",
    "stk",
    "evt",
    "inkl",
    "ekskl",
    "vedr",
    "dvs",
    "kl",
    "hhv",
    "mht",
    "ift",
    "pga",
    "tlf",
    "adm",
    "ang",
    "mv",
    "m.v",
    "matr",
    "jvf",
    "iflg",
    "ifm",
    "sml",
    "st",
    "p",
    "d",  # "d. 20. december" (den)
}
# A month's short form (byraad.dates: "jan", "sept", …) before a day or year ("1. jan. 2027", "dec. 2025") ends no
# sentence; before anything else it may ("… til jul. Derefter …").
_MONTH_ABBREV = frozenset(MONTHS) - frozenset(MONTH_NAMES)
_SPLIT_RE = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(]?[A-ZÆØÅ0-9\[])")
_NUM_RE = re.compile(r"\d+(?:[.,]\d+)*")
_REFUSAL_NORM = " ".join(REFUSAL.lower().rstrip(".").split())


def keys_in(text: str) -> list[int]:
    """All citation numbers in a text, in order, ranges expanded ([2-4] → 2, 3, 4)."""
    out: list[int] = []
    for m in MARKER_RE.finditer(text):
        out.extend(_expand(m.group(1)))
    return out


def numbering(text: str, keys: Sequence[int], n_hits: int) -> dict[int, int]:
    """Old citation number → new, numbered 1, 2, 3 … in order of first use in the text, then the keys not used (only
    keys 1 … n_hits: numbers of passages that exist)."""
    keys = [k for k in keys if 1 <= k <= n_hits]
    order: list[int] = []
    for k in keys_in(text):
        if k in keys and k not in order:
            order.append(k)
    order += [k for k in keys if k not in order]
    return {old: i for i, old in enumerate(order, 1)}


def apply_numbering(text: str, new: Mapping[int, int]) -> str:
    """The markers of a text rewritten with a numbering ([2, 4] → [1, 3]; ranges expanded); other numbers kept."""

    def fix(m: re.Match) -> str:
        nums = list(dict.fromkeys(new.get(k, k) for k in _expand(m.group(1))))
        return "[" + ", ".join(map(str, nums)) + "]"

    return MARKER_RE.sub(fix, text) if new and any(a != b for a, b in new.items()) else text


def renumber(
    text: str, keys: Sequence[int], hits: Sequence[Hit], notes: Sequence[str] = ()
) -> tuple[str, list[int], list[Hit], list[str]]:
    """Markers numbered 1, 2, 3 … in order of first use (no gaps), the hits reordered to match (cited ones first, the
    rest in their order; each keeps its retrieval rank) and the notes' markers rewritten too."""
    new = numbering(text, keys, len(hits))
    by_new = sorted(new, key=new.get)
    rest = [h for i, h in enumerate(hits, 1) if i not in new]
    return (
        apply_numbering(text, new),
        list(range(1, len(by_new) + 1)),
        [hits[k - 1] for k in by_new] + rest,
        [apply_numbering(n, new) for n in notes],
    )


def _expand(body: str) -> list[int]:
    nums: list[int] = []
    for part in re.split(r"\s*,\s*", body.strip()):
        m = re.fullmatch(r"(\d+)\s*[-–]\s*(\d+)", part)
        if m:
            lo, hi = int(m.group(1)), int(m.group(2))
            nums.extend(range(lo, hi + 1) if 0 <= hi - lo < 50 else (lo, hi))
        elif part.isdigit():
            nums.append(int(part))
    return nums


def clean_markers(text: str, k: int) -> tuple[str, list[int]]:
    """Rewrite markers to keep only numbers in 1..k (a marker with none left is removed); also return the dropped."""
    dropped: list[int] = []

    def fix(m: re.Match) -> str:
        keep = []
        for n in _expand(m.group(1)):
            if 1 <= n <= k:
                if n not in keep:
                    keep.append(n)
            else:
                dropped.append(n)
        return f"[{', '.join(map(str, keep))}]" if keep else ""

    out = MARKER_RE.sub(fix, text)
    out = re.sub(r"[ \t]+([.,;:!?])", r"\1", re.sub(r"[ \t]{2,}", " ", out))
    return out.strip(), dropped


def split_sentences(text: str) -> list[str]:
    """Sentences of Danish text: lines, then sentence ends not after abbreviations; markers stay with their sentence."""
    return list(_split_sentences(text))


@lru_cache(maxsize=8192)
def _split_sentences(text: str) -> tuple[str, ...]:
    """split_sentences, kept per text: the answerer splits the same retrieved chunks for every question that finds
    them (a pure function of the text; with looks_like_instruction kept too, about 2.5 ms less CPU an answer of ~70)."""
    out: list[str] = []
    # A line break inside a sentence (a line not ending a sentence, the next starting lowercase) is no boundary.
    text = re.sub(r"(?<![.!?:;])[ \t]*\n[ \t]*(?=[a-zæøå])", " ", text)
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            continue
        parts = _SPLIT_RE.split(line)
        buf = ""
        for i, p in enumerate(parts):
            buf = f"{buf} {p}" if buf else p
            last = re.findall(r"([\wæøå.]+)\.$", buf.rstrip("\"')]"))
            word = last[-1].lower().rstrip(".") if last else ""
            if word in _ABBREV or word.rsplit(".", 1)[-1] in _ABBREV:
                continue  # "jf. Byrådets …", "matr.nr. 12ab …" are one sentence each
            if word in _MONTH_ABBREV and i + 1 < len(parts) and parts[i + 1][:1].isdigit():
                continue  # "senest 1. jan. 2027 …" is one sentence
            out.append(buf)
            buf = ""
        if buf:
            out.append(buf)
    # A marker that opens a sentence belongs to the previous one ("… udsat. [2] Næste …").
    fixed: list[str] = []
    for s in out:
        m = re.match(r"^((?:\[[\d\s,\-–]+\]\s*)+)(.*)$", s)
        if m and fixed:
            rest = m.group(2).strip()
            if re.fullmatch(r"[.!?,;:]*", rest):  # "… kr. [1]." — the marker and its full stop
                fixed[-1] = f"{fixed[-1]} {m.group(1).strip()}{rest}"
                continue
            fixed[-1] = f"{fixed[-1]} {m.group(1).strip()}"
            s = rest
        fixed.append(s)
    return tuple(fixed)


@lru_cache(maxsize=20000)
def content_tokens(text: str) -> frozenset[str]:
    """Stemmed content words of a text (markers removed), for overlap checks."""
    from vectorstore.bm25 import tokenize

    return frozenset(tokenize(normalise_for_match(MARKER_RE.sub(" ", text))))


def numbers(text: str) -> set[str]:
    """Numbers written in a text, normalised ("5,1" and "5.1" alike; "2.150" → "2150")."""
    out = set()
    for n in _NUM_RE.findall(MARKER_RE.sub(" ", text)):
        out.add(n.replace(",", "."))
        out.add(n.replace(".", "").replace(",", ""))
    return out


@lru_cache(maxsize=4096)
def _evidence(embed_text: str) -> tuple[frozenset[str], frozenset[str]]:
    """Tokens and numbers of a passage (header included), with instruction-like sentences removed."""
    kept = " ".join(s for s in split_sentences(embed_text) if not looks_like_instruction(s))
    return content_tokens(kept), frozenset(numbers(kept))


def support(sentence: str, hits: Sequence[Hit]) -> float:
    """How well some passages support a sentence: 0..1 token overlap, 0 when a number is not in them."""
    toks = content_tokens(sentence)
    ev_toks: set[str] = set()
    ev_nums: set[str] = set()
    for h in hits:
        t, n = _evidence(h.chunk.embed_text)
        ev_toks |= t
        ev_nums |= n
    nums = {n for n in _NUM_RE.findall(MARKER_RE.sub(" ", sentence))}
    for n in nums:
        if n.replace(",", ".") not in ev_nums and n.replace(".", "").replace(",", "") not in ev_nums:
            return 0.0
    if not toks:
        return 1.0
    return len(toks & ev_toks) / len(toks)


def is_refusal(text: str) -> bool:
    """True when a reply is, or contains, the refusal (a refusal mixed into an answer is still a refusal)."""
    norm = " ".join(re.sub(r"[^\wæøå ]", " ", text.lower()).split())
    return _REFUSAL_NORM in norm or not norm


@dataclass
class Checked:
    """The outcome of checking a generated answer against its sources."""

    ok: bool
    text: str
    keys: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    reason: str = ""


def check_answer(text: str, hits: Sequence[Hit], allow_questions: bool = False) -> Checked:
    """Clean the markers of a generated answer and verify every sentence against the passages it cites."""
    if is_refusal(text):
        return Checked(False, REFUSAL, reason="refusal")
    cleaned, dropped = clean_markers(text, len(hits))
    notes = (
        [f"Fjernet henvisning til kilde(r), der ikke findes: {', '.join(map(str, sorted(set(dropped))))}."]
        if dropped
        else []
    )
    used: list[int] = []
    for s in split_sentences(cleaned):
        keys = keys_in(s)
        body = MARKER_RE.sub("", s).strip()
        if not keys:
            if body.endswith(":") or (allow_questions and body.endswith("?")) or len(content_tokens(body)) == 0:
                continue
            if len(content_tokens(body)) >= MIN_UNCITED_WORDS and support(body, hits) < MIN_SUPPORT:
                return Checked(False, REFUSAL, reason=f"uden støtte i kilderne: {body[:80]}")
            notes.append(f'Sætning uden kildehenvisning: "{body[:120]}"')
            continue
        if support(body, [hits[k - 1] for k in keys]) < MIN_SUPPORT:
            return Checked(False, REFUSAL, reason=f"kilde {keys} støtter ikke: {body[:80]}")
        used.extend(k for k in keys if k not in used)
    if not used:
        return Checked(False, REFUSAL, reason="ingen gyldige kildehenvisninger")
    return Checked(True, cleaned, used, notes)


def best_sentences(text: str, against: str, n: int = 2) -> str:
    """The n sentences of a passage that overlap most with some text, in passage order."""
    sents = split_sentences(text)
    if len(sents) <= n:
        return " ".join(sents)
    target = content_tokens(against)
    ranked = sorted(range(len(sents)), key=lambda i: -len(content_tokens(sents[i]) & target))[:n]
    return " ".join(sents[i] for i in sorted(ranked))


def make_citation(key: int, hit: Hit, index=None, citing: str = "", max_quote: int = 600) -> Citation:
    """The Citation for [key]: document, meeting, item, pages and the quoted passage."""
    c, m = hit.chunk, hit.chunk.meta
    quote = c.text if len(c.text) <= max_quote or not citing else best_sentences(c.text, citing)
    src = ""
    if index is not None:
        try:
            src = index.source_text(c.chunk_id) or ""
        except Exception:  # the catalog is optional for a citation; never fail an answer over it
            src = ""
    date = m.get("meeting_date")
    return Citation(
        key=key,
        chunk_id=c.chunk_id,
        title=str(m.get("title", "")),
        path=str(m.get("path", "")),
        pages=page_label(m),
        quote=quote,
        source_text=src,
        body=str(m.get("body", "")),
        meeting_date=int(date) if isinstance(date, int) else None,
        item_no=str(m.get("item_no", "")),
        item_title=str(m.get("item_title", "")),
        kind=str(m.get("kind", "")),
        ocr=bool(m.get("ocr", False)),
        case_number=str(m.get("case_number", "")),
    )


def citations_for(text: str, keys: Sequence[int], hits: Sequence[Hit], index=None) -> tuple[Citation, ...]:
    """One Citation per distinct key used in the text, quoting what the citing sentences need."""
    by_key: dict[int, list[str]] = {}
    for s in split_sentences(text):
        for k in keys_in(s):
            by_key.setdefault(k, []).append(s)
    return tuple(make_citation(k, hits[k - 1], index, " ".join(by_key.get(k, []))) for k in keys if 1 <= k <= len(hits))

"""Metrics of one evaluation run: per-case scores and their aggregation per system and per kind.

Retrieval (cases with evidence, i.e. not ``unanswerable``/``closed-leak``): recall@1/3/5/10 = share of the case's
evidences matched (see evaluation.matching) by a chunk in the top k; MRR = 1/rank of the first matching chunk;
nDCG@10 with binary relevance (a chunk is relevant when it matches any evidence), ideal DCG over
R = min(10, max(#evidences, #relevant chunks retrieved)) relevant chunks, so the value stays in [0, 1].

Answers:
- **correctness** (answerable cases; a refusal counts as wrong): every number of the gold answer occurs in the
  answer exactly, as often as in the gold answer (after removing thousands separators; "17.00" ≠ "17"), and ≥ 60 %
  of the gold answer's other content words (Danish stop words dropped, Snowball-stemmed) occur in the answer. Citation markers are ignored.
- **citation precision** (citations of non-refused answers to cases with evidence, micro-averaged): a citation is
  supported when its passage matches the case evidence; for LLM answers also when the answer sentences carrying
  that [n] have ≥ 60 % of their content words in the passage (overlap judgement).
- **refusal accuracy**: share of ``unanswerable`` cases declined: refused, or answered with an explicit statement
  that the material does not say what was asked ("Materialet nævner, at …, men ikke …", "fremgår ikke"; see
  ``declines``); **false-refusal rate**: share of answerable cases refused (a refusal proper); **hedge rate**: share of
  answerable cases that are not refused but say that part of the question is not in the material.
- **partial** (``partial`` cases: the material answers only part of the question): correct when the answer is not
  refused, gives the supported part (``answer_correct`` on the gold answer's part before its first ";") and names
  the missing part: a not-stated statement (``declines``) whose clause shares a content word or number with the
  gold's missing part or with the question.
- **leaks**: cases where a hit or citation comes from a chunk the probing user may not see, or the answer text
  shares ≥ LEAK_SHINGLES word 5-grams with text that only non-permitted chunks contain.
- **all_parts_at_10**: cases with ≥ 2 evidence parts whose parts are all in the top 10 (two-passage questions).
- **latency**: p50/p95 of retrieval and answer time (ms).
- **faithfulness** (optional, LLM judge): share of non-refused answers the judge calls fully supported.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from functools import lru_cache
from typing import Any, Iterable, Mapping, Sequence

from byraad.text import normalise_for_match
from evaluation.matching import Evidence, Passage, matched_parts

KS = (1, 3, 5, 10)
TOKEN_RECALL = 0.6
LEAK_SHINGLES = 3  # 7 consecutive words that only closed chunks contain
NO_EVIDENCE_KINDS = ("unanswerable", "closed-leak")
_CITE = re.compile(r"\[\d+(?:\s*,\s*\d+)*\]")
_NUM = re.compile(r"\d+(?:[.,]\d+)*")
_WORD = re.compile(r"[^\W\d_]{2,}")


def is_answerable(kind: str) -> bool:
    return kind not in NO_EVIDENCE_KINDS


# --------------------------------------------------------------------------- retrieval


def retrieval_scores(
    evs: Sequence[Evidence], passages: Sequence[Passage], ks: Sequence[int] = KS, rule: str = "project"
) -> dict[str, Any]:
    """recall@k, reciprocal rank, nDCG@10 and per-rank matches of a ranked list of passages (matching `rule`)."""
    per_rank = [sorted(matched_parts(evs, p, rule)) for p in passages]
    n = max(len(evs), 1)
    recall = {}
    for k in ks:
        found: set[int] = set()
        for r in per_rank[:k]:
            found.update(r)
        recall[str(k)] = len(found) / n
    first = next((i + 1 for i, r in enumerate(per_rank) if r), None)
    rel = [1 if r else 0 for r in per_rank[:10]]
    dcg = sum(x / math.log2(i + 2) for i, x in enumerate(rel))
    ideal = min(10, max(len(evs), sum(rel)))
    idcg = sum(1 / math.log2(i + 2) for i in range(ideal))
    return {
        "recall": recall,
        "rr": 1 / first if first else 0.0,
        "ndcg10": dcg / idcg if idcg else 0.0,
        "first_hit": first,
        "matches": per_rank,
    }


# --------------------------------------------------------------------------- answers


@lru_cache(maxsize=1)
def _stop() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_DANISH

    return frozenset(STOPWORDS_DANISH)


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("danish")


def _canon_number(tok: str) -> str:
    """'1.200.000' → '1200000'; '3,5' → '3.5'; '17.00' stays (a time or decimal, not thousands)."""
    tok = re.sub(r"[.,](?=\d{3}(?:\D|$))", "", tok)
    return tok.replace(",", ".")


def numbers(text: str) -> Counter[str]:
    """The numbers of a text with their counts (canonical form)."""
    return Counter(_canon_number(m) for m in _NUM.findall(normalise_for_match(text)))


def content_words(text: str) -> list[str]:
    """Stemmed content words (no stop words, no numbers, ≥ 2 letters)."""
    ws = [w for w in _WORD.findall(normalise_for_match(_CITE.sub(" ", text))) if w not in _stop()]
    return _stemmer().stemWords(ws) if ws else []


def token_recall(gold: str, answer: str) -> float:
    """Share of the gold text's content words found in the answer (1.0 when gold has none)."""
    g = set(content_words(gold))
    if not g:
        return 1.0
    return len(g & set(content_words(answer))) / len(g)


def answer_correct(gold: str, answer: str) -> tuple[bool, float]:
    """(correct, token recall): all gold numbers present exactly and content-word recall ≥ TOKEN_RECALL."""
    answer = _CITE.sub(" ", answer)
    rec = token_recall(gold, answer)
    nums_ok = not (numbers(gold) - numbers(answer))  # every gold number, as often as in the gold
    return nums_ok and rec >= TOKEN_RECALL, rec


# How an answer says that the material does not state something (ours: "…, men ikke …"; an LLM: "fremgår ikke" etc.).
NOT_STATED_RE = re.compile(
    r"\b(?:men ikke|fremgår ikke|står ikke|nævner ikke|nævnes ikke|oplyses ikke|oplyser ikke|siger ikke|"
    r"ikke (?:angivet|oplyst|nævnt|anført|beskrevet)|indeholder ikke|ikke (?:med )?i materialet)\b",
    re.I,
)
_GENERIC = frozenset(
    (
        "materialet",
        "material",
        "fremgår",
        "står",
        "oplys",
        "angiv",
        "nævn",
        "nævnt",
        "kild",
        "ikk",
        "selv",
        "dog",
        "kun",
    )
)


def declines(answer: str) -> bool:
    """True when the answer says that the material does not state (part of) what was asked."""
    return bool(NOT_STATED_RE.search(_CITE.sub(" ", answer)))


def _split_gold(gold: str) -> tuple[str, str]:
    """A partial case's gold answer: (the supported part, the part saying what is missing)."""
    head, sep, tail = gold.partition(";")
    return (head, tail) if sep else (gold, "")


def partial_correct(question: str, gold: str, answer: str) -> bool:
    """A partial answer: the supported part given and the missing part named (see the module docstring)."""
    supported, missing = _split_gold(gold)
    return answer_correct(supported, answer)[0] and names_missing(question, missing, answer)


def names_missing(question: str, missing: str, answer: str) -> bool:
    """Whether the answer says that the material does not state something, in a clause naming a word or number of
    the missing part (or of the question)."""
    text = _CITE.sub(" ", answer)
    for m in NOT_STATED_RE.finditer(text):
        clause = re.split(r"(?<=[.!?])\s", text[m.start() :], maxsplit=1)[0]
        words = set(content_words(clause)) - _GENERIC
        want = (set(content_words(missing)) | set(content_words(question))) - _GENERIC
        if words & want or (set(numbers(clause)) & (set(numbers(missing)) | set(numbers(question)))):
            return True
    return False


def cited_sentences(answer: str, key: int) -> str:
    """The sentences/lines of an answer that carry the marker [key] (alone or in a list like [1, 2])."""
    parts = re.split(r"(?<=[.!?])\s+|\n+", answer)
    out = [p for p in parts if any(str(key) == k.strip() for m in _CITE.findall(p) for k in m[1:-1].split(","))]
    return " ".join(out)


def citation_supported(
    evs: Sequence[Evidence], passage: Passage, answer: str, key: int, judge_overlap: bool, rule: str = "project"
) -> bool:
    """A cited passage supports the answer when it matches the case evidence, or (LLM answers) by overlap."""
    if evs and matched_parts(evs, passage, rule):
        return True
    if judge_overlap:
        claim = cited_sentences(answer, key)
        if claim.strip():
            return token_recall(claim, " ".join(passage.norms)) >= TOKEN_RECALL
    return False


# --------------------------------------------------------------------------- faithfulness (LLM judge)

JUDGE_SYSTEM = (
    "Du er en streng bedømmer. Du får nogle kildeuddrag og et svar. Svar kun JA, hvis hver påstand i "
    "svaret støttes af uddragene; ellers NEJ. Skriv kun JA eller NEJ."
)


def judge_prompt(question: str, answer: str, passages: Sequence[str]) -> str:
    ctx = "\n\n".join(f"[{i}] {p}" for i, p in enumerate(passages, start=1))
    return (
        f"Kildeuddrag:\n{ctx}\n\nSpørgsmål: {question}\n\nSvar:\n{answer}\n\nStøttes hele svaret af uddragene (JA/NEJ)?"
    )


def judge_faithful(llm: Any, question: str, answer: str, passages: Sequence[str]) -> bool | None:
    """Ask an LLM judge whether the answer is supported; None when the judge's reply is unusable."""
    try:
        reply = llm.complete(JUDGE_SYSTEM, judge_prompt(question, answer, passages))
    except Exception:  # a failing judge must not fail the evaluation; the metric is then missing
        return None
    head = reply.strip().upper()[:10]
    if head.startswith("JA") or head.startswith("YES"):
        return True
    if head.startswith("NEJ") or head.startswith("NO"):
        return False
    return None


# --------------------------------------------------------------------------- aggregation


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank-free linear percentile (q in 0..100); None for no values."""
    v = sorted(values)
    if not v:
        return None
    pos = (len(v) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return v[lo] + (v[hi] - v[lo]) * (pos - lo)


def _mean(xs: Iterable[float]) -> float | None:
    xs = list(xs)
    return sum(xs) / len(xs) if xs else None


def summarise(records: Sequence[Mapping[str, Any]], ks: Sequence[int] = KS) -> dict[str, Any]:
    """Aggregate per-case records of ONE system into the headline metrics (None = not measurable)."""
    retr = [r for r in records if r.get("scored_retrieval")]
    answerable = [r for r in records if is_answerable(r["kind"]) and r.get("answer") is not None]
    answerable = [r for r in answerable if r["kind"] != "partial"]
    unans = [r for r in records if r["kind"] == "unanswerable" and r.get("answer") is not None]
    partial = [r for r in records if r["kind"] == "partial" and r.get("answer") is not None]
    cits = [
        c["supported"]
        for r in answerable + partial
        if not r["refused"] and r["evidence_count"]
        for c in r.get("citations", ())
    ]
    faith = [r["faithful"] for r in records if r.get("faithful") is not None]
    out: dict[str, Any] = {"cases": len(records)}
    for k in ks:
        out[f"recall_at_{k}"] = _mean(r["recall"][str(k)] for r in retr)
    out["mrr"] = _mean(r["rr"] for r in retr)
    # Questions that need two (or more) passages: all of them in the top 10.
    out["all_parts_at_10"] = _mean(
        1.0 if r["recall"]["10"] >= 1.0 else 0.0
        for r in retr
        if r.get("evidence_count", 0) >= 2 and "10" in r["recall"]
    )
    out["ndcg_at_10"] = _mean(r["ndcg10"] for r in retr)
    out["answer_correctness"] = _mean(1.0 if r["correct"] else 0.0 for r in answerable)
    out["citation_precision"] = _mean(1.0 if c else 0.0 for c in cits)
    out["refusal_accuracy"] = _mean(1.0 if r["refused"] or declines(r["answer"] or "") else 0.0 for r in unans)
    out["false_refusal_rate"] = _mean(1.0 if r["refused"] else 0.0 for r in answerable)
    out["hedge_rate"] = _mean(1.0 if not r["refused"] and declines(r["answer"] or "") else 0.0 for r in answerable)
    out["partial_accuracy"] = _mean(1.0 if r["correct"] else 0.0 for r in partial)
    out["leaks"] = sum(1 for r in records if r.get("leak"))
    out["errors"] = sum(1 for r in records if r.get("error"))
    out["faithfulness"] = _mean(1.0 if f else 0.0 for f in faith)
    for name in ("retrieve", "answer"):
        ts = [r[f"t_{name}_ms"] for r in records if r.get(f"t_{name}_ms") is not None]
        out[f"latency_{name}_p50_ms"] = percentile(ts, 50)
        out[f"latency_{name}_p95_ms"] = percentile(ts, 95)
    return out


def per_kind(records: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """A small summary per case kind."""
    groups: dict[str, list] = defaultdict(list)
    for r in records:
        groups[r["kind"]].append(r)
    out = {}
    for kind, rs in sorted(groups.items()):
        s = summarise(rs)
        out[kind] = {
            k: s[k]
            for k in (
                "cases",
                "recall_at_5",
                "mrr",
                "answer_correctness",
                "refusal_accuracy",
                "false_refusal_rate",
                "leaks",
            )
        }
        out[kind]["refused"] = _mean(1.0 if r["refused"] else 0.0 for r in rs if r.get("answer") is not None)
    return out

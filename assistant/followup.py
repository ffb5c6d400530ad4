"""Follow-up questions: conversation history + new question → one standalone query for retrieval.

With an LLM: a Danish rewrite prompt (the reply is sanity-checked, the heuristic is the fallback). Without one: a
heuristic that detects a dependent question (pronouns such as "de", "det", "den sag", ellipsis such as "hvornår?",
"og i 2023?") and carries over the previous question's key terms and its time expression.
"""

from __future__ import annotations

import re
from typing import Sequence

from assistant.prompts import REFUSAL, REWRITE_SYSTEM, rewrite_prompt
from byraad.dates import MONTH_NAME_ALT

_ROLES = {"user", "human", "assistant", "ai", "bot"}
_ANAPHOR_RE = re.compile(
    r"\b(de|dem|deres|han|hun|ham|hende|sagen|punktet|forslaget|beslutningen|indstillingen|projektet|samme|"
    r"den sag|det punkt|det forslag|den beslutning|dette|disse|denne)\b", re.I)
_LEAD_RE = re.compile(r"^\s*(og|men|så|hvad så|hvad med|hvorfor ikke)\b", re.I)
_QWORDS = {"hvad", "hvem", "hvor", "hvornår", "hvordan", "hvorfor", "hvilken", "hvilke", "hvilket", "hvor mange",
           "meget", "mange", "er", "var", "blev", "bliver", "har", "havde", "kan", "skal", "vil", "der", "om", "så",
           "og", "i", "på", "til", "af", "for", "med", "de", "det", "den", "en", "et", "at", "sig", "noget",
           "besluttet", "besluttede", "beslutte", "vedtaget", "vedtog", "godkendt", "godkendte", "sagt", "står",
           "fremgår", "ved", "du", "jeg", "vi", "man", "os", "mig", "egentlig", "nu", "også", "ikke", "fra", "dem",
           "deres", "hos", "mellem", "efter", "før", "under", "over", "sket", "skete", "lige", "bare", "handler",
           "gælder", "sagen", "punktet", "hvis", "eller", "men", "end", "som", "sådan", "andet", "anden", "nogen"}
_DATE_RE = re.compile(
    rf"\b((?:i|fra|efter|før|inden|siden)\s+(?:(?:{MONTH_NAME_ALT})\s+)?(?:19|20)\d\d"
    r"|sidste år|i år|sidste måned|efter valget|før valget)\b", re.I)


def pairs(history: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """History as (question, answer) pairs; (role, text) messages are accepted too."""
    items = [tuple(h) for h in history if h]
    if items and all(str(r).lower() in _ROLES for r, _ in items):
        out: list[tuple[str, str]] = []
        for role, text in items:
            if str(role).lower() in ("user", "human"):
                out.append((str(text), ""))
            elif out:
                out[-1] = (out[-1][0], str(text))
        return out
    return [(str(q), str(a)) for q, a in items]


def key_terms(question: str) -> list[str]:
    """The content words of a question in their written form (names, abbreviations, nouns, numbers)."""
    words = re.findall(r"[\wæøåÆØÅ§][\wæøåÆØÅ\-/.]*[\wæøåÆØÅ]|\d+", question)
    return [w for w in words if w.lower() not in _QWORDS and (len(w) > 2 or w.isdigit() or w.isupper())
            and not _DATE_RE.fullmatch(w)]


def is_followup(question: str, previous: str) -> bool:
    """True when a question leans on the previous one (pronoun/ellipsis, or too few words of its own)."""
    own = key_terms(question)
    if not own or _LEAD_RE.match(question):
        return True
    return len(own) <= 2 and bool(_ANAPHOR_RE.search(question))


def heuristic_rewrite(question: str, history: Sequence[tuple[str, str]]) -> str:
    """Carry the previous question's key terms (and time expression) into a dependent question."""
    hist = pairs(history)
    if not hist:
        return question
    prev = next((q for q, _ in reversed(hist) if key_terms(q)), "")
    if not prev or not is_followup(question, prev):
        return question
    # The previous question may itself have been a follow-up: take terms back to the last standalone one.
    terms: list[str] = []
    date = ""
    for q, _ in reversed(hist):
        terms = list(dict.fromkeys(key_terms(q) + terms))
        m = _DATE_RE.search(q)
        date = date or (m.group(1) if m else "")
        if not is_followup(q, ""):
            break
    own = {w.lower() for w in key_terms(question)}
    # Years travel with their time expression (below), so a new "i 2024" is not contradicted by an old "2023".
    carry = [t for t in terms if t.lower() not in own and not re.fullmatch(r"(19|20)\d\d", t)][:8]
    if _DATE_RE.search(question):
        date = ""
    extra = " ".join(carry + ([date] if date else []))
    if not extra:
        return question
    core = question.strip().rstrip("?").strip()
    return f"{core} ({extra})?"


def standalone_query(question: str, history: Sequence[tuple[str, str]], llm=None) -> str:
    """The question rewritten to stand alone (unchanged without history)."""
    hist = pairs(history)
    if not hist:
        return question
    if llm is not None:
        try:
            out = llm.complete(REWRITE_SYSTEM, rewrite_prompt(hist, question)).strip()
        except Exception:       # a failing endpoint must not break the conversation: fall back
            out = ""
        out = out.splitlines()[0].strip().strip('"«»').strip() if out else ""
        out = re.sub(r"^(selvstændigt spørgsmål|spørgsmål)\s*:\s*", "", out, flags=re.I)
        if out and REFUSAL.lower().rstrip(".") not in out.lower() and 3 <= len(out) <= 300:
            return out
    return heuristic_rewrite(question, hist)

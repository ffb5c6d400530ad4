"""Follow-up questions: conversation history + new question → one standalone query for retrieval.

With an LLM: a Danish rewrite prompt (the reply is sanity-checked, the heuristic is the fallback). Without one: a
heuristic that detects a dependent question (pronouns such as "de", "det", "den sag", ellipsis such as "hvornår?",
"og i 2023?") and carries over the previous question's key terms and its time expression — and, when the previous
question names too little to carry ("Hvad besluttede byrådet om punkt 2?"), the names in the previous answer.

What was carried is the follow-up's subject ("det" in "Og hvad koster det?"): `anchor_terms` gives its words,
`about` the hits whose item or section is about it (the answerer takes a typed answer such as an amount from any of
them, not only from the top hit), and `grounded` tells whether an answer's cited sentences (or the items they stand
in) are about it, so a follow-up answered by a sentence about something else is refused rather than shown.
"""

from __future__ import annotations

import re
from typing import Sequence

from assistant.citations import MARKER_RE, content_tokens, keys_in, split_sentences
from assistant.extractive import topic_tokens
from assistant.prompts import REFUSAL, REWRITE_SYSTEM, rewrite_prompt
from byraad.dates import MONTH_NAME_ALT

_ROLES = {"user", "human", "assistant", "ai", "bot"}
_ANAPHOR_RE = re.compile(
    r"\b(de|dem|deres|han|hun|ham|hende|sagen|punktet|forslaget|beslutningen|indstillingen|projektet|samme|"
    r"den sag|det punkt|det forslag|den beslutning|dette|disse|denne)\b",
    re.I,
)
_LEAD_RE = re.compile(r"^\s*(og|men|så|hvad så|hvad med|hvorfor ikke)\b", re.I)
# "Hvad koster det?", "Hvordan finansieres den?": the pronoun as the question's last word stands for the subject of
# the conversation (session 11: without a leading "Og" such follow-ups were taken as questions of their own and
# answered from another document; benchmarks/followup_bench.py, docs/qa-session11.md).
_TAIL_PRONOUN_RE = re.compile(r"\b(det|den|dem)\s*[?.!]*\s*$", re.I)
_QWORDS = {
    "hvad",
    "hvem",
    "hvor",
    "hvornår",
    "hvordan",
    "hvorfor",
    "hvilken",
    "hvilke",
    "hvilket",
    "hvor mange",
    "meget",
    "mange",
    "er",
    "var",
    "blev",
    "bliver",
    "har",
    "havde",
    "kan",
    "skal",
    "vil",
    "der",
    "om",
    "så",
    "og",
    "i",
    "på",
    "til",
    "af",
    "for",
    "med",
    "de",
    "det",
    "den",
    "en",
    "et",
    "at",
    "sig",
    "noget",
    "besluttet",
    "besluttede",
    "beslutte",
    "vedtaget",
    "vedtog",
    "godkendt",
    "godkendte",
    "sagt",
    "står",
    "fremgår",
    "ved",
    "du",
    "jeg",
    "vi",
    "man",
    "os",
    "mig",
    "egentlig",
    "nu",
    "også",
    "ikke",
    "fra",
    "dem",
    "deres",
    "hos",
    "mellem",
    "efter",
    "før",
    "under",
    "over",
    "sket",
    "skete",
    "lige",
    "bare",
    "handler",
    "gælder",
    "sagen",
    "punktet",
    "hvis",
    "eller",
    "men",
    "end",
    "som",
    "sådan",
    "andet",
    "anden",
    "nogen",
}
_DATE_RE = re.compile(
    rf"\b((?:i|fra|efter|før|inden|siden)\s+(?:(?:{MONTH_NAME_ALT})\s+)?(?:19|20)\d\d"
    r"|sidste år|i år|sidste måned|efter valget|før valget)\b",
    re.I,
)


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
    return [
        w
        for w in words
        if w.lower() not in _QWORDS and (len(w) > 2 or w.isdigit() or w.isupper()) and not _DATE_RE.fullmatch(w)
    ]


_V2_RE = re.compile(
    r"^\s*(?:(?:og|men|så)\s+)?(?:i\s+)?(?:hvornår|hvordan|hvorfor|hvad|hvem|hvor(?:\s+(?:meget|længe|mange\s+[\wæøå-]+))?|"
    r"hvilke[nt]?\s+[\wæøå-]+)\s+([\wæøå]+)\b(.*)$",
    re.I,
)
_AUX = frozenset("blev bliver er var har havde".split())  # before a participle: "blev … indviet", "har … vedtaget"
_NOT_BEFORE_VERB = frozenset(
    "i på til af for med om ved fra over under efter før mod langs hos den det de en et denne dette disse".split()
)


def predicate(question: str) -> set[str]:
    """The verbs of a hv-question (lower case), which say what was asked, not what about: the finite verb after the
    question word (Danish puts it second: "Hvornår *åbner* cykelstien …", "Hvem *vandt* udbuddet …") and, after an
    auxiliary of the passive or perfect, a last word that ends like a participle and follows no preposition ("Hvornår blev
    cykelstien langs Skovvej *indviet*?"; not "… kritik af Deloittes klimaanalyse", "… af budgettet").
    A follow-up ("Og hvad koster det?") takes over the subject, not these: carried, "åbner" made the follow-up ask
    what the opening costs, and the amount of the cycle path went unanswered."""
    m = _V2_RE.match(question.strip().rstrip("?").strip())
    if not m:
        return set()
    verb, rest = m.group(1).lower(), m.group(2).split()
    out = {verb}
    last = rest[-1] if rest else ""
    if (
        verb in _AUX
        and len(rest) >= 2
        and last.islower()
        and last.endswith("t")  # a participle (indviet, godkendt), not a noun object (klimaanalyse, information)
        and rest[-2].lower() not in _NOT_BEFORE_VERB  # "… af budgettet": a noun
    ):
        out.add(last.lower())
    return out


def subject_terms(question: str) -> list[str]:
    """The key terms of a question without its verbs (`predicate`): what a follow-up to it is about."""
    verbs = predicate(question)
    return [w for w in key_terms(question) if w.lower() not in verbs]


def is_followup(question: str, previous: str) -> bool:
    """True when a question leans on the previous one (pronoun/ellipsis, or too few words of its own)."""
    own = key_terms(question)
    if not own:
        return True
    if _LEAD_RE.match(question) and len(own) <= 1:  # "Og hvad koster det?" — not "Og hvad koster cykelstien?"
        return True
    if len(own) <= 1 and _TAIL_PRONOUN_RE.search(question):  # "Hvad koster det?" — not "Hvad koster cykelstien?"
        return True
    return len(own) <= 2 and bool(_ANAPHOR_RE.search(question))


_NAME_RE = re.compile(r"(?<![.!?:]\s)(?<!^)\b([A-ZÆØÅ][\wæøåÆØÅ\-]+(?:\s+[A-ZÆØÅ][\wæøåÆØÅ\-]+)*)")
_INTRO_RE = re.compile(r"^(?:ifølge|der er truffet|det fremgår|jf\.)[^\n]*:\s*$", re.I | re.M)


def answer_terms(answer: str) -> list[str]:
    """Names the previous answer is about (capitalised words inside its first answering sentence, markers and its
    lead-in line left out): what "det" may point at when the previous question named too little."""

    if not answer or REFUSAL.lower().rstrip(".") in answer.lower():
        return []
    body = _INTRO_RE.sub("", MARKER_RE.sub("", answer))
    first = next((s for s in split_sentences(body) if len(s.split()) >= 3), "")
    names = [m.group(1) for m in _NAME_RE.finditer(first)]
    return [w for n in names for w in key_terms(n)][:4]


def _carried(question: str, hist: list[tuple[str, str]]) -> tuple[list[str], str]:
    """The terms (and time expression) a dependent question takes over from the conversation; ([], "") when the
    question stands alone."""
    prev = next((q for q, _ in reversed(hist) if key_terms(q)), "")
    if not prev or not is_followup(question, prev):
        return [], ""
    # The previous question may itself have been a follow-up: take terms back to the last standalone one.
    terms: list[str] = []
    date = ""
    for q, _ in reversed(hist):
        terms = list(dict.fromkeys(subject_terms(q) + terms))
        m = _DATE_RE.search(q)
        date = date or (m.group(1) if m else "")
        if not is_followup(q, ""):
            break
    if len(terms) < 2:  # "Hvad besluttede byrådet om punkt 2?": the answer says what it was about
        terms = list(dict.fromkeys(terms + answer_terms(hist[-1][1])))
    own = {w.lower() for w in key_terms(question)}
    # Years travel with their time expression (below), so a new "i 2024" is not contradicted by an old "2023".
    carry = [t for t in terms if t.lower() not in own and not re.fullmatch(r"(19|20)\d\d", t)][:8]
    if _DATE_RE.search(question):
        date = ""
    return carry, date


def heuristic_rewrite(question: str, history: Sequence[tuple[str, str]]) -> str:
    """Carry the previous question's key terms (and time expression) into a dependent question."""
    hist = pairs(history)
    if not hist:
        return question
    carry, date = _carried(question, hist)
    extra = " ".join(carry + ([date] if date else []))
    if not extra:
        return question
    core = question.strip().rstrip("?").strip()
    return f"{core} ({extra})?"


def anchor_terms(question: str, history: Sequence[tuple[str, str]]) -> frozenset[str]:
    """The content words of what a follow-up is about (its carried subject); empty for a question that stands
    alone or names its own subject."""

    hist = pairs(history)
    if not hist:
        return frozenset()
    carry, _ = _carried(question, hist)
    if not carry:
        return frozenset()
    own = topic_tokens(question)
    return frozenset(topic_tokens(" ".join(carry)) - own)


MIN_ANCHOR = 0.5  # share of the subject's words the answering sentences (or their items) must name


def _named(anchor: frozenset[str], have: set[str]) -> bool:
    """Whether the words `have` name at least MIN_ANCHOR of the subject's words (a word of 5+ letters also by its
    stem: "cykelsti" names "cykelstien")."""

    def found(t: str) -> bool:
        return t in have or (len(t) >= 5 and any(w.startswith(t) or (len(w) >= 5 and t.startswith(w)) for w in have))

    return sum(1 for t in anchor if found(t)) >= MIN_ANCHOR * len(anchor)


def _heading(hit) -> set[str]:
    """The words of the item or section a passage stands in (not the whole document's title)."""
    m = hit.chunk.meta
    return content_tokens(" ".join(str(m.get(f) or "") for f in ("item_title", "section")))


def _flat(text: str) -> str:
    return " ".join(MARKER_RE.sub(" ", text).split()).lower()


def about(anchor: frozenset[str], hits, previous_answer: str = "") -> list[int]:
    """The keys (1-based) of the hits about the follow-up's subject: a passage of an item (or section) the previous
    answer quoted from, or one whose item or section title names at least MIN_ANCHOR of the subject. These are the
    passages an answer to "Og hvad koster det?" may take its amount from, whichever rank they have, and the only
    ones."""
    quoted = [q for q in (_flat(x) for x in split_sentences(_INTRO_RE.sub("", previous_answer))) if len(q) >= 25]
    texts = [_flat(h.chunk.text) for h in hits]
    seed = {_place(h) for h, t in zip(hits, texts) if any(q.rstrip(" .") in t for q in quoted)}
    return [k for k, h in enumerate(hits, 1) if _place(h) in seed or _named(anchor, _heading(h))]


def _place(hit) -> tuple[str, str]:
    """The item (or section) a passage stands in, within its document."""
    m = hit.chunk.meta
    return hit.chunk.doc_id, str(m.get("item_title") or m.get("section") or hit.chunk.chunk_id)


def grounded(anchor: frozenset[str], text: str, hits) -> bool:
    """True when the cited sentences of an answer — with the item or section each stands in, not the whole
    document's title — name at least MIN_ANCHOR of the follow-up's subject."""

    if not anchor:
        return True
    have: set[str] = set()
    for s in split_sentences(text):
        keys = [k for k in keys_in(s) if 1 <= k <= len(hits)]
        if not keys:
            continue
        have |= content_tokens(s)
        for k in keys:
            have |= _heading(hits[k - 1])
    return _named(anchor, have)


def standalone_query(question: str, history: Sequence[tuple[str, str]], llm=None) -> str:
    """The question rewritten to stand alone (unchanged without history)."""
    hist = pairs(history)
    if not hist:
        return question
    if llm is not None:
        try:
            out = llm.complete(REWRITE_SYSTEM, rewrite_prompt(hist, question)).strip()
        except Exception:  # a failing endpoint must not break the conversation: fall back
            out = ""
        out = out.splitlines()[0].strip().strip('"«»').strip() if out else ""
        out = re.sub(r"^(selvstændigt spørgsmål|spørgsmål)\s*:\s*", "", out, flags=re.I)
        if out and REFUSAL.lower().rstrip(".") not in out.lower() and 3 <= len(out) <= 300:
            return out
    return heuristic_rewrite(question, hist)

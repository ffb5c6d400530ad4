"""A draft question to the administration (10-dagesforespørgsel), with cited background from the material.

Extractive default: a fixed Danish template filled with the best background sentences [n] and 2–3 questions derived
from the topic and from what the background contains (a decision to follow up, money, a timetable). With an LLM: the
draft prompt, and the background sentences are checked against their sources like any answer.
"""

from __future__ import annotations

import re
import time
from typing import Any

from assistant import extractive
from assistant.citations import MARKER_RE, check_answer, citations_for, content_tokens, renumber
from assistant.prompts import DRAFT_SYSTEM, REFUSAL, draft_prompt
from byraad.access import Access
from byraad.dates import MONTH_NAME_ALT, format_date
from byraad.types import Answer, Hit
from vectorstore.filters import Filter

_MONEY_RE = re.compile(r"\b(kr\.|mio\.|mia\.|budget\w*|bevilling\w*|udgift\w*|økonomi\w*|finansier\w*)", re.I)
_TIME_RE = re.compile(
    rf"\b({MONTH_NAME_ALT}|"
    r"kvartal|tidsplan|frist|forventes|afsluttet|begynder)\b",
    re.I,
)
# A background passage must be about the topic: hold this share of the topic's words (in its text or in the header
# naming its document, meeting and item). Measured with evaluation/draft_relevance.py (topics = item and section
# titles of one corpus; off-topic = the other corpus's titles): see README "Udkast".
MIN_TOPIC_COVERAGE = 0.67  # lowest share with no off-topic background on the sample set (A); checked on B
MIN_PREFIX = 5  # a topic word matches a longer word it begins ("kunstgræsbane" → "kunstgræsbanerne")
HEADER = (
    "Udkast til spørgsmål til rådmanden/forvaltningen efter styrelsesvedtægtens bestemmelse om "
    "skriftlige spørgsmål (10-dagesreglen)"
)


def in_sentence(topic: str, material: str = "") -> str:
    """The topic as it reads inside a sentence: the first letter lowered only when the first word is no name.
    A name keeps its capitals: several capitalised words ("Nordic Safe Cities", "Solbjerg Bæk"), an abbreviation
    ("TMU"), or a word the material writes capitalised inside a sentence ("… rapporten Aarhuskompasset …")."""
    t = " ".join(topic.strip().rstrip("?.").split())
    words = t.split(" ")
    first = words[0] if words else ""
    if not first[:1].isupper() or first[:2].isupper():
        return t
    if len(words) > 1 and words[1][:1].isupper():
        return t
    if re.search(rf"[\wæøå,;] {re.escape(first)}\b", material):
        return t
    return first[0].lower() + t[1:]


def topic_coverage(topic_toks: frozenset[str], hit: Hit) -> float:
    """The share of the topic's words a passage holds (its text and header; a word also matches a longer word it
    begins, as Danish compounds and inflections do)."""
    if not topic_toks:
        return 0.0
    have = content_tokens(hit.chunk.embed_text or hit.chunk.text)
    found = sum(
        1
        for t in topic_toks
        if t in have
        or (len(t) >= MIN_PREFIX and any(w.startswith(t) or (len(w) >= MIN_PREFIX and t.startswith(w)) for w in have))
    )
    return found / len(topic_toks)


def about_topic(topic: str, hits: list[Hit]) -> list[Hit]:
    """The hits that are about the topic (MIN_TOPIC_COVERAGE of its words), in their order."""
    toks = extractive.topic_tokens(topic)
    return [h for h in hits if topic_coverage(toks, h) >= MIN_TOPIC_COVERAGE]


def empty_draft(topic: str) -> str:
    """A well-formed draft without background, for a topic the material says nothing about."""
    t = in_sentence(topic)
    return (
        f"{HEADER}\n\nEmne: {topic.strip()}\n\nBaggrund:\n[Skriv baggrunden her – materialet i byråds-GPT "
        f"indeholder intet om emnet.]\n\nSpørgsmål:\n1. Hvad er den aktuelle status for {t}?\n"
        f"2. Hvilke planer og økonomiske rammer har forvaltningen for {t}?\n\nMed venlig hilsen\n"
        "[Navn], medlem af byrådet"
    )


def _questions(topic: str, background: str, hits: list[Hit], keys: list[int]) -> list[str]:
    """2–3 concrete questions derived from the topic and what the cited background says."""
    t = in_sentence(topic, " ".join(h.chunk.text for h in hits))
    qs = [f"Hvad er den aktuelle status for {t}?"]
    decisions = [hits[k - 1] for k in keys if extractive.is_decision(hits[k - 1])]
    if decisions:
        dated = [h for h in decisions if isinstance(h.chunk.meta.get("meeting_date"), int)]
        m = (max(dated, key=lambda h: h.chunk.meta["meeting_date"]) if dated else decisions[0]).chunk.meta
        when = f"den {format_date(m['meeting_date'])}" if dated else "(mødet har ingen dato)"
        body = str(m.get("body") or "udvalget")
        body = body if body.endswith("s") else body + "s"
        qs.append(f"Hvordan er {body} beslutning {when} fulgt op, og hvad er resultatet indtil nu?")
    if _MONEY_RE.search(background):
        qs.append(f"Hvad er de samlede udgifter til {t}, og hvordan er de finansieret?")
    if len(qs) < 3 and _TIME_RE.search(background):
        qs.append(f"Hvad er tidsplanen for det videre arbejde med {t}, og hvornår forelægges sagen igen politisk?")
    if len(qs) < 2:
        qs.append(f"Hvilke konsekvenser har {t} for borgerne, og hvilke alternativer har forvaltningen overvejet?")
    return qs[:3]


def draft(assistant: Any, topic: str, access: Access, *, k: int | None = None, **filters: Any) -> Answer:
    """Draft a 10-dagesforespørgsel about a topic as an Answer (text ready to edit, citations for the background)."""
    t0 = time.perf_counter()
    ret = assistant.retriever.retrieve(topic, access, k=k, flt=Filter.content(**filters))
    t1 = time.perf_counter()
    hits = list(ret.hits)
    base = dict(
        question=topic,
        settings_fingerprint=assistant.settings.fingerprint(),
        mode=f"draft:{assistant.mode}",
        standalone_query=topic,
        period=ret.query.period,
    )
    timings = {"retrieve_ms": (t1 - t0) * 1000}

    def refusal(why: str) -> Answer:
        t2 = time.perf_counter()
        return Answer(
            text=REFUSAL,
            citations=(),
            hits=tuple(hits),
            refused=True,
            refusal_reason=f"Afvist: {why}.",
            timings={**timings, "generate_ms": (t2 - t1) * 1000, "total_ms": (t2 - t0) * 1000},
            **base,
        )

    if ret.weak or not hits:
        return refusal("materialet handler ikke om emnet")
    # Only background about the topic: a passage that merely shares a place name or a year is no background.
    hits = about_topic(topic, hits)
    if not hits:
        hits = list(ret.hits)
        return refusal("ingen af de fundne kilder handler om emnet")
    notes = ["Udkast – tjek og tilpas teksten, før spørgsmålet sendes."]
    if assistant.llm is not None:
        reply = assistant.llm.complete(DRAFT_SYSTEM, draft_prompt(topic, hits))
        # The heading above "Baggrund" is the template's, not a claim about the material: only the rest is checked.
        m = re.search(r"^\s*Baggrund\b", reply, flags=re.M | re.I)
        heading, body = (reply[: m.start()].strip(), reply[m.start() :]) if m else ("", reply)
        checked = check_answer(body, hits, allow_questions=True)
        if not checked.ok:
            return refusal(checked.reason)
        text, keys, hits, more = renumber(checked.text, checked.keys, hits, checked.notes)
        text = f"{heading}\n{text}" if heading and not MARKER_RE.search(heading) else text
        notes += more
    else:
        comp = extractive.compose(topic, ret.query.expanded, hits, "")
        if not comp.text:
            return refusal("ingen baggrund i materialet")
        text0, keys, hits, comp_notes = renumber(comp.text, comp.keys, hits, comp.notes)
        comp = extractive.Composed(text0, keys, comp_notes, comp.pieces)
        # The composer's lead-in is for answers; the background is its sentences (or decision lines) alone.
        background = comp.text.split("\n", 1)[1].strip() if "\n" in comp.text else comp.text
        qs = _questions(topic, MARKER_RE.sub("", background), hits, keys)
        text = (
            f"{HEADER}\n\nEmne: {topic.strip()}\n\nBaggrund:\n{background}\n\nSpørgsmål:\n"
            + "\n".join(f"{i}. {q}" for i, q in enumerate(qs, 1))
            + "\n\nMed venlig hilsen\n[Navn], medlem af byrådet"
        )
        notes += [n for n in comp.notes if "perioden" not in n]
    t2 = time.perf_counter()
    return Answer(
        text=text,
        citations=citations_for(text, keys, hits, assistant.index),
        hits=tuple(hits),
        refused=False,
        notes=tuple(notes),
        timings={**timings, "generate_ms": (t2 - t1) * 1000, "total_ms": (t2 - t0) * 1000},
        **base,
    )

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
from assistant.citations import MARKER_RE, check_answer, citations_for
from assistant.prompts import DRAFT_SYSTEM, REFUSAL, draft_prompt
from byraad.access import Access
from byraad.dates import MONTH_NAME_ALT, format_date
from byraad.types import Answer, Hit
from vectorstore.filters import Filter

_MONEY_RE = re.compile(r"\b(kr\.|mio\.|mia\.|budget\w*|bevilling\w*|udgift\w*|økonomi\w*|finansier\w*)", re.I)
_TIME_RE = re.compile(rf"\b({MONTH_NAME_ALT}|"
                      r"kvartal|tidsplan|frist|forventes|afsluttet|begynder)\b", re.I)
HEADER = ("Udkast til spørgsmål til rådmanden/forvaltningen efter styrelsesvedtægtens bestemmelse om "
          "skriftlige spørgsmål (10-dagesreglen)")


def _questions(topic: str, background: str, hits: list[Hit], keys: list[int]) -> list[str]:
    """2–3 concrete questions derived from the topic and what the cited background says."""
    t = topic.strip().rstrip("?.").strip()
    t = t[0].lower() + t[1:] if t[:1].isupper() and not t[:2].isupper() else t
    qs = [f"Hvad er den aktuelle status for {t}?"]
    decisions = [hits[k - 1] for k in keys if extractive.is_decision(hits[k - 1])]
    if decisions:
        dated = [h for h in decisions if isinstance(h.chunk.meta.get("meeting_date"), int)]
        m = (max(dated, key=lambda h: h.chunk.meta["meeting_date"]) if dated else decisions[0]).chunk.meta
        when = f"den {format_date(m['meeting_date'])}" if dated else "(udateret møde)"
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
    base = dict(question=topic, settings_fingerprint=assistant.settings.fingerprint(),
                mode=f"draft:{assistant.mode}", standalone_query=topic, period=ret.query.period)
    timings = {"retrieve_ms": (t1 - t0) * 1000}

    def refusal(why: str) -> Answer:
        t2 = time.perf_counter()
        return Answer(text=REFUSAL, citations=(), hits=tuple(hits), refused=True, refusal_reason=f"Afvist: {why}.",
                      timings={**timings, "generate_ms": (t2 - t1) * 1000, "total_ms": (t2 - t0) * 1000}, **base)

    if ret.weak or not hits:
        return refusal("materialet handler ikke om emnet")
    notes = ["Udkast – tjek og tilpas teksten, før spørgsmålet sendes."]
    if assistant.llm is not None:
        checked = check_answer(assistant.llm.complete(DRAFT_SYSTEM, draft_prompt(topic, hits)), hits,
                               allow_questions=True)
        if not checked.ok:
            return refusal(checked.reason)
        text, keys = checked.text, checked.keys
        notes += checked.notes
    else:
        comp = extractive.compose(topic, ret.query.expanded, hits, "")
        if not comp.text:
            return refusal("ingen baggrund i materialet")
        keys = comp.keys
        # The composer's lead-in is for answers; the background is its sentences (or decision lines) alone.
        background = comp.text.split("\n", 1)[1].strip() if "\n" in comp.text else comp.text
        qs = _questions(topic, MARKER_RE.sub("", background), hits, keys)
        text = (f"{HEADER}\n\nEmne: {topic.strip()}\n\nBaggrund:\n{background}\n\nSpørgsmål:\n"
                + "\n".join(f"{i}. {q}" for i, q in enumerate(qs, 1))
                + "\n\nMed venlig hilsen\n[Navn], medlem af byrådet")
        notes += [n for n in comp.notes if "perioden" not in n]
    t2 = time.perf_counter()
    return Answer(text=text, citations=citations_for(text, keys, hits, assistant.index), hits=tuple(hits),
                  refused=False, notes=tuple(notes),
                  timings={**timings, "generate_ms": (t2 - t1) * 1000, "total_ms": (t2 - t0) * 1000}, **base)

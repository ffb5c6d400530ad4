"""Assistant: question (+ history) → standalone query → access-controlled retrieval → grounded Answer.

One pipeline for UI, CLI and evaluation. Extractive (no model) is the default; with an LLM the reply is checked
sentence by sentence against the passages it cites and replaced by the refusal when the check fails. A refused
Answer keeps the closest hits, which the UI shows as "måske relevant".
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any, Iterator, Sequence

from assistant import extractive
from assistant.citations import (MARKER_RE, MIN_SUPPORT, check_answer, citations_for, content_tokens, keys_in,
                                 split_sentences, support)
from assistant.followup import standalone_query
from assistant.llm import LLM
from assistant.prompts import REFUSAL, SYSTEM_PROMPT, answer_prompt
from byraad.access import ALL_ACCESS_USER, User  # noqa: F401 - ALL_ACCESS_USER re-exported (cli, agent)
from byraad.settings import Settings
from byraad.types import Answer, Hit

FILTER_KEYS = ("bodies", "kinds", "doc_ids", "date_from", "date_to")


class Assistant:
    """Answers questions over one Index for users with access levels."""

    def __init__(self, settings: Settings, index: Any, llm: LLM | None = None, retriever: Any = None) -> None:
        self.settings = settings
        self.index = index
        self.llm = llm
        if retriever is None:
            from assistant.retrieval import Retriever

            retriever = Retriever(index, settings)
        self.retriever = retriever
        from assistant.facts import install_glossary

        install_glossary(retriever, index)      # committee abbreviations/aliases from the ingested council facts

    @property
    def mode(self) -> str:
        if self.llm is None:
            return "extractive"
        return "agentic" if self.settings.agentic and getattr(self.llm, "supports_tools", False) else self.llm.id

    # --- public API ---------------------------------------------------------------------------
    def answer(self, question: str, user: User | None = None, history: Sequence[tuple[str, str]] = (),
               *, all_access: bool = False, mode: str = "hybrid", **filters: Any) -> Answer:
        """The grounded answer to a question (history: earlier (question, answer) pairs of the conversation)."""
        result = None
        for item in self.stream(question, user, history, all_access=all_access, mode=mode, **filters):
            result = item
        assert isinstance(result, Answer)
        return result

    def stream(self, question: str, user: User | None = None, history: Sequence[tuple[str, str]] = (),
               *, all_access: bool = False, mode: str = "hybrid", **filters: Any) -> Iterator[str | Answer]:
        """Text deltas, then the final Answer. With an LLM only checked sentences are yielded; the final Answer is
        authoritative (a reply that fails the check ends as a refusal, which the UI shows instead)."""
        t0 = time.perf_counter()
        k = filters.pop("k", None)
        flt = {key: filters[key] for key in FILTER_KEYS if filters.get(key) not in (None, (), [], "")}
        unknown = set(filters) - set(FILTER_KEYS)
        if unknown:
            raise TypeError(f"unknown filter(s): {', '.join(sorted(unknown))}")
        standalone = standalone_query(question, history, self.llm)
        who = ALL_ACCESS_USER if all_access else user
        direct = None if flt else self._direct(standalone, who)
        if direct is not None:      # council facts, or the trail of a case named by its number
            base = dict(question=question, settings_fingerprint=self.settings.fingerprint(), mode=self.mode,
                        standalone_query=standalone, filters={}, period="")
            yield from self._yield_direct(direct, base, {}, t0)
            return
        ret = self.retriever.retrieve(standalone, user, k=k, mode=mode, all_access=all_access, **flt)
        t1 = time.perf_counter()
        base = dict(question=question, settings_fingerprint=self.settings.fingerprint(), mode=self.mode,
                    standalone_query=standalone, filters=_filters_dict(ret.query.flt, flt), period=ret.query.period)
        timings = {"retrieve_ms": (t1 - t0) * 1000, **{f"retrieval.{k_}": v for k_, v in ret.timings.items()}}
        hits = tuple(ret.hits)
        agentic = self.llm is not None and self.mode == "agentic"
        # Weak evidence refuses at once, except in agentic mode: there the model may search again with other words
        # (its final answer is checked against the sources like any other).
        if (ret.weak or not hits) and not agentic:
            yield REFUSAL
            yield self._refusal(base, hits, timings, t0, t1, "svag evidens")
            return
        if not agentic and not flt and (direct := self._direct(standalone, who, hits)) is not None:
            yield from self._yield_direct(direct, dict(base, period=""), timings, t0)   # the case's whole history
            return
        if agentic:
            from assistant.agent import run_agent

            out = run_agent(self, question=standalone, user=user, all_access=all_access, retrieval=ret,
                            filters=flt)
            for piece in out.pieces or [REFUSAL]:
                yield piece
            yield self._finish(base, out.hits, out.text, out.keys, out.notes, timings, t0, t1, steps=out.steps,
                               refused=out.refused)
            return
        if self.llm is not None:
            yield from self._generate(base, standalone, hits, ret.query.period, timings, t0, t1)
            return
        hits = self._with_case_history(standalone, hits, user, all_access)
        comp = extractive.compose(standalone, ret.query.expanded, hits, ret.query.period)
        if not comp.text:
            yield REFUSAL
            yield self._refusal(base, hits, timings, t0, t1, "ingen sætning i kilderne svarer på spørgsmålet")
            return
        for piece in comp.pieces:
            yield piece
        yield self._finish(base, hits, comp.text, comp.keys, comp.notes, timings, t0, t1)

    def draft_question(self, topic: str, user: User | None = None, *, all_access: bool = False, **filters: Any) -> Answer:
        """A draft 10-dagesforespørgsel on a topic, with the cited background from the material."""
        from assistant.drafting import draft

        return draft(self, topic, user, all_access=all_access, **filters)

    # --- internals ----------------------------------------------------------------------------
    def _direct(self, question: str, who, hits: tuple[Hit, ...] = ()):
        """A structured answer (assistant.case.DirectAnswer): council facts, or a case trail for a question naming a
        case number — or, given hits, asking for the history of their case; None otherwise."""
        from assistant import case, facts

        if not hits and (ans := facts.direct_answer(question, self.retriever, who)) is not None:
            return ans
        return case.direct_answer(question, self.retriever, who, hits)

    def _yield_direct(self, d, base: dict, timings: dict, t0: float) -> Iterator[str | Answer]:
        t1 = time.perf_counter()
        yield from d.pieces
        yield self._finish(base, d.hits, d.text, d.keys, d.notes, timings, t0, t1, steps=(d.step,))

    def _generate(self, base: dict, question: str, hits: tuple[Hit, ...], period: str, timings: dict,
                  t0: float, t1: float) -> Iterator[str | Answer]:
        """LLM path: stream, yield each sentence once it is complete and supported, then check the whole reply."""
        assert self.llm is not None
        buf, shown, failed = "", 0, False
        for delta in self.llm.stream(SYSTEM_PROMPT, answer_prompt(question, hits, period)):
            buf += delta
            if failed:
                continue
            sents = split_sentences(buf)
            for s in sents[shown:-1]:         # the last one may still grow
                if not _sentence_ok(s, hits):
                    failed = True
                    break
                yield (" " if shown else "") + s
                shown += 1
        checked = check_answer(buf, hits)
        if not checked.ok:
            res = self._refusal(base, hits, timings, t0, t1, checked.reason)
            yield res.text
            yield res
            return
        rest = split_sentences(checked.text)[shown:]
        if rest:
            yield (" " if shown else "") + " ".join(rest)
        yield self._finish(base, hits, checked.text, checked.keys, checked.notes, timings, t0, t1)

    def _with_case_history(self, question: str, hits: tuple[Hit, ...], user, all_access: bool) -> tuple[Hit, ...]:
        """For 'hvad blev besluttet …': add the decisions on the same case at other meetings (decision trail), and
        for 'hvad besluttede <organ> …' the other decisions of that body's meetings among the hits."""
        if not extractive.DECISION_Q_RE.search(question):
            return hits
        who = ALL_ACCESS_USER if all_access else user
        have = {h.chunk.chunk_id for h in hits}
        extra: list[Hit] = []

        def add(chunks) -> None:
            for c in chunks:
                if c.meta.get("chunk_type") == "decision" and c.chunk_id not in have:
                    have.add(c.chunk_id)
                    extra.append(Hit(chunk=c, score=0.0, rank=len(hits) + len(extra) + 1))

        from assistant.case import case_key, find_case_numbers

        named = find_case_numbers(question) + [str(h.chunk.meta["case_number"]) for h in hits[:3]
                                               if h.chunk.meta.get("case_number")]
        by_key: dict[str, str] = {}
        for c in named:
            by_key.setdefault(case_key(c), c)       # one lookup per case, however it is spelt
        cases = list(by_key.values())
        if hasattr(self.retriever, "case_history"):
            for case in cases[:2]:
                add(self.retriever.case_history(case, who))
        topic = extractive.topic_tokens(question)
        if hasattr(self.retriever, "open_meeting"):
            meetings = list(dict.fromkeys(
                (h.chunk.doc_id, h.chunk.meta["meeting_start"]) for h in hits
                if "meeting_start" in h.chunk.meta and h.chunk.meta.get("body")
                and topic and topic <= content_tokens(str(h.chunk.meta["body"]))))
            for doc_id, start in meetings[:2]:
                add(self.retriever.open_meeting(doc_id, int(start), who))
        return hits + tuple(extra[:8])

    def _finish(self, base: dict, hits: Sequence[Hit], text: str, keys: Sequence[int], notes: Sequence[str],
                timings: dict, t0: float, t1: float, steps: Sequence[str] = (), refused: bool = False) -> Answer:
        if refused or not keys:
            return replace(self._refusal(base, tuple(hits), timings, t0, t1, "ingen kilder"), steps=tuple(steps))
        cits = citations_for(text, keys, hits, self.index)
        t2 = time.perf_counter()
        timings = {**timings, "generate_ms": (t2 - t1) * 1000, "total_ms": (t2 - t0) * 1000}
        period_note = f"Søgningen er afgrænset til perioden {base['period']}."
        notes = list(notes)
        if base["period"] and period_note not in notes:
            notes.append(period_note)
        return Answer(text=text, citations=cits, hits=tuple(hits), refused=False, notes=tuple(notes),
                      steps=tuple(steps), timings=timings, **base)

    def _refusal(self, base: dict, hits: tuple[Hit, ...], timings: dict, t0: float, t1: float, why: str) -> Answer:
        t2 = time.perf_counter()
        timings = {**timings, "generate_ms": (t2 - t1) * 1000, "total_ms": (t2 - t0) * 1000}
        notes = (f"Afvist: {why}.",) + ((f"Søgningen er afgrænset til perioden {base['period']}.",)
                                         if base["period"] else ())
        return Answer(text=REFUSAL, citations=(), hits=hits, refused=True, notes=notes, timings=timings, **base)


def _sentence_ok(sentence: str, hits: Sequence[Hit]) -> bool:
    """A streamed sentence may be shown when its markers are valid and it is supported by what it cites."""
    keys = keys_in(sentence)
    if any(not 1 <= k <= len(hits) for k in keys):
        return False
    body = MARKER_RE.sub("", sentence).strip()
    if REFUSAL.lower().rstrip(".") in body.lower():
        return False
    return not keys or support(body, [hits[k - 1] for k in keys]) >= MIN_SUPPORT


def _filters_dict(flt: Any, given: dict) -> dict:
    """The filters in force (flat, for Answer.filters): what was given plus dates taken from the question."""
    out: dict = {}
    for key in FILTER_KEYS:
        v = getattr(flt, key, None)
        if v not in (None, (), []):
            out[key] = ",".join(map(str, v)) if isinstance(v, tuple) else v
    return out

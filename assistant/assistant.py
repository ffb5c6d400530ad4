"""Assistant: question (+ history) → standalone query → access-controlled retrieval → grounded Answer.

One pipeline for UI, CLI and evaluation. Extractive (no model) is the default; with an LLM the reply is checked
sentence by sentence against the passages it cites and replaced by the refusal when the check fails. A refused
Answer keeps the closest hits, which the UI shows as "måske relevant".
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any, Iterator, Mapping, Sequence

from assistant import case, extractive, facts
from assistant.agent import run_agent
from assistant.audit import AuditLog
from assistant.citations import (
    MARKER_RE,
    MIN_SUPPORT,
    apply_numbering,
    check_answer,
    citations_for,
    content_tokens,
    keys_in,
    numbering,
    renumber,
    split_sentences,
    support,
)
from assistant.drafting import draft
from assistant.followup import about, anchor_terms, grounded, pairs, standalone_query
from assistant.llm import LLM, make_llm
from assistant.prompts import REFUSAL, SYSTEM_PROMPT, answer_prompt
from assistant.retrieval import Retriever
from byraad.access import Access, User
from byraad.settings import Settings
from byraad.types import Answer, Hit
from vectorstore.filters import Filter
from vectorstore.index import Index

_FROM_SETTINGS: Any = object()


def build_assistant(
    settings: Settings,
    index: Index | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    llm: LLM | None = _FROM_SETTINGS,
    audit: bool = True,
) -> "Assistant":
    """The one wiring of Index + Retriever + Assistant, used by the chat app, the CLI and the evaluation.

    index: built from the settings when not given; llm: `make_llm(settings, environ)` unless given (None = the
    extractive answerer; may raise ValueError/ImportError for a bad `llm` setting); audit: record every retrieval
    in <data_dir>/audit.sqlite. Groups come from settings.groups_file, the glossary from settings.glossary_file plus
    the ingested council facts (the Retriever's own)."""
    if index is None:
        index = Index(settings, environ=environ)
    if llm is _FROM_SETTINGS:
        llm = make_llm(settings, environ)
    retriever = Retriever(index, settings, audit=AuditLog(settings.data_path / "audit.sqlite") if audit else None)
    return Assistant(settings, index, llm=llm, retriever=retriever)


class Assistant:
    """Answers questions over one Index for users with access levels."""

    def __init__(
        self, settings: Settings, index: Any, llm: LLM | None = None, retriever: Any = None, scorer: Any = "auto"
    ) -> None:
        self.settings = settings
        self.index = index
        self.llm = llm
        self.scorer = scorer  # sentence similarity by meaning; "auto": the index's embedder, made on first use
        self.retriever = retriever if retriever is not None else Retriever(index, settings)

    @property
    def mode(self) -> str:
        if self.llm is None:
            return "extractive"
        return "agentic" if self.settings.agentic and getattr(self.llm, "supports_tools", False) else self.llm.id

    # --- public API ---------------------------------------------------------------------------
    def answer(
        self,
        question: str,
        user: User | Access | None = None,
        history: Sequence[tuple[str, str]] = (),
        *,
        all_access: bool = False,
        mode: str = "hybrid",
        k: int | None = None,
        **filters: Any,
    ) -> Answer:
        """The grounded answer to a question (history: earlier (question, answer) pairs of the conversation)."""
        result = None
        for item in self.stream(question, user, history, all_access=all_access, mode=mode, k=k, **filters):
            result = item
        assert isinstance(result, Answer)
        return result

    def stream(
        self,
        question: str,
        user: User | Access | None = None,
        history: Sequence[tuple[str, str]] = (),
        *,
        all_access: bool = False,
        mode: str = "hybrid",
        k: int | None = None,
        **filters: Any,
    ) -> Iterator[str | Answer]:
        """Text deltas, then the final Answer. With an LLM only checked sentences are yielded; the final Answer is
        authoritative (a reply that fails the check ends as a refusal, which the UI shows instead).

        The edge of the question path: the access (who, which levels) and the Filter (bodies, kinds, doc_ids, dates;
        unknown keywords are a TypeError, and access is never one of them) are settled here, once, and passed down."""
        turn = _Turn(question, self.settings.fingerprint(), self.mode, time.perf_counter())
        flt = Filter.content(**filters)
        access = self.retriever.access(user, all_access)
        turn.standalone = standalone = standalone_query(question, history, self.llm)
        if flt.is_empty() and (direct := self._direct(standalone, access)) is not None:
            yield from self._yield_direct(direct, turn)  # council facts, or the trail of a case named by its number
            return
        ret = self.retriever.retrieve(standalone, access, k=k, mode=mode, flt=flt)
        turn.retrieved(ret)
        hits = tuple(ret.hits)
        agentic = self.llm is not None and self.mode == "agentic"
        # Weak evidence refuses at once, except in agentic mode: there the model may search again with other words
        # (its final answer is checked against the sources like any other).
        if (ret.weak or not hits) and not agentic:
            yield REFUSAL
            yield self._refusal(turn, hits, "svag evidens")
            return
        if (
            not agentic
            and flt.is_empty()
            and (trail := case.history_answer(standalone, self.retriever, access, hits)) is not None
        ):
            turn.period = ""
            yield from self._yield_direct(trail, turn)  # "what happened in this case?": the case's whole history
            return
        if agentic:
            out = run_agent(self, question=standalone, access=access, retrieval=ret, filters=flt)
            for piece in out.pieces or [REFUSAL]:
                yield piece
            yield self._finish(turn, out.hits, out, steps=out.steps, refused=out.refused)
            return
        if self.llm is not None:
            yield from self._generate(turn, standalone, hits, ret.query.scope)
            return
        hits = self._with_case_history(standalone, hits, access)
        # The passages the answer may quote: the hits and (extractive.NEIGHBOURS) the chunks next to the best of them
        # in their item or section, admitted by the same filter as the hits (access included); a refusal still
        # shows the hits only.
        read, near = self._with_neighbours(hits, ret.query.flt, access)
        anchor = anchor_terms(question, history)  # a follow-up's carried subject (empty for a question of its own)
        comp = extractive.compose(
            standalone,
            ret.query.expanded,
            read,
            ret.query.scope,
            sims=self._similarities(ret.query.expanded, read),
            idf=getattr(self.retriever, "term_weights", None),
            about=about(anchor, read, pairs(history)[-1][1]) if anchor else None,
            near=near,
        )
        if not comp.text:
            yield REFUSAL
            yield replace(
                self._refusal(turn, hits, comp.reason or "ingen sætning i kilderne svarer på spørgsmålet"),
                confidence=comp.confidence,
            )
            return
        if not grounded(anchor, comp.text, read):
            yield REFUSAL  # a follow-up answered by a sentence about something else than its subject
            yield self._refusal(
                turn, hits, f"opfølgningsspørgsmålets emne ({', '.join(sorted(anchor))}) nævnes ikke i svaret"
            )
            return
        new = numbering(comp.text, comp.keys, len(read))  # as _finish numbers them
        for piece in comp.pieces:
            yield apply_numbering(piece, new)
        yield replace(
            self._finish(turn, read, comp),
            direct=apply_numbering(comp.direct, new),
            partial=apply_numbering(comp.partial, new),
            confidence=comp.confidence,
        )

    def draft_question(
        self, topic: str, user: User | Access | None = None, *, all_access: bool = False, **filters: Any
    ) -> Answer:
        """A draft 10-dagesforespørgsel on a topic, with the cited background from the material."""
        return draft(self, topic, self.retriever.access(user, all_access), **filters)

    # --- internals ----------------------------------------------------------------------------
    def _direct(self, question: str, access: Access) -> case.DirectAnswer | None:
        """A structured answer before any search: council facts, or the trail of a case the question names by its
        number; None otherwise."""
        ans = facts.direct_answer(question, self.retriever, access)
        return ans if ans is not None else case.direct_answer(question, self.retriever, access)

    def _yield_direct(self, d: case.DirectAnswer, turn: "_Turn") -> Iterator[str | Answer]:
        turn.t1 = time.perf_counter()
        new = numbering(d.text, d.keys, len(d.hits))  # as _finish numbers them
        yield from (apply_numbering(p, new) for p in d.pieces)
        yield self._finish(turn, d.hits, d, steps=(d.step,))

    def _generate(self, turn: "_Turn", question: str, hits: tuple[Hit, ...], scope: str) -> Iterator[str | Answer]:
        """LLM path: stream, yield each sentence once it is complete and supported, then check the whole reply."""
        assert self.llm is not None
        buf, shown, failed = "", 0, False
        streamed = ""  # the sentences yielded so far, numbered in order of first use as _finish numbers them

        def numbered(text: str) -> str:
            nonlocal streamed
            streamed += " " + text
            return apply_numbering(text, numbering(streamed, keys_in(streamed), len(hits)))

        for delta in self.llm.stream(SYSTEM_PROMPT, answer_prompt(question, hits, scope)):
            buf += delta
            if failed:
                continue
            sents = split_sentences(buf)
            for s in sents[shown:-1]:  # the last one may still grow
                if not _sentence_ok(s, hits):
                    failed = True
                    break
                yield (" " if shown else "") + numbered(s)
                shown += 1
        checked = check_answer(buf, hits)
        if not checked.ok:
            res = self._refusal(turn, hits, checked.reason)
            yield res.text
            yield res
            return
        rest = split_sentences(checked.text)[shown:]
        if rest:
            yield (" " if shown else "") + numbered(" ".join(rest))
        yield self._finish(turn, hits, checked)

    def _similarities(self, query: str, hits: Sequence[Hit]) -> dict[str, float] | None:
        """Each candidate sentence's similarity to the question by meaning (None without a scorer)."""
        if self.scorer == "auto":
            from assistant.semantic import make_scorer

            self.scorer = make_scorer(self.index, self.settings)
        if self.scorer is None or not hits:
            return None
        same = self.scorer.embedder is getattr(self.index, "embedder", None)
        qv = (
            self.retriever._query_vector(query)
            if same and hasattr(self.retriever, "_query_vector")
            else self.scorer.embedder.embed_query(query)
        )
        return self.scorer.similarities(qv, extractive.candidate_texts(hits))

    def _with_neighbours(
        self, hits: tuple[Hit, ...], flt: Filter, access: Access
    ) -> tuple[tuple[Hit, ...], dict[int, int]]:
        """The hits and the neighbours of the first extractive.NEIGHBOURS of them (Retriever.neighbours, with the
        query's filter: the hits' own access check), and {a neighbour's key: the key of the hit it neighbours}
        (1-based positions in the returned hits)."""
        if extractive.NEIGHBOURS <= 0 or not hasattr(self.retriever, "neighbours"):
            return hits, {}
        extra = self.retriever.neighbours(
            hits,
            flt,
            access,
            extractive.NEIGHBOURS,
            extractive.NEIGHBOUR_BEFORE,
            extractive.NEIGHBOUR_AFTER,
            extractive.NEIGHBOUR_UNIT,
        )
        near = {len(hits) + j + 1: i + 1 for j, (i, _) in enumerate(extra)}
        return hits + tuple(h for _, h in extra), near

    def _with_case_history(self, question: str, hits: tuple[Hit, ...], access: Access) -> tuple[Hit, ...]:
        """For 'hvad blev besluttet …': add the decisions on the same case at other meetings (decision trail), and
        for 'hvad besluttede <organ> …' the other decisions of that body's meetings among the hits."""
        if not extractive.DECISION_Q_RE.search(question):
            return hits
        have = {h.chunk.chunk_id for h in hits}
        extra: list[Hit] = []

        def add(chunks) -> None:
            for c in chunks:
                if c.meta.get("chunk_type") == "decision" and c.chunk_id not in have:
                    have.add(c.chunk_id)
                    extra.append(Hit(chunk=c, score=0.0, rank=len(hits) + len(extra) + 1))

        named = case.find_case_numbers(question) + [
            str(h.chunk.meta["case_number"]) for h in hits[:3] if h.chunk.meta.get("case_number")
        ]
        by_key: dict[str, str] = {}
        for c in named:
            by_key.setdefault(case.case_key(c), c)  # one lookup per case, however it is spelt
        cases = list(by_key.values())
        if hasattr(self.retriever, "case_history"):
            for number in cases[:2]:
                add(self.retriever.case_history(number, access))
        topic = extractive.topic_tokens(question)
        if hasattr(self.retriever, "open_meeting"):
            meetings = list(
                dict.fromkeys(
                    (h.chunk.doc_id, h.chunk.meta["meeting_start"])
                    for h in hits
                    if "meeting_start" in h.chunk.meta
                    and h.chunk.meta.get("body")
                    and topic
                    and topic <= content_tokens(str(h.chunk.meta["body"]))
                )
            )
            for doc_id, start in meetings[:2]:
                add(self.retriever.open_meeting(doc_id, int(start), access))
        return hits + tuple(extra[:8])

    def _finish(
        self, turn: "_Turn", hits: Sequence[Hit], reply: Any, steps: Sequence[str] = (), refused: bool = False
    ) -> Answer:
        """The Answer of a reply (anything with .text, .keys and .notes: a composition, a checked LLM reply, a
        direct answer, the agent's result); a refusal when it cites nothing."""
        if refused or not reply.keys:
            return replace(self._refusal(turn, tuple(hits), "ingen kilder"), steps=tuple(steps))
        # [1], [2], [3] … in order of first use, whichever hits were cited (no "[1] … [2] … [4]")
        text, keys, hits, notes = renumber(reply.text, reply.keys, hits, reply.notes)
        cits = citations_for(text, keys, hits, self.index)
        if turn.period and turn.period_note() not in notes:
            notes.append(turn.period_note())
        return Answer(
            text=text,
            citations=cits,
            hits=tuple(hits),
            refused=False,
            notes=tuple(notes),
            steps=tuple(steps),
            timings=turn.timings_now(),
            **turn.fields(),
        )

    def _refusal(self, turn: "_Turn", hits: tuple[Hit, ...], why: str) -> Answer:
        # The reason is internal wording ("Afvist: …"): a field of its own, shown to the secretariat only.
        notes = (turn.period_note(),) if turn.period else ()
        return Answer(
            text=REFUSAL,
            citations=(),
            hits=hits,
            refused=True,
            notes=notes,
            timings=turn.timings_now(),
            refusal_reason=f"Afvist: {why}.",
            **turn.fields(),
        )


@dataclass
class _Turn:
    """One question on its way through Assistant.stream: what every Answer of it carries, and its clock."""

    question: str
    fingerprint: str
    mode: str
    t0: float  # the question arrived
    standalone: str = ""
    filters: dict[str, Any] = field(default_factory=dict)  # in force (given + dates from the question), flat
    period: str = ""
    period_hint: bool = False  # the period only weighted the ranking (Query.period_hint)
    t1: float = 0.0  # retrieval done (or the direct answer ready)
    timings: dict[str, float] = field(default_factory=dict)

    def retrieved(self, ret: Any) -> None:
        self.t1 = time.perf_counter()
        self.filters = {
            key: ",".join(map(str, v)) if isinstance(v, tuple) else v for key, v in ret.query.flt.given().items()
        }
        self.period = ret.query.period
        self.period_hint = ret.query.period_hint
        self.timings = {
            "retrieve_ms": (self.t1 - self.t0) * 1000,
            **{f"retrieval.{k}": v for k, v in ret.timings.items()},
        }

    def period_note(self) -> str:
        if self.period_hint:
            return f"Materiale fra perioden {self.period} er vægtet højere; søgningen er ikke afgrænset til den."
        return f"Søgningen er afgrænset til perioden {self.period}."

    def timings_now(self) -> dict[str, float]:
        t2 = time.perf_counter()
        return {**self.timings, "generate_ms": (t2 - self.t1) * 1000, "total_ms": (t2 - self.t0) * 1000}

    def fields(self) -> dict[str, Any]:
        return dict(
            question=self.question,
            settings_fingerprint=self.fingerprint,
            mode=self.mode,
            standalone_query=self.standalone,
            filters=dict(self.filters),
            period=self.period,
        )


def _sentence_ok(sentence: str, hits: Sequence[Hit]) -> bool:
    """A streamed sentence may be shown when its markers are valid and it is supported by what it cites."""
    keys = keys_in(sentence)
    if any(not 1 <= k <= len(hits) for k in keys):
        return False
    body = MARKER_RE.sub("", sentence).strip()
    if REFUSAL.lower().rstrip(".") in body.lower():
        return False
    return not keys or support(body, [hits[k - 1] for k in keys]) >= MIN_SUPPORT

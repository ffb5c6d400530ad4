"""Agentic mode: the model may search again, open a whole agenda item or meeting, or follow a case number before
it answers. Every tool goes through the same access-controlled Retriever with the asking user's access (the model
can never widen it: access is not a tool argument). Steps and time are bounded; the steps are reported in the Answer;
the final reply is checked against the sources like any other answer.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass, field
from typing import Any, Mapping

from assistant.citations import check_answer
from assistant.prompts import AGENT_SYSTEM, SYSTEM_PROMPT, answer_prompt, format_context
from byraad.access import Access
from byraad.dates import from_date
from byraad.types import Chunk, Hit
from vectorstore.filters import Filter

MAX_NEW_PER_TOOL = 8
MAX_CONTEXT = 40
_FILTER_SCHEMA = {
    "type": "object",
    "description": "valgfrie filtre",
    "properties": {
        "bodies": {"type": "array", "items": {"type": "string"}, "description": "udvalg/organer"},
        "kinds": {
            "type": "array",
            "items": {"type": "string"},
            "description": "agenda, minutes, indstilling, handbook, report, other",
        },
        "date_from": {"type": "string", "description": "YYYY-MM-DD"},
        "date_to": {"type": "string", "description": "YYYY-MM-DD"},
    },
}
TOOLS = [
    {
        "name": "search",
        "description": "Søg i materialet igen med andre ord og/eller filtre.",
        "parameters": {
            "type": "object",
            "properties": {"query": {"type": "string"}, "filters": _FILTER_SCHEMA},
            "required": ["query"],
        },
    },
    {
        "name": "open_item",
        "description": "Åbn et helt dagsordenspunkt (doc_id og punktnummer fra en kilde).",
        "parameters": {
            "type": "object",
            "properties": {"doc_id": {"type": "string"}, "item_no": {"type": "string"}},
            "required": ["doc_id", "item_no"],
        },
    },
    {
        "name": "open_meeting",
        "description": "Åbn et helt møde (doc_id og meeting_start fra en kilde).",
        "parameters": {
            "type": "object",
            "properties": {"doc_id": {"type": "string"}, "meeting_start": {"type": "integer"}},
            "required": ["doc_id", "meeting_start"],
        },
    },
    {
        "name": "case_history",
        "description": "Følg et sagsnummer på tværs af møder (ældste først).",
        "parameters": {
            "type": "object",
            "properties": {"case_number": {"type": "string"}},
            "required": ["case_number"],
        },
    },
]


@dataclass
class AgentResult:
    text: str
    keys: list[int]
    notes: list[str]
    hits: list[Hit]
    steps: list[str]
    refused: bool
    pieces: list[str] = field(default_factory=list)


def _date(v: Any) -> int | None:
    if v in (None, ""):
        return None
    s = str(v).strip()
    try:
        return from_date(dt.date.fromisoformat(s)) if "-" in s else int(s)
    except ValueError:
        return None


def _safe_filters(args: Mapping[str, Any], user_filters: Filter) -> dict[str, Any]:
    """Only content filters from the model (never access); the user's own filters always win."""
    f = args.get("filters") if isinstance(args.get("filters"), Mapping) else {}
    out: dict[str, Any] = {}
    for key in ("bodies", "kinds"):
        v = f.get(key)
        if isinstance(v, str):
            v = [v]
        if isinstance(v, list) and v:
            out[key] = tuple(str(x) for x in v)
    for key in ("date_from", "date_to"):
        d = _date(f.get(key))
        if d is not None:
            out[key] = d
    out.update(user_filters.given())
    return out


def _execute(asst: Any, call, access: Access, user_filters: Filter) -> tuple[list[Chunk], str]:
    """Run one tool call through the Retriever with the asker's access; return the chunks found and a readable step
    description."""
    r, a = asst.retriever, call.arguments
    if call.name == "search":
        q = str(a.get("query", "")).strip()
        if not q:
            return [], "search uden forespørgsel"
        flt = _safe_filters(a, user_filters)
        ret = r.retrieve(q, access, **flt)
        extra = (
            f" {json.dumps({k: list(v) if isinstance(v, tuple) else v for k, v in flt.items()}, ensure_ascii=False)}"
            if flt
            else ""
        )
        return ([] if ret.weak else [h.chunk for h in ret.hits]), f'search("{q}"){extra}'
    if call.name == "open_item":
        return r.open_item(
            str(a.get("doc_id", "")), str(a.get("item_no", "")), access
        ), f"open_item({a.get('doc_id')}, punkt {a.get('item_no')})"
    if call.name == "open_meeting":
        try:
            start = int(a.get("meeting_start", -1))
        except (TypeError, ValueError):
            start = -1
        return r.open_meeting(str(a.get("doc_id", "")), start, access), f"open_meeting({a.get('doc_id')}, {start})"
    if call.name == "case_history":
        return r.case_history(str(a.get("case_number", "")), access), f"case_history({a.get('case_number')})"
    return [], f"ukendt værktøj {call.name!r}"


def run_agent(asst: Any, *, question: str, access: Access, retrieval: Any, filters: Filter) -> AgentResult:
    """Let the model use the tools (bounded by settings.agent_max_steps / agent_max_seconds), then check its answer."""
    s, llm = asst.settings, asst.llm
    hits: list[Hit] = list(retrieval.hits)
    seen = {h.chunk.chunk_id: i + 1 for i, h in enumerate(hits)}
    period = retrieval.query.scope
    messages: list[dict] = [{"role": "user", "content": answer_prompt(question, hits, period, ids=True)}]
    steps: list[str] = []
    deadline = time.monotonic() + s.agent_max_seconds
    final: str | None = None
    for n in range(s.agent_max_steps):
        if time.monotonic() > deadline:
            steps.append("tidsgrænsen for værktøjer er nået")
            break
        turn = llm.tool_turn(AGENT_SYSTEM, messages, TOOLS)
        if not turn.calls:
            final = turn.text
            break
        messages.append(
            {
                "role": "assistant",
                "content": turn.text or None,
                "tool_calls": [
                    {
                        "id": c.id or f"call_{n}_{i}",
                        "type": "function",
                        "function": {"name": c.name, "arguments": json.dumps(dict(c.arguments), ensure_ascii=False)},
                    }
                    for i, c in enumerate(turn.calls)
                ],
            }
        )
        for i, call in enumerate(turn.calls):
            chunks, desc = _execute(asst, call, access, filters)
            new = [c for c in chunks if c.chunk_id not in seen][:MAX_NEW_PER_TOOL]
            new = new[: max(0, MAX_CONTEXT - len(hits))]
            start = len(hits) + 1
            for c in new:
                hits.append(Hit(chunk=c, score=0.0, rank=len(hits) + 1))
                seen[c.chunk_id] = len(hits)
            old = sorted({seen[c.chunk_id] for c in chunks if c.chunk_id in seen} - set(range(start, len(hits) + 1)))
            body = format_context(hits[start - 1 :], start, ids=True) if new else "Ingen nye kilder."
            if old:
                body += f"\n(Allerede kendte kilder: {', '.join(f'[{k}]' for k in old)})"
            messages.append({"role": "tool", "tool_call_id": c_id(call, n, i), "content": body})
            steps.append(f"{desc} → {len(new)} nye kilder")
    if final is None:
        steps.append("svar uden flere værktøjskald (grænsen er nået)")
        final = llm.complete(SYSTEM_PROMPT, answer_prompt(question, hits, period))
    checked = check_answer(final or "", hits)
    pieces = [checked.text] if checked.ok else []
    return AgentResult(
        checked.text,
        checked.keys,
        checked.notes + ([] if checked.ok else [f"Afvist: {checked.reason}."]),
        hits,
        steps,
        not checked.ok,
        pieces,
    )


def c_id(call, n: int, i: int) -> str:
    return call.id or f"call_{n}_{i}"

"""Agentic mode with a ScriptedLLM issuing tool calls: access kept, steps bounded and reported."""

from __future__ import annotations

from assistant.assistant import Assistant
from assistant.llm import ScriptedLLM, ToolCall, ToolTurn
from tests.test_assistant import build_index


def _assistant(tmp_path, llm, **kw):
    s, idx = build_index(tmp_path, agentic=True, **kw)
    return Assistant(s, idx, llm=llm)


def test_agent_uses_tools_and_cites_new_sources(tmp_path):
    turns = [
        ToolTurn(calls=(ToolCall("case_history", {"case_number": "SAG-2023-00412"}, "c1"),)),
        ToolTurn(
            calls=(ToolCall("search", {"query": "anlægsbevilling cykelsti", "filters": {"bodies": ["Byrådet"]}}, "c2"),)
        ),
    ]

    def final(system, prompt):
        # cite whichever numbered source holds the Byråd decision
        import re

        n = re.search(r'<kilde nr="(\d+)"[^>]*organ="Byrådet"', prompt).group(1)
        return f"Byrådet gav en anlægsbevilling på 5,1 mio. kr. til cykelstien [{n}]."

    llm = ScriptedLLM([final], tool_turns=turns)
    a = _assistant(tmp_path, llm, top_k=1).answer("Hvor stor var bevillingen til cykelstien langs Skovvej?")
    assert a.mode == "agentic" and not a.refused, a.notes
    assert len(a.steps) == 2 and a.steps[0].startswith("case_history(SAG-2023-00412)")
    assert 'search("anlægsbevilling cykelsti")' in a.steps[1]
    assert a.citations and a.citations[0].body == "Byrådet"
    # tool results went back to the model as fenced, numbered sources
    tool_msgs = [m for m in llm.tool_calls[-1] if m["role"] == "tool"]
    assert tool_msgs and '<kilde nr="2"' in tool_msgs[0]["content"] and "doc_id=" in tool_msgs[0]["content"]


def test_agent_steps_bounded(tmp_path):
    loop = [ToolTurn(calls=(ToolCall("search", {"query": f"cykelsti {i}"}),)) for i in range(10)]
    llm = ScriptedLLM(["Sagen blev udsat [1]."], tool_turns=loop)
    a = _assistant(tmp_path, llm, agent_max_steps=3).answer("Hvad skete der med cykelstien langs Skovvej?")
    assert len([s for s in a.steps if s.startswith("search")]) == 3
    assert "grænsen" in a.steps[-1]


def test_agent_tools_keep_user_access(tmp_path):
    turns = [
        ToolTurn(
            calls=(
                ToolCall("open_item", {"doc_id": "d6", "item_no": "9"}),
                ToolCall("case_history", {"case_number": "SAG-2024-00001"}),
                ToolCall("search", {"query": "grund Havnevej pris", "access": ["closed"]}),
            )
        )
    ]
    llm = ScriptedLLM(["Grunden sælges for 12 mio. kr. [1]."], tool_turns=turns)
    a = _assistant(tmp_path, llm).answer("Hvad er prisen for grunden på Havnevej og cykelstien?")
    blob = (
        " ".join(h.chunk.text for h in a.hits) + a.text + " ".join(m.get("content") or "" for m in llm.tool_calls[-1])
    )
    assert "Hemmelig" not in blob and "12 mio" not in " ".join(h.chunk.text for h in a.hits)
    assert a.refused


def test_single_pass_is_default(tmp_path):
    s, idx = build_index(tmp_path)
    llm = ScriptedLLM(["Sagen blev udsat [1]."], supports_tools=True)
    assert Assistant(s, idx, llm=llm).mode == "scripted"

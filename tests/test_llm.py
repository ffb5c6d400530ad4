"""The LLM seam: ScriptedLLM, make_llm, key handling (from the mapping given, never os.environ)."""

from __future__ import annotations

import sys

import pytest

from assistant.llm import LLM, LlamaCppLLM, OpenAICompatLLM, ScriptedLLM, ToolCall, ToolTurn, make_llm
from byraad.settings import Settings


def test_scripted_llm_records_and_repeats_last():
    llm = ScriptedLLM(["a", "b b"])
    assert isinstance(llm, LLM)
    assert llm.complete("sys", "p1") == "a"
    assert "".join(llm.stream("sys", "p2")) == "b b"
    assert llm.complete("sys", "p3") == "b b"
    assert [p for _, p in llm.calls] == ["p1", "p2", "p3"]
    assert not llm.supports_tools


def test_scripted_llm_tool_turns():
    llm = ScriptedLLM(["final"], tool_turns=[ToolTurn(calls=(ToolCall("search", {"query": "x"}),))])
    assert llm.supports_tools
    assert llm.tool_turn("s", [{"role": "user", "content": "q"}], []).calls[0].name == "search"
    assert llm.tool_turn("s", [{"role": "user", "content": "q"}], []).text == "final"


def test_make_llm_extractive_is_none():
    assert make_llm(Settings()) is None


def test_make_llm_openai_reads_key_from_given_mapping(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "from-os-environ")
    s = Settings(llm="openai:gpt-x", llm_base_url="http://127.0.0.1:9/v1")
    llm = make_llm(s, {"BYRAAD_API_KEY": "k1", "OPENAI_API_KEY": "k2"})
    assert isinstance(llm, OpenAICompatLLM) and llm.api_key == "k1" and llm.model == "gpt-x"
    assert llm.base_url == "http://127.0.0.1:9/v1" and llm.id == "openai:gpt-x" and llm.supports_tools
    assert make_llm(s, {"OPENAI_API_KEY": "k2"}).api_key == "k2"
    assert make_llm(s).api_key == ""  # os.environ is never read here


def test_make_llm_max_tokens_setting():
    s = Settings(llm="openai:gpt-x", llm_base_url="http://127.0.0.1:9/v1")
    assert make_llm(s).max_tokens == 800  # 0: the backend's default
    assert make_llm(s.replace(llm_max_tokens=48)).max_tokens == 48
    assert Settings.load(None, None, {"BYRAAD_LLM_MAX_TOKENS": "64"}).llm_max_tokens == 64
    with pytest.raises(ValueError, match="llm_max_tokens"):
        s.replace(llm_max_tokens=-1)


def test_make_llm_errors():
    with pytest.raises(ValueError, match="choose from"):
        make_llm(Settings(llm="gpt4all:x"))
    with pytest.raises(ValueError):
        make_llm(Settings(llm="openai"))


def test_llamacpp_missing_gives_install_hint(monkeypatch):
    monkeypatch.setitem(sys.modules, "llama_cpp", None)
    with pytest.raises(ImportError, match=r"byraad-gpt\[llamacpp\]"):
        LlamaCppLLM("model.gguf")


def test_openai_client_unreachable_raises_not_hangs():
    llm = OpenAICompatLLM(model="m", base_url="http://127.0.0.1:9/v1", timeout=2)
    with pytest.raises(Exception):
        llm.complete("s", "p")

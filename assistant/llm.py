"""The LLM seam: a tiny protocol, a scripted test fake, an OpenAI-compatible client and in-process llama.cpp.

`make_llm(settings, environ)` returns None for "extractive" (the offline default: no model at all).
API keys come from the `environ` mapping handed in at the edge, never from os.environ here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping, Protocol, Sequence, runtime_checkable

from byraad.settings import Settings


@dataclass(frozen=True)
class ToolCall:
    """One tool call requested by the model."""

    name: str
    arguments: Mapping[str, Any]
    id: str = ""


@dataclass(frozen=True)
class ToolTurn:
    """A model turn in agentic mode: either tool calls or a final text."""

    text: str = ""
    calls: tuple[ToolCall, ...] = ()


@runtime_checkable
class LLM(Protocol):
    """A chat model. `tool_turn` is only called when `supports_tools` is True."""

    id: str
    supports_tools: bool

    def complete(self, system: str, prompt: str) -> str: ...

    def stream(self, system: str, prompt: str) -> Iterator[str]: ...


class ScriptedLLM:
    """Test fake: returns scripted replies in order (the last one repeats), records every prompt.

    A reply may be a callable `(system, prompt) -> str`. `tool_turns` scripts agentic turns (ToolTurn objects),
    consumed in order; when they run out, the model answers with its next text reply.
    """

    def __init__(
        self,
        replies: Sequence[str | Callable[[str, str], str]] | str = (),
        tool_turns: Sequence[ToolTurn] = (),
        supports_tools: bool | None = None,
        id: str = "scripted",
    ) -> None:
        self.replies = [replies] if isinstance(replies, str) else list(replies)
        self.tool_turns = list(tool_turns)
        self.supports_tools = bool(tool_turns) if supports_tools is None else supports_tools
        self.id = id
        self.calls: list[tuple[str, str]] = []  # (system, prompt) of complete/stream
        self.tool_calls: list[list[dict]] = []  # messages seen by tool_turn
        self._i = 0

    def _next(self, system: str, prompt: str) -> str:
        self.calls.append((system, prompt))
        if not self.replies:
            return ""
        r = self.replies[min(self._i, len(self.replies) - 1)]
        self._i += 1
        return r(system, prompt) if callable(r) else r

    def complete(self, system: str, prompt: str) -> str:
        return self._next(system, prompt)

    def stream(self, system: str, prompt: str) -> Iterator[str]:
        text = self._next(system, prompt)
        for i, word in enumerate(text.split(" ")):
            yield word if i == 0 else " " + word

    def tool_turn(self, system: str, messages: Sequence[dict], tools: Sequence[dict]) -> ToolTurn:
        self.tool_calls.append([dict(m) for m in messages])
        if self.tool_turns:
            return self.tool_turns.pop(0)
        prompt = "\n\n".join(str(m.get("content", "")) for m in messages)
        return ToolTurn(text=self._next(system, prompt))


@dataclass
class OpenAICompatLLM:
    """Any OpenAI-compatible chat endpoint (OpenAI, Azure OpenAI's v1 API, Ollama, vLLM, llama.cpp server)."""

    model: str
    base_url: str | None = None
    api_key: str = ""
    temperature: float = 0.0
    timeout: float = 60.0
    max_tokens: int = 800
    supports_tools: bool = True
    _client: Any = field(default=None, init=False, repr=False)

    @property
    def id(self) -> str:
        return f"openai:{self.model}"

    @property
    def client(self) -> Any:
        if self._client is None:
            from openai import OpenAI

            # Local servers ignore the key, but the client refuses to start without one.
            self._client = OpenAI(
                base_url=self.base_url or None, api_key=self.api_key or "sk-no-key", timeout=self.timeout, max_retries=1
            )
        return self._client

    def _messages(self, system: str, prompt: str) -> list[dict]:
        return [{"role": "system", "content": system}, {"role": "user", "content": prompt}]

    def complete(self, system: str, prompt: str) -> str:
        r = self.client.chat.completions.create(
            model=self.model,
            messages=self._messages(system, prompt),
            temperature=self.temperature,
            max_tokens=self.max_tokens,
        )
        return r.choices[0].message.content or ""

    def stream(self, system: str, prompt: str) -> Iterator[str]:
        r = self.client.chat.completions.create(
            model=self.model,
            messages=self._messages(system, prompt),
            temperature=self.temperature,
            max_tokens=self.max_tokens,
            stream=True,
        )
        for ev in r:
            if ev.choices and ev.choices[0].delta and ev.choices[0].delta.content:
                yield ev.choices[0].delta.content

    def tool_turn(self, system: str, messages: Sequence[dict], tools: Sequence[dict]) -> ToolTurn:
        r = self.client.chat.completions.create(
            model=self.model,
            messages=[{"role": "system", "content": system}, *messages],
            tools=[{"type": "function", "function": t} for t in tools],
            temperature=self.temperature,
            max_tokens=self.max_tokens,
        )
        msg = r.choices[0].message
        calls = []
        for tc in msg.tool_calls or ():
            try:
                args = json.loads(tc.function.arguments or "{}")
            except json.JSONDecodeError:
                args = {}
            calls.append(ToolCall(tc.function.name, args if isinstance(args, dict) else {}, tc.id))
        return ToolTurn(text=msg.content or "", calls=tuple(calls))


class LlamaCppLLM:
    """In-process llama-cpp-python over a GGUF file (uses the chat template embedded in the GGUF)."""

    supports_tools = False

    def __init__(
        self,
        model_path: str,
        n_ctx: int = 4096,
        n_threads: int | None = None,
        temperature: float = 0.0,
        max_tokens: int = 600,
    ) -> None:
        try:
            from llama_cpp import Llama
        except ImportError:
            raise ImportError("llamacpp needs llama-cpp-python: pip install 'byraad-gpt[llamacpp]'") from None
        self.id = f"llamacpp:{model_path}"
        self.temperature, self.max_tokens = temperature, max_tokens
        self._llm = Llama(model_path=model_path, n_ctx=n_ctx, n_threads=n_threads, verbose=False)

    def _messages(self, system: str, prompt: str) -> list[dict]:
        return [{"role": "system", "content": system}, {"role": "user", "content": prompt}]

    def complete(self, system: str, prompt: str) -> str:
        r = self._llm.create_chat_completion(
            messages=self._messages(system, prompt), temperature=self.temperature, max_tokens=self.max_tokens
        )
        return r["choices"][0]["message"].get("content") or ""

    def stream(self, system: str, prompt: str) -> Iterator[str]:
        for ev in self._llm.create_chat_completion(
            messages=self._messages(system, prompt),
            stream=True,
            temperature=self.temperature,
            max_tokens=self.max_tokens,
        ):
            delta = ev["choices"][0].get("delta", {}).get("content")
            if delta:
                yield delta


LLM_SCHEMES = ("extractive", "llamacpp", "openai")


def make_llm(settings: Settings, environ: Mapping[str, str] | None = None) -> LLM | None:
    """The configured LLM, or None for the extractive default. Keys: BYRAAD_API_KEY, then OPENAI_API_KEY."""
    env = environ or {}
    scheme, _, name = settings.llm.partition(":")
    scheme = scheme.strip().lower()
    if scheme == "extractive":
        return None
    if scheme == "openai":
        if not name:
            raise ValueError("llm 'openai' needs a model: openai:<model>")
        key = env.get("BYRAAD_API_KEY") or env.get("OPENAI_API_KEY") or ""
        return OpenAICompatLLM(
            model=name,
            base_url=settings.llm_base_url or None,
            api_key=key,
            temperature=settings.llm_temperature,
            timeout=settings.llm_timeout_s,
            **({"max_tokens": settings.llm_max_tokens} if settings.llm_max_tokens > 0 else {}),
        )
    if scheme == "llamacpp":
        if not name:
            raise ValueError("llm 'llamacpp' needs a GGUF file: llamacpp:<path.gguf>")
        return LlamaCppLLM(
            name,
            temperature=settings.llm_temperature,
            **({"max_tokens": settings.llm_max_tokens} if settings.llm_max_tokens > 0 else {}),
        )
    raise ValueError(f"unknown llm {settings.llm!r}; choose from {', '.join(LLM_SCHEMES)}")

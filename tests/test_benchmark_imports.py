"""The benchmark scripts measure the checkout they are in: run as `python benchmarks/x.py` from a git worktree, the
script's folder is first on sys.path, not the checkout, and the venv's editable install points at another checkout
(/work/main): without putting their own checkout first they would import — and measure — that one's code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Scripts that import the project's modules themselves; the others import one of these first (retrieval_variants,
# retrieval_lists and retrieval_rerank import retrieval_sets; answer_sweep and followup_bench import answer_quality).
SCRIPTS = ("retrieval_sets", "answer_quality", "eval_shared", "eval_sources", "retrieval_variants", "answer_sweep")


@pytest.mark.parametrize("name", SCRIPTS)
def test_a_benchmark_imports_this_checkouts_code(name, tmp_path):
    code = (
        "import runpy, sys\n"
        f"runpy.run_path({str(ROOT / 'benchmarks' / (name + '.py'))!r}, run_name='not_main')\n"
        "import byraad, evaluation\n"
        "print(byraad.__file__)\nprint(evaluation.__file__)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120, check=True
    ).stdout.split()
    assert out and all(Path(p).resolve().is_relative_to(ROOT) for p in out), out

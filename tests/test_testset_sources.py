"""The real-sources test set (portal pages, ESDH packages, real PDFs): well formed, and every evidence verbatim in
what its source yields (package members and the OCR'ed scan included). Needs ../shared, and tesseract for the scan."""

from __future__ import annotations

import collections
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
TESTSET = ROOT / "evaluation" / "testsets" / "shared_sources.jsonl"


def _cases() -> list[dict]:
    return [json.loads(line) for line in TESTSET.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_sources_set_shape():
    cases = _cases()
    kinds = collections.Counter(c["kind"] for c in cases)
    assert len(cases) >= 45 and len({c["id"] for c in cases}) == len(cases)
    assert kinds["unanswerable"] >= 6
    assert sum(1 for c in cases if c.get("paraphrased")) * 2 >= len(cases)
    folders = {c["source_file"].split("/")[0] for c in cases if c["source_file"]}
    assert {"corpus-pdf", "esdh", "html"} <= folders


@pytest.mark.slow
@pytest.mark.skipif(not SHARED.exists(), reason="../shared is not here")
@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract-ocr is not installed (the scan needs OCR)")
def test_sources_evidence_is_verbatim():
    # In a subprocess: the check OCRs a scanned PDF, and benchmarks/ is not a package.
    code = (
        "import sys; sys.path.insert(0, 'benchmarks'); import eval_sources as e; "
        "p = e.check(); print('\\n'.join(p)); sys.exit(1 if p else 0)"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]

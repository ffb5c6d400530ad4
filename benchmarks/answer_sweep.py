"""Answer quality at several settings of the extractive answerer's constants, in one process (retrieval cached).

    BYRAAD_EMBED_CACHE=/work/embcache.sqlite PYTHONPATH=. .venv/bin/python benchmarks/answer_sweep.py \
        --data-dir /tmp/idx --sets shared,partial --grid "RANK_DISCOUNT=0,0.15;SEM_WEIGHT=0.5,0.7" \
        [--one-at-a-time] [--out /tmp/sweep.json]

Every combination of the grid (or, with --one-at-a-time, each value of each constant with the others at their
defaults) sets `assistant.extractive.<NAME>` (or `assistant.answerable.<NAME>`, the refusal gate's) and answers every
case of the sets again over the same index (the retrieval results and question vectors are the ones
`benchmarks/answer_quality.py` caches in the data dir), then prints and writes the summary of every half (tuning and
checking halves apart; choose on the tuning half). A constant that is an attribute of neither module is an error, so
a typo sweeps nothing silently.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from answer_quality import HALVES_FROM, SETS, build, by_half, halves_of, load_cases, score, summarise  # noqa: E402

SHOWN = (
    "correctness",
    "citation_precision",
    "unanswerable_declined",
    "answerable_refused",
    "answerable_hedged",
    "partial_correct",
    "answer_p95_ms",
)


def parse_grid(text: str) -> dict[str, list[Any]]:
    """'A=0,0.1;B=x' → {'A': [0.0, 0.1], 'B': ['x']} (numbers as floats, true/false as booleans)."""

    def value(v: str) -> Any:
        v = v.strip()
        if v.lower() in ("true", "false"):
            return v.lower() == "true"
        try:
            return float(v)
        except ValueError:
            return v

    out: dict[str, list[Any]] = {}
    for item in text.split(";"):
        if item.strip():
            name, _, vals = item.partition("=")
            out[name.strip()] = [value(v) for v in vals.split(",") if v.strip()]
    return out


def answerer_modules(names) -> dict[str, Any]:
    """The module holding each named constant (assistant.extractive or assistant.answerable); None when neither does."""
    from assistant import answerable, extractive

    return {k: next((m for m in (extractive, answerable) if hasattr(m, k)), None) for k in names}


def set_constant(module: Any, name: str, value: Any, default: Any) -> None:
    """Set an answerer constant, a parsed number or boolean taking the type of its default (0.0 → 0 for an int)."""
    setattr(module, name, type(default)(value) if isinstance(default, (int, float, bool)) else value)


def configs(grid: dict[str, list[Any]], one_at_a_time: bool) -> list[dict[str, Any]]:
    """The settings to answer at: the defaults ({}) first, then every combination (or each value alone)."""
    if one_at_a_time:
        return [{}] + [{k: v} for k, vs in grid.items() for v in vs]
    keys = list(grid)
    return [{}] + [dict(zip(keys, combo)) for combo in itertools.product(*(grid[k] for k in keys))]


def main() -> int:
    from byraad.access import User

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--sets", default="shared,partial")
    ap.add_argument("--grid", required=True)
    ap.add_argument("--one-at-a-time", action="store_true")
    ap.add_argument("--out", default="")
    args = ap.parse_args()
    grid = parse_grid(args.grid)
    module = answerer_modules(grid)
    unknown = [k for k, m in module.items() if m is None]
    if unknown:
        ap.error(f"no such constant in assistant.extractive or assistant.answerable: {', '.join(unknown)}")
    names = [s.strip() for s in args.sets.split(",") if s.strip()]
    assistant, index = build(args.data_dir, "extractive")
    council = User("eval-byraadsmedlem", ("byraadsmedlem",))
    sets = []
    for name in names:
        halves = {} if name == "external" else halves_of(SETS[name], SETS.get(HALVES_FROM.get(name, "")))
        sets.append((name, halves, "external" if name == "external" else "project", load_cases(SETS[name])))
    defaults = {k: getattr(module[k], k) for k in grid}
    results = []
    for cfg in configs(grid, args.one_at_a_time):
        for k, v in {**defaults, **cfg}.items():
            set_constant(module[k], k, v, defaults[k])
        row: dict[str, Any] = {"config": cfg or "defaults"}
        for name, halves, rule, cases in sets:
            rows = [
                score(c, assistant.answer(c["question"], council), index, False, halves.get(c["id"], ""), rule)
                for c in cases
            ]
            for part, rs in by_half(name, rows).items():
                s = summarise(rs)
                row[f"{name}/{part}"] = {k: s[k] for k in SHOWN}
                if part != "all" or name == "external":
                    print(
                        f"{json.dumps(cfg, ensure_ascii=False) if cfg else 'defaults':40s} {name:8s} {part:5s} "
                        + " ".join(f"{s[k]}" for k in SHOWN),
                        flush=True,
                    )
        results.append(row)
        assistant.retriever.save()
    for k, v in defaults.items():
        setattr(module[k], k, v)
    if args.out:
        Path(args.out).write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

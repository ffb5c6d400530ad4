"""`byraad eval`: run the evaluation (exit 1 below the config's thresholds) and `byraad eval feedback`.

byraad eval --testset FILE [--config FILE.toml] --out DIR [--corpus DIR]... [--systems hybrid,dense,bm25,naive]
            [--matching project|external] [--retrieval-only]
            [--llm extractive|openai:<model>|llamacpp:/path/model.gguf] [--llm-base-url URL]
byraad eval feedback IN.jsonl --out draft.jsonl
"""

from __future__ import annotations

import dataclasses
import os
import sys

import click

SHOWN = (
    "recall_at_1",
    "recall_at_5",
    "recall_at_10",
    "mrr",
    "all_parts_at_10",
    "ndcg_at_10",
    "answer_correctness",
    "citation_precision",
    "refusal_accuracy",
    "false_refusal_rate",
    "partial_accuracy",
    "leaks",
    "latency_retrieve_p50_ms",
)


def summary_lines(results: dict) -> list[str]:
    """A compact table of the headline metrics per system for stdout."""
    from evaluation.report import fmt

    names = list(results["systems"])
    lines = ["metrik".ljust(26) + "".join(n.rjust(12) for n in names)]
    for m in SHOWN:
        lines.append(m.ljust(26) + "".join(fmt(results["systems"][n].get(m), m).rjust(12) for n in names))
    g = results["gate"]
    lines.append(
        f"tærskler ({g['system']}): " + ("bestået" if g["passed"] else "IKKE bestået: " + "; ".join(g["failures"]))
    )
    return lines


def register(main: click.Group) -> None:
    """Add the `eval` command group to the `byraad` CLI."""

    @main.group("eval", invoke_without_command=True)
    @click.option("--testset", type=click.Path(exists=True, dir_okay=False), help="Testsæt (JSONL).")
    @click.option(
        "--config",
        "eval_config",
        type=click.Path(exists=True, dir_okay=False),
        help="Evaluerings-TOML med [eval], [settings] og [thresholds].",
    )
    @click.option("--out", type=click.Path(file_okay=False), help="Mappe til rapporten.")
    @click.option(
        "--corpus",
        multiple=True,
        type=click.Path(exists=True, file_okay=False),
        help="Korpusmappe (standard: fundet ud fra testsættets filer).",
    )
    @click.option("--systems", help="Kommasepareret: hybrid,dense,bm25,naive,naive-bm25.")
    @click.option(
        "--matching",
        type=click.Choice(["project", "external"]),
        help="Regel for hvornår en passage indeholder evidensen (standard: konfigurationens).",
    )
    @click.option("--retrieval-only", is_flag=True, help="Mål kun genfinding (ingen svar; hurtigere).")
    @click.option(
        "--llm",
        "llm_spec",
        help="Svarmotor for alle systemer: extractive | openai:<model> | "
        "llamacpp:/sti/model.gguf (går forud for konfigurationens [settings] llm).",
    )
    @click.option("--llm-base-url", help="OpenAI-kompatibelt endpoint til --llm openai:<model>.")
    @click.option("--quiet", is_flag=True, help="Ingen statuslinjer på stderr.")
    @click.pass_context
    def eval_(
        ctx: click.Context,
        testset,
        eval_config,
        out,
        corpus,
        systems,
        matching,
        retrieval_only,
        llm_spec,
        llm_base_url,
        quiet,
    ) -> None:
        """Evaluér byråds-GPT og baselines på et testsæt; exit 1 under tærsklerne."""
        if ctx.invoked_subcommand is not None:
            return
        if not testset or not out:
            raise click.UsageError("byraad eval kræver --testset og --out")
        from evaluation.config import load_config, parse_systems, with_llm
        from evaluation.dataset import TestsetError
        from evaluation.runner import evaluate

        try:
            cfg = load_config(eval_config)
            names = parse_systems(systems)
            if matching:
                cfg = dataclasses.replace(cfg, matching=matching)
            if retrieval_only:
                cfg = dataclasses.replace(cfg, answers=False)
            cfg = with_llm(cfg, llm_spec, llm_base_url)
        except (ValueError, OSError) as e:
            raise click.UsageError(str(e)) from None
        try:
            results = evaluate(
                testset,
                out,
                ctx.obj.settings,
                cfg,
                corpus=corpus,
                systems=names,
                environ=os.environ,
                progress=not quiet,
            )
        except (TestsetError, ValueError) as e:
            raise click.UsageError(str(e)) from None
        click.echo("\n".join(summary_lines(results)))
        click.echo(f"Rapport: {os.path.join(out, 'report.html')}")
        sys.exit(0 if results["gate"]["passed"] else 1)

    @eval_.command("feedback")
    @click.argument("infile", type=click.Path(exists=True, dir_okay=False))
    @click.option("--out", "outfile", required=True, type=click.Path(dir_okay=False), help="Udkast (JSONL).")
    def feedback(infile, outfile) -> None:
        """Lav udkast til testspørgsmål af 👎-feedback eksporteret fra appen."""
        from evaluation.feedback import convert_file

        n, bad = convert_file(infile, outfile)
        click.echo(f"{n} udkast skrevet til {outfile}" + (f" ({bad} ulæselige linjer sprunget over)" if bad else ""))

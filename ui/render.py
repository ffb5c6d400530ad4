"""Pure presentation helpers (no Streamlit): answer → view dict, citation links, highlighted passages, Markdown.

A "view" is the plain dict an answer is shown and stored as, so a reopened conversation looks exactly like the live
one without touching the index again.
"""

from __future__ import annotations

import re
import time
from typing import Any, Iterable, Mapping

from byraad.dates import format_date
from byraad.types import Answer, Citation, Hit

KIND_LABELS = {"agenda": "Dagsordener", "minutes": "Referater", "indstilling": "Indstillinger",
               "handbook": "Håndbog", "report": "Rapporter og notater", "other": "Andet"}
_CITE = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")


def mode_label(mode: str) -> str:
    """How the answer was written, in plain Danish."""
    if not mode or mode == "extractive":
        return "Uddrag fra kilderne (ingen sprogmodel)"
    return f"Sprogmodel ({mode})"


OCR_NOTE = "(OCR – kan indeholde læsefejl)"


def cited_view(c: Citation, context: str = "") -> dict[str, Any]:
    d = {k: getattr(c, k) for k in ("key", "chunk_id", "title", "path", "pages", "quote", "source_text", "body",
                                    "meeting_date", "item_no", "item_title", "kind")}
    d["ocr"] = bool(getattr(c, "ocr", False))
    d["case_number"] = str(getattr(c, "case_number", "") or "")
    d["context"] = context or c.source_text or c.quote
    return d


def hit_view(h: Hit) -> dict[str, Any]:
    m = h.chunk.meta
    ps, pe = m.get("page_label_start") or m.get("page_start"), m.get("page_label_end") or m.get("page_end")
    pages = "" if ps in (None, "") else (str(ps) if ps == pe or pe in (None, "") else f"{ps}-{pe}")
    return {"chunk_id": h.chunk.chunk_id, "title": str(m.get("title") or m.get("path") or ""),
            "path": str(m.get("path") or ""), "pages": pages, "body": str(m.get("body") or ""),
            "meeting_date": m.get("meeting_date") if isinstance(m.get("meeting_date"), int) else None,
            "item_no": str(m.get("item_no") or ""), "item_title": str(m.get("item_title") or ""),
            "kind": str(m.get("kind") or ""), "case_number": str(m.get("case_number") or ""),
            "ocr": bool(m.get("ocr")), "snippet": _shorten(h.chunk.text, 300)}


def answer_view(a: Answer, contexts: Mapping[str, str] | None = None, filters_text: str = "") -> dict[str, Any]:
    """The stored/rendered form of an Answer; `contexts` maps chunk id → surrounding source text."""
    contexts = contexts or {}
    cited = {c.chunk_id for c in a.citations}
    return {
        "question": a.question, "text": a.text, "refused": a.refused, "mode": a.mode, "period": a.period,
        "filters": dict(a.filters), "filters_text": filters_text, "notes": list(a.notes),
        "settings_fingerprint": a.settings_fingerprint, "standalone_query": a.standalone_query,
        "citations": [cited_view(c, contexts.get(c.chunk_id, "")) for c in a.citations],
        "sources": [hit_view(h) for h in a.hits if h.chunk.chunk_id not in cited],
        "ts": time.time(), "context_checked": True,
    }


def safe_stored_view(view: Mapping[str, Any]) -> dict[str, Any]:
    """A stored view as it may be shown again: views saved before contexts were access-checked (no
    "context_checked") keep only each citation's own retrieved passage, never the widened context."""
    v = dict(view)
    if not v.get("context_checked"):
        v["citations"] = [dict(c, context=c.get("source_text") or c.get("quote") or "")
                          for c in v.get("citations", [])]
        v["context_checked"] = True
    return v


# Every character Markdown (CommonMark + Streamlit's extensions: :color[…], :icon:, $math$, ~~, tables) or HTML
# could act on. Written as a numeric character reference it is shown as itself both in Markdown text and inside our
# own HTML blocks, and can never start an image, a link, a tag or an entity.
_ACTIVE = frozenset("&<>\"'\\`*_{}[]()#+-.!|~$:^=@%/")
# GFM turns bare addresses into links after references are decoded; a word joiner (invisible) after the scheme or
# "www" and before "@" keeps them text where Markdown is the only way to show something (labels, captions, stream).
_AUTOLINK = re.compile(r"(?i)(https?|ftp|mailto|www)|@")
WORD_JOINER = "\u2060"


def _refs(s: str, newline: bool) -> str:
    s = str(s).replace("\r\n", "\n").replace("\r", "\n")
    return "".join(f"&#{ord(ch)};" if ch in _ACTIVE or (newline and ch == "\n") else ch for ch in s)


def as_text(s: str) -> str:
    """User or document text as Markdown source that shows it literally (labels, captions, the streamed answer):
    `![x](http://…)` stays those characters (the browser fetches nothing), `<b>` is not a tag, `**` is not bold, a
    bare address is no link."""
    s = _AUTOLINK.sub(lambda m: m.group(0) + WORD_JOINER if m.group(1) else WORD_JOINER + "@", str(s))
    return _refs(s, newline=False)


def as_html(s: str) -> str:
    """User or document text inside one of our HTML blocks: every active character and every line break as a
    character reference, so the block never ends (a blank line would hand the rest to Markdown) and nothing in it
    is a tag, a link or an image. Shown with `white-space: pre-wrap`."""
    return _refs(s, newline=True)


def text_block(s: str, cls: str = "byraad-text") -> str:
    """User or document text as one HTML block shown exactly as written (line breaks kept)."""
    return f'<div class="{cls}" style="white-space: pre-wrap">{as_html(s)}</div>'


def link_citations(text: str, anchor_prefix: str) -> str:
    """The answer as text (as_html, one HTML block) with every [n] (and [1, 3]) a link to the source below — the
    only links shown."""
    out, last = [], 0
    for m in _CITE.finditer(text):
        out.append(as_html(text[last:m.start()]))
        nums = [n.strip() for n in m.group(1).split(",")]
        links = ", ".join(f'<a href="#{anchor_prefix}-{n}" target="_self" class="byraad-cite">{n}</a>' for n in nums)
        out.append(f"[{links}]")
        last = m.end()
    out.append(as_html(text[last:]))
    return '<div class="byraad-answer" style="white-space: pre-wrap">' + "".join(out) + "</div>"


def source_line(s: Mapping[str, Any]) -> str:
    """"Titel · Udvalg · 18. februar 2025 · punkt 3: Titel · s. 3-4 · Sagsnr. …" for a citation or source, with
    the OCR caveat after it when the passage was read by OCR."""
    parts = [str(s.get("title") or s.get("path") or "Ukendt dokument")]
    if s.get("body"):
        parts.append(str(s["body"]))
    if s.get("kind") != "handbook" or s.get("meeting_date"):
        parts.append(format_date(s.get("meeting_date")))
    if s.get("item_no"):
        parts.append(f"punkt {s['item_no']}" + (f": {_clean_title(s.get('item_title', ''))}" if s.get("item_title") else ""))
    if s.get("pages"):
        parts.append(f"s. {s['pages']}")
    if s.get("case_number"):
        parts.append(f"Sagsnr. {s['case_number']}")
    line = " · ".join(parts)
    # Old stored views have no "ocr" key: they were never marked, so nothing is claimed for them.
    return f"{line} {OCR_NOTE}" if s.get("ocr") else line


def _clean_title(t: str) -> str:
    # Table-of-contents leaders ("Vandløb ........ 2") are noise on screen.
    return re.sub(r"\s*\.{3,}.*$", "", str(t)).strip()


def _fuzzy_pattern(passage: str) -> re.Pattern | None:
    """A regex finding the passage in the source despite line breaks, hyphenation and spacing differences."""
    words = re.findall(r"\w+", passage)
    if not words:
        return None
    word_pats = [r"(?:-?\s*|\u00ad)?".join(re.escape(ch) for ch in w) for w in words]
    try:
        return re.compile(r"\W+".join(word_pats), re.IGNORECASE)
    except re.error:
        return None


def find_passage(context: str, passages: Iterable[str]) -> tuple[int, int] | None:
    """The span of the first passage found in the context (exactly, then fuzzily), or None."""
    for p in passages:
        p = (p or "").strip()
        if not p:
            continue
        i = context.find(p)
        if i >= 0:
            return i, i + len(p)
        pat = _fuzzy_pattern(p[:1500])
        m = pat.search(context) if pat else None
        if m:
            end = m.end()
            # \w-patterns stop before closing punctuation the passage itself has ("… vedtaget.").
            while end < len(context) and p[-1:] in ".,;:!?)»”\"" and context[end] in ".,;:!?)»”\"":
                end += 1
            return m.start(), end
    return None


def highlight_html(context: str, passages: Iterable[str]) -> tuple[str, bool]:
    """HTML of the context with the cited passage in <mark>; False when the passage could not be located."""
    passages = list(passages)
    span = find_passage(context, passages)
    style = 'style="white-space: pre-wrap; font-size: 0.92em; border-left: 3px solid #c9a227; padding-left: .6em"'
    if span is None:
        quote = next((p for p in passages if p), "")
        body = (f"<mark class=\"byraad-mark\">{as_html(quote)}</mark>&#10;&#10;" if quote else "") + as_html(context)
        return f'<div class="byraad-source" {style}>{body}</div>', False
    s, e = span
    body = (as_html(context[:s]) + f'<mark class="byraad-mark">{as_html(context[s:e])}</mark>'
            + as_html(context[e:]))
    return f'<div class="byraad-source" {style}>{body}</div>', True


def describe_filters(flt: Mapping[str, Any], body_names: Mapping[str, str] | None = None) -> str:
    """The active filters in words ("" when none)."""
    body_names = body_names or {}
    parts = []
    if flt.get("bodies"):
        parts.append("Udvalg: " + ", ".join(body_names.get(b, b) for b in flt["bodies"]))
    if flt.get("kinds"):
        parts.append("Type: " + ", ".join(KIND_LABELS.get(k, k).lower() for k in flt["kinds"]))
    if flt.get("date_from") or flt.get("date_to"):
        a = format_date(flt["date_from"]) if flt.get("date_from") else "…"
        b = format_date(flt["date_to"]) if flt.get("date_to") else "…"
        parts.append(f"Periode: {a} – {b}")
    return "; ".join(parts)


_MD_ACTIVE = re.compile(r"([\\`*_{}\[\]()!|~<>$&])")
_MD_LINE_START = re.compile(r"(?m)^(\s*)([#>+=-]|\d+[.)])")


def md_escape(s: str) -> str:
    """Text for a Markdown file (the export): inline Markdown/HTML characters backslash-escaped, and a line that would
    start a heading, quote or list too, so a viewer shows `![x](http://…)` as written and fetches nothing."""
    def line(m: re.Match) -> str:
        lead = m.group(2)
        return m.group(1) + (lead[:-1] + "\\" + lead[-1] if lead[0].isdigit() else "\\" + lead)

    return _MD_LINE_START.sub(line, _MD_ACTIVE.sub(r"\\\1", str(s)))


def conversation_markdown(title: str, views: list[Mapping[str, Any]], user: str = "") -> str:
    """A conversation with its sources as a Markdown document (for download); user and document text escaped."""
    e = md_escape
    lines = [f"# {e(title or 'Samtale')}", "", f"Eksporteret {time.strftime('%d-%m-%Y %H:%M')}"
             + (f" af {e(user)}" if user else "") + " fra byråds-GPT.", ""]
    for i, v in enumerate(views, 1):
        lines += [f"## {i}. {e(v['question'])}", ""]
        if v.get("filters_text"):
            lines += [f"*{e(v['filters_text'])}*", ""]
        lines += [e(v["text"]), ""]
        if v.get("period"):
            lines += [f"Periode: {e(v['period'])}", ""]
        if v.get("citations"):
            lines.append("**Kilder**")
            lines.append("")
            for c in v["citations"]:
                lines.append(f"\\[{c['key']}\\] {e(source_line(c))} — fil: {e(c['path'])}")
                if c.get("quote"):
                    lines.append(f"> {e(_shorten(c['quote'], 600))}")
                lines.append("")
        if v.get("sources"):
            lines.append("**Andre relevante kilder**" if not v.get("refused") else "**Måske relevant**")
            lines.append("")
            lines += [f"- {e(source_line(s))} — fil: {e(s['path'])}" for s in v["sources"]]
            lines.append("")
        lines += [f"*Svarform: {e(mode_label(v.get('mode', '')))}; indstillinger {v.get('settings_fingerprint', '')}*",
                  ""]
    return "\n".join(lines)


def _shorten(text: str, n: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"

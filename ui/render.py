"""Pure presentation helpers (no Streamlit): answer → view dict, citation links, highlighted passages, Markdown.

A "view" is the plain dict an answer is shown and stored as, so a reopened conversation looks exactly like the live
one without touching the index again.
"""

from __future__ import annotations

import bisect
import html
import re
import time
from typing import Any, Iterable, Mapping

from assistant.citations import MARKER_RE, content_tokens, keys_in, split_sentences
from byraad.access import is_closed
from byraad.dates import format_date
from byraad.types import CLOSED_PREFIX, INTERNAL, KIND_LABELS, PUBLIC, Answer, Citation, Hit

_CITE = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")


def access_label(level: str | None) -> str:
    """An access level in Danish words: "offentlig", "intern", "lukket dagsorden (<organ>)", "lukket dagsorden"."""
    if level == PUBLIC:
        return "offentlig"
    if level == INTERNAL:
        return "intern"
    if level and level.startswith(CLOSED_PREFIX):
        return f"lukket dagsorden ({level[len(CLOSED_PREFIX) :]})"
    return "lukket dagsorden"  # closed of every body, or an unknown level (counts as closed)


def mode_label(mode: str) -> str:
    """How the answer was written, in plain Danish."""
    if not mode or mode == "extractive":
        return "Uddrag fra kilderne (ingen sprogmodel)"
    return f"Sprogmodel ({mode})"


OCR_NOTE = "(OCR – kan indeholde læsefejl)"
INTERNAL_NOTE = "Afvist:"  # the assistant's internal refusal reason, as a note in older answers


def cited_view(c: Citation, context: str | tuple[str, tuple[int, int]] = "") -> dict[str, Any]:
    d = {
        k: getattr(c, k)
        for k in (
            "key",
            "chunk_id",
            "title",
            "path",
            "pages",
            "quote",
            "source_text",
            "body",
            "meeting_date",
            "item_no",
            "item_title",
            "kind",
        )
    }
    d["ocr"] = bool(getattr(c, "ocr", False))
    d["access"] = str(getattr(c, "access", "") or "")
    d["case_number"] = str(getattr(c, "case_number", "") or "")
    if isinstance(context, tuple):
        context, span = context
        d["context_span"] = list(span) if context else None
    d["context"] = context or c.source_text or c.quote
    return d


def hit_view(h: Hit) -> dict[str, Any]:
    m = h.chunk.meta
    ps, pe = m.get("page_label_start") or m.get("page_start"), m.get("page_label_end") or m.get("page_end")
    pages = "" if ps in (None, "") else (str(ps) if ps == pe or pe in (None, "") else f"{ps}-{pe}")
    return {
        "chunk_id": h.chunk.chunk_id,
        "title": str(m.get("title") or m.get("path") or ""),
        "path": str(m.get("path") or ""),
        "pages": pages,
        "body": str(m.get("body") or ""),
        "meeting_date": m.get("meeting_date") if isinstance(m.get("meeting_date"), int) else None,
        "item_no": str(m.get("item_no") or ""),
        "item_title": str(m.get("item_title") or ""),
        "kind": str(m.get("kind") or ""),
        "case_number": str(m.get("case_number") or ""),
        "ocr": bool(m.get("ocr")),
        "access": str(m.get("access") or ""),
        "snippet": _shorten(h.chunk.text, 300),
    }


def answer_view(a: Answer, contexts: Mapping[str, Any] | None = None, filters_text: str = "") -> dict[str, Any]:
    """The stored/rendered form of an Answer; `contexts` maps chunk id → surrounding source text, or (text, span of
    the cited chunk in it)."""
    contexts = contexts or {}
    cited = {c.chunk_id for c in a.citations}
    levels = {h.chunk.chunk_id: str(h.chunk.meta.get("access") or "") for h in a.hits}
    return {
        "question": a.question,
        "text": a.text,
        "refused": a.refused,
        "mode": a.mode,
        "period": a.period,
        "filters": dict(a.filters),
        "filters_text": filters_text,
        "notes": list(a.notes),
        "refusal_reason": str(getattr(a, "refusal_reason", "") or ""),
        "settings_fingerprint": a.settings_fingerprint,
        "standalone_query": a.standalone_query,
        "citations": [
            dict(cited_view(c, contexts.get(c.chunk_id, "")), access=levels.get(c.chunk_id, "")) for c in a.citations
        ],
        "sources": [hit_view(h) for h in a.hits if h.chunk.chunk_id not in cited],
        "ts": time.time(),
        "context_checked": True,
    }


def refusal_reason(view: Mapping[str, Any]) -> str:
    """The internal reason an answer was refused ("ingen sætning i kilderne …"): the Answer's own field, or the
    "Afvist: …" note older answers carry. For the secretariat only; jargon to a council member."""
    if view.get("refusal_reason"):
        return str(view["refusal_reason"])
    return next(
        (str(n).split(":", 1)[1].strip() for n in view.get("notes", []) or [] if str(n).startswith(INTERNAL_NOTE)), ""
    )


def public_notes(view: Mapping[str, Any]) -> list[str]:
    """The notes every user sees (the internal refusal reason left out)."""
    return [str(n) for n in view.get("notes", []) or [] if not str(n).startswith(INTERNAL_NOTE)]


def safe_stored_view(view: Mapping[str, Any]) -> dict[str, Any]:
    """A stored view as it may be shown again: views saved before contexts were access-checked (no
    "context_checked") keep only each citation's own retrieved passage, never the widened context."""
    v = dict(view)
    if not v.get("context_checked"):
        v["citations"] = [dict(c, context=c.get("source_text") or c.get("quote") or "") for c in v.get("citations", [])]
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
        out.append(as_html(text[last : m.start()]))
        nums = [n.strip() for n in m.group(1).split(",")]
        links = ", ".join(f'<a href="#{anchor_prefix}-{n}" target="_self" class="byraad-cite">{n}</a>' for n in nums)
        out.append(f"[{links}]")
        last = m.end()
    out.append(as_html(text[last:]))
    return '<div class="byraad-answer" style="white-space: pre-wrap">' + "".join(out) + "</div>"


def source_line(s: Mapping[str, Any]) -> str:
    """ "Titel · Udvalg · 18. februar 2025 · punkt 3: Titel · s. 3-4 · Sagsnr. …" for a citation or source, with
    the OCR caveat after it when the passage was read by OCR."""
    parts = [str(s.get("title") or s.get("path") or "Ukendt dokument")]
    if s.get("body"):
        parts.append(str(s["body"]))
    if when := meeting_date_text(s):
        parts.append(when)
    if s.get("item_no"):
        parts.append(
            f"punkt {s['item_no']}" + (f": {_clean_title(s.get('item_title', ''))}" if s.get("item_title") else "")
        )
    if s.get("pages"):
        parts.append(f"s. {s['pages']}")
    if s.get("case_number"):
        parts.append(f"Sagsnr. {s['case_number']}")
    line = " · ".join(parts)
    # Old stored views have no "ocr" key: they were never marked, so nothing is claimed for them.
    return f"{line} {OCR_NOTE}" if s.get("ocr") else line


def meeting_date_text(s: Mapping[str, Any]) -> str:
    """The meeting date in words; "udateret møde" (the word answers use too) for a meeting whose date is not
    written; "" for a document that is no meeting (a report, the handbook) — having no meeting date is normal for
    those, not a warning."""
    if s.get("meeting_date"):
        return format_date(s["meeting_date"])
    if s.get("kind") in ("agenda", "minutes") or s.get("item_no") or s.get("body"):
        return "udateret møde"
    return ""


def _clean_title(t: str) -> str:
    # Table-of-contents leaders ("Vandløb ........ 2") are noise on screen.
    return re.sub(r"\s*\.{3,}.*$", "", str(t)).strip()


_CLOSE = ".!?:;…»”\")'"


_QUOTED_START = re.compile(r"(?<=[.!?])\s+(?=[“«„\"]\s*[A-ZÆØÅ0-9])")


def citing_sentences(text: str, key: int | str) -> list[str]:
    """The sentences of an answer that cite [key], markers removed ("… kurs [1]." → "… kurs.")."""

    out = []
    # A quoted sentence ("… spørgsmålet [1]. “Aarhus Kommune har …") starts a sentence of its own.
    pieces = [p for s in split_sentences(text or "") for p in _QUOTED_START.split(s)]
    for s in pieces:
        if int(key) in keys_in(s):
            clean = re.sub(r"[ \t]+([.,;:!?])", r"\1", MARKER_RE.sub("", s))
            clean = re.sub(r"^\s*[-•*]\s+", "", " ".join(clean.split()))
            if clean and clean not in out:
                out.append(clean)
    return out


class _Letters:
    """A text's letters and digits only, lowercased, with each one's offset in the text: sentences are compared on
    these, so line and page breaks, blank lines, hyphenation ("tit-\nlen") and spacing do not matter."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.offs = [i for i, ch in enumerate(text) if ch.isalnum()]
        self.stream = "".join(text[i].lower() for i in self.offs)

    def find(self, needle: str, lo: int = 0, hi: int | None = None) -> tuple[int, int] | None:
        """The text span (with closing punctuation) of `needle`'s letters, starting and ending at word edges, inside
        text[lo:hi]."""
        want = "".join(ch.lower() for ch in needle if ch.isalnum())
        if not want:
            return None
        hi = len(self.text) if hi is None else hi
        k = bisect.bisect_left(self.offs, lo)
        while (k := self.stream.find(want, k)) >= 0:
            s, e = self.offs[k], self.offs[k + len(want) - 1] + 1
            if e > hi:
                return None
            if (s == 0 or not self.text[s - 1].isalnum()) and (e == len(self.text) or not self.text[e].isalnum()):
                return s, _close(self.text, e)
            k += 1
        return None


def _close(text: str, e: int) -> int:
    """The end of a sentence including its closing punctuation ("kurs" → "kurs.")."""
    while e < len(text) and text[e] in _CLOSE:
        e += 1
        if text[e - 1] in ".!?:;":
            break
    return e


def source_sentences(text: str, lo: int = 0, hi: int | None = None) -> list[tuple[int, int]]:
    """Character spans of the sentences of text[lo:hi] (Danish sentence rules of assistant.citations)."""

    hi = len(text) if hi is None else hi
    letters = _Letters(text)
    out, at = [], lo
    for sent in split_sentences(text[lo:hi]):
        span = letters.find(sent, at, hi)
        if span:
            out.append(span)
            at = span[1]
    return out


def mark_spans(context: str, sentences: Iterable[str], region: tuple[int, int] | None = None) -> list[tuple[int, int]]:
    """Where to mark each cited sentence in the context, once each: the sentence itself where the source has it word
    for word (hyphenation, line and page breaks do not matter), else the source sentence inside the answer's
    sentence ("…, punkt 5: Godkendt." → "Godkendt."), else the source sentence sharing most of its content words
    with it (at least half). The cited chunk's `region` is searched first, then the whole context."""

    letters = _Letters(context)
    regions = [tuple(region)] if region and region[1] > region[0] else []
    regions.append((0, len(context)))
    out: list[tuple[int, int]] = []
    for sent in sentences:
        sent_letters = _Letters(sent)
        own = sent_letters.stream
        if not own:
            continue
        found = None
        for lo, hi in regions:
            found = letters.find(sent, lo, hi)
            if found:
                break
            cands = source_sentences(context, lo, hi)
            # A source sentence ending the answer's sentence is what it quotes ("…, punkt 5 (Vandløb): Godkendt.");
            # the item title before it is the answer's own framing.
            inner = [
                (_tail(own, context[s:e]), e - s, (s, e)) for s, e in cands if _inside(sent_letters, own, context[s:e])
            ]
            if inner:
                found = max(inner)[2]
                break
            toks = content_tokens(sent)
            scored = [
                (len(toks & content_tokens(context[s:e])) / max(len(toks), 1), -(e - s), (s, e)) for s, e in cands
            ]
            best = max(scored, default=None)
            if best and best[0] >= 0.5:
                found = best[2]
                break
        if found and not any(s < found[1] and found[0] < e for s, e in out):
            out.append(found)
    return sorted(out)


def _inside(sent: _Letters, own: str, source_sentence: str) -> bool:
    """True when a (shorter) source sentence stands whole inside the answer's sentence: at its end ("…: Godkendt."),
    or anywhere when it is not a single short word."""
    theirs = "".join(ch.lower() for ch in source_sentence if ch.isalnum())
    if not theirs or len(theirs) >= len(own) or not sent.find(source_sentence):
        return False
    return own.endswith(theirs) or len(theirs) >= 8


def _tail(own: str, source_sentence: str) -> bool:
    return own.endswith("".join(ch.lower() for ch in source_sentence if ch.isalnum()))


def highlighted_html(context: str, spans: Iterable[tuple[int, int]], anchor: str = "") -> str:
    """The context as escaped text with each span in <mark>; the first mark carries the anchor id."""
    parts, last = [], 0
    for n, (s, e) in enumerate(sorted(spans)):
        ident = f' id="{html.escape(anchor)}"' if anchor and n == 0 else ""
        parts.append(html.escape(context[last:s]))
        parts.append(f'<mark class="byraad-mark"{ident}>{html.escape(context[s:e])}</mark>')
        last = e
    parts.append(html.escape(context[last:]))
    return "".join(parts)


def source_facts(c: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, value) rows naming a cited source: document, meeting, item, page, case number, file."""
    rows = [("Dokument", str(c.get("title") or c.get("path") or "Ukendt dokument"))]
    if c.get("body") or c.get("meeting_date") or c.get("item_no"):
        rows.append(("Møde", " · ".join(x for x in (str(c.get("body") or ""), meeting_date_text(c)) if x)))
    if c.get("item_no"):
        rows.append(
            ("Punkt", f"{c['item_no']}" + (f": {_clean_title(c['item_title'])}" if c.get("item_title") else ""))
        )
    if c.get("pages"):
        rows.append(("Side", str(c["pages"])))
    if c.get("case_number"):
        rows.append(("Sagsnr.", str(c["case_number"])))
    if c.get("path"):
        rows.append(("Fil", str(c["path"])))
    return rows


def source_panel_html(
    c: Mapping[str, Any], anchor: str, sentences: Iterable[str], link: Mapping[str, str] | None, is_open: bool = False
) -> tuple[str, bool]:
    """One cited source as a <details> block (for st.html, so no Markdown touches the text): the summary line, then
    document, meeting, item, page and case number, the link to the original file, and the surrounding text with the
    cited sentence(s) marked. The anchor the answer's [n] points at sits inside, so following it opens the block.
    Returns the HTML and whether the cited sentence was found in the text."""
    context = c.get("context") or c.get("source_text") or c.get("quote") or ""
    region = tuple(c["context_span"]) if c.get("context_span") else _region(context, c)
    spans = mark_spans(context, sentences, region)
    if not spans and region and region[1] > region[0]:
        spans = [tuple(region)]  # the cited passage itself, when no sentence of the answer can be placed
    facts = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in source_facts(c))
    ocr = (
        f'<p class="byraad-note">{html.escape(OCR_NOTE)}: teksten er læst maskinelt fra en skannet side.</p>'
        if c.get("ocr")
        else ""
    )
    orig = (
        f'<p><a class="byraad-original" href="{html.escape(link["url"])}" target="_blank">'
        f"{html.escape(link['label'])} ↗</a></p>"
        if link
        else ""
    )
    anchor_at_mark = bool(spans)
    text = highlighted_html(context, spans, anchor if anchor_at_mark else "")
    body_id = "" if anchor_at_mark else f' id="{html.escape(anchor)}"'
    summary = f"[{html.escape(str(c.get('key', '')))}] {html.escape(source_line(c))}"
    out = (
        f'<details class="byraad-kilde"{" open" if is_open else ""}><summary>{summary}</summary>'
        f'<div class="byraad-kilde-body"{body_id}><table class="byraad-facts">{facts}</table>{ocr}{orig}'
        f'<div class="byraad-source">{text}</div></div></details>'
    )
    return out, bool(spans)


def _region(context: str, c: Mapping[str, Any]) -> tuple[int, int] | None:
    """The cited passage's place in a context stored without its span (older views)."""

    letters = _Letters(context)
    for p in (c.get("quote"), c.get("source_text")):
        sents = split_sentences(p or "")
        if sents and (first := letters.find(sents[0])) and (last := letters.find(sents[-1], first[0])):
            return first[0], last[1]
    return None


SOURCE_CSS = """<style>
details.byraad-kilde { border: 1px solid rgba(49,51,63,.2); border-radius: .5rem; margin: .35rem 0; padding: .35rem .7rem; }
details.byraad-kilde > summary { cursor: pointer; font-size: .92em; }
details.byraad-kilde[open] > summary { margin-bottom: .4rem; }
table.byraad-facts { font-size: .85em; border-collapse: collapse; margin: 0 0 .4rem 0; }
table.byraad-facts th { text-align: left; padding: 0 .8em 0 0; font-weight: 600; vertical-align: top; border: 0; }
table.byraad-facts td { padding: 0; border: 0; overflow-wrap: anywhere; }
div.byraad-source { white-space: pre-wrap; font-size: .92em; border-left: 3px solid #c9a227; padding-left: .6em;
  max-height: 28rem; overflow-y: auto; overflow-wrap: anywhere; }
mark.byraad-mark { background: #ffe08a; padding: 0 .1em; scroll-margin-top: 8rem; }
.byraad-note { font-size: .85em; color: #555; margin: .2rem 0; }
</style>"""


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


CLOSED_MARK = (
    "FORTROLIGT – indeholder materiale fra lukket dagsorden. Må ikke videregives til personer uden "
    "adgang til det lukkede punkt."
)
INTERNAL_MARK = "INTERNT – indeholder internt materiale, der ikke er offentligt. Må ikke videregives."


def export_marking(views: Iterable[Mapping[str, Any]]) -> str:
    """The confidentiality marking an export needs ("" when everything in it is public): closed material (lukket
    dagsorden) above internal. A source whose level is unknown (a view stored before levels were kept) counts as
    closed: marking too much is the safe error."""

    levels = [
        str(x.get("access") or "closed")
        for v in views
        for x in list(v.get("citations", []) or []) + list(v.get("sources", []) or [])
    ]
    if any(is_closed(lv) for lv in levels):
        return CLOSED_MARK
    if any(lv != "public" for lv in levels):
        return INTERNAL_MARK
    return ""


def conversation_markdown(title: str, views: list[Mapping[str, Any]], user: str = "") -> str:
    """A conversation with its sources as a Markdown document (for download); user and document text escaped."""
    e = md_escape
    mark = export_marking(views)
    banner = [f"**{e(mark)}**", ""] if mark else []
    lines = banner + [
        f"# {e(title or 'Samtale')}",
        "",
        f"Eksporteret {time.strftime('%d-%m-%Y %H:%M')}" + (f" af {e(user)}" if user else "") + " fra byråds-GPT.",
        "",
    ]
    for i, v in enumerate(views, 1):
        lines += [f"## {i}. {e(v['question'])}", ""] + banner
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
        lines += [
            f"*Svarform: {e(mode_label(v.get('mode', '')))}; indstillinger {v.get('settings_fingerprint', '')}*",
            "",
        ]
    return "\n".join(lines + banner)


def _shorten(text: str, n: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"

"""A conversation with its sources as a PDF (download from the chat's sidebar), made with fpdf2.

The text is set in a Unicode TrueType font found on the machine (Debian's fonts-dejavu-core, or the DejaVu copy
matplotlib ships, or Liberation), so æøå, “quotes” and – dashes come out right. Without any such font it falls back
to a core PDF font and replaces what Latin-1 cannot hold, rather than failing the download.
"""

from __future__ import annotations

import importlib.util
import time
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from assistant.prompts import REFUSAL
from ui.render import export_marking, mode_label, public_notes, source_line

FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/share/fonts/TTF")
# (regular, bold, oblique) file names per family, best first.
FONT_FILES = (("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf"),)
LIBERATION = (
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Italic.ttf",
)
_LATIN1 = str.maketrans(
    {"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "…": "...", "\u00ad": "", "•": "-"}
)
REFUSED_LABEL = "Ikke i materialet"


def available() -> bool:
    """True when fpdf2 is installed (the PDF button is hidden otherwise)."""
    return importlib.util.find_spec("fpdf") is not None


@lru_cache(maxsize=1)
def find_font() -> tuple[str, str, str] | None:
    """Paths of a Unicode TTF family (regular, bold, italic; bold/italic fall back to regular), or None."""
    dirs = [Path(d) for d in FONT_DIRS]
    spec = importlib.util.find_spec("matplotlib")  # located without importing matplotlib (slow, heavy)
    if spec and spec.submodule_search_locations:
        dirs.append(Path(list(spec.submodule_search_locations)[0]) / "mpl-data" / "fonts" / "ttf")
    for d in dirs:
        for reg, bold, ital in FONT_FILES:
            if (d / reg).is_file():
                return tuple(str(d / f) if (d / f).is_file() else str(d / reg) for f in (reg, bold, ital))
    if Path(LIBERATION[0]).is_file():
        return tuple(p if Path(p).is_file() else LIBERATION[0] for p in LIBERATION)
    return None


class _Doc:
    """A thin writer over FPDF: headings, paragraphs, indented quotes, in the chosen font."""

    def __init__(self, title: str, marking: str = "") -> None:
        from fpdf import FPDF

        self.pdf = FPDF(format="A4")
        self.marking = marking
        self.pdf.header = self._header  # called by FPDF on every new page
        self.pdf.set_title(title)
        self.pdf.set_creator("byråds-GPT")
        self.pdf.set_auto_page_break(True, margin=15)
        self.pdf.set_margins(18, 16, 18)
        font = find_font()
        self.unicode = font is not None
        if font:
            for style, path in zip(("", "B", "I"), font):
                self.pdf.add_font("Body", style, path)
            self.family = "Body"
        else:
            self.family = "helvetica"
        self.pdf.add_page()

    def _header(self) -> None:
        """The confidentiality marking at the top of every page (none for public material)."""
        if not self.marking:
            return
        pdf = self.pdf
        pdf.set_font(self.family, "B", 9.5)
        pdf.set_text_color(170, 0, 0)
        pdf.set_draw_color(170, 0, 0)
        pdf.multi_cell(pdf.epw, 5, self._t(self.marking), border=1, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        pdf.set_text_color(0)
        pdf.set_draw_color(0)

    def _t(self, text: str) -> str:
        text = str(text)
        if self.unicode:
            return text
        return text.translate(_LATIN1).encode("latin-1", "replace").decode("latin-1")

    def para(
        self, text: str, size: float = 10.5, style: str = "", indent: float = 0, gray: int = 0, gap: float = 1.5
    ) -> None:
        if not str(text).strip():
            return
        pdf = self.pdf
        pdf.set_font(self.family, style, size)
        pdf.set_text_color(gray)
        pdf.set_x(pdf.l_margin + indent)
        pdf.multi_cell(pdf.epw - indent, size * 0.5, self._t(text), align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)
        pdf.set_text_color(0)

    def rule(self) -> None:
        pdf = self.pdf
        pdf.set_draw_color(190)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
        pdf.ln(3)

    def output(self) -> bytes:
        return bytes(self.pdf.output())


def _shorten(text: str, n: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def _turn(doc: _Doc, i: int, v: Mapping[str, Any], refusal: str) -> None:
    doc.para(f"{i}. {v.get('question', '')}", size=13, style="B", gap=2)
    facts = [f"Svarform: {mode_label(v.get('mode', ''))}"]
    if v.get("filters_text"):
        facts.insert(0, f"Filtre: {v['filters_text']}")
    if v.get("period"):
        facts.insert(0, f"Periode: {v['period']}")
    if v.get("refused"):
        doc.para(f"{REFUSED_LABEL}: {refusal}", size=11, style="B", gap=1)
        doc.para("Materialet i indekset indeholder ikke et svar på spørgsmålet.", gray=60)
    else:
        doc.para(v.get("text", ""), size=11)
    doc.para(" · ".join(facts), size=9, gray=90)
    for note in public_notes(v):
        doc.para(f"Bemærk: {note}", size=9.5, style="I", gray=60)
    cits = v.get("citations") or []
    if cits:
        doc.para("Kilder", size=11.5, style="B", gap=1)
    for c in cits:
        doc.para(f"[{c.get('key')}] {source_line(c)}", size=10, style="B", gap=0.5)
        doc.para(f"Fil: {c.get('path', '')}", size=8.5, gray=90, indent=6, gap=0.8)
        quote = c.get("quote") or c.get("source_text") or ""
        if quote:
            doc.para(f"“{_shorten(quote, 1200)}”", size=9.5, style="I", gray=40, indent=6, gap=2.5)
    others = v.get("sources") or []
    if others:
        doc.para("Måske relevant" if v.get("refused") else "Andre relevante kilder", size=11, style="B", gap=1)
        for s in others:
            doc.para(f"- {source_line(s)} (fil: {s.get('path', '')})", size=9.5, indent=3, gap=0.8)
    fp = v.get("settings_fingerprint")
    if fp:
        doc.para(f"Indstillinger: {fp}", size=8, gray=120)
    doc.rule()


def conversation_pdf(
    title: str, views: list[Mapping[str, Any]], user: str = "", refusal: str = "", now: float | None = None
) -> bytes:
    """The conversation (questions, answers with [n], their sources and quoted passages) as PDF bytes."""
    refusal = refusal or REFUSAL
    doc = _Doc(title or "Samtale", export_marking(views))
    doc.para(title or "Samtale", size=16, style="B", gap=1)
    when = time.strftime("%d-%m-%Y %H:%M", time.localtime(now if now is not None else time.time()))
    doc.para(f"Eksporteret {when}" + (f" af {user}" if user else "") + " fra byråds-GPT.", size=9.5, gray=80, gap=4)
    doc.rule()
    for i, v in enumerate(views, 1):
        _turn(doc, i, v, refusal)
    doc.para("Svarene bygger kun på det indlæste materiale; kontrollér altid kilden før brug.", size=8.5, gray=100)
    return doc.output()

"""Generate the fictional "Solbjerg Kommune" sample corpus (sample_corpus/ and sample_corpus_updates/).

Deterministic: fixed PDF creation dates, fixed DOCX zip timestamps and core properties, so a rerun
writes the same bytes. The texts live in scripts/sample_corpus_texts.py; scripts/SAMPLE_CORPUS.md says
what each file is for. Usage: python scripts/make_sample_corpus.py [--out DIR] [--updates DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import io
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
LINE_H = 5.0  # mm per text line
BOTTOM_LIMIT = 270.0  # mm: stay clear of the footer; overflow is a content bug, not a silent page break


def _texts():
    """The corpus texts module, loaded by path (scripts/ is no package)."""
    spec = importlib.util.spec_from_file_location("sample_corpus_texts", HERE / "sample_corpus_texts.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _utc(date: str) -> dt.datetime:
    return dt.datetime.strptime(date, "%Y-%m-%d").replace(hour=9, tzinfo=dt.timezone.utc)


# ---------------------------------------------------------------- PDF


def render_pdf(spec: dict) -> bytes:
    """A PDF with exactly the given pages, a running header, "Side n af N" footers and page labels."""
    from fpdf import FPDF
    from pypdf import PdfReader, PdfWriter

    pages: list[str] = spec["pages"]
    header = spec["header"]

    class Doc(FPDF):
        def header(self) -> None:
            if self.page_no() > 1:  # like real exports: the running header starts on page 2
                self.set_font("Helvetica", size=8)
                self.cell(0, 6, text=header, new_x="LMARGIN", new_y="NEXT")
                self.ln(2)

        def footer(self) -> None:
            self.set_y(-15)
            self.set_font("Helvetica", size=8)
            self.cell(0, 8, text=f"Side {self.page_no()} af {len(pages)}", align="C")

    pdf = Doc(format="A4")
    pdf.core_fonts_encoding = "windows-1252"  # core Helvetica + WinAnsi: æøå, – and “ ” extract intact
    pdf.set_auto_page_break(False)
    pdf.set_margins(20, 18, 20)
    pdf.set_creation_date(_utc(spec["created"]))
    pdf.set_title(spec["title"])
    pdf.set_author("Solbjerg Kommune")
    pdf.set_creator("Solbjerg Kommune, dagsordenssystem")
    for page in pages:
        pdf.add_page()
        for line in page.strip("\n").split("\n"):
            _write_line(pdf, line)
        if pdf.get_y() > BOTTOM_LIMIT:
            raise ValueError(f"{spec['name']}: page {pdf.page_no()} overflows; move text to the next page")
    raw = bytes(pdf.output())

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(raw)))
    for first, last, style, start in spec.get("labels", ()):
        writer.set_page_label(first, last, style=style, start=start)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def _write_line(pdf, line: str) -> None:
    if not line.strip():
        pdf.ln(LINE_H * 0.6)
        return
    if line.startswith("# "):
        pdf.ln(1.5)
        pdf.set_font("Helvetica", style="B", size=12)
        text, height = line[2:], LINE_H + 1.5
    else:
        pdf.set_font("Helvetica", size=10)
        text, height = line, LINE_H
    for part in _wrap(pdf, text, pdf.epw):
        pdf.cell(0, height, text=part, new_x="LMARGIN", new_y="NEXT")


def _wrap(pdf, text: str, width: float) -> list[str]:
    """Greedy word wrap by printed width (never splits words: hyphenated breaks are written in the texts)."""
    lines, current = [], ""
    for word in text.split(" "):
        trial = f"{current} {word}" if current else word
        if current and pdf.get_string_width(trial) > width:
            lines.append(current)
            current = word
        else:
            current = trial
    return lines + [current]


# ---------------------------------------------------------------- DOCX


def render_docx(spec: dict) -> bytes:
    """A DOCX agenda: Title, header lines, item headings (Heading 1), paragraphs, bullets and tables."""
    from docx import Document

    doc = Document()
    props = doc.core_properties
    props.title = spec["title"]
    props.author = props.last_modified_by = "Solbjerg Kommune"
    props.created = props.modified = _utc(spec["created"]).replace(tzinfo=None)
    props.revision = 1
    for kind, value in spec["blocks"]:
        if kind == "title":
            doc.add_heading(value, level=0)
        elif kind == "h1":
            doc.add_heading(value, level=1)
        elif kind == "bullet":
            doc.add_paragraph(value, style="List Bullet")
        elif kind == "table":
            table = doc.add_table(rows=len(value), cols=len(value[0]))
            table.style = "Table Grid"
            for r, row in enumerate(value):
                for c, cell in enumerate(row):
                    table.cell(r, c).text = cell
        else:
            doc.add_paragraph(value)
    buf = io.BytesIO()
    doc.save(buf)
    return _fixed_zip(buf.getvalue(), _utc(spec["created"]))


def _fixed_zip(data: bytes, when: dt.datetime) -> bytes:
    """Rewrite a zip with fixed timestamps: python-docx stamps entries with the current time."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


# ---------------------------------------------------------------- build


def build(out: Path, updates: Path) -> list[Path]:
    """Write every corpus file into `out` and the corrected re-issue into `updates`; return the paths."""
    texts = _texts()
    out, updates = Path(out), Path(updates)
    out.mkdir(parents=True, exist_ok=True)
    updates.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in texts.TEXT_FILES.items():
        path = out / name
        path.write_bytes(text.lstrip("\n").encode("utf-8"))
        written.append(path)
    for spec in texts.PDF_FILES:
        path = (updates if spec.get("update") else out) / spec["name"]
        path.write_bytes(render_pdf(spec))
        written.append(path)
    for spec in texts.DOCX_FILES:
        path = out / spec["name"]
        path.write_bytes(render_docx(spec))
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "sample_corpus")
    parser.add_argument("--updates", type=Path, default=REPO / "sample_corpus_updates")
    args = parser.parse_args(argv)
    for path in build(args.out, args.updates):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

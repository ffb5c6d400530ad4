"""PDF files: the text layer page by page (tables as rows, see ingest.loaders.tables), printed page labels, the
info dictionary's title and date; pages without a text layer go to OCR (ingest.loaders.ocr) when the options allow."""

from __future__ import annotations

import io
import logging
import re
import threading
import unicodedata
import warnings
from dataclasses import replace

from ingest.loaders import ocr
from ingest.loaders.base import LoadedFile, LoadError, LoadOptions, offsets
from ingest.loaders.pdfreader import decrypt_empty, page_labels, pdf_info
from ingest.loaders.tables import layout_text, may_have_table, rows_from_layout

_MAX_WARNINGS = 20
_PDF_LOCK = threading.Lock()  # logger/warnings capture is process-global: one PDF at a time


class _Capture(logging.Handler):
    """Collects pypdf log records so they land in LoadedFile.warnings, not on stderr."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def load_pdf(data: bytes, opts: LoadOptions | None = None) -> LoadedFile:
    # The spec allows junk before the header; real readers look in the first KB.
    if b"%PDF-" not in data[:1024]:
        raise LoadError("file ends in .pdf but is not a PDF", "not_pdf")
    opts = opts or LoadOptions()
    logger = logging.getLogger("pypdf")
    with _PDF_LOCK:
        capture, old_propagate = _Capture(), logger.propagate
        logger.addHandler(capture)
        logger.propagate = False
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                result = _read_pdf_ocr(data, opts)
            noise = capture.messages + [str(w.message) for w in caught]
        finally:
            logger.removeHandler(capture)
            logger.propagate = old_propagate
    return _add_warnings(result, noise)


def _add_warnings(loaded: LoadedFile, noise: list[str]) -> LoadedFile:
    extra = []
    for msg in noise:
        line = "pypdf: " + " ".join(msg.split())
        if line not in extra and line not in loaded.warnings:
            extra.append(line)
    if not extra:
        return loaded
    if len(extra) > _MAX_WARNINGS:
        extra = extra[:_MAX_WARNINGS] + [f"pypdf: {len(extra) - _MAX_WARNINGS} more warnings"]
    return replace(loaded, warnings=loaded.warnings + tuple(extra))


def _read_pdf_ocr(data: bytes, opts: LoadOptions) -> LoadedFile:
    """read_pdf, then OCR of the pages without a text layer when the options allow it and tesseract is here."""
    try:
        loaded = read_pdf(data)
    except LoadError as e:
        if e.code != "needs_ocr":
            raise
        loaded = None
    if loaded is not None and not loaded.meta.get("empty_pages", 1):
        return loaded
    why_not = ocr.unavailable(opts.ocr_lang) if opts.ocr else "OCR is turned off (enable it in the settings)"
    if why_not is None:
        return ocr.with_ocr(data, loaded, opts.ocr_lang)
    if loaded is None:
        raise LoadError(f"scanned PDF without a text layer: needs OCR; {why_not}", "needs_ocr")
    if not loaded.meta.get("empty_pages"):
        return loaded
    return replace(loaded, warnings=loaded.warnings + (f"no OCR: {why_not}",))


def read_pdf(data: bytes) -> LoadedFile:
    from pypdf import PdfReader  # heavy: imported when the first PDF is read
    from pypdf.errors import DependencyError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            decrypt_empty(reader)
        n_pages = len(reader.pages)
    except LoadError:
        raise
    except DependencyError as e:
        # AES needs the optional 'cryptography' package; without it we cannot even try the empty password
        raise LoadError(f"encrypted PDF that cannot be opened here ({e})", "encrypted") from e
    except Exception as e:  # pypdf raises many types (PdfReadError, KeyError, ...) for broken files
        raise LoadError("damaged PDF that cannot be read", "corrupt") from e
    if n_pages == 0:
        raise LoadError("PDF has no pages", "empty")

    warns: list[str] = []
    pages: list[str] = []
    table_rows = table_pages = n_prev = 0
    for i in range(n_pages):
        try:
            text = reader.pages[i].extract_text() or ""
        except Exception as e:  # one bad page must not lose the others; keep it so numbering stays true
            warns.append(f"side {i + 1} kunne ikke læses ({type(e).__name__})")
            text = ""
        n = 0
        if text.strip() and (may_have_table(text) or n_prev):  # a table may run on from the page before
            # Layout mode only locates table cells; the default text (sane reading order) stays the base.
            try:
                text, n = rows_from_layout(text, layout_text(reader.pages[i]))
            except Exception:  # layout mode is a refinement: a page it cannot render keeps its plain text
                n = 0
        table_rows, table_pages, n_prev = table_rows + n, table_pages + (n > 0), n
        pages.append(unicodedata.normalize("NFC", text))
    empty = sum(1 for p in pages if not p.strip())
    if empty == n_pages:
        raise LoadError("scanned PDF without a text layer: needs OCR", "needs_ocr")
    if empty:
        warns.insert(0, f"{empty} af {n_pages} sider har intet tekstlag (kræver OCR)")

    labels = page_labels(reader, n_pages, warns)
    raw_text, starts = offsets(pages)
    meta: dict = {"format": "pdf", "page_count": n_pages, "pages_approximate": False, "empty_pages": empty}
    if table_rows:
        meta.update(table_rows=table_rows, table_pages=table_pages)
    title, created = pdf_info(reader)
    if re.fullmatch(r"(?i)(?:microsoft \w+ - )?[\w .()-]*\.(?:docx?|rtf|odt|xlsx?|pptx?|pdf|tmp)", title):
        title = ""  # a file name as title ("02.DOCX") says nothing; the heading or the file's own name does
    if created:
        meta["pdf_created"] = created
    return LoadedFile(raw_text, starts, labels, title, meta, tuple(warns))

"""Read one file (PDF, TXT, Markdown, DOCX, old Word .doc) into raw text with page offsets, or fail with a LoadError.

The loaders only extract; cleaning (de-hyphenation, furniture removal) happens later. Every
failure a user can cause (wrong format, broken file, scanned PDF, password) becomes a LoadError
whose message is one plain English line for the ingest report. PDF pages without a text layer are
OCR'ed (ingest.ocr) when LoadOptions.ocr is on and tesseract is installed; .doc files go through ingest.doc.
"""

from __future__ import annotations

import io
import logging
import re
import threading
import unicodedata
import warnings
from dataclasses import dataclass, field
from pathlib import Path

SUPPORTED_EXTENSIONS = (".pdf", ".txt", ".md", ".markdown", ".docx", ".doc")
PAGE_JOIN = "\n\f\n"
LOAD_ERROR_CODES = ("unsupported", "empty", "corrupt", "encrypted", "needs_ocr", "too_large", "not_pdf", "decode",
                    "needs_tool", "outside", "dtd", "timeout")

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"   # old .doc, and password-protected .docx
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_PAGE_MARKER = re.compile(r"^ \S", re.MULTILINE)  # corpus-notes §2.1: one leading space = page start
_HEADING_STYLE = re.compile(r"^(?:heading|overskrift)\s*(\d)$", re.IGNORECASE)
_MAX_WARNINGS = 20
_PDF_LOCK = threading.Lock()  # logger/warnings capture is process-global: one PDF at a time


@dataclass(frozen=True)
class LoadOptions:
    """What a loader may do beyond reading text; built from Settings by the pipeline."""

    max_bytes: int = 200 * 1024 * 1024
    ocr: bool = False               # OCR pages without a text layer (needs tesseract); else "needs_ocr"
    ocr_lang: str = "dan"
    # Work per file (decompression bombs, pathological files): what a .docx may unpack to, and how many characters
    # of text a file may give; checked before expanding. Time and memory are limited by ingest.sandbox when
    # `isolate` is on (the pipeline's default; direct load_file calls run in-process).
    max_unpacked: int = 256 * 1024 * 1024
    max_text_chars: int = 20_000_000
    isolate: bool = False
    timeout_s: float = 300.0
    max_memory: int = 2048 * 1024 * 1024

    @classmethod
    def from_settings(cls, s) -> "LoadOptions":
        return cls(max_bytes=s.max_file_mb * 1024 * 1024, ocr=s.ocr, ocr_lang=s.ocr_lang,
                   max_unpacked=s.max_unpacked_mb * 1024 * 1024, isolate=s.load_isolated,
                   timeout_s=float(s.load_timeout_s), max_memory=s.load_memory_mb * 1024 * 1024)


class LoadError(Exception):
    """A file that cannot be loaded; str(e) is one plain-language line, `code` is machine-readable."""

    def __init__(self, reason: str, code: str):
        super().__init__(" ".join(reason.split()))
        self.reason = str(self)
        self.code = code


@dataclass(frozen=True)
class LoadedFile:
    """Extracted text of one file with its pages."""

    raw_text: str                  # PDF pages joined with "\n\f\n"
    page_starts: tuple[int, ...]   # offset in raw_text where each page starts (first is 0)
    page_labels: tuple[str, ...]   # printed labels, same length as page_starts
    title: str                     # from the file's own metadata/heading; "" when none
    meta: dict = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


def load_file(path: Path, max_bytes: int = 200 * 1024 * 1024, opts: LoadOptions | None = None) -> LoadedFile:
    """Load `path` by its extension. Raises LoadError for anything unusable (OSError if missing).

    `opts` (built from Settings) wins over `max_bytes`; without it OCR is off.
    """
    path = Path(path)
    opts = opts or LoadOptions(max_bytes=max_bytes)
    ext = path.suffix.lower()
    if ext not in SUPPORTED_EXTENSIONS:
        shown = ext or "(no extension)"
        raise LoadError(f"unsupported file type {shown}; supported: PDF, TXT, Markdown, DOCX, DOC", "unsupported")
    size = path.stat().st_size  # before reading: never pull a huge file into memory
    if size > opts.max_bytes:
        raise LoadError(f"file is too large ({_mb(size)}; limit {_mb(opts.max_bytes)})", "too_large")
    if size == 0:
        raise LoadError("file is empty", "empty")
    data = path.read_bytes()
    return _text_limit(_load_data(path, ext, data, opts), opts)


def _load_data(path: Path, ext: str, data: bytes, opts: LoadOptions) -> LoadedFile:
    if ext == ".pdf":
        return _load_pdf(data, opts)
    if ext in (".doc", ".docx") and data.startswith(_OLE_MAGIC) and _ENCRYPTED_PACKAGE not in data:
        from ingest.doc import load_doc  # an old .doc, also when it was renamed to .docx

        return load_doc(path, data)
    if ext == ".doc" and not data.startswith((b"PK", _OLE_MAGIC)):
        raise LoadError("file ends in .doc but is not a Word document", "corrupt")
    if ext in (".doc", ".docx"):
        return _load_docx(data, opts)   # a .doc that is really a .docx is read as one
    return _load_text(data, markdown=ext in (".md", ".markdown"))


def _text_limit(loaded: LoadedFile, opts: LoadOptions) -> LoadedFile:
    """Refuse a file whose text exceeds the per-file limit (every later step's work grows with it)."""
    if len(loaded.raw_text) > opts.max_text_chars:
        raise LoadError(f"the file holds too much text ({len(loaded.raw_text):,} characters; limit "
                        f"{opts.max_text_chars:,})", "too_large")
    return loaded


# A .docx member larger than this, expanding more than BOMB_RATIO times, is a decompression bomb: real Word XML
# compresses 5-20 times, highly repetitive tables ~50 times.
BOMB_MIN_BYTES = 4 * 1024 * 1024
BOMB_RATIO = 100


def check_zip(data: bytes, opts: LoadOptions) -> None:
    """Refuse a zip package (.docx) before anything is unpacked: the declared sizes (which bound what zipfile will
    ever return) must stay within opts.max_unpacked, and no large member may expand like a bomb."""
    import zipfile

    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as e:
        raise LoadError("damaged Word file that cannot be read", "corrupt") from e
    total = sum(i.file_size for i in infos)
    if total > opts.max_unpacked:
        raise LoadError(f"Word file unpacks to {_mb(total)}; limit {_mb(opts.max_unpacked)}", "too_large")
    for i in infos:
        if i.file_size > BOMB_MIN_BYTES and i.file_size > BOMB_RATIO * max(i.compress_size, 1):
            raise LoadError(f"Word file member {i.filename!r} expands {i.file_size // max(i.compress_size, 1)} "
                            f"times to {_mb(i.file_size)} (a decompression bomb)", "too_large")


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB" if n >= 1024 * 1024 else f"{n} bytes"


def _offsets(pages: list[str]) -> tuple[str, tuple[int, ...]]:
    """Join pages with PAGE_JOIN and return the text and each page's start offset."""
    starts, pos = [], 0
    for i, page in enumerate(pages):
        starts.append(pos)
        pos += len(page) + (len(PAGE_JOIN) if i < len(pages) - 1 else 0)
    return PAGE_JOIN.join(pages), tuple(starts)


# ---------------------------------------------------------------- PDF

class _Capture(logging.Handler):
    """Collects pypdf log records so they land in LoadedFile.warnings, not on stderr."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _load_pdf(data: bytes, opts: LoadOptions | None = None) -> LoadedFile:
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
    return LoadedFile(loaded.raw_text, loaded.page_starts, loaded.page_labels, loaded.title,
                      loaded.meta, loaded.warnings + tuple(extra))


def _read_pdf_ocr(data: bytes, opts: LoadOptions) -> LoadedFile:
    """_read_pdf, then OCR of the pages without a text layer when the options allow it and tesseract is here."""
    try:
        loaded = _read_pdf(data)
    except LoadError as e:
        if e.code != "needs_ocr":
            raise
        loaded = None
    if loaded is not None and not loaded.meta.get("empty_pages", 1):
        return loaded
    from ingest import ocr

    why_not = ocr.unavailable(opts.ocr_lang) if opts.ocr else "OCR is turned off (enable it in the settings)"
    if why_not is None:
        return ocr.with_ocr(data, loaded, opts.ocr_lang)
    if loaded is None:
        raise LoadError(f"scanned PDF without a text layer: needs OCR; {why_not}", "needs_ocr")
    if not loaded.meta.get("empty_pages"):
        return loaded
    return LoadedFile(loaded.raw_text, loaded.page_starts, loaded.page_labels, loaded.title, loaded.meta,
                      loaded.warnings + (f"no OCR: {why_not}",))


def _read_pdf(data: bytes) -> LoadedFile:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            _decrypt_empty(reader)
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

    from ingest.tables import layout_text, may_have_table, rows_from_layout

    warns: list[str] = []
    pages: list[str] = []
    table_rows = table_pages = n_prev = 0
    for i in range(n_pages):
        try:
            text = reader.pages[i].extract_text() or ""
        except Exception as e:  # one bad page must not lose the others; keep it so numbering stays true
            warns.append(f"page {i + 1} could not be read ({type(e).__name__})")
            text = ""
        n = 0
        if text.strip() and (may_have_table(text) or n_prev):    # a table may run on from the page before
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
        warns.insert(0, f"{empty} of {n_pages} pages have no text layer (needs OCR)")

    labels = _page_labels(reader, n_pages, warns)
    raw_text, starts = _offsets(pages)
    meta: dict = {"format": "pdf", "page_count": n_pages, "pages_approximate": False, "empty_pages": empty}
    if table_rows:
        meta.update(table_rows=table_rows, table_pages=table_pages)
    title, created = _pdf_info(reader)
    if re.fullmatch(r"(?i)(?:microsoft \w+ - )?[\w .()-]*\.(?:docx?|rtf|odt|xlsx?|pptx?|pdf|tmp)", title):
        title = ""   # a file name as title ("02.DOCX") says nothing; the heading or the file's own name does
    if created:
        meta["pdf_created"] = created
    return LoadedFile(raw_text, starts, labels, title, meta, tuple(warns))


def _decrypt_empty(reader) -> None:
    from pypdf import PasswordType

    # Many PDFs are "encrypted" only to restrict printing: the empty user password opens them.
    if reader.decrypt("") == PasswordType.NOT_DECRYPTED:
        raise LoadError("password-protected PDF; remove the password and add it again", "encrypted")


def _page_labels(reader, n_pages: int, warns: list[str]) -> tuple[str, ...]:
    try:
        labels = [str(x) for x in reader.page_labels]
    except Exception:  # a broken /PageLabels tree only loses the labels, not the text
        warns.append("printed page labels could not be read; using page numbers")
        labels = []
    if len(labels) != n_pages:
        labels = [str(i + 1) for i in range(n_pages)]
    return tuple(lab if lab.strip() else str(i + 1) for i, lab in enumerate(labels))


def _pdf_info(reader) -> tuple[str, int | None]:
    """Title and creation date (YYYYMMDD) from the PDF info dictionary, tolerant of junk values."""
    try:
        info = reader.metadata or {}
        title = str(info.get("/Title") or "").strip()
        raw_date = str(info.get("/CreationDate") or "")
    except Exception:
        return "", None
    m = re.search(r"(?:D:)?((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])", raw_date)
    return " ".join(title.split()), (int("".join(m.groups())) if m else None)


# ---------------------------------------------------------------- TXT / Markdown

def _decode(data: bytes) -> tuple[str, str, list[str]]:
    """Decode text bytes: UTF-8 (BOM ok), UTF-16 with BOM, else Windows-1252, else Latin-1."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig", []
        except UnicodeDecodeError as e:
            raise LoadError("file claims to be UTF-8 but contains invalid bytes", "decode") from e
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16", []
        except UnicodeDecodeError as e:
            raise LoadError("file claims to be UTF-16 but cannot be decoded", "decode") from e
    if b"\x00" in data:
        raise LoadError("binary file, not text (contains NUL bytes)", "corrupt")
    try:
        return data.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError:
        pass
    for enc, name in (("cp1252", "Windows-1252"), ("latin-1", "Latin-1")):
        try:
            return data.decode(enc), enc, [f"not UTF-8; read as {name}"]
        except UnicodeDecodeError:
            continue
    raise LoadError("text encoding could not be recognised", "decode")  # unreachable: latin-1 decodes anything


def _looks_binary(text: str) -> bool:
    """True when too many characters are control codes, replacement or private-use glyphs."""
    sample = text[:200_000]
    bad = sum(1 for ch in sample
              if (unicodedata.category(ch) in ("Cc", "Co", "Cs") and ch not in "\t\n\r\f\v")
              or ch == "\ufffd")
    return bad > max(4, len(sample) * 0.02)


def _load_text(data: bytes, markdown: bool) -> LoadedFile:
    text, encoding, warns = _decode(data)
    if _looks_binary(text):
        raise LoadError("binary or damaged file, not readable text", "corrupt")
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    if not text.strip():
        raise LoadError("file contains no text", "empty")
    fmt = "markdown" if markdown else "txt"
    if markdown:
        starts, approx = (0,), False
    elif "\f" in text:
        # A form feed ends a page (pdftotext writes one after every page, the last included).
        starts = tuple([0] + [m.end() for m in re.finditer("\f", text) if text[m.end():].strip()])
        approx = False
    else:
        starts = tuple(sorted({0} | {m.start() for m in _PAGE_MARKER.finditer(text)}))
        approx = len(starts) > 1
    meta = {"format": fmt, "encoding": encoding, "page_count": len(starts),
            "pages_approximate": approx, "empty_pages": 0}
    title = _markdown_title(text) if markdown else ""
    return LoadedFile(text, starts, tuple(str(i + 1) for i in range(len(starts))), title, meta, tuple(warns))


def _markdown_title(text: str) -> str:
    in_fence = False
    for line in text.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence  # a "# comment" in a code block is no heading
        elif not in_fence and re.match(r"^ {0,3}# +\S", line):
            return re.sub(r"\s+#+\s*$", "", line.strip()[1:]).strip()
    return ""


# ---------------------------------------------------------------- DOCX

def _load_docx(data: bytes, opts: LoadOptions | None = None) -> LoadedFile:
    if data.startswith(_OLE_MAGIC):
        if _ENCRYPTED_PACKAGE in data:
            raise LoadError("password-protected Word file; remove the password and add it again", "encrypted")
        raise LoadError("old Word .doc file saved as .docx; save it as a real .docx or PDF", "unsupported")
    if not data.startswith(b"PK"):
        raise LoadError("damaged Word file (not a .docx package)", "corrupt")
    check_zip(data, opts or LoadOptions())
    try:
        from docx import Document

        doc = Document(io.BytesIO(data))
        blocks = _docx_blocks(doc)
        title = " ".join((doc.core_properties.title or "").split())
    except LoadError:
        raise
    except Exception as e:  # zipfile, lxml and python-docx raise many types for broken packages
        raise LoadError("damaged Word file that cannot be read", "corrupt") from e
    text = unicodedata.normalize("NFC", "\n\n".join(blocks))
    if not text.strip():
        raise LoadError("Word file contains no text", "empty")
    meta = {"format": "docx", "page_count": 1, "pages_approximate": False, "empty_pages": 0}
    return LoadedFile(text, (0,), ("1",), title, meta, ())


def _docx_blocks(doc) -> list[str]:
    """Paragraphs and tables in document order; headings as '# ' lines, tables as 'a | b | c' rows."""
    from docx.table import Table

    blocks: list[str] = []
    for block in doc.iter_inner_content():
        if isinstance(block, Table):
            rows = _table_rows(block)
            if rows:
                blocks.append("\n".join(rows))
            continue
        text = block.text.strip()
        if not text:
            continue
        style = (block.style.name if block.style is not None else "") or ""
        m = _HEADING_STYLE.match(style.strip())
        if style.strip().lower() == "title":
            text = "# " + text
        elif m:
            text = "#" * max(1, int(m.group(1))) + " " + text
        elif style.lower().startswith("list"):
            text = "- " + text
        blocks.append(text)
    return blocks


def _table_rows(table) -> list[str]:
    rows = []
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # a merged cell is repeated once per grid column
                continue
            seen.add(id(cell._tc))
            cells.append(" ".join(cell.text.split()))
        if any(cells):
            rows.append(" | ".join(cells))
    return rows

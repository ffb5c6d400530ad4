"""Read one file (PDF, TXT, Markdown, DOCX, old Word .doc) into raw text with page offsets, or fail with a LoadError.

The loaders only extract; cleaning (de-hyphenation, furniture removal) happens later. Every
failure a user can cause (wrong format, broken file, scanned PDF, password) becomes a LoadError
whose message is one plain English line for the ingest report. One module per format: pdf (pages without a text
layer are OCR'ed by ocr when LoadOptions.ocr is on and tesseract is installed), docx, doc (old Word via antiword or
catdoc), text (TXT and Markdown); base holds what they share. A new format: a module with a
`load_<format>(data) -> LoadedFile`, its extension in SUPPORTED_EXTENSIONS and a branch in `load_file`.
"""

from __future__ import annotations

from pathlib import Path

from ingest.loaders.base import (
    ENCRYPTED_PACKAGE,
    LOAD_ERROR_CODES,
    OLE_MAGIC,
    PAGE_JOIN,
    SUPPORTED_EXTENSIONS,
    LoadedFile,
    LoadError,
    LoadOptions,
    mb,
)
from ingest.loaders.doc import load_doc
from ingest.loaders.docx import load_docx
from ingest.loaders.pdf import load_pdf
from ingest.loaders.text import load_text

__all__ = [
    "LOAD_ERROR_CODES",
    "PAGE_JOIN",
    "SUPPORTED_EXTENSIONS",
    "LoadError",
    "LoadOptions",
    "LoadedFile",
    "load_file",
]


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
        raise LoadError(f"file is too large ({mb(size)}; limit {mb(opts.max_bytes)})", "too_large")
    if size == 0:
        raise LoadError("file is empty", "empty")
    data = path.read_bytes()
    return _text_limit(_load_data(path, ext, data, opts), opts)


def _load_data(path: Path, ext: str, data: bytes, opts: LoadOptions) -> LoadedFile:
    if ext == ".pdf":
        return load_pdf(data, opts)
    if ext in (".doc", ".docx") and data.startswith(OLE_MAGIC) and ENCRYPTED_PACKAGE not in data:
        return load_doc(path, data)  # an old .doc, also when it was renamed to .docx
    if ext == ".doc" and not data.startswith((b"PK", OLE_MAGIC)):
        raise LoadError("file ends in .doc but is not a Word document", "corrupt")
    if ext in (".doc", ".docx"):
        return load_docx(data, opts)  # a .doc that is really a .docx is read as one
    return load_text(data, markdown=ext in (".md", ".markdown"))


def _text_limit(loaded: LoadedFile, opts: LoadOptions) -> LoadedFile:
    """Refuse a file whose text exceeds the per-file limit (every later step's work grows with it)."""
    if len(loaded.raw_text) > opts.max_text_chars:
        raise LoadError(
            f"the file holds too much text ({len(loaded.raw_text):,} characters; limit {opts.max_text_chars:,})",
            "too_large",
        )
    return loaded

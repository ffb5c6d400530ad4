"""Word .docx: paragraphs and tables in document order, headings as '# ' lines, tables as 'a | b | c' rows."""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile

from ingest.loaders.base import ENCRYPTED_PACKAGE, OLE_MAGIC, LoadedFile, LoadError, LoadOptions, mb

_HEADING_STYLE = re.compile(r"^(?:heading|overskrift)\s*(\d)$", re.IGNORECASE)


# A .docx member larger than this, expanding more than BOMB_RATIO times, is a decompression bomb: real Word XML
# compresses 5-20 times, highly repetitive tables ~50 times.
BOMB_MIN_BYTES = 4 * 1024 * 1024
BOMB_RATIO = 100


def check_zip(data: bytes, opts: LoadOptions) -> None:
    """Refuse a zip package (.docx) before anything is unpacked: the declared sizes (which bound what zipfile will
    ever return) must stay within opts.max_unpacked, and no large member may expand like a bomb."""
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as e:
        raise LoadError("damaged Word file that cannot be read", "corrupt") from e
    total = sum(i.file_size for i in infos)
    if total > opts.max_unpacked:
        raise LoadError(f"Word file unpacks to {mb(total)}; limit {mb(opts.max_unpacked)}", "too_large")
    for i in infos:
        if i.file_size > BOMB_MIN_BYTES and i.file_size > BOMB_RATIO * max(i.compress_size, 1):
            raise LoadError(
                f"Word file member {i.filename!r} expands {i.file_size // max(i.compress_size, 1)} "
                f"times to {mb(i.file_size)} (a decompression bomb)",
                "too_large",
            )


def load_docx(data: bytes, opts: LoadOptions | None = None) -> LoadedFile:
    if data.startswith(OLE_MAGIC):
        if ENCRYPTED_PACKAGE in data:
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

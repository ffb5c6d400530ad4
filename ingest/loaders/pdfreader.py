"""Reading a pypdf reader's metadata, shared by text extraction (ingest.loaders.pdf) and OCR (ingest.loaders.ocr)."""

from __future__ import annotations

import re

from ingest.loaders.base import LoadError


def decrypt_empty(reader) -> None:
    from pypdf import PasswordType

    # Many PDFs are "encrypted" only to restrict printing: the empty user password opens them.
    if reader.decrypt("") == PasswordType.NOT_DECRYPTED:
        raise LoadError("password-protected PDF; remove the password and add it again", "encrypted")


def page_labels(reader, n_pages: int, warns: list[str]) -> tuple[str, ...]:
    try:
        labels = [str(x) for x in reader.page_labels]
    except Exception:  # a broken /PageLabels tree only loses the labels, not the text
        warns.append("de trykte sidetal kunne ikke læses; sidernes rækkefølge bruges i stedet")
        labels = []
    if len(labels) != n_pages:
        labels = [str(i + 1) for i in range(n_pages)]
    return tuple(lab if lab.strip() else str(i + 1) for i, lab in enumerate(labels))


def pdf_info(reader) -> tuple[str, int | None]:
    """Title and creation date (YYYYMMDD) from the PDF info dictionary, tolerant of junk values."""
    try:
        info = reader.metadata or {}
        title = str(info.get("/Title") or "").strip()
        raw_date = str(info.get("/CreationDate") or "")
    except Exception:
        return "", None
    m = re.search(r"(?:D:)?((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])", raw_date)
    return " ".join(title.split()), (int("".join(m.groups())) if m else None)

"""Writes bad (and awkward-but-valid) input files into a directory, for loader and pipeline tests.

`write_bad_inputs(dir)` returns {file name: expected LoadError code}, where None means the file
must load (with a warning). Everything is generated deterministically; nothing large is written
unless asked for (`huge_bytes`), because size limits are tested with a small max_bytes instead.
"""

from __future__ import annotations

import io
import random
import shutil
from pathlib import Path

DANISH = "Byrådet godkendte æøå ÆØÅ på mødet i Rådhuset"


def text_pdf(pages: list[str], title: str = "") -> bytes:
    """A PDF with one text page per entry (core Helvetica font: Latin-1 text only)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_creation_date(_FIXED_DATE())
    if title:
        pdf.set_title(title)
    for text in pages:
        pdf.add_page()
        if text:
            pdf.set_font("Helvetica", size=12)
            pdf.multi_cell(0, 6, text=text)
        else:
            pdf.rect(20, 20, 100, 60, style="F")  # a page with drawing only: no text layer
    return bytes(pdf.output())


def _FIXED_DATE():
    import datetime as dt

    return dt.datetime(2024, 3, 14, 12, 0, 0, tzinfo=dt.timezone.utc)


def image_only_pdf(n_pages: int = 2) -> bytes:
    """A 'scanned' PDF: every page holds only an image, no text layer."""
    from fpdf import FPDF
    from PIL import Image

    img = Image.new("L", (60, 80), color=200)
    for x in range(10, 50):
        img.putpixel((x, 20), 0)  # a line of "ink" so it is not a blank image
    pdf = FPDF()
    pdf.set_creation_date(_FIXED_DATE())
    for _ in range(n_pages):
        pdf.add_page()
        pdf.image(img, x=10, y=10, w=120)
    return bytes(pdf.output())


def encrypted_pdf(user_password: str = "hemmelig") -> bytes:
    """A text PDF encrypted with a user password (RC4: pypdf needs no extra crypto package for it)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(text_pdf([DANISH]))))
    writer.encrypt(user_password=user_password, owner_password="ejer", algorithm="RC4-128")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def write_bad_inputs(directory: Path, huge_bytes: int | None = None) -> dict[str, str | None]:
    """Write the bad-input files into `directory`; return {name: expected code or None if it loads}.

    With `huge_bytes`, also writes huge.txt of that size (valid text): expect "too_large" only when the
    loader runs with max_bytes < huge_bytes.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(20240314)
    good = text_pdf([DANISH + " side 1.", DANISH + " side 2."])
    files: dict[str, tuple[bytes, str | None]] = {
        "corrupt.pdf": (good[: len(good) // 2], "corrupt"),          # real header, truncated body
        "encrypted.pdf": (encrypted_pdf(), "encrypted"),
        "empty.txt": (b"", "empty"),
        "blank.md": (b"  \n\n\t \r\n", "empty"),                     # whitespace only
        "junk.pdf": (bytes(rng.randrange(256) for _ in range(4096)), "not_pdf"),
        "scanned.pdf": (image_only_pdf(2), "needs_ocr"),
        "binary.txt": (bytes(rng.randrange(256) for _ in range(2048)) + b"\x00", "corrupt"),
        "broken.docx": (b"PK\x03\x04" + bytes(rng.randrange(256) for _ in range(1024)), "corrupt"),
        # An OLE header with nothing inside: a broken .doc (needs_tool where neither antiword nor catdoc exists).
        "old.doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504,
                    "corrupt" if shutil.which("antiword") or shutil.which("catdoc") else "needs_tool"),
        "notes.xyz": ("Noter fra mødet: æøå".encode("utf-8"), "unsupported"),
        # valid but awkward: these must load, with a warning
        "latin1.txt": (("Referat fra Byrådet\nBorgmesteren bød velkommen. " + DANISH + ".\n")
                       .encode("cp1252"), None),
        "partly_scanned.pdf": (text_pdf([DANISH + " side 1.", "", DANISH + " side 3."]), None),
    }
    for name, (data, _) in files.items():
        (directory / name).write_bytes(data)
    expected = {name: code for name, (_, code) in files.items()}
    if huge_bytes:
        line = (DANISH + ".\n").encode("utf-8")
        (directory / "huge.txt").write_bytes((line * (huge_bytes // len(line) + 1))[:huge_bytes])
        expected["huge.txt"] = "too_large"
    return expected

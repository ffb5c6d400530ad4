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
        "corrupt.pdf": (good[: len(good) // 2], "corrupt"),  # real header, truncated body
        "encrypted.pdf": (encrypted_pdf(), "encrypted"),
        "empty.txt": (b"", "empty"),
        "blank.md": (b"  \n\n\t \r\n", "empty"),  # whitespace only
        "junk.pdf": (bytes(rng.randrange(256) for _ in range(4096)), "not_pdf"),
        "scanned.pdf": (image_only_pdf(2), "needs_ocr"),
        "binary.txt": (bytes(rng.randrange(256) for _ in range(2048)) + b"\x00", "corrupt"),
        "broken.docx": (b"PK\x03\x04" + bytes(rng.randrange(256) for _ in range(1024)), "corrupt"),
        # An OLE header with nothing inside: a broken .doc (needs_tool where neither antiword nor catdoc exists).
        "old.doc": (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504,
            "corrupt" if shutil.which("antiword") or shutil.which("catdoc") else "needs_tool",
        ),
        "notes.xyz": ("Noter fra mødet: æøå".encode("utf-8"), "unsupported"),
        # valid but awkward: these must load, with a warning
        "latin1.txt": (("Referat fra Byrådet\nBorgmesteren bød velkommen. " + DANISH + ".\n").encode("cp1252"), None),
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


# ---------------------------------------------------------------- decompression bombs and slow files (issue 10.5)

_DOCX_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    'wordprocessingml.document.main+xml"/></Types>'
)
_DOCX_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="word/document.xml"/></Relationships>'
)
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def docx_bomb(path: Path, unpacked_bytes: int, paragraph: str = "x") -> int:
    """A real .docx whose word/document.xml is `unpacked_bytes` of tiny paragraphs. The deflate stream is one
    compressed 1 MB block repeated (each ends with a full flush, so the copies are independent and the stream is
    valid), written into a hand-made zip: making a 500 MB bomb takes a second and no memory. Returns its size."""
    import struct
    import zlib

    para = f"<w:p><w:r><w:t>{paragraph}</w:t></w:r></w:p>".encode()
    head = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{_W}"><w:body>'.encode()
    tail = b"</w:body></w:document>"
    block = para * ((1 << 20) // len(para))
    n = max(1, (unpacked_bytes - len(head) - len(tail)) // len(block))

    def deflate(data: bytes, final: bool) -> bytes:
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        return c.compress(data) + c.flush(zlib.Z_FINISH if final else zlib.Z_FULL_FLUSH)

    body, crc = deflate(block, False), zlib.crc32(head)
    for _ in range(n):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(tail, crc)
    members = [
        ("[Content_Types].xml", _DOCX_TYPES.encode(), None),
        ("_rels/.rels", _DOCX_RELS.encode(), None),
        (
            "word/document.xml",
            None,
            (
                deflate(head, False),
                body,
                n,
                deflate(tail, True),
                len(head) + n * len(block) + len(tail),
                crc & 0xFFFFFFFF,
            ),
        ),
    ]
    central, off = [], 0
    with path.open("wb") as f:
        for name, data, bomb in members:
            if bomb is None:
                comp, usize, crc_ = deflate(data, True), len(data), zlib.crc32(data)
                parts, csize = [comp], len(comp)
            else:
                first, mid, reps, last, usize, crc_ = bomb
                parts, csize = None, len(first) + reps * len(mid) + len(last)
            fn = name.encode()
            hdr = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc_, csize, usize, len(fn), 0) + fn
            f.write(hdr)
            if parts is not None:
                f.write(parts[0])
            else:
                f.write(first)
                for _ in range(reps):
                    f.write(mid)
                f.write(last)
            central.append(
                struct.pack(
                    "<IHHHHHHIIIHHHHHII",
                    0x02014B50,
                    20,
                    20,
                    0,
                    8,
                    0,
                    0x21,
                    crc_,
                    csize,
                    usize,
                    len(fn),
                    0,
                    0,
                    0,
                    0,
                    0,
                    off,
                )
                + fn
            )
            off += len(hdr) + csize
        cd = b"".join(central)
        f.write(cd + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), len(cd), off, 0))
    return path.stat().st_size


def good_docx(path: Path, text: str) -> None:
    """A small, ordinary .docx (python-docx)."""
    from docx import Document

    d = Document()
    d.add_heading("Referat", level=1)
    for para in text.split("\n\n"):
        d.add_paragraph(para)
    d.save(str(path))


def slow_pdf(path: Path, operators: int = 400_000) -> int:
    """A real one-page PDF whose (Flate-compressed, small) content stream holds `operators` text-show operations:
    valid, tiny on disk, and seconds of work for a text extractor."""
    import zlib

    ops = b"BT /F1 1 Tf 1 0 0 1 10 10 Tm (a) Tj ET\n" * operators
    stream = zlib.compress(ops, 9)
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    path.write_bytes(bytes(out))
    return len(out)

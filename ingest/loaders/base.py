"""What every loader shares: the options, the result (LoadedFile), the error (LoadError) and the page join."""

from __future__ import annotations

from dataclasses import dataclass, field

SUPPORTED_EXTENSIONS = (".pdf", ".txt", ".md", ".markdown", ".docx", ".doc")
PAGE_JOIN = "\n\f\n"
LOAD_ERROR_CODES = (
    "unsupported",
    "empty",
    "corrupt",
    "encrypted",
    "needs_ocr",
    "too_large",
    "not_pdf",
    "decode",
    "needs_tool",
    "outside",
    "dtd",
    "timeout",
)

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .doc, and password-protected .docx
ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")


@dataclass(frozen=True)
class LoadOptions:
    """What a loader may do beyond reading text; built from Settings by the pipeline."""

    max_bytes: int = 200 * 1024 * 1024
    ocr: bool = False  # OCR pages without a text layer (needs tesseract); else "needs_ocr"
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
        return cls(
            max_bytes=s.max_file_mb * 1024 * 1024,
            ocr=s.ocr,
            ocr_lang=s.ocr_lang,
            max_unpacked=s.max_unpacked_mb * 1024 * 1024,
            isolate=s.load_isolated,
            timeout_s=float(s.load_timeout_s),
            max_memory=s.load_memory_mb * 1024 * 1024,
        )


class LoadError(Exception):
    """A file that cannot be loaded; str(e) is one plain-language line, `code` is machine-readable."""

    def __init__(self, reason: str, code: str):
        super().__init__(" ".join(reason.split()))
        self.reason = str(self)
        self.code = code


@dataclass(frozen=True)
class LoadedFile:
    """Extracted text of one file with its pages."""

    raw_text: str  # PDF pages joined with "\n\f\n"
    page_starts: tuple[int, ...]  # offset in raw_text where each page starts (first is 0)
    page_labels: tuple[str, ...]  # printed labels, same length as page_starts
    title: str  # from the file's own metadata/heading; "" when none
    meta: dict = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


def mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB" if n >= 1024 * 1024 else f"{n} bytes"


def offsets(pages: list[str]) -> tuple[str, tuple[int, ...]]:
    """Join pages with PAGE_JOIN and return the text and each page's start offset."""
    starts, pos = [], 0
    for i, page in enumerate(pages):
        starts.append(pos)
        pos += len(page) + (len(PAGE_JOIN) if i < len(pages) - 1 else 0)
    return PAGE_JOIN.join(pages), tuple(starts)

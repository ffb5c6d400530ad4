"""Plain text and Markdown: encoding detection, pages from form feeds or the corpus' one-leading-space page starts,
the Markdown title."""

from __future__ import annotations

import re
import unicodedata

from ingest.loaders.base import LoadedFile, LoadError

_PAGE_MARKER = re.compile(r"^ \S", re.MULTILINE)  # corpus-notes §2.1: one leading space = page start


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
    bad = sum(
        1
        for ch in sample
        if (unicodedata.category(ch) in ("Cc", "Co", "Cs") and ch not in "\t\n\r\f\v") or ch == "\ufffd"
    )
    return bad > max(4, len(sample) * 0.02)


def load_text(data: bytes, markdown: bool) -> LoadedFile:
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
        starts = tuple([0] + [m.end() for m in re.finditer("\f", text) if text[m.end() :].strip()])
        approx = False
    else:
        starts = tuple(sorted({0} | {m.start() for m in _PAGE_MARKER.finditer(text)}))
        approx = len(starts) > 1
    meta = {
        "format": fmt,
        "encoding": encoding,
        "page_count": len(starts),
        "pages_approximate": approx,
        "empty_pages": 0,
    }
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

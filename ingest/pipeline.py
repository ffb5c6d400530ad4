"""Incremental, crash-safe ingestion of folders into the index.

Each run converges the index to what a clean build of the current folders would give:
- a document's chunks are first written to the catalog as 'pending' (write-ahead), then to the vector store,
  then marked 'complete'; a run killed anywhere leaves pending rows that the next run undoes and redoes;
- unchanged files (same content hash) are skipped without embedding; renamed or duplicated files are recognised
  by their content hash; content no file points at any more is removed;
- finally the store's ids are reconciled with the catalog (orphans deleted, missing vectors re-added) and the
  BM25 index is rebuilt from the catalog when anything changed.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping, Sequence

from byraad.access import is_closed
from byraad.progress import progress_bar
from byraad.settings import Settings
from byraad.types import ParsedDocument
from ingest.chunking import chunk_document
from ingest.loaders import SUPPORTED_EXTENSIONS, LoadError, LoadOptions
from ingest.locks import exclusive
from ingest.parse import file_digest, parse_file
from ingest.report import IngestReport
from ingest.sources import package_digest, source_for
from vectorstore.index import Index


class IngestLocked(RuntimeError):
    """Another ingest run holds the lock on this data directory."""


@dataclass(frozen=True)
class SourceFile:
    path: Path  # absolute
    rel: str  # relative to its root (prefixed with the root's name when several roots)
    root: str  # absolute root
    size: int
    mtime: float
    members: tuple[Path, ...] = ()  # for a package: the files it references (part of its content id)


def scan(roots: Sequence[Path], exclude: Sequence[Path] = ()) -> tuple[list[SourceFile], list[dict]]:
    """Every candidate file under the roots (sorted), plus the skipped ones to report (unsupported types, and links
    that are not followed: outside the root, dangling, looping or to a folder; see ingest.paths).

    A package (an ESDH export: one XML referencing PDFs/Word files) is one SourceFile: its size is the sum and
    its mtime the newest of all its files, and its members are not listed on their own. A package whose XML
    cannot be read owns every file of its folder: the package fails as a whole and none of them is ingested loose.
    """
    from ingest.paths import refusal, walk

    files: list[SourceFile] = []
    skipped: list[dict] = []
    multi = len(roots) > 1
    for root in roots:
        root = Path(root).resolve()  # the root itself is what the secretariat named; links below it are checked
        if not root.exists():
            raise FileNotFoundError(f"findes ikke: {root}")
        single = not root.is_dir()
        base = root.parent if single else root
        found, refused = ([root], []) if single else walk(root, exclude)

        def rel_of(p: Path) -> str:
            rel = "/".join(p.relative_to(base).parts)
            return f"{root.name}/{rel}" if multi and not single else rel

        for p, code, reason in refused:
            skipped.append({"path": rel_of(p), "code": code, "reason": reason})
        # Each file's format is looked up once: claims() may read the file's first bytes.
        claimed = {p: source_for(p) for p in found}
        members_of: dict[Path, list[Path]] = {}
        for p, src in claimed.items():
            if src is None:
                continue
            try:
                ms = [Path(m) for m in src.members(p)]
            except Exception:  # noqa: BLE001 - unreadable package: it owns its whole folder, parse reports why
                ms = [q for q in found if q != p and p.parent in q.parents and claimed[q] is None]
            # A member is read only when it lies inside the root (ingest.paths); the reader checks it again.
            members_of[p] = [m for m in ms if refusal(m, base) is None]
        owned = {m for ms in members_of.values() for m in ms}
        for p in found:
            if p in owned and not members_of.get(p):
                continue  # ingested as part of its package
            rel = rel_of(p)
            if p.suffix.lower() not in SUPPORTED_EXTENSIONS and claimed[p] is None:
                skipped.append({"path": rel, "code": "unsupported", "reason": _unsupported_reason(p)})
                continue
            members = tuple(m for m in members_of.get(p, ()) if m.exists())
            stats = [p.stat()] + [m.stat() for m in members]
            files.append(
                SourceFile(
                    p, rel, str(base), sum(st.st_size for st in stats), max(st.st_mtime for st in stats), members
                )
            )
    return files, skipped


def _unsupported_reason(p: Path) -> str:
    """Why a file no loader or source takes is skipped. A .html or .xml file is read when it is a meeting page of
    the portal or an ESDH package, so "the type is not supported" would be untrue for those suffixes."""
    suffix = p.suffix.lower()
    if suffix in (".html", ".htm"):
        return (
            "kun mødeportalens dagsorden- og referatsider læses; denne side er ikke en mødeside "
            "(fx portalens oversigtsside, som `byraad sync` bruger)"
        )
    if suffix == ".xml":
        return "kun ESDH-mødepakker (eDoc, Acadre) læses som .xml; denne fil er ikke en sådan pakke"
    return f"filtypen {p.suffix or '(ingen)'} understøttes ikke"


def source_digest(f: SourceFile) -> str:
    """Content id of a source: the file's sha256, or for a package the hash over all its files."""
    return package_digest(f.path, list(f.members)) if f.members else file_digest(f.path)


def ingest_lock(data_dir: Path):
    """One ingest at a time per data directory (a second run fails fast with a clear message)."""
    return exclusive(
        data_dir / "ingest.lock",
        lambda: IngestLocked("en anden indlæsning kører allerede på dette indeks; prøv igen, når den er færdig"),
    )


def ingest_paths(
    roots: Sequence[str | Path],
    settings: Settings,
    *,
    index: Index | None = None,
    prune: bool = False,
    rebuild: bool = False,
    progress: bool = True,
    environ: Mapping[str, str] | None = None,
    on_progress: Callable[[dict], None] | None = None,
) -> IngestReport:
    """Ingest folders/files into the index of `settings`; returns (and saves) the report.

    `on_progress` receives {"phase": "read"|"embed"|"finish", "done", "total", "file"} as the run goes: files read,
    then chunks embedded (with the file being embedded), then the final index work."""
    started = time.time()
    roots = [Path(r) for r in roots]
    own_index = index is None
    index = index or Index(settings, environ=environ)
    rep = IngestReport(collection=index.collection, roots=[str(r.resolve()) for r in roots], rebuilt=rebuild)
    with ingest_lock(settings.data_path):
        if rebuild:
            index.reset()
        files, rep.skipped = scan(roots, exclude=[settings.data_path])
        _recover(index, rep)
        _sync_files(index, files, rep, settings, prune, progress, on_progress)
        if on_progress is not None:
            on_progress({"phase": "finish", "done": 0, "total": 0, "file": ""})
        _collect_garbage(index, rep)
        _reconcile_store(index, rep)
        _save_snapshot(index, rep)
        index.bm25()  # rebuild BM25 now if anything changed, so the first question is fast
        rep.totals = index.catalog.stats()
        rep.duration_s = round(time.time() - started, 2)
        index.catalog.add_run(started, rep.to_dict())
        rep.save(
            settings.data_path / "reports" / f"ingest-{time.strftime('%Y%m%d-%H%M%S', time.localtime(started))}.json"
        )
        rep.save(settings.data_path / "reports" / "latest.json")
    if own_index:
        index.close()
    return rep


def _recover(index: Index, rep: IngestReport) -> None:
    """Undo what a killed run left half-done: its pending/deleting documents are removed from the store."""
    cat = index.catalog
    undone = 0
    for doc_id, state in cat.doc_states().items():
        if state != "complete":
            ids = cat.chunk_ids(doc_id)
            if ids:
                index.store.delete(ids)
            cat.forget_document(doc_id)
            undone += 1
    if undone:
        rep.repaired["afbrudte dokumenter ryddet op"] = undone


def _sync_files(
    index: Index,
    files: list[SourceFile],
    rep: IngestReport,
    s: Settings,
    prune: bool,
    progress: bool,
    on_progress: Callable[[dict], None] | None = None,
) -> None:
    cat = index.catalog
    known = cat.files()
    states = cat.doc_states()
    seen_paths = {f.rel for f in files}
    roots = {f.root for f in files} | set(rep.roots)
    # Files gone from the folders: renames are recognised by content below; the rest are removed with --prune.
    gone = {p: row for p, row in known.items() if p not in seen_paths and row[0] in roots}
    gone_by_doc: dict[str, list[str]] = {}
    for p, (_, d, _, _) in gone.items():
        if d:
            gone_by_doc.setdefault(d, []).append(p)

    hashed: list[tuple[SourceFile, str]] = []
    for f in files:
        row = known.get(f.rel)
        if f.size == 0:  # empty files all share one hash: each is reported as empty, never as a duplicate
            _fail(cat, f, rep, "empty", "filen er tom", bool(row and row[1]))
            continue
        if row and row[1] and row[2] == f.size and row[3] == f.mtime:
            hashed.append((f, row[1]))  # unchanged size+mtime: trust the stored hash (re-ingest stays fast)
            continue
        try:
            hashed.append((f, source_digest(f)[:16]))
        except OSError as e:
            rep.failed.append({"path": f.rel, "code": "unreadable", "reason": f"kan ikke læses: {e.strerror}"})
    # One canonical path per content: the one the index already uses if it is still there, else the first.
    paths_of: dict[str, list[str]] = {}
    for f, doc_id in hashed:
        paths_of.setdefault(doc_id, []).append(f.rel)
    indexed = {d: (cat.doc_info(d) or {}).get("path", "") for d in paths_of if states.get(d) == "complete"}
    canonical = {d: indexed[d] if indexed.get(d) in paths else paths[0] for d, paths in paths_of.items()}

    todo: list[tuple[SourceFile, str, bool]] = []
    for f, doc_id in hashed:
        row = known.get(f.rel)
        was = row[1] if row else None
        if f.rel != canonical[doc_id]:
            rep.duplicates.append({"path": f.rel, "same_as": canonical[doc_id]})
            cat.set_file(f.rel, f.root, doc_id, f.size, f.mtime)
            continue
        if states.get(doc_id) == "complete":
            if was == doc_id:
                rep.unchanged.append(f.rel)
                if row[2] != f.size or row[3] != f.mtime:
                    cat.set_file(f.rel, f.root, doc_id, f.size, f.mtime)
                continue
            old_path = indexed[doc_id]
            if old_path != f.rel:
                # The content is indexed under a path that is gone: a rename (no re-embedding).
                _rename(index, doc_id, f.rel)
                rep.renamed.append({"from": old_path, "to": f.rel})
                for p in gone_by_doc.pop(doc_id, []):
                    cat.remove_file(p)
                    gone.pop(p, None)
            cat.set_file(f.rel, f.root, doc_id, f.size, f.mtime)
            if was and was != doc_id:
                rep.changed.append(f.rel)
            continue
        todo.append((f, doc_id, was))

    for p in sorted(gone):
        if prune:
            cat.remove_file(p)
            rep.removed.append(p)
        else:
            rep.missing.append(p)
    if todo:
        _ingest_new(index, todo, rep, s, progress, on_progress)


def _ingest_new(
    index: Index,
    todo: list[tuple[SourceFile, str, str | None]],
    rep: IngestReport,
    s: Settings,
    progress: bool,
    on_progress: Callable[[dict], None] | None = None,
) -> None:
    """Parse and chunk new or changed files, then embed and store them one document at a time (write-ahead)."""
    cat = index.catalog
    opts = LoadOptions.from_settings(s)
    parsed = []
    bar = progress_bar(len(todo), progress, "Læser filer", "fil", on_progress, "read")
    for f, doc_id, was in todo:
        bar.set_postfix_str(f.rel, refresh=False)
        try:
            doc = parse_file(f.path, f.rel, doc_id, opts=opts)
            chunks, sources = chunk_document(doc, s)
            if not chunks:
                raise LoadError("ingen brugbar tekst fundet i filen", "empty")
            parsed.append((f, doc, chunks, sources, was))
        except LoadError as e:
            _fail(cat, f, rep, getattr(e, "code", "invalid"), str(e), bool(was))
        except Exception as e:  # a parser bug must cost only this file
            _fail(cat, f, rep, "error", f"uventet fejl under læsning: {type(e).__name__}: {e}"[:300], bool(was))
        bar.update(1)
    bar.close()
    bar = progress_bar(sum(len(p[2]) for p in parsed), progress, "Indlejrer", "stk", on_progress, "embed")
    try:
        for f, doc, chunks, sources, was in parsed:
            bar.set_postfix_str(f.rel, refresh=False)
            info = _doc_info(doc)
            cat.begin_document(doc.doc_id, f.rel, doc.title, doc.kind, info, chunks, sources)
            vectors: list = []
            for i in range(0, len(chunks), s.batch_size):
                batch = chunks[i : i + s.batch_size]
                vectors += index.embedder.embed_documents([c.embed_text for c in batch])
                bar.update(len(batch))
            index.store.upsert(chunks, vectors)
            # Complete, the file pointed at it and the file's previous version withdrawn: one step (one generation).
            cat.complete_document(doc.doc_id, file=(f.rel, f.root, f.size, f.mtime), replaces=was)
            (rep.changed if was else rep.new).append(f.rel)
            rep.chunks_added += len(chunks)
            rep.embedded += len(chunks)
            _note_structure(doc, info, rep)
    finally:
        bar.close()


def _fail(cat, f: SourceFile, rep: IngestReport, code: str, reason: str, existed: bool) -> None:
    rep.failed.append({"path": f.rel, "code": code, "reason": reason})
    if existed:
        # The index must match the folder: the previous version of a now-broken file goes.
        cat.remove_file(f.rel)
        rep.warnings.append(
            {"path": f.rel, "warning": "den tidligere version er fjernet fra indekset, fordi den nye ikke kunne læses"}
        )


def _rename(index: Index, doc_id: str, new_path: str) -> None:
    chunks = index.catalog.chunks(doc_id=doc_id)
    moved = [dataclasses.replace(c, meta={**c.meta, "path": new_path}) for c in chunks]
    index.store.update_metadata(moved)
    index.catalog.rename_document(doc_id, new_path, moved)


def _collect_garbage(index: Index, rep: IngestReport) -> None:
    """Remove documents that no known file points at any more (changed, failed or pruned files)."""
    cat = index.catalog
    live = cat.referenced_docs()
    for doc_id, state in cat.doc_states().items():
        if doc_id not in live:
            ids = cat.chunk_ids(doc_id)
            cat.mark_deleting(doc_id)
            if ids:
                index.store.delete(ids)
            cat.forget_document(doc_id)
            rep.chunks_removed += len(ids)


def _reconcile_store(index: Index, rep: IngestReport) -> None:
    """Make the vector store hold exactly the catalog's complete chunks."""
    cat = index.catalog
    want = set(cat.chunk_ids(state="complete"))
    have = index.store.ids()
    extra = sorted(have - want)
    if extra:
        index.store.delete(extra)
        rep.repaired["forældreløse vektorer slettet"] = len(extra)
    missing = sorted(want - have)
    if missing:
        chunks = cat.chunks(missing)
        vectors = index.embedder.embed_documents([c.embed_text for c in chunks])
        index.store.upsert(chunks, vectors)
        rep.embedded += len(chunks)
        rep.repaired["manglende vektorer genskabt"] = len(chunks)


def _save_snapshot(index: Index, rep: IngestReport) -> None:
    """The vector snapshot answering processes search without opening the store (vectorstore/vectorfile.py)."""
    try:
        index.save_vector_snapshot()
    except Exception as e:  # noqa: BLE001 - without a snapshot readers use the store: slower start, same answers
        from vectorstore import vectorfile

        vectorfile.remove(index.dir)
        rep.warnings.append({"path": "", "warning": f"vektor-snapshot ikke skrevet ({type(e).__name__}: {e})"[:300]})


def _doc_info(doc: ParsedDocument) -> dict:
    """What the catalog keeps about a document for status and reports."""
    meetings = [
        {
            "body": m.body,
            "date": m.date,
            "date_hint": m.date_hint,
            "embedded": m.embedded,
            "items": len(m.items),
            "kind": m.kind,
            "closed": [it.number for it in m.items if is_closed(it.access)],
        }
        for m in doc.meetings
    ]
    return {
        "meetings": meetings,
        "sections": len(doc.sections),
        "access": doc.access,
        "access_reason": doc.access_reason,
        "doc_date": doc.doc_date,
        "pages": len(doc.pages),
        "warnings": list(doc.warnings),
        "meta": dict(doc.meta),
    }


def _note_structure(doc: ParsedDocument, info: dict, rep: IngestReport) -> None:
    rep.meetings += len(doc.meetings)
    for m in doc.meetings:
        rep.items += len(m.items)
        if m.date is None:
            rep.undated_meetings.append(
                {
                    "path": doc.path,
                    "body": m.body,
                    "hint": f"{m.date_hint} ({m.date_hint_reason})" if m.date_hint else "",
                }
            )
        for it in m.items:
            if is_closed(it.access):
                rep.closed_items.append(
                    {"path": doc.path, "item": it.number, "access": it.access, "reason": it.access_reason}
                )
    if doc.access != "public":
        rep.warnings.append({"path": doc.path, "warning": f"adgang '{doc.access}': {doc.access_reason}"})
    for w in doc.warnings:
        rep.warnings.append({"path": doc.path, "warning": w})

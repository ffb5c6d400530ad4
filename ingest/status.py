"""`byraad status`: what is in the index, from the catalog alone (no models loaded)."""

from __future__ import annotations

from collections import Counter

from byraad.dates import format_date
from byraad.settings import Settings
from byraad.types import KIND_LABELS
from vectorstore.catalog import Catalog
from vectorstore.index import index_dir


def index_status(s: Settings) -> dict:
    """Counts of documents, chunks, meetings, closed items and undated meetings, plus the last run."""
    path = index_dir(s) / "catalog.sqlite"
    out: dict = {"collection": s.collection_name(), "data_dir": str(s.data_path), "exists": path.exists()}
    if not path.exists():
        return out
    cat = Catalog(path)
    try:
        docs = cat.documents()
        kinds = Counter(d["kind"] for d in docs)
        meetings = [m | {"path": d["path"]} for d in docs for m in d.get("meetings", [])]
        dates = [m["date"] for m in meetings if m.get("date")] + [d["doc_date"] for d in docs if d.get("doc_date")]
        runs = cat.runs(1)
        out.update(cat.stats())
        out.update(
            kinds=dict(kinds),
            meetings=len(meetings),
            items=sum(m["items"] for m in meetings),
            undated_meetings=[{"path": m["path"], "body": m["body"]} for m in meetings if not m.get("date")],
            closed_items=sum(len(m.get("closed", [])) for m in meetings),
            restricted_documents=[
                {"path": d["path"], "access": d["access"]} for d in docs if d.get("access") != "public"
            ],
            newest_material=max(dates) if dates else None,
            documents_list=[
                {
                    "path": d["path"],
                    "title": d["title"],
                    "kind": d["kind"],
                    "access": d.get("access") or "public",
                    "chunks": d["n_chunks"],
                }
                for d in docs
            ],
            last_run=(
                {k: runs[0].get(k) for k in ("finished", "duration_s", "new", "changed", "removed", "failed")}
                if runs
                else None
            ),
        )
    finally:
        cat.close()
    return out


def render_status(st: dict) -> str:
    """Plain-language Danish rendering of index_status()."""
    if not st.get("exists"):
        return f"Indekset {st['collection']} er tomt. Kør: byraad ingest MAPPE"
    lines = [
        f"Samling: {st['collection']}  (data: {st['data_dir']})",
        f"Dokumenter: {st['documents']}  tekststykker: {st['chunks']}  filer: {st['files']}",
        f"Møder: {st['meetings']}  dagsordenspunkter: {st['items']}  lukkede punkter: {st['closed_items']}  "
        f"udaterede møder: {len(st['undated_meetings'])}",
        f"Nyeste materiale: {format_date(st['newest_material']) if st.get('newest_material') else 'ukendt'}",
        "Dokumenttyper: " + ", ".join(f"{KIND_LABELS.get(k, k).lower()} {v}" for k, v in sorted(st["kinds"].items())),
    ]
    if st.get("pending"):
        lines.append(f"OBS: {st['pending']} dokument(er) blev afbrudt under indlæsning; kør byraad ingest igen.")
    for d in st["restricted_documents"]:
        lines.append(f"  begrænset adgang: {d['path']} ({d['access']})")
    lr = st.get("last_run")
    if lr:
        lines.append(
            f"Seneste kørsel: {len(lr.get('new') or [])} nye, {len(lr.get('changed') or [])} ændrede, "
            f"{len(lr.get('removed') or [])} fjernede, {len(lr.get('failed') or [])} fejlede "
            f"({lr.get('duration_s')} s)"
        )
    return "\n".join(lines)

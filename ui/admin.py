"""The secretariat's admin page: index status, upload and ingestion with progress, run history, feedback."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
import threading
import time
from pathlib import Path
from typing import Callable

import streamlit as st

from byraad.access import User
from byraad.dates import format_date
from ui import state
from ui.render import as_text


def save_uploads(folder: str | Path, files: list[tuple[str, bytes]]) -> list[Path]:
    """Write uploaded files into the corpus folder under safe names (no paths, no hidden files)."""
    from ingest.loaders import SUPPORTED_EXTENSIONS

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, data in files:
        safe = re.sub(r"[^\w.\- ()æøåÆØÅ]", "_", Path(name).name).lstrip(".") or "upload"
        if Path(safe).suffix.lower() not in SUPPORTED_EXTENSIONS:
            raise ValueError(f"{name}: filtypen understøttes ikke")
        p = folder / safe
        p.write_bytes(data)
        out.append(p)
    return out


def files_to_process(index, roots: list[Path]) -> int:
    """How many scanned files are new or changed (size/mtime) — the denominator of the progress bar."""
    from ingest.pipeline import scan

    files, _ = scan(roots)
    known = index.catalog.files()
    return sum(1 for f in files if not (known.get(f.rel) and known[f.rel][2] == f.size and known[f.rel][3] == f.mtime))


def run_ingest(res: state.Resources, roots: list[Path], on_progress: Callable[[int, int], None]) -> dict:
    """Ingest in a worker thread while the caller's progress callback polls the catalog; returns the report dict.

    Raises ingest.pipeline.IngestLocked when another ingestion holds the lock.
    """
    from ingest.pipeline import ingest_paths

    total = max(files_to_process(res.index, roots), 1)
    started = time.time()
    box: dict = {}

    def work() -> None:
        try:
            box["report"] = ingest_paths(roots, res.settings, index=res.index, progress=False, environ=res.environ)
        except BaseException as e:  # handed to the UI thread
            box["error"] = e

    t = threading.Thread(target=work, name="byraad-ingest", daemon=True)
    t.start()
    db = sqlite3.connect(f"file:{res.index.catalog.path}?mode=ro", uri=True, timeout=5)
    try:
        while t.is_alive():
            t.join(0.4)
            try:
                done = db.execute("SELECT COUNT(*) FROM files WHERE seen >= ?", (started,)).fetchone()[0]
            except sqlite3.Error:
                done = 0
            on_progress(min(done, total), total)
    finally:
        db.close()
    if "error" in box:
        raise box["error"]
    on_progress(total, total)
    return box["report"].to_dict()


def _when(ts: float | None) -> str:
    return dt.datetime.fromtimestamp(ts).strftime("%d-%m-%Y %H:%M") if ts else "–"


def admin_page(res: state.Resources, user: User) -> None:
    if not state.is_admin(user):
        st.error("Administrationssiden er kun for sekretariatet. Log ind med en bruger i gruppen admin eller sekretariat.")
        return
    from ingest.status import index_status

    status, ingest_tab, runs_tab, fb_tab = st.tabs(["Indeks", "Indlæs dokumenter", "Kørsler", "Tilbagemeldinger"])
    stt = index_status(res.settings)
    with status:
        if not stt.get("exists"):
            st.info("Indekset er tomt. Indlæs dokumenter under 'Indlæs dokumenter'.")
        else:
            cols = st.columns(4)
            cols[0].metric("Dokumenter", stt["documents"])
            cols[1].metric("Tekststykker", stt["chunks"])
            cols[2].metric("Møder", stt["meetings"])
            cols[3].metric("Lukkede punkter", stt["closed_items"])
            st.write(f"Nyeste materiale: **{format_date(stt.get('newest_material')) if stt.get('newest_material') else 'ukendt'}**"
                     f" · Samling: `{stt['collection']}`")
            lr = stt.get("last_run")
            if lr:
                st.write(f"Seneste indlæsning: {_when(lr.get('finished'))} — {len(lr.get('new') or [])} nye, "
                         f"{len(lr.get('changed') or [])} ændrede, {len(lr.get('failed') or [])} fejlede")
                for f in lr.get("failed") or []:
                    st.error(as_text(f"Fejlede: {f['path']} — {f['reason']}"))
            if stt.get("pending"):
                st.warning(f"{stt['pending']} dokument(er) blev afbrudt under indlæsning; kør indlæsningen igen.")
            st.markdown(f"**Udaterede møder ({len(stt['undated_meetings'])})**")
            for u in stt["undated_meetings"]:
                st.markdown("- " + as_text(f"{u['path']}: {u['body'] or 'møde uden angivet udvalg'}"))
            for d in stt.get("restricted_documents", []):
                st.markdown("- " + as_text(f"begrænset adgang: {d['path']} ({d['access']})"))
            with st.expander(f"Alle dokumenter ({stt['documents']})"):
                st.dataframe(stt["documents_list"], width="stretch", hide_index=True)
    with ingest_tab:
        _ingest_section(res)
    with runs_tab:
        for r in res.index.catalog.runs(20):
            label = (f"{_when(r.get('started'))}: {len(r.get('new', []))} nye, {len(r.get('changed', []))} ændrede, "
                     f"{len(r.get('removed', []))} fjernede, {len(r.get('failed', []))} fejlede ({r.get('duration_s')} s)")
            with st.expander(label):
                st.json(r, expanded=False)
    with fb_tab:
        _feedback_section(res)


def _ingest_section(res: state.Resources) -> None:
    folder = Path(res.settings.corpus_dirs[0]) if res.settings.corpus_dirs else None
    if folder is None:
        st.error("Der er ingen dokumentmappe i indstillingerne (corpus_dirs).")
        return
    st.markdown(f"Dokumentmappe: {as_text(folder)}. Læg filer her, eller upload dem nedenfor. Indlæsningen tager kun nye og "
             "ændrede filer med.")
    ups = st.file_uploader("Upload dokumenter (PDF, Word, tekst)", accept_multiple_files=True, key="uploads")
    if st.button("Indlæs nu", type="primary", key="run_ingest"):
        try:
            saved = save_uploads(folder, [(u.name, u.getvalue()) for u in ups or []])
        except ValueError as e:
            st.error(str(e))
            return
        if saved:
            st.write(f"{len(saved)} fil(er) gemt i mappen.")
        bar = st.progress(0.0, text="Indlæser …")
        from ingest.pipeline import IngestLocked
        try:
            rep = run_ingest(res, [folder], lambda d, t: bar.progress(d / t, text=f"Indlæser … {d} af {t} filer"))
        except IngestLocked:
            st.error("En anden indlæsning kører allerede. Vent, til den er færdig, og prøv igen.")
            return
        except Exception as e:
            st.error(as_text(f"Indlæsningen fejlede: {type(e).__name__}: {e}"))
            return
        st.session_state["last_report"] = rep
    rep = st.session_state.get("last_report")
    if rep:
        (st.success if rep.get("ok") else st.warning)(
            f"Indlæsning færdig på {rep['duration_s']} s: {len(rep['new'])} nye, {len(rep['changed'])} ændrede, "
            f"{len(rep['unchanged'])} uændrede, {len(rep['failed'])} fejlede. Indekset har nu "
            f"{rep['totals'].get('documents', 0)} dokumenter.")
        for f in rep["failed"]:
            st.error(as_text(f"{f['path']}: {f['reason']}"))
        for u in rep["undated_meetings"]:
            st.markdown(as_text(f"Udateret møde: {u['path']}"))
        with st.expander("Hele rapporten"):
            st.json(rep, expanded=False)


def _feedback_section(res: state.Resources) -> None:
    counts = res.feedback.counts()
    st.write(f"👍 {counts.get('up', 0)} · 👎 {counts.get('down', 0)}")
    downs = res.feedback.recent("down", 30)
    if downs:
        st.markdown("**Seneste 👎**")
        st.dataframe([{"Tid": _when(r["ts"]), "Bruger": r["user"], "Spørgsmål": r["question"],
                       "Kommentar": r["comment"], "Svar": r["answer"][:200]} for r in downs],
                     width="stretch", hide_index=True)
    c1, c2 = st.columns(2)
    c1.download_button("⬇️ Alle tilbagemeldinger (JSONL)", res.feedback.export_jsonl(), "feedback.jsonl",
                       mime="application/jsonl", key="fb_all")
    c2.download_button("⬇️ Kun 👎 (JSONL)", res.feedback.export_jsonl("down"), "feedback-down.jsonl",
                       mime="application/jsonl", key="fb_down")

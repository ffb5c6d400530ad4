"""`byraad serve` (the Streamlit app) and `byraad users add|list|remove` (local sign-in accounts)."""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path
from typing import Mapping

import click

from byraad.settings import ENV_PREFIX, Settings

# ui/server.py: the ASGI app (st.App) serving ui/app.py plus the session-cookie route and the route for
# access-checked originals (ui/files.py).
APP = Path(__file__).resolve().parent / "server.py"


def settings_env(settings: Settings) -> dict[str, str]:
    """Every setting as a BYRAAD_* variable, so the app (which builds Settings from env) sees the same values."""
    out: dict[str, str] = {}
    for f in dataclasses.fields(settings):
        v = getattr(settings, f.name)
        if isinstance(v, tuple):
            v = os.pathsep.join(v)
        elif isinstance(v, bool):
            v = "true" if v else "false"
        out[ENV_PREFIX + f.name.upper()] = str(v)
    # Relative paths must mean the same to the app whatever its working directory.
    out[ENV_PREFIX + "DATA_DIR"] = str(Path(settings.data_dir).resolve())
    out[ENV_PREFIX + "CORPUS_DIRS"] = os.pathsep.join(str(Path(d).resolve()) for d in settings.corpus_dirs)
    return out


def serve_command(
    settings: Settings, port: int, host: str, environ: Mapping[str, str] | None = None
) -> tuple[list[str], dict[str, str]]:
    """The argv and environment that start the app."""
    argv = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.port",
        str(port),
        "--server.address",
        host,
        "--server.fileWatcherType",
        "none",
        "--client.toolbarMode",
        "minimal",
        "--server.maxUploadSize",
        str(settings.max_file_mb),
    ]
    from byraad.runtime import child_env

    env = child_env("server", os.environ if environ is None else environ)  # thread policy of an answering server
    env.update(settings_env(settings))
    return argv, env


def _end_sessions(settings: Settings, name: str) -> None:
    from ui.sessions import SessionStore

    store = SessionStore(settings.data_path)
    store.revoke_user(name)
    store.close()


def register(main: click.Group) -> None:
    """Add `serve` and `users` to the byraad command."""

    @main.command()
    @click.option("--port", default=8501, show_default=True, type=int)
    @click.option("--host", default="127.0.0.1", show_default=True, help="0.0.0.0 for alle netkort (bag en proxy).")
    @click.pass_obj
    def serve(obj, port: int, host: str) -> None:
        """Start chat-appen (Streamlit) med de aktuelle indstillinger."""
        argv, env = serve_command(obj.settings, port, host)
        from byraad.runtime import match_autogroup

        match_autogroup()  # started at a raised (or lowered) priority as a service: its session weighs the same
        click.echo(f"byråds-GPT kører på http://{host}:{port}  (Ctrl+C stopper)", err=True)
        sys.stdout.flush()
        sys.stderr.flush()
        # Replace this process with Streamlit (same pid): a service manager or script that stops `byraad serve`
        # (SIGTERM/SIGINT to its pid) stops the app itself, and no child is left serving the port.
        os.execve(argv[0], argv, env)

    @main.group()
    def users() -> None:
        """Lokale brugere (når der ikke er single sign-on)."""

    @users.command("add")
    @click.argument("name")
    @click.option("--groups", default="", help="Kommasepareret, fx byraadsmedlem,udvalg:teknik-og-miljoeudvalget")
    @click.option("--password-stdin", is_flag=True, help="Læs adgangskoden fra stdin (til scripts).")
    @click.pass_obj
    def users_add(obj, name: str, groups: str, password_stdin: bool) -> None:
        """Opret eller opdatér en bruger."""
        from byraad.users import UserStore, parse_groups

        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = click.prompt("Adgangskode", hide_input=True, confirmation_prompt=True)
        store = UserStore.for_settings(obj.settings)
        try:
            user = store.add(name, parse_groups(groups), password)
            _end_sessions(obj.settings, name)  # a new password or new groups: signed-in browsers sign in again
        except ValueError as e:
            raise click.UsageError(str(e)) from None
        finally:
            store.close()
        click.echo(f"Bruger {user.name} gemt med grupperne: {', '.join(user.groups)}")

    @users.command("list")
    @click.pass_obj
    def users_list(obj) -> None:
        """Vis brugerne og deres grupper."""
        from byraad.users import UserStore

        store = UserStore.for_settings(obj.settings)
        rows = store.list()
        store.close()
        if not rows:
            click.echo("Ingen lokale brugere. Opret en med: byraad users add NAVN --groups byraadsmedlem")
        for r in rows:
            click.echo(f"{r['name']}\t{','.join(r['groups'])}")

    @users.command("unlock")
    @click.argument("name")
    @click.pass_obj
    def users_unlock(obj, name: str) -> None:
        """Ophæv spærringen efter for mange mislykkede login-forsøg."""
        from byraad.users import UserStore

        store = UserStore.for_settings(obj.settings)
        store.clear_failures(name)
        store.close()
        click.echo(f"Spærringen af {name} er ophævet")

    @users.command("remove")
    @click.argument("name")
    @click.pass_obj
    def users_remove(obj, name: str) -> None:
        """Slet en bruger."""
        from byraad.users import UserStore

        store = UserStore.for_settings(obj.settings)
        ok = store.remove(name)
        store.close()
        _end_sessions(obj.settings, name)
        if not ok:
            click.echo(f"Ingen bruger ved navn {name}", err=True)
            sys.exit(1)
        click.echo(f"Bruger {name} slettet")

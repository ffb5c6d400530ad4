"""Sign-in: lockout kept in the users store (per name and per client, growing delay, survives a reload)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from byraad import users as users_mod
from byraad.users import UserStore

T0 = 1_900_000_000.0


CHEAP = "scrypt:1024:8:1"  # these tests count failures, not hash strength: users stored with cheap parameters


@pytest.fixture()
def store(tmp_path, monkeypatch):
    monkeypatch.setattr(users_mod, "PARAMS", CHEAP)
    s = UserStore(tmp_path / "users.sqlite")
    s.add("anna", ["byraadsmedlem"], "anna-kodeord")
    s.add("bo", ["byraadsmedlem"], "bo-kodeord-1")
    yield s
    s.close()


def test_lockout_per_name_grows_and_survives_a_new_store(store, tmp_path):
    free = users_mod.FREE_FAILURES["name"]
    for i in range(free - 1):
        assert store.login("anna", "forkert", "10.0.0.1", now=T0 + i) == (None, 0.0)
    user, wait = store.login("anna", "forkert", "10.0.0.1", now=T0 + free)
    assert user is None and wait == users_mod.BASE_DELAY
    # A new connection to the store (another tab, a reload, another app process) sees the same lock, from another
    # client too, and the right password is not even checked while it lasts.
    again = UserStore(tmp_path / "users.sqlite")
    assert again.login("anna", "anna-kodeord", "10.0.0.2", now=T0 + free + 1) == (None, users_mod.BASE_DELAY - 1)
    assert again.login("ANNA ", "anna-kodeord", "10.0.0.2", now=T0 + free + 1)[0] is None  # same name
    # The next failure after the lock doubles the delay, and the next doubles it again.
    t = T0 + free + users_mod.BASE_DELAY + 1
    assert again.login("anna", "forkert", "10.0.0.2", now=t) == (None, 2 * users_mod.BASE_DELAY)
    t += 2 * users_mod.BASE_DELAY + 1
    assert again.login("anna", "forkert", "10.0.0.2", now=t) == (None, 4 * users_mod.BASE_DELAY)
    # Another name is not locked; after the lock the right password works and clears the name's count.
    assert again.login("bo", "bo-kodeord-1", "10.0.0.2", now=t)[0].name == "bo"
    t += 4 * users_mod.BASE_DELAY + 1
    assert again.login("anna", "anna-kodeord", "10.0.0.1", now=t)[0].name == "anna"
    assert again.login("anna", "forkert", "10.0.0.1", now=t + 1) == (None, 0.0)
    again.close()


def test_lockout_delay_is_capped_and_forgotten(store):
    t = T0
    waits = []
    for _ in range(20):
        _, wait = store.login("anna", "forkert", None, now=t)
        waits.append(wait)
        t += wait + 1
    assert max(waits) == users_mod.MAX_DELAY
    assert waits == sorted(waits)
    # An hour after the last failure the count starts again.
    assert store.login("anna", "forkert", None, now=t + users_mod.FORGET_AFTER + 1) == (None, 0.0)


def test_lockout_per_client_across_names(store):
    """Guessing many names from one client locks the client, whatever name it tries next (even a real one)."""
    free = users_mod.FREE_FAILURES["client"]
    for i in range(free):
        store.record_failure(f"navn{i}", "10.9.9.9", now=T0 + i)
    user, wait = store.login("anna", "anna-kodeord", "10.9.9.9", now=T0 + free)
    assert user is None and wait > 0
    assert store.login("anna", "anna-kodeord", "10.0.0.5", now=T0 + free)[0].name == "anna"  # other client
    # A successful sign-in from the locked client later does not reset the client's count.
    t = T0 + free + users_mod.MAX_DELAY
    assert store.login("bo", "bo-kodeord-1", "10.9.9.9", now=t)[0].name == "bo"
    assert store.login("navnx", "forkert", "10.9.9.9", now=t + 1)[1] > 0


def test_unknown_names_are_locked_like_real_ones(store):
    """The lock does not reveal which names exist."""
    for i in range(users_mod.FREE_FAILURES["name"]):
        a = store.login("findes-ikke", "forkert", None, now=T0 + i)
        b = store.login("anna", "forkert", "10.0.0.7", now=T0 + i)
    assert a == b == (None, users_mod.BASE_DELAY)


def test_unlock_command(tmp_path, monkeypatch):
    from byraad.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(users_mod, "PARAMS", CHEAP)
    r = CliRunner()
    assert (
        r.invoke(
            main, ["--data-dir", "d", "users", "add", "anna", "--password-stdin"], input="anna-kodeord\n"
        ).exit_code
        == 0
    )
    s = UserStore(tmp_path / "d" / "users.sqlite")
    for _ in range(users_mod.FREE_FAILURES["name"]):
        s.login("anna", "forkert")
    assert s.login("anna", "anna-kodeord")[0] is None
    res = r.invoke(main, ["--data-dir", "d", "users", "unlock", "anna"])
    assert res.exit_code == 0 and "ophævet" in res.output
    assert s.login("anna", "anna-kodeord")[0].name == "anna"


def test_wait_text_is_danish():
    from ui.auth import wait_text

    assert wait_text(1) == "1 sekund"
    assert wait_text(29.2) == "30 sekunder"
    assert wait_text(120) == "2 minutter"
    assert wait_text(900) == "15 minutter"


def test_lockout_survives_a_reload_in_the_app(tmp_path, monkeypatch):
    """Five wrong passwords in one browser session; a new session (a reload) is still refused, even the right
    password, with a Danish message saying how long to wait."""
    from streamlit.testing.v1 import AppTest

    from tests.test_ui_app import APP, _login

    for k, v in {
        "BYRAAD_DATA_DIR": str(tmp_path / "data"),
        "BYRAAD_EMBEDDER": "hash:64",
        "BYRAAD_CORPUS_DIRS": str(tmp_path / "tom"),
        "BYRAAD_LLM": "extractive",
    }.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setattr(users_mod, "PARAMS", CHEAP)
    s = UserStore(tmp_path / "data" / "users.sqlite")
    s.add("anna", ["byraadsmedlem"], "anna-kodeord")
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    for _ in range(users_mod.FREE_FAILURES["name"] - 1):
        _login(at, "anna", "forkert")
        assert [e.value for e in at.error] == ["Forkert brugernavn eller adgangskode."]
    _login(at, "anna", "forkert")
    assert "For mange mislykkede forsøg. Prøv igen om 30 sekunder." in [e.value for e in at.error]
    reloaded = AppTest.from_file(APP, default_timeout=60)
    reloaded.run()
    _login(reloaded, "anna", "anna-kodeord")
    assert any(e.value.startswith("For mange mislykkede forsøg") for e in reloaded.error)
    assert reloaded.session_state["user"].name == "anonym"
    s.clear_failures("anna")
    _login(reloaded, "anna", "anna-kodeord")
    assert reloaded.session_state["user"].name == "anna"


# --- sessions (ui/sessions.py) ------------------------------------------------------------------------------------------
def test_session_secret_is_private_and_stable(tmp_path):
    import os
    import stat

    from ui.sessions import SessionStore

    a = SessionStore(tmp_path)
    key = tmp_path / "session.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    os.chmod(key, 0o644)  # loosened by hand: made private again, same secret
    b = SessionStore(tmp_path)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and a.secret == b.secret and len(a.secret) >= 32


def test_session_cookie_signed_expiring_revocable(tmp_path):
    from ui.sessions import LOCAL_HOURS, SessionStore

    store = SessionStore(tmp_path)
    sess, token = store.create("anna", now=T0)
    assert store.get(token, now=T0 + 10).user == "anna"
    assert store.get(token, now=T0 + LOCAL_HOURS * 3600 + 1) is None  # expired
    v, sid, exp, mac = token.split(".")
    assert store.get(".".join([v, sid, str(int(exp) + 3600 * 24 * 365), mac]), now=T0) is None  # longer life
    flipped = mac[:-1] + ("A" if mac[-1] != "A" else "B")
    assert store.get(".".join([v, sid, exp, flipped]), now=T0) is None  # signature
    other, _ = SessionStore(tmp_path / "other").create("anna", now=T0)
    assert store.get(".".join([v, other.sid, exp, mac]), now=T0) is None  # another id, same mac
    assert store.get("", now=T0) is None and store.get("v1.x.y.z", now=T0) is None
    # A cookie signed with another server's secret is refused even for a live id.
    foreign = SessionStore(tmp_path / "other").token(sess.sid, sess.expires)
    assert store.get(foreign, now=T0) is None
    assert not store.signed(foreign, now=T0) and not store.signed(".".join([v, sid, exp, flipped]), now=T0)
    assert not store.signed(token, now=T0 + LOCAL_HOURS * 3600 + 1)  # expired
    store.revoke(sess.sid)
    assert store.get(token, now=T0 + 10) is None  # signed out
    assert store.signed(token, now=T0 + 10)  # … but ours, untampered: refused without an "expired" note


def test_session_handoff_code_is_single_use_and_short_lived(tmp_path):
    from ui.sessions import HANDOFF_SECONDS, SessionStore

    store = SessionStore(tmp_path)
    sess, token = store.create("", now=T0)
    assert sess.owner.startswith("anon:") and sess.sid not in sess.owner
    code = store.handoff(token, now=T0)
    assert code not in token
    assert store.redeem(code, now=T0 + 1) == (token, int(sess.expires - T0 - 1))
    assert store.redeem(code, now=T0 + 2) is None  # spent
    late = store.handoff(token, now=T0)
    assert store.redeem(late, now=T0 + HANDOFF_SECONDS + 1) is None  # too late
    raw = __import__("sqlite3").connect(tmp_path / "users.sqlite")
    assert sess.sid not in str(raw.execute("SELECT * FROM sessions").fetchall())  # only a hash is stored


def test_removing_or_resetting_a_user_ends_their_sessions(tmp_path, monkeypatch):
    from byraad.cli import main
    from ui.sessions import SessionStore

    monkeypatch.chdir(tmp_path)
    r = CliRunner()
    add = ["--data-dir", "d", "users", "add", "anna", "--password-stdin"]
    assert r.invoke(main, add, input="anna-kodeord\n").exit_code == 0
    store = SessionStore(tmp_path / "d")
    _, token = store.create("anna")
    _, anon = store.create("")
    assert r.invoke(main, add, input="nyt-kodeord-1\n").exit_code == 0
    assert store.get(token) is None and store.get(anon) is not None
    _, token = store.create("anna")
    assert r.invoke(main, ["--data-dir", "d", "users", "remove", "anna"]).exit_code == 0
    assert store.get(token) is None


def test_oidc_session_age_rule():
    from ui.auth import oidc_session_live

    assert oidc_session_live({"auth_time": T0 - 3600}, 12, now=T0)
    assert not oidc_session_live({"auth_time": T0 - 13 * 3600}, 12, now=T0)
    assert oidc_session_live({"iat": T0 - 60}, 12, now=T0)  # no auth_time: the token's issue time
    assert not oidc_session_live({}, 12, now=T0)  # no time at all: refused

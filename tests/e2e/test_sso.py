"""Single sign-on for real: st.login against a real OpenID Connect provider (panva/oidc-provider, tests/oidc/) on
127.0.0.1, in Debian's chromium. Two test users; groups come from the ID token's "groups" claim and are mapped to
access levels by [byraad_auth.group_map]. Sign-in goes through the provider's own login page; sign-out through its
end-session page; a tampered or too old session cookie is refused. Closed stays closed: only the member whose group
grants the council's closed agenda sees the closed item."""

from __future__ import annotations

import json
import re
import secrets
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, ROOT, ingest_sample, start_app
from tests.e2e.helpers import TIMEOUT, ask, open_app, wait_idle
from tests.servers import free_port, stop, wait_for_http

pytestmark = pytest.mark.integration

OIDC_DIR = ROOT / "tests" / "oidc"
CLOSED_Q = "Hvem afgav det højeste bud på grunden på Industrivej 14?"
CLOSED_FACT = "Vestergaard Byg"  # only in the closed item 7 of Byrådet 25. april 2024 (closed:byraadet)
USER_COOKIE = "_streamlit_user"
METTE = ("mette", "mette-kodeord", "mette@kommune.test")  # groups grp-byraad, grp-byraad-lukket
JENS = ("jens", "jens-kodeord", "jens@kommune.test")  # group grp-byraad only

SECRETS = """
[auth]
redirect_uri = "{app}/oauth2callback"
cookie_secret = "{cookie_secret}"

[auth.testkommune]
client_id = "byraad-gpt"
client_secret = "{client_secret}"
server_metadata_url = "{issuer}/.well-known/openid-configuration"
client_kwargs = {{ prompt = "login" }}

[byraad_auth]
provider = "testkommune"
groups_claim = "groups"
label = "Log ind med Testkommunen"
max_session_hours = 12

[byraad_auth.group_map]
"grp-byraad" = ["byraadsmedlem"]
"grp-byraad-lukket" = ["byraadsmedlem", "udvalg:byraadet"]
"""


def _skip_reason() -> str | None:
    if not Path("/usr/bin/chromium").exists():
        return "Debian chromium is not installed (scripts/install-system-deps.sh)"
    if shutil.which("node") is None:
        return "node is not installed (scripts/install-system-deps.sh)"
    if not (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
        return "the test OpenID provider is not installed (make install-test runs npm ci in tests/oidc)"
    try:
        import authlib  # noqa: F401
    except ImportError:
        return "Authlib (st.login) is not installed"
    return None


@pytest.fixture(scope="module")
def sso(tmp_path_factory):
    """(app url, cookie secret) of the app configured for the provider, which runs alongside."""
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    pytest.importorskip("playwright.sync_api")
    base = tmp_path_factory.mktemp("sso")
    settings = ingest_sample(base)
    op_port, app_port = free_port(), free_port()
    issuer, app = f"http://127.0.0.1:{op_port}", f"http://127.0.0.1:{app_port}"
    client_secret, cookie_secret = secrets.token_hex(16), secrets.token_hex(32)
    op_log = base / "oidc.log"
    op = subprocess.Popen(
        ["node", str(OIDC_DIR / "provider.mjs")],
        cwd=str(OIDC_DIR),
        env={
            "PATH": "/usr/bin:/bin:/usr/local/bin",
            "PORT": str(op_port),
            "REDIRECT_URI": f"{app}/oauth2callback",
            "CLIENT_SECRET": client_secret,
        },
        stdout=open(op_log, "w"),
        stderr=subprocess.STDOUT,
    )
    app_proc = None
    try:
        wait_for_http(f"{issuer}/.well-known/openid-configuration", op, 60, op_log, "the OpenID provider")
        cwd = base / "app"  # Streamlit reads <cwd>/.streamlit/secrets.toml
        (cwd / ".streamlit").mkdir(parents=True)
        (cwd / ".streamlit" / "secrets.toml").write_text(
            SECRETS.format(app=app, issuer=issuer, client_secret=client_secret, cookie_secret=cookie_secret)
        )
        app_proc, url = start_app(settings, base / "app.log", cwd=cwd, port=app_port)
        assert url == app
        ARTIFACTS.mkdir(exist_ok=True)
        yield app, cookie_secret
    finally:
        if app_proc is not None:
            stop(app_proc)
            shutil.copy(base / "app.log", ARTIFACTS / "sso-app.log")
        stop(op)
        shutil.copy(op_log, ARTIFACTS / "sso-oidc.log")


def _sign_in(page, user: tuple[str, str, str]) -> None:
    login, password, shown = user
    side = page.locator('[data-testid="stSidebar"]')
    side.get_by_role("button", name="Log ind med Testkommunen").click()
    # The provider's own login page (not ours): a wrong password is refused there.
    expect(page.get_by_role("heading", name="Testkommunens login")).to_be_visible(timeout=TIMEOUT)
    assert page.url.startswith("http://127.0.0.1:") and "/interaction/" in page.url
    page.get_by_label("Brugernavn").fill(login)
    page.get_by_label("Adgangskode").fill("forkert-" + password)
    page.get_by_role("button", name="Log ind hos udbyderen").click()
    expect(page.get_by_role("alert")).to_have_text("Forkert brugernavn eller adgangskode.", timeout=TIMEOUT)
    page.get_by_label("Brugernavn").fill(login)
    page.get_by_label("Adgangskode").fill(password)
    page.get_by_role("button", name="Log ind hos udbyderen").click()
    expect(page.get_by_role("heading", name="byråds-GPT")).to_be_visible(timeout=TIMEOUT)
    expect(_signed_in_as(side, shown)).to_be_visible(timeout=TIMEOUT)
    wait_idle(page)


def _signed_in_as(side, shown: str):
    """ "Logget ind som <name>" (the app puts an invisible word joiner before "@" so no mail link is made)."""
    return side.get_by_text(re.compile("Logget ind som " + re.escape(shown).replace("@", "\u2060?@")))


def _reload(page) -> None:
    page.reload(wait_until="domcontentloaded")
    expect(page.get_by_role("heading", name="byråds-GPT")).to_be_visible(timeout=TIMEOUT)
    wait_idle(page)


def _main_text(page) -> str:
    return page.locator('[data-testid="stMain"], [data-testid="stAppViewContainer"]').first.inner_text()


def _user_cookie(ctx) -> dict:
    return next(c for c in ctx.cookies() if c["name"] == USER_COOKIE)


def test_sso_sign_in_groups_sign_out_and_refused_sessions(sso, browser):
    from streamlit.web.server.starlette.starlette_app_utils import create_signed_value, decode_signed_value

    url, cookie_secret = sso
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="da-DK")
    page = ctx.new_page()
    side = page.locator('[data-testid="stSidebar"]')

    # Anonymous: no closed item.
    open_app(page, url)
    expect(side.get_by_role("button", name="Log ind med Testkommunen")).to_be_visible(timeout=TIMEOUT)
    ask(page, CLOSED_Q)
    assert CLOSED_FACT not in _main_text(page)

    # The committee member, through the provider's login page: groups from the claim, the closed item shown.
    _sign_in(page, METTE)
    expect(side.get_by_text("Grupper: byraadsmedlem, udvalg:byraadet")).to_be_visible(timeout=TIMEOUT)
    ask(page, CLOSED_Q)
    expect(page.locator('[data-testid="stChatMessage"]').last).to_contain_text(CLOSED_FACT)
    page.screenshot(path=str(ARTIFACTS / "sso-1-member.png"), full_page=True)
    genuine = _user_cookie(ctx)
    assert genuine["httpOnly"]
    _reload(page)  # the sign-in and its conversation survive a reload
    expect(_signed_in_as(side, METTE[2])).to_be_visible(timeout=TIMEOUT)
    expect(page.locator('[data-testid="stChatMessage"]').last).to_contain_text(CLOSED_FACT, timeout=TIMEOUT)
    expect(page.locator('[data-testid="stChatMessage"]')).to_have_count(2)  # its one turn, once (not the anonymous one)

    # A tampered identity cookie (claims or signature changed) is refused: anonymous again.
    ctx.add_cookies([dict(genuine, value=genuine["value"][:-3] + ("xyz" if genuine["value"][-3:] != "xyz" else "abc"))])
    _reload(page)
    expect(side.get_by_text("ikke logget ind")).to_be_visible(timeout=TIMEOUT)
    ask(page, CLOSED_Q)
    assert CLOSED_FACT not in _main_text(page)
    page.screenshot(path=str(ARTIFACTS / "sso-2-tampered.png"), full_page=True)

    # A correctly signed cookie whose sign-in is older than max_session_hours is refused too.
    claims = json.loads(decode_signed_value(cookie_secret, USER_COOKIE, genuine["value"]))
    claims["auth_time"] = claims["iat"] = int(time.time()) - 13 * 3600
    old = create_signed_value(cookie_secret, USER_COOKIE, json.dumps(claims)).decode()
    ctx.add_cookies([dict(genuine, value=old)])
    _reload(page)
    expect(side.get_by_text("Din session er udløbet eller ugyldig")).to_be_visible(timeout=TIMEOUT)
    expect(side.get_by_text("ikke logget ind")).to_be_visible(timeout=TIMEOUT)
    assert CLOSED_FACT not in _main_text(page)

    # Sign-out through the provider's end-session page ends the sign-in here too.
    ctx.add_cookies([genuine])
    _reload(page)
    expect(_signed_in_as(side, METTE[2])).to_be_visible(timeout=TIMEOUT)
    side.get_by_role("button", name="Log ud").click()
    page.wait_for_url("**/session/end**", timeout=TIMEOUT)
    page.locator("button[autofocus], button[type=submit]").first.click()  # the provider's "Yes, sign me out"
    expect(page.get_by_role("heading", name="byråds-GPT")).to_be_visible(timeout=TIMEOUT)
    expect(side.get_by_text("ikke logget ind")).to_be_visible(timeout=TIMEOUT)
    wait_idle(page)
    assert "Din session er udløbet" not in side.inner_text()  # a sign-out is no expired session
    assert not any(c["name"] == USER_COOKIE for c in ctx.cookies())
    _reload(page)
    expect(side.get_by_text("ikke logget ind")).to_be_visible(timeout=TIMEOUT)
    page.screenshot(path=str(ARTIFACTS / "sso-3-signed-out.png"), full_page=True)

    # The other test user: a council member without the committee's group does not see the closed item.
    _sign_in(page, JENS)
    expect(side.get_by_text("Grupper: byraadsmedlem")).to_be_visible(timeout=TIMEOUT)
    ask(page, CLOSED_Q)
    assert CLOSED_FACT not in _main_text(page)
    page.screenshot(path=str(ARTIFACTS / "sso-4-other-user.png"), full_page=True)
    ctx.close()

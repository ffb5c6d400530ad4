"""Issue 10 / 14.7 / 14.8 in a real browser (Debian chromium): an anonymous visitor and a member of Byrådet's committee
ask the same questions on the sample corpus; the page text of every answer, every opened citation (with the context
around it), every "maybe relevant" list and both exports (Markdown, PDF) is checked for the closed item's phrases.
The body list and "newest material" of an anonymous visitor hold nothing from internal material, and Markdown in a
question or a document never makes the browser fetch anything."""

from __future__ import annotations

import http.server
import io
import shutil
import threading
from pathlib import Path

import pytest
from playwright.sync_api import expect

from byraad.settings import Settings
from tests.e2e.conftest import ARTIFACTS, CHROMIUM, SAMPLE, start_app
from tests.e2e.helpers import TIMEOUT, ask, open_app, sign_in, wait_idle
from tests.servers import stop
from tests.test_security import RAADMAND

pytestmark = pytest.mark.integration

CLOSED = ("Vestergaard Byg", "3.250.000", "Kim Vestergaard", "2.900.000")  # closed item 7, Byrådet 25-04-2024
QUESTIONS = [
    "SAG-2024-00077",
    "Hvad blev besluttet om salg af grunden på Industrivej 14?",
    "Hvem købte grunden på Industrivej 14, og for hvor meget?",
    "Hvad står der om punkt 7 på Byrådets møde 25. april 2024?",
]
PASSWORDS = {"udvalg": "udvalg-kodeord-1", "anna": "anna-kodeord"}


class _Counter(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802
        _Counter.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *a):
        pass


@pytest.fixture(scope="module")
def tracker():
    """A local HTTP server that records every request: nothing in the app may make the browser call it."""
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()


@pytest.fixture(scope="module")
def app(tmp_path_factory, tracker):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (scripts/install-system-deps.sh)")
    pytest.importorskip("playwright.sync_api")
    from byraad.users import UserStore
    from ingest.pipeline import ingest_paths

    base = tmp_path_factory.mktemp("closed-e2e")
    corpus = base / "corpus"
    shutil.copytree(SAMPLE, corpus)
    (corpus / "referat-raadmandsmoede-2025-06-02.txt").write_text(RAADMAND, encoding="utf-8")
    (corpus / "notat-affaldsplan-markdown.md").write_text(
        "# Notat om affaldsplanen\n\nAffaldsplanen for Solbjerg omfatter genbrugspladsen ved Lærkevej.\n\n"
        f"![logo]({tracker}/doc-image.png) Se også [affaldsplanens side]({tracker}/doc-link) og "
        f'<img src="{tracker}/doc-html.png"> samt www.example.org for genbrugspladsen ved Lærkevej.\n',
        encoding="utf-8",
    )
    s = Settings(data_dir=str(base / "data"), embedder="hash:64", corpus_dirs=(str(corpus),), llm="extractive")
    ingest_paths([corpus], s, progress=False)
    users = UserStore.for_settings(s)
    users.add("udvalg", ["byraadsmedlem", "udvalg:byraadet"], PASSWORDS["udvalg"])
    users.add("anna", ["byraadsmedlem"], PASSWORDS["anna"])
    users.close()
    ARTIFACTS.mkdir(exist_ok=True)
    proc, url = start_app(s, base / "app.log")
    yield url, s, base / "app.log"
    stop(proc)


def _main_text(page) -> str:
    text = page.locator('[data-testid="stMain"], [data-testid="stAppViewContainer"]').first.inner_text()
    return text.replace("\u2060", "")  # the invisible word joiner that keeps a bare address from being a link


def _open_everything(page) -> None:
    """Open every folded source panel ("[n] …", "Måske relevant", "Andre relevante kilder")."""
    summaries = page.locator(
        '[data-testid="stChatMessage"] [data-testid="stExpander"] summary, '
        '[data-testid="stChatMessage"] details.byraad-kilde > summary'
    )
    for i in range(summaries.count()):
        s = summaries.nth(i)
        details = s.locator("xpath=..")
        if details.get_attribute("open") is None:
            s.click()
            wait_idle(page)


def _exports(page) -> str:
    from pypdf import PdfReader

    side = page.locator('[data-testid="stSidebar"]')
    out = []
    with page.expect_download(timeout=TIMEOUT) as dl:
        side.get_by_role("button", name="Markdown").click()
    out.append(Path(dl.value.path()).read_text(encoding="utf-8"))
    with page.expect_download(timeout=TIMEOUT) as dl:
        side.get_by_role("button", name="PDF").click()
    out += [p.extract_text() or "" for p in PdfReader(io.BytesIO(Path(dl.value.path()).read_bytes())).pages]
    return "\n".join(out)


def _session(browser, url: str, who: str | None) -> str:
    """Everything one user sees for QUESTIONS: every answer with its panels opened, then both exports."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 1000}, accept_downloads=True, locale="da-DK")
    page = ctx.new_page()
    open_app(page, url)
    if who:
        sign_in(page, who, PASSWORDS[who])
    seen = []
    for q in QUESTIONS:
        ask(page, q)
        _open_everything(page)
    seen.append(_main_text(page))
    page.screenshot(path=str(ARTIFACTS / f"e2e-closed-{who or 'anonym'}.png"), full_page=True)
    seen.append(_exports(page))
    ctx.close()
    return " ".join(" ".join(seen).split())


def test_anonymous_and_committee_member_see_the_same_questions_differently(app, browser):
    url, settings, log = app
    anonymous = _session(browser, url, None)
    member = _session(browser, url, "udvalg")
    assert [p for p in CLOSED if p in member], "guard: the committee member must see the closed item"
    leaked = [p for p in CLOSED if p in anonymous]
    assert not leaked, leaked
    assert "SAG-2024-00077" in anonymous  # the anonymous visitor did get answers about the case
    logged = log.read_text(encoding="utf-8", errors="replace")  # the app's log holds no passage text either
    assert not [p for p in CLOSED if p in logged]
    from assistant.audit import AuditLog

    audit = str(AuditLog(settings.data_path / "audit.sqlite").entries(10_000))
    assert not [p for p in CLOSED if p in audit] and "[context]" in audit


def _body_options(page) -> list[str]:
    side = page.locator('[data-testid="stSidebar"]')
    opts = page.locator('[role="option"]')
    for _ in range(3):  # a click while the script reruns (e.g. right after sign-in) can land on the old widget
        wait_idle(page)
        side.locator('[data-testid="stMultiSelect"]').first.click()
        try:
            expect(opts.first).to_be_visible(timeout=TIMEOUT // 4)
            break
        except AssertionError:
            page.keyboard.press("Escape")
    expect(opts.first).to_be_visible(timeout=TIMEOUT)
    names = [opts.nth(i).inner_text() for i in range(opts.count())]
    page.keyboard.press("Escape")
    return names


def test_body_list_and_newest_material_from_what_the_user_may_see(app, browser):
    url = app[0]
    ctx = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = ctx.new_page()
    open_app(page, url)
    side = page.locator('[data-testid="stSidebar"]')
    anon_bodies = _body_options(page)
    anon_side = side.inner_text()
    assert anon_bodies and not [b for b in anon_bodies if "Rådmand" in b], anon_bodies
    assert "2. juni 2025" not in anon_side and "Nyeste materiale" in anon_side
    sign_in(page, "anna", PASSWORDS["anna"])  # a council member may see internal material
    expect(side).to_contain_text("2. juni 2025", timeout=TIMEOUT)
    wait_idle(page)
    member_bodies = _body_options(page)
    assert any("Rådmand" in b for b in member_bodies), member_bodies
    ctx.close()


def test_markdown_in_questions_and_documents_is_shown_as_text(app, browser, tracker):
    url = app[0]
    _Counter.hits.clear()
    ctx = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = ctx.new_page()
    open_app(page, url)
    ask(
        page,
        f'Hvad står der om genbrugspladsen ved Lærkevej? ![x]({tracker}/question.png) <img src="{tracker}/q2.png">',
    )
    _open_everything(page)
    ask(page, "affaldsplanens side logo genbrugspladsen Lærkevej www.example.org")
    _open_everything(page)
    page.wait_for_timeout(1500)
    text = _main_text(page)
    page.screenshot(path=str(ARTIFACTS / "e2e-markdown-as-text.png"), full_page=True)
    assert f"![x]({tracker}/question.png)" in text  # the question, as typed
    assert "![logo]" in " ".join(text.split())  # the document's Markdown, as text
    port = tracker.rsplit(":", 1)[1]
    assert page.locator(f'img[src*="{port}"]').count() == 0
    links = page.locator(f'a[href*="{port}"], a[href*="example.org"]')
    assert links.count() == 0, [links.nth(i).evaluate("e => e.outerHTML") for i in range(min(links.count(), 3))]
    assert _Counter.hits == [], _Counter.hits
    ctx.close()

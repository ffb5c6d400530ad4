"""End-to-end tests in a real browser (Debian chromium via Playwright) against the app on localhost."""

from __future__ import annotations

import sqlite3

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, PASSWORDS
from tests.e2e.helpers import TIMEOUT, ask, open_app, sign_in, sign_out, wait_idle

pytestmark = pytest.mark.integration

CLOSED_Q = "Hvem afgav det højeste bud på grunden på Industrivej 14?"
CLOSED_FACT = "Vestergaard Byg"  # only in the closed item 7 of Byrådet 25. april 2024


def test_member_journey(served, browser):
    url, settings = served
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="da-DK")
    page = ctx.new_page()
    open_app(page, url)
    sign_in(page, "sekr", PASSWORDS["sekr"])

    # Ask, and see the streamed answer with a citation link.
    ask(page, "Hvad besluttede Teknik- og Miljøudvalget om Solbjerg Bæk?")
    msg = page.locator('[data-testid="stChatMessage"]').last
    cite = msg.locator("a.byraad-cite").first
    expect(cite).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "e2e-1-answer.png"), full_page=True)

    # Open the cited source: the passage is highlighted inside its surrounding text.
    key = cite.inner_text()
    cite.click()  # one click opens it (tests/e2e/test_sources.py in detail)
    mark = msg.locator(f"mark#kilde-0-{key}")
    expect(mark).to_be_visible(timeout=TIMEOUT)
    assert mark.inner_text().strip()
    src = msg.locator("div.byraad-source").first
    assert len(src.inner_text()) > len(mark.inner_text())  # the passage sits inside more of the source
    mark.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "e2e-2-citation.png"), full_page=True)

    # Feedback with a comment is stored.
    msg.get_by_role("button", name="👎").click()
    wait_idle(page)
    comment = msg.get_by_placeholder("Kommentar (valgfri)")
    comment.fill("Beløbet mangler i svaret")
    msg.get_by_role("button", name="Gem kommentar").click()
    wait_idle(page)
    db = sqlite3.connect(settings.data_path / "app.sqlite")
    rows = db.execute("SELECT rating, comment, user FROM feedback").fetchall()
    assert ("down", "Beløbet mangler i svaret", "sekr") in rows
    page.screenshot(path=str(ARTIFACTS / "e2e-3-feedback.png"), full_page=True)

    # The secretariat may see the closed item and the admin page.
    ask(page, CLOSED_Q)
    expect(page.locator('[data-testid="stChatMessage"]').last).to_contain_text(CLOSED_FACT)
    page.locator('[data-testid="stSidebar"]').get_by_text("Administration").click()
    expect(page.locator('[data-testid="stMetric"]').first).to_be_visible(timeout=TIMEOUT)
    page.screenshot(path=str(ARTIFACTS / "e2e-4-admin.png"), full_page=True)

    # Signed out, a public visitor reaches neither the closed item nor the admin page.
    sign_out(page)
    assert page.locator('[data-testid="stChatMessage"]').count() == 0  # nothing of the previous user stays
    ask(page, CLOSED_Q)
    assert (
        CLOSED_FACT not in page.locator('[data-testid="stMain"], [data-testid="stAppViewContainer"]').first.inner_text()
    )
    page.screenshot(path=str(ARTIFACTS / "e2e-5-public.png"), full_page=True)
    page.goto(url + "/?side=admin")
    expect(page.get_by_text("kun for sekretariatet")).to_be_visible(timeout=TIMEOUT)
    assert page.locator('[data-testid="stMetric"]').count() == 0
    page.screenshot(path=str(ARTIFACTS / "e2e-6-admin-refused.png"), full_page=True)
    ctx.close()


@pytest.mark.parametrize("width,height", [(1280, 900), (390, 844)])  # a laptop and a phone
def test_answer_and_source_fit_the_screen(served, browser, width, height):
    """At 1280 px and at 390 px the answer, its [n] link and the opened source (with the cited sentence marked) fit
    the width: nothing scrolls sideways. Screenshots: test-artifacts/e2e-width-<px>.png."""
    url, _ = served
    ctx = browser.new_context(viewport={"width": width, "height": height}, locale="da-DK")
    page = ctx.new_page()
    open_app(page, url)
    ask(page, "Hvad besluttede Teknik- og Miljøudvalget om Solbjerg Bæk?")
    msg = page.locator('[data-testid="stChatMessage"]').last
    cite = msg.locator("a.byraad-cite").first
    expect(cite).to_be_visible()
    key = cite.inner_text()
    cite.click()
    mark = msg.locator(f"mark#kilde-0-{key}")
    expect(mark).to_be_visible(timeout=TIMEOUT)
    mark.scroll_into_view_if_needed()
    wait_idle(page)
    overflow = page.evaluate(
        """() => [...document.querySelectorAll('[data-testid="stMain"] *')]
              .filter(el => el.offsetParent !== null && el.getBoundingClientRect().right > window.innerWidth + 1)
              .map(el => (el.getAttribute('data-testid') || el.tagName) + ': ' + (el.innerText || '').slice(0, 40))"""
    )
    page.screenshot(path=str(ARTIFACTS / f"e2e-width-{width}.png"), full_page=False)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width + 1
    assert not overflow, overflow[:5]
    box = mark.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + min(box["width"], 50) <= width
    ctx.close()


def test_pdf_export_download(served, browser):
    """The sidebar's PDF button downloads the conversation: question, answer and cited sources, with æøå intact."""
    import io

    from pypdf import PdfReader

    url, _ = served
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = ctx.new_page()
    open_app(page, url)
    question = "Hvad besluttede Teknik- og Miljøudvalget om Solbjerg Bæk?"
    ask(page, question)
    msg = page.locator('[data-testid="stChatMessage"]').last
    expect(msg.locator("a.byraad-cite").first).to_be_visible()  # answered with sources, not refused
    titles = msg.locator("details.byraad-kilde > summary")
    first_source = titles.first.inner_text()  # "[1] Titel · Udvalg · dato …"
    side = page.locator('[data-testid="stSidebar"]')
    expect(side.get_by_role("button", name="Markdown")).to_be_visible()
    with page.expect_download(timeout=TIMEOUT) as dl:
        side.get_by_role("button", name="PDF").click()
    d = dl.value
    assert d.suggested_filename == "samtale.pdf"
    data = open(d.path(), "rb").read()
    assert data.startswith(b"%PDF-")
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())
    assert question in text and "Kilder" in text, text
    title = first_source.split("]", 1)[1].split(" · ")[0].strip()
    assert title and title in text, (title, text[:500])
    ctx.close()

"""Everything a user sees is Danish: the app's own labels and Streamlit's (upload box, date fields' accessible
labels, sidebar buttons), collected from the chat page with the period filter open and from the admin page (its
upload box, ingest report and buttons) in a real browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import PASSWORDS
from tests.e2e.helpers import TIMEOUT, open_app, sign_in, wait_idle

pytestmark = pytest.mark.integration

# English words Streamlit writes by itself; none is a Danish word ("send" and "fil" are, so they are not listed).
ENGLISH = re.compile(
    r"\b(choose|date|open|close|message|sidebar|skip|main content|upload|drag|drop|browse|files?|"
    r"per file|select|clear|remove|limit|link to|collapse|expand|month|year|day|heading|running|"
    r"deploy|results?|options?|copy|show|hide|password)\b",
    re.I,
)
ICON = re.compile(r"^[a-z0-9_]+$")  # Material icon ligatures ("keyboard_double_arrow_left") are not text

LABELS_JS = """() => { const out = new Set();
  for (const el of document.querySelectorAll('body *')) {
    for (const a of ['aria-label', 'title', 'placeholder', 'alt']) {
      const v = el.getAttribute(a); if (v && v.trim()) out.add(v.trim()); }
    if (el.offsetParent !== null) for (const n of el.childNodes)
      if (n.nodeType === 3 && n.nodeValue.trim()) out.add(n.nodeValue.trim());
  } return [...out]; }"""


def labels(page: Page) -> list[str]:
    return [t for t in page.evaluate(LABELS_JS) if not ICON.match(t)]


def test_visible_labels_are_danish(served, browser):
    url, _ = served
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="da-DK")
    page = ctx.new_page()
    open_app(page, url)
    wait_idle(page)
    anonymous = labels(page)  # the sign-in form (password field and its show/hide button)
    assert "Adgangskode" in anonymous, anonymous
    sign_in(page, "sekr", PASSWORDS["sekr"])
    side = page.locator('[data-testid="stSidebar"]')
    side.get_by_text("Kun en bestemt periode").click()
    expect(side.locator('[data-testid="stDateInput"]')).to_be_visible(timeout=TIMEOUT)
    wait_idle(page)
    page.wait_for_timeout(500)
    seen = labels(page) + anonymous
    assert any("startdato" in t for t in seen), [t for t in seen if "eriode" in t or "date" in t]
    side.get_by_text("Administration").click()
    # The upload box sits in the "Indlæs dokumenter" tab (a rerun shows the first tab again): its text is read
    # whether or not the tab is open.
    box = page.locator('[data-testid="stFileUploader"]').first
    expect(box).to_contain_text(re.compile("Træk fil|Vælg fil"), timeout=TIMEOUT)
    wait_idle(page)
    page.wait_for_timeout(500)
    admin = labels(page) + [" ".join((box.text_content() or "").split())]
    seen += admin
    english = sorted({t for t in seen if ENGLISH.search(t)})
    assert not english, english
    ctx.close()

"""Issue 14.3 and 14.12 in a real browser (Debian chromium), sample corpus: a draft 10-dagesforespørgsel rests on
background about its topic (cited from [1] without gaps, names keeping their capitals) or says there is none and
offers an empty, well-formed draft; a follow-up ("Og hvad koster det?") is answered with the amount of the subject
of the previous question, or refused, never with an amount about something else."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.helpers import TIMEOUT, ask, new_conversation, open_app, wait_idle

pytestmark = pytest.mark.integration


def _page(browser, url: str) -> Page:
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="da-DK").new_page()
    open_app(page, url)
    return page


def _draft(page: Page, topic: str) -> str:
    page.get_by_label("Emne").fill(topic)
    page.get_by_role("button", name="Formulér udkast").click()
    wait_idle(page)
    code = page.locator('[data-testid="stCode"]').first
    expect(code).to_contain_text("Emne:", timeout=TIMEOUT)
    return code.inner_text()


def test_draft_rests_on_background_about_its_topic_or_says_there_is_none(served, browser):
    page = _page(browser, served[0])
    page.locator('[data-testid="stSidebar"]').get_by_text("Formulér spørgsmål til forvaltningen").click()
    wait_idle(page)

    text = _draft(page, "Solbjerg Bæk")
    main = page.locator('[data-testid="stMain"]').inner_text()
    background = text.split("Baggrund:", 1)[1].split("Spørgsmål:", 1)[0]
    keys = [int(k) for k in re.findall(r"\[(\d+)\]", background)]
    assert keys and sorted(set(keys)) == list(range(1, max(keys) + 1)), background  # from [1], no gaps
    assert "Solbjerg Bæk" in background  # the background is about the topic
    assert "status for Solbjerg Bæk" in text  # the name keeps its capitals inside the questions
    assert "Kilder til baggrunden" in main and "Der er ingen baggrund" not in main
    page.screenshot(path=str(ARTIFACTS / "e2e-draft-on-topic.png"), full_page=True)

    for topic in ("Kunstgræsbaner i Viby", "Vinterbadeanstalt ved Den Permanente"):  # nothing in the sample corpus
        text = _draft(page, topic)
        main = page.locator('[data-testid="stMain"]').inner_text()
        assert "Der er ingen baggrund i materialet om emnet" in main
        assert f"Emne: {topic}" in text and "Baggrund:" in text and "Spørgsmål:" in text  # a well-formed draft
        assert not re.search(r"\[\d+\]", text) and "Kilder til baggrunden" not in main  # no borrowed background
    page.screenshot(path=str(ARTIFACTS / "e2e-draft-no-background.png"), full_page=True)
    page.context.close()


def _answer_area(page: Page) -> str:
    """What the last answer says (its text or refusal), without the "Måske relevant"/source lists below it."""
    msg = page.locator('[data-testid="stChatMessage"]').last
    first = msg.locator('[data-testid="stMarkdownContainer"]').first
    return first.inner_text()


def test_follow_up_cost_is_the_subjects_or_refused(served, browser):
    page = _page(browser, served[0])
    ask(page, "Hvad blev besluttet om cykelstien langs Skovvej?")
    ask(page, "Og hvad koster det?")
    said = _answer_area(page)
    assert re.search(r"\b(4,8|5,1|4,4) mio\. kr\.", said), said  # the cycle path's amount
    msg = page.locator('[data-testid="stChatMessage"]').last
    cite = msg.locator("a.byraad-cite").first
    key = cite.inner_text()
    cite.click()
    panel = msg.locator("details.byraad-kilde", has=page.locator(f"mark#kilde-1-{key}"))
    expect(panel).to_contain_text("Skovvej", timeout=TIMEOUT)  # cited from the cycle path's item
    page.screenshot(path=str(ARTIFACTS / "e2e-followup-cost.png"), full_page=True)

    new_conversation(page)
    ask(page, "Hvordan stiller et byrådsmedlem et spørgsmål til forvaltningen?")
    ask(page, "Og hvad koster det?")
    said = _answer_area(page)
    # The top hits hold the cycle pool's 1,2 mio. kr.: no amount about something else, the material has none.
    assert "mio. kr." not in said and "Det kan jeg ikke finde i materialet." in said, said
    page.screenshot(path=str(ARTIFACTS / "e2e-followup-refused.png"), full_page=True)
    page.context.close()

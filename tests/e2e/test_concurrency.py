"""≥10 simultaneous browser sessions ask while the secretariat runs an ingestion: no errors, no mixed-up chats."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, PASSWORDS, SAMPLE
from tests.e2e.helpers import TIMEOUT, open_app, sign_in, wait_idle

pytestmark = pytest.mark.integration

SESSIONS = 10
FILES = 120
TOPICS = [
    "Solbjerg Bæk",
    "skolestrukturen i Nordbyen",
    "trafiksikkerhed på Møllevej",
    "budgettet for 2025",
    "Industrivej 14",
    "temamødet i Økonomiudvalget",
    "spørgetiden i byrådet",
    "vandløbsrestaurering",
    "Børne- og Skoleudvalgets dagsorden",
    "byrådets forretningsorden",
    "affaldsordningen",
    "cykelstier",
]


def _add_files(corpus: Path, n: int) -> None:
    """n new documents (sample texts with a unique line) so the ingestion lasts a while."""
    texts = sorted(p for p in SAMPLE.iterdir() if p.suffix in (".txt", ".md"))
    for i in range(n):
        src = texts[i % len(texts)]
        (corpus / f"kopi-{i:03d}-{src.name}").write_text(
            src.read_text(encoding="utf-8") + f"\n\nKopi nummer {i} til belastningstest.\n", encoding="utf-8"
        )


def _ingest_tab(admin):
    """Select the ingestion tab (re-clicking while Streamlit may still be re-rendering) and return its button."""
    go = admin.get_by_role("button", name="Indlæs nu")
    for _ in range(10):
        admin.get_by_role("tab", name="Indlæs dokumenter").click()
        try:
            expect(go).to_be_visible(timeout=3000)
            return go
        except AssertionError:
            continue
    expect(go).to_be_visible(timeout=TIMEOUT)
    return go


def test_sessions_while_ingesting(served, browser):
    url, settings = served
    corpus = Path(settings.corpus_dirs[0])
    # Enough files that the ingest (its own process since issue 13, so no longer slowed by the app) still runs when
    # the sessions have asked.
    _add_files(corpus, FILES)

    admin_ctx = browser.new_context(viewport={"width": 1300, "height": 900})
    admin = admin_ctx.new_page()
    open_app(admin, url)
    sign_in(admin, "sekr", PASSWORDS["sekr"])
    admin.locator('[data-testid="stSidebar"]').get_by_text("Administration").click()
    wait_idle(admin)
    expect(admin.locator('[data-testid="stMetric"]').first).to_be_visible(timeout=TIMEOUT)
    _ingest_tab(admin)

    pages = []
    for i in range(SESSIONS):
        ctx = browser.new_context(viewport={"width": 1100, "height": 800})
        page = ctx.new_page()
        open_app(page, url)
        pages.append(page)
    sign_in(pages[0], "anna", PASSWORDS["anna"])  # a signed-in member among the public visitors

    # Start the ingestion, then every session asks its own question at once.
    admin.bring_to_front()
    _ingest_tab(admin).click()
    expect(admin.get_by_text("Indlæser")).to_be_visible(timeout=TIMEOUT)
    t0 = time.time()
    questions = [f"Spørgsmål {i}: hvad står der om {TOPICS[i % len(TOPICS)]}?" for i in range(SESSIONS)]
    for page, q in zip(pages, questions):
        box = page.locator('[data-testid="stChatInputTextArea"]')
        box.fill(q)
        box.press("Enter")
    asked = time.time()
    ingest_running_when_asked = not admin.get_by_text("Indlæsning færdig").is_visible()

    try:
        for page, q in zip(pages, questions):
            expect(page.get_by_role("button", name="👍")).to_have_count(1, timeout=120_000)
            wait_idle(page)
    finally:
        for i, page in enumerate(pages):
            page.screenshot(path=str(ARTIFACTS / f"e2e-concurrency-session{i}.png"), full_page=True)
        admin.screenshot(path=str(ARTIFACTS / "e2e-concurrency-admin.png"), full_page=True)
    answered = time.time()
    expect(admin.get_by_text("Indlæsning færdig")).to_be_visible(timeout=180_000)
    admin.screenshot(path=str(ARTIFACTS / "e2e-concurrency-admin.png"), full_page=True)

    for i, (page, q) in enumerate(zip(pages, questions)):
        main = page.locator('[data-testid="stMain"], [data-testid="stAppViewContainer"]').first.inner_text()
        assert q in main, f"session {i} lost its question"
        others = [o for o in questions if o != q and o in main]
        assert not others, f"session {i} shows another session's question: {others}"
        assert page.locator('[data-testid="stException"]').count() == 0
        assert "Der skete en fejl" not in main
        assert page.get_by_role("button", name="👍").count() == 1
    pages[0].screenshot(path=str(ARTIFACTS / "e2e-concurrency-session0.png"), full_page=True)
    assert admin.locator('[data-testid="stException"]').count() == 0
    main = admin.locator('[data-testid="stMain"], [data-testid="stAppViewContainer"]').first.inner_text()
    assert f"{FILES} nye" in main, main[-800:]
    print(
        f"\n{SESSIONS} sessions answered {answered - asked:.1f} s after asking; ingestion still running when "
        f"asked: {ingest_running_when_asked}; total {time.time() - t0:.1f} s"
    )
    assert ingest_running_when_asked

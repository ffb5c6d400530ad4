"""Small Playwright helpers for the Streamlit app."""

from __future__ import annotations

from playwright.sync_api import Page, expect

TIMEOUT = 60_000


def open_app(page: Page, url: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    expect(page.get_by_role("heading", name="byråds-GPT")).to_be_visible(timeout=TIMEOUT)
    wait_idle(page)


def wait_idle(page: Page) -> None:
    """Wait until Streamlit has finished the current script run."""
    page.wait_for_timeout(300)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText.includes('Running')",
        timeout=TIMEOUT,
    )


def sign_in(page: Page, name: str, password: str) -> None:
    side = page.locator('[data-testid="stSidebar"]')
    side.get_by_label("Brugernavn").fill(name)
    side.get_by_label("Adgangskode", exact=True).fill(password)
    side.get_by_role("button", name="Log ind").click()
    expect(side.get_by_text(f"Logget ind som {name}")).to_be_visible(timeout=TIMEOUT)
    wait_idle(page)


def sign_out(page: Page) -> None:
    side = page.locator('[data-testid="stSidebar"]')
    side.get_by_role("button", name="Log ud").click()
    expect(side.get_by_text("ikke logget ind")).to_be_visible(timeout=TIMEOUT)
    wait_idle(page)


def new_conversation(page: Page) -> None:
    """Click "Ny samtale" and wait until the page shows no turn. (wait_idle alone may look before the click's rerun
    has begun on a busy machine: the next ask then counted the old turns' buttons.)"""
    page.locator('[data-testid="stSidebar"]').get_by_role("button", name="Ny samtale").click()
    expect(page.locator('[data-testid="stChatMessage"]')).to_have_count(0, timeout=TIMEOUT)
    wait_idle(page)


def ask(page: Page, question: str, n_before: int | None = None) -> None:
    """Type a question in the chat input and wait until its answer (with feedback buttons) is shown."""
    if n_before is None:
        n_before = page.get_by_role("button", name="👍").count()
    box = page.locator('[data-testid="stChatInputTextArea"]')
    box.fill(question)
    box.press("Enter")
    expect(page.get_by_role("button", name="👍")).to_have_count(n_before + 1, timeout=TIMEOUT)
    wait_idle(page)

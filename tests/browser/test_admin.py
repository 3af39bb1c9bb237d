"""The admin pages in a real browser: an admin adds a clerk and creates a token for them;
the password and the token are shown once."""

from __future__ import annotations

import httpx
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select

from .conftest import ConsoleService, replaced, shot, sign_in, wait_for


def _submit(browser: WebDriver, form_id: str) -> None:
    form = browser.find_element(By.ID, form_id)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(browser, replaced(form), "the answer to the form")


def _secret(browser: WebDriver) -> str:
    text: str = browser.find_element(By.ID, "secret").text
    return text


def test_an_admin_adds_a_clerk_and_creates_a_token_shown_once(
    browser: WebDriver, service: ConsoleService
) -> None:
    """The generated password and the token appear in the answer only; the token works
    on /api with the clerk's role, and the list never shows it."""
    sign_in(browser, service, "admin", "/admin/users")
    form = browser.find_element(By.ID, "add-user")
    form.find_element(By.NAME, "name").send_keys("dana")
    Select(form.find_element(By.NAME, "role")).select_by_value("clerk")
    _submit(browser, "add-user")

    assert "User dana added as clerk." in browser.find_element(By.CSS_SELECTOR, ".notice").text
    password = _secret(browser)
    assert len(password) >= 16
    assert "dana" in browser.find_element(By.ID, "users").text
    shot(browser, "admin-users")

    browser.get(f"{service.url}/admin/tokens")
    form = browser.find_element(By.ID, "create-token")
    form.find_element(By.NAME, "name").send_keys("dana-scanner")
    Select(form.find_element(By.NAME, "user")).select_by_value("dana")
    _submit(browser, "create-token")

    token = _secret(browser)
    assert "not shown again" in browser.find_element(By.CSS_SELECTOR, ".secret").text
    shot(browser, "admin-tokens")
    browser.get(f"{service.url}/admin/tokens")
    listed = wait_for(browser, lambda b: b.find_elements(By.ID, "tokens"))[0].text
    assert "dana-scanner" in listed
    assert token not in browser.page_source
    assert not browser.find_elements(By.ID, "secret")

    with httpx.Client(base_url=service.url, timeout=10) as client:
        bearer = {"Authorization": f"Bearer {token}"}
        assert client.get("/api/inbox", headers=bearer).status_code == 200

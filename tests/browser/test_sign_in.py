"""Signing in and out of the console in a real browser, and the sign-in rate limit."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from syncbot.app.sessions import MAX_FAILURES

from .conftest import ConsoleService, password, replaced, shot, sign_in, wait_for


def _submit(browser: WebDriver, name: str, typed: str) -> None:
    field = browser.find_element(By.NAME, "name")
    field.clear()
    field.send_keys(name)
    browser.find_element(By.NAME, "password").send_keys(typed)
    form = browser.find_element(By.CSS_SELECTOR, "form.form")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(browser, replaced(form), "the answer to the form")


def _alert(browser: WebDriver) -> str:
    text: str = wait_for(
        browser, lambda b: b.find_elements(By.CSS_SELECTOR, "[role=alert]"), "an alert"
    )[0].text
    return text


def test_a_page_asks_for_sign_in_then_returns_to_it(
    browser: WebDriver, service: ConsoleService
) -> None:
    """Opening a page signed out leads to the sign-in form, and signing in leads back."""
    browser.get(f"{service.url}/?from=bookmark")
    wait_for(browser, lambda b: "/sign-in" in b.current_url, "sent to sign in")
    shot(browser, "sign-in")
    _submit(browser, "clerk", password("clerk"))
    wait_for(browser, lambda b: b.current_url.endswith("/?from=bookmark"), "back on the page")
    assert "clerk" in browser.find_element(By.CSS_SELECTOR, "form.who").text


def test_signing_out_ends_the_session(browser: WebDriver, service: ConsoleService) -> None:
    """After signing out, the same browser is asked to sign in again."""
    sign_in(browser, service, "viewer")
    browser.find_element(By.CSS_SELECTOR, "form.who button").click()
    wait_for(browser, lambda b: "/sign-in" in b.current_url, "signed out")
    browser.get(f"{service.url}/")
    wait_for(browser, lambda b: "/sign-in" in b.current_url, "asked to sign in again")


def test_a_wrong_password_is_refused_and_keeps_the_name(
    browser: WebDriver, service: ConsoleService
) -> None:
    """A wrong password says so without saying which part was wrong, and keeps the name."""
    browser.get(f"{service.url}/sign-in")
    _submit(browser, "manager", "not-the-password")
    assert _alert(browser) == "the user name or password is wrong"
    assert browser.find_element(By.NAME, "name").get_attribute("value") == "manager"
    assert not browser.find_elements(By.CSS_SELECTOR, "form.who")


def test_repeated_failures_lock_that_user_from_that_address(
    browser: WebDriver, service: ConsoleService
) -> None:
    """After MAX_FAILURES refusals even the right password is refused for a while; another
    user from the same address is not affected."""
    browser.get(f"{service.url}/sign-in")
    for _ in range(MAX_FAILURES):
        _submit(browser, "admin", "guess-guess")
        assert _alert(browser) == "the user name or password is wrong"
    _submit(browser, "admin", password("admin"))
    assert "too many failed sign-ins" in _alert(browser)
    assert not browser.find_elements(By.CSS_SELECTOR, "form.who")
    sign_in(browser, service, "viewer")

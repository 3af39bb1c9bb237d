"""Recording stock in a real browser: a clerk's damage at a phone's width, the undo that
follows it, and the refusals (a viewer, a form without its CSRF token)."""

from __future__ import annotations

from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select

from .conftest import ConsoleService, replaced, shot, sign_in, wait_for

PHONE_WIDTH = 360


def _movements(service: ConsoleService) -> list[dict[str, Any]]:
    answer = service.api.get("/api/movements", params={"sku": "MUG-1"})
    assert answer.status_code == 200, answer.text
    rows: list[dict[str, Any]] = answer.json()
    return rows


def _submit(browser: WebDriver, selector: str) -> None:
    form = browser.find_element(By.CSS_SELECTOR, selector)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(browser, replaced(form), "the answer to the form")


def _post_from_the_page(browser: WebDriver, path: str, fields: dict[str, str]) -> int:
    """POSTs `fields` to `path` with the browser's cookies, as a forged form would; the
    status of the answer."""
    status: int = browser.execute_async_script(
        """
        const [path, fields, done] = arguments;
        fetch(path, {method: "POST", body: new URLSearchParams(fields),
                     credentials: "same-origin", redirect: "manual"})
          .then(answer => done(answer.status), () => done(-1));
        """,
        path,
        fields,
    )
    return status


def test_a_clerk_records_a_damage_on_a_phone_and_undoes_it(
    browser: WebDriver, service: ConsoleService
) -> None:
    """At 360 px wide the form fits with no sideways scroll; the confirmation shows the
    movement and the stock after, and its Undo posts the reversal."""
    service.api.post("/api/movements", json={"sku": "MUG-1", "kind": "receive", "quantity": 10})
    browser.set_window_size(PHONE_WIDTH, 800)
    sign_in(browser, service, "clerk", "/record/damage")
    wait_for(browser, lambda b: b.find_elements(By.NAME, "sku"), "the damage form")
    width = browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= browser.execute_script("return window.innerWidth"), width
    quantity = browser.find_element(By.NAME, "quantity")
    assert quantity.get_attribute("inputmode") == "numeric"
    assert quantity.size["height"] >= 44

    browser.find_element(By.NAME, "sku").send_keys("MUG-1")
    quantity.send_keys("2")
    Select(browser.find_element(By.NAME, "location")).select_by_visible_text("main")
    browser.find_element(By.NAME, "reason").send_keys("dropped a box")
    shot(browser, "record")
    _submit(browser, "form.form")

    wait_for(browser, lambda b: "recorded=new" in b.current_url, "the confirmation")
    page = browser.find_element(By.TAG_NAME, "main").text
    assert "Recorded." in page
    assert "web:clerk" in page
    assert "dropped a box" in page
    browser.set_window_size(1280, 900)  # the picture in the docs shows the stock too
    shot(browser, "recorded")
    assert [row["kind"] for row in _movements(service)] == ["damage", "receive"]

    _submit(browser, "form.undo")
    wait_for(browser, lambda b: "recorded=reversed" in b.current_url, "the reversal")
    assert "Reverses" in browser.find_element(By.TAG_NAME, "main").text
    newest = _movements(service)[0]
    assert (newest["kind"], newest["reverses"], newest["actor"]) == ("damage", 2, "web:clerk")


def test_a_refused_form_keeps_what_was_typed(browser: WebDriver, service: ConsoleService) -> None:
    """An unknown SKU is named beside the SKU field, the quantity stays, nothing is written."""
    sign_in(browser, service, "clerk", "/record/receive")
    wait_for(browser, lambda b: b.find_elements(By.NAME, "sku"), "the receive form")
    browser.find_element(By.NAME, "sku").send_keys("NOPE-1")
    browser.find_element(By.NAME, "quantity").send_keys("4")
    _submit(browser, "form.form")

    error = wait_for(browser, lambda b: b.find_elements(By.ID, "e-sku"), "the SKU's error")[0]
    assert "unknown SKU 'NOPE-1'" in error.text
    assert browser.find_element(By.NAME, "quantity").get_attribute("value") == "4"
    assert _movements(service) == []


def test_a_viewer_is_not_offered_the_form_and_a_post_is_refused(
    browser: WebDriver, service: ConsoleService
) -> None:
    sign_in(browser, service, "viewer", "/record")
    wait_for(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "[role=alert]"), "a refusal")
    assert "needs the clerk role" in browser.find_element(By.TAG_NAME, "main").text
    assert not browser.find_elements(By.NAME, "quantity")
    csrf = browser.find_element(By.CSS_SELECTOR, "form.who input[name=csrf]")
    fields = {"csrf": csrf.get_attribute("value") or "", "key": "forged", "sku": "MUG-1"}

    status = _post_from_the_page(browser, "/record/damage", fields | {"quantity": "1"})

    assert status == 403
    assert _movements(service) == []


def test_a_form_without_its_csrf_token_is_refused(
    browser: WebDriver, service: ConsoleService
) -> None:
    """The session's cookie alone does not record: the form must carry its CSRF token."""
    sign_in(browser, service, "clerk", "/record/damage")
    wait_for(browser, lambda b: b.find_elements(By.NAME, "key"), "the damage form")
    key = browser.find_element(By.NAME, "key").get_attribute("value") or ""
    fields = {"key": key, "sku": "MUG-1", "quantity": "1", "location": "main"}

    status = _post_from_the_page(browser, "/record/damage", fields)

    assert status == 403
    assert _movements(service) == []

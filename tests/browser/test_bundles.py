"""Defining a bundle in a real browser: a manager types a recipe on the Bundles page, and
the new bundle's card shows its availability with the component that limits it."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from .conftest import ConsoleService, replaced, shot, sign_in, wait_for


def test_a_manager_defines_a_bundle_and_its_card_shows_what_limits_it(
    browser: WebDriver, service: ConsoleService
) -> None:
    """GIFT-1 = 2 × MUG-1 + 1 × TEE/RED-M, added to the catalogue by the form: 7 mugs and
    10 tees make 3, limited by MUG-1; the Bundles list says the same."""
    for sku, quantity in (("MUG-1", 7), ("TEE/RED-M", 10)):
        move = {"sku": sku, "kind": "receive", "quantity": quantity, "location": "main"}
        assert service.api.post("/api/movements", json=move).status_code in (200, 201)

    sign_in(browser, service, "manager", "/bundles")
    form = browser.find_element(By.CSS_SELECTOR, "form.bundle-new")
    form.find_element(By.NAME, "bundle").send_keys("GIFT-1")
    form.find_element(By.NAME, "components").send_keys("MUG-1:2\nTEE/RED-M:1")
    form.find_element(By.NAME, "add").click()
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(browser, replaced(form), "the answer to the form")
    wait_for(browser, lambda b: "/skus/GIFT-1" in b.current_url, "the new bundle's card")

    assert "Recorded: GIFT-1 is a bundle of MUG-1:2 TEE/RED-M:1" in browser.page_source
    [main] = browser.find_elements(By.CSS_SELECTOR, "tr.bundle-location")
    assert main.text == "main 3 3, limited by MUG-1: 7 available / 2 0"
    shot(browser, "bundle-card")

    browser.find_element(By.CSS_SELECTOR, 'nav a[href="/bundles"]').click()
    row = wait_for(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "tr.bundle"), "the list")
    assert "3, limited by MUG-1: 7 available / 2" in row[0].text

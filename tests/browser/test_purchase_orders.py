"""Receiving a purchase order line in a real browser: the detail page's form records the
receipt, and the stock moves from incoming to available."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from .conftest import ConsoleService, replaced, shot, sign_in, wait_for


def _main(service: ConsoleService) -> dict[str, int]:
    quantities: dict[str, int] = service.api.get("/api/stock/MUG-1").json()["locations"]["main"]
    return quantities


def test_a_clerk_receives_a_line_on_the_order_page_and_the_stock_changes(
    browser: WebDriver, service: ConsoleService
) -> None:
    """The receive form defaults to what is still expected; sending 4 of 10 moves them
    from incoming to available and the page links the movement's SKU card."""
    api = service.api
    assert api.post("/api/suppliers", json={"name": "Acme", "lead_time_days": 5}).status_code == 201
    order = {"supplier": "Acme", "expected_on": "2026-12-24", "note": "winter mugs"}
    assert api.post("/api/purchase-orders", json=order).status_code == 201
    for sku, quantity, cost in (("MUG-1", 10, "4.50"), ("TEE/RED-M", 6, "7.25")):
        line = {"sku": sku, "quantity": quantity, "unit_cost": cost}
        assert api.post("/api/purchase-orders/PO-0001/lines", json=line).status_code == 201
    assert api.post("/api/purchase-orders/PO-0001/order").status_code == 200
    assert _main(service)["incoming"] == 10

    sign_in(browser, service, "clerk", "/purchase-orders/PO-0001")
    form = wait_for(
        browser, lambda b: b.find_elements(By.CSS_SELECTOR, "form.receive"), "the receive forms"
    )[0]
    quantity = form.find_element(By.NAME, "quantity")
    assert quantity.get_attribute("value") == "10"
    quantity.clear()
    quantity.send_keys("4")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(browser, replaced(form), "the answer to the form")
    wait_for(browser, lambda b: "posting=" in b.current_url, "the order page after the receipt")

    page = browser.find_element(By.TAG_NAME, "main").text
    assert "Recorded:" in page
    assert browser.find_elements(By.CSS_SELECTOR, 'a[href="/skus/MUG-1"]')
    assert (_main(service)["available"], _main(service)["incoming"]) == (4, 6)
    shot(browser, "purchase-order")

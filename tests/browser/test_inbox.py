"""The inbox and parked lines in a real browser: a manager retries a failed delivery, and
the running service applies it; a manager adds the SKU parked lines wait for."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from syncbot.ledger.orders import OrderLine, OrderSnapshot
from syncbot.store import models
from syncbot.store.orders import record_order_event

from .conftest import ConsoleService, shot, sign_in, wait_for

T0 = datetime(2026, 11, 1, 12, tzinfo=UTC)
ORDER = {
    "order_id": "1001",
    "updated_at": "2026-11-01T12:00:00+00:00",
    "lines": [{"line_id": "L1", "sku": "MUG-1", "quantity": 2}],
}


def _seed(service: ConsoleService) -> int:
    """A readable order that failed its tries (the storefront was down, say), and two
    deliveries a person has to look at: not on the store, and skipped."""

    async def seed() -> int:
        failed = await models.InboxDelivery.create(
            channel="fake",
            event_id="evt-1001",
            topic="order",
            headers={"X-Fake-Topic": "order"},
            body=json.dumps(ORDER).encode(),
            status="failed",
            attempts=5,
            last_error="the storefront did not answer: connection refused",
        )
        await models.InboxDelivery.create(
            channel="shopify",
            event_id="evt-77",
            topic="orders/updated",
            headers={},
            body=b"{}",
            status="not_found",
            attempts=1,
            last_error="order 77 is not on the store",
        )
        await models.InboxDelivery.create(
            channel="fake",
            event_id="evt-test",
            topic="order",
            headers={},
            body=b"{}",
            status="skipped",
            attempts=2,
            last_error="a test order from the storefront's set-up",
            closed_by="web:admin",
        )
        return failed.id

    result: int = service.run(seed)
    return result


def _status(service: ConsoleService, delivery_id: int) -> str:
    async def read() -> str:
        return (await models.InboxDelivery.get(id=delivery_id)).status

    result: str = service.run(read)
    return result


def test_a_manager_retries_a_failed_delivery_and_it_is_applied(
    browser: WebDriver, service: ConsoleService
) -> None:
    """Retry reopens the delivery, the service takes it at once, and the order commits."""
    failed = _seed(service)
    sign_in(browser, service, "manager", "/inbox")
    row = browser.find_element(By.ID, f"delivery-{failed}")
    assert "failed" in row.text
    assert "connection refused" in row.text
    shot(browser, "inbox")

    row.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()

    notice = wait_for(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "[role=status]"))
    assert "1 delivery will be retried" in notice[0].text
    wait_for(browser, lambda _: _status(service, failed) == "applied", "the order applied")
    stock = service.api.get("/api/stock/MUG-1").json()
    assert stock["total"]["committed"] == 2


def _park(service: ConsoleService) -> None:
    """Two orders for a SKU syncbot lacks, and a line that names no SKU."""

    async def park() -> None:
        for order_id, lines in (
            ("1002", (OrderLine("L1", "MUG-2", quantity=2, current=2, fulfilled=0),)),
            ("1003", (OrderLine("L1", "MUG-2", quantity=1, current=1, fulfilled=0),)),
            ("1004", (OrderLine("L1", "", quantity=1, current=1, fulfilled=0),)),
        ):
            await record_order_event("fake", OrderSnapshot(order_id, T0, lines))

    service.run(park)


def test_a_manager_adds_the_sku_parked_lines_wait_for(
    browser: WebDriver, service: ConsoleService
) -> None:
    """Add SKU applies the parked lines and the answer lists what was applied."""
    _park(service)
    sign_in(browser, service, "manager", "/parked")
    assert "Lines that name no SKU" in browser.find_element(By.ID, "main").text
    shot(browser, "parked")

    form = browser.find_element(By.CSS_SELECTOR, "form[action='/parked/add']")
    form.find_element(By.NAME, "name").send_keys("Mug, blue")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()

    applied = wait_for(browser, lambda b: b.find_elements(By.ID, "applied"), "applied lines")
    assert applied[0].text.count("fake") == 2
    notice = browser.find_element(By.CSS_SELECTOR, "[role=status]").text
    assert "2 parked lines applied: stock moved for 2 orders" in notice
    stock = service.api.get("/api/stock/MUG-2").json()
    assert stock["total"]["committed"] == 3

"""The SKU list and card in a real browser: a viewer searches a seeded catalogue, pages
forward, sorts by a column and opens a card with its quantities and charts."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver

from syncbot.app import barcodes
from syncbot.store.catalogue import add_sku

from .conftest import ConsoleService, shot, sign_in, wait_for


def _seed(service: ConsoleService) -> None:
    """120 SKUs (A000…A119, "Widget n", n available), TEE/RED-M with stock in two places
    and a barcode. The catalogue is written first, while the service is idle; stock goes
    through its API, so only the service writes movements (one SQLite writer)."""

    async def catalogue() -> None:
        for n in range(120):
            await add_sku(f"A{n:03d}", name=f"Widget {n}", reorder_point=5 if n % 10 == 0 else None)
        await barcodes.add("TEE/RED-M", "4006381333931")

    service.run(catalogue)
    moves = [(f"A{n:03d}", "receive", n, "main") for n in range(1, 120)]
    moves += [("TEE/RED-M", "receive", 12, "main"), ("TEE/RED-M", "receive", 3, "east")]
    for sku, kind, quantity, location in moves:
        answer = service.api.post(
            "/api/movements",
            json={"sku": sku, "kind": kind, "quantity": quantity, "location": location},
        )
        assert answer.status_code in (200, 201), answer.text


def _codes(browser: WebDriver) -> list[str]:
    return [
        cell.text for cell in browser.find_elements(By.CSS_SELECTOR, "#skus tbody td:first-child a")
    ]


def test_a_viewer_searches_pages_sorts_and_opens_a_card(
    browser: WebDriver, service: ConsoleService
) -> None:
    _seed(service)
    sign_in(browser, service, "viewer", "/skus")
    assert _codes(browser)[:2] == ["A000", "A001"]
    shot(browser, "skus")

    browser.find_element(By.LINK_TEXT, "Next →").click()
    wait_for(browser, lambda b: _codes(b)[:1] == ["A050"], "page 2")
    assert "page=2" in browser.current_url

    browser.find_element(By.PARTIAL_LINK_TEXT, "Available").click()
    wait_for(browser, lambda b: "sort=available" in b.current_url, "sorted by available")
    header = browser.find_element(By.CSS_SELECTOR, "th[aria-sort]")
    assert header.get_attribute("aria-sort") == "ascending"
    browser.find_element(By.PARTIAL_LINK_TEXT, "Available").click()
    wait_for(browser, lambda b: _codes(b)[:1] == ["A119"], "most available first")

    search = browser.find_element(By.ID, "f-q")
    search.send_keys("4006381333931", Keys.ENTER)
    wait_for(browser, lambda b: _codes(b) == ["TEE/RED-M"], "found by barcode")

    browser.find_element(By.LINK_TEXT, "TEE/RED-M").click()
    title = wait_for(browser, lambda b: b.find_elements(By.TAG_NAME, "h1"), "the card")
    assert title[0].text.startswith("TEE/RED-M")
    main = browser.find_element(By.ID, "main").text
    assert "4006381333931" in main
    assert "available went from 0 to 15" in main
    assert len(browser.find_elements(By.CSS_SELECTOR, "svg.chart")) == 2
    shot(browser, "sku")

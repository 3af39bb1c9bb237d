"""The scan page in a real browser: scans typed into its input as a keyboard-wedge
scanner types them, one request dropped after the server recorded it and retried with the
same key, an unknown barcode shown as an error line, and the counts exact in the database."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from tortoise.exceptions import OperationalError

from syncbot.app import barcodes, stocktakes
from syncbot.app.actor import Actor
from syncbot.store.stocktake_models import StocktakeCount

from .conftest import ConsoleService, shot, sign_in, wait_for

MUG_EAN = "4006381333931"
UNKNOWN = "5901234123457"
ANN = Actor.cli("ann")

# The network drops the answer to the first scan's request: the server has recorded it,
# the page sees a failure and must send it again with the same key. Every request to the
# scan endpoint is counted, and every pending count the page shows is kept.
DROP_THE_FIRST_ANSWER = """
window.scanRequests = 0;
window.pendingShown = [];
var realFetch = window.fetch;
window.fetch = function (url, options) {
  if (String(url).indexOf("/scans") < 0) { return realFetch(url, options); }
  window.scanRequests += 1;
  var answer = realFetch(url, options);
  if (window.scanRequests === 1) {
    return answer.then(function () { throw new TypeError("the connection dropped"); });
  }
  return answer;
};
var root = document.getElementById("scan");
new MutationObserver(function () {
  window.pendingShown.push(Number(root.getAttribute("data-pending")));
}).observe(root, { attributes: true, attributeFilter: ["data-pending"] });
"""


def _written(service: ConsoleService, work: Callable[[], Awaitable[Any]]) -> Any:
    """Runs one idempotent write from the test while the server runs. On SQLite a write
    transaction that began by reading is refused at once ("database is locked", no busy
    wait) when the server's scheduler wrote in between; the write is then run again."""
    for _ in range(4):
        try:
            return service.run(work)
        except OperationalError as problem:
            if "locked" not in str(problem):
                raise
    return service.run(work)


def _prepare(service: ConsoleService) -> int:
    """MUG-1: 10 on hand with barcode MUG_EAN; a session over MUG-1 and TEE/RED-M: its id."""
    received = {"sku": "MUG-1", "kind": "receive", "quantity": 10}
    assert service.api.post("/api/movements", json=received).status_code == 201
    _written(service, lambda: barcodes.add("MUG-1", MUG_EAN))
    boss = Actor.cli("boss")
    session = _written(
        service, lambda: stocktakes.start(boss, skus=["MUG-1", "TEE/RED-M"], name="aisle-1")
    )
    return int(session.id)


def _counted(service: ConsoleService, session: int) -> tuple[dict[str, int | None], int]:
    async def work() -> tuple[dict[str, int | None], int]:
        view = await stocktakes.review(session)
        return {line.sku: line.counted for line in view.lines}, await StocktakeCount.all().count()

    counted: tuple[dict[str, int | None], int] = service.run(work)
    return counted


def _lines(browser: WebDriver, kind: str) -> list[Any]:
    return browser.find_elements(By.CSS_SELECTOR, f"#scan-log li.{kind}")


def test_scans_count_once_each_though_a_request_is_dropped_and_retried(
    browser: WebDriver, service: ConsoleService
) -> None:
    """3 scans of MUG-1's barcode, TEE/RED-M typed then 4 typed (sets it): the first
    request's answer is lost and the scan is sent again with its key; the database holds
    MUG-1 3 and TEE/RED-M 4 from 5 counts, and the page showed a scan waiting."""
    session = _prepare(service)
    browser.set_window_size(400, 860)  # a phone
    sign_in(browser, service, "clerk", f"/stocktakes/{session}/scan")
    wait_for(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "#scan[data-ready]"), "scan.js")
    browser.execute_script(DROP_THE_FIRST_ANSWER)

    field = browser.find_element(By.ID, "scan-code")
    for typed in (MUG_EAN, MUG_EAN, MUG_EAN, "TEE/RED-M", "4"):
        field.send_keys(typed + "\n")
    wait_for(browser, lambda b: len(_lines(b, "counted")) == 5, "five scans answered")
    wait_for(
        browser, lambda b: b.find_element(By.ID, "scan-pending").text == "0", "nothing pending"
    )

    assert browser.execute_script("return window.scanRequests") == 6  # 5 scans, 1 retry
    assert max(browser.execute_script("return window.pendingShown")) >= 1
    assert _counted(service, session) == ({"MUG-1": 3, "TEE/RED-M": 4}, 5)
    last = browser.find_element(By.ID, "scan-last").text
    assert "TEE/RED-M" in last
    assert "yours 4" in last

    field.send_keys(UNKNOWN + "\n")
    refused = wait_for(browser, lambda b: _lines(b, "refused"), "the unknown barcode's line")
    assert UNKNOWN in refused[0].text
    assert "Not counted" in refused[0].text
    assert browser.find_element(By.ID, "scan-pending").text == "0"
    assert UNKNOWN in browser.find_element(By.ID, "scan-last").text
    assert _counted(service, session)[1] == 5
    wait_for(
        browser,
        lambda b: "flash" not in (b.find_element(By.ID, "scan").get_attribute("class") or ""),
        "the flash over",
    )
    shot(browser, "stocktake-scan")


def test_scans_left_waiting_are_sent_when_the_page_is_opened_again(
    browser: WebDriver, service: ConsoleService
) -> None:
    """A scan queued in localStorage while every request fails is sent, once, by the
    next visit to the page."""
    session = _prepare(service)
    path = f"/stocktakes/{session}/scan"
    sign_in(browser, service, "clerk", path)
    wait_for(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "#scan[data-ready]"), "scan.js")
    browser.execute_script(
        'window.fetch = function () { return Promise.reject(new TypeError("offline")); };'
    )
    browser.find_element(By.ID, "scan-code").send_keys(MUG_EAN + "\n")
    wait_for(browser, lambda b: len(_lines(b, "waiting")) == 1, "the scan waiting")
    assert browser.find_element(By.ID, "scan-pending").text == "1"
    assert _counted(service, session)[1] == 0

    browser.get(f"{service.url}{path}")
    wait_for(browser, lambda b: len(_lines(b, "counted")) == 1, "the kept scan sent")
    wait_for(
        browser, lambda b: b.find_element(By.ID, "scan-pending").text == "0", "nothing pending"
    )
    assert _counted(service, session) == ({"MUG-1": 1, "TEE/RED-M": None}, 1)


def test_a_manager_reviews_the_counts_and_approves_a_line(
    browser: WebDriver, service: ConsoleService
) -> None:
    """After scans, the review shows MUG-1 counted 3 of 10 (= 3 − 10), TEE/RED-M not
    counted; Approve on the line over the threshold marks it approved."""
    session = _prepare(service)

    for key in ("a", "b", "c"):  # three scans, each with its key: safe to run again
        _written(service, partial(stocktakes.count, session, MUG_EAN, 1, ANN, mode="add", key=key))
    sign_in(browser, service, "manager", f"/stocktakes/{session}")
    table = browser.find_element(By.CSS_SELECTOR, "table.stocktake").text
    assert "= 3 − 10" in table
    assert "not counted" in table
    assert "over" not in table  # no threshold was set on this session
    shot(browser, "stocktake-review")

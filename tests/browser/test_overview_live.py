"""The overview in a real browser against a real `syncbot serve`: a viewer's page shows a
clerk's damage without a reload, through /events; and `serve` stops promptly on SIGTERM
with a stream open."""

from __future__ import annotations

import signal
import subprocess
import time

import httpx
from selenium.webdriver.remote.webdriver import WebDriver

from .conftest import ConsoleService, password, shot, sign_in, wait_for

LIVE_SECONDS = 2.0  # the promise: a change shows within 2 s


def _first_row(browser: WebDriver, attribute: str) -> str:
    """The newest movement row's id or text, read in the page by one script: through an
    element handle, the live stream may replace the table between finding the row and
    reading it (Selenium's stale element)."""
    found = browser.execute_script(
        "const row = document.querySelector('#movements-table tbody tr');"
        f"return row ? row.{attribute} : ''"
    )
    return str(found or "")


def _latest_movement(browser: WebDriver) -> str:
    return _first_row(browser, "id")


def test_a_viewer_sees_a_clerks_damage_without_reloading(
    browser: WebDriver, service: ConsoleService
) -> None:
    service.api.post("/api/movements", json={"sku": "MUG-1", "kind": "receive", "quantity": 10})
    token = service.cli("token", "create", "clerk-scanner", "--user", "clerk").strip()
    token = token.splitlines()[-1]
    sign_in(browser, service, "viewer")
    before = _latest_movement(browser)
    assert before
    # The page is the one loaded at sign-in: a reload would make it a new document.
    browser.execute_script("document.documentElement.dataset.loaded = 'first'")
    wait_for(  # the live stream is open (console.js connected) before the clerk acts
        browser,
        lambda b: b.execute_script("return document.documentElement.dataset.live") == "open",
        "the page's EventSource on /events",
    )

    damage = httpx.post(
        f"{service.url}/api/movements",
        json={"sku": "MUG-1", "kind": "damage", "quantity": 2, "reason": "dropped"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert damage.status_code in (200, 201), damage.text
    posted = time.monotonic()

    wait_for(browser, lambda b: _latest_movement(b) != before, "the damage on the overview")
    assert time.monotonic() - posted <= LIVE_SECONDS + 0.5  # chromium's own latency aside
    text = _first_row(browser, "innerText")
    assert "damage" in text
    assert "clerk" in text
    assert browser.execute_script("return document.documentElement.dataset.loaded") == "first"
    shot(browser, "overview")


def test_serve_stops_promptly_with_a_stream_open(service: ConsoleService) -> None:
    with httpx.Client(base_url=service.url, timeout=10) as client:
        form = client.get("/sign-in")
        csrf = form.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        signed = client.post(
            "/sign-in", data={"name": "viewer", "password": password("viewer"), "csrf": csrf}
        )
        assert signed.status_code == 303
        with client.stream("GET", "/events") as stream:
            lines = stream.iter_lines()
            assert next(lines) == "retry: 2000"

            service.process.send_signal(signal.SIGTERM)
            stopped = time.monotonic()
            try:
                code = service.process.wait(timeout=4)
            except subprocess.TimeoutExpired:
                raise AssertionError("serve still runs 4 s after SIGTERM") from None

    elapsed = time.monotonic() - stopped
    log = service.log.read_text()
    # A clean shutdown (uvicorn re-raises the signal once done), not the watchdog's exit 1;
    # without the streams ending, uvicorn would wait GRACEFUL_SECONDS (5 s) for them.
    assert code in (0, -signal.SIGTERM), log
    assert "Application shutdown complete" in log
    assert elapsed < 4

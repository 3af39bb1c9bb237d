"""A real `syncbot serve` on SQLite and Debian's chromium driving it, through chromedriver.

`service` starts the server over a fresh database with four users, one per role, each with
the password `password-<name>`; `browser` is a headless chromium; `sign_in` signs one of
them in through the form. Nothing waits a fixed time: `wait_for` polls a condition.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from e2e.conftest import (
    CHANNELS_FILE,
    FAKE_SECRET,
    FAKE_SECRET_ENV,
    SHOPIFY_SECRET,
    SHOPIFY_SECRET_ENV,
    SHOPIFY_TOKEN_ENV,
    TOKEN,
    _free_port,
    _syncbot,
    _wait_until_ready,
    stop_process,
)
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service as DriverService
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from syncbot.app import users
from syncbot.store.catalogue import add_sku
from syncbot.store.database import close_database, declare_locations, migrate, open_database

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
ROLES = ("admin", "manager", "clerk", "viewer")
SKUS = ("MUG-1", "TEE/RED-M")
WAIT_SECONDS = 10
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "images"

pytestmark = pytest.mark.browser


def password(name: str) -> str:
    return f"password-{name}"


@dataclass
class ConsoleService:
    """A running `syncbot serve`: its URL, database, environment and an API client."""

    url: str
    database_url: str
    environment: dict[str, str]
    api: httpx.Client
    log: Path
    process: subprocess.Popen[bytes] = field(repr=False)

    def cli(self, *args: str, stdin: str | None = None) -> str:
        """Runs `syncbot ARGS` against the same database; its stdout, or a failure."""
        done = subprocess.run(
            [_syncbot(), *args],
            env=self.environment,
            input=stdin,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def run(self, work: Callable[[], Any]) -> Any:
        """Runs an async store or app call against the service's database, from the test."""

        async def opened() -> Any:
            await open_database(self.database_url)
            try:
                return await work()
            finally:
                await close_database()

        return asyncio.run(opened())


async def _prepare(database_url: str) -> None:
    await migrate(database_url)
    await open_database(database_url)
    try:
        await declare_locations(["main", "east"])
        for code in SKUS:
            await add_sku(code, name=f"{code} for tests")
        for role in ROLES:
            await users.add_user(role, role, password(role))
    finally:
        await close_database()


@pytest.fixture(scope="session")
def console_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file with SKUS, locations and users that each test copies: every
    migration and four password hashes once per session, not once per test."""
    path = tmp_path_factory.mktemp("console-template") / "console.db"
    asyncio.run(_prepare(f"sqlite://{path}"))
    return path


@pytest.fixture
def service(tmp_path: Path, console_template: Path) -> Iterator[ConsoleService]:
    """`syncbot serve` on a fresh SQLite file with SKUS, locations main and east, and one
    user per role."""
    shutil.copy(console_template, tmp_path / "console.db")
    database_url = f"sqlite://{tmp_path / 'console.db'}"
    config = tmp_path / "syncbot.toml"
    config.write_text(CHANNELS_FILE, encoding="utf-8")
    port = _free_port()
    log = tmp_path / "serve.log"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SYNCBOT_")}
    environment.update(
        {
            "SYNCBOT_DATABASE_URL": database_url,
            "SYNCBOT_API_TOKEN": TOKEN,
            "SYNCBOT_CONFIG": str(config),
            FAKE_SECRET_ENV: FAKE_SECRET,
            SHOPIFY_SECRET_ENV: SHOPIFY_SECRET,
            SHOPIFY_TOKEN_ENV: "shpat_browser_dummy_token",  # for tests only
        }
    )
    with log.open("wb") as output:
        process = subprocess.Popen(
            [_syncbot(), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=environment,
            cwd=tmp_path,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    api = httpx.Client(base_url=url, timeout=10, headers={"Authorization": f"Bearer {TOKEN}"})
    try:
        _wait_until_ready(process, api, log)
        yield ConsoleService(url, database_url, environment, api, log, process)
    finally:
        api.close()
        stop_process(process)


def _chromium_present() -> bool:
    return os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)


@pytest.fixture
def browser() -> Iterator[WebDriver]:
    """Headless Debian chromium at a phone-friendly laptop size; skipped without it, except
    in CI (`CI=true`), where a missing browser fails (`.ci/run` installs it)."""
    if not _chromium_present():
        message = "Debian's chromium and chromium-driver are needed: apt-get install them"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(flag)
    options.add_argument("--window-size=1280,900")
    try:
        driver = webdriver.Chrome(options=options, service=DriverService(CHROMEDRIVER))
    except WebDriverException as problem:
        pytest.fail(f"chromium did not start: {problem.msg}")
    driver.implicitly_wait(0)
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(browser: WebDriver, condition: Callable[[WebDriver], Any], what: str = "") -> Any:
    """Polls `condition` until it answers something truthy (WAIT_SECONDS at most).

    An element the condition found can go stale before it reads it, when the page it
    waits for replaces the one it looked at (a search submitted, the new list arriving):
    that is "not yet", and the next poll looks at the new page."""
    return WebDriverWait(
        browser,
        WAIT_SECONDS,
        poll_frequency=0.05,
        ignored_exceptions=[StaleElementReferenceException],
    ).until(condition, f"never happened: {what}")


def replaced(element: WebElement) -> Callable[[WebDriver], bool]:
    """A condition: `element`'s page has gone (the answer to a form has loaded).

    Selenium's `staleness_of` waits for StaleElementReferenceException only; while the old
    page is being torn down, Chrome may answer "Node with given id does not belong to the
    document" instead, which the wait would raise as a failure. Both mean the same here.
    """

    def gone(_: WebDriver) -> bool:
        try:
            element.is_enabled()
        except WebDriverException:  # StaleElementReferenceException is one
            return True
        return False

    return gone


def sign_in(browser: WebDriver, service: ConsoleService, name: str, next_path: str = "/") -> None:
    """Signs `name` in through the sign-in form and waits for the page it leads to."""
    browser.get(f"{service.url}/sign-in?next={next_path}")
    browser.find_element(By.NAME, "name").send_keys(name)
    browser.find_element(By.NAME, "password").send_keys(password(name))
    browser.find_element(By.CSS_SELECTOR, "form.form button[type=submit]").click()
    wait_for(
        browser,
        lambda b: b.find_elements(By.CSS_SELECTOR, "form.who"),
        f"{name} signed in",
    )


def shot(browser: WebDriver, name: str) -> None:
    """Saves docs/images/<name>.png when SYNCBOT_SCREENSHOTS=1 (how the docs' pictures are
    made: `SYNCBOT_SCREENSHOTS=1 pytest tests/browser`)."""
    if os.environ.get("SYNCBOT_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(SCREENSHOTS / f"{name}.png"))

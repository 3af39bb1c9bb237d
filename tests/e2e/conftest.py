"""The real service as a subprocess (`syncbot serve`), driven over HTTP with httpx.

The test process touches the database only before the server starts (to add SKUs); after
that every check reads state back through the HTTP API, as a client would.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

from connectors.fake import FakeConnector
from syncbot.app import users
from syncbot.bootstrap import create_app
from syncbot.channels_file import ChannelsFile
from syncbot.config import Settings
from syncbot.store.catalogue import add_sku
from syncbot.store.database import close_database, open_database
from syncbot.testing import NeverHappened, serve_in_thread, wait_until

TOKEN = "e2e-dummy-token-not-a-secret-000"  # 32 characters, for tests only
MAX_BODY_BYTES = 2048
SKU = "MUG-1"
SLASHED_SKU = "TEE/RED-M"  # SKU codes may hold "/", which must survive the URL path
STARTUP_SECONDS = 30
FAKE_SECRET_ENV = "E2E_FAKE_WEBHOOK_SECRET"
FAKE_SECRET = "e2e-dummy-webhook-secret"  # for tests only
SHOPIFY_SHOP = "syncbot-e2e.myshopify.com"
SHOPIFY_SECRET_ENV = "E2E_SHOPIFY_WEBHOOK_SECRET"
SHOPIFY_SECRET = "e2e-dummy-shopify-webhook-secret"  # for tests only
SHOPIFY_TOKEN_ENV = "E2E_SHOPIFY_ACCESS_TOKEN"
SHOPIFY_MAIN_LOCATION = 65760001
SHOPIFY_EAST_LOCATION = 65760002
CHANNELS_FILE = f"""locations = ["main", "east"]

[[channels]]
name = "fake"
kind = "fake"
webhook_secret_env = "{FAKE_SECRET_ENV}"

[[channels]]
name = "shopify"
kind = "shopify"
shop = "{SHOPIFY_SHOP}"
access_token_env = "{SHOPIFY_TOKEN_ENV}"
webhook_secret_env = "{SHOPIFY_SECRET_ENV}"
# Webhook intake needs no Admin API call; nothing listens here, so none can leave the test.
api_base_url = "http://127.0.0.1:9"

[channels.locations]
{SHOPIFY_MAIN_LOCATION} = "main"
{SHOPIFY_EAST_LOCATION} = "east"
"""

RECEIPT = {"sku": SKU, "kind": "receive", "quantity": 10, "idempotency_key": "po-42:line-1"}
EMPTY = {"on_hand": 0, "available": 0, "committed": 0, "damaged": 0, "incoming": 0}


@dataclass
class Service:
    """A running server and a client for it, with the calls the tests repeat."""

    client: httpx.Client
    process: subprocess.Popen[bytes] | None = None
    log: Path | None = None
    environment: dict[str, str] | None = None

    def cli(self, *args: str) -> str:
        """Runs `syncbot ARGS` with the server's environment; its stdout, or a failure."""
        done = subprocess.run(
            [_syncbot(), *args], env=self.environment, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def log_text(self) -> str:
        return "" if self.log is None else self.log.read_text(encoding="utf-8", errors="replace")

    def post_movement(self, body: dict[str, Any], token: str | None = TOKEN) -> httpx.Response:
        if token is None:
            return anonymous(self.client, "POST", "/api/movements", json=body)
        headers = {"Authorization": f"Bearer {token}"}
        return self.client.post("/api/movements", json=body, headers=headers)

    def stock(self, sku: str = SKU) -> dict[str, Any]:
        response = self.client.get(f"/api/stock/{sku}")
        assert response.status_code == 200, response.text
        stock: dict[str, Any] = response.json()
        return stock

    def movements(self, sku: str = SKU) -> list[dict[str, Any]]:
        response = self.client.get("/api/movements", params={"sku": sku})
        assert response.status_code == 200, response.text
        movements: list[dict[str, Any]] = response.json()
        return movements


StartService = Callable[..., Service]


@dataclass
class Worker:
    """A running `syncbot worker` and its log."""

    process: subprocess.Popen[bytes]
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


StartWorker = Callable[[Service], Worker]

BOOTSTRAP = {"Authorization": f"Bearer {TOKEN}"}
"""Every test client sends the bootstrap token unless a request says otherwise."""


def anonymous(client: httpx.Client, method: str, path: str, **options: Any) -> httpx.Response:
    """The request without the client's default token: no Authorization header at all."""
    request = client.build_request(method, path, **options)
    request.headers.pop("Authorization", None)
    return client.send(request)


def refusal(response: httpx.Response, status: int) -> str:
    """The error message of a refusal, after checking its status and its JSON shape."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}, body
    message: str = body["error"]
    assert message
    assert "Traceback" not in message
    return message


def assert_nothing_written(service: Service) -> None:
    """MUG-1 still has no movement and no stock."""
    assert service.movements() == []
    stock = service.stock()
    assert stock["locations"] == {}
    assert stock["total"] == EMPTY


@pytest.fixture
def start_service(database_url: str, tmp_path: Path) -> Iterator[StartService]:
    """Starts `syncbot serve` on the test database; `env` overrides SYNCBOT_* variables.

    SKUs MUG-1 and TEE/RED-M exist, locations main and east are declared, channel `fake`
    is the in-memory storefront connector, signing with FAKE_SECRET, and channel `shopify`
    is a Shopify store (SHOPIFY_SHOP) signing with SHOPIFY_SECRET. Every server
    started is terminated, and every client closed, when the test ends.
    """
    asyncio.run(_add_skus(database_url, [SKU, SLASHED_SKU]))
    config = tmp_path / "syncbot.toml"
    config.write_text(CHANNELS_FILE, encoding="utf-8")
    started: list[tuple[subprocess.Popen[bytes], httpx.Client]] = []

    def start(
        channels_file: str | None = None, flags: tuple[str, ...] = (), **env: str | None
    ) -> Service:
        """`channels_file` is added to the default channels file's text; `flags` are more
        options of `serve` (`--no-intake`)."""
        if channels_file is not None:
            config.write_text(CHANNELS_FILE + channels_file, encoding="utf-8")
        port = _free_port()
        log = tmp_path / f"serve-{port}.log"
        variables = {
            "SYNCBOT_DATABASE_URL": database_url,
            "SYNCBOT_API_TOKEN": TOKEN,
            "SYNCBOT_CONFIG": str(config),
            "SYNCBOT_MAX_BODY_BYTES": str(MAX_BODY_BYTES),
            FAKE_SECRET_ENV: FAKE_SECRET,
            SHOPIFY_SECRET_ENV: SHOPIFY_SECRET,
            SHOPIFY_TOKEN_ENV: "shpat_e2e_dummy_token",  # for tests only
            **env,
        }
        environment = {k: v for k, v in os.environ.items() if not k.startswith("SYNCBOT_")}
        environment.update({k: v for k, v in variables.items() if v is not None})
        with log.open("wb") as output:
            process = subprocess.Popen(
                [_syncbot(), "serve", "--host", "127.0.0.1", "--port", str(port), *flags],
                env=environment,
                cwd=tmp_path,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10, headers=BOOTSTRAP)
        started.append((process, client))
        _wait_until_ready(process, client, log)
        return Service(client, process, log, environment)

    yield start
    for process, client in started:
        client.close()
        stop_process(process)


@pytest.fixture
def start_worker(tmp_path: Path) -> Iterator[StartWorker]:
    """Starts `syncbot worker` with a started service's environment: the same database,
    channels file and secrets. Every worker started is terminated when the test ends."""
    started: list[subprocess.Popen[bytes]] = []

    def start(service: Service) -> Worker:
        log = tmp_path / f"worker-{len(started)}.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                [_syncbot(), "worker"],
                env=service.environment,
                cwd=tmp_path,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        started.append(process)
        return Worker(process, log)

    yield start
    for process in started:
        stop_process(process)


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """Stops a started process: SIGTERM, then SIGKILL after 10 s."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture
def running_service(start_service: StartService) -> Service:
    """The service with the API token set and a body limit of MAX_BODY_BYTES."""
    return start_service()


async def _add_skus(database_url: str, codes: list[str]) -> None:
    await open_database(database_url)
    try:
        for code in codes:
            await add_sku(code, name=f"{code} for tests")
    finally:
        await close_database()


def _syncbot() -> str:
    """The installed `syncbot` script of this interpreter, so the test runs what users run."""
    beside = Path(sys.executable).with_name("syncbot")
    found = str(beside) if beside.exists() else shutil.which("syncbot")
    if found is None:
        pytest.fail("the `syncbot` command is not installed: pip install -e '.[test]'")
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until_ready(process: subprocess.Popen[bytes], client: httpx.Client, log: Path) -> None:
    def ready_or_exited() -> bool:
        if process.poll() is not None:
            return True
        try:
            return client.get("/readyz").status_code == 200
        except httpx.TransportError:
            return False  # not listening yet

    try:
        wait_until(ready_or_exited, STARTUP_SECONDS, "serve ready", interval=0.1)
    except NeverHappened:
        pytest.fail(f"syncbot serve was not ready within {STARTUP_SECONDS} s:\n{log.read_text()}")
    if process.poll() is not None:
        pytest.fail(f"syncbot serve exited with {process.returncode}:\n{log.read_text()}")


# Users, tokens and roles: the service in this process (uvicorn in a thread), with one
# live token per role and the bootstrap token.

BOOTSTRAP_TOKEN = "auth-tests-dummy-bootstrap-token0"  # for tests only
METRICS = "auth-tests-dummy-metrics-token-000"  # for tests only
ROLES = ("viewer", "clerk", "manager", "admin")


@dataclass
class Api:
    client: httpx.Client
    tokens: dict[str, str]
    """A live token per role, named after the role ("viewer" acts as a viewer)."""
    database_url: str
    config: Path
    app: FastAPI
    """The app being served: its route table lists every route, in the schema or not."""

    def call(self, method: str, path: str, token: str | None, **options: Any) -> httpx.Response:
        headers = {} if token is None else {"Authorization": f"Bearer {token}"}
        return self.client.request(method, path, headers=headers, **options)

    def routes(self) -> list[tuple[str, str]]:
        """(method, path template) of every /api route in the app's route table (included
        routers flattened), so a route left out of the OpenAPI description is covered too.
        HEAD is GET's twin."""
        found = []
        for route in iter_route_contexts(self.app.routes):
            path = route.path or ""
            if not path.startswith("/api"):
                continue
            # A mounted sub-app would hide its routes from this list: none may exist.
            assert route.methods, f"{path}: cannot list the routes of {route.original_route!r}"
            found += [(method, path) for method in sorted(route.methods) if method != "HEAD"]
        return found


async def _seed_users(database_url: str) -> dict[str, str]:
    await open_database(database_url)
    try:
        await add_sku(SKU, name="Mug")
        tokens = {}
        for role in ROLES:
            await users.add_user(f"{role}-user", role, "a long test password")
            _, tokens[role] = await users.create_token(role, f"{role}-user")
        return tokens
    finally:
        await close_database()


@pytest.fixture
def api(database_url: str, tmp_path: Path) -> Iterator[Api]:
    """The service with users viewer-user, clerk-user, manager-user and admin-user, each
    with a token named after its role, and SKU MUG-1."""
    tokens = asyncio.run(_seed_users(database_url))
    config = tmp_path / "syncbot.toml"
    config.write_text('locations = ["main", "east"]\n', encoding="utf-8")
    settings = Settings(
        database_url=database_url,
        config=config,
        api_token=BOOTSTRAP_TOKEN,
        metrics_token=METRICS,
        sync_sweep_seconds=3600,
    )
    connectors = {"fake": FakeConnector("fake", "auth-tests-dummy-webhook-secret")}
    app = create_app(settings, ChannelsFile(locations=["main", "east"]), connectors)
    with serve_in_thread(app, "syncbot") as url, httpx.Client(base_url=url, timeout=10) as http:
        yield Api(http, tokens, database_url, config, app)

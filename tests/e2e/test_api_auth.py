"""Every `/api` route needs a token, and each token acts with its user's role: over real
HTTP, routes read from the app's own OpenAPI description so a new route is covered too."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors.fake import FakeConnector
from syncbot.app import users
from syncbot.bootstrap import create_app
from syncbot.config import ChannelsFile, Settings
from syncbot.store.catalogue import add_sku
from syncbot.store.database import close_database, open_database
from syncbot.testing import serve_in_thread

from .conftest import SKU, _syncbot

BOOTSTRAP = "auth-tests-dummy-bootstrap-token0"  # for tests only
METRICS = "auth-tests-dummy-metrics-token-000"  # for tests only
ROLES = ("viewer", "clerk", "manager", "admin")
PATH_VALUES = {"sku": SKU, "movement_id": "1", "delivery_id": "1", "channel": "fake"}
BODIES: dict[str, dict[str, Any]] = {
    "/api/movements": {"sku": SKU, "kind": "receive", "quantity": 1},
    "/api/inbox/{delivery_id}/skip": {"reason": "test"},
}


@dataclass
class Api:
    client: httpx.Client
    tokens: dict[str, str]
    """A live token per role, named after the role ("viewer" acts as a viewer)."""
    database_url: str
    config: Path

    def call(self, method: str, path: str, token: str | None, **options: Any) -> httpx.Response:
        headers = {} if token is None else {"Authorization": f"Bearer {token}"}
        return self.client.request(method, path, headers=headers, **options)

    def routes(self) -> list[tuple[str, str]]:
        """(method, path template) of every /api operation the service describes."""
        description = self.client.get("/openapi.json").json()
        return [
            (method.upper(), path)
            for path, operations in description["paths"].items()
            if path.startswith("/api/")
            for method in operations
        ]


def concrete(template: str) -> str:
    return re.sub(r"\{(\w+)(?::path)?\}", lambda m: PATH_VALUES[m.group(1)], template)


async def _seed(database_url: str) -> dict[str, str]:
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
    tokens = asyncio.run(_seed(database_url))
    config = tmp_path / "syncbot.toml"
    config.write_text('locations = ["main", "east"]\n', encoding="utf-8")
    settings = Settings(
        database_url=database_url,
        config=config,
        api_token=BOOTSTRAP,
        metrics_token=METRICS,
        sync_sweep_seconds=3600,
    )
    connectors = {"fake": FakeConnector("fake", "auth-tests-dummy-webhook-secret")}
    app = create_app(settings, ChannelsFile(locations=["main", "east"]), connectors)
    with serve_in_thread(app, "syncbot") as url, httpx.Client(base_url=url, timeout=10) as http:
        yield Api(http, tokens, database_url, config)


def _body(path: str) -> dict[str, Any]:
    return {"json": BODIES[path]} if path in BODIES else {}


class TestEveryRouteNeedsAToken:
    def test_every_api_route_without_a_token_is_refused_401(self, api: Api) -> None:
        """No /api operation in the OpenAPI description answers without a token."""
        routes = api.routes()
        assert len(routes) >= 9, routes
        for method, path in routes:
            for token in (None, "not-a-token", api.tokens["viewer"] + "x"):
                answer = api.call(method, concrete(path), token, **_body(path))
                assert answer.status_code == 401, (method, path, token, answer.text)
                assert answer.headers["www-authenticate"] == "Bearer"

    def test_a_viewer_reads_everything_and_writes_nothing(self, api: Api) -> None:
        """A viewer's token reads every GET route and is refused 403 on every write."""
        for method, path in api.routes():
            answer = api.call(method, concrete(path), api.tokens["viewer"], **_body(path))
            if method == "GET":
                assert answer.status_code in (200, 404), (path, answer.text)
            else:
                assert answer.status_code == 403, (method, path, answer.text)
                assert "role" in answer.json()["error"]
        assert api.call("GET", "/api/movements", api.tokens["viewer"]).json() == []

    def test_the_operations_endpoints_stay_open_and_metrics_takes_its_token(self, api: Api) -> None:
        """/healthz and /readyz need nothing; /metrics needs SYNCBOT_METRICS_TOKEN when set."""
        assert api.call("GET", "/healthz", None).status_code == 200
        assert api.call("GET", "/readyz", None).status_code == 200
        assert api.call("GET", "/metrics", None).status_code == 401
        assert api.call("GET", "/metrics", BOOTSTRAP).status_code == 401
        assert api.call("GET", "/metrics", METRICS).status_code == 200


class TestRoles:
    def test_a_clerk_receives_but_may_not_adjust(self, api: Api) -> None:
        """Receive is a clerk's; an adjustment needs a manager, says so, and writes nothing."""
        clerk = api.tokens["clerk"]
        received = api.call("POST", "/api/movements", clerk, json=BODIES["/api/movements"])
        adjust = {"sku": SKU, "kind": "adjust", "quantity": -1, "reason": "typo"}
        refused = api.call("POST", "/api/movements", clerk, json=adjust)

        assert received.status_code == 201, received.text
        assert refused.status_code == 403
        assert "needs the manager role" in refused.json()["error"]
        history = api.call("GET", "/api/movements", clerk).json()
        assert [row["kind"] for row in history] == ["receive"]

    def test_a_manager_reverses_and_each_movement_names_its_token(self, api: Api) -> None:
        """The actor is `api:<token name>`; a clerk may not reverse another's movement,
        and the refusal names the rule; a manager may."""
        received = api.call(
            "POST", "/api/movements", api.tokens["manager"], json=BODIES["/api/movements"]
        ).json()
        movement_id = received["movements"][0]["id"]
        path = f"/api/movements/{movement_id}/reverse"

        refused = api.call("POST", path, api.tokens["clerk"])
        assert refused.status_code == 403, refused.text
        assert "undoing someone else's movement needs the manager role" in refused.text
        assert len(api.call("GET", "/api/movements", BOOTSTRAP).json()) == 1
        reversed_ = api.call("POST", path, api.tokens["manager"])

        assert reversed_.status_code == 201, reversed_.text
        actors = [row["actor"] for row in api.call("GET", "/api/movements", BOOTSTRAP).json()]
        assert actors == ["api:manager", "api:manager"]

    def test_a_clerk_undoes_their_own_movement_once(self, api: Api) -> None:
        """Within 10 minutes the token that recorded a damage may undo it with a clerk's
        role; a repeat answers 200 with the first reversal."""
        clerk = api.tokens["clerk"]
        api.call("POST", "/api/movements", clerk, json=BODIES["/api/movements"])
        damage = {"sku": SKU, "kind": "damage", "quantity": 1}
        damaged = api.call("POST", "/api/movements", clerk, json=damage).json()
        path = f"/api/movements/{damaged['movements'][0]['id']}/reverse"

        undone = api.call("POST", path, clerk)
        again = api.call("POST", path, clerk)

        assert undone.status_code == 201, undone.text
        assert undone.json()["stock"]["total"]["available"] == 1
        assert again.status_code == 200, again.text
        assert again.json()["movements"] == undone.json()["movements"]

    def test_a_clerk_may_not_reverse_a_managers_adjustment_nor_a_viewer_anything(
        self, api: Api
    ) -> None:
        """Reversing another's adjustment needs a manager; a viewer's token is refused
        before the rule is read."""
        manager = api.tokens["manager"]
        adjust = {"sku": SKU, "kind": "adjust", "quantity": 2, "reason": "found"}
        adjusted = api.call("POST", "/api/movements", manager, json=adjust).json()
        path = f"/api/movements/{adjusted['movements'][0]['id']}/reverse"

        viewer = api.call("POST", path, api.tokens["viewer"])
        clerk = api.call("POST", path, api.tokens["clerk"])

        assert viewer.status_code == 403
        assert "needs the clerk role" in viewer.json()["error"]
        assert clerk.status_code == 403
        assert len(api.call("GET", "/api/movements", BOOTSTRAP).json()) == 1

    def test_the_bootstrap_token_is_admin_and_acts_as_api(self, api: Api) -> None:
        """SYNCBOT_API_TOKEN still records, as the actor `api`."""
        answer = api.call("POST", "/api/movements", BOOTSTRAP, json=BODIES["/api/movements"])

        assert answer.status_code == 201, answer.text
        (row,) = api.call("GET", "/api/movements", BOOTSTRAP).json()
        assert row["actor"] == "api"

    def test_a_disabled_user_or_a_revoked_token_is_refused_at_once(self, api: Api) -> None:
        """The next request after `user disable` or `token revoke` answers 401."""
        assert api.call("GET", "/api/parked", api.tokens["clerk"]).status_code == 200
        assert api.call("GET", "/api/parked", api.tokens["viewer"]).status_code == 200

        # Another process, as an operator would: the server holds this one's ORM.
        env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCBOT_")}
        env["SYNCBOT_DATABASE_URL"] = api.database_url
        env["SYNCBOT_CONFIG"] = str(api.config)
        for command in (("user", "disable", "clerk-user"), ("token", "revoke", "viewer")):
            done = subprocess.run(
                [_syncbot(), *command], env=env, capture_output=True, text=True, check=False
            )
            assert done.returncode == 0, done.stdout + done.stderr

        assert api.call("GET", "/api/parked", api.tokens["clerk"]).status_code == 401
        assert api.call("GET", "/api/parked", api.tokens["viewer"]).status_code == 401
        assert api.call("GET", "/api/parked", api.tokens["manager"]).status_code == 200


LOGGERS = ("uvicorn", "uvicorn.access", "uvicorn.error", "syncbot", "tortoise", "fastapi")


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every log record at DEBUG, of uvicorn's own loggers too (they do not propagate)."""
    caplog.set_level(logging.DEBUG)
    loggers = [logging.getLogger(name) for name in LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        logger.addHandler(caplog.handler)
    yield caplog
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)
        logger.removeHandler(caplog.handler)


def test_a_token_never_reaches_the_logs(api: Api, all_logs: pytest.LogCaptureFixture) -> None:
    """At DEBUG, accepted and refused requests log no token, nor any part of one."""
    for token in api.tokens.values():
        api.call("POST", "/api/movements", token, json=BODIES["/api/movements"])
        api.call("GET", f"/api/stock/{SKU}", token)
        api.call("GET", "/api/inbox", token + "-wrong")
    api.call("GET", "/api/inbox", BOOTSTRAP)

    logged = all_logs.text
    assert all_logs.records, "nothing was logged: the check would prove nothing"
    for token in [*api.tokens.values(), BOOTSTRAP]:
        assert token not in logged
        assert token[4:20] not in logged

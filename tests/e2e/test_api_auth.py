"""Every `/api` route needs a token, and each token acts with its user's role: over real
HTTP, routes read from the app's own OpenAPI description so a new route is covered too."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import closing
from typing import Any

import asyncpg
import httpx
import pytest

from syncbot.testing import wait_until

from .conftest import (
    BOOTSTRAP_TOKEN,
    METRICS,
    ROLES,
    SKU,
    TOKEN,
    Api,
    StartService,
    _syncbot,
    stop_process,
)

PATH_VALUES = {
    "sku": SKU,
    "movement_id": "1",
    "delivery_id": "1",
    "channel": "fake",
    "name": "nobody",
    "number": "PO-0999",
    "bundle": "NO-SUCH-BUNDLE",
}
"""A value for each path parameter: a refusal comes before the value is looked at."""
BODIES: dict[str, dict[str, Any]] = {
    "/api/movements": {"sku": SKU, "kind": "receive", "quantity": 1},
    "/api/inbox/{delivery_id}/skip": {"reason": "test"},
    "/api/channels/{channel}/release": {"all": True},
    "/api/bundles/{bundle:path}": {"components": [{"sku": SKU, "quantity": 2}]},
}


QUERIES = {
    "/api/cost-of-goods": "?from=2026-11-01&to=2026-12-01",
    "/api/cost-of-goods.csv": "?from=2026-11-01&to=2026-12-01",
}
"""The query a route cannot answer 200 without: a report's period."""


def concrete(template: str) -> str:
    """The template with a value for each parameter ("1" for one not named above), and
    the query the route requires."""
    path = re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: PATH_VALUES.get(m.group(1), "1"), template)
    return path + QUERIES.get(template, "")


ADMIN_READS = frozenset({"/api/users", "/api/tokens"})
"""GET routes a viewer may not read: who holds which role and token."""

ROLE_MATRIX = [
    ("GET", "/api/stock/{sku:path}", "viewer"),
    ("GET", "/api/movements", "viewer"),
    ("GET", "/api/parked", "viewer"),
    ("GET", "/api/inbox", "viewer"),
    ("GET", "/api/channels", "viewer"),
    ("GET", "/api/channels/{channel}/listings", "viewer"),
    ("GET", "/api/channels/{channel}/pushes", "viewer"),
    ("GET", "/api/drift", "viewer"),
    ("GET", "/api/valuation", "viewer"),
    ("GET", "/api/valuation.csv", "viewer"),
    ("GET", "/api/cost-of-goods", "viewer"),
    ("GET", "/api/cost-of-goods.csv", "viewer"),
    ("GET", "/api/reports/velocity", "viewer"),
    ("GET", "/api/reports/velocity.csv", "viewer"),
    ("GET", "/api/reports/abc", "viewer"),
    ("GET", "/api/reports/abc.csv", "viewer"),
    ("GET", "/api/reports/aging", "viewer"),
    ("GET", "/api/reports/aging.csv", "viewer"),
    ("GET", "/api/reports/cover", "viewer"),
    ("GET", "/api/reports/cover.csv", "viewer"),
    ("GET", "/api/reports/sync-health", "viewer"),
    ("GET", "/api/reports/sync-health.csv", "viewer"),
    ("GET", "/api/replenishment", "viewer"),
    ("GET", "/api/replenishment.csv", "viewer"),
    ("POST", "/api/replenishment/draft-orders", "manager"),
    ("GET", "/api/shrinkage", "viewer"),
    ("GET", "/api/shrinkage.csv", "viewer"),
    ("POST", "/api/movements", "clerk"),  # a receive; an adjust needs manager (TestRoles)
    ("POST", "/api/movements/{movement_id}/reverse", "clerk"),  # then the undo rule
    ("POST", "/api/inbox/{delivery_id}/skip", "manager"),
    ("POST", "/api/channels/{channel}/release", "manager"),
    ("POST", "/api/channels/{channel}/sync", "manager"),
    ("GET", "/api/purchase-orders", "viewer"),
    ("GET", "/api/purchase-orders/{number:path}", "viewer"),
    ("GET", "/api/suppliers", "viewer"),
    ("GET", "/api/suppliers/{name:path}", "viewer"),
    ("POST", "/api/purchase-orders/{number:path}/receipts", "clerk"),
    ("POST", "/api/purchase-orders/{number:path}/receive-all", "clerk"),
    ("POST", "/api/purchase-orders", "manager"),
    ("POST", "/api/purchase-orders/{number:path}/lines", "manager"),
    ("PATCH", "/api/purchase-orders/{number:path}/lines/{sku:path}", "manager"),
    ("DELETE", "/api/purchase-orders/{number:path}/lines/{sku:path}", "manager"),
    ("POST", "/api/purchase-orders/{number:path}/order", "manager"),
    ("POST", "/api/purchase-orders/{number:path}/cancel", "manager"),
    ("POST", "/api/purchase-orders/{number:path}/close", "manager"),
    ("POST", "/api/suppliers", "manager"),
    ("PATCH", "/api/suppliers/{name:path}", "manager"),
    ("PUT", "/api/suppliers/{name:path}/terms/{sku:path}", "manager"),
    ("GET", "/api/bundles", "viewer"),
    ("GET", "/api/bundles/{bundle:path}", "viewer"),
    ("PUT", "/api/bundles/{bundle:path}", "manager"),
    ("DELETE", "/api/bundles/{bundle:path}", "manager"),
    ("GET", "/api/stocktakes", "viewer"),
    ("GET", "/api/stocktakes/{session:path}", "viewer"),
    ("POST", "/api/stocktakes/{session:path}/counts", "clerk"),
    ("POST", "/api/stocktakes", "manager"),
    ("POST", "/api/stocktakes/{session:path}/approve", "manager"),
    ("POST", "/api/stocktakes/{session:path}/post", "manager"),
    ("POST", "/api/stocktakes/{session:path}/cancel", "manager"),
    ("GET", "/api/users", "admin"),
    ("POST", "/api/users", "admin"),
    ("PATCH", "/api/users/{name:path}", "admin"),
    ("POST", "/api/users/{name:path}/password", "admin"),
    ("GET", "/api/tokens", "admin"),
    ("POST", "/api/tokens", "admin"),
    ("DELETE", "/api/tokens/{name:path}", "admin"),
]
"""The least role each route needs, as tested. A route not listed is still covered by
the rules above: no token 401, a viewer's token 403 on any write."""


def _token_names(api: Api) -> list[tuple[str, str | None]]:
    """Each token's name and revocation (its last use changes with every request)."""
    tokens = api.call("GET", "/api/tokens", BOOTSTRAP_TOKEN).json()
    return [(token["name"], token["revoked_at"]) for token in tokens]


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

    def test_a_viewer_reads_and_writes_nothing(self, api: Api) -> None:
        """A viewer's token reads every GET route but the admin's, and is refused 403 on
        every write, whatever its body: nothing is written."""
        users_before = api.call("GET", "/api/users", BOOTSTRAP_TOKEN).json()
        tokens_before = _token_names(api)
        for method, path in api.routes():
            answer = api.call(method, concrete(path), api.tokens["viewer"], **_body(path))
            if method == "GET" and path not in ADMIN_READS:
                assert answer.status_code in (200, 404), (path, answer.text)
            else:
                assert answer.status_code == 403, (method, path, answer.text)
                assert "role" in answer.json()["error"]
        assert api.call("GET", "/api/movements", api.tokens["viewer"]).json() == []
        assert api.call("GET", "/api/users", BOOTSTRAP_TOKEN).json() == users_before
        assert _token_names(api) == tokens_before

    @pytest.mark.parametrize(("method", "path", "needed"), ROLE_MATRIX)
    def test_each_route_needs_its_role_and_no_more(
        self, api: Api, method: str, path: str, needed: str
    ) -> None:
        """Below the route's role: 403 naming the role; from it up: past the role check
        (the values in the path name nothing, so a 404 or 422 follows, never 401 or 403)."""
        assert (method, path) in api.routes(), "the matrix names a route the app lacks"
        for role in ROLES:
            answer = api.call(method, concrete(path), api.tokens[role], **_body(path))
            if ROLES.index(role) < ROLES.index(needed):
                assert answer.status_code == 403, (role, answer.text)
                assert f"needs the {needed} role" in answer.json()["error"]
            else:
                assert answer.status_code not in (401, 403), (role, answer.text)

    def test_the_operations_endpoints_stay_open_and_metrics_takes_its_token(self, api: Api) -> None:
        """/healthz and /readyz need nothing; /metrics needs SYNCBOT_METRICS_TOKEN when set."""
        assert api.call("GET", "/healthz", None).status_code == 200
        assert api.call("GET", "/readyz", None).status_code == 200
        assert api.call("GET", "/metrics", None).status_code == 401
        assert api.call("GET", "/metrics", BOOTSTRAP_TOKEN).status_code == 401
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
        assert len(api.call("GET", "/api/movements", BOOTSTRAP_TOKEN).json()) == 1
        reversed_ = api.call("POST", path, api.tokens["manager"])

        assert reversed_.status_code == 201, reversed_.text
        actors = [row["actor"] for row in api.call("GET", "/api/movements", BOOTSTRAP_TOKEN).json()]
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
        assert len(api.call("GET", "/api/movements", BOOTSTRAP_TOKEN).json()) == 1

    def test_the_bootstrap_token_is_admin_and_acts_as_api(self, api: Api) -> None:
        """SYNCBOT_API_TOKEN still records, as the actor `api`."""
        answer = api.call("POST", "/api/movements", BOOTSTRAP_TOKEN, json=BODIES["/api/movements"])

        assert answer.status_code == 201, answer.text
        (row,) = api.call("GET", "/api/movements", BOOTSTRAP_TOKEN).json()
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
    api.call("GET", "/api/inbox", BOOTSTRAP_TOKEN)

    logged = all_logs.text
    assert all_logs.records, "nothing was logged: the check would prove nothing"
    assert any(record.name == "uvicorn.access" for record in all_logs.records)
    for token in [*api.tokens.values(), BOOTSTRAP_TOKEN]:
        assert token not in logged
        assert token[4:20] not in logged


def test_the_service_logs_no_token_nor_password_at_debug(start_service: StartService) -> None:
    """`syncbot serve` at DEBUG, uvicorn's access log included: requests that carry
    tokens, make a token, set a password, or are refused leave no trace of any of them."""
    service = start_service(SYNCBOT_LOG_LEVEL="DEBUG")
    client = service.client
    password = "a-password-that-must-stay-secret"
    added = client.post("/api/users", json={"name": "logs", "role": "clerk", "password": password})
    assert added.status_code == 201, added.text
    made = client.post("/api/tokens", json={"name": "logs", "user": "logs"})
    assert made.status_code == 201, made.text
    token = made.json()["token"]
    reset = client.post("/api/users/logs/password", json={})
    generated = reset.json()["password"]
    as_clerk = {"Authorization": f"Bearer {token}"}
    assert client.get(f"/api/stock/{SKU}", headers=as_clerk).status_code == 200
    adjust = {"sku": SKU, "kind": "adjust", "quantity": 1, "reason": "x"}
    assert client.post("/api/movements", json=adjust, headers=as_clerk).status_code == 403
    wrong = {"Authorization": f"Bearer {token}-wrong"}
    assert client.get("/api/inbox", headers=wrong).status_code == 401
    marker = client.get("/api/movements?sku=log-marker")  # the last request: 404
    assert marker.status_code == 404

    wait_until(lambda: "log-marker" in service.log_text(), 10, "the access log line")
    logged = service.log_text()
    assert '"logger": "uvicorn.access"' in logged, "no access log: the check would prove little"
    assert '"level": "debug"' in logged
    for secret in (token, token[4:20], TOKEN, TOKEN[:16], password, generated):
        assert secret not in logged


async def _stored_secrets(database_url: str) -> list[str]:
    """Every password hash and token hash, read straight from the tables with the
    database's own driver (the server holds this process's ORM)."""
    queries = ("SELECT password_hash FROM app_user", "SELECT token_hash FROM api_token")
    if database_url.startswith("sqlite://"):
        with closing(sqlite3.connect(database_url.removeprefix("sqlite://"))) as connection:
            return [row[0] for query in queries for row in connection.execute(query)]
    connection = await asyncpg.connect(database_url.replace("postgres://", "postgresql://", 1))
    try:
        return [row[0] for query in queries for row in await connection.fetch(query)]
    finally:
        await connection.close()


def test_passwords_and_tokens_are_stored_only_as_hashes(api: Api) -> None:
    """The users table holds argon2id hashes, the tokens table SHA-256 digests: neither
    the passwords nor the tokens appear in the database."""
    password = "a-password-to-look-for"
    api.call(
        "POST",
        "/api/users",
        BOOTSTRAP_TOKEN,
        json={"name": "h", "role": "viewer", "password": password},
    )
    generated = api.call("POST", "/api/users/h/password", BOOTSTRAP_TOKEN, json={}).json()[
        "password"
    ]
    token = api.call(
        "POST", "/api/tokens", BOOTSTRAP_TOKEN, json={"name": "h", "user": "h"}
    ).json()["token"]

    stored = asyncio.run(_stored_secrets(api.database_url))

    hashes = [value for value in stored if value.startswith("$argon2id$")]
    digests = [value for value in stored if re.fullmatch(r"[0-9a-f]{64}", value)]
    assert len(hashes) == len(ROLES) + 1
    assert len(digests) == len(ROLES) + 1
    assert len(stored) == len(hashes) + len(digests)
    everything = "\n".join(stored)
    for secret in (password, generated, "a long test password", token, *api.tokens.values()):
        assert secret not in everything


_CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')


def _sign_in(browser: httpx.Client, name: str) -> httpx.Response:
    """Signs `name` in through the console's form, as a browser would; the answer."""
    form = browser.get("/sign-in")
    csrf = _CSRF_FIELD.search(form.text)
    assert csrf, form.text
    answer = browser.post(
        "/sign-in", data={"name": name, "password": "a long test password", "csrf": csrf[1]}
    )
    assert answer.status_code == 303, answer.text
    return answer


class TestConsoleSessions:
    def test_a_disabled_users_session_cookie_is_refused_at_once(self, api: Api) -> None:
        """Over real HTTP: the first request after an admin disables the user through the
        API is sent to sign in again, and so is every one after it."""
        with httpx.Client(base_url=str(api.client.base_url), timeout=10) as browser:
            _sign_in(browser, "clerk-user")
            assert browser.get("/").status_code == 200
            disabled = {"disabled": True}
            answer = api.call("PATCH", "/api/users/clerk-user", BOOTSTRAP_TOKEN, json=disabled)
            assert answer.status_code == 200, answer.text

            page = browser.get("/")
            again = browser.get("/")

        assert page.status_code == again.status_code == 303
        assert page.headers["location"].startswith("/sign-in")

    def test_a_session_cookie_is_httponly_and_samesite_lax(self, api: Api) -> None:
        """Over real HTTP the session cookie cannot be read by scripts or sent cross-site."""
        with httpx.Client(base_url=str(api.client.base_url), timeout=10) as browser:
            answer = _sign_in(browser, "viewer-user")
        cookie = next(
            value for value in answer.headers.get_list("set-cookie") if "syncbot_session=" in value
        )
        assert "HttpOnly" in cookie
        assert "samesite=lax" in cookie.lower()


def test_without_the_access_log_requests_leave_no_line_and_the_rest_is_logged(
    start_service: StartService,
) -> None:
    """`SYNCBOT_ACCESS_LOG=false`: uvicorn logs no line per request, at INFO, and the
    rest of the log is kept (its shutdown lines, written after every request's). The
    default logs one."""
    logged = start_service()
    assert logged.client.get(f"/api/stock/{SKU}").status_code == 200
    wait_until(lambda: '"logger": "uvicorn.access"' in logged.log_text(), 10, "an access line")

    quiet = start_service(SYNCBOT_ACCESS_LOG="false")
    assert quiet.client.get(f"/api/stock/{SKU}").status_code == 200
    assert quiet.client.get("/api/movements?sku=no-such").status_code == 404
    assert quiet.process is not None
    stop_process(quiet.process)
    text = quiet.log_text()
    assert "Finished server process" in text, text[-2000:]
    assert '"logger": "uvicorn.access"' not in text

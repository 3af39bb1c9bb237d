"""`syncbot doctor`: one line per check, exit 0 when nothing fails, 1 with the failing line.

Storefronts answer through respx, Slack from the fake Web API on 127.0.0.1; the leader's
lease on PostgreSQL is held by a connection of the test's own, as a leader holds it.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import respx
from typer.testing import CliRunner, Result

from connectors.shopify.documents import SHOP
from connectors.shopify.subscriptions import WEBHOOK_SUBSCRIPTIONS
from syncbot.cli.main import app
from syncbot.runtime.leader import lock_key
from syncbot.slackbot.testing import FakeSlack
from syncbot.slackbot.testing import serve as serve_slack
from syncbot.store.database import asyncpg_dsn

SHOP_DOMAIN = "doctor-test.myshopify.com"
SHOPIFY_URL = f"https://{SHOP_DOMAIN}/admin/api/2026-10/graphql.json"
WOO_URL = "https://woo.example.com/wp-json/wc/v3"
PUBLIC = "https://stock.example.com"
CHANNELS_FILE = f"""locations = ["main"]

[[channels]]
name = "shop"
kind = "shopify"
shop = "{SHOP_DOMAIN}"
access_token_env = "DOCTOR_SHOP_TOKEN"
webhook_secret_env = "DOCTOR_SHOP_SECRET"

[[channels]]
name = "woo"
kind = "woocommerce"
url = "https://woo.example.com"
consumer_key_env = "DOCTOR_WOO_KEY"
consumer_secret_env = "DOCTOR_WOO_SECRET"
webhook_secret_env = "DOCTOR_WOO_HOOK"
"""
SHOPIFY_TOPICS = [
    "ORDERS_CANCELLED",
    "ORDERS_CREATE",
    "ORDERS_FULFILLED",
    "ORDERS_PAID",
    "ORDERS_PARTIALLY_FULFILLED",
    "ORDERS_UPDATED",
    "ORDERS_EDITED",
    "REFUNDS_CREATE",
    "RETURNS_CLOSE",
    "RETURNS_PROCESS",
]
WOO_TOPICS = ["order.created", "order.updated", "order.deleted", "order.restored"]
SCOPES = ["read_orders", "read_products", "write_inventory", "read_returns"]


def graphql(data: dict[str, Any]) -> httpx.Response:
    status = {"maximumAvailable": 2000, "currentlyAvailable": 1990, "restoreRate": 100}
    cost = {"requestedQueryCost": 3, "throttleStatus": status}
    return httpx.Response(200, json={"data": data, "extensions": {"cost": cost}})


class Storefronts:
    """What the two storefronts answer doctor's reads; each can be made to refuse."""

    def __init__(self) -> None:
        self.shopify_status = 200
        self.scopes = list(SCOPES)
        self.shopify_address = f"{PUBLIC}/webhooks/shop"

    def shopify(self, request: httpx.Request) -> httpx.Response:
        if self.shopify_status != 200:
            return httpx.Response(self.shopify_status, json={"errors": "[API] Invalid API key"})
        body = json.loads(request.content)
        if body["query"] == SHOP:
            return graphql(
                {
                    "shop": {"name": "Doctor test", "myshopifyDomain": SHOP_DOMAIN},
                    "currentAppInstallation": {
                        "accessScopes": [{"handle": scope} for scope in self.scopes]
                    },
                }
            )
        assert body["query"] == WEBHOOK_SUBSCRIPTIONS
        nodes = [
            {"id": f"gid://shopify/WebhookSubscription/{n}", "topic": topic, "uri": uri}
            for n, topic in enumerate(SHOPIFY_TOPICS)
            for uri in [self.shopify_address]
        ]
        page = {"pageInfo": {"hasNextPage": False, "endCursor": None}, "nodes": nodes}
        return graphql({"webhookSubscriptions": page})

    def woo_webhooks(self, request: httpx.Request) -> httpx.Response:
        hooks = [
            {
                "id": n,
                "name": f"syncbot woo {topic}",
                "topic": topic,
                "delivery_url": f"{PUBLIC}/webhooks/woo",
                "status": "active",
            }
            for n, topic in enumerate(WOO_TOPICS)
        ]
        return httpx.Response(200, json=hooks, headers={"X-WP-TotalPages": "1"})


@pytest.fixture
def storefronts() -> Iterator[Storefronts]:
    fronts = Storefronts()
    status = {"environment": {"version": "9.4.0", "wp_version": "6.7", "home_url": "x"}}
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        router.post(SHOPIFY_URL).mock(side_effect=fronts.shopify)
        router.get(f"{WOO_URL}/system_status").mock(return_value=httpx.Response(200, json=status))
        router.get(f"{WOO_URL}/webhooks").mock(side_effect=fronts.woo_webhooks)
        yield fronts


@pytest.fixture
def slack() -> Iterator[str]:
    with serve_slack(FakeSlack()) as url:
        yield url


@pytest.fixture
def env(database_url: str, tmp_path: Path, slack: str) -> dict[str, str | None]:
    config = tmp_path / "doctor.toml"
    config.write_text(CHANNELS_FILE, encoding="utf-8")
    return {
        "SYNCBOT_DATABASE_URL": database_url,
        "SYNCBOT_CONFIG": str(config),
        "SYNCBOT_PUBLIC_URL": PUBLIC,
        "SYNCBOT_LOG_LEVEL": None,
        "FORCE_COLOR": None,
        "SYNCBOT_SLACK_API_URL": slack,
        # Dummies for tests.
        "SLACK_BOT_TOKEN": "xoxb-dummy-doctor",
        "SLACK_SIGNING_SECRET": "dummy-signing-secret",
        "SLACK_APP_TOKEN": None,
        "DOCTOR_SHOP_TOKEN": "shpat_dummy_doctor",
        "DOCTOR_SHOP_SECRET": "dummy-doctor-secret",
        "DOCTOR_WOO_KEY": "ck_dummy",
        "DOCTOR_WOO_SECRET": "cs_dummy",
        "DOCTOR_WOO_HOOK": "dummy-woo-hook",
    }


def doctor(env: dict[str, str | None]) -> Result:
    return CliRunner().invoke(app, ["doctor"], env=env, prog_name="syncbot")


def lines(result: Result) -> dict[str, str]:
    """check name → its line."""
    found = {}
    for line in result.output.splitlines():
        check = line[6:]  # after "ok    ", "FAIL  " or "skip  "
        parts = 2 if check.startswith("channel ") else 1
        found[": ".join(check.split(": ")[:parts])] = line
    return found


@contextmanager
def leader_lease(database_url: str) -> Iterator[None]:
    """Holds the scheduler's advisory lock on a connection of its own, as a leader does."""
    if not database_url.startswith("postgres"):
        yield
        return
    held, release = threading.Event(), threading.Event()

    async def hold() -> None:
        connection = await asyncpg.connect(asyncpg_dsn(database_url))
        try:
            assert await connection.fetchval(
                "SELECT pg_try_advisory_lock($1)", lock_key("syncbot-scheduler")
            )
            held.set()
            await asyncio.to_thread(release.wait)
        finally:
            await connection.close()

    thread = threading.Thread(target=asyncio.run, args=(hold(),), daemon=True)
    thread.start()
    assert held.wait(10), "the test could not take the lease"
    try:
        yield
    finally:
        release.set()
        thread.join(10)


class TestAllWell:
    def test_every_check_passes_and_doctor_exits_0(
        self, env: dict[str, str | None], storefronts: Storefronts, database_url: str
    ) -> None:
        """Database, migrations, both channels, Slack and the leader: ok or skip, exit 0."""
        env["SLACK_APP_TOKEN"] = "xapp-dummy-doctor"
        with leader_lease(database_url):
            result = doctor(env)
        assert result.exit_code == 0, result.output
        found = lines(result)
        assert found["database"].startswith("ok")
        assert found["migrations"].startswith("ok    migrations: all ")
        assert found["channel shop: credentials"].startswith("ok")
        assert "granted: read_orders" in found["channel shop: scopes"]
        assert found["channel shop: webhooks"] == (
            "ok    channel shop: webhooks: 10 topics to https://stock.example.com/webhooks/shop"
        )
        assert found["channel woo: credentials"].startswith("ok")
        assert found["channel woo: scopes"].startswith("skip")
        assert found["channel woo: webhooks"].startswith("ok")
        assert found["slack bot token"] == (
            "ok    slack bot token: bot syncbot in syncbot tests (T0SYNCBOT)"
        )
        assert found["slack app token"].startswith("ok")
        leader = found["scheduler leader"]
        if database_url.startswith("postgres"):
            assert leader.startswith("ok    scheduler leader: held by pid ")
        else:
            assert leader.startswith("skip")
        assert "FAIL" not in result.output


class TestFailures:
    def test_a_refused_token_fails_its_channel_and_exits_1(
        self, env: dict[str, str | None], storefronts: Storefronts, database_url: str
    ) -> None:
        """Shopify answers 401: the credentials line fails, its scopes and webhooks are
        skipped, every other check still runs."""
        storefronts.shopify_status = 401
        with leader_lease(database_url):
            result = doctor(env)
        assert result.exit_code == 1
        found = lines(result)
        assert found["channel shop: credentials"].startswith("FAIL")
        assert "Shopify refused the access token" in found["channel shop: credentials"]
        assert found["channel shop: scopes"] == "skip  channel shop: scopes: credentials failed"
        assert found["channel woo: credentials"].startswith("ok")
        assert "shpat_dummy_doctor" not in result.output

    def test_a_missing_scope_and_a_moved_webhook_fail(
        self, env: dict[str, str | None], storefronts: Storefronts, database_url: str
    ) -> None:
        """read_returns not granted, webhooks pointing at an old host: both named."""
        storefronts.scopes = ["read_orders", "read_products", "write_inventory"]
        storefronts.shopify_address = "https://old.example.com/webhooks/shop"
        with leader_lease(database_url):
            result = doctor(env)
        assert result.exit_code == 1
        found = lines(result)
        assert "missing read_returns" in found["channel shop: scopes"]
        webhooks = found["channel shop: webhooks"]
        assert webhooks.startswith("FAIL")
        assert "orders/create: wrong (https://old.example.com/webhooks/shop)" in webhooks
        assert "run `syncbot channels subscribe shop`" in webhooks

    def test_no_leader_fails_on_postgresql(
        self, env: dict[str, str | None], storefronts: Storefronts, database_url: str
    ) -> None:
        """Nobody holds the lease: nothing pushes, and doctor says so."""
        if not database_url.startswith("postgres"):
            pytest.skip("SQLite has no lease: its one process leads")
        result = doctor(env)
        assert result.exit_code == 1
        assert "no process holds the scheduler lease" in lines(result)["scheduler leader"]

    def test_a_missing_database_and_a_missing_secret(
        self, env: dict[str, str | None], storefronts: Storefronts, tmp_path: Path
    ) -> None:
        """No SQLite file: database fails, migrations skipped; an unset secret fails only
        its channel; no Slack token: skipped."""
        env |= {
            "SYNCBOT_DATABASE_URL": f"sqlite://{tmp_path}/absent.db",
            "DOCTOR_WOO_KEY": None,
            "SLACK_BOT_TOKEN": None,
            "SLACK_SIGNING_SECRET": None,
        }
        result = doctor(env)
        assert result.exit_code == 1
        found = lines(result)
        assert "no database at" in found["database"]
        assert found["migrations"].startswith("skip")
        assert "DOCTOR_WOO_KEY" in found["channel woo: credentials"]
        assert found["channel shop: credentials"].startswith("ok")
        assert found["slack"] == "skip  slack: SLACK_BOT_TOKEN is not set"
        assert not (tmp_path / "absent.db").exists()

    def test_no_channels_is_said_not_failed(
        self, env: dict[str, str | None], tmp_path: Path
    ) -> None:
        """A channels file without channels is a skip that says how to write one."""
        empty = tmp_path / "empty.toml"
        empty.write_text('locations = ["main"]\n', encoding="utf-8")
        env |= {"SYNCBOT_CONFIG": str(empty), "SLACK_BOT_TOKEN": None, "SLACK_SIGNING_SECRET": None}
        found = lines(doctor(env))
        assert found["channels"].startswith("skip  channels: none declared in ")
        assert "`syncbot init` writes one" in found["channels"]

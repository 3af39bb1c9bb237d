"""`syncbot channels subscribe|unsubscribe` against Shopify, WooCommerce and BigCommerce on respx.

Each storefront is a small stateful fake of its webhook API, in the shapes the vendors
document: Shopify's webhookSubscriptions / webhookSubscriptionCreate / Update / Delete
(validated against the Admin schema in test_shopify_documents.py), WooCommerce's
`/wp-json/wc/v3/webhooks` and BigCommerce's `/v3/hooks`.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from typer.testing import CliRunner, Result

from connectors.shopify.subscriptions import (
    WEBHOOK_SUBSCRIPTION_CREATE,
    WEBHOOK_SUBSCRIPTION_DELETE,
    WEBHOOK_SUBSCRIPTION_UPDATE,
    WEBHOOK_SUBSCRIPTIONS,
)
from syncbot.cli.main import app

SHOP = "setup-test.myshopify.com"
SHOPIFY_URL = f"https://{SHOP}/admin/api/2026-10/graphql.json"
WOO_URL = "https://woo.example.com/wp-json/wc/v3"
BC_URL = "https://api.bigcommerce.com/stores/abc123/v3/hooks"
PUBLIC = "https://stock.example.com"

CHANNELS_FILE = f"""locations = ["main"]

[[channels]]
name = "shop"
kind = "shopify"
shop = "{SHOP}"
access_token_env = "SETUP_SHOP_TOKEN"
webhook_secret_env = "SETUP_SHOP_SECRET"

[[channels]]
name = "woo"
kind = "woocommerce"
url = "https://woo.example.com"
consumer_key_env = "SETUP_WOO_KEY"
consumer_secret_env = "SETUP_WOO_SECRET"
webhook_secret_env = "SETUP_WOO_HOOK"

[[channels]]
name = "bc"
kind = "bigcommerce"
store_hash = "abc123"
access_token_env = "SETUP_BC_TOKEN"
client_secret_env = "SETUP_BC_SECRET"
webhook_header = "X-Syncbot-Webhook"
webhook_header_value_env = "SETUP_BC_HEADER"

[[channels]]
name = "dummy"
kind = "fake"
webhook_secret_env = "SETUP_SHOP_SECRET"
"""

SHOPIFY_TOPICS = {
    "orders/create",
    "orders/updated",
    "orders/paid",
    "orders/cancelled",
    "orders/fulfilled",
    "orders/partially_fulfilled",
    "orders/edited",
    "refunds/create",
    "returns/process",
    "returns/close",
}
WOO_TOPICS = {"order.created", "order.updated", "order.deleted", "order.restored"}
BC_TOPICS = {
    "store/order/created",
    "store/order/updated",
    "store/order/statusUpdated",
    "store/order/refund/created",
}


@dataclass
class Hooks:
    """One storefront's webhooks by id, and the writes made to them."""

    rows: dict[str, dict[str, Any]] = field(default_factory=dict)
    writes: list[str] = field(default_factory=list)
    ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def add(self, **row: Any) -> str:
        key = str(next(self.ids))
        self.rows[key] = {"id": key, **row}
        return key


class ShopifyHooks(Hooks):
    refusal: str | None = None
    """When set, webhookSubscriptionCreate answers this userError."""

    def handle(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        query, variables = body["query"], body.get("variables") or {}
        if query == WEBHOOK_SUBSCRIPTIONS:
            nodes = [self.node(row) for row in self.rows.values()]
            page = {"pageInfo": {"hasNextPage": False, "endCursor": None}, "nodes": nodes}
            return self.answer({"webhookSubscriptions": page})
        self.writes.append(query.split("(")[0].split()[-1])
        if query == WEBHOOK_SUBSCRIPTION_CREATE and self.refusal:
            error = {"field": ["webhookSubscription", "uri"], "message": self.refusal}
            payload = {"webhookSubscription": None, "userErrors": [error]}
            return self.answer({"webhookSubscriptionCreate": payload})
        if query == WEBHOOK_SUBSCRIPTION_CREATE:
            uri = variables["webhookSubscription"]["uri"]
            key = self.add(topic=variables["topic"], uri=uri)
            return self.answer({"webhookSubscriptionCreate": self.payload(key)})
        if query == WEBHOOK_SUBSCRIPTION_UPDATE:
            key = variables["id"].rsplit("/", 1)[-1]
            self.rows[key]["uri"] = variables["webhookSubscription"]["uri"]
            return self.answer({"webhookSubscriptionUpdate": self.payload(key)})
        assert query == WEBHOOK_SUBSCRIPTION_DELETE
        key = variables["id"].rsplit("/", 1)[-1]
        del self.rows[key]
        deleted = {"deletedWebhookSubscriptionId": variables["id"], "userErrors": []}
        return self.answer({"webhookSubscriptionDelete": deleted})

    def node(self, row: dict[str, Any]) -> dict[str, Any]:
        gid = f"gid://shopify/WebhookSubscription/{row['id']}"
        return {"id": gid, "topic": row["topic"], "uri": row["uri"]}

    def payload(self, key: str) -> dict[str, Any]:
        return {"webhookSubscription": self.node(self.rows[key]), "userErrors": []}

    def answer(self, data: dict[str, Any]) -> httpx.Response:
        status = {"maximumAvailable": 2000, "currentlyAvailable": 1990, "restoreRate": 100}
        cost = {"requestedQueryCost": 12, "throttleStatus": status}
        return httpx.Response(200, json={"data": data, "extensions": {"cost": cost}})

    def topics(self) -> dict[str, str]:
        """topic (as delivered) → address."""
        return {row["topic"].lower().replace("_", "/", 1): row["uri"] for row in self.rows.values()}


class WooHooks(Hooks):
    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/wp-json/wc/v3")
        if request.method == "GET":
            return httpx.Response(
                200, json=list(self.rows.values()), headers={"X-WP-TotalPages": "1"}
            )
        self.writes.append(request.method)
        if request.method == "POST":
            change = json.loads(request.content)
            return httpx.Response(201, json=self.rows[self.add(**change)])
        key = path.rsplit("/", 1)[-1]
        if request.method == "PUT":
            self.rows[key].update(json.loads(request.content))
            return httpx.Response(200, json=self.rows[key])
        assert request.url.params.get("force") == "true"
        return httpx.Response(200, json=self.rows.pop(key))


class BigCommerceHooks(Hooks):
    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            pagination = {"total": len(self.rows), "current_page": 1, "total_pages": 1}
            return httpx.Response(
                200, json={"data": list(self.rows.values()), "meta": {"pagination": pagination}}
            )
        self.writes.append(request.method)
        if request.method == "POST":
            change = json.loads(request.content)
            return httpx.Response(200, json={"data": self.rows[self.add(**change)], "meta": {}})
        key = request.url.path.rsplit("/", 1)[-1]
        if request.method == "PUT":
            self.rows[key].update(json.loads(request.content))
            return httpx.Response(200, json={"data": self.rows[key], "meta": {}})
        return httpx.Response(200, json={"data": self.rows.pop(key), "meta": {}})


@dataclass
class Storefronts:
    shopify: ShopifyHooks
    woo: WooHooks
    bc: BigCommerceHooks
    env: dict[str, str | None]

    def cli(self, *args: str) -> Result:
        return CliRunner().invoke(app, list(args), env=self.env, prog_name="syncbot")

    def ok(self, *args: str) -> list[str]:
        result = self.cli(*args)
        assert result.exit_code == 0, result.output
        return result.output.splitlines()


@pytest.fixture
def storefronts(tmp_path: Path) -> Iterator[Storefronts]:
    config = tmp_path / "syncbot.toml"
    config.write_text(CHANNELS_FILE, encoding="utf-8")
    env: dict[str, str | None] = {
        "SYNCBOT_DATABASE_URL": f"sqlite://{tmp_path}/unused.db",
        "SYNCBOT_CONFIG": str(config),
        "SYNCBOT_PUBLIC_URL": None,
        "SYNCBOT_LOG_LEVEL": None,
        "FORCE_COLOR": None,
        # Dummies for tests.
        "SETUP_SHOP_TOKEN": "shpat_dummy_setup",
        "SETUP_SHOP_SECRET": "dummy-shop-secret",
        "SETUP_WOO_KEY": "ck_dummy",
        "SETUP_WOO_SECRET": "cs_dummy",
        "SETUP_WOO_HOOK": "dummy-woo-hook-secret",
        "SETUP_BC_TOKEN": "dummy-bc-token",
        "SETUP_BC_SECRET": "dummy-bc-secret",
        "SETUP_BC_HEADER": "dummy-bc-header",
    }
    fronts = Storefronts(ShopifyHooks(), WooHooks(), BigCommerceHooks(), env)
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        router.post(SHOPIFY_URL).mock(side_effect=fronts.shopify.handle)
        router.route(url__startswith=f"{WOO_URL}/webhooks").mock(side_effect=fronts.woo.handle)
        router.route(url__startswith=BC_URL).mock(side_effect=fronts.bc.handle)
        yield fronts


class TestShopify:
    def test_subscribe_creates_every_topic_the_connector_reads(
        self, storefronts: Storefronts
    ) -> None:
        """One webhookSubscriptionCreate per topic, each to /webhooks/shop."""
        lines = storefronts.ok("channels", "subscribe", "shop", "--url", PUBLIC)
        assert len(lines) == len(SHOPIFY_TOPICS)
        assert all(": created (https://stock.example.com/webhooks/shop)" in line for line in lines)
        topics = storefronts.shopify.topics()
        assert set(topics) == SHOPIFY_TOPICS
        assert set(topics.values()) == {f"{PUBLIC}/webhooks/shop"}

    def test_a_second_run_creates_nothing(self, storefronts: Storefronts) -> None:
        """Idempotent: the second run lists, finds every topic, writes nothing."""
        storefronts.ok("channels", "subscribe", "shop", "--url", PUBLIC)
        writes = len(storefronts.shopify.writes)
        lines = storefronts.ok("channels", "subscribe", "shop", "--url", PUBLIC + "/")
        assert len(storefronts.shopify.writes) == writes
        assert all(": exists" in line for line in lines)

    def test_a_wrong_address_is_fixed_in_place(self, storefronts: Storefronts) -> None:
        """A subscription to an old host is updated, not duplicated; a duplicate is removed."""
        hooks = storefronts.shopify
        hooks.add(topic="ORDERS_CREATE", uri="https://old.example.com/webhooks/shop")
        hooks.add(topic="REFUNDS_CREATE", uri=f"{PUBLIC}/webhooks/shop")
        hooks.add(topic="REFUNDS_CREATE", uri="https://old.example.com/webhooks/shop")
        lines = storefronts.ok("channels", "subscribe", "shop", "--url", PUBLIC)
        assert (
            "shop: orders/create: fixed (https://old.example.com/webhooks/shop → "
            "https://stock.example.com/webhooks/shop)"
        ) in lines
        assert any(line.startswith("shop: refunds/create: exists") for line in lines)
        assert "WebhookSubscriptionUpdate" in hooks.writes
        assert len(hooks.rows) == len(SHOPIFY_TOPICS)
        assert set(hooks.topics().values()) == {f"{PUBLIC}/webhooks/shop"}

    def test_unsubscribe_removes_them_all(self, storefronts: Storefronts) -> None:
        """After unsubscribe the app holds no subscription; a second run says so."""
        storefronts.ok("channels", "subscribe", "shop", "--url", PUBLIC)
        lines = storefronts.ok("channels", "unsubscribe", "shop")
        assert len(lines) == len(SHOPIFY_TOPICS)
        assert storefronts.shopify.rows == {}
        assert storefronts.ok("channels", "unsubscribe", "shop") == [
            "shop: no syncbot webhooks to remove"
        ]

    def test_a_refused_subscription_is_one_line(self, storefronts: Storefronts) -> None:
        """Shopify's userErrors reach the merchant as one line, exit 1."""

        storefronts.shopify.refusal = "Address is invalid"
        result = storefronts.cli("channels", "subscribe", "shop", "--url", PUBLIC)
        assert result.exit_code == 1
        assert "Address is invalid" in result.output
        assert "shpat_dummy_setup" not in result.output


class TestWooCommerce:
    def test_subscribe_twice_creates_once_with_the_secret(self, storefronts: Storefronts) -> None:
        """Four order webhooks, active, signed with the channel's secret; then nothing."""
        storefronts.ok("channels", "subscribe", "woo", "--url", PUBLIC)
        rows = list(storefronts.woo.rows.values())
        assert {row["topic"] for row in rows} == WOO_TOPICS
        assert {row["delivery_url"] for row in rows} == {f"{PUBLIC}/webhooks/woo"}
        assert {row["secret"] for row in rows} == {"dummy-woo-hook-secret"}
        assert {row["status"] for row in rows} == {"active"}
        writes = len(storefronts.woo.writes)
        lines = storefronts.ok("channels", "subscribe", "woo", "--url", PUBLIC)
        assert len(storefronts.woo.writes) == writes
        assert all(": exists" in line for line in lines)

    def test_a_disabled_or_moved_webhook_is_fixed(self, storefronts: Storefronts) -> None:
        """WooCommerce disables failing webhooks: PUT makes it active at the right address."""
        woo = storefronts.woo
        key = woo.add(
            name="syncbot woo order.created",
            topic="order.created",
            delivery_url="https://old.example.com/webhooks/woo",
            status="disabled",
        )
        lines = storefronts.ok("channels", "subscribe", "woo", "--url", PUBLIC)
        assert any("order.created: fixed" in line for line in lines)
        assert woo.rows[key]["status"] == "active"
        assert woo.rows[key]["delivery_url"] == f"{PUBLIC}/webhooks/woo"
        assert len(woo.rows) == len(WOO_TOPICS)

    def test_unsubscribe_leaves_other_webhooks_alone(self, storefronts: Storefronts) -> None:
        """A webhook another plugin made is not syncbot's: it stays."""
        woo = storefronts.woo
        other = woo.add(
            name="Zapier", topic="order.created", delivery_url="https://hooks.zapier.com/1"
        )
        storefronts.ok("channels", "subscribe", "woo", "--url", PUBLIC)
        assert other in woo.rows
        assert len(woo.rows) == len(WOO_TOPICS) + 1
        storefronts.ok("channels", "unsubscribe", "woo")
        assert list(woo.rows) == [other]


class TestBigCommerce:
    def test_subscribe_twice_creates_once_with_the_header(self, storefronts: Storefronts) -> None:
        """Four order scopes, with the channel's check header; a second run writes nothing."""
        storefronts.ok("channels", "subscribe", "bc", "--url", PUBLIC)
        rows = list(storefronts.bc.rows.values())
        assert {row["scope"] for row in rows} == BC_TOPICS
        assert {row["destination"] for row in rows} == {f"{PUBLIC}/webhooks/bc"}
        assert all(row["headers"] == {"X-Syncbot-Webhook": "dummy-bc-header"} for row in rows)
        writes = len(storefronts.bc.writes)
        storefronts.ok("channels", "subscribe", "bc", "--url", PUBLIC)
        assert len(storefronts.bc.writes) == writes

    def test_a_wrong_destination_is_fixed_and_unsubscribe_deletes(
        self, storefronts: Storefronts
    ) -> None:
        """PUT /v3/hooks/{id} points it back; unsubscribe deletes every hook."""
        bc = storefronts.bc
        key = bc.add(
            scope="store/order/created", destination="https://x.example/h", is_active=False
        )
        lines = storefronts.ok("channels", "subscribe", "bc", "--url", PUBLIC)
        assert (
            "bc: store/order/created: fixed (https://x.example/h, inactive → "
            in lines[sorted(BC_TOPICS).index("store/order/created")]
        )
        assert bc.rows[key]["destination"] == f"{PUBLIC}/webhooks/bc"
        assert bc.rows[key]["is_active"] is True
        storefronts.ok("channels", "unsubscribe", "bc")
        assert bc.rows == {}


class TestRefusals:
    def test_an_http_address_is_refused_before_any_call(self, storefronts: Storefronts) -> None:
        """Storefronts deliver over https only: refused with exit 2, nothing written."""
        result = storefronts.cli("channels", "subscribe", "shop", "--url", "http://stock.example")
        assert result.exit_code == 2
        assert "not an https URL" in result.output
        assert storefronts.shopify.writes == []

    def test_no_address_at_all_says_how_to_give_one(self, storefronts: Storefronts) -> None:
        """Without --url or SYNCBOT_PUBLIC_URL, one line names both."""
        result = storefronts.cli("channels", "subscribe", "shop")
        assert result.exit_code == 2
        assert "SYNCBOT_PUBLIC_URL" in result.output

    def test_the_public_url_setting_is_the_default(self, storefronts: Storefronts) -> None:
        """SYNCBOT_PUBLIC_URL stands in for --url."""
        storefronts.env["SYNCBOT_PUBLIC_URL"] = PUBLIC
        storefronts.ok("channels", "subscribe", "woo")
        assert len(storefronts.woo.rows) == len(WOO_TOPICS)

    def test_a_fake_channel_has_nothing_to_subscribe(self, storefronts: Storefronts) -> None:
        """The fake registers no webhooks: a clear line, exit 2."""
        result = storefronts.cli("channels", "subscribe", "dummy", "--url", PUBLIC)
        assert result.exit_code == 2
        assert "registers no webhooks" in result.output

    def test_an_unknown_channel_is_named(self, storefronts: Storefronts) -> None:
        result = storefronts.cli("channels", "unsubscribe", "nope")
        assert result.exit_code == 2
        assert "no channel named 'nope'" in result.output

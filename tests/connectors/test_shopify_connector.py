"""The Shopify connector against a mocked Admin API: verify, parse, catch-up, listings, levels."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import respx
from shopify_payloads import (
    EAST_LOCATION,
    MAIN_LOCATION,
    SHOP,
    AdminApi,
    Fulfillment,
    Line,
    Order,
    Refund,
    graphql_order,
    rest_order,
)

from connectors.base import (
    ConnectorError,
    IgnoredDelivery,
    InvalidSignature,
    LevelChange,
    Listing,
    MalformedDelivery,
    NotOnStore,
    PushOutcome,
)
from connectors.shopify.admin import ShopifyAdmin
from connectors.shopify.connector import ShopifyConnector, push_key
from connectors.shopify.documents import (
    INVENTORY_LEVELS,
    INVENTORY_SET_QUANTITIES,
    ORDERS_PAGE_SIZE,
    ORDERS_UPDATED_SINCE,
    PRODUCT_VARIANTS,
)
from connectors.shopify.documents import (
    SHOP as SHOP_QUERY,
)
from connectors.shopify.orders import ORDER, RETURN, LocationMap, OrderTooLarge
from connectors.shopify.webhooks import sign
from syncbot.ledger.orders import Disposition, OrderReturn, OrderSnapshot

URL = f"https://{SHOP}/admin/api/2026-10/graphql.json"
TOKEN = "shpat_dummy_connector_token_0000"  # a dummy for tests
SECRET = "dummy-webhook-secret"  # a dummy for tests
PLACES = LocationMap({str(MAIN_LOCATION): "main", str(EAST_LOCATION): "east"}, default="main")
ORDER_ID = 820982911946154508


class Sleeps(list[float]):
    async def __call__(self, seconds: float) -> None:
        self.append(seconds)
        await asyncio.sleep(0)


@pytest.fixture
def api() -> Iterator[AdminApi]:
    fake = AdminApi()
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        router.post(URL).mock(side_effect=fake)
        yield fake


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
async def connector(sleeps: Sleeps) -> AsyncIterator[ShopifyConnector]:
    async with httpx.AsyncClient() as http:
        admin = ShopifyAdmin(http, shop=SHOP, access_token=TOKEN, sleep=sleeps)
        yield ShopifyConnector(
            "shop",
            admin,
            webhook_secret=SECRET,
            locations=PLACES,
            inventory_location=str(MAIN_LOCATION),
        )


def delivery_headers(body: bytes, topic: str = "orders/create", **extra: str) -> dict[str, str]:
    """The headers Shopify sends with a webhook, signed over these exact bytes."""
    return {
        "X-Shopify-Hmac-Sha256": sign(body, SECRET),
        "X-Shopify-Topic": topic,
        "X-Shopify-Shop-Domain": SHOP,
        "X-Shopify-Event-Id": "e6bd0a4c-2a5b-4b8e-9c87-2f3f2d1c0b11",
        "X-Shopify-Webhook-Id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
        "X-Shopify-Triggered-At": "2026-11-01T12:00:01.123456789Z",
        "X-Shopify-API-Version": "2026-10",
        "Content-Type": "application/json",
        **extra,
    }


def an_order(**changes: Any) -> Order:
    order = Order(ORDER_ID, "2026-11-01T08:00:00-04:00", [Line(466157049, "MUG-1", 3)])
    for name, value in changes.items():
        setattr(order, name, value)
    return order


class TestCheck:
    async def test_check_names_the_shop_and_its_scopes(
        self, connector: ShopifyConnector, api: AdminApi
    ) -> None:
        """check() runs SHOP and reports the shop, its domain, and a scope it lacks."""
        scopes = ["read_orders", "read_products", "write_inventory"]
        api.on(
            SHOP_QUERY,
            {
                "shop": {"name": "Example", "myshopifyDomain": SHOP},
                "currentAppInstallation": {"accessScopes": [{"handle": h} for h in scopes]},
            },
        )
        assert await connector.check() == (
            f"shop Example ({SHOP}), scopes: read_orders, read_products, write_inventory; "
            "missing: read_returns"
        )

    async def test_a_refused_token_is_a_connector_error(self, connector: ShopifyConnector) -> None:
        """HTTP 401 surfaces as a ConnectorError (ShopifyAuthError) without the token."""
        with respx.mock() as router:
            router.post(URL).mock(return_value=httpx.Response(401, json={"errors": "Invalid"}))
            with pytest.raises(ConnectorError, match="access token is wrong") as caught:
                await connector.check()

        assert TOKEN not in str(caught.value)


class TestVerify:
    def test_a_signed_delivery_keeps_its_event_id_topic_and_headers(
        self, connector: ShopifyConnector
    ) -> None:
        """The event id dedupes; the kept headers are Shopify's, never the signature."""
        body = json.dumps(rest_order(an_order())).encode()

        delivery = connector.verify(body, delivery_headers(body))

        assert delivery.event_id == "e6bd0a4c-2a5b-4b8e-9c87-2f3f2d1c0b11"
        assert delivery.topic == "orders/create"
        assert set(delivery.headers) == {
            "X-Shopify-Topic",
            "X-Shopify-Shop-Domain",
            "X-Shopify-Event-Id",
            "X-Shopify-Webhook-Id",
            "X-Shopify-Triggered-At",
            "X-Shopify-API-Version",
        }

    def test_lower_case_headers_are_read_too(self, connector: ShopifyConnector) -> None:
        """HTTP header names ignore case (ASGI servers hand them over in lower case)."""
        body = b"{}"
        headers = {name.lower(): value for name, value in delivery_headers(body).items()}
        assert connector.verify(body, headers).topic == "orders/create"

    @pytest.mark.parametrize("signature", [None, "", "bm90IHRoZSBzaWduYXR1cmU="])
    def test_a_missing_or_wrong_signature_is_refused(
        self, connector: ShopifyConnector, signature: str | None
    ) -> None:
        """No X-Shopify-Hmac-Sha256, or one that does not match the raw body: 401."""
        headers = delivery_headers(b"{}")
        del headers["X-Shopify-Hmac-Sha256"]
        if signature is not None:
            headers["X-Shopify-Hmac-Sha256"] = signature
        with pytest.raises(InvalidSignature):
            connector.verify(b"{}", headers)

    def test_a_body_changed_after_signing_is_refused(self, connector: ShopifyConnector) -> None:
        """The signature covers the raw bytes: one changed byte fails it."""
        headers = delivery_headers(b'{"id": 1}')
        with pytest.raises(InvalidSignature):
            connector.verify(b'{"id": 2}', headers)

    async def test_a_signed_body_that_is_not_json_is_kept_and_closed_by_parse(
        self, connector: ShopifyConnector
    ) -> None:
        """Signed but unreadable: accepted (a 400 would make Shopify drop the hook), and
        parse closes it with the reason."""
        delivery = connector.verify(b"{not json", delivery_headers(b"{not json"))
        with pytest.raises(MalformedDelivery, match="not JSON"):
            await connector.parse(delivery, b"{not json")

    def test_a_delivery_without_an_event_id_dedupes_on_its_webhook_id(
        self, connector: ShopifyConnector
    ) -> None:
        """Without X-Shopify-Event-Id, X-Shopify-Webhook-Id (the same on every retry)."""
        headers = delivery_headers(b"{}")
        del headers["X-Shopify-Event-Id"]
        delivery = connector.verify(b"{}", headers)
        assert delivery.event_id == "webhook:b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"

    def test_a_delivery_with_no_id_at_all_dedupes_on_a_digest(
        self, connector: ShopifyConnector
    ) -> None:
        """No event id, no webhook id: a digest of topic and body, never a refusal."""
        headers = delivery_headers(b"{}")
        del headers["X-Shopify-Event-Id"], headers["X-Shopify-Webhook-Id"]
        first, again = connector.verify(b"{}", headers), connector.verify(b"{}", dict(headers))
        assert first.event_id.startswith("sha256:")
        assert first.event_id == again.event_id

    async def test_a_delivery_without_a_topic_is_kept_and_closed_with_a_reason(
        self, connector: ShopifyConnector
    ) -> None:
        """No topic header: stored, and parse says why it cannot be read."""
        headers = delivery_headers(b"{}")
        del headers["X-Shopify-Topic"]
        delivery = connector.verify(b"{}", headers)
        assert delivery.topic == ""
        with pytest.raises(MalformedDelivery, match="no X-Shopify-Topic"):
            await connector.parse(delivery, b"{}")

    def test_the_newer_header_names_without_x_are_read(self, connector: ShopifyConnector) -> None:
        """Events deliveries send Shopify-Hmac-Sha256, Shopify-Topic, Shopify-Webhook-Id."""
        headers = {
            "Shopify-Hmac-Sha256": sign(b"{}", SECRET),
            "Shopify-Topic": "orders/updated",
            "Shopify-Webhook-Id": "w-1",
            "Shopify-Shop-Domain": SHOP,
        }
        delivery = connector.verify(b"{}", headers)
        assert (delivery.event_id, delivery.topic) == ("webhook:w-1", "orders/updated")
        assert delivery.headers["X-Shopify-Webhook-Id"] == "w-1"

    def test_an_over_long_topic_is_cut_to_what_the_inbox_holds(
        self, connector: ShopifyConnector
    ) -> None:
        """A topic over 128 characters is cut (no real topic is that long), never a 500."""
        delivery = connector.verify(b"{}", delivery_headers(b"{}", "orders/" + "x" * 300))
        assert len(delivery.topic) == 128

    def test_a_delivery_for_another_shop_is_ignored(self, connector: ShopifyConnector) -> None:
        """One app secret signs for every shop it is installed on: another shop's delivery
        is answered 200 and kept out of this channel."""
        headers = delivery_headers(b"{}", **{"X-Shopify-Shop-Domain": "other.myshopify.com"})
        with pytest.raises(IgnoredDelivery, match=r"other\.myshopify\.com"):
            connector.verify(b"{}", headers)


class TestParse:
    async def parse(self, connector: ShopifyConnector, topic: str, document: Any) -> list[Any]:
        body = json.dumps(document).encode()
        delivery = connector.verify(body, delivery_headers(body, topic))
        return list(await connector.parse(delivery, body))

    async def test_an_unhandled_topic_is_no_event(self, connector: ShopifyConnector) -> None:
        """customers/create and the like parse to nothing (intake counts them ignored)."""
        assert await self.parse(connector, "customers/create", {"id": 1}) == []
        assert await self.parse(connector, "returns/request", {"id": 1}) == []

    async def test_an_order_topic_is_its_snapshot(self, connector: ShopifyConnector) -> None:
        """orders/paid carries the whole order: one snapshot, no API call."""
        (snapshot,) = await self.parse(connector, "orders/paid", rest_order(an_order()))
        assert isinstance(snapshot, OrderSnapshot)
        assert snapshot.order_id == str(ORDER_ID)

    async def test_a_payload_missing_required_fields_is_malformed(
        self, connector: ShopifyConnector
    ) -> None:
        """An order with no line item ids is MalformedDelivery, with a clear message."""
        order = rest_order(an_order())
        del order["line_items"][0]["id"]
        with pytest.raises(MalformedDelivery, match="'id'"):
            await self.parse(connector, "orders/updated", order)

    async def test_orders_edited_reads_the_order_through_the_admin_api(
        self, connector: ShopifyConnector, api: AdminApi
    ) -> None:
        """orders/edited carries an order edit, not an order: ORDER is read by its id."""
        edited = an_order(updated_at="2026-11-01T10:00:00-04:00")
        edited.lines = [Line(466157049, "MUG-1", 3, current=1)]
        api.on(ORDER, {"order": graphql_order(edited, read_alone=True)})
        edit = {
            "order_edit": {
                "id": 78912328,
                "app_id": None,
                "created_at": "2026-11-01T09:59:00-04:00",
                "committed_at": "2026-11-01T10:00:00-04:00",
                "notify_customer": False,
                "order_id": ORDER_ID,
                "staff_note": "",
                "user_id": None,
                "line_items": {"additions": [], "removals": [{"id": 466157049, "delta": 2}]},
                "discounts": {"line_item": {"additions": [], "removals": []}},
                "shipping_lines": {"additions": [], "removals": []},
            }
        }

        (snapshot,) = await self.parse(connector, "orders/edited", edit)

        assert api.variables(ORDER) == [{"id": f"gid://shopify/Order/{ORDER_ID}"}]
        assert isinstance(snapshot, OrderSnapshot)
        assert snapshot.lines[0].current == 1

    async def test_an_order_too_big_to_read_whole_is_refused(
        self, connector: ShopifyConnector, api: AdminApi
    ) -> None:
        """An order with more lines than ORDER reads is not reconciled from half of it."""
        node = graphql_order(an_order(), read_alone=True)
        node["lineItems"]["pageInfo"]["hasNextPage"] = True
        api.on(ORDER, {"order": node})
        with pytest.raises(OrderTooLarge, match="reconcile it by hand"):
            await self.parse(connector, "orders/edited", {"order_edit": {"order_id": ORDER_ID}})

    async def test_an_edit_of_an_order_not_found_says_so(
        self, connector: ShopifyConnector, api: AdminApi
    ) -> None:
        """ORDER answers order: null (deleted, or no read_orders): NotOnStore, with why."""
        api.on(ORDER, {"order": None})
        edit = {"order_edit": {"id": 78912328, "order_id": ORDER_ID}}
        message = (
            f"order {ORDER_ID} not found on the store: deleted, or the token lacks read_orders"
        )
        with pytest.raises(NotOnStore, match=message):
            await self.parse(connector, "orders/edited", edit)

    async def test_a_closed_return_not_found_says_so(
        self, connector: ShopifyConnector, api: AdminApi
    ) -> None:
        """RETURN answers return: null: NotOnStore names the return and the scope."""
        api.on(RETURN, {"return": None})
        with pytest.raises(NotOnStore, match=r"return 55001 not found.*read_returns"):
            await self.parse(connector, "returns/close", {"id": 55001, "status": "closed"})

    async def test_a_return_topic_without_the_return_id_is_malformed(
        self, connector: ShopifyConnector
    ) -> None:
        """returns/close names the return it closes; without it there is nothing to read."""
        with pytest.raises(MalformedDelivery, match="return's id"):
            await self.parse(connector, "returns/close", {"status": "closed"})

    async def test_a_processed_return_reads_its_dispositions(
        self, connector: ShopifyConnector, api: AdminApi
    ) -> None:
        """returns/process names the return only: RETURN reads its dispositions."""
        api.on(RETURN, {"return": _return_node()})
        body = {
            "id": 55001,
            "admin_graphql_api_id": "gid://shopify/Return/55001",
            "status": "closed",
            "order": {"id": ORDER_ID, "admin_graphql_api_id": f"gid://shopify/Order/{ORDER_ID}"},
        }

        (event,) = await self.parse(connector, "returns/process", body)

        assert api.variables(RETURN) == [{"id": "gid://shopify/Return/55001"}]
        assert isinstance(event, OrderReturn)
        assert [(line.disposition, line.location) for line in event.lines] == [
            (Disposition.RESTOCK, "east"),
            (Disposition.DAMAGED, "east"),
        ]


def _return_node() -> dict[str, Any]:
    def disposition(number: int, kind: str) -> dict[str, Any]:
        return {
            "id": f"gid://shopify/ReverseFulfillmentOrderDisposition/{number}",
            "type": kind,
            "quantity": 1,
            "location": {"id": f"gid://shopify/Location/{EAST_LOCATION}"},
        }

    return {
        "id": "gid://shopify/Return/55001",
        "order": {"id": f"gid://shopify/Order/{ORDER_ID}"},
        "reverseFulfillmentOrders": {
            "pageInfo": {"hasNextPage": False},
            "nodes": [
                {
                    "lineItems": {
                        "pageInfo": {"hasNextPage": False},
                        "nodes": [
                            {
                                "dispositions": [
                                    disposition(1, "RESTOCKED"),
                                    disposition(2, "NOT_RESTOCKED"),
                                ],
                                "fulfillmentLineItem": {
                                    "lineItem": {
                                        "id": "gid://shopify/LineItem/466157049",
                                        "sku": "MUG-1",
                                    }
                                },
                            }
                        ],
                    }
                }
            ],
        },
    }


def orders_page(orders: list[Order], *, next_cursor: str | None) -> dict[str, Any]:
    return {
        "orders": {
            "pageInfo": {"hasNextPage": next_cursor is not None, "endCursor": next_cursor},
            "nodes": [graphql_order(order) for order in orders],
        }
    }


class TestCatchUp:
    async def test_catch_up_pages_through_orders_and_moves_the_cursor(
        self, connector: ShopifyConnector, api: AdminApi
    ) -> None:
        """Two pages: the filter starts at the cursor, the second page follows endCursor,
        and each page's cursor is the newest updatedAt seen."""
        first = [an_order(id=1001 + n, updated_at=f"2026-11-02T0{n}:00:00Z") for n in range(2)]
        second = [an_order(id=1003, updated_at="2026-11-02T05:00:00Z")]
        api.on(
            ORDERS_UPDATED_SINCE,
            orders_page(first, next_cursor="eyJsYXN0X2lkIjoxMDAyfQ=="),
            orders_page(second, next_cursor=None),
        )
        since = datetime(2026, 11, 1, 23, 59, tzinfo=UTC)

        pages = [page async for page in connector.orders_since(since)]

        assert [page.cursor for page in pages] == [
            datetime(2026, 11, 2, 1, tzinfo=UTC),
            datetime(2026, 11, 2, 5, tzinfo=UTC),
        ]
        assert [[e.order_id for e in page.events] for page in pages] == [["1001", "1002"], ["1003"]]
        assert api.variables(ORDERS_UPDATED_SINCE) == [
            {
                "first": ORDERS_PAGE_SIZE,
                "after": None,
                "query": "updated_at:>='2026-11-01T23:59:00Z'",
            },
            {
                "first": ORDERS_PAGE_SIZE,
                "after": "eyJsYXN0X2lkIjoxMDAyfQ==",
                "query": "updated_at:>='2026-11-01T23:59:00Z'",
            },
        ]

    async def test_a_first_catch_up_without_a_cursor_reads_every_visible_order(
        self, connector: ShopifyConnector, api: AdminApi
    ) -> None:
        """No cursor yet: no filter (Shopify shows 60 days without read_all_orders);
        an empty answer leaves the cursor where it was."""
        api.on(ORDERS_UPDATED_SINCE, orders_page([], next_cursor=None))

        (page,) = [page async for page in connector.orders_since(None)]

        assert (page.events, page.cursor) == ([], None)
        assert api.variables(ORDERS_UPDATED_SINCE)[0]["query"] == ""

    async def test_an_order_that_may_not_fit_its_page_is_read_alone(
        self, connector: ShopifyConnector, api: AdminApi
    ) -> None:
        """Three fulfillments fill the page's list: ORDER reads the order whole instead."""
        busy = an_order(
            fulfillments=[
                Fulfillment(4200 + n, "2026-11-01T09:00:00-04:00", [(466157049, 1)])
                for n in range(3)
            ]
        )
        api.on(ORDERS_UPDATED_SINCE, orders_page([busy], next_cursor=None))
        api.on(ORDER, {"order": graphql_order(busy, read_alone=True)})

        (page,) = [page async for page in connector.orders_since(None)]

        assert api.variables(ORDER) == [{"id": f"gid://shopify/Order/{ORDER_ID}"}]
        (snapshot,) = page.events
        assert isinstance(snapshot, OrderSnapshot)
        assert snapshot.lines[0].fulfilled == 3

    async def test_a_refund_attached_to_a_return_reads_the_return(
        self, connector: ShopifyConnector, api: AdminApi
    ) -> None:
        """A missed returns/process webhook is recovered: catch-up reads the return's
        dispositions for every refund attached to one."""
        returned = an_order(
            refunds=[Refund(9001, "2026-11-01T10:00:00-04:00", [], return_id=55001)]
        )
        api.on(ORDERS_UPDATED_SINCE, orders_page([returned], next_cursor=None))
        api.on(RETURN, {"return": _return_node()})

        (page,) = [page async for page in connector.orders_since(None)]

        assert api.variables(RETURN) == [{"id": "gid://shopify/Return/55001"}]
        restocked = [e for e in page.events if isinstance(e, OrderReturn) and e.lines]
        assert [line.disposition for line in restocked[-1].lines] == [
            Disposition.RESTOCK,
            Disposition.DAMAGED,
        ]


class TestListings:
    async def test_listings_page_through_variants_and_keep_duplicate_skus(
        self, connector: ShopifyConnector, api: AdminApi
    ) -> None:
        """Every variant is a listing (variant id, inventory item id); a SKU listed twice
        comes back twice, for discovery to report; a variant without SKU has sku ""."""

        def variant(number: int, sku: str | None) -> dict[str, Any]:
            return {
                "id": f"gid://shopify/ProductVariant/{number}",
                "sku": sku,
                "title": "Default Title",
                "inventoryItem": {
                    "id": f"gid://shopify/InventoryItem/{number + 1000}",
                    "tracked": True,
                },
                "product": {"title": "Blue mug"},
            }

        api.on(
            PRODUCT_VARIANTS,
            {
                "productVariants": {
                    "pageInfo": {"hasNextPage": True, "endCursor": "c1"},
                    "nodes": [variant(1, "MUG-1"), variant(2, "MUG-1")],
                }
            },
            {
                "productVariants": {
                    "pageInfo": {"hasNextPage": False, "endCursor": "c2"},
                    "nodes": [variant(3, None)],
                }
            },
        )

        found = await connector.listings()

        assert found == [
            Listing("MUG-1", "gid://shopify/ProductVariant/1", "gid://shopify/InventoryItem/1001"),
            Listing("MUG-1", "gid://shopify/ProductVariant/2", "gid://shopify/InventoryItem/1002"),
            Listing("", "gid://shopify/ProductVariant/3", "gid://shopify/InventoryItem/1003"),
        ]
        assert api.variables(PRODUCT_VARIANTS) == [{"after": None}, {"after": "c1"}]


def listings(count: int) -> list[Listing]:
    return [
        Listing(f"SKU-{n}", f"gid://shopify/ProductVariant/{n}", f"gid://shopify/InventoryItem/{n}")
        for n in range(count)
    ]


class TestReadLevels:
    async def test_levels_are_read_250_at_a_time_at_the_inventory_location(
        self, connector: ShopifyConnector, api: AdminApi
    ) -> None:
        """300 listings: two calls (250 + 50) at the location mapped to default_location;
        an item not stocked there (inventoryLevel null) is left out."""

        def levels(variables: dict[str, Any]) -> dict[str, Any]:
            nodes = [
                {
                    "id": item,
                    "inventoryLevel": None
                    if item.endswith("/7")
                    else {"id": "x", "quantities": [{"name": "available", "quantity": 5}]},
                }
                for item in variables["inventoryItemIds"]
            ]
            return {"nodes": nodes}

        api.on(INVENTORY_LEVELS, levels)

        found = await connector.read_levels(listings(300))

        sent = api.variables(INVENTORY_LEVELS)
        assert [len(v["inventoryItemIds"]) for v in sent] == [250, 50]
        assert {v["locationId"] for v in sent} == {f"gid://shopify/Location/{MAIN_LOCATION}"}
        assert len(found) == 299
        assert "gid://shopify/InventoryItem/7" not in found
        assert found["gid://shopify/InventoryItem/8"] == 5


def changes(count: int) -> list[LevelChange]:
    return [
        LevelChange(listing, quantity=10 + n, expected=n, idempotency_key=f"plan-42:{listing.sku}")
        for n, listing in enumerate(listings(count))
    ]


def set_result(errors: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    group = (
        None
        if errors
        else {
            "id": "gid://shopify/InventoryAdjustmentGroup/1",
            "createdAt": "2026-11-01T12:00:00Z",
            "reason": "correction",
            "referenceDocumentUri": "syncbot://push/x",
        }
    )
    return {
        "inventorySetQuantities": {"inventoryAdjustmentGroup": group, "userErrors": errors or []}
    }


class TestPushLevels:
    async def test_600_changes_push_in_3_calls_of_at_most_250(
        self, connector: ShopifyConnector, api: AdminApi
    ) -> None:
        """Batches of 250 with name available, reason correction, changeFromQuantity =
        expected, and one deterministic @idempotent key per call."""
        api.on(INVENTORY_SET_QUANTITIES, set_result())
        planned = changes(600)

        outcomes = await connector.push_levels(planned)

        sent = api.variables(INVENTORY_SET_QUANTITIES)
        assert [len(v["quantities"]) for v in sent] == [250, 250, 100]
        assert [v["idempotencyKey"] for v in sent] == [
            push_key(planned[:250]),
            push_key(planned[250:500]),
            push_key(planned[500:]),
        ]
        assert len({v["idempotencyKey"] for v in sent}) == 3
        assert sent[0]["reason"] == "correction"
        assert sent[0]["referenceDocumentUri"] == f"syncbot://push/{sent[0]['idempotencyKey']}"
        assert sent[0]["quantities"][3] == {
            "inventoryItemId": "gid://shopify/InventoryItem/3",
            "locationId": f"gid://shopify/Location/{MAIN_LOCATION}",
            "quantity": 13,
            "changeFromQuantity": 3,
        }
        assert outcomes == [PushOutcome(c, acknowledged=c.quantity) for c in planned]

    async def test_the_same_changes_give_the_same_key(self) -> None:
        """A replay after a crash reuses the key, so Shopify never applies it twice."""
        assert push_key(changes(3)) == push_key(changes(3))
        assert push_key(changes(3)) != push_key(changes(3), attempt=1)
        assert push_key(changes(3)) != push_key(changes(2))

    async def test_one_bad_item_fails_alone_and_the_rest_go_again(
        self, connector: ShopifyConnector, api: AdminApi
    ) -> None:
        """A user error on item 1 refuses the call; the others go once more, under a new
        key, and are acknowledged; item 1 carries its error."""
        not_stocked = {
            "code": "ITEM_NOT_STOCKED_AT_LOCATION",
            "field": ["input", "quantities", "1", "locationId"],
            "message": "The specified inventory item is not stocked at the location.",
        }
        api.on(INVENTORY_SET_QUANTITIES, set_result([not_stocked]), set_result())
        planned = changes(3)

        outcomes = await connector.push_levels(planned)

        first, second = api.variables(INVENTORY_SET_QUANTITIES)
        assert len(first["quantities"]) == 3
        assert [q["inventoryItemId"] for q in second["quantities"]] == [
            "gid://shopify/InventoryItem/0",
            "gid://shopify/InventoryItem/2",
        ]
        assert second["idempotencyKey"] == push_key([planned[0], planned[2]], attempt=1)
        assert outcomes == [
            PushOutcome(planned[0], acknowledged=10),
            PushOutcome(
                planned[1], error=f"ITEM_NOT_STOCKED_AT_LOCATION: {not_stocked['message']}"
            ),
            PushOutcome(planned[2], acknowledged=12),
        ]

    async def test_a_stale_item_is_reported_stale_and_not_forced(
        self, connector: ShopifyConnector, api: AdminApi
    ) -> None:
        """CHANGE_FROM_QUANTITY_STALE marks the item stale (re-read and re-plan it)."""
        stale = {
            "code": "CHANGE_FROM_QUANTITY_STALE",
            "field": ["input", "quantities", "0", "changeFromQuantity"],
            "message": "The changeFromQuantity value does not match persisted value.",
        }
        api.on(INVENTORY_SET_QUANTITIES, set_result([stale]), set_result())
        planned = changes(2)

        outcomes = await connector.push_levels(planned)

        assert outcomes == [
            PushOutcome(planned[0], stale=True),
            PushOutcome(planned[1], acknowledged=11),
        ]
        assert len(api.variables(INVENTORY_SET_QUANTITIES)) == 2

    async def test_items_left_unjudged_by_two_stale_calls_are_stale_not_refused(
        self, connector: ShopifyConnector, api: AdminApi
    ) -> None:
        """While a sale moves levels, each call may fail on another item's stale compare:
        the items never judged come back stale (re-read, re-planned), never with an error
        that would quarantine a good listing."""

        def stale_at(index: int) -> dict[str, object]:
            return {
                "code": "CHANGE_FROM_QUANTITY_STALE",
                "field": ["input", "quantities", str(index), "changeFromQuantity"],
                "message": "The changeFromQuantity value does not match persisted value.",
            }

        # The first call: item 0 stale; the second (items 1 and 2): its item 0, item 1.
        api.on(INVENTORY_SET_QUANTITIES, set_result([stale_at(0)]), set_result([stale_at(0)]))
        planned = changes(3)

        outcomes = await connector.push_levels(planned)

        assert outcomes == [PushOutcome(change, stale=True) for change in planned]
        assert len(api.variables(INVENTORY_SET_QUANTITIES)) == 2

    async def test_an_error_naming_no_item_refuses_every_item(
        self, connector: ShopifyConnector, api: AdminApi
    ) -> None:
        """INVALID_REASON names no quantity: every item carries the error, no retry."""
        invalid = {"code": "INVALID_REASON", "field": ["input", "reason"], "message": "Invalid"}
        api.on(INVENTORY_SET_QUANTITIES, set_result([invalid]))
        planned = changes(2)

        outcomes = await connector.push_levels(planned)

        assert [o.error for o in outcomes] == ["INVALID_REASON: Invalid"] * 2
        assert len(api.variables(INVENTORY_SET_QUANTITIES)) == 1

    async def test_a_429_is_honoured_through_the_admin_client(
        self, connector: ShopifyConnector, api: AdminApi, sleeps: Sleeps
    ) -> None:
        """HTTP 429 with Retry-After: 2 waits 2 s, then the same call (same key) succeeds."""
        too_many = httpx.Response(429, headers={"Retry-After": "2.0"}, json={"errors": "Exceeded"})
        api.on(INVENTORY_SET_QUANTITIES, too_many, set_result())

        outcomes = await connector.push_levels(changes(1))

        assert sleeps == [2.0]
        first, again = api.variables(INVENTORY_SET_QUANTITIES)
        assert first == again
        assert outcomes[0].acknowledged == 10

    async def test_no_inventory_location_is_a_clear_error(self, api: AdminApi) -> None:
        """Without a Shopify location mapped to default_location, syncbot cannot push."""
        async with httpx.AsyncClient() as http:
            admin = ShopifyAdmin(http, shop=SHOP, access_token=TOKEN)
            bare = ShopifyConnector("shop", admin, webhook_secret=SECRET, locations=PLACES)
            with pytest.raises(ConnectorError, match="no Shopify location maps to"):
                await bare.push_levels(changes(1))

"""A signed body of the wrong shape is a MalformedDelivery naming the field, never a crash;
what the store cannot hold in a line (a long SKU, a NUL, a huge quantity) passes through
for intake to park with its reason."""

from __future__ import annotations

import json
from typing import Any

import pytest

from connectors.base import MalformedDelivery
from connectors.bigcommerce.orders import snapshot as bigcommerce_snapshot
from connectors.shopify.orders import LocationMap, webhook_order_events, webhook_refund_events
from connectors.woocommerce.orders import order_events as woocommerce_events
from syncbot.ledger.orders import OrderSnapshot

PLACES = LocationMap({}, default="main")
WOOCOMMERCE_ORDER: dict[str, Any] = {
    "id": 727,
    "status": "processing",
    "date_modified_gmt": "2026-11-20T10:00:00",
    "line_items": [{"id": 315, "sku": "MUG-1", "quantity": 1}],
}
BIGCOMMERCE_ORDER: dict[str, Any] = {
    "id": 250,
    "status_id": 11,
    "date_modified": "Wed, 05 Dec 2018 20:16:55 +0000",
}


def shopify_order(**changes: Any) -> dict[str, Any]:
    """The issue's example order: one mug, one unit, nothing shipped."""
    order: dict[str, Any] = {
        "id": 8001,
        "updated_at": "2026-11-01T08:00:00-04:00",
        "line_items": [{"id": 80011, "sku": "MUG-1", "quantity": 1, "current_quantity": 1}],
    }
    return order | changes


def line(**changes: Any) -> dict[str, Any]:
    return {"id": 80011, "sku": "MUG-1", "quantity": 1, "current_quantity": 1} | changes


class TestShopifyShapes:
    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"fulfillments": [1]}, "fulfillments.0: expected an object, got 1"),
            (
                {"line_items": [line(sku=["MUG-1"])]},
                'line_items.0.sku: expected a string, got ["MUG-1"]',
            ),
            (
                {"line_items": [line(quantity="1")]},
                "line_items.0.quantity: expected a whole number",
            ),
            (
                {"line_items": [line(quantity=True)]},
                "line_items.0.quantity: expected a whole number",
            ),
            (
                {"line_items": [line(quantity=-1)]},
                "line_items.0.quantity: expected a whole number >= 0",
            ),
            ({"line_items": {"id": 1}}, "line_items: expected a list"),
            ({"id": int("9" * 65)}, "id: an id of 65 digits is over the store's limit of 64"),
            ({"line_items": [line(id="1" * 65)]}, "line_items.0.id: an id of 65 digits"),
            (
                {"refunds": [{"refund_line_items": [{"id": 1}]}]},
                "refunds.0.refund_line_items.0: 'line_item_id' is missing",
            ),
        ],
    )
    def test_a_wrong_shape_names_its_field(self, changes: dict[str, Any], message: str) -> None:
        """The message names the field path and what was wrong with it."""
        with pytest.raises(MalformedDelivery) as refused:
            webhook_order_events(shopify_order(**changes), PLACES)
        assert message in str(refused.value)

    def test_deeply_nested_junk_in_a_known_field_is_a_shape_error(self) -> None:
        """Nesting is read no deeper than the model: a list of lists where objects belong."""
        junk: Any = 1
        for _ in range(500):
            junk = [junk]
        with pytest.raises(MalformedDelivery, match=r"fulfillments\.0: expected an object"):
            webhook_order_events(shopify_order(fulfillments=junk), PLACES)

    def test_unknown_fields_and_nulls_are_ignored(self) -> None:
        """Storefronts add fields and send null for empty lists: both are read leniently."""
        order = shopify_order(fulfillments=None, refunds=None, note={"anything": [1, 2]})
        (snapshot,) = webhook_order_events(order, PLACES)
        assert isinstance(snapshot, OrderSnapshot)

    @pytest.mark.parametrize(
        ("sku", "quantity"),
        [("M" * 129, 1), ("MUG\x00-1", 1), ("MUG-1", 2**40)],
    )
    def test_what_the_store_cannot_hold_passes_through_to_be_parked(
        self, sku: str, quantity: int
    ) -> None:
        """A long SKU, a NUL or a huge quantity is not a shape error: intake parks the line."""
        order = shopify_order(
            line_items=[line(sku=sku, quantity=quantity, current_quantity=quantity)]
        )
        (snapshot,) = webhook_order_events(order, PLACES)
        assert isinstance(snapshot, OrderSnapshot)
        assert (snapshot.lines[0].sku, snapshot.lines[0].quantity) == (sku, quantity)

    def test_a_refund_without_its_order_id_is_malformed(self) -> None:
        with pytest.raises(MalformedDelivery, match="'order_id' is missing"):
            webhook_refund_events({"id": 1, "refund_line_items": []}, PLACES)


class TestWooCommerceShapes:
    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"line_items": [1]}, "line_items.0: expected an object, got 1"),
            (
                {"line_items": [{"id": 315, "sku": ["x"], "quantity": 1}]},
                "line_items.0.sku: expected a string",
            ),
            ({"id": "1" * 65}, "id: an id of 65 digits"),
            ({"status": None}, "status: expected a string"),
        ],
    )
    def test_a_wrong_shape_names_its_field(self, changes: dict[str, Any], message: str) -> None:
        with pytest.raises(MalformedDelivery) as refused:
            woocommerce_events(WOOCOMMERCE_ORDER | changes, [], "main")
        assert message in str(refused.value)

    def test_a_refund_of_the_wrong_shape_names_it(self) -> None:
        order = WOOCOMMERCE_ORDER | {"refunds": [{"id": 1}]}
        refund = {
            "date_created_gmt": "2026-11-20T09:00:00",
            "line_items": [{"id": 1, "quantity": "x"}],
        }
        with pytest.raises(MalformedDelivery, match=r"refund 0: line_items\.0\.quantity"):
            woocommerce_events(order, [refund], "main")


class TestBigCommerceShapes:
    @pytest.mark.parametrize(
        ("product", "message"),
        [
            (1, "expected an object, got 1"),
            ({"id": 1, "sku": ["A"], "quantity": 1}, "sku: expected a string"),
            ({"id": 1, "sku": "A", "quantity": "many"}, "quantity: expected a whole number >= 0"),
        ],
    )
    def test_a_wrong_shape_names_its_field(self, product: object, message: str) -> None:
        with pytest.raises(MalformedDelivery) as refused:
            bigcommerce_snapshot(BIGCOMMERCE_ORDER, [product], "main")  # type: ignore[list-item]
        assert message in str(refused.value)

    def test_counts_as_numeric_strings_are_read(self) -> None:
        """V2 counts come as numbers, and from some clients as numeric strings."""
        found = bigcommerce_snapshot(
            BIGCOMMERCE_ORDER, [{"id": 1, "sku": "A", "quantity": "2"}], "main"
        )
        assert found is not None
        assert found.lines[0].quantity == 2


def test_json_that_is_nested_too_deeply_is_malformed_not_a_crash() -> None:
    """json.loads raises RecursionError on deep nesting: it is a MalformedDelivery."""
    from connectors.payloads import decode

    with pytest.raises(MalformedDelivery, match="nested too deeply"):
        decode(b"[" * 100_000, "orders/create")
    assert decode(json.dumps({"id": 1}).encode(), "orders/create") == {"id": 1}

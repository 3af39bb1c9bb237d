"""BigCommerce orders, products and refunds map to order events by status and quantities."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from connectors.base import MalformedDelivery
from connectors.bigcommerce.orders import (
    format_time,
    order_events,
    parse_time,
    refund_return,
    snapshot,
)
from syncbot.ledger.orders import Disposition, OrderReturn, OrderSnapshot

MODIFIED = "Wed, 05 Dec 2018 20:16:55 +0000"


def order(status: int) -> dict[str, Any]:
    """A V2 order as GET /v2/orders/{id} returns it (the fields syncbot reads)."""
    return {"id": 250, "status_id": status, "date_modified": MODIFIED, "items_total": 3}


def product(
    product_id: int, sku: str, quantity: int, shipped: int = 0, refunded: int = 0
) -> dict[str, Any]:
    """A V2 order product as GET /v2/orders/{id}/products returns it."""
    return {
        "id": product_id,
        "order_id": 250,
        "sku": sku,
        "quantity": quantity,
        "quantity_shipped": shipped,
        "quantity_refunded": refunded,
        "is_refunded": refunded > 0,
    }


def refund(refund_id: int, *items: tuple[int, int]) -> dict[str, Any]:
    """A V3 refund: PRODUCT items by order product id, plus a shipping item moving nothing."""
    lines = [{"item_type": "PRODUCT", "item_id": item, "quantity": units} for item, units in items]
    lines.append({"item_type": "SHIPPING", "item_id": 51, "requested_amount": "5.00"})
    return {"id": refund_id, "order_id": 250, "items": lines, "payments": []}


def one(status: int, *products: dict[str, Any]) -> OrderSnapshot:
    found = snapshot(order(status), list(products), "main")
    assert found is not None
    return found


class TestStatuses:
    def test_an_incomplete_order_is_not_an_order_yet(self) -> None:
        assert order_events(order(0), [product(1, "A", 2)], location="main") == []

    @pytest.mark.parametrize(("status", "name"), [(5, "Cancelled"), (6, "Declined")])
    def test_cancelled_and_declined_orders_are_cancelled(self, status: int, name: str) -> None:
        assert one(status, product(1, "A", 2)).cancelled, name

    def test_a_refunded_order_holds_no_open_units(self) -> None:
        """Refunded (4) is also set by hand after refunding outside BigCommerce."""
        assert one(4, product(1, "A", 2)).cancelled

    @pytest.mark.parametrize("status", [1, 7, 8, 9, 11, 12, 13, 14])
    def test_open_statuses_fulfil_what_shipped(self, status: int) -> None:
        line = one(status, product(1, "A", 3, shipped=1)).lines[0]
        assert (line.quantity, line.current, line.fulfilled) == (3, 3, 1)
        assert not one(status, product(1, "A", 3)).cancelled

    def test_partially_shipped_uses_each_products_quantity_shipped(self) -> None:
        lines = one(3, product(1, "A", 2, shipped=1), product(2, "B", 1)).lines
        assert [(line.sku, line.fulfilled) for line in lines] == [("A", 1), ("B", 0)]

    @pytest.mark.parametrize("status", [2, 10])
    def test_shipped_and_completed_orders_have_fulfilled_every_unit_still_on_them(
        self, status: int
    ) -> None:
        """A merchant can mark an order Completed without creating a shipment."""
        lines = one(status, product(1, "A", 2), product(2, "B", 3, refunded=1)).lines
        assert [line.fulfilled for line in lines] == [2, 2]

    def test_the_snapshot_carries_ids_sku_location_and_time(self) -> None:
        found = one(11, product(65, "S-ORAN", 1))
        assert found.order_id == "250"
        assert found.updated_at == datetime(2018, 12, 5, 20, 16, 55, tzinfo=UTC)
        line = found.lines[0]
        assert (line.line_id, line.sku, line.location) == ("65", "S-ORAN", "main")

    def test_a_product_without_sku_keeps_an_empty_sku(self) -> None:
        assert one(11, {**product(1, "A", 1), "sku": None}).lines[0].sku == ""


class TestQuantities:
    def test_refunded_units_that_never_shipped_leave_the_order(self) -> None:
        line = one(14, product(1, "A", 3, shipped=1, refunded=1)).lines[0]
        assert (line.current, line.fulfilled) == (2, 1)

    def test_refunded_units_that_shipped_are_not_reopened(self) -> None:
        """quantity_refunded counts shipped units too: current never drops below shipped."""
        line = one(14, product(1, "A", 2, shipped=2, refunded=2)).lines[0]
        assert (line.current, line.fulfilled) == (2, 2)

    def test_counts_beyond_the_ordered_quantity_are_capped(self) -> None:
        line = one(3, product(1, "A", 2, shipped=5, refunded=0)).lines[0]
        assert line.fulfilled == 2

    @pytest.mark.parametrize(
        "broken",
        [{"quantity": -1}, {"quantity": "two"}, {"id": None}],
    )
    def test_a_broken_product_is_malformed(self, broken: dict[str, Any]) -> None:
        with pytest.raises(MalformedDelivery):
            snapshot(order(11), [{**product(1, "A", 2), **broken}], "main")


class TestRefunds:
    def test_refunded_units_never_shipped_are_cancelled(self) -> None:
        products = [product(1, "A", 2), product(2, "B", 1)]
        found = refund_return(order(14), products, [refund(3, (1, 1))], 3, "main")
        assert found is not None
        assert [(line.sku, line.quantity, line.disposition) for line in found.lines] == [
            ("A", 1, Disposition.CANCEL)
        ]

    def test_refunded_units_that_shipped_are_not_restocked(self) -> None:
        """BigCommerce records no restock decision and never restocks a refund."""
        products = [product(1, "A", 2, shipped=2)]
        found = refund_return(order(14), products, [refund(3, (1, 1))], 3, "main")
        assert found is not None
        assert [(line.quantity, line.disposition) for line in found.lines] == [
            (1, Disposition.NO_RESTOCK)
        ]

    def test_a_refund_takes_the_unshipped_units_first_and_splits_the_rest(self) -> None:
        products = [product(1, "A", 3, shipped=2)]
        found = refund_return(order(14), products, [refund(3, (1, 2))], 3, "main")
        assert found is not None
        assert [(line.quantity, line.disposition) for line in found.lines] == [
            (1, Disposition.CANCEL),
            (1, Disposition.NO_RESTOCK),
        ]
        assert len({line.return_line_id for line in found.lines}) == 2

    def test_earlier_refunds_have_already_taken_the_unshipped_units(self) -> None:
        products = [product(1, "A", 3, shipped=2)]
        refunds = [refund(4, (1, 1)), refund(3, (1, 1))]
        found = refund_return(order(14), products, refunds, 4, "main")
        assert found is not None
        assert [line.disposition for line in found.lines] == [Disposition.NO_RESTOCK]

    def test_return_line_ids_are_stable_across_reads(self) -> None:
        products, refunds = [product(1, "A", 2)], [refund(3, (1, 1))]
        first = refund_return(order(14), products, refunds, 3, "main")
        again = refund_return(order(14), products, refunds, "3", "main")
        assert first == again
        assert first is not None
        assert first.lines[0].return_line_id == "refund-3-1-cancel"

    def test_a_refund_of_shipping_only_moves_nothing(self) -> None:
        found = refund_return(order(14), [product(1, "A", 2)], [refund(3)], 3, "main")
        assert found is None

    def test_the_refund_topic_yields_the_snapshot_then_the_return(self) -> None:
        products = [product(1, "A", 2, shipped=2, refunded=1)]
        events = order_events(
            order(14), products, [refund(3, (1, 1))], location="main", refund_id=3
        )
        assert [type(event) for event in events] == [OrderSnapshot, OrderReturn]


class TestTimes:
    def test_rfc_2822_dates_round_trip_as_the_catch_up_cursor(self) -> None:
        moment = parse_time(MODIFIED)
        assert parse_time(format_time(moment)) == moment
        assert format_time(moment) == MODIFIED

    @pytest.mark.parametrize("value", [None, "yesterday", 1544041015])
    def test_anything_else_is_malformed(self, value: object) -> None:
        with pytest.raises(MalformedDelivery):
            parse_time(value)

"""Shopify orders, refunds and returns become syncbot's order events: the pure mapping."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from shopify_payloads import (
    EAST_LOCATION,
    MAIN_LOCATION,
    UNMAPPED_LOCATION,
    Fulfillment,
    Line,
    Order,
    Refund,
    graphql_order,
    rest_order,
    rest_refund,
)

from connectors.base import MalformedDelivery
from connectors.shopify.orders import (
    LocationMap,
    graphql_order_events,
    numeric_id,
    possibly_truncated,
    return_events,
    webhook_order_events,
    webhook_refund_events,
)
from syncbot.ledger.orders import Disposition, OrderLine, OrderReturn, OrderSnapshot, ReturnLine

PLACES = LocationMap({str(MAIN_LOCATION): "main", str(EAST_LOCATION): "east"}, default="main")
CREATED = "2026-11-01T08:00:00-04:00"
LATER = "2026-11-01T09:30:00-04:00"


def new_order(**changes: Any) -> Order:
    """Order 820982911946154508: 3 blue mugs (line 466157049) and 1 tee (line 518995019)."""
    order = Order(
        id=820982911946154508,
        updated_at=CREATED,
        lines=[Line(466157049, "MUG-1", 3), Line(518995019, "TEE-RED-M", 1)],
    )
    for name, value in changes.items():
        setattr(order, name, value)
    return order


def snapshot_of(order: Order) -> OrderSnapshot:
    first, *_ = webhook_order_events(rest_order(order), PLACES)
    assert isinstance(first, OrderSnapshot)
    return first


def line_of(snapshot: OrderSnapshot, line_id: str) -> OrderLine:
    return next(line for line in snapshot.lines if line.line_id == line_id)


class TestOrderSnapshots:
    def test_a_new_order_is_a_snapshot_of_open_lines_at_the_default_location(self) -> None:
        """orders/create: numeric ids, updated_at in UTC, quantity = current, nothing shipped."""
        events = webhook_order_events(rest_order(new_order()), PLACES)

        assert events == [
            OrderSnapshot(
                order_id="820982911946154508",
                updated_at=datetime(2026, 11, 1, 12, 0, tzinfo=UTC),
                lines=(
                    OrderLine("466157049", "MUG-1", quantity=3, current=3, fulfilled=0),
                    OrderLine("518995019", "TEE-RED-M", quantity=1, current=1, fulfilled=0),
                ),
                cancelled=False,
            )
        ]

    def test_only_successful_fulfillments_count_as_fulfilled(self) -> None:
        """A partial fulfilment: success counts; cancelled and failed fulfillments do not."""
        order = new_order(
            updated_at=LATER,
            fulfillments=[
                Fulfillment(4211, LATER, [(466157049, 2)]),
                Fulfillment(4212, LATER, [(466157049, 1)], status="cancelled"),
                Fulfillment(4213, LATER, [(518995019, 1)], status="failure"),
            ],
        )
        snapshot = snapshot_of(order)

        assert line_of(snapshot, "466157049").fulfilled == 2
        assert line_of(snapshot, "518995019").fulfilled == 0

    def test_a_line_is_held_where_its_latest_fulfillment_left_from(self) -> None:
        """Location mapping: the fulfillment's location_id; unfulfilled lines stay at default."""
        order = new_order(
            fulfillments=[
                Fulfillment(4211, CREATED, [(466157049, 1)], location_id=MAIN_LOCATION),
                Fulfillment(4214, LATER, [(466157049, 1)], location_id=EAST_LOCATION),
            ]
        )
        snapshot = snapshot_of(order)

        assert line_of(snapshot, "466157049").location == "east"
        assert line_of(snapshot, "518995019").location == "main"

    def test_an_unmapped_shopify_location_is_held_at_the_default_location(self) -> None:
        """A location_id the channel does not map goes to default_location, not nowhere."""
        order = new_order(
            fulfillments=[Fulfillment(4211, LATER, [(466157049, 1)], location_id=UNMAPPED_LOCATION)]
        )
        assert line_of(snapshot_of(order), "466157049").location == "main"

    def test_a_cancelled_order_is_a_cancelled_snapshot(self) -> None:
        """orders/cancelled: cancelled_at set means cancelled; the lines still come with it."""
        snapshot = snapshot_of(new_order(updated_at=LATER, cancelled_at=LATER))

        assert snapshot.cancelled
        assert len(snapshot.lines) == 2

    def test_a_line_without_a_sku_keeps_an_empty_sku(self) -> None:
        """A custom line (sku null) is kept with sku "" so intake parks and reports it."""
        order = new_order(lines=[Line(466157049, None, 2)])

        assert line_of(snapshot_of(order), "466157049").sku == ""

    def test_an_edit_that_removes_units_lowers_current(self) -> None:
        """current_quantity after a removal is what stays on the order."""
        order = new_order(lines=[Line(466157049, "MUG-1", 3, current=1)])

        line = line_of(snapshot_of(order), "466157049")
        assert (line.quantity, line.current) == (3, 1)

    def test_shipped_units_refunded_stay_in_current(self) -> None:
        """current_quantity excludes refunded units; returned shipped units are added back,
        so the one unit still to ship stays committed."""
        order = new_order(
            lines=[Line(466157049, "MUG-1", 3, current=2)],
            fulfillments=[Fulfillment(4211, CREATED, [(466157049, 2)])],
            refunds=[Refund(9001, LATER, [(7001, 466157049, 1, "return", MAIN_LOCATION)])],
        )
        line = line_of(snapshot_of(order), "466157049")

        assert (line.current, line.fulfilled) == (3, 2)

    def test_a_no_restock_refund_counts_shipped_units_first(self) -> None:
        """no_restock refunds shipped units first: 1 shipped of 3, 2 refunded → 1 cancelled."""
        order = new_order(
            lines=[Line(466157049, "MUG-1", 3, current=1)],
            fulfillments=[Fulfillment(4211, CREATED, [(466157049, 1)])],
            refunds=[Refund(9001, LATER, [(7001, 466157049, 2, "no_restock", None)])],
        )
        line = line_of(snapshot_of(order), "466157049")

        assert (line.current, line.fulfilled) == (2, 1)

    def test_without_current_quantity_the_refunds_say_what_is_left(self) -> None:
        """REST before 2024-01 has no current_quantity: quantity minus refunded units."""
        order = new_order(
            lines=[Line(466157049, "MUG-1", 3)],
            refunds=[Refund(9001, LATER, [(7001, 466157049, 1, "cancel", MAIN_LOCATION)])],
        )
        payload = rest_order(order)
        del payload["line_items"][0]["current_quantity"]

        first = webhook_order_events(payload, PLACES)[0]
        assert isinstance(first, OrderSnapshot)
        assert first.lines[0].current == 2

    def test_an_order_without_updated_at_takes_the_triggered_at_header(self) -> None:
        """updated_at first; X-Shopify-Triggered-At only when the order has none."""
        payload = rest_order(new_order())
        del payload["updated_at"]
        triggered = datetime(2026, 11, 1, 12, 5, tzinfo=UTC)

        first = webhook_order_events(payload, PLACES, triggered)[0]
        assert isinstance(first, OrderSnapshot)
        assert first.updated_at == triggered
        with pytest.raises(MalformedDelivery, match="updated_at"):
            webhook_order_events(payload, PLACES)

    @pytest.mark.parametrize("field", ["id", "line_items.0.id", "line_items.0.quantity"])
    def test_a_payload_missing_a_required_field_is_malformed(self, field: str) -> None:
        """A missing id or quantity is a MalformedDelivery naming the field."""
        payload = rest_order(new_order())
        target: Any = payload
        *path, last = field.split(".")
        for part in path:
            target = target[int(part)] if part.isdigit() else target[part]
        del target[last]

        with pytest.raises(MalformedDelivery, match=repr(last)):
            webhook_order_events(payload, PLACES)


class TestRefunds:
    def refund(self, restock_type: str, location: int | None = EAST_LOCATION, **kw: Any) -> Any:
        order = new_order()
        refund = Refund(9001, LATER, [(7001, 466157049, 2, restock_type, location)], **kw)
        return webhook_refund_events(rest_refund(order, refund), PLACES)

    def test_a_refund_with_return_restocks_at_its_location(self) -> None:
        """restock_type return → RESTOCK at the mapped location_id, with the line's SKU."""
        assert self.refund("return") == [
            OrderReturn(
                "820982911946154508",
                (
                    ReturnLine(
                        return_line_id="7001",
                        line_id="466157049",
                        sku="MUG-1",
                        quantity=2,
                        disposition=Disposition.RESTOCK,
                        location="east",
                    ),
                ),
            )
        ]

    @pytest.mark.parametrize(
        ("restock_type", "disposition"),
        [
            ("no_restock", Disposition.NO_RESTOCK),
            ("cancel", Disposition.CANCEL),
            ("legacy_restock", Disposition.NO_RESTOCK),
        ],
    )
    def test_each_restock_type_has_its_disposition(
        self, restock_type: str, disposition: Disposition
    ) -> None:
        """no_restock moves nothing, cancel releases, legacy_restock never creates stock."""
        (event,) = self.refund(restock_type, location=None)

        assert [line.disposition for line in event.lines] == [disposition]
        assert event.lines[0].location == "main"

    def test_a_refund_of_a_shopify_return_leaves_restocking_to_the_return(self) -> None:
        """A refund attached to a Return restocks nothing: the return's dispositions do."""
        (event,) = self.refund("return", return_id=55001)

        assert [line.disposition for line in event.lines] == [Disposition.NO_RESTOCK]

    def test_a_refund_of_money_only_is_no_event(self) -> None:
        """A shipping-only refund has no refund_line_items: nothing to reconcile."""
        order = new_order()
        assert webhook_refund_events(rest_refund(order, Refund(9002, LATER, [])), PLACES) == []

    def test_an_unknown_restock_type_is_malformed(self) -> None:
        """A restock_type Shopify does not document is refused, not guessed."""
        with pytest.raises(MalformedDelivery, match="restock_type"):
            self.refund("exchange")

    def test_an_order_webhook_carries_its_refunds_as_return_events(self) -> None:
        """orders/updated lists the order's refunds: the same return lines as refunds/create."""
        refund = Refund(9001, LATER, [(7001, 466157049, 1, "return", MAIN_LOCATION)])
        order = new_order(updated_at=LATER, refunds=[refund])

        _, returned = webhook_order_events(rest_order(order), PLACES)
        assert [returned] == webhook_refund_events(rest_refund(order, refund), PLACES)


class TestWebhookAndCatchUpAgree:
    def order(self) -> Order:
        return new_order(
            updated_at=LATER,
            lines=[
                Line(466157049, "MUG-1", 3, current=1),
                Line(518995019, None, 1, current=0),
            ],
            fulfillments=[Fulfillment(4211, CREATED, [(466157049, 2)], location_id=EAST_LOCATION)],
            refunds=[
                Refund(9001, LATER, [(7001, 466157049, 1, "return", EAST_LOCATION)]),
                Refund(9002, LATER, [(7002, 466157049, 1, "cancel", EAST_LOCATION)]),
                Refund(9003, LATER, [(7003, 518995019, 1, "no_restock", None)]),
            ],
        )

    def test_a_webhook_and_a_catch_up_of_one_order_give_the_same_events(self) -> None:
        """REST (numeric ids, -04:00) and GraphQL (gids, Z) reduce to the same events."""
        order = self.order()

        from_webhook = webhook_order_events(rest_order(order), PLACES)
        from_catch_up = graphql_order_events(graphql_order(order), PLACES)

        assert from_catch_up == from_webhook
        assert [type(event).__name__ for event in from_webhook] == [
            "OrderSnapshot",
            "OrderReturn",
            "OrderReturn",
            "OrderReturn",
        ]

    def test_an_order_read_alone_gives_the_same_events(self) -> None:
        """The ORDER document's node (with each refund's return) maps like the webhook."""
        order = self.order()

        read_alone = graphql_order_events(graphql_order(order, read_alone=True), PLACES)
        assert read_alone == webhook_order_events(rest_order(order), PLACES)

    def test_a_full_list_of_fulfillments_may_hide_more(self) -> None:
        """fulfillments and refunds have no pageInfo: as many as asked for means maybe more."""
        node = graphql_order(self.order())

        assert possibly_truncated(node, list_limit=3)
        assert not possibly_truncated(node, list_limit=4)
        node["lineItems"]["pageInfo"]["hasNextPage"] = True
        assert possibly_truncated(node, list_limit=4)


class TestReturns:
    def node(self, *dispositions: tuple[int, str, int, int | None]) -> dict[str, Any]:
        """A Return as RETURN reads it, one line item with the given dispositions."""
        return {
            "id": "gid://shopify/Return/55001",
            "order": {"id": "gid://shopify/Order/820982911946154508"},
            "reverseFulfillmentOrders": {
                "pageInfo": {"hasNextPage": False},
                "nodes": [
                    {
                        "lineItems": {
                            "pageInfo": {"hasNextPage": False},
                            "nodes": [
                                {
                                    "dispositions": [
                                        {
                                            "id": f"gid://shopify/ReverseFulfillmentOrderDisposition/{i}",
                                            "type": kind,
                                            "quantity": quantity,
                                            "location": None
                                            if place is None
                                            else {"id": f"gid://shopify/Location/{place}"},
                                        }
                                        for i, kind, quantity, place in dispositions
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

    def test_restocked_and_not_restocked_units_are_restock_and_damaged(self) -> None:
        """RESTOCKED → RESTOCK, NOT_RESTOCKED → DAMAGED, each at its mapped location."""
        node = self.node((1, "RESTOCKED", 1, EAST_LOCATION), (2, "NOT_RESTOCKED", 1, None))

        (event,) = return_events(node, PLACES)
        assert event == OrderReturn(
            "820982911946154508",
            (
                ReturnLine("disposition:1", "466157049", "MUG-1", 1, Disposition.RESTOCK, "east"),
                ReturnLine("disposition:2", "466157049", "MUG-1", 1, Disposition.DAMAGED, "main"),
            ),
        )

    def test_missing_and_processing_required_units_move_nothing(self) -> None:
        """MISSING never came back; PROCESSING_REQUIRED is not decided yet: no event."""
        node = self.node((3, "MISSING", 1, None), (4, "PROCESSING_REQUIRED", 1, MAIN_LOCATION))

        assert return_events(node, PLACES) == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [(123, "123"), ("123", "123"), ("gid://shopify/LineItem/123", "123")],
)
def test_ids_reduce_to_the_numeric_id(value: object, expected: str) -> None:
    """REST numbers, numeric strings and gids name the same object."""
    assert numeric_id(value) == expected


@pytest.mark.parametrize("value", [None, True, "abc", "gid://other/Thing/1", -1.5])
def test_something_else_is_not_an_id(value: object) -> None:
    """Anything else is a malformed payload, not a guess."""
    with pytest.raises(MalformedDelivery):
        numeric_id(value)


class TestLegacyRefunds:
    """Refunds from before restock_type carry only `restock` on the refund."""

    def legacy(self, restock: bool | None, status: str | None, fulfillable: int = 2) -> Any:
        refund: dict[str, Any] = {
            "id": 509562969,
            "order_id": 450789469,
            "refund_line_items": [
                {
                    "id": 104689539,
                    "quantity": 2,
                    "line_item_id": 703073504,
                    "line_item": {
                        "id": 703073504,
                        "quantity": 2,
                        "sku": "IPOD2008BLACK",
                        "fulfillable_quantity": fulfillable,
                        "fulfillment_status": status,
                    },
                }
            ],
        }
        if restock is not None:
            refund["restock"] = restock
        return webhook_refund_events(refund, PLACES)

    def test_restock_true_on_unfulfilled_units_cancels_them(self) -> None:
        """restock: true, nothing shipped: "cancel", as Shopify documented it then."""
        (event,) = self.legacy(True, None)
        assert [(line.return_line_id, line.disposition, line.quantity) for line in event.lines] == [
            ("104689539:cancel", Disposition.CANCEL, 2)
        ]

    def test_restock_true_on_fulfilled_units_returns_them(self) -> None:
        """restock: true, all shipped: "return", back to available."""
        (event,) = self.legacy(True, "fulfilled", fulfillable=0)
        assert [(line.return_line_id, line.disposition) for line in event.lines] == [
            ("104689539:return", Disposition.RESTOCK)
        ]

    def test_restock_true_on_a_partly_fulfilled_line_splits_it(self) -> None:
        """One of two shipped: one unit returned, one cancelled."""
        (event,) = self.legacy(True, "partial", fulfillable=1)
        assert [(line.disposition, line.quantity) for line in event.lines] == [
            (Disposition.RESTOCK, 1),
            (Disposition.CANCEL, 1),
        ]

    @pytest.mark.parametrize("restock", [False, None])
    def test_restock_false_or_absent_restocks_nothing(self, restock: bool | None) -> None:
        (event,) = self.legacy(restock, "fulfilled", fulfillable=0)
        assert [line.disposition for line in event.lines] == [Disposition.NO_RESTOCK]

    def test_in_an_order_the_shipped_units_are_returned_first(self) -> None:
        """Within orders/updated the fulfillments say what shipped: 1 of 3 here."""
        order = new_order(
            updated_at=LATER,
            fulfillments=[Fulfillment(1, CREATED, [(466157049, 1)])],
        )
        payload = rest_order(order)
        payload["refunds"] = [
            {
                "id": 9001,
                "restock": True,
                "refund_line_items": [{"id": 7001, "line_item_id": 466157049, "quantity": 2}],
            }
        ]
        events = webhook_order_events(payload, PLACES)
        returned = [event for event in events if isinstance(event, OrderReturn)]
        assert [
            (line.return_line_id, line.disposition, line.quantity)
            for r in returned
            for line in r.lines
        ] == [
            ("7001:return", Disposition.RESTOCK, 1),
            ("7001:cancel", Disposition.CANCEL, 1),
        ]

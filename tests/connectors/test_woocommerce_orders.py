"""WooCommerce orders and refunds as order events: statuses, refunds and restocking, pure."""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from connectors.base import MalformedDelivery
from connectors.woocommerce.orders import order_events, parse_gmt
from connectors.woocommerce.testing import WooCommerceStore
from syncbot.ledger.movements import MovementKind
from syncbot.ledger.orders import (
    Disposition,
    OrderEvent,
    OrderReturn,
    OrderSnapshot,
    OrderState,
    apply_event,
)

COMMIT, CANCEL = MovementKind.ORDER_COMMIT, MovementKind.ORDER_CANCEL
FULFIL, RESTOCK = MovementKind.ORDER_FULFIL, MovementKind.RETURN_RESTOCK


def moved(events: Sequence[OrderEvent]) -> Counter[tuple[str, MovementKind]]:
    """Units moved by SKU and kind when the events are reconciled in order from nothing."""
    state, total = OrderState(), Counter[tuple[str, MovementKind]]()
    for event in events:
        state, movements = apply_event(state, event)
        for movement in movements:
            total[(movement.sku, movement.kind)] += movement.quantity
    return +total


def events(store: WooCommerceStore, order: int) -> list[OrderEvent]:
    return order_events(store.orders[order], store.refunds[order], "main")


@pytest.fixture
def store() -> WooCommerceStore:
    made = WooCommerceStore()
    made.add_product("MUG", stock=10)
    made.add_product("CAP", stock=10)
    return made


class TestStatuses:
    @pytest.mark.parametrize("status", ["pending", "on-hold", "processing"])
    def test_an_open_order_commits_its_units(self, store: WooCommerceStore, status: str) -> None:
        """pending, on-hold and processing hold every unit in committed, none fulfilled."""
        order = store.place_order({"MUG": 2, "CAP": 1}, status=status)

        (snapshot,) = events(store, order)

        assert isinstance(snapshot, OrderSnapshot)
        assert not snapshot.cancelled
        assert [(line.sku, line.quantity, line.fulfilled) for line in snapshot.lines] == [
            ("MUG", 2, 0),
            ("CAP", 1, 0),
        ]
        assert moved([snapshot]) == Counter({("MUG", COMMIT): 2, ("CAP", COMMIT): 1})

    def test_completed_fulfils_every_unit(self, store: WooCommerceStore) -> None:
        """WooCommerce ships an order as a whole: completed fulfils what is on it."""
        order = store.place_order({"MUG": 2})
        store.set_status(order, "completed")

        assert moved(events(store, order)) == Counter({("MUG", COMMIT): 2, ("MUG", FULFIL): 2})

    @pytest.mark.parametrize("status", ["cancelled", "failed", "trash"])
    def test_a_cancelled_failed_or_trashed_order_releases(
        self, store: WooCommerceStore, status: str
    ) -> None:
        """After the open snapshot, cancelled, failed and trash give every unit back."""
        order = store.place_order({"MUG": 2})
        first = events(store, order)
        store.set_status(order, status)

        later = events(store, order)

        assert isinstance(later[0], OrderSnapshot)
        assert later[0].cancelled
        assert moved(first + later) == Counter({("MUG", COMMIT): 2, ("MUG", CANCEL): 2})

    def test_a_refunded_order_never_completed_releases(self, store: WooCommerceStore) -> None:
        """Status refunded set by hand (no refunded lines) on an unshipped order is a cancel."""
        order = store.place_order({"MUG": 2})
        first = events(store, order)
        store.set_status(order, "refunded")

        assert moved(first + events(store, order))[("MUG", CANCEL)] == 2

    def test_a_draft_is_not_an_order_yet(self, store: WooCommerceStore) -> None:
        """checkout-draft orders hold nothing: the shopper has not placed them."""
        order = store.place_order({"MUG": 1}, status="checkout-draft")
        assert events(store, order) == []

    def test_a_plugin_status_holds_the_units(self, store: WooCommerceStore) -> None:
        """A status syncbot does not know (a plugin's) keeps the units committed: never oversold."""
        order = store.place_order({"MUG": 1})
        store.set_status(order, "shipped-partly")
        assert moved(events(store, order)) == Counter({("MUG", COMMIT): 1})

    def test_updated_at_is_date_modified_gmt_in_utc(self, store: WooCommerceStore) -> None:
        """The site's local date_modified is not used: the GMT one is, with its zone."""
        order = store.place_order({"MUG": 1})
        (snapshot,) = events(store, order)
        assert isinstance(snapshot, OrderSnapshot)
        assert snapshot.updated_at == store.now
        assert snapshot.updated_at.tzinfo is UTC

    def test_a_line_without_a_sku_is_kept_for_intake_to_park(self, store: WooCommerceStore) -> None:
        """A product with no SKU (or deleted since) gives sku "": intake parks and reports it."""
        order = store.place_order({"MUG": 1})
        store.orders[order]["line_items"][0]["sku"] = None
        (snapshot,) = events(store, order)
        assert isinstance(snapshot, OrderSnapshot)
        assert snapshot.lines[0].sku == ""


class TestRefunds:
    def test_a_refund_after_completion_with_restock_puts_units_back(
        self, store: WooCommerceStore
    ) -> None:
        """_restock_refunded_items on the order line says the refunded unit went back."""
        order = store.place_order({"MUG": 2, "CAP": 1})
        store.set_status(order, "completed")
        store.refund(order, {"MUG": 1}, restock=True)

        found = events(store, order)

        assert isinstance(found[1], OrderReturn)
        assert [(line.sku, line.disposition) for line in found[1].lines] == [
            ("MUG", Disposition.RESTOCK)
        ]
        assert moved(found)[("MUG", RESTOCK)] == 1

    def test_a_refund_after_completion_without_restock_moves_nothing(
        self, store: WooCommerceStore
    ) -> None:
        """Money back, goods kept by the customer: NO_RESTOCK, nothing moves."""
        order = store.place_order({"MUG": 2})
        store.set_status(order, "completed")
        store.refund(order, {"MUG": 2}, restock=False)

        found = events(store, order)

        assert store.orders[order]["status"] == "refunded"
        assert isinstance(found[1], OrderReturn)
        assert {line.disposition for line in found[1].lines} == {Disposition.NO_RESTOCK}
        assert moved(found) == Counter({("MUG", COMMIT): 2, ("MUG", FULFIL): 2})

    def test_a_refund_before_completion_cancels_unshipped_units(
        self, store: WooCommerceStore
    ) -> None:
        """Refunded while processing, the units never shipped: CANCEL, restocked or not."""
        order = store.place_order({"MUG": 3})
        first = events(store, order)
        store.refund(order, {"MUG": 1}, restock=False)
        second = events(store, order)
        store.set_status(order, "completed")

        every = first + second + events(store, order)

        assert moved(every) == Counter({("MUG", COMMIT): 3, ("MUG", CANCEL): 1, ("MUG", FULFIL): 2})
        assert isinstance(second[1], OrderReturn)
        assert second[1].lines[0].disposition is Disposition.CANCEL

    def test_an_ambiguous_restock_is_spent_on_unshipped_units_first(
        self, store: WooCommerceStore
    ) -> None:
        """One unit refunded before shipping and one after, one restock: no stock is created."""
        order = store.place_order({"MUG": 3})
        store.refund(order, {"MUG": 1}, restock=False)
        store.set_status(order, "completed")
        store.refund(order, {"MUG": 1}, restock=True)

        found = events(store, order)

        assert moved(found)[("MUG", RESTOCK)] == 0
        assert moved(found)[("MUG", FULFIL)] == 2

    def test_each_restocked_unit_moves_once_across_snapshots(self, store: WooCommerceStore) -> None:
        """Two restocking refunds, each seen in its own snapshot and again later: 2 back."""
        order = store.place_order({"MUG": 3})
        store.set_status(order, "completed")
        store.refund(order, {"MUG": 1}, restock=False)
        first = events(store, order)
        store.refund(order, {"MUG": 1}, restock=True)
        second = events(store, order)
        store.refund(order, {"MUG": 1}, restock=True)

        every = first + second + events(store, order) + first

        assert moved(every)[("MUG", RESTOCK)] == 2

    def test_a_refund_newer_than_the_snapshot_waits_for_its_own(
        self, store: WooCommerceStore
    ) -> None:
        """An old processing body read with today's refunds does not call them unshipped."""
        order = store.place_order({"MUG": 2})
        body = copy.deepcopy(store.orders[order])
        store.set_status(order, "completed")
        store.refund(order, {"MUG": 1}, restock=True)

        assert order_events(body, store.refunds[order], "main")[1:] == []

    def test_a_refund_line_without_its_order_line_is_malformed(
        self, store: WooCommerceStore
    ) -> None:
        """Without _refunded_item_id the refunded line is unknown: refuse, do not guess."""
        order = store.place_order({"MUG": 2})
        store.refund(order, {"MUG": 1}, restock=False)
        store.refunds[order][0]["line_items"][0]["meta_data"] = []

        with pytest.raises(MalformedDelivery, match="_refunded_item_id"):
            events(store, order)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-20T10:00:00", datetime(2026, 11, 20, 10, tzinfo=UTC)),
        ("2026-11-20T07:00:00-03:00", datetime(2026, 11, 20, 10, tzinfo=UTC)),
    ],
)
def test_gmt_dates_without_a_zone_are_utc(value: str, expected: datetime) -> None:
    """*_gmt dates carry no zone and mean UTC; a zone, when present, is honoured."""
    assert parse_gmt(value) == expected


def test_a_date_that_is_not_one_is_malformed() -> None:
    """A broken date is a MalformedDelivery, not a crash."""
    with pytest.raises(MalformedDelivery):
        parse_gmt("yesterday")

"""Channels that sell incoming stock: units on open purchase orders, due within the window,
are published on top of available; by default they never are."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from connectors.base import Listing
from connectors.fake import FakeConnector
from syncbot.app import purchasing
from syncbot.app.actor import Actor
from syncbot.ledger import receive
from syncbot.ledger.allocation import Policy
from syncbot.store.catalogue import add_sku
from syncbot.store.posting import post
from syncbot.sync.channels import SyncChannel
from syncbot.sync.drift import check_drift
from syncbot.sync.listings import discover
from syncbot.sync.planner import plan

NOW = datetime(2026, 12, 2, 9, tzinfo=UTC)
GRACE = timedelta(minutes=10)
BUYER = Actor.cli("buyer")


@pytest.fixture
async def shop(database: str) -> FakeConnector:
    """MUG: 4 available; PO-0001 brings 5 on 12 Dec, PO-0002 brings 7 on 20 Jan."""
    connector = FakeConnector("shop", secret="dummy")
    await add_sku("MUG")
    await post([receive("MUG", 4)])
    await purchasing.add_supplier("Acme", lead_time_days=7)
    for due, quantity in ((date(2026, 12, 12), 5), (date(2027, 1, 20), 7)):
        order = await purchasing.create_order("Acme", BUYER, expected_on=due)
        await purchasing.add_line(order.number, "MUG", quantity, BUYER, unit_cost="2.50")
        await purchasing.place_order(order.number, BUYER)
    connector.listed.append(Listing("MUG", "variant-MUG", "item-MUG"))
    connector.levels = {"item-MUG": 0}
    await discover(connector)
    return connector


async def planned(shop: FakeConnector, policy: Policy) -> tuple[int, str]:
    result = await plan(SyncChannel(shop, ("main",), policy), now=NOW, grace=GRACE)
    [item] = result.items
    return item.allocation.quantity, item.allocation.explanation


class TestSellingIncoming:
    async def test_incoming_is_not_sold_by_default(self, shop: FakeConnector) -> None:
        assert await planned(shop, Policy()) == (4, "4 = available 4")

    async def test_an_opted_in_channel_sells_what_is_due_within_its_window(
        self, shop: FakeConnector
    ) -> None:
        """'9 = available 4 + incoming 5 due 12 Dec': the January order is too far out."""
        policy = Policy(sell_incoming=True, incoming_within_days=14)
        assert await planned(shop, policy) == (9, "9 = available 4 + incoming 5 due 12 Dec")

    async def test_a_receipt_moves_units_from_incoming_to_available_not_twice(
        self, shop: FakeConnector
    ) -> None:
        """Receiving 3 of PO-0001 leaves 2 incoming on it: the total sold stays 9."""
        await purchasing.receive_line("PO-0001", "MUG", 3, BUYER)
        policy = Policy(sell_incoming=True, incoming_within_days=14)
        assert await planned(shop, policy) == (9, "9 = available 7 + incoming 2 due 12 Dec")

    async def test_a_cancelled_order_is_no_longer_sold(self, shop: FakeConnector) -> None:
        await purchasing.cancel("PO-0001", BUYER)
        policy = Policy(sell_incoming=True)
        assert await planned(shop, policy) == (11, "11 = available 4 + incoming 7 due 20 Jan")

    async def test_drift_compares_with_the_same_plan(self, shop: FakeConnector) -> None:
        policy = Policy(sell_incoming=True, incoming_within_days=14)
        report = await check_drift(SyncChannel(shop, ("main",), policy), clock=lambda: NOW)
        [line] = report.lines
        assert (line.planned, line.drift) == (9, -9)

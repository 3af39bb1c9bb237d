"""The daily demand roll-up on a real database: kept by every posting, per SKU, location,
channel and UTC day, net of cancellations, returns and reversals; and the migration's
backfill builds the same rows from the movements."""

from __future__ import annotations

import importlib
from datetime import UTC, date, datetime
from typing import Any

import pytest
from tortoise import connections

from syncbot import ledger
from syncbot.store import demand, models, posting
from syncbot.store.catalogue import add_sku
from syncbot.store.corrections import reverse_movement
from syncbot.store.demand_models import DailyDemand
from syncbot.store.posting import Provenance

DAY_1 = datetime(2026, 11, 30, 23, 59, tzinfo=UTC)
DAY_2 = datetime(2026, 12, 1, 0, 1, tzinfo=UTC)


def order(channel: str, number: int, at: datetime) -> Provenance:
    return Provenance(actor=channel, document=f"{channel}/orders/{number}", occurred_at=at)


@pytest.fixture
async def mug(database: str) -> str:
    await add_sku("MUG-1", "Mug")
    await posting.post([ledger.receive("MUG-1", 100), ledger.receive("MUG-1", 50, "east")])
    return "MUG-1"


async def table() -> list[tuple[str, str, str, date, int]]:
    found = await demand.rows(date(2026, 1, 1))
    return [(r.sku, r.location, r.channel, r.day, r.units) for r in found]


async def history(mug: str) -> None:
    """Two days of orders from two channels at two locations, with a cancellation, a
    return, a fulfilment (no more demand) and a reversal (a person undoing a commit)."""
    await posting.post([ledger.order_commit(mug, 3)], provenance=order("shopify", 1, DAY_1))
    await posting.post([ledger.order_commit(mug, 2)], provenance=order("woo", 7, DAY_1))
    await posting.post([ledger.order_fulfil(mug, 3)], provenance=order("shopify", 1, DAY_2))
    await posting.post([ledger.order_commit(mug, 5)], provenance=order("shopify", 2, DAY_2))
    await posting.post([ledger.order_cancel(mug, 1)], provenance=order("shopify", 2, DAY_2))
    await posting.post([ledger.return_restock(mug, 1)], provenance=order("shopify", 1, DAY_2))
    result = await posting.post(
        [ledger.order_commit(mug, 4, "east")], provenance=order("shopify", 3, DAY_2)
    )
    assert result.applied
    committed = await models.Movement.filter(kind="order_commit", source_location="east").get()
    await reverse_movement(committed.id, Provenance(actor="cli:ann"))


class TestKeptByPostings:
    async def test_units_sold_per_sku_location_channel_and_day(self, mug: str) -> None:
        await history(mug)
        today = datetime.now(UTC).date()
        assert await table() == [  # by SKU, day, location, channel
            (mug, "main", "shopify", DAY_1.date(), 3),
            (mug, "main", "woo", DAY_1.date(), 2),
            (mug, "east", "shopify", DAY_2.date(), 4),
            (mug, "main", "shopify", DAY_2.date(), 5 - 1 - 1),
            (mug, "east", "", today, -4),  # the reversal, with no order document
        ]

    async def test_receipts_damage_and_counts_are_not_demand(self, mug: str) -> None:
        await posting.post([ledger.damage(mug, 2), ledger.receive(mug, 5)])
        assert await table() == []

    async def test_a_refused_posting_leaves_no_demand(self, mug: str) -> None:
        with pytest.raises(ledger.LedgerError):
            await posting.post(
                [ledger.order_commit(mug, 1), ledger.damage(mug, 10_000)],
                provenance=order("shopify", 9, DAY_1),
            )
        assert await table() == []


async def test_the_migration_backfill_builds_the_same_rows(mug: str) -> None:
    """Empty the roll-up, run the migration's backfill on the movements: the same table."""
    await history(mug)
    kept = sorted(await table())
    await DailyDemand.all().delete()
    migration: Any = importlib.import_module("syncbot.migrations.0020_demand")

    class Editor:
        client = connections.get("default")

    await migration.backfill(None, Editor())
    assert sorted(await table()) == kept

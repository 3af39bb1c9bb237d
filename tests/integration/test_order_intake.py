"""Order intake on a real database: each event reconciled once, unknown SKUs parked."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from syncbot import ledger
from syncbot.ledger import Quantities
from syncbot.ledger.orders import Disposition, OrderLine, OrderReturn, OrderSnapshot, ReturnLine
from syncbot.store import models, order_rows, posting
from syncbot.store.catalogue import add_sku
from syncbot.store.orders import apply_parked, parked_lines, record_order_event
from syncbot.store.stock import history, stock
from syncbot.store.verify import verify

T0 = datetime(2026, 11, 1, 12, tzinfo=UTC)


def order(
    minutes: int = 0, fulfilled: int = 0, sku: str = "MUG", **changes: object
) -> OrderSnapshot:
    line = OrderLine("L1", sku, quantity=3, current=3, fulfilled=fulfilled)
    return OrderSnapshot(
        "1001",
        T0 + timedelta(minutes=minutes),
        (line,),
        **changes,  # type: ignore[arg-type]
    )


async def main_stock(sku: str = "MUG") -> Quantities:
    return (await stock(sku)).locations["main"]


@pytest.fixture
async def mug(database: str) -> None:
    await add_sku("MUG")
    await posting.post([ledger.receive("MUG", 10)])


async def test_an_order_commits_and_a_duplicate_posts_nothing(mug: None) -> None:
    first = await record_order_event("shop", order())
    again = await record_order_event("shop", order())
    assert first is not None
    assert again is None
    assert await main_stock() == Quantities(available=7, committed=3)
    (latest,) = await history("MUG", limit=1)
    assert (latest.actor, latest.document) == ("shop", "shop/orders/1001")


async def test_fulfilment_then_a_stale_retry(mug: None) -> None:
    await record_order_event("shop", order(0))
    await record_order_event("shop", order(5, fulfilled=2))
    assert await record_order_event("shop", order(1, fulfilled=1)) is None
    assert await main_stock() == Quantities(available=7, committed=1)


async def test_concurrent_deliveries_of_one_event_apply_once(mug: None) -> None:
    """The order's record is locked while it is reconciled, so twins cannot both post."""
    results = await asyncio.gather(*(record_order_event("shop", order()) for _ in range(10)))
    assert sum(result is not None for result in results) == 1
    assert await main_stock() == Quantities(available=7, committed=3)


async def test_a_new_order_a_twin_created_meanwhile_is_reconciled_against_its_record(
    mug: None, database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two transactions both find no record for a new order and settle it as new. The
    older snapshot's record is created first; the newer one's insert waits for its
    commit, creates nothing, and its order is reconciled again against that record: the
    newer snapshot's fulfilment is posted on top of the older one's commit."""
    if not database.startswith("postgres"):
        pytest.skip("SQLite runs one transaction at a time: no twin can overlap")
    real_lock, real_create = order_rows.lock, order_rows.create
    both_read = asyncio.Barrier(2)
    waited: list[object] = []
    missed: list[int] = []
    older_created = asyncio.Event()

    async def lock(*args: Any) -> dict[order_rows.OrderKey, order_rows.Locked]:
        found = await real_lock(*args)
        if not found and len(waited) < 2:
            waited.append(args)
            await both_read.wait()  # both have read "no record" before either creates it
        return found

    async def create(*args: Any) -> set[order_rows.OrderKey]:
        newer = any(record.state.updated_at != T0 for _, record in args[1])
        if newer:
            await older_created.wait()
        created = await real_create(*args)
        missed.append(len(args[1]) - len(created))
        if not newer:
            older_created.set()
        return created

    monkeypatch.setattr(order_rows, "lock", lock)
    monkeypatch.setattr(order_rows, "create", create)
    newer = order(1, fulfilled=1)
    await asyncio.wait_for(
        asyncio.gather(record_order_event("shop", order(0)), record_order_event("shop", newer)),
        30,
    )
    assert sum(missed) == 1  # one insert found the twin's record, and went round again
    assert await main_stock() == Quantities(available=7, committed=2)
    assert await models.OrderRecord.filter(order_id="1001").count() == 1
    assert (await verify()).ok


async def test_a_refund_line_applies_once(mug: None) -> None:
    await record_order_event("shop", order(0, fulfilled=3))
    refund = OrderReturn("1001", (ReturnLine("R1", "L1", "MUG", 2, Disposition.RESTOCK),))
    await record_order_event("shop", refund)
    await record_order_event("shop", refund)
    assert await main_stock() == Quantities(available=9)
    assert (await verify()).ok


async def test_an_unknown_sku_is_parked_and_applied_when_added(mug: None) -> None:
    """The line waits; adding the SKU applies it from the order's latest snapshot."""
    assert await record_order_event("shop", order(sku="CUP")) is None
    parked = await models.ParkedLine.all().values_list("order_id", "line_id", "sku", "quantity")
    assert parked == [("1001", "L1", "CUP", 3)]
    await add_sku("CUP")
    assert await apply_parked("CUP") == 1
    assert await main_stock("CUP") == Quantities(available=-3, committed=3)
    assert await models.ParkedLine.all().count() == 0


async def test_a_return_for_an_unknown_sku_waits_too(mug: None) -> None:
    refund = OrderReturn("1001", (ReturnLine("R1", "L9", "CUP", 1, Disposition.DAMAGED),))
    await record_order_event("shop", refund)
    await record_order_event("shop", refund)
    [line] = await parked_lines()
    assert (line.channel, line.order_id, line.line_id, line.sku, line.quantity) == (
        "shop",
        "1001",
        "return:R1",
        "CUP",
        1,
    )
    assert "SKU CUP is not in syncbot" in line.reason
    await add_sku("CUP")
    await apply_parked("CUP")
    assert await main_stock("CUP") == Quantities(damaged=1)

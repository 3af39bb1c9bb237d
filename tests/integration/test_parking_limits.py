"""Lines the store cannot hold are parked with their reason; the rest of the order applies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from syncbot import ledger
from syncbot.ledger import Quantities
from syncbot.ledger.limits import MAX_BIGINT, MAX_QUANTITY
from syncbot.ledger.orders import Disposition, OrderLine, OrderReturn, OrderSnapshot, ReturnLine
from syncbot.store import models, posting
from syncbot.store.catalogue import add_sku
from syncbot.store.orders import UnstorableOrder, apply_parked, record_order_event
from syncbot.store.stock import stock
from syncbot.store.verify import verify

T0 = datetime(2026, 11, 1, 12, tzinfo=UTC)
LONG_SKU = "S" * 129


def snapshot(*lines: OrderLine, minutes: int = 0, order_id: str = "1001") -> OrderSnapshot:
    return OrderSnapshot(order_id, T0 + timedelta(minutes=minutes), lines)


def line(line_id: str, sku: str, quantity: int = 1, fulfilled: int = 0) -> OrderLine:
    return OrderLine(line_id, sku, quantity=quantity, current=quantity, fulfilled=fulfilled)


@pytest.fixture
async def mug(database: str) -> None:
    await add_sku("MUG")
    await posting.post([ledger.receive("MUG", 10)])


async def parked() -> dict[str, tuple[str, int, str]]:
    rows = await models.ParkedLine.all()
    return {row.line_id: (row.sku, row.quantity, row.reason) for row in rows}


async def test_lines_the_store_cannot_hold_are_parked_and_the_order_goes_on(mug: None) -> None:
    event = snapshot(
        line("L1", "MUG", 2),
        line("L2", LONG_SKU),
        line("L3", "MUG\x00X"),
        line("L4", "MUG", 2**40),
        line("L5", "NEW-SKU"),
    )
    assert await record_order_event("shop", event) is not None

    assert (await stock("MUG")).locations["main"] == Quantities(available=8, committed=2)
    lines = await parked()
    assert set(lines) == {"L2", "L3", "L4", "L5"}
    assert lines["L2"] == (
        "S" * 128,
        1,
        f"SKU is 129 characters long, over the limit of 128: {'S' * 80!r}…",
    )
    assert lines["L3"] == ("MUG\\x00X", 1, "SKU contains a NUL character, which cannot be stored")
    assert lines["L4"] == ("MUG", 2**40, f"quantity {2**40} is over the limit of {MAX_QUANTITY}")
    assert lines["L5"][2] == "SKU NEW-SKU is not in syncbot: add it and the line is applied"
    assert (await verify()).ok


async def test_a_quantity_beyond_bigint_is_parked_at_the_largest_storable_figure(
    mug: None,
) -> None:
    await record_order_event("shop", snapshot(line("L1", "MUG", 2**70)))
    (row,) = await models.ParkedLine.all()
    assert row.quantity == MAX_BIGINT
    assert str(2**70) in row.reason


async def test_refused_lines_stay_parked_when_another_sku_is_added(mug: None) -> None:
    """Adding a SKU reconciles the order again from its stored state: the refused line
    is kept with its reason, not dropped."""
    await record_order_event("shop", snapshot(line("L1", "NEW"), line("L2", "MUG", 2**40)))
    await add_sku("NEW")
    await posting.post([ledger.receive("NEW", 5)])
    assert await apply_parked("NEW") == 1
    assert (await stock("NEW")).total.committed == 1
    assert set(await parked()) == {"L2"}


async def test_a_newer_snapshot_that_fixes_the_line_applies_it(mug: None) -> None:
    await record_order_event("shop", snapshot(line("L1", "MUG", 2**40)))
    await record_order_event("shop", snapshot(line("L1", "MUG", 3), minutes=5))
    assert (await stock("MUG")).total.committed == 3
    assert await parked() == {}


async def test_a_return_line_the_store_cannot_hold_is_parked_once(mug: None) -> None:
    await record_order_event("shop", snapshot(line("L1", "MUG", 2, fulfilled=2)))
    refund = OrderReturn(
        "1001",
        (
            ReturnLine("R1", "L1", "MUG", 2**40, Disposition.RESTOCK),
            ReturnLine("R2", "L1", "MUG", 1, Disposition.RESTOCK),
        ),
    )
    await record_order_event("shop", refund)
    await record_order_event("shop", refund)
    assert (await stock("MUG")).total.on_hand == 9
    lines = await parked()
    assert set(lines) == {"return:R1"}
    assert "over the limit" in lines["return:R1"][2]


@pytest.mark.parametrize(
    ("event", "field"),
    [
        (snapshot(line("L1", "MUG"), order_id="9" * 65), "order id"),
        (snapshot(line("L" * 65, "MUG")), "line id"),
        (snapshot(line("L1", "MUG"), order_id="10\x0001"), "order id"),
    ],
)
async def test_an_id_the_store_cannot_hold_refuses_the_event_and_writes_nothing(
    mug: None, event: OrderSnapshot, field: str
) -> None:
    with pytest.raises(UnstorableOrder, match=field):
        await record_order_event("shop", event)
    assert await models.OrderRecord.all().count() == 0
    assert (await stock("MUG")).total.committed == 0

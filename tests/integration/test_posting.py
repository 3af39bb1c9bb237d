"""The posting path on a real database: balances, guards, idempotency and events."""

from __future__ import annotations

from syncbot import ledger
from syncbot.ledger import Count
from syncbot.store import posting
from syncbot.store.catalogue import add_sku
from syncbot.store.stock import stock
from syncbot.store.verify import verify


async def test_receipt_then_damage_moves_the_balances(database: str) -> None:
    """A receipt adds to available; a damage moves from available to damaged."""
    await add_sku("MUG-1", "Mug")
    await posting.post([ledger.receive("MUG-1", 10)])
    await posting.post([ledger.damage("MUG-1", 3)])
    report = await stock("MUG-1")
    assert report.locations["main"] == ledger.Quantities(available=7, damaged=3)
    assert report.total.on_hand == 10
    assert (await verify()).ok


async def test_count_posts_the_difference(database: str) -> None:
    await add_sku("MUG-1")
    await posting.post([ledger.receive("MUG-1", 10)])
    result = await posting.post([Count("MUG-1", 7)])
    assert result.movements[0].quantity == 3
    assert (await stock("MUG-1")).total.on_hand == 7

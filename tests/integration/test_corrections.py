"""Reversing a movement: the only way to correct the ledger, and only once per movement."""

from __future__ import annotations

import pytest

from syncbot import ledger
from syncbot.ledger import InsufficientStock, Quantities, UnknownMovement
from syncbot.store import posting
from syncbot.store.catalogue import add_sku
from syncbot.store.corrections import reverse_movement
from syncbot.store.posting import Provenance
from syncbot.store.stock import history, stock
from syncbot.store.verify import verify

SLACK_USER = Provenance(actor="slack:U1@T1")


@pytest.fixture
async def damaged_mug(database: str) -> int:
    """MUG-1 with 10 received and 3 damaged; returns the damage's movement id."""
    await add_sku("MUG-1")
    await posting.post([ledger.receive("MUG-1", 10)])
    await posting.post([ledger.damage("MUG-1", 3)])
    return (await history("MUG-1"))[0].id


async def test_a_reversal_restores_the_balances_and_keeps_both_movements(
    damaged_mug: int,
) -> None:
    result = await reverse_movement(damaged_mug, SLACK_USER)
    assert result.applied
    assert (await stock("MUG-1")).locations["main"] == Quantities(available=10)
    newest = (await history("MUG-1"))[0]
    assert (newest.reverses, newest.actor, newest.kind) == (damaged_mug, "slack:U1@T1", "damage")
    assert len(await history("MUG-1")) == 3
    assert (await verify()).ok


async def test_a_movement_is_reversed_at_most_once(damaged_mug: int) -> None:
    """Pressing Undo twice, or retrying the request, records one reversal."""
    await reverse_movement(damaged_mug, SLACK_USER)
    again = await reverse_movement(damaged_mug, Provenance(actor="api"))
    assert not again.applied
    assert (await stock("MUG-1")).locations["main"] == Quantities(available=10)


async def test_a_reversal_is_refused_when_the_units_have_moved_on(damaged_mug: int) -> None:
    """Damaged units already written off cannot come back to available unless forced."""
    await posting.post([ledger.write_off("MUG-1", 3)])
    with pytest.raises(InsufficientStock):
        await reverse_movement(damaged_mug, SLACK_USER)
    forced = await reverse_movement(damaged_mug, SLACK_USER, force=True)
    assert forced.applied
    assert (await stock("MUG-1")).locations["main"].damaged == -3


async def test_an_unknown_movement_cannot_be_reversed(database: str) -> None:
    with pytest.raises(UnknownMovement, match="42"):
        await reverse_movement(42, SLACK_USER)

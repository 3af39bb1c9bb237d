"""The undo rule on a real database: a clerk undoes their own movement for 10 minutes;
anyone else's, or later, needs a manager, and a refusal writes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from syncbot import ledger
from syncbot.app import stock
from syncbot.app.actor import Actor, Via
from syncbot.app.roles import UNDO_WINDOW, Role
from syncbot.app.stock import UndoRefused
from syncbot.store.catalogue import add_sku

CAROL = Actor(Via.WEB, "carol")
DAN = Actor(Via.WEB, "dan")


@pytest.fixture
async def carols_damage(database: str) -> stock.MovementView:
    """MUG-1 with 10 received by dan and 3 damaged by carol; carol's damage."""
    await add_sku("MUG-1")
    await stock.record(ledger.receive("MUG-1", 10), DAN)
    recorded = await stock.record(ledger.damage("MUG-1", 3), CAROL)
    return recorded.rows[0]


async def test_a_clerk_undoes_their_own_damage_within_ten_minutes(
    carols_damage: stock.MovementView,
) -> None:
    now = carols_damage.recorded_at + UNDO_WINDOW - timedelta(seconds=1)
    undone = await stock.undo(carols_damage.id, CAROL, Role.CLERK, now)

    assert undone.applied
    assert undone.rows[0].reverses == carols_damage.id
    assert undone.rows[0].actor == "web:carol"
    assert undone.stock.total.available == 10


async def test_a_second_undo_answers_the_first_reversal(
    carols_damage: stock.MovementView,
) -> None:
    """A double click records one reversal."""
    now = carols_damage.recorded_at
    first = await stock.undo(carols_damage.id, CAROL, Role.CLERK, now)
    again = await stock.undo(carols_damage.id, CAROL, Role.CLERK, now)

    assert not again.applied
    assert [row.id for row in again.rows] == [row.id for row in first.rows]


@pytest.mark.parametrize(
    ("who", "after", "why"),
    [
        (DAN, timedelta(0), "undoing someone else's movement"),
        (CAROL, UNDO_WINDOW, "undoing your own movement after 10 minutes"),
    ],
)
async def test_a_clerk_is_refused_and_nothing_is_written(
    carols_damage: stock.MovementView, who: Actor, after: timedelta, why: str
) -> None:
    """Someone else's movement, or one's own after 10 minutes, needs a manager."""
    now = carols_damage.recorded_at + after
    with pytest.raises(UndoRefused) as refused:
        await stock.undo(carols_damage.id, who, Role.CLERK, now)

    assert (refused.value.needed, refused.value.held) == (Role.MANAGER, Role.CLERK)
    assert why in str(refused.value)
    assert len(await stock.history("MUG-1")) == 2


async def test_a_manager_reverses_anyones_movement_at_any_time(
    carols_damage: stock.MovementView,
) -> None:
    later = carols_damage.recorded_at + timedelta(days=3)
    undone = await stock.undo(carols_damage.id, DAN, Role.MANAGER, later)

    assert undone.applied
    assert undone.rows[0].actor == "web:dan"


async def test_the_undo_button_is_offered_only_where_the_rule_allows(
    carols_damage: stock.MovementView,
) -> None:
    at = carols_damage.recorded_at
    assert stock.may_undo(carols_damage, CAROL, Role.CLERK, at)
    assert not stock.may_undo(carols_damage, CAROL, Role.CLERK, at + UNDO_WINDOW)
    assert not stock.may_undo(carols_damage, DAN, Role.CLERK, at)
    assert not stock.may_undo(carols_damage, CAROL, Role.VIEWER, at)
    assert stock.may_undo(carols_damage, DAN, Role.MANAGER, at + UNDO_WINDOW)

"""Parked lines as people work them: grouped by the SKU they wait for, and adding that SKU
applies them and says which."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from syncbot.app import catalogue
from syncbot.ledger.orders import OrderLine, OrderSnapshot
from syncbot.store.orders import record_order_event

T0 = datetime(2026, 11, 1, 12, tzinfo=UTC)


async def _order(order_id: str, *lines: tuple[str, str, int]) -> None:
    snapshot = OrderSnapshot(
        order_id,
        T0,
        tuple(
            OrderLine(line_id, sku, quantity=n, current=n, fulfilled=0) for line_id, sku, n in lines
        ),
    )
    await record_order_event("shop", snapshot)


@pytest.fixture
async def parked(database: str) -> None:
    await _order("1001", ("L1", "CUP", 2), ("L2", "", 1))
    await _order("1002", ("L1", "CUP", 3), ("L2", "PLATE", 1))


async def test_parked_lines_are_grouped_by_sku_with_unnamed_ones_last(parked: None) -> None:
    """Each SKU's lines together, by code; lines with no SKU last and not addable."""
    groups = await catalogue.parked_by_sku()

    assert [(g.sku, g.quantity, g.orders, g.addable) for g in groups] == [
        ("CUP", 5, 2, True),
        ("PLATE", 1, 1, True),
        ("", 1, 1, False),
    ]


async def test_adding_the_sku_answers_the_lines_it_applied(parked: None) -> None:
    """The lines parked for the new SKU come back as applied, and are parked no more."""
    added = await catalogue.add_sku("CUP", "Cup")

    assert added.orders == 2
    assert sorted((line.order_id, line.quantity) for line in added.applied) == [
        ("1001", 2),
        ("1002", 3),
    ]
    assert [g.sku for g in await catalogue.parked_by_sku()] == ["PLATE", ""]

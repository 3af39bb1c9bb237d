"""Events the ledger derives from a posting: stock changed, oversold, below reorder point."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from syncbot import ledger
from syncbot.ledger import (
    BelowReorderPoint,
    Event,
    Oversold,
    Quantities,
    StockChanged,
    coalesce,
    derive_events,
)


def test_a_change_reports_before_and_after() -> None:
    events = derive_events([ledger.damage("A", 2)], {("A", "main"): Quantities(3, 0, 2)}, {})
    assert events == [StockChanged("A", "main", Quantities(5, 0, 0), Quantities(3, 0, 2))]


def test_an_order_below_zero_is_an_oversell() -> None:
    """Available below zero after an order raises the alarm."""
    events = derive_events(
        [ledger.order_commit("A", 3)], {("A", "main"): Quantities(available=-1, committed=3)}, {}
    )
    assert Oversold("A", "main", -1) in events


def test_a_rise_that_leaves_available_negative_is_not_a_new_oversell() -> None:
    """A receipt into an oversold SKU improves things; it does not alarm again."""
    events = derive_events([ledger.receive("A", 1)], {("A", "main"): Quantities(-2)}, {})
    assert not any(isinstance(event, Oversold) for event in events)


def test_crossing_the_reorder_point_is_reported_once() -> None:
    """Only the posting that crosses the point reports it, over all locations."""
    after = {("A", "main"): Quantities(available=3), ("A", "east"): Quantities(available=2)}
    crossing = derive_events([ledger.order_commit("A", 2)], after, {"A": 6})
    assert BelowReorderPoint("A", 5, 6) in crossing
    below_already = derive_events(
        [ledger.order_commit("A", 1)],
        {("A", "main"): Quantities(available=4)},
        {"A": 6},
    )
    assert not any(isinstance(event, BelowReorderPoint) for event in below_already)


def test_a_transfer_changes_two_locations_but_not_the_total() -> None:
    after = {("A", "main"): Quantities(3), ("A", "east"): Quantities(2)}
    events = derive_events([ledger.transfer("A", 2, "main", "east")], after, {"A": 4})
    assert {e.location for e in events if isinstance(e, StockChanged)} == {"main", "east"}
    assert not any(isinstance(event, BelowReorderPoint) for event in events)


@given(
    st.dictionaries(
        st.tuples(st.sampled_from("ABCD"), st.sampled_from(["main", "east"])),
        st.tuples(st.integers(-5, 20), st.integers(0, 8)),  # available after, units damaged
        min_size=1,
    ),
    st.dictionaries(st.sampled_from("ABCD"), st.none() | st.integers(0, 30)),
)
def test_below_reorder_point_is_reported_for_each_sku_whose_total_crosses_it(
    positions: dict[tuple[str, str], tuple[int, int]], points: dict[str, int | None]
) -> None:
    """Over every location of each SKU in one posting: reported when the total available
    was above the point before and is at or below it after, once, in SKU order."""
    moved = [
        ledger.damage(sku, units, where) for (sku, where), (_, units) in positions.items() if units
    ]
    after = {
        position: Quantities(available=available, damaged=units)
        for position, (available, units) in positions.items()
    }
    events = derive_events(moved, after, points)

    expected = []
    for sku in sorted({sku for sku, _ in positions}):
        point = points.get(sku)
        total = sum(available for (s, _), (available, _) in positions.items() if s == sku)
        dropped = sum(units for (s, _), (_, units) in positions.items() if s == sku)
        if point is not None and dropped and total <= point < total + dropped:
            expected.append(BelowReorderPoint(sku, total, point))
    assert [event for event in events if isinstance(event, BelowReorderPoint)] == expected


def test_a_batch_keeps_one_stock_change_per_sku_and_location() -> None:
    """Three orders in one transaction: the outbox keeps the first before and the last
    after of each SKU at each location, where it first changed, and every oversell."""
    first = StockChanged("A", "main", Quantities(2), Quantities(1, 1))
    other = StockChanged("B", "main", Quantities(5), Quantities(4, 1))
    oversold = Oversold("A", "main", -1)
    last = StockChanged("A", "main", Quantities(1, 1), Quantities(-1, 3))
    assert coalesce([first, other, last, oversold]) == [
        StockChanged("A", "main", Quantities(2), Quantities(-1, 3)),
        other,
        oversold,
    ]


def test_changes_that_cancel_out_leave_no_stock_change() -> None:
    """An order committed, then cancelled in the same batch: nothing to push."""
    there = StockChanged("A", "main", Quantities(2), Quantities(1, 1))
    back = StockChanged("A", "main", Quantities(1, 1), Quantities(2))
    assert coalesce([there, back]) == []


@given(
    st.lists(
        st.tuples(st.sampled_from("ABC"), st.sampled_from(["main", "east"]), st.integers(-3, 3)),
        max_size=30,
    )
)
def test_coalescing_a_batch_keeps_what_each_sku_went_from_and_to(
    steps: list[tuple[str, str, int]],
) -> None:
    """For postings one after another, each position's kept change goes from its
    available before the first to after the last (none when equal), in the order the
    positions first changed, and every other event is kept in order."""
    available: dict[tuple[str, str], int] = {}
    events: list[Event] = []
    for sku, location, change in steps:
        before = available.get((sku, location), 0)
        available[(sku, location)] = before + change
        if change:
            events.append(
                StockChanged(sku, location, Quantities(before), Quantities(before + change))
            )
        if before + change < 0:
            events.append(Oversold(sku, location, before + change))

    kept = coalesce(events)

    others = [event for event in events if not isinstance(event, StockChanged)]
    assert [event for event in kept if not isinstance(event, StockChanged)] == others
    first_changed = list(
        dict.fromkeys((sku, location) for sku, location, change in steps if change)
    )
    assert [event for event in kept if isinstance(event, StockChanged)] == [
        StockChanged(sku, location, Quantities(0), Quantities(available[(sku, location)]))
        for sku, location in first_changed
        if available[(sku, location)] != 0
    ]

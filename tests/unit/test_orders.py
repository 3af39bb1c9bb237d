"""Order reconciliation: only the difference between snapshot and applied state is posted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from syncbot import ledger
from syncbot.ledger.movements import Movement
from syncbot.ledger.orders import (
    Disposition,
    OrderLine,
    OrderSnapshot,
    OrderState,
    ReturnLine,
    apply_return,
    apply_snapshot,
)

T0 = datetime(2026, 11, 1, 12, tzinfo=UTC)


def snapshot(
    minutes: int, current: int = 3, fulfilled: int = 0, *, cancelled: bool = False, **line: object
) -> OrderSnapshot:
    fields: dict[str, object] = {
        "line_id": "L1",
        "sku": "MUG",
        "quantity": 3,
        "current": current,
        "fulfilled": fulfilled,
        **line,
    }
    return OrderSnapshot(
        order_id="1001",
        updated_at=T0 + timedelta(minutes=minutes),
        lines=(OrderLine(**fields),),  # type: ignore[arg-type]
        cancelled=cancelled,
    )


def moves(movements: list[Movement]) -> list[tuple[str, int, str]]:
    return [(str(m.kind), m.quantity, m.source.location) for m in movements]


def deliver(events: list[OrderSnapshot | ReturnLine]) -> tuple[OrderState, list[Movement]]:
    """Applies events in the given order; after each, no line holds negative committed."""
    state, posted = OrderState(), []
    for event in events:
        if isinstance(event, OrderSnapshot):
            state, movements = apply_snapshot(state, event)
        else:
            state, movements = apply_return(state, event)
        posted += movements
        assert all(line.committed >= 0 for line in state.lines.values())
        committed = ledger.replay(posted).get(
            ("MUG", ledger.Position("main", ledger.Bucket.COMMITTED)), 0
        )
        assert committed >= 0, "units left through committed that were never committed"
    return state, posted


class TestSnapshots:
    def test_a_new_order_commits_its_units(self) -> None:
        _, movements = deliver([snapshot(0)])
        assert moves(movements) == [("order_commit", 3, "main")]

    def test_a_duplicate_posts_nothing(self) -> None:
        state, _ = deliver([snapshot(0)])
        assert apply_snapshot(state, snapshot(0))[1] == []

    def test_a_partial_fulfilment_ships_only_the_fulfilled_units(self) -> None:
        _, movements = deliver([snapshot(0), snapshot(1, fulfilled=1)])
        assert moves(movements)[1:] == [("order_fulfil", 1, "main")]

    def test_a_snapshot_older_than_the_applied_one_is_ignored(self) -> None:
        """A stale retry after a newer update changes nothing."""
        state, _ = deliver([snapshot(0), snapshot(5, fulfilled=2)])
        assert apply_snapshot(state, snapshot(1, fulfilled=1)) == (state, [])

    def test_updated_before_create_converges(self) -> None:
        """The newer snapshot is applied whole; the create arriving after it is stale."""
        _, movements = deliver([snapshot(5, fulfilled=1), snapshot(0)])
        assert moves(movements) == [
            ("order_commit", 1, "main"),
            ("order_fulfil", 1, "main"),
            ("order_commit", 2, "main"),
        ]

    def test_cancelling_the_order_releases_the_open_units(self) -> None:
        _, movements = deliver([snapshot(0, fulfilled=1), snapshot(1, fulfilled=1, cancelled=True)])
        assert moves(movements)[-1] == ("order_cancel", 2, "main")

    def test_an_edit_that_removes_units_releases_them(self) -> None:
        _, movements = deliver([snapshot(0), snapshot(1, current=1)])
        assert moves(movements)[-1] == ("order_cancel", 2, "main")

    def test_a_line_moved_to_another_location_is_held_there(self) -> None:
        _, movements = deliver([snapshot(0), snapshot(1, location="east")])
        assert moves(movements)[1:] == [("order_cancel", 3, "main"), ("order_commit", 3, "east")]


class TestReturns:
    def refund(self, disposition: Disposition, quantity: int = 1, rid: str = "R1") -> ReturnLine:
        return ReturnLine(rid, "L1", "MUG", quantity, disposition)

    def test_a_restocked_return_puts_units_back_once(self) -> None:
        state, _ = deliver([snapshot(0, fulfilled=3)])
        state, movements = apply_return(state, self.refund(Disposition.RESTOCK, 2))
        assert moves(movements) == [("return_restock", 2, "main")]
        assert apply_return(state, self.refund(Disposition.RESTOCK, 2)) == (state, [])

    def test_a_damaged_return_goes_to_damaged(self) -> None:
        _, movements = apply_return(OrderState(), self.refund(Disposition.DAMAGED))
        assert [m.destination.bucket for m in movements] == [ledger.Bucket.DAMAGED]

    def test_no_restock_moves_nothing(self) -> None:
        assert apply_return(OrderState(), self.refund(Disposition.NO_RESTOCK))[1] == []

    def test_a_cancelling_refund_and_the_snapshot_after_it_release_once(self) -> None:
        """The refund and the order's reduced current quantity describe the same units."""
        state, _ = deliver([snapshot(0)])
        state, by_refund = apply_return(state, self.refund(Disposition.CANCEL, 2))
        _, by_snapshot = apply_snapshot(state, snapshot(1, current=1))
        assert moves(by_refund) == [("order_cancel", 2, "main")]
        assert by_snapshot == []

    def test_a_cancelling_refund_before_the_order_waits_for_it(self) -> None:
        state, early = apply_return(OrderState(), self.refund(Disposition.CANCEL, 2))
        _, later = apply_snapshot(state, snapshot(0))
        assert early == []
        assert moves(later) == [("order_commit", 1, "main")]


@st.composite
def order_histories(draw: st.DrawFn) -> list[OrderSnapshot | ReturnLine]:
    """A realistic order's events: fulfilment only grows, edits only remove, then returns."""
    quantity = draw(st.integers(1, 6))
    current, fulfilled, cancelled = quantity, 0, False
    events: list[OrderSnapshot | ReturnLine] = []
    returned = 0
    for minute in range(draw(st.integers(1, 6))):
        step = draw(st.sampled_from(["fulfil", "edit", "cancel", "refund", "return", "same"]))
        if step == "fulfil" and not cancelled:
            fulfilled += draw(st.integers(0, current - fulfilled))
        elif step == "edit" and not cancelled:
            current = fulfilled + draw(st.integers(0, current - fulfilled))
        elif step == "cancel":
            cancelled = True
        elif step == "refund" and not cancelled and current > fulfilled:
            units = draw(st.integers(1, current - fulfilled))
            current -= units
            events.append(ReturnLine(f"C{minute}", "L1", "MUG", units, Disposition.CANCEL))
        elif step == "return" and fulfilled > returned:
            units = draw(st.integers(1, fulfilled - returned))
            returned += units
            kind = draw(st.sampled_from([Disposition.RESTOCK, Disposition.DAMAGED]))
            events.append(ReturnLine(f"R{minute}", "L1", "MUG", units, kind))
        events.append(snapshot(minute, current, fulfilled, cancelled=cancelled, quantity=quantity))
    return events


@settings(max_examples=300)
@given(history=order_histories(), data=st.data())
def test_any_delivery_order_with_duplicates_ends_in_the_same_balances(
    history: list[OrderSnapshot | ReturnLine], data: st.DataObject
) -> None:
    """Shuffled, duplicated deliveries of an order's events post the same net stock."""
    duplicates = data.draw(st.lists(st.sampled_from(history), max_size=len(history)))
    shuffled = data.draw(st.permutations(history + duplicates))
    _, in_order = deliver(history)
    state, any_order = deliver(shuffled)
    assert {k: v for k, v in ledger.replay(any_order).items() if v} == {
        k: v for k, v in ledger.replay(in_order).items() if v
    }
    assert state.lines["L1"].committed >= 0

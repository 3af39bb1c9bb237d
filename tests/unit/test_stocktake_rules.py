"""The pure stock-take rules: counts summed by counter and area, expected at the count, and
the thresholds; a property proves a variance is exactly the units truly missing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from syncbot.ledger import Bucket, Movement, MovementKind, Position
from syncbot.ledger.stocktake import (
    CountEntry,
    CountMode,
    StocktakeInputError,
    Thresholds,
    check_name,
    counted,
    expected_at,
    on_hand_change,
    over_thresholds,
    variance_percent,
)

SET, ADD = CountMode.SET, CountMode.ADD


def move(
    kind: MovementKind, quantity: int, source: Bucket, destination: Bucket, at: str = "main"
) -> Movement:
    return Movement("MUG-1", kind, quantity, Position(at, source), Position(at, destination))


def sale(quantity: int, at: str = "main") -> Movement:
    return move(MovementKind.ORDER_FULFIL, quantity, Bucket.COMMITTED, Bucket.CUSTOMER, at)


def order(quantity: int) -> Movement:
    return move(MovementKind.ORDER_COMMIT, quantity, Bucket.AVAILABLE, Bucket.COMMITTED)


def receipt(quantity: int, at: str = "main") -> Movement:
    return move(MovementKind.RECEIVE, quantity, Bucket.SUPPLIER, Bucket.AVAILABLE, at)


def damage(quantity: int) -> Movement:
    return move(MovementKind.DAMAGE, quantity, Bucket.AVAILABLE, Bucket.DAMAGED)


def write_off(quantity: int) -> Movement:
    return move(MovementKind.WRITE_OFF, quantity, Bucket.DAMAGED, Bucket.SCRAP)


class TestCounted:
    def test_counts_by_counter_and_area_are_summed(self) -> None:
        """Shelf A: 4 and back room: 3 by two people make a count of 7."""
        entries = [CountEntry("ann", "shelf A", 4, SET, 1), CountEntry("bob", "back", 3, SET, 2)]
        assert counted(entries) == 7

    def test_a_recount_of_the_same_counter_and_area_replaces_it(self) -> None:
        """Ann counts shelf A as 4, then as 5: the line counts 5, not 9."""
        entries = [CountEntry("ann", "A", 4, SET, 1), CountEntry("ann", "A", 5, SET, 2)]
        assert counted(entries) == 5

    def test_adds_build_on_the_last_set(self) -> None:
        """Scans add one each after a set; a set afterwards replaces all of it."""
        entries = [CountEntry("ann", "A", 4, SET, 1), CountEntry("ann", "A", 1, ADD, 2)]
        assert counted(entries) == 5
        assert counted([*entries, CountEntry("ann", "A", 2, SET, 3)]) == 2

    def test_an_uncounted_line_has_no_count(self) -> None:
        """No entries is not zero: the line was not counted."""
        assert counted([]) is None


class TestExpected:
    def test_on_hand_change_ignores_moves_inside_on_hand_and_other_locations(self) -> None:
        """An order commit or a damage changes nothing; a sale does; elsewhere never."""
        assert on_hand_change(order(2), "main") == 0
        assert on_hand_change(damage(2), "main") == 0
        assert on_hand_change(sale(2), "main") == -2
        assert on_hand_change(write_off(1), "main") == -1
        assert on_hand_change(sale(2, at="east"), "main") == 0

    def test_only_movements_between_the_start_and_the_count_count(self) -> None:
        """Snapshot 10 at watermark 5; changes 4 (before), 6 and 8 (in), 9 (after)."""
        changes = [(4, -1), (6, -2), (8, 5), (9, -3)]
        assert expected_at(10, 5, 8, changes) == 13


class TestThresholds:
    def test_each_threshold_is_exceeded_only_beyond_it(self) -> None:
        """2 units over a 2-unit threshold is fine; 3 is over."""
        limits = Thresholds(units=2)
        assert over_thresholds(-2, 10, None, limits) == ()
        assert over_thresholds(-3, 10, None, limits) == ("units",)

    def test_percent_and_value(self) -> None:
        """−3 of 10 is −30%; a variance where nothing was expected is over any percent."""
        assert variance_percent(-3, 10) == Decimal("-30.0")
        limits = Thresholds(percent=Decimal(25), value=5_000_000)
        assert over_thresholds(-3, 10, -6_000_000, limits) == ("percent", "value")
        assert over_thresholds(1, 0, None, limits) == ("percent",)
        assert over_thresholds(0, 10, 0, limits) == ()

    def test_a_negative_threshold_is_refused(self) -> None:
        """A threshold below zero is a typo."""
        with pytest.raises(StocktakeInputError):
            Thresholds(units=-1)

    def test_a_name_is_not_a_number(self) -> None:
        """A name of digits would read as a session id."""
        with pytest.raises(StocktakeInputError):
            check_name("42")
        assert check_name(" aisle 4 ") == "aisle 4"


# One step of a day on the floor while the aisle is counted.
STEPS = st.one_of(
    st.tuples(st.just("sale"), st.integers(1, 3)),
    st.tuples(st.just("order"), st.integers(1, 3)),
    st.tuples(st.just("receipt"), st.integers(1, 5)),
    st.tuples(st.just("damage"), st.integers(1, 2)),
    st.tuples(st.just("write_off"), st.integers(1, 2)),
    st.tuples(st.just("elsewhere"), st.integers(1, 5)),
    st.tuples(st.just("shrink"), st.integers(1, 2)),
    st.tuples(st.just("count"), st.just(0)),
)
LEDGER_MOVES = {
    "sale": sale,
    "order": order,
    "receipt": receipt,
    "damage": damage,
    "write_off": write_off,
    "elsewhere": lambda quantity: receipt(quantity, at="east"),
}


@given(
    shelf=st.integers(0, 50),
    missing_before=st.integers(0, 5),
    steps=st.lists(STEPS, max_size=40),
    earlier=st.integers(0, 30),
)
def test_the_variance_is_the_units_truly_missing(
    shelf: int, missing_before: int, steps: list[tuple[str, int]], earlier: int
) -> None:
    """Over any interleaving of counts, sales, receipts, damages and unrecorded shrinkage,
    the variance judged at the last count is the true shelf minus the ledger then, so
    posting it leaves the ledger equal to the true shelf, short only of what went missing
    after that count."""
    ledger_on_hand = shelf + missing_before  # the ledger believes more than is there
    true_on_hand = shelf
    history: list[tuple[int, int]] = []
    next_id = earlier + 1  # movements before the session started
    snapshot, start_watermark = ledger_on_hand, earlier
    last: tuple[int, int, int] | None = None  # (watermark, counted, truly missing then)
    missing_since_count = 0
    for step, quantity in steps:
        if step == "shrink":  # a theft nobody records
            true_on_hand -= quantity
            missing_since_count += quantity
        elif step == "count":  # the counter sees the true shelf
            last = (next_id - 1, true_on_hand, ledger_on_hand - true_on_hand)
            missing_since_count = 0
        else:
            change = on_hand_change(LEDGER_MOVES[step](quantity), "main")
            history.append((next_id, change))
            next_id += 1
            ledger_on_hand += change
            true_on_hand += change
    if last is None:
        return
    watermark, count, truly_missing = last
    variance = count - expected_at(snapshot, start_watermark, watermark, history)
    assert variance == -truly_missing
    assert ledger_on_hand + variance == true_on_hand + missing_since_count


@given(st.lists(st.tuples(st.sampled_from("ab"), st.sampled_from("xy"), st.integers(0, 9))))
def test_the_line_count_is_the_last_count_of_each_counter_and_area(
    sets: list[tuple[str, str, int]],
) -> None:
    """However counts interleave, a line sums the latest set of each counter and area."""
    entries = [CountEntry(c, a, q, SET, i) for i, (c, a, q) in enumerate(sets)]
    latest = {(c, a): q for c, a, q in sets}
    assert counted(entries) == (sum(latest.values()) if sets else None)


def test_a_threshold_beyond_its_limit_is_refused() -> None:
    """A percent over a million or units over the quantity limit are typos."""
    with pytest.raises(StocktakeInputError):
        Thresholds(percent=Decimal(10_000_000))
    with pytest.raises(StocktakeInputError):
        Thresholds(units=10**12)

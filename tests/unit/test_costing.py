"""The moving weighted-average cost: pure rules, and the conservation of value."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syncbot import ledger
from syncbot.ledger import Movement
from syncbot.ledger.costing import (
    CostError,
    StockValue,
    Valuation,
    ValueClass,
    average_of,
    format_cost,
    format_money,
    parse_cost,
    value_class,
    value_of,
)

SKU = "MUG"


def run(steps: list[tuple[Movement, Decimal | None]]) -> tuple[StockValue, list[Valuation]]:
    state, moved = StockValue(), []
    for movement, cost in steps:
        state, valuation = state.apply(movement, cost)
        moved.append(valuation)
    return state, moved


class TestAverage:
    def test_a_receipt_sets_the_weighted_average(self) -> None:
        """(value on hand + qty × cost) / (on hand + qty)."""
        state, _ = run(
            [
                (ledger.receive(SKU, 10, unit_cost=Decimal(4)), Decimal(4)),
                (ledger.receive(SKU, 30, unit_cost=Decimal(6)), Decimal(6)),
            ]
        )
        assert state.on_hand == 40
        assert state.average == Decimal("5.5")
        assert state.value == value_of(40, Decimal("5.5"))

    def test_a_sale_takes_the_average_of_that_moment(self) -> None:
        """A fulfilment costs the average, and leaves the average as it was."""
        state, moved = run(
            [
                (ledger.receive(SKU, 3, unit_cost=Decimal(1)), Decimal(1)),
                (ledger.order_fulfil(SKU, 1), None),
            ]
        )
        assert moved[1] == Valuation(-value_of(1, Decimal(1)), Decimal(1))
        assert state.average == Decimal(1)

    def test_stock_that_runs_out_is_worth_exactly_nothing(self) -> None:
        """Thirds of a cent do not leave a residue: the last unit takes what is left."""
        state, moved = run(
            [
                (ledger.receive(SKU, 3, unit_cost=Decimal("0.01")), None),
                (ledger.receive(SKU, 0 + 1, unit_cost=Decimal("0.000001")), None),
                (ledger.order_fulfil(SKU, 1), None),
                (ledger.order_fulfil(SKU, 1), None),
                (ledger.order_fulfil(SKU, 2), None),
            ]
        )
        assert (state.on_hand, state.value) == (0, 0)
        assert sum(v.value for v in moved) == 0

    def test_moves_inside_on_hand_move_no_value(self) -> None:
        """A damage, an order commit, a transfer and an order stay inside the stock."""
        state = StockValue(10, value_of(10, Decimal(2)), Decimal(2))
        for movement in (
            ledger.damage(SKU, 1),
            ledger.order_commit(SKU, 1),
            ledger.transfer(SKU, 1, "main", "east"),
            ledger.purchase(SKU, 5),
        ):
            assert state.apply(movement) == (state, Valuation())

    def test_receiving_into_negative_stock_revalues_it_at_the_receipt_cost(self) -> None:
        """Units sold short went at the old average; the receipt's cost settles them, and the
        difference is a cost variance."""
        state, moved = run(
            [
                (ledger.receive(SKU, 2, unit_cost=Decimal(10)), None),
                (ledger.order_fulfil(SKU, 5), None),  # 3 short, at 10
                (ledger.receive(SKU, 4, unit_cost=Decimal(12)), None),
            ]
        )
        assert state == StockValue(1, value_of(1, Decimal(12)), Decimal(12))
        # The 3 short units really cost 12, not 10: 6 more to the cost of goods sold.
        assert moved[2].variance == value_of(3, Decimal(2))

    def test_a_reversal_moves_back_exactly_what_its_original_moved(self) -> None:
        """Undoing the first receipt leaves the stock as if only the second had come."""
        first = ledger.receive(SKU, 10, unit_cost=Decimal(5))
        state, moved = run([(first, None), (ledger.receive(SKU, 10, unit_cost=Decimal(15)), None)])
        state, undone = state.reverse(ledger.reverse(first, 1), moved[0])
        assert state == StockValue(10, value_of(10, Decimal(15)), Decimal(15))
        assert undone.value == -moved[0].value

    def test_a_receipt_without_a_cost_comes_in_at_the_average(self) -> None:
        state, _ = run(
            [
                (ledger.receive(SKU, 4, unit_cost=Decimal(3)), Decimal(3)),
                (ledger.receive(SKU, 4), None),
            ]
        )
        assert state.average == Decimal(3)

    def test_average_of_nothing_on_hand_is_the_fallback(self) -> None:
        assert average_of(0, 0, Decimal(7)) == Decimal(7)
        assert average_of(-2, -5, Decimal(7)) == Decimal(7)


class TestMoney:
    @pytest.mark.parametrize("text", ["4.50", "0", "0.000001", "999999999.999999", "12"])
    def test_costs_are_decimals(self, text: str) -> None:
        assert parse_cost(text) == Decimal(text)

    @pytest.mark.parametrize(
        "text", ["-1", "abc", "NaN", "Infinity", "1e400", "0.0000001", "", "1,5.5", "1000000000"]
    )
    def test_bad_costs_are_refused_clearly(self, text: str) -> None:
        with pytest.raises(CostError, match="cost"):
            parse_cost(text)

    def test_a_float_is_refused(self) -> None:
        """0.1 is not exact in binary: money is never a float."""
        with pytest.raises(CostError):
            parse_cost(0.1)

    def test_amounts_round_to_the_currencys_smallest_unit(self) -> None:
        assert format_money(value_of(1, Decimal("4.505")), "USD") == "4.50"
        assert format_money(value_of(3, Decimal("100.6")), "JPY") == "302"
        assert format_money(value_of(1, Decimal("1.2345")), "KWD") == "1.234"
        assert format_cost(Decimal("4.5")) == "4.50"
        assert format_cost(Decimal("0.0042")) == "0.0042"

    def test_an_unknown_currency_shape_is_refused(self) -> None:
        with pytest.raises(CostError, match="ISO 4217"):
            format_money(1, "dollars")


costs = st.decimals(min_value=0, max_value=1000, places=4).map(lambda d: d.normalize())
quantities = st.integers(min_value=1, max_value=50)


@st.composite
def histories(draw: st.DrawFn) -> list[tuple[str, int, Decimal | None]]:
    kinds = st.sampled_from(
        ["receive", "receive_nocost", "sale", "return", "damage", "write_off", "count_plus",
         "count_minus", "adjust_plus", "adjust_minus", "reverse"]
    )  # fmt: skip
    return draw(st.lists(st.tuples(kinds, quantities, costs), min_size=1, max_size=60))


def movement_of(kind: str, quantity: int, cost: Decimal) -> tuple[Movement, Decimal | None]:
    builders = {
        "receive": lambda: (ledger.receive(SKU, quantity, unit_cost=cost), cost),
        "receive_nocost": lambda: (ledger.receive(SKU, quantity), None),
        "sale": lambda: (ledger.order_fulfil(SKU, quantity), None),
        "damage": lambda: (ledger.damage(SKU, quantity, forced=True), None),
        "write_off": lambda: (ledger.write_off(SKU, quantity, forced=True), None),
        "count_plus": lambda: (ledger.adjust(SKU, quantity, "found", forced=True), None),
        "count_minus": lambda: (ledger.adjust(SKU, -quantity, "lost", forced=True), None),
        "adjust_plus": lambda: (ledger.adjust(SKU, quantity, "typo", forced=True), None),
        "adjust_minus": lambda: (ledger.adjust(SKU, -quantity, "typo", forced=True), None),
    }
    return builders[kind]()


class TestConservation:
    @settings(max_examples=1000, deadline=None)
    @given(histories())
    def test_value_is_conserved(self, history: list[tuple[str, int, Decimal | None]]) -> None:
        """receipts = cost of goods sold (variances included) + write-offs + value on hand,
        exactly, for any sequence of receipts, sales, returns, damages, counts, adjustments
        and reversals, stock going negative included."""
        state = StockValue()
        recorded: list[tuple[Movement, Valuation]] = []
        left_at: list[Decimal] = []  # what each sold unit cost, for returns
        totals = dict.fromkeys(ValueClass, 0)
        for kind, quantity, cost in history:
            if kind == "reverse":
                if not recorded:
                    continue
                index = quantity % len(recorded)
                original, valuation = recorded[index]
                movement = ledger.reverse(original, index + 1)
                state, moved = state.reverse(movement, valuation)
            elif kind == "return":
                if not left_at:
                    continue
                movement = ledger.return_restock(SKU, 1)
                state, moved = state.apply(movement, left_at.pop())
            else:
                movement, named = movement_of(kind, quantity, cost)
                state, moved = state.apply(movement, named)
                if kind == "sale" and moved.unit_cost is not None:
                    left_at.append(moved.unit_cost)
            recorded.append((movement, moved))
            # Each movement counts at its own cost (value + variance): what came in for a
            # receipt, what went out for the rest; a variance goes to the cost of goods sold.
            at_cost = moved.value + moved.variance
            bucket = value_class(movement.kind)
            totals[bucket] += at_cost if bucket is ValueClass.RECEIPT else -at_cost
            totals[ValueClass.COST_OF_GOODS] += moved.variance
        assert totals[ValueClass.NONE] == 0
        assert totals[ValueClass.RECEIPT] == (
            totals[ValueClass.COST_OF_GOODS] + totals[ValueClass.WRITE_OFF] + state.value
        )

    @settings(max_examples=300, deadline=None)
    @given(st.lists(st.tuples(quantities, costs), min_size=1, max_size=20), st.data())
    def test_the_average_stays_between_the_costs_paid(
        self, receipts: list[tuple[int, Decimal]], data: st.DataObject
    ) -> None:
        """Without negative stock, the average is never outside the costs that made it."""
        state = StockValue()
        for quantity, cost in receipts:
            state, _ = state.apply(ledger.receive(SKU, quantity, unit_cost=cost), cost)
            sold = data.draw(st.integers(min_value=0, max_value=state.on_hand - 1))
            if sold:
                state, _ = state.apply(ledger.order_fulfil(SKU, sold))
        paid = [cost for _, cost in receipts]
        tolerance = Decimal("0.000001")
        assert min(paid) - tolerance <= state.average <= max(paid) + tolerance

"""What the stock is worth: the moving weighted-average cost of each SKU, over all locations.

Money is never a float. Unit costs are Decimals of the currency's major unit ("4.50"
dollars) with at most 6 decimal places. Values (a SKU's stock value, what a movement moves)
are integers of millionths of the major unit (`VALUE_PLACES`): quantity × cost is then exact,
only a share of value going out is rounded (to a millionth), and every sum adds up exactly.
Reports round to the currency's smallest unit once, when they show an amount.

The rules (`StockValue.apply`):
- Only a movement that crosses the on-hand boundary (available + committed + damaged on
  one side, anything else on the other) moves value. A damage or a transfer stays inside,
  an order commit too; ordering (supplier → incoming) moves units that are not yet ours.
- Units coming in add quantity × their cost: a receipt's own cost (or, without one, the
  average), a restocked return the cost it left with, a found unit the average.
  The new average is (value on hand + quantity × cost) / (on hand + quantity).
- Units going out take their share of the value at the average of that moment:
  value × quantity / on hand, rounded to the smallest unit; the last unit takes what is
  left, so stock that runs out is worth exactly 0.
- Stock may go negative (reality wins). Units going out beyond what is on hand go at the
  last known average, so the value goes negative with the quantity. When units come in
  while on hand is zero or below, the average becomes the incoming cost and the stock is
  revalued at it; the difference is a *cost variance*, booked to the cost of goods sold
  (those units were sold at the old average, and really cost the new one).
- A reversal moves back exactly the value (and variance) its original moved.

Invariant (conservation): the value of all receipts = cost of goods sold (variances
included) + write-offs + the value on hand, to the smallest unit, for any sequence.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from enum import StrEnum

from syncbot.ledger.errors import ValidationError
from syncbot.ledger.movements import Movement, MovementKind
from syncbot.ledger.quantities import ON_HAND_BUCKETS

DEFAULT_CURRENCY = "USD"
# ISO 4217 currencies whose smallest unit is not the hundredth; every other has 2 places.
_EXPONENTS = {
    **dict.fromkeys(
        ("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX"), 0
    ),
    **dict.fromkeys(("VND", "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
}
COST_PLACES = 6
"""Unit costs keep 6 decimal places: enough for a screw bought at 0.0042 a piece."""
VALUE_PLACES = COST_PLACES
"""Values are integers of 10^-VALUE_PLACES of the major unit, so quantity × cost is exact."""
MAX_COST = Decimal(1_000_000_000)
_COST_QUANTUM = Decimal(1).scaleb(-COST_PLACES)


class CostError(ValidationError):
    """A unit cost or a currency that cannot be used; nothing was written."""


def exponent(currency: str) -> int:
    """Decimal places of the currency's smallest unit (USD 2, JPY 0, KWD 3)."""
    code = currency.strip().upper()
    if len(code) != 3 or not code.isalpha() or not code.isascii():
        raise CostError(f"a currency is a 3-letter ISO 4217 code like USD, not {currency!r}")
    return _EXPONENTS.get(code, 2)


def parse_cost(text: object) -> Decimal:
    """A unit cost as a person or a client gives it ("4.50", 4, Decimal): finite,
    non-negative, at most COST_PLACES decimals. Floats are refused: 0.1 is not exact."""
    if isinstance(text, bool | float) or not isinstance(text, str | int | Decimal):
        raise CostError(f"a cost is a decimal number like 4.50, not {text!r}")
    try:
        cost = Decimal(text.strip() if isinstance(text, str) else text)
    except InvalidOperation:
        raise CostError(f"a cost is a decimal number like 4.50, not {str(text)[:40]!r}") from None
    if not cost.is_finite():
        raise CostError(f"a cost is a decimal number like 4.50, not {str(text)[:40]!r}")
    if cost < 0:
        raise CostError(f"a cost cannot be negative, got {cost}")
    if cost >= MAX_COST:
        raise CostError(f"a unit cost of {cost} is beyond the limit of {MAX_COST}")
    if cost != cost.quantize(_COST_QUANTUM, rounding=ROUND_HALF_EVEN):
        raise CostError(f"a unit cost has at most {COST_PLACES} decimal places, got {cost}")
    return cost + 0  # normalises -0 to 0


def value_of(quantity: int, unit_cost: Decimal) -> int:
    """quantity × unit cost as a value: exact, since a cost has at most VALUE_PLACES places."""
    return int((quantity * unit_cost).scaleb(VALUE_PLACES).to_integral_value(ROUND_HALF_EVEN))


def money(value: int, currency: str) -> Decimal:
    """A value as an amount of the currency, rounded (half to even) to its smallest unit."""
    quantum = Decimal(1).scaleb(-exponent(currency))
    return Decimal(value).scaleb(-VALUE_PLACES).quantize(quantum, ROUND_HALF_EVEN)


def format_money(value: int, currency: str) -> str:
    """ "12.34" with the currency's places; thousands are not grouped, so CSV stays numeric."""
    return str(money(value, currency))


def format_cost(cost: Decimal) -> str:
    """A unit cost without trailing zeros past the cents: 4.5 → "4.50", 0.0042 → "0.0042"."""
    text = f"{cost.normalize():f}"
    whole, _, fraction = text.partition(".")
    return f"{whole}.{fraction.ljust(2, '0')}"


class ValueClass(StrEnum):
    """Where the value a movement moves is reported."""

    RECEIPT = "receipt"
    COST_OF_GOODS = "cost_of_goods_sold"
    WRITE_OFF = "write_off"
    NONE = "none"


_CLASSES = {
    MovementKind.RECEIVE: ValueClass.RECEIPT,
    MovementKind.ORDER_FULFIL: ValueClass.COST_OF_GOODS,
    MovementKind.RETURN_RESTOCK: ValueClass.COST_OF_GOODS,
    MovementKind.RETURN_DAMAGED: ValueClass.COST_OF_GOODS,
    MovementKind.WRITE_OFF: ValueClass.WRITE_OFF,
    MovementKind.COUNT: ValueClass.WRITE_OFF,
    MovementKind.ADJUST: ValueClass.WRITE_OFF,
}


def value_class(kind: MovementKind) -> ValueClass:
    return _CLASSES.get(kind, ValueClass.NONE)


def direction(movement: Movement) -> int:
    """+1 when the movement brings units on hand, -1 when it takes them off, else 0."""
    into = movement.destination.bucket in ON_HAND_BUCKETS
    out_of = movement.source.bucket in ON_HAND_BUCKETS
    return int(into) - int(out_of)


@dataclass(frozen=True, slots=True)
class Valuation:
    """The money one movement moved: recorded on it, replayed by `verify`."""

    value: int = 0
    """The change to the SKU's stock value, in the smallest unit (negative: value out)."""
    unit_cost: Decimal | None = None
    """The cost per unit it moved at: a receipt's cost, the average of that moment, ..."""
    variance: int = 0
    """Revaluation of stock that was below zero, booked to the cost of goods sold."""


@dataclass(frozen=True, slots=True)
class StockValue:
    """A SKU's on-hand quantity over all locations, its value and its average unit cost."""

    on_hand: int = 0
    value: int = 0
    average: Decimal = Decimal(0)
    """The last known average: value / on hand while on hand is positive, kept otherwise."""

    def apply(
        self, movement: Movement, cost: Decimal | None = None
    ) -> tuple[StockValue, Valuation]:
        """The state after `movement`, and what it moved. Units coming in cost `cost` (a
        return's: what it left with), else the receipt's named cost, else the average."""
        step = direction(movement)
        if step > 0:
            basis = cost if cost is not None else movement.unit_cost
            return self._take_in(movement.quantity, self.average if basis is None else basis)
        if step < 0:
            return self._give_out(movement.quantity)
        return self, Valuation()

    def reverse(self, movement: Movement, original: Valuation) -> tuple[StockValue, Valuation]:
        """Moves back exactly what the original moved."""
        undone = Valuation(-original.value, original.unit_cost, -original.variance)
        on_hand = self.on_hand + direction(movement) * movement.quantity
        return _settled(on_hand, self.value + undone.value, self.average), undone

    def _take_in(self, quantity: int, cost: Decimal) -> tuple[StockValue, Valuation]:
        incoming = value_of(quantity, cost)
        on_hand = self.on_hand + quantity
        # Nothing on hand may still hold value (below zero, or a residue a reversal left):
        # then the incoming cost revalues what there is, and the difference is a variance.
        if self.on_hand > 0:
            after = _settled(on_hand, self.value + incoming, cost)
            return after, Valuation(incoming, cost)
        value = value_of(on_hand, cost)
        variance = self.value + incoming - value
        return StockValue(on_hand, value, cost), Valuation(value - self.value, cost, variance)

    def _give_out(self, quantity: int) -> tuple[StockValue, Valuation]:
        average = self.average
        if self.on_hand > 0:
            covered = min(quantity, self.on_hand)
            share = Decimal(self.value * covered) / self.on_hand
            outgoing = int(share.to_integral_value(ROUND_HALF_EVEN))
            outgoing += value_of(quantity - covered, average)
        else:
            outgoing = value_of(quantity, average)
        after = _settled(self.on_hand - quantity, self.value - outgoing, average)
        return after, Valuation(-outgoing, average)


def _settled(on_hand: int, value: int, fallback: Decimal) -> StockValue:
    """The state with its average: value / on hand while positive, else `fallback`."""
    return StockValue(on_hand, value, average_of(on_hand, value, fallback))


def average_of(on_hand: int, value: int, fallback: Decimal = Decimal(0)) -> Decimal:
    """value / on hand as a unit cost (COST_PLACES); `fallback` while nothing is on hand."""
    if on_hand <= 0:
        return fallback
    return (Decimal(value) / on_hand).scaleb(-VALUE_PLACES).quantize(_COST_QUANTUM, ROUND_HALF_EVEN)

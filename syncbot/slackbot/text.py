"""What people type after a slash command, read into requests, or a message saying how.

Pure: no Slack, no database. The SKU's existence and the location's are checked by the
ledger when the movement is posted; here only the shape is.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from syncbot.ledger import DEFAULT_LOCATION
from syncbot.ledger.costing import CostError, parse_cost
from syncbot.ledger.limits import (
    MAX_NAME_LENGTH,
    MAX_REASON_LENGTH,
    MAX_SKU_LENGTH,
    quoted,
    text_problem,
)

MAX_UNITS = 100_000
"""A sane ceiling for one adjustment typed by hand: a typo of 1000000 is refused."""
DAMAGE_REASONS = ("broken", "expired", "lost", "defective", "other")
USAGE = {
    "/stock": "`/stock SKU` or `/stock words to search` (add `public` to post it in the channel)",
    "/damage": "`/damage SKU QTY [location] [reason...]`, e.g. `/damage MUG-01 2 main broken`",
    "/count": "`/count SKU QTY [location]`, e.g. `/count MUG-01 41`",
    "/receive": (
        "`/receive SKU QTY [location] [note...] [@COST]`, e.g. `/receive MUG-01 24 @4.50`; "
        "`/receive PO-12` for an order's form; `/receive PO-12 SKU QTY [@COST]` for one line"
    ),
}
COST_MARK = "@"
"""A word starting with it is a receipt's unit cost: `@4.50`."""


class UsageError(ValueError):
    """The words could not be read; the message says what was wrong and how to write it."""

    def __init__(self, command: str, problem: str) -> None:
        super().__init__(f"{problem}\nUsage: {USAGE[command]}")
        self.command = command
        self.problem = problem


@dataclass(frozen=True, slots=True)
class StockQuery:
    words: tuple[str, ...]
    public: bool = False

    @property
    def text(self) -> str:
        return " ".join(self.words)


@dataclass(frozen=True, slots=True)
class Adjustment:
    """A /damage, /count or /receive as typed: SKU, units, where and why."""

    sku: str
    quantity: int
    location: str = DEFAULT_LOCATION
    reason: str = ""
    unit_cost: Decimal | None = None
    """A receipt's unit cost (`@4.50`); None: the SKU's average."""


@dataclass(frozen=True, slots=True)
class OrderReceipt:
    """A /receive naming a purchase order: its form (no SKU), or one line's units."""

    number: str
    sku: str | None = None
    quantity: int = 0
    unit_cost: Decimal | None = None


def read_stock(text: str) -> StockQuery:
    words = tuple(text.split())
    public = bool(words) and words[-1].lower() == "public"
    if public:
        words = words[:-1]
    if not words:
        raise UsageError("/stock", "Say which SKU, or some words to search for.")
    # A SKU or a name is what is searched: a search longer than a name can find nothing.
    problem = text_problem(" ".join(words), "The search", MAX_NAME_LENGTH)
    if problem is not None:
        raise UsageError("/stock", f"{problem}.")
    return StockQuery(words, public)


def read_adjustment(command: str, text: str, locations: tuple[str, ...]) -> Adjustment:
    """`SKU QTY [location] [reason...]`; the third word is a location only if one is named so.

    A /count may be zero (the shelf is empty); damage and receipts move at least one unit.
    """
    words = text.split()
    if len(words) < 2:
        raise UsageError(command, "Give a SKU and a quantity.")
    sku, units, rest = words[0], words[1], words[2:]
    _check_sku(command, sku)
    quantity = read_quantity(command, units, allow_zero=command == "/count")
    unit_cost = None
    if command == "/receive":
        rest, unit_cost = _cost_word(command, rest)
    location = DEFAULT_LOCATION
    if rest and rest[0] in locations:
        location, rest = rest[0], rest[1:]
    elif rest and command == "/count":
        known = ", ".join(locations)
        raise UsageError(command, f"{quoted(rest[0])} is not a location. Locations: {known}.")
    reason = " ".join(rest)[:MAX_REASON_LENGTH]
    problem = text_problem(reason, "The reason", MAX_REASON_LENGTH)
    if problem is not None:
        raise UsageError(command, f"{problem}.")
    return Adjustment(sku, quantity, location, reason, unit_cost)


def looks_like_order(words: list[str]) -> bool:
    """Whether /receive words that name no existing order were still meant for one: a
    single word (`/receive PO-99`), or a number, a SKU and a quantity. A plain receipt's
    second word is its quantity, so the two never read alike."""
    if len(words) == 1:
        return True
    return len(words) >= 3 and not _is_whole(words[1]) and _is_whole(words[2])


def read_order_receipt(number: str, words: list[str]) -> OrderReceipt:
    """The words after an order's number: none (its form), or `SKU QTY [@COST]`."""
    if not words:
        return OrderReceipt(number)
    rest, unit_cost = _cost_word("/receive", words)
    if len(rest) != 2:
        raise UsageError(
            "/receive", "After the order number give a SKU and a quantity, or nothing for its form."
        )
    sku, units = rest
    _check_sku("/receive", sku)
    return OrderReceipt(number, sku, read_quantity("/receive", units), unit_cost)


def read_cost(command: str, text: str) -> Decimal:
    try:
        return parse_cost(text)
    except CostError as error:
        raise UsageError(command, f"{str(error).capitalize()}.") from None


def _cost_word(command: str, words: list[str]) -> tuple[list[str], Decimal | None]:
    marked = [word for word in words if word.startswith(COST_MARK)]
    if not marked:
        return words, None
    if len(marked) > 1:
        raise UsageError(command, "Give one unit cost, like @4.50.")
    rest = [word for word in words if not word.startswith(COST_MARK)]
    return rest, read_cost(command, marked[0].removeprefix(COST_MARK))


def _check_sku(command: str, sku: str) -> None:
    problem = text_problem(sku, "The SKU", MAX_SKU_LENGTH)
    if problem is not None:
        raise UsageError(command, f"{problem}.")


def _is_whole(word: str) -> bool:
    return word.isascii() and word.isdigit()


def read_quantity(command: str, units: str, *, allow_zero: bool = False) -> int:
    least = 0 if allow_zero else 1
    if not _is_whole(units):  # isdigit alone takes "²", int() does not
        what = "a whole number" + (" of 0 or more" if allow_zero else " of 1 or more")
        raise UsageError(command, f"{quoted(units)} is not a quantity: write {what}.")
    quantity = int(units)
    if quantity < least:
        raise UsageError(command, "The quantity must be at least 1.")
    if quantity > MAX_UNITS:
        raise UsageError(
            command, f"{quantity:,} units is more than one adjustment takes ({MAX_UNITS:,})."
        )
    return quantity

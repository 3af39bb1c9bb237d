"""Purchase orders as pure rules: their states, a line's open quantity, and how a receipt
splits into movements. No I/O; `store.purchasing` applies these under the order's lock.

A line is named by its order and SKU (one line per SKU on an order). Its counters:
    quantity     units ordered
    received     units taken out of incoming for it (to available or damaged)
    cancelled    units given back to the supplier (incoming → supplier)
    over_received  units received beyond the order, forced, straight from the supplier
    received_damaged  of all units received for it, those that went to damaged
Invariant: received + cancelled ≤ quantity, and once ordered, the line holds
open = quantity − received − cancelled units in incoming at the order's location.

The error tree (every class is a LedgerError, so every surface maps it to a 4xx):

PurchasingError
├── PurchasingInputError   a value is malformed (a date, a number, a lead time): ValidationError
├── UnknownSupplier        no supplier has that name                                     (404)
├── SupplierExists         a supplier already has that name                             (409)
├── UnknownPurchaseOrder   no order has that number                                     (404)
├── PurchaseOrderExists    an order already has that number                             (409)
├── LineNotOnOrder         the order has no line for that SKU                           (404)
├── LineExists             the order already has a line for that SKU                    (409)
├── WrongState             the order's state does not allow the action                  (409)
├── OverReceipt            more than is still open, not forced                          (409)
└── BelowReceived          a quantity below what was already received or cancelled      (409)
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from syncbot.ledger.errors import LedgerError, ValidationError, quoted
from syncbot.ledger.limits import MAX_NAME_LENGTH, text_problem
from syncbot.ledger.movements import Movement
from syncbot.ledger.routes import receive

DOCUMENT_PREFIX = "purchase-orders/"
"""Every posting of an order names `purchase-orders/<number>` as its source document; the
movement's SKU names the line."""
AUTO_PREFIX = "PO-"
_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/#+-]{0,63}$")


class PurchaseStatus(StrEnum):
    DRAFT = "draft"
    ORDERED = "ordered"
    PARTIALLY_RECEIVED = "partially_received"
    RECEIVED = "received"
    CANCELLED = "cancelled"
    CLOSED = "closed"


OPEN_STATUSES = frozenset(
    {PurchaseStatus.DRAFT, PurchaseStatus.ORDERED, PurchaseStatus.PARTIALLY_RECEIVED}
)
"""An order that may still change or be cancelled."""
EDITABLE = OPEN_STATUSES
RECEIVABLE = frozenset(
    # A received order still takes a forced over-receipt: the supplier sent more.
    {PurchaseStatus.ORDERED, PurchaseStatus.PARTIALLY_RECEIVED, PurchaseStatus.RECEIVED}
)
CLOSABLE = frozenset({PurchaseStatus.RECEIVED, PurchaseStatus.CANCELLED})


class PurchasingError(LedgerError):
    """Base of every refusal about suppliers and purchase orders; nothing was written."""


class PurchasingInputError(PurchasingError, ValidationError):
    """A value is malformed: a date, an order number, a lead time."""


class UnknownSupplier(PurchasingError):
    def __init__(self, name: str) -> None:
        super().__init__(
            f"unknown supplier {quoted(name)}: add it first with `syncbot supplier add`"
        )
        self.name = name


class SupplierExists(PurchasingError):
    def __init__(self, name: str) -> None:
        super().__init__(f"supplier {quoted(name)} already exists: change it with `supplier set`")
        self.name = name


class UnknownPurchaseOrder(PurchasingError):
    def __init__(self, number: str) -> None:
        super().__init__(f"no purchase order {quoted(number)}: see `syncbot po list`")
        self.number = number


class PurchaseOrderExists(PurchasingError):
    def __init__(self, number: str) -> None:
        super().__init__(
            f"purchase order {quoted(number)} already exists: give another number or none"
        )
        self.number = number


class LineNotOnOrder(PurchasingError):
    def __init__(self, number: str, sku: str) -> None:
        super().__init__(
            f"purchase order {number} has no line for {quoted(sku)}: see `syncbot po show {number}`"
        )
        self.number = number
        self.sku = sku


class LineExists(PurchasingError):
    def __init__(self, number: str, sku: str) -> None:
        super().__init__(
            f"purchase order {number} already has a line for {quoted(sku)}: "
            "change its quantity with `po edit`"
        )
        self.number = number
        self.sku = sku


class WrongState(PurchasingError):
    def __init__(
        self, number: str, status: PurchaseStatus, action: str, allowed: Iterable[PurchaseStatus]
    ) -> None:
        states = ", ".join(sorted(str(s) for s in allowed))
        super().__init__(f"purchase order {number} is {status}: {action} needs it to be {states}")
        self.number = number
        self.status = status
        self.action = action


class OverReceipt(PurchasingError):
    def __init__(self, number: str, sku: str, requested: int, open_quantity: int) -> None:
        super().__init__(
            f"purchase order {number}, {sku}: receiving {requested} is more than the "
            f"{open_quantity} still expected; use force to record the excess as an over-receipt"
        )
        self.number = number
        self.sku = sku
        self.requested = requested
        self.open_quantity = open_quantity


class BelowReceived(PurchasingError):
    def __init__(self, number: str, sku: str, requested: int, settled: int) -> None:
        super().__init__(
            f"purchase order {number}, {sku}: {settled} units are already received or "
            f"cancelled, so the line cannot be {requested}; give at least {settled}"
        )
        self.number = number
        self.sku = sku
        self.requested = requested
        self.settled = settled


MAX_LEAD_TIME_DAYS = 3650
MAX_NOTE_LENGTH = 500


def check_supplier_name(name: str) -> str:
    name = name.strip()
    problem = text_problem(name, "a supplier's name", MAX_NAME_LENGTH)
    if not name or problem is not None:
        raise PurchasingInputError(problem or "a supplier needs a name")
    return name


def check_lead_time(days: int) -> int:
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= MAX_LEAD_TIME_DAYS:
        raise PurchasingInputError(
            f"a lead time is a whole number of days from 0 to {MAX_LEAD_TIME_DAYS}, got {days!r}"
        )
    return days


def check_note(note: str) -> str:
    if (problem := text_problem(note, "a note", MAX_NOTE_LENGTH)) is not None:
        raise PurchasingInputError(problem)
    return note


def document_of(number: str) -> str:
    """The source document every posting of the order carries."""
    return DOCUMENT_PREFIX + number


def auto_number(sequence: int) -> str:
    """PO-0001, PO-0002, …, PO-10000: four digits at least."""
    return f"{AUTO_PREFIX}{sequence:04d}"


def check_number(number: str) -> str:
    if not _NUMBER.match(number):
        raise PurchasingInputError(
            f"order number {quoted(number)} is not valid: use up to 64 letters, digits and "
            ". _ / # + -, starting with a letter or digit"
        )
    return number


def parse_date(text: str) -> date:
    """An expected date as YYYY-MM-DD."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise PurchasingInputError(
            f"{quoted(text)} is not a date: give it as YYYY-MM-DD, e.g. 2026-12-24"
        ) from None


@dataclass(frozen=True, slots=True)
class LineState:
    """The counters of one line, as the rules read them."""

    quantity: int
    received: int = 0
    cancelled: int = 0

    @property
    def open(self) -> int:
        """Units still expected: in incoming once the order is placed."""
        return self.quantity - self.received - self.cancelled

    @property
    def settled(self) -> int:
        return self.received + self.cancelled


def status_after(ordered: bool, lines: Iterable[LineState]) -> PurchaseStatus:
    """The state a placed order's lines put it in: received (or cancelled) once nothing is
    open, partially received while something is, ordered before any receipt."""
    lines = list(lines)
    if not ordered:
        return PurchaseStatus.DRAFT
    received = any(line.received for line in lines)
    if all(line.open == 0 for line in lines):
        return PurchaseStatus.RECEIVED if received else PurchaseStatus.CANCELLED
    return PurchaseStatus.PARTIALLY_RECEIVED if received else PurchaseStatus.ORDERED


@dataclass(frozen=True, slots=True)
class Receipt:
    """What a receipt of `quantity` does to a line: out of incoming up to what is open, the
    excess from the supplier; `damaged` units to damaged, the rest to available."""

    from_incoming: int
    excess: int
    damaged: int

    @classmethod
    def split(
        cls, line: LineState, quantity: int, damaged: int, *, number: str, sku: str, force: bool
    ) -> Receipt:
        if damaged < 0 or damaged > quantity:
            raise PurchasingInputError(
                f"damaged must be between 0 and the {quantity} received, got {damaged}"
            )
        taken = max(0, min(quantity, line.open))
        excess = quantity - taken
        if excess and not force:
            raise OverReceipt(number, sku, quantity, max(0, line.open))
        return cls(taken, excess, damaged)

    def movements(self, sku: str, location: str, unit_cost: Decimal, reason: str) -> list[Movement]:
        """Up to four receipts at `unit_cost`: damaged units are counted first against
        what was ordered, then against the excess."""
        damaged_ordered = min(self.damaged, self.from_incoming)
        damaged_excess = self.damaged - damaged_ordered
        parts = (
            (self.from_incoming - damaged_ordered, True, False),
            (damaged_ordered, True, True),
            (self.excess - damaged_excess, False, False),
            (damaged_excess, False, True),
        )
        return [
            receive(
                sku,
                quantity,
                location,
                reason,
                unit_cost=unit_cost,
                ordered=ordered,
                damaged=damaged,
            )
            for quantity, ordered, damaged in parts
            if quantity
        ]

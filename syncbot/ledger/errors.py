"""The ledger's error tree: every refusal carries the data a person needs to fix it.

LedgerError
├── ValidationError       a value breaks a rule that holds whatever the balances are
│   │                     (a SKU code, a reorder point, an idempotency key's length)
│   └── InvalidMovement   the movement itself is malformed (quantity, buckets, kind)
├── PolicyError           a channel's allocation policy is malformed (buffer, percent, max)
├── UnknownSku            the SKU is not in the catalogue
├── UnknownLocation       the location is not declared
├── UnknownMovement       no movement has that id
├── NotReversible         the movement belongs to a document that must be corrected instead
├── InsufficientStock     a manual movement would take a real bucket below zero
└── IdempotencyConflict   a key was reused with different content
"""

from __future__ import annotations

SHOWN_CHARACTERS = 80
"""How much of a user's input a message quotes: a hostile 100,000 characters never come back."""


def quoted(value: str) -> str:
    """`value` as a message quotes it: repr of at most SHOWN_CHARACTERS, then an ellipsis."""
    if len(value) <= SHOWN_CHARACTERS:
        return repr(value)
    return repr(value[:SHOWN_CHARACTERS]) + "…"


class LedgerError(Exception):
    """Base of every refusal the ledger makes; the message is fit to show a user."""


class ValidationError(LedgerError):
    """A value breaks a rule that holds whatever the balances are."""


class InvalidMovement(ValidationError):
    """The movement breaks a rule that holds whatever the balances are."""


class PolicyError(LedgerError):
    """A channel's allocation policy cannot be applied: a negative buffer, say."""


class UnknownSku(LedgerError):
    def __init__(self, sku: str) -> None:
        hint = (
            f": add it first with `syncbot sku add {sku}`" if len(sku) <= SHOWN_CHARACTERS else ""
        )
        super().__init__(f"unknown SKU {quoted(sku)}{hint}")
        self.sku = sku


class UnknownLocation(LedgerError):
    def __init__(self, location: str) -> None:
        super().__init__(
            f"unknown location {quoted(location)}: "
            "declare it under [locations] in the channels file"
        )
        self.location = location


class UnknownMovement(LedgerError):
    def __init__(self, movement_id: int) -> None:
        super().__init__(f"no movement has id {movement_id}: see `syncbot history SKU`")
        self.movement_id = movement_id


class NotReversible(LedgerError):
    """Reversing this movement alone would leave its document behind (a purchase order's
    line would still count the units as received)."""

    def __init__(self, movement_id: int, document: str, instead: str) -> None:
        super().__init__(
            f"movement {movement_id} belongs to {document} and cannot be reversed alone: {instead}"
        )
        self.movement_id = movement_id
        self.document = document


class InsufficientStock(LedgerError):
    def __init__(self, sku: str, location: str, bucket: str, requested: int, held: int) -> None:
        super().__init__(
            f"{sku} at {location}: cannot take {requested} from {bucket}, which holds {held}; "
            "use force to record it anyway"
        )
        self.sku = sku
        self.location = location
        self.bucket = bucket
        self.requested = requested
        self.held = held


class IdempotencyConflict(LedgerError):
    def __init__(self, key: str) -> None:
        super().__init__(
            f"idempotency key {quoted(key)} was already used for a different movement; "
            "use a new key for a new movement"
        )
        self.key = key

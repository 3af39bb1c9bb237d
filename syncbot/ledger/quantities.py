"""Buckets and the quantities of one SKU at one location, named as Shopify names them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

DEFAULT_LOCATION = "main"


class Bucket(StrEnum):
    """Where a unit sits. Real buckets are in the warehouse; virtual ones are counterparts."""

    AVAILABLE = "available"
    COMMITTED = "committed"
    DAMAGED = "damaged"
    INCOMING = "incoming"
    SUPPLIER = "supplier"
    CUSTOMER = "customer"
    SCRAP = "scrap"
    COUNT_DIFFERENCE = "count_difference"
    # Counterpart of a generic adjustment, kept apart from counts so shrinkage reports
    # can tell a counted difference from a correction someone typed in.
    ADJUSTMENT = "adjustment"

    @property
    def is_real(self) -> bool:
        return self in REAL_BUCKETS


REAL_BUCKETS = frozenset({Bucket.AVAILABLE, Bucket.COMMITTED, Bucket.DAMAGED, Bucket.INCOMING})
VIRTUAL_BUCKETS = frozenset(set(Bucket) - REAL_BUCKETS)


@dataclass(frozen=True, slots=True)
class Quantities:
    """The real buckets of one SKU at one location. on_hand is derived, never stored."""

    available: int = 0
    committed: int = 0
    damaged: int = 0
    incoming: int = 0

    @property
    def on_hand(self) -> int:
        return self.available + self.committed + self.damaged

    @classmethod
    def from_buckets(cls, buckets: dict[Bucket, int]) -> Quantities:
        return cls(
            available=buckets.get(Bucket.AVAILABLE, 0),
            committed=buckets.get(Bucket.COMMITTED, 0),
            damaged=buckets.get(Bucket.DAMAGED, 0),
            incoming=buckets.get(Bucket.INCOMING, 0),
        )

    def __add__(self, other: Quantities) -> Quantities:
        return Quantities(
            available=self.available + other.available,
            committed=self.committed + other.committed,
            damaged=self.damaged + other.damaged,
            incoming=self.incoming + other.incoming,
        )


ON_HAND_BUCKETS = frozenset({Bucket.AVAILABLE, Bucket.COMMITTED, Bucket.DAMAGED})


@dataclass(frozen=True, slots=True)
class Totals:
    """One SKU's quantities summed over every location, as lists sort and filter on them."""

    available: int = 0
    on_hand: int = 0
    incoming: int = 0

    @classmethod
    def of(cls, quantities: Quantities) -> Totals:
        return cls(quantities.available, quantities.on_hand, quantities.incoming)

    def __add__(self, other: Totals) -> Totals:
        return Totals(
            self.available + other.available,
            self.on_hand + other.on_hand,
            self.incoming + other.incoming,
        )

    def __bool__(self) -> bool:
        return bool(self.available or self.on_hand or self.incoming)


def bucket_totals(bucket: Bucket, quantity: int) -> Totals:
    """What `quantity` units arriving in `bucket` (anywhere) add to their SKU's totals."""
    return Totals(
        available=quantity if bucket is Bucket.AVAILABLE else 0,
        on_hand=quantity if bucket in ON_HAND_BUCKETS else 0,
        incoming=quantity if bucket is Bucket.INCOMING else 0,
    )

"""The daily digest (issue 16): what needs attention today, as plain values, for the leader
to post to Slack once a day.

Sections, each its first SHOWN rows and how many there are in all:

- stock: SKUs that run out within their lead time (days of cover ≤ lead time, for a SKU
  that sells) or are at or below their reorder point (the one a person set, else the
  computed one when it is above zero), from the reorder suggestions (`app.replenishment`);
- oversold: locations whose available is below zero;
- quarantined and drifting listings, per channel, with the first few;
- failed webhook deliveries;
- open stock-takes;
- purchase orders due: placed and open, expected by today + PO_DUE_WITHIN_DAYS (overdue
  ones included), with the units still expected.

The record of which day was posted, and which process may post it, is `store.digests`'s;
it is reached from here so that the Slack adapter calls use cases only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TypeVar

from syncbot.app import overview, purchasing, replenishment, stocktakes
from syncbot.app.overview import Attention, Counted, ListingAttention, OversoldRow
from syncbot.app.replenishment import Line
from syncbot.app.stocktake_views import StocktakeSummary
from syncbot.ledger.purchasing import PurchaseStatus
from syncbot.store.digests import claim, mark_posted, posted, release
from syncbot.store.inbox_entries import InboxEntry

__all__ = [
    "PO_DUE_WITHIN_DAYS",
    "SHOWN",
    "Attention",
    "Counted",
    "Digest",
    "DuePurchaseOrder",
    "InboxEntry",
    "ListingAttention",
    "OversoldRow",
    "StockConcern",
    "StocktakeSummary",
    "build",
    "claim",
    "mark_posted",
    "posted",
    "release",
    "stock_concerns",
]

SHOWN = 10
"""Rows shown per section; the count says how many more there are."""
PO_DUE_WITHIN_DAYS = 2

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class StockConcern:
    """A SKU that runs out within its lead time, or is at or below its reorder point."""

    sku: str
    name: str
    available: int
    incoming: int
    reorder_point: int
    set_by_hand: bool
    """The reorder point is the one a person set, not the computed one."""
    days_of_cover: int | None
    stockout: date | None
    lead_time_days: int
    order: int
    """The units the suggestion would order now (0: what is incoming is enough)."""
    supplier: str | None

    @property
    def runs_out_in_lead_time(self) -> bool:
        return self.days_of_cover is not None and self.days_of_cover <= self.lead_time_days

    @property
    def low(self) -> bool:
        return self.available <= self.reorder_point


@dataclass(frozen=True, slots=True)
class DuePurchaseOrder:
    number: str
    supplier: str
    location: str
    expected_on: date
    status: PurchaseStatus
    units: int
    """Still expected: ordered − received − cancelled over its lines."""
    days_late: int
    """Days past its expected date (0 due today, negative due in that many days)."""


@dataclass(frozen=True)
class Digest:
    day: date
    stock: Counted[StockConcern]
    oversold: Counted[OversoldRow]
    quarantined: Attention
    drifting: Attention
    failed_deliveries: Counted[InboxEntry]
    stocktakes: Counted[StocktakeSummary]
    purchase_orders: Counted[DuePurchaseOrder]

    @property
    def all_clear(self) -> bool:
        """Nothing in any section."""
        counts = (self.stock, self.oversold, self.failed_deliveries, self.stocktakes)
        return (
            not any(section.total for section in counts)
            and not self.purchase_orders.total
            and not self.quarantined.total
            and not self.drifting.total
        )


async def build(today: date) -> Digest:
    """The digest of `today`, read now (stock from the demand up to yesterday)."""
    lines = await replenishment.suggestions(today=today, only_orders=False)
    oversold = await overview.oversold()
    states = {attention.state: attention for attention in await overview.listings()}
    failed = await overview.failed_deliveries()
    sessions = await stocktakes.sessions(open_only=True)
    return Digest(
        day=today,
        stock=_first(stock_concerns(lines)),
        oversold=Counted(oversold.rows[:SHOWN], oversold.total),
        quarantined=states["quarantined"],
        drifting=states["drifting"],
        failed_deliveries=failed,
        stocktakes=_first(sessions),
        purchase_orders=_first(await _due_orders(today)),
    )


def stock_concerns(lines: Iterable[Line]) -> list[StockConcern]:
    """The suggestions' SKUs that need attention, the soonest stock-out first, then the
    lowest available. A SKU that sells nothing is not "running out" at zero available,
    and a computed reorder point of zero makes no SKU low."""
    concerns = []
    for line in lines:
        suggestion = line.suggestion
        concern = StockConcern(
            sku=line.sku,
            name=line.name,
            available=suggestion.stock.available,
            incoming=suggestion.stock.incoming,
            reorder_point=suggestion.reorder_point,
            set_by_hand=suggestion.manual,
            days_of_cover=suggestion.days_of_cover if line.forecast.rate > 0 else None,
            stockout=suggestion.stockout if line.forecast.rate > 0 else None,
            lead_time_days=suggestion.terms.lead_time_days,
            order=suggestion.quantity,
            supplier=line.supplier,
        )
        counts = concern.set_by_hand or concern.reorder_point > 0
        if concern.runs_out_in_lead_time or (counts and concern.low):
            concerns.append(concern)
    return sorted(
        concerns,
        key=lambda c: (c.stockout is None, c.stockout or date.max, c.available, c.sku),
    )


async def _due_orders(today: date) -> list[DuePurchaseOrder]:
    """Placed, open orders expected by today + PO_DUE_WITHIN_DAYS, the earliest first."""
    until = today + timedelta(days=PO_DUE_WITHIN_DAYS)
    placed = (PurchaseStatus.ORDERED, PurchaseStatus.PARTIALLY_RECEIVED)
    due = [
        order
        for order in await purchasing.purchase_orders(open_only=True)
        if order.status in placed and order.expected_on is not None and order.expected_on <= until
    ]
    if not due:
        return []
    expected: dict[str, int] = defaultdict(int)
    for line in await purchasing.incoming_by_order():
        expected[line.order] += line.quantity
    return sorted(
        (
            DuePurchaseOrder(
                order.number,
                order.supplier,
                order.location,
                order.expected_on,
                order.status,
                expected[order.number],
                (today - order.expected_on).days,
            )
            for order in due
            if order.expected_on is not None
        ),
        key=lambda order: (order.expected_on, order.number),
    )


def _first(rows: Sequence[T]) -> Counted[T]:
    return Counted(list(rows[:SHOWN]), len(rows))

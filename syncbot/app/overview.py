"""What needs attention now, section by section, as the console's overview shows it.

Each section is read on its own (the page refreshes them one by one), in a few bounded,
indexed queries: lists show their first rows, with the full count beside them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from syncbot.app.views import MovementView, ParkedLineView
from syncbot.store import overview as store
from syncbot.store.inbox_entries import InboxEntry, entry_of
from syncbot.store.overview import LowStockRow, OversoldRow, SyncHealth
from syncbot.store.status import ListingFilter, listing_state

__all__ = [
    "Attention",
    "Counted",
    "ListingAttention",
    "LowStockRow",
    "OversoldRow",
    "SyncHealth",
    "failed_deliveries",
    "fingerprint",
    "latest_movements",
    "listings",
    "low_stock",
    "oversold",
    "parked",
    "sync_health",
]

T = TypeVar("T")

LOW_STOCK_SHOWN = 20
OVERSOLD_SHOWN = 20
LISTINGS_SHOWN = 5
INBOX_SHOWN = 5
PARKED_SHOWN = 5
MOVEMENTS_SHOWN = 20

# The listing states the overview watches, the most pressing first.
WATCHED = (ListingFilter.QUARANTINED, ListingFilter.HELD, ListingFilter.DRIFTING)


@dataclass(frozen=True)
class Counted(Generic[T]):
    """The first rows of a list, and how many rows it has in all."""

    rows: Sequence[T]
    total: int


@dataclass(frozen=True)
class ListingAttention:
    channel: str
    sku: str
    state: str
    """quarantined, abandoned, held (as `status.listing_state` says), or drifting."""
    detail: str
    """The quarantine's error, or the drift in units."""


@dataclass(frozen=True)
class Attention:
    """The listings of one state: how many per channel, and the first few."""

    state: str
    per_channel: dict[str, int]
    first: list[ListingAttention]

    @property
    def total(self) -> int:
        return sum(self.per_channel.values())


async def low_stock() -> Counted[LowStockRow]:
    rows, total = await store.low_stock(LOW_STOCK_SHOWN)
    return Counted(rows, total)


async def oversold() -> Counted[OversoldRow]:
    rows, total = await store.oversold(OVERSOLD_SHOWN)
    return Counted(rows, total)


async def listings() -> list[Attention]:
    """Per watched state: counts per channel and the first listings, by channel and SKU."""
    counts = await store.listing_counts(WATCHED)
    first = await store.listings_in(WATCHED, LISTINGS_SHOWN)
    return [
        Attention(
            str(which),
            {channel: count.listings for channel, count in counts[which].items()},
            [ListingAttention(row.channel, row.sku, *_why(row, which)) for row in first[which]],
        )
        for which in WATCHED
    ]


def _why(row: Any, which: ListingFilter) -> tuple[str, str]:
    if which is ListingFilter.DRIFTING:
        return "drifting", f"{int(row.drift or 0):+d}"
    state = listing_state(row) or str(which)
    return state, (row.quarantined_error or "") if state == "quarantined" else ""


async def sync_health(channels: Sequence[str]) -> list[SyncHealth]:
    """Each channel's sync health, as `channels.statuses` reports it, without its count of
    unlisted SKUs (which reads the whole catalogue per channel)."""
    return await store.sync_health(channels)


async def failed_deliveries() -> Counted[InboxEntry]:
    rows, total = await store.failed_deliveries(INBOX_SHOWN)
    return Counted([entry_of(row) for row in rows], total)


async def parked() -> Counted[ParkedLineView]:
    rows, total = await store.parked(PARKED_SHOWN)
    return Counted([ParkedLineView.of(row) for row in rows], total)


async def latest_movements() -> list[MovementView]:
    return [MovementView.of(row) for row in await store.latest_movements(MOVEMENTS_SHOWN)]


async def fingerprint() -> tuple[Any, ...]:
    """Changes whenever anything the overview shows changes, in any process."""
    return await store.fingerprint()

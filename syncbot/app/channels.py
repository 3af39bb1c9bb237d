"""The channels' sync state as people read it: health per channel, listings, pushes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from syncbot.store import listings as store_listings
from syncbot.store import lookups
from syncbot.store.listings import ChannelListing
from syncbot.store.status import (
    ChannelStatus,
    ListingFilter,
    channel_status,
    listing_state,
    listing_states,
    refresh_gauges,
)
from syncbot.store.status import (
    listing_page as listing_page_rows,
)

__all__ = [
    "ChannelStatus",
    "ListingFilter",
    "ListingView",
    "PushView",
    "listing_page",
    "listings",
    "pushes",
    "refresh_gauges",
    "release",
    "statuses",
    "unlisted",
]


@dataclass(frozen=True)
class ListingView:
    channel: str
    sku: str
    listing_id: str
    inventory_id: str
    channel_quantity: int | None
    """What the channel is believed to hold: its last acknowledgement or read."""
    read_at: datetime | None
    pushed_quantity: int | None
    pushed_at: datetime | None
    held_since: datetime | None
    drift: int | None
    drift_checked_at: datetime | None
    quarantined_error: str | None
    quarantined_at: datetime | None
    abandoned_error: str | None
    abandoned_at: datetime | None
    state: str
    """managed, quarantined, abandoned, held or "" (in sync, or waiting for its next push)."""
    managed_by_storefront: bool = False
    """The storefront computes its quantity (a Shopify bundle product): never pushed."""


@dataclass(frozen=True)
class PushView:
    """One planned change of one listing: what was sent, under which key, and the answer."""

    id: int
    channel: str
    sku: str
    inventory_id: str
    quantity: int
    expected: int | None
    explanation: str
    idempotency_key: str
    status: str
    acknowledged: int | None
    error: str | None
    sent_at: datetime
    finished_at: datetime | None


async def statuses(names: Sequence[str], *, with_unlisted: bool = True) -> list[ChannelStatus]:
    """One line of health per channel, in the order given; without `with_unlisted`, the
    catalogue SKUs not listed are not counted (`unlisted` is None), which is much faster."""
    return await channel_status(names, with_unlisted=with_unlisted)


async def listings(channel: str, which: ListingFilter = ListingFilter.ALL) -> list[ListingView]:
    """A channel's listings by SKU, only those in state `which`."""
    return [_view(row) for row in await listing_states(channel, which)]


async def listing_page(
    channel: str, which: ListingFilter, offset: int, limit: int
) -> list[ListingView]:
    """One page of a channel's listings in state `which`, by SKU."""
    return [_view(row) for row in await listing_page_rows(channel, which, offset, limit)]


def _view(row: ChannelListing) -> ListingView:
    return ListingView(
        channel=row.channel,
        sku=row.sku,
        listing_id=row.listing_id,
        inventory_id=row.inventory_id,
        channel_quantity=row.channel_quantity,
        read_at=row.read_at,
        pushed_quantity=row.pushed_quantity,
        pushed_at=row.pushed_at,
        held_since=row.held_since,
        drift=row.drift,
        drift_checked_at=row.drift_checked_at,
        quarantined_error=row.quarantined_error,
        quarantined_at=row.quarantined_at,
        abandoned_error=row.abandoned_error,
        abandoned_at=row.abandoned_at,
        state=listing_state(row),
        managed_by_storefront=row.managed_by_storefront,
    )


async def pushes(channel: str, sku: str | None = None, limit: int = 50) -> list[PushView]:
    """The channel's pushes newest first, of one SKU or of all."""
    return [
        PushView(
            id=row.id,
            channel=row.channel,
            sku=row.sku,
            inventory_id=row.inventory_id,
            quantity=row.quantity,
            expected=row.expected,
            explanation=row.explanation,
            idempotency_key=row.idempotency_key,
            status=row.status,
            acknowledged=row.acknowledged,
            error=row.error,
            sent_at=row.sent_at,
            finished_at=row.finished_at,
        )
        for row in await lookups.listing_pushes(channel, sku, limit)
    ]


async def unlisted(channel: str) -> list[str]:
    """Catalogue SKUs the channel has no listing for: never pushed there."""
    return await store_listings.unlisted(channel)


async def release(channel: str, skus: list[str] | None = None) -> int:
    """Lifts quarantine from the given (or every) listing of a channel; how many."""
    return await store_listings.release(channel, skus)

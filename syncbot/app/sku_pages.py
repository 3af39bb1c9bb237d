"""What the console's SKU pages read: the catalogue list (search, sort, pages, export) and
one SKU's card (quantities, barcodes, listings with what each shows and why, movements,
and its last 90 days as daily series)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from syncbot.app.views import MovementView
from syncbot.ledger.allocation import Allocation, Incoming, Policy, publish
from syncbot.ledger.series import DayPoint, daily_series
from syncbot.store import barcodes, incoming, sku_card, sku_list
from syncbot.store.barcodes import Barcode
from syncbot.store.sku_list import SORTS, SkuQuery, SkuRow
from syncbot.store.stock import StockReport, stock
from syncbot.sync.channels import SyncChannel

__all__ = ["SORTS", "SkuQuery", "SkuRow"]

CHART_DAYS = 90


@dataclass(frozen=True, slots=True)
class SkuPage:
    rows: list[SkuRow]
    has_next: bool


async def find(query: SkuQuery, size: int, number: int) -> SkuPage:
    """Page `number` (from 1) of the list, `size` SKUs to a page."""
    rows = await sku_list.page(query, size + 1, (number - 1) * size)
    return SkuPage(rows[:size], len(rows) > size)


def export(query: SkuQuery) -> AsyncIterator[SkuRow]:
    """Every SKU of the list, in its order, a chunk at a time."""
    return sku_list.every(query)


@dataclass(frozen=True, slots=True)
class ListingView:
    """One channel's listing of the SKU: what it should show and why, and how it stands."""

    channel: str
    listing_id: str
    allocation: Allocation
    configured: bool
    """False when this process does not know the channel: its default policy is assumed."""
    channel_quantity: int | None
    pushed_quantity: int | None
    pushed_at: datetime | None
    drift: int | None
    states: tuple[str, ...]
    last_push_quantity: int | None = None
    last_push_at: datetime | None = None
    last_push_status: str | None = None
    last_push_error: str | None = None


@dataclass(frozen=True, slots=True)
class SkuCard:
    stock: StockReport
    barcodes: list[Barcode]
    """Each with its kind, `gtin` or `internal`."""
    listings: list[ListingView]
    movements: list[MovementView]
    older: int | None
    """The id to read older movements before, when there are any."""
    days: list[DayPoint]


def _listing(
    listed: sku_card.ListedOn,
    report: StockReport,
    channel: SyncChannel | None,
    lots: Sequence[Incoming],
    today: date,
) -> ListingView:
    row, push = listed.listing, listed.last_push
    available = {location: q.available for location, q in report.locations.items()}
    if channel is None:
        allocation = publish(available, sorted(available), Policy())
    else:
        allocation = channel.allocate(report.sku, available, lots, today)
    states = tuple(
        name
        for name, on in (
            ("quarantined", row.quarantined_at is not None),
            ("held", row.held_since is not None),
            ("drifting", bool(row.drift)),
            ("abandoned", row.abandoned_at is not None),
        )
        if on
    )
    return ListingView(
        channel=row.channel,
        listing_id=row.listing_id,
        allocation=allocation,
        configured=channel is not None,
        channel_quantity=row.channel_quantity,
        pushed_quantity=row.pushed_quantity,
        pushed_at=row.pushed_at,
        drift=row.drift,
        states=states,
        last_push_quantity=None if push is None else push.quantity,
        last_push_at=None if push is None else (push.finished_at or push.sent_at),
        last_push_status=None if push is None else push.status,
        last_push_error=None if push is None else push.error,
    )


async def card(
    code: str,
    channels: Mapping[str, SyncChannel],
    now: datetime,
    *,
    page_size: int,
    before: int | None = None,
) -> SkuCard:
    """The SKU's card; raises UnknownSku. `before`: show movements older than this id."""
    report = await stock(code)
    held = await barcodes.listed(code)
    listed = await sku_card.listings(code)
    rows = await sku_card.movements(code, page_size + 1, before)
    start = (now - timedelta(days=CHART_DAYS - 1)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    changes = await sku_card.daily_changes(code, start)
    lots = (await incoming.lots([code])).get(code, [])
    return SkuCard(
        stock=report,
        barcodes=held,
        listings=[
            _listing(item, report, channels.get(item.listing.channel), lots, now.date())
            for item in listed
        ],
        movements=[MovementView.of(row) for row in rows[:page_size]],
        older=rows[page_size - 1].id if len(rows) > page_size else None,
        days=daily_series(now.date(), CHART_DAYS, report.total.available, changes),
    )


def sort_key(text: str | None) -> tuple[str, bool] | None:
    """`code`, `-available`… as (key, descending); None for a key the list does not sort by."""
    if not text:
        return "code", False
    key, descending = (text[1:], True) if text.startswith("-") else (text, False)
    return (key, descending) if key in SORTS else None


def csv_cell(value: object) -> str:
    """A cell a spreadsheet shows as text: one starting with = + - @ (or a tab or carriage
    return) is a formula to Excel and LibreOffice, so it gets a leading quote."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_header() -> Sequence[str]:
    return ("code", "name", "available", "on_hand", "incoming", "reorder_point", "low")

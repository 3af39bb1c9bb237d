"""Reports people read: a SKU's card, searches, low stock, the latest adjustments."""

from __future__ import annotations

from datetime import datetime

from syncbot.app.barcodes import sku_named
from syncbot.app.views import MovementView, SkuView
from syncbot.store import reports
from syncbot.store.reports import LowStock, StockCard

__all__ = [
    "LowStock",
    "StockCard",
    "close_matches",
    "low_stock",
    "recent_adjustments",
    "search_skus",
    "stock_card",
]


async def stock_card(code: str, now: datetime) -> StockCard:
    """Stock, what each channel was sent, and sales over 7 and 30 days, by a SKU code or a
    barcode; raises UnknownSku."""
    return await reports.stock_card(await sku_named(code), now)


async def search_skus(words: tuple[str, ...], limit: int = 10) -> list[SkuView]:
    """SKUs whose code or name holds every word."""
    return [SkuView.of(row) for row in await reports.search_skus(words, limit)]


async def close_matches(code: str, limit: int = 5) -> list[str]:
    """SKU codes that look like one that does not exist: "did you mean"."""
    return await reports.close_matches(code, limit)


async def low_stock(limit: int = 20) -> list[LowStock]:
    """SKUs at or below their reorder point, the furthest below first."""
    return await reports.low_stock(limit)


async def recent_adjustments(limit: int = 10) -> list[MovementView]:
    """The newest movements people made, with their actor."""
    return [MovementView.of(row) for row in await reports.recent_adjustments(limit)]

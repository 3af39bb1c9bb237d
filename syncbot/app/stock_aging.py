"""Stock aging and dead stock: for each SKU with stock on hand, the days since its last
receipt and its last sale; dead when nothing sold in the last `dead_days` days (or ever),
though it has been in stock that long (since its first movement): a SKU received last week
has not had the time to be dead.

Read a page at a time from `store.aging` (the last receipt from the movements' index, the
last sale from the daily demand roll-up), so a large catalogue is never held whole.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date

from syncbot.app.report_csv import csv_text
from syncbot.app.report_span import check_days
from syncbot.app.sku_pages import csv_cell
from syncbot.ledger.costing import format_money
from syncbot.store import aging as store
from syncbot.store.aging import AgingRow

DEFAULT_DEAD_DAYS = 90


@dataclass(frozen=True, slots=True)
class AgedLine:
    code: str
    name: str
    on_hand: int
    value: int
    """Stock value in millionths of the currency."""
    last_receipt: date | None
    days_since_receipt: int | None
    last_sale: date | None
    days_since_sale: int | None
    dead: bool


def aged(row: AgingRow, today: date, dead_days: int) -> AgedLine:
    since_receipt = None if row.last_receipt is None else (today - row.last_receipt).days
    since_sale = None if row.last_sale is None else (today - row.last_sale).days
    held = None if row.first_movement is None else (today - row.first_movement).days
    unsold = since_sale is None or since_sale >= dead_days
    dead = unsold and held is not None and held >= dead_days
    return AgedLine(
        row.code,
        row.name,
        row.on_hand,
        row.stock_value,
        row.last_receipt,
        since_receipt,
        row.last_sale,
        since_sale,
        dead,
    )


@dataclass(frozen=True, slots=True)
class AgingPage:
    lines: list[AgedLine]
    next_after: str | None


async def page(
    today: date, dead_days: int = DEFAULT_DEAD_DAYS, *, after: str = "", limit: int = 100
) -> AgingPage:
    """A page of SKUs with stock on hand, by code."""
    check_days(dead_days, "--dead-days")
    rows = await store.page(after, limit + 1)
    more = len(rows) > limit
    lines = [aged(row, today, dead_days) for row in rows[:limit]]
    return AgingPage(lines, lines[-1].code if more else None)


async def lines(
    today: date, dead_days: int = DEFAULT_DEAD_DAYS, *, dead_only: bool = False
) -> AsyncIterator[AgedLine]:
    """Every SKU with stock on hand (only the dead ones with `dead_only`), by code; check
    `dead_days` first (`check_days`)."""
    async for row in store.every():
        line = aged(row, today, dead_days)
        if line.dead or not dead_only:
            yield line


@dataclass(frozen=True, slots=True)
class AgingTotals:
    skus: int
    on_hand: int
    value: int
    dead_skus: int
    dead_on_hand: int
    dead_value: int
    buckets: dict[str, int]
    """Units on hand by days since the last sale: the chart's bars."""


BUCKETS = ((30, "0–29 days"), (60, "30–59"), (90, "60–89"), (180, "90–179"), (365, "180–364"))
NEVER = "never sold"


def bucket_of(days_since_sale: int | None) -> str:
    if days_since_sale is None:
        return NEVER
    for bound, label in BUCKETS:
        if days_since_sale < bound:
            return label
    return "365+"


async def totals(today: date, dead_days: int = DEFAULT_DEAD_DAYS) -> AgingTotals:
    """The whole report's units and value, the dead stock's, and units by sale age."""
    check_days(dead_days, "--dead-days")
    counts = [0] * 6
    buckets = {label: 0 for _, label in BUCKETS} | {"365+": 0, NEVER: 0}
    async for line in lines(today, dead_days):
        counts[0:3] = [counts[0] + 1, counts[1] + line.on_hand, counts[2] + line.value]
        if line.dead:
            counts[3:6] = [counts[3] + 1, counts[4] + line.on_hand, counts[5] + line.value]
        buckets[bucket_of(line.days_since_sale)] += line.on_hand
    skus, on_hand, value, dead_skus, dead_on_hand, dead_value = counts
    return AgingTotals(skus, on_hand, value, dead_skus, dead_on_hand, dead_value, buckets)


AGING_HEADER = (
    "code",
    "name",
    "on_hand",
    "value",
    "last_receipt",
    "days_since_receipt",
    "last_sale",
    "days_since_sale",
    "dead",
    "currency",
)


def _cell(value: object) -> object:
    return "" if value is None else value


def aging_csv(
    today: date, dead_days: int, currency: str, dead_only: bool = False
) -> AsyncIterator[str]:
    """Every SKU with stock on hand (or only the dead), as CSV; `dead` is "yes" or "no"."""
    check_days(dead_days, "--dead-days")

    async def rows() -> AsyncIterator[tuple[object, ...]]:
        async for line in lines(today, dead_days, dead_only=dead_only):
            yield (
                csv_cell(line.code),
                csv_cell(line.name),
                line.on_hand,
                format_money(line.value, currency),
                _cell(line.last_receipt and line.last_receipt.isoformat()),
                _cell(line.days_since_receipt),
                _cell(line.last_sale and line.last_sale.isoformat()),
                _cell(line.days_since_sale),
                "yes" if line.dead else "no",
                currency,
            )

    return csv_text(AGING_HEADER, rows())

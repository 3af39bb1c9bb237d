"""What the stock is worth, and what it cost over a period: the valuation and the cost of
goods sold reports, read in pages or streamed whole, and their CSV.

Values are integers of millionths of the currency; each amount a report shows is rounded
once (half to even) to the currency's smallest unit by `ledger.costing.format_money`.
Dates are read by `report_dates`; the read models are `store.valuation` and
`store.cost_of_goods`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterable, AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from syncbot.app.report_dates import Period
from syncbot.app.sku_pages import csv_cell
from syncbot.ledger.costing import format_cost, format_money
from syncbot.store import cost_of_goods as cost_store
from syncbot.store import valuation as valuation_store
from syncbot.store.cost_of_goods import CostFigures, CostLine, CostTotals
from syncbot.store.valuation import ValuationTotals, ValuedLine

__all__ = [
    "CostFigures",
    "CostLine",
    "CostPage",
    "CostTotals",
    "ValuationPage",
    "ValuationTotals",
    "ValuedLine",
]

CSV_FLUSH = 500


@dataclass(frozen=True, slots=True)
class ValuationPage:
    lines: list[ValuedLine]
    totals: ValuationTotals
    next_after: str | None
    """The code to read the next page after; None on the last page."""


@dataclass(frozen=True, slots=True)
class CostPage:
    lines: list[CostLine]
    totals: CostTotals
    next_after: str | None


async def check_location(location: str | None) -> None:
    """Raises UnknownLocation for a location that is not declared."""
    if location is not None:
        await valuation_store.check_location(location)


async def valuation(
    location: str | None, at: datetime | None, *, after: str = "", limit: int = 100
) -> ValuationPage:
    """A page of the valuation (per SKU: on hand × average) and the report's totals;
    raises UnknownLocation."""
    await check_location(location)
    lines = await valuation_store.page(location, at, after, limit + 1)
    totals = await valuation_store.totals(location, at)
    more = len(lines) > limit
    return ValuationPage(lines[:limit], totals, lines[limit - 1].code if more else None)


def valuation_lines(location: str | None, at: datetime | None) -> AsyncIterator[ValuedLine]:
    """Every line of the valuation, read a chunk at a time (check the location first)."""
    return valuation_store.every(location, at)


async def valuation_totals(location: str | None, at: datetime | None) -> ValuationTotals:
    await check_location(location)
    return await valuation_store.totals(location, at)


async def cost_of_goods(period: Period, *, after: str = "", limit: int = 100) -> CostPage:
    """A page of the period's cost of goods sold, write-offs and receipts per SKU, and
    the totals with the opening and closing value."""
    lines = await cost_store.page(period.start, period.end, after, limit + 1)
    totals = await cost_store.totals(period.start, period.end)
    more = len(lines) > limit
    return CostPage(lines[:limit], totals, lines[limit - 1].code if more else None)


def cost_lines(period: Period) -> AsyncIterator[CostLine]:
    return cost_store.every(period.start, period.end)


async def cost_totals(period: Period) -> CostTotals:
    return await cost_store.totals(period.start, period.end)


# --- CSV --------------------------------------------------------------------------------

VALUATION_HEADER = ("code", "name", "on_hand", "average_cost", "value", "currency")
COST_HEADER = (
    "code",
    "name",
    "units_sold",
    "cost_of_goods_sold",
    "write_off",
    "count",
    "adjust",
    "write_offs",
    "receipts",
    "value_change",
    "currency",
)


def average_text(average: Decimal | None) -> str:
    """An average unit cost as a report shows it; "" when it is not defined."""
    return "" if average is None else format_cost(average)


def valuation_row(line: ValuedLine, currency: str) -> tuple[object, ...]:
    return (
        csv_cell(line.code),
        csv_cell(line.name),
        line.on_hand,
        average_text(line.average),
        format_money(line.value, currency),
        currency,
    )


def cost_values(figures: CostFigures) -> tuple[int, ...]:
    """The money columns of a cost line, in COST_HEADER's order."""
    return (
        figures.cost_of_goods,
        figures.written_off,
        figures.counted,
        figures.adjusted,
        figures.write_offs,
        figures.receipts,
        figures.value_change,
    )


def cost_amounts(figures: CostFigures, currency: str) -> tuple[str, ...]:
    return tuple(format_money(value, currency) for value in cost_values(figures))


def cost_row(line: CostLine, currency: str) -> tuple[object, ...]:
    return (
        csv_cell(line.code),
        csv_cell(line.name),
        line.figures.units_sold,
        *cost_amounts(line.figures, currency),
        currency,
    )


async def _csv(
    header: Iterable[str], rows: AsyncIterable[tuple[object, ...]]
) -> AsyncIterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    count = 0
    async for row in rows:
        writer.writerow(row)
        count += 1
        if count % CSV_FLUSH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def valuation_csv(location: str | None, at: datetime | None, currency: str) -> AsyncIterator[str]:
    """The valuation as CSV text, a few hundred rows at a time; a cell a spreadsheet
    would take for a formula is quoted (`sku_pages.csv_cell`)."""

    async def rows() -> AsyncIterator[tuple[object, ...]]:
        async for line in valuation_lines(location, at):
            yield valuation_row(line, currency)

    return _csv(VALUATION_HEADER, rows())


def cost_csv(period: Period, currency: str) -> AsyncIterator[str]:
    """The cost of goods sold report as CSV text, formula-safe like `valuation_csv`."""

    async def rows() -> AsyncIterator[tuple[object, ...]]:
        async for line in cost_lines(period):
            yield cost_row(line, currency)

    return _csv(COST_HEADER, rows())

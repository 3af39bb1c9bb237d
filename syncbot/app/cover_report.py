"""Days of cover: how long each SKU's available units last against its forecast, and the
day it is expected to run out. The figures are the reorder suggestions' own
(`app.replenishment.suggestions`), so this report and `syncbot replenish` never disagree."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date

from syncbot.app import replenishment
from syncbot.app.report_csv import csv_text
from syncbot.app.sku_pages import csv_cell
from syncbot.app.valuation import check_location
from syncbot.ledger.replenishment import MAX_COVER_DAYS

BANDS = ((0, "out"), (7, "under 7 days"), (14, "7–13"), (30, "14–29"), (90, "30–89"))
BEYOND = f"90 days or more, or nothing expected to sell within {MAX_COVER_DAYS}"


@dataclass(frozen=True, slots=True)
class CoverLine:
    code: str
    name: str
    available: int
    incoming: int
    per_day: float
    """The forecast's mean units per day over the next four weeks."""
    method: str
    days_of_cover: int | None
    """None when nothing is expected to sell within MAX_COVER_DAYS."""
    stockout: date | None


def band_of(days: int | None) -> str:
    if days is None:
        return BEYOND
    if days <= 0:
        return BANDS[0][1]
    for bound, label in BANDS[1:]:
        if days < bound:
            return label
    return BEYOND


async def cover(today: date, location: str | None = None) -> list[CoverLine]:
    """Every SKU's cover, the shortest first (ties by code; no expected sale last).
    Raises UnknownLocation."""
    await check_location(location)
    lines = [
        CoverLine(
            line.sku,
            line.name,
            line.suggestion.stock.available,
            line.suggestion.stock.incoming,
            line.forecast.rate,
            str(line.forecast.method),
            line.suggestion.days_of_cover,
            line.suggestion.stockout,
        )
        for line in await replenishment.suggestions(today=today, location=location)
    ]
    return sorted(lines, key=_shortest_first)


def _shortest_first(line: CoverLine) -> tuple[bool, int, str]:
    return (line.days_of_cover is None, line.days_of_cover or 0, line.code)


def bands(lines: list[CoverLine]) -> dict[str, int]:
    """How many SKUs fall in each band of cover: the chart's bars."""
    counted = {label: 0 for _, label in BANDS} | {BEYOND: 0}
    for line in lines:
        counted[band_of(line.days_of_cover)] += 1
    return counted


COVER_HEADER = (
    "code",
    "name",
    "available",
    "incoming",
    "units_per_day",
    "method",
    "days_of_cover",
    "stockout",
)


def cover_csv(lines: list[CoverLine]) -> AsyncIterator[str]:
    """`days_of_cover` and `stockout` are empty when nothing is expected to sell."""
    rows = (
        (
            csv_cell(line.code),
            csv_cell(line.name),
            line.available,
            line.incoming,
            f"{line.per_day:.3f}",
            line.method,
            "" if line.days_of_cover is None else line.days_of_cover,
            "" if line.stockout is None else line.stockout.isoformat(),
        )
        for line in lines
    )
    return csv_text(COVER_HEADER, rows)

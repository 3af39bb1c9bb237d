"""Units sold per SKU and channel over a span of UTC days, read from the daily demand
roll-up (`store.demand`), never from the movement table: one grouped query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from tortoise import connections

from syncbot.store.valuation import query_rows


@dataclass(frozen=True, slots=True)
class SoldLine:
    """What one SKU sold through one channel ("" for sales recorded by hand)."""

    code: str
    name: str
    channel: str
    units: int
    average_cost: Decimal
    """The SKU's moving average unit cost now (over every location)."""


_SOLD = """
SELECT d.sku_id AS code, s.name AS name, d.channel AS channel, SUM(d.units) AS units,
       s.average_cost AS average_cost
FROM daily_demand d JOIN sku s ON s.code = d.sku_id
WHERE d.day >= ? AND d.day <= ?
GROUP BY d.sku_id, d.channel, s.name, s.average_cost
ORDER BY d.sku_id, d.channel
"""


async def sold(first: date, last: date) -> list[SoldLine]:
    """Per SKU and channel, the net units sold from `first` to `last` (both included),
    by code then channel; a SKU and channel with no row in the span is left out."""
    rows = await query_rows(_SOLD, [day_param(first), day_param(last)])
    return [
        SoldLine(
            str(row["code"]),
            str(row["name"]),
            str(row["channel"]),
            int(row["units"]),
            Decimal(str(row["average_cost"])),
        )
        for row in rows
    ]


def day_param(day: date) -> date | str:
    """A day as the backend compares it: SQLite keeps DATE columns as ISO text."""
    dialect = connections.get("default").capabilities.dialect
    return day if dialect == "postgres" else day.isoformat()

"""What the stock on hand is worth, per SKU, now or at a past moment: pages and totals in SQL.

Now, the SKU rows hold the answer (`stock_value`, `average_cost`, kept by each posting);
at a past moment it is replayed from the movements that occurred by then, summed per SKU
in one grouped query. At a location, the units are that location's and the average is
the SKU's over every location (the moving average is kept per SKU, not per location).

Pages are read by keyset on the SKU code (`after`), so a report of 100k SKUs is read in
chunks, each an index range, and never holds every row; no query is made per SKU.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from tortoise import connections

from syncbot.ledger.costing import average_of, value_of
from syncbot.ledger.errors import UnknownLocation
from syncbot.ledger.quantities import ON_HAND_BUCKETS
from syncbot.store import models
from syncbot.store.sku_list import with_placeholders

CHUNK = 2000
_ON_HAND = "(" + ", ".join(f"'{bucket}'" for bucket in sorted(ON_HAND_BUCKETS)) + ")"


@dataclass(frozen=True, slots=True)
class ValuedLine:
    """One SKU's units on hand (at the location asked), its average and their value."""

    code: str
    name: str
    on_hand: int
    average: Decimal | None
    """value / on hand over every location; None when that is not defined (none on hand
    at a past moment, when the last known average is not replayed)."""
    value: int
    """In millionths of the currency (`ledger.costing.VALUE_PLACES`)."""


@dataclass(frozen=True, slots=True)
class ValuationTotals:
    skus: int
    on_hand: int
    value: int


def _dialect() -> str:
    return str(connections.get("default").capabilities.dialect)


def moment_param(moment: datetime) -> datetime | str:
    """A moment as the backend compares it: SQLite keeps `occurred_at` as ISO text in UTC
    ('2026-12-01 10:00:00.5+00:00'), which orders as time when written the same way."""
    if _dialect() == "postgres":
        return moment
    return moment.astimezone(UTC).isoformat(sep=" ")


async def query_rows(sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
    connection = connections.get("default")
    found = await connection.execute_query_dict(with_placeholders(sql, _dialect()), list(params))
    return list(found)


async def check_location(location: str) -> None:
    """Raises UnknownLocation unless the location is declared."""
    if not await models.Location.exists(name=location):
        raise UnknownLocation(location)


# --- now -------------------------------------------------------------------------------

_NOW = """
SELECT code, name, on_hand, stock_value, average_cost FROM sku
WHERE code > ? AND (on_hand <> 0 OR stock_value <> 0) ORDER BY code LIMIT ?
"""
_NOW_AT_LOCATION = f"""
SELECT s.code AS code, s.name AS name, b.on_hand AS on_hand, s.average_cost AS average_cost
FROM (SELECT sku_id, SUM(quantity) AS on_hand FROM balance
      WHERE location_id = ? AND bucket IN {_ON_HAND} AND sku_id > ? GROUP BY sku_id) b
JOIN sku s ON s.code = b.sku_id WHERE b.on_hand <> 0 ORDER BY s.code LIMIT ?
"""
_NOW_TOTALS = """
SELECT COUNT(*) AS skus, COALESCE(SUM(on_hand), 0) AS on_hand,
       COALESCE(SUM(stock_value), 0) AS value
FROM sku WHERE on_hand <> 0 OR stock_value <> 0
"""


async def _now_page(location: str | None, after: str, limit: int) -> list[ValuedLine]:
    if location is None:
        rows = await query_rows(_NOW, [after, limit])
        return [
            ValuedLine(
                str(row["code"]),
                str(row["name"]),
                int(row["on_hand"]),
                Decimal(str(row["average_cost"])),
                int(row["stock_value"]),
            )
            for row in rows
        ]
    rows = await query_rows(_NOW_AT_LOCATION, [location, after, limit])
    lines = []
    for row in rows:
        average = Decimal(str(row["average_cost"]))
        units = int(row["on_hand"])
        lines.append(
            ValuedLine(str(row["code"]), str(row["name"]), units, average, value_of(units, average))
        )
    return lines


# --- at a past moment -------------------------------------------------------------------


def _units(where: str) -> str:
    """Units brought on hand minus units taken off, by the movements matching `where`."""
    return (
        f"SUM(CASE WHEN destination_bucket IN {_ON_HAND}{where} THEN quantity ELSE 0 END)"
        f" - SUM(CASE WHEN source_bucket IN {_ON_HAND}{where.replace('destination', 'source')}"
        " THEN quantity ELSE 0 END)"
    )


# The location's units and the SKU's over every location (for its average), in one pass;
# the page's LIMIT is inside the grouping, so each page reads only its own index range.
_ALL = _units("")
_LOCAL = _units(" AND destination_location = ?")
_AT = f"""
SELECT t.sku_id AS code, s.name AS name, t.on_hand, t.total_on_hand, t.value FROM (
  SELECT sku_id, {{local}} AS on_hand, {_ALL} AS total_on_hand, SUM(value) AS value
  FROM movement WHERE occurred_at <= ? AND sku_id > ? GROUP BY sku_id
  HAVING {{keep}} ORDER BY sku_id LIMIT ?
) t JOIN sku s ON s.code = t.sku_id ORDER BY t.sku_id
"""
_AT_TOTALS = f"""
SELECT COALESCE({_units("")}, 0) AS on_hand, COALESCE(SUM(value), 0) AS value
FROM movement WHERE occurred_at <= ?
"""
_AT_SKUS = f"""
SELECT COUNT(*) AS skus FROM (
  SELECT sku_id, {_units("")} AS on_hand, SUM(value) AS value
  FROM movement WHERE occurred_at <= ? GROUP BY sku_id
) t WHERE t.on_hand <> 0 OR t.value <> 0
"""


async def _at_page(location: str | None, at: datetime, after: str, limit: int) -> list[ValuedLine]:
    if location is None:
        sql = _AT.format(local=_ALL, keep=f"{_ALL} <> 0 OR SUM(value) <> 0")
        params: list[Any] = [moment_param(at), after, limit]
    else:
        sql = _AT.format(local=_LOCAL, keep=f"{_LOCAL} <> 0")
        params = [location, location, moment_param(at), after, location, location, limit]
    lines = []
    for row in await query_rows(sql, params):
        units, total, value = int(row["on_hand"]), int(row["total_on_hand"]), int(row["value"])
        average = average_of(total, value) if total > 0 else None
        if location is not None:
            value = value_of(units, average) if average is not None else 0
        lines.append(ValuedLine(str(row["code"]), str(row["name"]), units, average, value))
    return lines


# --- the report -------------------------------------------------------------------------


async def page(
    location: str | None, at: datetime | None, after: str = "", limit: int = CHUNK
) -> list[ValuedLine]:
    """Up to `limit` SKUs with stock (or value) after code `after`, in code order."""
    if at is None:
        return await _now_page(location, after, limit)
    return await _at_page(location, at, after, limit)


async def every(
    location: str | None, at: datetime | None, chunk: int = CHUNK
) -> AsyncIterator[ValuedLine]:
    """Every line of the report, in code order, `chunk` SKUs at a time."""
    after = ""
    while True:
        lines = await page(location, at, after, chunk)
        for line in lines:
            yield line
        if len(lines) < chunk:
            return
        after = lines[-1].code


async def totals(location: str | None, at: datetime | None) -> ValuationTotals:
    """The SKUs, units and value of the whole report. Over every location these are sums
    in SQL; at one location each SKU's units × its average is added up line by line."""
    if location is not None:
        skus = units = value = 0
        async for line in every(location, at):
            skus, units, value = skus + 1, units + line.on_hand, value + line.value
        return ValuationTotals(skus, units, value)
    if at is None:
        row = (await query_rows(_NOW_TOTALS, []))[0]
        return ValuationTotals(int(row["skus"]), int(row["on_hand"]), int(row["value"]))
    row = (await query_rows(_AT_TOTALS, [moment_param(at)]))[0]
    skus = (await query_rows(_AT_SKUS, [moment_param(at)]))[0]["skus"]
    return ValuationTotals(int(skus), int(row["on_hand"]), int(row["value"]))

"""Cost of goods sold, write-offs and receipts over a period [start, end), per SKU, in SQL.

Each movement counts at its own cost, value + cost variance, in the class
`ledger.costing.value_class` gives its kind, and every variance is booked to the cost of
goods sold: the conventions under which the value is conserved (tests/unit/test_costing's
TestConservation). So for any period, per SKU and in total:

    receipts = cost of goods sold + write-offs + (closing value − opening value)

A reversal keeps its original's kind and moves the opposite way, so it takes back exactly
what the original counted. Pages are keyset by SKU code; no query is made per SKU.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from syncbot.ledger.costing import ValueClass, value_class
from syncbot.ledger.movements import MovementKind
from syncbot.ledger.quantities import Bucket
from syncbot.store.valuation import CHUNK, moment_param, query_rows


def _kinds(wanted: ValueClass) -> str:
    return "(" + ", ".join(f"'{k}'" for k in MovementKind if value_class(k) is wanted) + ")"


_AT_COST = "(value + cost_variance)"
_SOLD = _kinds(ValueClass.COST_OF_GOODS)
# Columns, each a sum over the period's movements: what each means is in CostFigures.
_SUMS = {
    "units_sold": f"""SUM(CASE WHEN kind IN {_SOLD} THEN CASE WHEN destination_bucket =
        '{Bucket.CUSTOMER}' THEN quantity ELSE -quantity END ELSE 0 END)""",
    "cost_of_goods": f"SUM(CASE WHEN kind IN {_SOLD} THEN -value ELSE cost_variance END)",
    "written_off": f"SUM(CASE WHEN kind = '{MovementKind.WRITE_OFF}' THEN -{_AT_COST} ELSE 0 END)",
    "counted": f"SUM(CASE WHEN kind = '{MovementKind.COUNT}' THEN -{_AT_COST} ELSE 0 END)",
    "adjusted": f"SUM(CASE WHEN kind = '{MovementKind.ADJUST}' THEN -{_AT_COST} ELSE 0 END)",
    "receipts": f"SUM(CASE WHEN kind IN {_kinds(ValueClass.RECEIPT)} THEN {_AT_COST} ELSE 0 END)",
    "value_change": "SUM(value)",
}
_NAMES = tuple(_SUMS)
_COLUMNS = ", ".join(f"{expression} AS {name}" for name, expression in _SUMS.items())
# The LIMIT is inside the grouping, so each page reads only its own index range.
_PAGE = f"""
SELECT t.*, s.name AS name FROM (
  SELECT sku_id, {_COLUMNS} FROM movement
  WHERE occurred_at >= ? AND occurred_at < ? AND sku_id > ? GROUP BY sku_id
  HAVING {" OR ".join(f"{expression} <> 0" for expression in _SUMS.values())}
  ORDER BY sku_id LIMIT ?
) t JOIN sku s ON s.code = t.sku_id ORDER BY t.sku_id
"""
_TOTALS = f"SELECT {_COLUMNS} FROM movement WHERE occurred_at >= ? AND occurred_at < ?"
_OPENING = "SELECT COALESCE(SUM(value), 0) AS value FROM movement WHERE occurred_at < ?"


@dataclass(frozen=True, slots=True)
class CostFigures:
    """One SKU's (or the total's) figures over the period; values in millionths."""

    units_sold: int
    """Units fulfilled to customers minus units returned by them."""
    cost_of_goods: int
    """What the units sold cost (fulfilments out minus returns in), plus cost variances."""
    written_off: int
    """Damaged units scrapped (kind write_off), at their cost."""
    counted: int
    """Counts that found less (positive) or more (negative), at their cost."""
    adjusted: int
    """Adjustments that took units off (positive) or added them (negative), at their cost."""
    receipts: int
    """Units received, at their cost."""
    value_change: int
    """Closing value − opening value."""

    @property
    def write_offs(self) -> int:
        return self.written_off + self.counted + self.adjusted


@dataclass(frozen=True, slots=True)
class CostLine:
    code: str
    name: str
    figures: CostFigures


@dataclass(frozen=True, slots=True)
class CostTotals:
    figures: CostFigures
    opening_value: int
    """The value on hand at `start` (every movement before it)."""

    @property
    def closing_value(self) -> int:
        return self.opening_value + self.figures.value_change


def _figures(row: dict[str, Any]) -> CostFigures:
    return CostFigures(*(int(row[name] or 0) for name in _NAMES))


async def page(
    start: datetime, end: datetime, after: str = "", limit: int = CHUNK
) -> list[CostLine]:
    """Up to `limit` SKUs with any figure in the period, after code `after`, in code order."""
    rows = await query_rows(_PAGE, [moment_param(start), moment_param(end), after, limit])
    return [CostLine(str(row["sku_id"]), str(row["name"]), _figures(row)) for row in rows]


async def every(start: datetime, end: datetime, chunk: int = CHUNK) -> AsyncIterator[CostLine]:
    """Every line of the report, in code order, `chunk` SKUs at a time."""
    after = ""
    while True:
        lines = await page(start, end, after, chunk)
        for line in lines:
            yield line
        if len(lines) < chunk:
            return
        after = lines[-1].code


async def totals(start: datetime, end: datetime) -> CostTotals:
    """The period's figures over every SKU, and the value on hand when it opened."""
    row = (await query_rows(_TOTALS, [moment_param(start), moment_param(end)]))[0]
    opening = (await query_rows(_OPENING, [moment_param(start)]))[0]["value"]
    return CostTotals(_figures(row), int(opening))

"""Shrinkage: the units and value lost since a moment, by reason, read from the movements.

Per reason (a movement kind), units lost are positive and units found negative; a
reversal keeps its original's kind and moves the other way, so it takes back exactly what
its original counted.

    damage      units moved into damaged (out of it: reversed), valued at the SKU's
                average cost now, since a damage moves no value (it stays on hand)
    count       on-hand units a count took off, at the value it moved (value + variance)
    adjust      on-hand units an adjustment took off, likewise
    write_off   damaged units scrapped, likewise

At a location, only what the movements took off (or brought onto) that location's
on-hand counts, and the value of the movements touching it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from syncbot.ledger.costing import value_of
from syncbot.ledger.movements import MovementKind
from syncbot.ledger.quantities import ON_HAND_BUCKETS, Bucket
from syncbot.store import models
from syncbot.store.valuation import moment_param, query_rows

REASONS = (MovementKind.DAMAGE, MovementKind.COUNT, MovementKind.ADJUST, MovementKind.WRITE_OFF)
_VALUED = "('count', 'adjust', 'write_off')"
_ON_HAND = "(" + ", ".join(f"'{bucket}'" for bucket in sorted(ON_HAND_BUCKETS)) + ")"
CHUNK = 1000  # SKUs whose average cost is read per query


def _off_hand(location: bool) -> str:
    """On-hand units taken off (minus those brought on) at the location, if one is asked."""
    source = " AND source_location = ?" if location else ""
    destination = " AND destination_location = ?" if location else ""
    return (
        f"CASE WHEN source_bucket IN {_ON_HAND}{source} THEN quantity ELSE 0 END"
        f" - CASE WHEN destination_bucket IN {_ON_HAND}{destination} THEN quantity ELSE 0 END"
    )


def _where(since: datetime | None, location: str | None) -> tuple[str, list[Any]]:
    clauses, params = [], []
    if since is not None:
        clauses.append("occurred_at >= ?")
        params.append(moment_param(since))
    if location is not None:
        clauses.append("(source_location = ? OR destination_location = ?)")
        params += [location, location]
    return "".join(f" AND {clause}" for clause in clauses), params


@dataclass(frozen=True, slots=True)
class Lost:
    """What one reason lost; values in millionths of the currency."""

    reason: MovementKind
    units: int
    value: int


async def lost(since: datetime | None, location: str | None) -> list[Lost]:
    """Units and value lost by each reason in REASONS, in that order (zero when none)."""
    where, params = _where(since, location)
    at = [location, location] if location is not None else []
    valued = await query_rows(
        f"SELECT kind, SUM({_off_hand(location is not None)}) AS units,"
        " SUM(-(value + cost_variance)) AS value"
        f" FROM movement WHERE kind IN {_VALUED}{where} GROUP BY kind",
        [*at, *params],
    )
    figures = {str(row["kind"]): (int(row["units"] or 0), int(row["value"] or 0)) for row in valued}
    units, value = await _damaged(where, params)
    figures[MovementKind.DAMAGE] = (units, value)
    return [Lost(kind, *figures.get(kind, (0, 0))) for kind in REASONS]


async def _damaged(where: str, params: list[Any]) -> tuple[int, int]:
    """Units damaged, and their value at each SKU's average cost now."""
    rows = await query_rows(
        f"SELECT sku_id, SUM(CASE WHEN destination_bucket = '{Bucket.DAMAGED}' THEN quantity"
        " ELSE -quantity END) AS units"
        f" FROM movement WHERE kind = '{MovementKind.DAMAGE}'{where} GROUP BY sku_id",
        params,
    )
    units = {str(row["sku_id"]): int(row["units"] or 0) for row in rows}
    codes = sorted(code for code, count in units.items() if count)
    value = 0
    for first in range(0, len(codes), CHUNK):
        averages = await models.Sku.filter(code__in=codes[first : first + CHUNK]).values_list(
            "code", "average_cost"
        )
        value += sum(value_of(units[str(code)], Decimal(str(cost))) for code, cost in averages)
    return sum(units.values()), value

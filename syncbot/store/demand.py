"""The daily demand roll-up: kept by every posting, read by forecasts and reports.

A posting adds to it inside its transaction (`sold`, written by `posting_writes`), after
its balance rows are locked, so two postings on the same SKU and location never race on a
day's row (they queue on the balance row first), and a posting that rolls back takes its
demand with it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from tortoise import connections

from syncbot.ledger import Movement
from syncbot.ledger import demand as rules
from syncbot.store.sku_list import with_placeholders


def sold(
    postings: Sequence[Sequence[Movement]],
    documents: Sequence[str],
    moments: Sequence[datetime],
    dialect: str,
) -> list[list[object]]:
    """What each posting's movements sold, to add to its day's rows, each posting by its
    document's channel and its moment: [sku, location, channel, day, units], one row per
    SKU, location, channel and day, sorted. The posting's writes (`posting_writes`) add
    them; those rows are kept under the lock of their SKU and location's balance rows."""
    sold: dict[tuple[str, str, str, date], int] = defaultdict(int)
    for movements, document, at in zip(postings, documents, moments, strict=True):
        channel = rules.channel_of(document)
        day = at.astimezone(UTC).date()
        for movement in movements:
            if units := rules.units_sold(movement):
                source = (movement.source.location, str(movement.source.bucket))
                destination = (movement.destination.location, str(movement.destination.bucket))
                sold[(movement.sku, rules.location_of(source, destination), channel, day)] += units
    return [
        [sku, location, channel, day if dialect == "postgres" else day.isoformat(), units]
        for (sku, location, channel, day), units in sorted(sold.items())
        if units
    ]


@dataclass(frozen=True, slots=True)
class DemandRow:
    sku: str
    location: str
    channel: str
    day: date
    units: int


async def rows(
    since: date,
    *,
    skus: Iterable[str] | None = None,
    location: str | None = None,
) -> list[DemandRow]:
    """Every day's units sold from `since` (UTC days), of `skus` when given, at `location`
    when given, by SKU then day."""
    clauses, params = ["day >= ?"], [_stored(since)]
    if location is not None:
        clauses.append("location = ?")
        params.append(location)
    wanted = None if skus is None else sorted(set(skus))
    if wanted is not None:
        if not wanted:
            return []
        clauses.append(f"sku_id IN ({', '.join('?' * len(wanted))})")
        params.extend(wanted)
    sql = (
        "SELECT sku_id, location, channel, day, units FROM daily_demand "
        f"WHERE {' AND '.join(clauses)} ORDER BY sku_id, day, location, channel"
    )
    connection = connections.get("default")
    dialect = connection.capabilities.dialect
    _, found = await connection.execute_query(with_placeholders(sql, dialect), params)
    return [
        DemandRow(row["sku_id"], row["location"], row["channel"], _day(row["day"]), row["units"])
        for row in found
    ]


def _stored(day: date) -> date | str:
    dialect = connections.get("default").capabilities.dialect
    return day if dialect == "postgres" else day.isoformat()


def _day(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)

"""How old each SKU's stock is: its last receipt and its last sale, a page at a time.

The last receipt is the newest `receive` movement of the SKU, read backwards along the
index (sku_id, occurred_at, kind, ...), and its first movement the oldest entry of the same
index, so each SKU costs short index reads however many movements it has; the last sale
is the newest day of the demand roll-up with units sold.
Pages are read by keyset on the SKU code, like `store.valuation`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

from syncbot.ledger import MovementKind
from syncbot.store.valuation import query_rows

CHUNK = 2000


@dataclass(frozen=True, slots=True)
class AgingRow:
    code: str
    name: str
    on_hand: int
    stock_value: int
    """In millionths of the currency, like `sku.stock_value`."""
    first_movement: date | None
    """The day of its first movement: since when syncbot has known it in stock."""
    last_receipt: date | None
    last_sale: date | None


_PAGE = f"""
SELECT s.code AS code, s.name AS name, s.on_hand AS on_hand, s.stock_value AS stock_value,
  (SELECT MIN(m.occurred_at) FROM movement m WHERE m.sku_id = s.code) AS first_movement,
  (SELECT m.occurred_at FROM movement m
   WHERE m.sku_id = s.code AND m.kind = '{MovementKind.RECEIVE}'
   ORDER BY m.occurred_at DESC LIMIT 1) AS last_receipt,
  (SELECT MAX(d.day) FROM daily_demand d
   WHERE d.sku_id = s.code AND d.units > 0) AS last_sale
FROM sku s WHERE s.code > ? AND s.on_hand > 0 ORDER BY s.code LIMIT ?
"""


def _day(value: date | datetime | str | None) -> date | None:
    """A DATE or a moment as the driver answers it (asyncpg objects, SQLite ISO text),
    as its UTC day."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if len(value) > 10 else date.fromisoformat(value)
    if isinstance(value, datetime):
        return value.date() if value.utcoffset() is None else value.astimezone(UTC).date()
    return value


async def page(after: str = "", limit: int = CHUNK) -> list[AgingRow]:
    """Up to `limit` SKUs with stock on hand after code `after`, in code order."""
    rows = await query_rows(_PAGE, [after, limit])
    return [
        AgingRow(
            str(row["code"]),
            str(row["name"]),
            int(row["on_hand"]),
            int(row["stock_value"]),
            _day(row["first_movement"]),
            _day(row["last_receipt"]),
            _day(row["last_sale"]),
        )
        for row in rows
    ]


async def every(chunk: int = CHUNK) -> AsyncIterator[AgingRow]:
    """Every SKU with stock on hand, in code order, `chunk` at a time."""
    after = ""
    while True:
        rows = await page(after, chunk)
        for row in rows:
            yield row
        if len(rows) < chunk:
            return
        after = rows[-1].code

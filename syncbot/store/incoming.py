"""Units still expected on open purchase orders, as channel allocation sells them.

Only a channel that opts in (`sell_incoming`) reads this; the planner asks once per plan
for the SKUs it plans, so a channel of 100k listings costs a few grouped reads.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator, Sequence
from datetime import date

from tortoise.expressions import F

from syncbot.ledger.allocation import Incoming
from syncbot.store.purchasing_models import PurchaseOrderLine

# Orders whose lines may still hold units in incoming.
PLACED_OPEN = ("ordered", "partially_received")
CHUNK = 500


async def lots(skus: Collection[str] | None = None) -> dict[str, list[Incoming]]:
    """Per SKU, what each open line still expects: location, quantity, due date, order."""
    query = PurchaseOrderLine.filter(order__status__in=PLACED_OPEN).annotate(
        remaining=F("quantity") - F("received") - F("cancelled")
    )
    fields = ("sku_id", "order__location_id", "remaining", "order__expected_on", "order__number")
    rows: list[tuple[str, str, int, object, str]] = []
    if skus is None:
        rows = list(await query.values_list(*fields))
    else:
        for chunk in _chunks(sorted(skus)):
            rows += await query.filter(sku_id__in=chunk).values_list(*fields)
    found: dict[str, list[Incoming]] = defaultdict(list)
    for sku, location, remaining, due, number in rows:
        if int(remaining) > 0:
            found[sku].append(Incoming(location, int(remaining), _day(due), number))
    return found


def _day(value: object) -> date | None:
    """A DATE column as a date (SQLite's driver may hand back its text)."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]

"""Which open stock-take covers a SKU at a location: one indexed read of the lines.

Two open sessions never cover the same SKU and location (`stocktakes.start` refuses the
overlap under the balance rows' locks), so there is at most one answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from syncbot.ledger.stocktake import StocktakeStatus
from syncbot.store.stocktake_models import Stocktake, StocktakeLine


@dataclass(frozen=True, slots=True)
class CoveringSession:
    id: int
    name: str | None
    blind: bool


async def open_session_covering(sku: str, location: str) -> CoveringSession | None:
    """The open session whose scope holds `sku` at `location`, or None."""
    line = await StocktakeLine.filter(sku_id=sku, location=location, open=True).first()
    if line is None:
        return None
    row = await Stocktake.filter(id=line.stocktake_id, status=StocktakeStatus.OPEN).first()
    if row is None:
        return None
    return CoveringSession(int(row.id), row.name, bool(row.blind))

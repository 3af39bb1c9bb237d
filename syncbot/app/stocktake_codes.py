"""A stock-take count by a code as typed or scanned: a SKU code or one of its barcodes,
resolved (`barcodes.resolve`: a SKU code wins) before the count, for the API and the
floor. Resolving a SKU code gives the code itself, so counting through here is the same
as `stocktakes.count` for every SKU code."""

from __future__ import annotations

from syncbot.app import barcodes, stocktakes
from syncbot.app.actor import Actor
from syncbot.app.stocktake_views import Counted


async def count_code(
    session: str | int,
    code: str,
    quantity: int,
    actor: Actor,
    *,
    area: str = "",
    key: str | None = None,
    mode: str = "set",
    location: str | None = None,
) -> Counted:
    """`stocktakes.count` of the SKU `code` names; UnknownSku when it names none."""
    sku = await barcodes.resolve(code)
    return await stocktakes.count(
        session, sku, quantity, actor, area=area, key=key, mode=mode, location=location
    )

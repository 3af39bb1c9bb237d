"""A count from the floor (Slack `/count`) goes into the open stock-take that covers its
SKU at that location, when there is one; otherwise the caller records today's immediate
count. The SKU may be typed as a barcode.

A session closed between the lookup and the count (posted or cancelled that instant)
answers None too: the count is then what it would have been a moment later, immediate.
"""

from __future__ import annotations

from dataclasses import dataclass

from syncbot.app import barcodes, stocktakes
from syncbot.app.actor import Actor
from syncbot.app.stocktake_views import Counted
from syncbot.ledger import UnknownSku
from syncbot.ledger.stocktake import StocktakeClosed
from syncbot.store import stocktake_cover


@dataclass(frozen=True)
class SessionCount:
    session: int
    name: str | None
    blind: bool
    """The line in `counted` carries no expected quantity when True."""
    counted: Counted

    @property
    def label(self) -> str:
        return f"{self.session} ({self.name})" if self.name else str(self.session)


async def count_in_open_session(
    code: str, quantity: int, location: str, actor: Actor, key: str | None = None
) -> SessionCount | None:
    """Sets `actor`'s count of the SKU `code` names in the open session covering it at
    `location`; None when no open session covers it (or `code` names no SKU: the
    immediate count refuses it as it always has)."""
    try:
        sku = await barcodes.resolve(code)
    except UnknownSku:
        return None
    session = await stocktake_cover.open_session_covering(sku, location)
    if session is None:
        return None
    try:
        counted = await stocktakes.count(
            session.id, sku, quantity, actor, key=key, location=location
        )
    except StocktakeClosed:
        return None
    return SessionCount(session.id, session.name, session.blind, counted)

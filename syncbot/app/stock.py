"""Recording stock: post one entry as an actor, reverse or undo a movement, read the stock
after. A bundle's code is refused (BundleHoldsNoStock, naming its components): a bundle
holds no stock of its own. Wherever a SKU is asked for, a barcode will do: it is resolved
here, once, for every surface (`barcodes.resolve`: a SKU code wins over a barcode that
spells the same).

Web, CLI and Slack each used to compose "post, then read the stock" themselves; they call
these instead. Besides the ledger's errors, `undo` raises UndoRefused (a LedgerError) when
the role held is below the one `roles.role_to_reverse` asks for.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime

from syncbot.app import barcodes, bundles
from syncbot.app.actor import Actor
from syncbot.app.roles import Role, reversal_rule, role_to_reverse
from syncbot.app.views import MovementView
from syncbot.ledger import (
    Count,
    Entry,
    Event,
    LedgerError,
    Movement,
    MovementKind,
    UnknownMovement,
)
from syncbot.store import corrections, lookups
from syncbot.store import stock as store_stock
from syncbot.store.posting import PostingResult, Provenance, post
from syncbot.store.stock import MAX_HISTORY, StockReport
from syncbot.store.verify import VerifyReport, verify

__all__ = [
    "MAX_HISTORY",
    "MovementView",
    "Recorded",
    "StockReport",
    "UndoRefused",
    "VerifyReport",
    "for_sku",
    "history",
    "may_undo",
    "movement",
    "record",
    "reversal_of",
    "reverse",
    "role_to_undo",
    "stock_card",
    "undo",
    "verify",
]


@dataclass(frozen=True)
class Recorded:
    """A posting as recorded, and the stock of its SKU right after it."""

    applied: bool
    """False when the idempotency key (or the reversal) was used before: nothing new."""
    posting: uuid.UUID
    movements: tuple[Movement, ...]
    """What this call posted; empty for a replay."""
    events: tuple[Event, ...]
    """Oversells and reorder points crossed by this posting."""
    rows: tuple[MovementView, ...]
    """The posting's movements as stored, with their ids: for a replay, the first attempt's."""
    stock: StockReport
    """Read after the commit: it may already include postings others made since."""


async def record(
    entry: Entry, actor: Actor, key: str | None = None, document: str = ""
) -> Recorded:
    """Posts one entry once per key (in the actor's key namespace); raises the ledger's
    errors. `entry.sku` may be a barcode: the entry is recorded for the SKU it names."""
    entry = await for_sku(entry)
    await bundles.refuse_stock([entry.sku], _word(entry))
    result = await post(
        [entry],
        idempotency_key=key,
        key_namespace=actor.key_namespace,
        provenance=Provenance(actor=actor.encode(), document=document),
    )
    return await _recorded(result, entry.sku)


async def reverse(
    movement_id: int, actor: Actor, *, force: bool = False, document: str = ""
) -> Recorded:
    """Reverses one movement, once; a repeat is `applied=False` with the first reversal.
    Raises UnknownMovement, or InsufficientStock when its units have moved on (unless
    forced)."""
    provenance = Provenance(actor=actor.encode(), document=document)
    reversed_row = await lookups.movement(movement_id)
    if reversed_row is not None:  # an unknown id is refused by the reversal itself
        await bundles.refuse_stock([reversed_row.sku_id], "reversal")
    result = await corrections.reverse_movement(movement_id, provenance, force=force)
    return await _recorded(result)


class UndoRefused(LedgerError):
    """The actor's role is below the one reversing this movement needs; nothing written."""

    def __init__(self, movement_id: int, needed: Role, held: Role, why: str) -> None:
        super().__init__(
            f"movement {movement_id}: {why} needs the {needed} role, and you act as {held}; "
            "ask a manager to reverse it"
        )
        self.movement_id = movement_id
        self.needed = needed
        self.held = held
        self.why = why


def role_to_undo(row: MovementView, actor: Actor, now: datetime) -> Role:
    """The role `actor` needs to reverse `row` at `now` (see `roles.role_to_reverse`)."""
    return role_to_reverse(row.kind, row.actor, row.recorded_at, actor.encode(), now)


def may_undo(row: MovementView, actor: Actor, role: Role, now: datetime) -> bool:
    """Whether `actor`, acting as `role`, may reverse `row` at `now`: the Undo button."""
    return role.allows(role_to_undo(row, actor, now))


async def undo(
    movement_id: int,
    actor: Actor,
    role: Role,
    now: datetime,
    *,
    force: bool = False,
    document: str = "",
) -> Recorded:
    """Reverses one movement as `actor` acting as `role`, if the undo rule lets them.

    Raises UnknownMovement, UndoRefused (a role too low: nothing written), and what
    `reverse` raises; a repeat is `applied=False` with the first reversal.
    """
    row = await movement(movement_id)
    needed, why = reversal_rule(row.kind, row.actor, row.recorded_at, actor.encode(), now)
    if not role.allows(needed):
        raise UndoRefused(movement_id, needed, role, why)
    return await reverse(movement_id, actor, force=force, document=document)


async def _recorded(result: PostingResult, sku: str | None = None) -> Recorded:
    """`sku` for an entry: a count that matches posts no movement to read it from."""
    # Read back from the table, not from the result: a replay carries no movements, and
    # a client retrying after a lost answer needs the ids the first attempt recorded.
    rows = await store_stock.posting_movements(result.posting)
    views = tuple(MovementView.of(row) for row in rows)
    return Recorded(
        result.applied,
        result.posting,
        result.movements,
        result.events,
        views,
        await store_stock.stock(sku or views[0].sku),
    )


def _word(entry: Entry) -> str:
    """What a refusal calls the entry: "count", "receipt", "damage", "adjustment", …"""
    if isinstance(entry, Count):
        return "count"
    names = {
        MovementKind.RECEIVE: "receipt",
        MovementKind.ADJUST: "adjustment",
        MovementKind.WRITE_OFF: "write-off",
    }
    return names.get(entry.kind, str(entry.kind).replace("_", " "))


async def for_sku(entry: Entry) -> Entry:
    """The entry for the SKU its code names (a SKU code or a barcode); an unknown code is
    left for the posting to refuse."""
    sku = await barcodes.sku_named(entry.sku)
    return entry if sku == entry.sku else replace(entry, sku=sku)


async def stock_card(sku: str) -> StockReport:
    """A SKU's quantities per location and in total, by its code or a barcode (the report
    names the SKU); raises UnknownSku."""
    return await store_stock.stock(await barcodes.sku_named(sku))


async def history(sku: str | None, limit: int = 50) -> list[MovementView]:
    """Movements newest first, of one SKU, by its code or a barcode (raises UnknownSku), or
    of all."""
    code = None if sku is None else await barcodes.sku_named(sku)
    return [MovementView.of(row) for row in await store_stock.history(code, limit)]


async def reversal_of(movement_id: int) -> MovementView | None:
    """The movement that reversed `movement_id`, or None while it stands."""
    row = await corrections.reversal_of(movement_id)
    return None if row is None else MovementView.of(row)


async def movement(movement_id: int) -> MovementView:
    """One movement; raises UnknownMovement."""
    row = await lookups.movement(movement_id)
    if row is None:
        raise UnknownMovement(movement_id)
    return MovementView.of(row)

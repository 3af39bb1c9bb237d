"""Order intake: reconcile a storefront order event against what the ledger applied, once.

One transaction per event: lock the order's record, load it, let the ledger fold the event
in (`syncbot.ledger.orders.record`: the newest snapshot wins, returns wait for their SKU,
lines the store cannot hold are refused, a bundle line keeps the recipe current when it
is first seen), post the difference, replace the order's parked
lines and save the record. The store decides nothing here but which SKUs it holds.

An order's first event is the common case (a flash sale is thousands of them), so it
costs fewer round trips: the record is inserted and so locked by one statement that says
whether it is new, a new record is not read back, it has no parked lines to delete, and
the SKUs read to settle it give the posting their reorder points.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from syncbot.ledger import orders
from syncbot.ledger.orders import LineRecipe, OrderEvent, OrderRecord, ParkedLine
from syncbot.store import bundles as store_bundles
from syncbot.store import models
from syncbot.store.posting import PostingResult, Provenance, count_posting, record
from syncbot.store.sku_list import with_placeholders


@dataclass(frozen=True, slots=True)
class ParkedLineView:
    """A parked line as people see it: which order, what it names and why it waits."""

    channel: str
    order_id: str
    line_id: str
    sku: str
    quantity: int
    reason: str
    created_at: datetime


class UnstorableOrder(ValueError):
    """An order or line id the store cannot hold: the event can never be recorded."""


async def record_order_event(channel: str, event: OrderEvent) -> PostingResult | None:
    """Applies one order event; None when it changed nothing (a duplicate or a stale one).

    Raises UnstorableOrder, before writing anything, for an id the store cannot hold.
    """
    if problem := orders.id_problem(event):
        raise UnstorableOrder(f"order {event.order_id[:80]!r}: {problem}")
    return await _reconcile(channel, event.order_id, event)


async def apply_parked(sku: str) -> int:
    """Applies every parked line of a SKU just added; returns how many orders moved stock."""
    found = await models.ParkedLine.filter(sku=sku).distinct().values_list("channel", "order_id")
    applied = 0
    for channel, order_id in found:
        if await _reconcile(channel, order_id, None) is not None:
            applied += 1
    return applied


async def parked_lines() -> list[ParkedLineView]:
    """Every parked order and return line, by channel, order and line."""
    rows = await models.ParkedLine.all().order_by("channel", "order_id", "line_id")
    return [
        ParkedLineView(
            row.channel,
            row.order_id,
            row.line_id,
            row.sku,
            row.quantity,
            row.reason,
            row.created_at,
        )
        for row in rows
    ]


async def _reconcile(channel: str, order_id: str, event: OrderEvent | None) -> PostingResult | None:
    """Reconciles an order's stored snapshot and waiting returns, with `event` if any."""
    async with in_transaction() as connection:
        record_id, stored, new = await _lock(connection, channel, order_id)
        received = orders.receive(orders.decode(stored), event)
        known = await _known_skus(connection, orders.skus(received))
        recipes = await _recipes(connection, orders.untaken(received) & set(known))
        settled, movements, parked = orders.settle(received, set(known), recipes)
        if parked or not new:  # a record created just now has no parked lines yet
            await _park(connection, channel, order_id, parked)
        result = None
        if movements:
            provenance = Provenance(actor=channel, document=f"{channel}/orders/{order_id}")
            result = await record(connection, movements, provenance, reorder_points=known)
        await (
            models.OrderRecord.filter(id=record_id)
            .using_db(connection)
            .update(state=orders.encode(settled), updated_at=settled.state.updated_at)
        )
    if result is not None:
        count_posting(result)
    return result


_CREATE = (
    "INSERT INTO order_record (channel, order_id, state, created_at) VALUES (?, ?, ?, ?) "
    "ON CONFLICT DO NOTHING RETURNING id"
)


async def _lock(
    connection: BaseDBAsyncClient, channel: str, order_id: str
) -> tuple[int, Mapping[str, Any], bool]:
    """The order's record, locked until commit: its id, its stored state, and whether this
    event created it. A row this transaction inserted is locked by the insert (a twin's
    insert waits for the commit, then finds it), so a new record is not read back."""
    initial = orders.encode(OrderRecord())
    state = models.OrderRecord._meta.fields_map["state"].to_db_value(initial, models.OrderRecord)
    values = [channel, order_id, state, datetime.now(UTC)]
    sql = with_placeholders(_CREATE, connection.capabilities.dialect)
    created = await connection.execute_query_dict(sql, values)  # RETURNING rows on both
    if created:
        return int(created[0]["id"]), initial, True
    row = (
        await models.OrderRecord.filter(channel=channel, order_id=order_id)
        .select_for_update()
        .using_db(connection)
        .get()
    )
    return row.id, row.state, False


async def _known_skus(connection: BaseDBAsyncClient, wanted: set[str]) -> dict[str, int | None]:
    """The SKUs syncbot holds among `wanted`, with their reorder points."""
    if not wanted:
        return {}
    found = (
        await models.Sku.filter(code__in=wanted)
        .using_db(connection)
        .values_list("code", "reorder_point")
    )
    return dict(found)


async def _recipes(connection: BaseDBAsyncClient, wanted: set[str]) -> dict[str, LineRecipe]:
    """The current recipe of each bundle among `wanted`, for lines taken now."""
    if not wanted:  # an order's later events: every line already has what it was taken as
        return {}
    found = await store_bundles.recipes(wanted, connection)
    return {code: LineRecipe(stored.recipe, stored.version) for code, stored in found.items()}


async def _park(
    connection: BaseDBAsyncClient, channel: str, order_id: str, parked: list[ParkedLine]
) -> None:
    """Replaces the order's parked lines with those still unknown or refused."""
    await models.ParkedLine.filter(channel=channel, order_id=order_id).using_db(connection).delete()
    await models.ParkedLine.bulk_create(
        [
            models.ParkedLine(
                channel=channel,
                order_id=order_id,
                line_id=line.line_id,
                sku=line.sku,
                quantity=line.quantity,
                reason=line.reason,
            )
            for line in parked
        ],
        using_db=connection,
    )

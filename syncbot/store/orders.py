"""Order intake: reconcile a storefront order event against what the ledger applied, once.

One transaction per event: lock the order's record, load it, let the ledger fold the event
in (`syncbot.ledger.orders.record`: the newest snapshot wins, returns wait for their SKU,
lines the store cannot hold are refused, a bundle line keeps the recipe current when it
is first seen), post the difference, replace the order's parked
lines and save the record. The store decides nothing here but which SKUs it holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from syncbot.ledger import orders
from syncbot.ledger.orders import LineRecipe, OrderEvent, OrderRecord, ParkedLine
from syncbot.store import bundles as store_bundles
from syncbot.store import models
from syncbot.store.posting import PostingResult, Provenance, count_posting, record


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
        row = await _lock(connection, channel, order_id)
        received = orders.receive(orders.decode(row.state), event)
        known = await _known_skus(connection, orders.skus(received))
        recipes = await _recipes(connection, orders.untaken(received) & known)
        settled, movements, parked = orders.settle(received, known, recipes)
        await _park(connection, channel, order_id, parked)
        result = None
        if movements:
            provenance = Provenance(actor=channel, document=f"{channel}/orders/{order_id}")
            result = await record(connection, movements, provenance)
        row.state = orders.encode(settled)
        row.updated_at = settled.state.updated_at
        await row.save(using_db=connection)
    if result is not None:
        count_posting(result)
    return result


async def _lock(connection: BaseDBAsyncClient, channel: str, order_id: str) -> models.OrderRecord:
    """The order's record, locked until commit; created on the order's first event."""
    await models.OrderRecord.bulk_create(
        [
            models.OrderRecord(
                channel=channel, order_id=order_id, state=orders.encode(OrderRecord())
            )
        ],
        ignore_conflicts=True,
        using_db=connection,
    )
    return (
        await models.OrderRecord.filter(channel=channel, order_id=order_id)
        .select_for_update()
        .using_db(connection)
        .get()
    )


async def _known_skus(connection: BaseDBAsyncClient, wanted: set[str]) -> set[str]:
    found = await models.Sku.filter(code__in=wanted).using_db(connection)
    return {sku.code for sku in found}


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

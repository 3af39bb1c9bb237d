"""Order intake: reconcile a storefront order event against what the ledger applied, once.

Inside one transaction: lock the order's record, load it, let the ledger fold the event
in (`syncbot.ledger.orders.record`: the newest snapshot wins, returns wait for their SKU,
lines the store cannot hold are refused, a bundle line keeps the recipe current when it
is first seen), post the difference, replace the order's parked lines and save the
record. The store decides nothing here but which SKUs it holds.

Intake reconciles a batch of deliveries in one transaction (`reconcile_all`), and every
step is one round trip for the whole batch, which is what lets a flash sale's thousands of
orders keep up. An order's first event is the common case, so it costs least: its record
is inserted, and so locked, by one statement that says whether it is new; a new record is
not read back and has no parked lines to delete; the SKUs read to settle the orders give
the postings their reorder points.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from syncbot.ledger import orders
from syncbot.ledger.orders import LineRecipe, OrderEvent, OrderRecord, ParkedLine
from syncbot.store import bundles as store_bundles
from syncbot.store import models
from syncbot.store.posting import Posting, PostingResult, Provenance, count_posting, record_all
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


@dataclass(frozen=True, slots=True)
class Reconcile:
    """An order to reconcile: its stored snapshot and waiting returns, with `event` if any."""

    channel: str
    order_id: str
    event: OrderEvent | None = None


Outcome = PostingResult | None | Exception
"""What reconciling one order came to: its posting, None when it changed nothing (a
duplicate or a stale event), or the error that stopped that order alone."""


async def record_order_event(channel: str, event: OrderEvent) -> PostingResult | None:
    """Applies one order event in its own transaction; None when it changed nothing.

    Raises UnstorableOrder, before writing anything, for an id the store cannot hold.
    """
    refuse_unstorable(event)
    return await _reconcile(Reconcile(channel, event.order_id, event))


def refuse_unstorable(event: OrderEvent) -> None:
    """Raises UnstorableOrder for an order or line id the store cannot hold."""
    if problem := orders.id_problem(event):
        raise UnstorableOrder(f"order {event.order_id[:80]!r}: {problem}")


async def apply_parked(sku: str) -> int:
    """Applies every parked line of a SKU just added; returns how many orders moved stock."""
    found = await models.ParkedLine.filter(sku=sku).distinct().values_list("channel", "order_id")
    applied = 0
    for channel, order_id in found:
        if await _reconcile(Reconcile(channel, order_id)) is not None:
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


async def _reconcile(order: Reconcile) -> PostingResult | None:
    async with in_transaction() as connection:
        [outcome] = await reconcile_all(connection, [order])
        if isinstance(outcome, Exception):
            raise outcome
    if outcome is not None:
        count_posting(outcome)
    return outcome


async def reconcile_all(
    connection: BaseDBAsyncClient, wanted: Sequence[Reconcile]
) -> list[Outcome]:
    """Reconciles orders inside the caller's transaction, one outcome each, in order.

    The orders of a batch share every round trip: their records are created or locked by
    two statements, their SKUs and recipes read by one each, and their postings recorded
    together (`record_all`). An order named twice (a retry in the same batch) is
    reconciled again in a second round, after the first. An order the ledger's rules
    refuse is left out, its outcome the error, its record as it was; an error of the
    database raises, and the caller's transaction takes every order back.
    """
    outcomes: list[Outcome] = [None] * len(wanted)
    for indexes in _rounds(wanted):
        done = await _reconcile_round(connection, [wanted[i] for i in indexes])
        for index, outcome in zip(indexes, done, strict=True):
            outcomes[index] = outcome
    return outcomes


def _rounds(wanted: Sequence[Reconcile]) -> list[list[int]]:
    """The indexes of `wanted` in rounds where each order appears once, in order."""
    rounds: list[list[int]] = []
    seen: dict[tuple[str, str], int] = {}
    for index, order in enumerate(wanted):
        times = seen.get((order.channel, order.order_id), 0)
        seen[(order.channel, order.order_id)] = times + 1
        if times == len(rounds):
            rounds.append([])
        rounds[times].append(index)
    return rounds


async def _reconcile_round(
    connection: BaseDBAsyncClient, round_: Sequence[Reconcile]
) -> list[Outcome]:
    keys = [(order.channel, order.order_id) for order in round_]
    locked = await _lock(connection, keys)
    received: list[OrderRecord | Exception] = []
    for key, order in zip(keys, round_, strict=True):
        try:
            received.append(orders.receive(orders.decode(locked[key].state), order.event))
        except Exception as error:  # this order's alone: the caller sorts it out
            received.append(error)
    records = [record for record in received if isinstance(record, OrderRecord)]
    known = await _known_skus(connection, set().union(*map(orders.skus, records)))
    untaken: set[str] = set().union(*map(orders.untaken, records))
    recipes = await _recipes(connection, untaken & set(known))

    outcomes: list[Outcome] = []
    settled: dict[tuple[str, str], tuple[OrderRecord, list[ParkedLine]]] = {}
    postings: dict[tuple[str, str], Posting] = {}
    for key, record in zip(keys, received, strict=True):
        if isinstance(record, Exception):
            outcomes.append(record)
            continue
        try:
            new_record, movements, parked = orders.settle(record, set(known), recipes)
        except Exception as error:  # as above
            outcomes.append(error)
            continue
        settled[key] = (new_record, parked)
        outcomes.append(None)
        if movements:
            document = f"{key[0]}/orders/{key[1]}"
            postings[key] = Posting(movements, Provenance(actor=key[0], document=document))
    # A record created for an order refused just now goes, as a lone transaction's would.
    await _forget(
        connection, [lock.id for k, lock in locked.items() if lock.new and k not in settled]
    )
    await _park(connection, [(k, parked, locked[k].new) for k, (_, parked) in settled.items()])
    results = await record_all(connection, list(postings.values()))
    await _save(connection, [(locked[k].id, record) for k, (record, _) in settled.items()])
    posted = dict(zip(postings, results, strict=True))
    return [
        posted.get(key) if outcome is None else outcome
        for key, outcome in zip(keys, outcomes, strict=True)
    ]


@dataclass(frozen=True, slots=True)
class _Locked:
    id: int
    state: Mapping[str, Any]
    new: bool
    """Created by this transaction: it has no parked lines yet, and a refusal removes it."""


_CHUNK = 500  # orders per statement: far below PostgreSQL's 32,767 parameters
_CREATE = "INSERT INTO order_record (channel, order_id, state, created_at) VALUES "
_CREATED = " ON CONFLICT DO NOTHING RETURNING id, channel, order_id"
_FIND = "SELECT id, channel, order_id, state FROM order_record WHERE "


async def _lock(
    connection: BaseDBAsyncClient, keys: list[tuple[str, str]]
) -> dict[tuple[str, str], _Locked]:
    """Each order's record, locked until commit: created by one statement, in key order,
    for orders seen for the first time (a row this transaction inserted is locked by the
    insert, and a twin's insert waits for the commit, then finds it), and the others
    read and locked, in key order, by a second. A new record is not read back."""
    initial = orders.encode(OrderRecord())
    field = models.OrderRecord._meta.fields_map["state"]
    state = field.to_db_value(initial, models.OrderRecord)
    dialect = connection.capabilities.dialect
    now = datetime.now(UTC)
    locked: dict[tuple[str, str], _Locked] = {}
    ordered = sorted(set(keys))
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start : start + _CHUNK]
        values = ", ".join(["(?, ?, ?, ?)"] * len(chunk))
        sql = with_placeholders(_CREATE + values + _CREATED, dialect)
        params = [value for key in chunk for value in (*key, state, now)]
        for row in await connection.execute_query_dict(sql, params):  # RETURNING on both
            locked[(row["channel"], row["order_id"])] = _Locked(int(row["id"]), initial, True)
        if found := [key for key in chunk if key not in locked]:
            # FOR UPDATE only on PostgreSQL: SQLite's transaction already runs alone.
            where = " OR ".join(["(channel = ? AND order_id = ?)"] * len(found))
            lock = " FOR UPDATE" if dialect == "postgres" else ""
            sql = with_placeholders(f"{_FIND}{where} ORDER BY channel, order_id{lock}", dialect)
            rows = await connection.execute_query_dict(sql, [v for key in found for v in key])
            for row in rows:
                stored = field.to_python_value(row["state"])
                locked[(row["channel"], row["order_id"])] = _Locked(int(row["id"]), stored, False)
    return locked


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


async def _forget(connection: BaseDBAsyncClient, ids: list[int]) -> None:
    if ids:
        await models.OrderRecord.filter(id__in=ids).using_db(connection).delete()


async def _park(
    connection: BaseDBAsyncClient,
    orders_parked: list[tuple[tuple[str, str], list[ParkedLine], bool]],
) -> None:
    """Replaces each order's parked lines with those still unknown or refused (a record
    created just now has none to delete)."""
    stale = [
        Q(channel=channel, order_id=order_id)
        for (channel, order_id), _, new in orders_parked
        if not new
    ]
    if stale:
        await models.ParkedLine.filter(Q(*stale, join_type=Q.OR)).using_db(connection).delete()
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
            for (channel, order_id), parked, _ in orders_parked
            for line in parked
        ],
        using_db=connection,
    )


_SAVE = "UPDATE order_record SET state = ?, updated_at = ? WHERE id = ?"


async def _save(connection: BaseDBAsyncClient, records: list[tuple[int, OrderRecord]]) -> None:
    if not records:
        return
    fields = models.OrderRecord._meta.fields_map
    rows = [
        [
            fields["state"].to_db_value(orders.encode(record), models.OrderRecord),
            fields["updated_at"].to_db_value(record.state.updated_at, models.OrderRecord),
            record_id,
        ]
        for record_id, record in records
    ]
    await connection.execute_many(with_placeholders(_SAVE, connection.capabilities.dialect), rows)

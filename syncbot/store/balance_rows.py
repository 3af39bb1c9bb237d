"""Balance rows inside a posting's transaction: steps 2 to 4 of `posting`'s contract.

Every row a posting reads or moves is locked in one fixed order (sku, location, bucket),
so concurrent postings neither deadlock nor lose updates; counts resolve against the
locked quantities; each movement moves both its legs by atomic increments (`Moves`:
unguarded legs go with the posting's other writes, a guarded movement alone, at once); and
events are derived from the balances after it, which the locks make exact. A posting finds
and locks its rows with `touched_rows`; `lock` here serves a caller that locks balance
rows ahead of its posting (a stock-take).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Case, F, Q, When

from syncbot.ledger import (
    REAL_BUCKETS,
    Bucket,
    Count,
    Entry,
    Event,
    InsufficientStock,
    Movement,
    Position,
    Quantities,
    UnknownLocation,
    derive_events,
)
from syncbot.store import models
from syncbot.store.sku_list import with_placeholders

RowKey = tuple[str, str, str]  # sku, location, bucket: also the order rows are locked in


async def _check_locations(connection: BaseDBAsyncClient, keys: list[RowKey]) -> None:
    locations = {location for _, location, _ in keys}
    known = {
        location.name
        for location in await models.Location.filter(name__in=locations).using_db(connection)
    }
    if unknown_locations := sorted(locations - known):
        raise UnknownLocation(unknown_locations[0])


def row_keys(entries: Sequence[Entry]) -> list[RowKey]:
    """Every row a posting reads or moves, sorted: the order in which they are locked.

    All real buckets of each touched SKU and location are included, so counts resolve and
    events report on_hand from locked values, not from rows another posting may be moving.
    """
    keys: set[RowKey] = set()
    for entry in entries:
        if isinstance(entry, Count):
            places = [(entry.location, Bucket.COUNT_DIFFERENCE)]
        else:
            places = [(p.location, p.bucket) for p in (entry.source, entry.destination)]
        for location, bucket in places:
            keys.add((entry.sku, location, str(bucket)))
            keys.update((entry.sku, location, str(real)) for real in REAL_BUCKETS)
    return sorted(keys)


async def lock(connection: BaseDBAsyncClient, keys: list[RowKey]) -> dict[RowKey, tuple[int, int]]:
    """Creates missing balance rows, then locks all of them in key order: id and quantity.
    (A posting finds and locks its rows with `touched_rows.touch`, SKU rows and all.)"""
    rows = await select(connection, keys)
    if len(rows) == len(keys) and connection.capabilities.dialect != "postgres":
        return rows  # SQLite has no row locks: its transaction already runs alone
    if len(rows) < len(keys):
        await create_missing(connection, [k for k in keys if k not in rows])
    return await select(connection, keys, for_update=True)


async def create_missing(connection: BaseDBAsyncClient, missing: list[RowKey]) -> None:
    """Creates balance rows found missing (at 0), for rows a posting will lock after.

    On PostgreSQL the rows are found before any is locked: creating a row waits for a
    concurrent transaction that created the same one, and a transaction that waited so
    while holding locks it took out of key order could deadlock with it (two first
    postings to a new SKU did, now and then). So a transaction creates what is missing
    holding no balance lock, then locks every row in one ordered statement.
    """
    # A new SKU-location pair; existing rows prove their location exists, new ones do not.
    await _check_locations(connection, missing)
    sql = with_placeholders(_CREATE, connection.capabilities.dialect)
    await connection.execute_many(sql, [list(k) for k in missing])


# Rows go in and come out as plain tuples, not model instances: an import posting of 2,000
# receipts reads 10,000 rows twice, and building a model for each cost more than the query.
_CREATE = (
    "INSERT INTO balance (sku_id, location_id, bucket, quantity) VALUES (?, ?, ?, 0) "
    "ON CONFLICT DO NOTHING"
)


async def select(
    connection: BaseDBAsyncClient, keys: list[RowKey], *, for_update: bool = False
) -> dict[RowKey, tuple[int, int]]:
    if not keys:
        return {}
    skus = sorted({k[0] for k in keys})
    locations = sorted({k[1] for k in keys})
    buckets = sorted({k[2] for k in keys})
    # FOR UPDATE only on PostgreSQL: SQLite has none, and its transaction already runs alone.
    postgres = for_update and connection.capabilities.dialect == "postgres"
    sql = (
        "SELECT sku_id, location_id, bucket, id, quantity FROM balance "
        f"WHERE sku_id IN ({_marks(skus)}) AND location_id IN ({_marks(locations)}) "
        f"AND bucket IN ({_marks(buckets)}) ORDER BY sku_id, location_id, bucket"
        + (" FOR UPDATE" if postgres else "")
    )
    found = await _tuples(connection, sql, [*skus, *locations, *buckets])
    wanted = set(keys)
    return {
        (sku, location, bucket): (row_id, quantity)
        for sku, location, bucket, row_id, quantity in found
        if (sku, location, bucket) in wanted
    }


def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" * len(values))


async def _tuples(
    connection: BaseDBAsyncClient, sql: str, params: Sequence[object]
) -> list[tuple[Any, ...]]:
    """Rows as tuples: the ORM's query building took longer than a large posting's query."""
    _, rows = await connection.execute_query(
        with_placeholders(sql, connection.capabilities.dialect), list(params)
    )
    return [tuple(row) for row in rows]


def quantities(held: dict[RowKey, int], sku: str, location: str) -> Quantities:
    return Quantities.from_buckets(
        {bucket: held.get((sku, location, str(bucket)), 0) for bucket in REAL_BUCKETS}
    )


async def move(
    connection: BaseDBAsyncClient,
    rows: dict[RowKey, tuple[int, int]],
    held: dict[RowKey, int],
    movement: Movement,
) -> None:
    """Both legs in one atomic UPDATE; a guarded source must still hold the quantity."""
    source = _key(movement.sku, movement.source)
    source_id, destination_id = rows[source][0], rows[_key(movement.sku, movement.destination)][0]
    quantity = movement.quantity
    source_leg = Q(id=source_id, quantity__gte=quantity) if movement.guarded else Q(id=source_id)
    changed = await (
        models.Balance.filter(source_leg | Q(id=destination_id))
        .using_db(connection)
        .update(
            quantity=Case(
                When(id=source_id, then=F("quantity") - quantity),
                default=F("quantity") + quantity,
            )
        )
    )
    if changed != 2:  # the guard kept the source row out: it holds less than the quantity
        raise InsufficientStock(
            movement.sku, movement.source.location, source[2], quantity, held[source]
        )
    held[source] -= quantity
    held[_key(movement.sku, movement.destination)] += quantity


_INCREMENT = "UPDATE balance SET quantity = quantity + ? WHERE id = ?"


class Moves:
    """A posting's movements moved in order, with one round trip for many of them.

    An unguarded movement's legs are increments of rows the posting holds locked, so they
    cannot fail: they are collected, and the posting's writes send them (`pending`), a
    posting of 500 receipts in one round trip, not 500. A guarded movement first sends the
    ones collected, so its guard sees every leg before it, then moves alone (`move`).
    `held` follows every movement at once, so counts resolve against it as before.
    """

    def __init__(
        self,
        connection: BaseDBAsyncClient,
        rows: dict[RowKey, tuple[int, int]],
        held: dict[RowKey, int],
    ) -> None:
        self._connection = connection
        self._rows = rows
        self._held = held
        self._legs: list[list[int]] = []

    async def move(self, movement: Movement) -> None:
        if movement.guarded:
            await self.flush()
            await move(self._connection, self._rows, self._held, movement)
            return
        source = _key(movement.sku, movement.source)
        destination = _key(movement.sku, movement.destination)
        quantity = movement.quantity
        self._legs += [[-quantity, self._rows[source][0]], [quantity, self._rows[destination][0]]]
        self._held[source] -= quantity
        self._held[destination] += quantity

    def pending(self) -> list[list[int]]:
        """The legs not sent yet ([change, row id]), handed to the posting's writes."""
        legs, self._legs = self._legs, []
        return legs

    async def flush(self) -> None:
        if self._legs:
            sql = with_placeholders(_INCREMENT, self._connection.capabilities.dialect)
            await self._connection.execute_many(sql, self._legs)
            self._legs = []


def _key(sku: str, position: Position) -> RowKey:
    return (sku, position.location, str(position.bucket))


async def available_everywhere(
    connection: BaseDBAsyncClient,
    entries: Sequence[Entry],
    reorder_points: Mapping[str, int | None],
) -> dict[tuple[str, str], int]:
    """Available at every location of each SKU posted to that has a reorder point, read
    once before the movements: the reorder point is over all locations, including ones
    no posting touches (rows that are touched are locked, and `events_of` reads them
    from `held` instead)."""
    watched = sorted({e.sku for e in entries if reorder_points.get(e.sku) is not None})
    if not watched:
        return {}
    sql = (
        "SELECT sku_id, location_id, quantity FROM balance "
        f"WHERE sku_id IN ({_marks(watched)}) AND bucket = ?"
    )
    found = await _tuples(connection, sql, [*watched, str(Bucket.AVAILABLE)])
    return {(sku, location): quantity for sku, location, quantity in found}


def events_of(
    movements: list[Movement],
    held: dict[RowKey, int],
    reorder_points: Mapping[str, int | None],
    elsewhere: Mapping[tuple[str, str], int],
) -> list[Event]:
    """A posting's events from the balances just after it: locked rows make `held`
    exact, and `elsewhere` (`available_everywhere`) gives the locations it did not lock."""
    touched = {
        (movement.sku, location)
        for movement in movements
        for location in (movement.source.location, movement.destination.location)
    }
    after = {(sku, location): quantities(held, sku, location) for sku, location in touched}
    watched = {sku for sku, _ in after if reorder_points.get(sku) is not None}
    available = str(Bucket.AVAILABLE)
    for (sku, location), quantity in elsewhere.items():
        if sku in watched and (sku, location) not in after:
            now = held.get((sku, location, available), quantity)
            after[(sku, location)] = Quantities(available=now)
    return derive_events(movements, after, reorder_points)

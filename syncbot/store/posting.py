"""The one transactional path that records movements and moves balances, exactly once.

Inside one transaction, `post`:
1. claims the idempotency key (a unique row: a concurrent twin waits, then finds it taken);
2. locks every balance row it will touch, in one fixed order, so concurrent postings
   neither deadlock nor lose updates;
3. resolves counts against the locked quantities;
4. moves both legs of each movement in one atomic UPDATE, guarded where a manual
   movement may not take its source below zero;
5. inserts the movements and the events they imply (the outbox).
Nothing is written unless all of it is.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Case, F, Q, When
from tortoise.transactions import in_transaction

from syncbot import metrics
from syncbot.ledger import (
    REAL_BUCKETS,
    Bucket,
    Count,
    Entry,
    Event,
    IdempotencyConflict,
    InsufficientStock,
    InvalidMovement,
    Movement,
    MovementKind,
    Oversold,
    Position,
    Quantities,
    UnknownLocation,
    UnknownSku,
    derive_events,
)
from syncbot.ledger.events import event_name, event_payload
from syncbot.store import models

log = logging.getLogger(__name__)

RowKey = tuple[str, str, str]  # sku, location, bucket: also the order rows are locked in


@dataclass(frozen=True, slots=True)
class Provenance:
    """Who or what caused a posting and from which document: kept on every movement."""

    actor: str = ""
    document: str = ""
    occurred_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class PostingResult:
    posting: uuid.UUID
    applied: bool
    """False when the idempotency key had already been applied: nothing new was written."""
    movements: tuple[Movement, ...] = ()
    events: tuple[Event, ...] = field(default=())


def fingerprint(entries: Sequence[Entry], document: str = "") -> str:
    """A digest of what the posting records, to tell a retry from a different posting.

    It covers the entries and the source document, which every movement records. Not the
    actor, nor the time: a retry may come from another process, later. A posting with no
    document digests as it did before documents counted, so keys stored then still match.
    """
    content: list[object] = [entry.content() for entry in entries]
    if document:
        content.append({"document": document})
    canonical = json.dumps(content, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


async def post(
    entries: Sequence[Entry],
    *,
    idempotency_key: str | None = None,
    key_namespace: str = "",
    provenance: Provenance = Provenance(),
) -> PostingResult:
    """Records the entries atomically, or raises a LedgerError and writes nothing.

    `key_namespace` ("api:", "cli:", "slack:": `Actor.key_namespace`) is stored in front
    of the key, so a key a person or a client chooses can never claim one syncbot makes
    itself (`reversal-of:N`, which reverses each movement once); errors name the key as
    the caller gave it.
    """
    if not entries:
        raise InvalidMovement("nothing to post")
    key = None if idempotency_key is None else key_namespace + idempotency_key
    if key is not None and not 0 < len(key) <= 255:
        raise InvalidMovement("an idempotency key has 1 to 255 characters")
    digest = fingerprint(entries, provenance.document)
    try:
        async with in_transaction() as connection:
            result = await _post(connection, entries, key, digest, provenance)
    except IntegrityError:
        if key is None or idempotency_key is None:
            raise
        try:
            return await _replay(key, digest, entries, provenance)
        except IdempotencyConflict as error:
            raise IdempotencyConflict(idempotency_key) from error
    count_posting(result)
    return result


async def _replay(
    key: str, digest: str, entries: Sequence[Entry], provenance: Provenance
) -> PostingResult:
    """The key was taken: the same content is a no-op, different content a refusal."""
    existing = await models.IdempotencyKey.get_or_none(key=key)
    if existing is None:  # the integrity error was something else: do not hide it
        raise InvalidMovement(f"posting refused by the database (key {key!r})")
    if existing.fingerprint == digest or await _same_before_documents_counted(
        existing, entries, provenance.document
    ):
        metrics.IDEMPOTENT_REPLAYS.inc()
        return PostingResult(posting=existing.posting, applied=False)
    metrics.IDEMPOTENCY_CONFLICTS.inc()
    attempted: list[dict[str, object]] = [entry.content() for entry in entries]
    if provenance.document:
        attempted.append({"document": provenance.document})
    log.warning(
        "idempotency key reused with different content",
        extra={"idempotency_key": key, "actor": provenance.actor, "attempted": attempted},
    )
    await models.IdempotencyConflict.create(key=key, attempted=attempted, actor=provenance.actor)
    raise IdempotencyConflict(key)


async def _same_before_documents_counted(
    existing: models.IdempotencyKey, entries: Sequence[Entry], document: str
) -> bool:
    """A key stored before the document was part of the fingerprint: the same entries
    and the document its movements recorded (a count that moved nothing recorded none)."""
    if not document or existing.fingerprint != fingerprint(entries):
        return False
    recorded = await models.Movement.filter(posting=existing.posting).first()
    return recorded is None or recorded.document == document


async def _post(
    connection: BaseDBAsyncClient,
    entries: Sequence[Entry],
    key: str | None,
    digest: str,
    provenance: Provenance,
) -> PostingResult:
    posting = uuid.uuid4()
    if key is not None:
        await models.IdempotencyKey.create(
            key=key, fingerprint=digest, posting=posting, using_db=connection
        )
    return await record(connection, entries, provenance, posting=posting, key=key)


async def record(
    connection: BaseDBAsyncClient,
    entries: Sequence[Entry],
    provenance: Provenance,
    *,
    posting: uuid.UUID | None = None,
    key: str | None = None,
) -> PostingResult:
    """Records entries inside the caller's transaction: locks, moves, inserts, events.

    For callers that already serialise their twins some other way (order intake locks
    the order's state row); everyone else calls `post`. Count the result with
    `count_posting` once the transaction has committed.
    """
    posting = posting or uuid.uuid4()
    reorder_points = await _reorder_points(connection, entries)
    rows = await _lock_rows(connection, _row_keys(entries))
    held = {row_key: quantity for row_key, (_, quantity) in rows.items()}

    movements: list[Movement] = []
    for entry in entries:
        if isinstance(entry, Count):
            movement = entry.resolve(_quantities(held, entry.sku, entry.location))
        else:
            movement = entry
        if movement is None:
            continue
        await _move(connection, rows, held, movement)
        movements.append(movement)

    occurred_at = provenance.occurred_at or datetime.now(UTC)
    await models.Movement.bulk_create(
        [_movement_row(m, posting, key, provenance, occurred_at) for m in movements],
        using_db=connection,
    )
    events = await _events(connection, movements, held, reorder_points)
    await models.OutboxEvent.bulk_create(
        [
            models.OutboxEvent(name=event_name(e), sku=e.sku, payload=event_payload(e))
            for e in events
        ],
        using_db=connection,
    )
    return PostingResult(posting, True, tuple(movements), tuple(events))


def count_posting(result: PostingResult) -> None:
    """Metrics for a committed posting."""
    metrics.POSTINGS.inc()
    metrics.OVERSELLS.inc(sum(isinstance(event, Oversold) for event in result.events))


async def _reorder_points(
    connection: BaseDBAsyncClient, entries: Sequence[Entry]
) -> dict[str, int | None]:
    """The reorder point of each SKU posted to; refuses an unknown SKU."""
    skus = {entry.sku for entry in entries}
    found = dict(
        await models.Sku.filter(code__in=skus)
        .using_db(connection)
        .values_list("code", "reorder_point")
    )
    if unknown_skus := sorted(skus - found.keys()):
        raise UnknownSku(unknown_skus[0])
    return found


async def _check_locations(connection: BaseDBAsyncClient, keys: list[RowKey]) -> None:
    locations = {location for _, location, _ in keys}
    known = {
        location.name
        for location in await models.Location.filter(name__in=locations).using_db(connection)
    }
    if unknown_locations := sorted(locations - known):
        raise UnknownLocation(unknown_locations[0])


def _row_keys(entries: Sequence[Entry]) -> list[RowKey]:
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


async def _lock_rows(
    connection: BaseDBAsyncClient, keys: list[RowKey]
) -> dict[RowKey, tuple[int, int]]:
    """Creates missing balance rows, then locks all of them in key order: id and quantity."""
    rows = await _select_for_update(connection, keys)
    if len(rows) < len(keys):
        # A new SKU-location pair; existing rows prove their location exists, new ones do not.
        missing = [k for k in keys if k not in rows]
        await _check_locations(connection, missing)
        await models.Balance.bulk_create(
            [models.Balance(sku_id=s, location_id=loc, bucket=b) for s, loc, b in missing],
            ignore_conflicts=True,
            using_db=connection,
        )
        rows = await _select_for_update(connection, keys)
    return rows


async def _select_for_update(
    connection: BaseDBAsyncClient, keys: list[RowKey]
) -> dict[RowKey, tuple[int, int]]:
    skus = {k[0] for k in keys}
    locations = {k[1] for k in keys}
    buckets = {k[2] for k in keys}
    # FOR UPDATE is dropped on SQLite, where the transaction already runs alone. It must be
    # a model query: Tortoise silently drops FOR UPDATE from values_list() queries.
    found = (
        await models.Balance.filter(sku_id__in=skus, location_id__in=locations, bucket__in=buckets)
        .order_by("sku_id", "location_id", "bucket")
        .select_for_update()
        .using_db(connection)
    )
    wanted = set(keys)
    return {
        key: (row.id, row.quantity)
        for row in found
        if (key := (row.sku_id, row.location_id, row.bucket)) in wanted
    }


def _quantities(held: dict[RowKey, int], sku: str, location: str) -> Quantities:
    return Quantities.from_buckets(
        {bucket: held.get((sku, location, str(bucket)), 0) for bucket in REAL_BUCKETS}
    )


async def _move(
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


def _key(sku: str, position: Position) -> RowKey:
    return (sku, position.location, str(position.bucket))


async def _events(
    connection: BaseDBAsyncClient,
    movements: list[Movement],
    held: dict[RowKey, int],
    reorder_points: dict[str, int | None],
) -> list[Event]:
    """Events from the balances after the posting; locked rows make `held` exact."""
    after = {
        (movement.sku, location): _quantities(held, movement.sku, location)
        for movement in movements
        for location in (movement.source.location, movement.destination.location)
    }
    watched = {sku for sku, _ in after if reorder_points.get(sku) is not None}
    if watched:
        # The reorder point is over all locations, including ones this posting did not touch.
        others = await (
            models.Balance.filter(sku_id__in=watched, bucket=Bucket.AVAILABLE)
            .using_db(connection)
            .values_list("sku_id", "location_id", "quantity")
        )
        for sku, location, quantity in others:
            after.setdefault((sku, location), Quantities(available=quantity))
    return derive_events(movements, after, reorder_points)


def _movement_row(
    movement: Movement,
    posting: uuid.UUID,
    key: str | None,
    provenance: Provenance,
    occurred_at: datetime,
) -> models.Movement:
    return models.Movement(
        posting=posting,
        idempotency_key=key,
        kind=str(movement.kind),
        sku_id=movement.sku,
        quantity=movement.quantity,
        source_location=movement.source.location,
        source_bucket=str(movement.source.bucket),
        destination_location=movement.destination.location,
        destination_bucket=str(movement.destination.bucket),
        reason=movement.reason,
        forced=movement.forced,
        counted_on_hand=movement.counted_on_hand,
        reverses=movement.reverses,
        actor=provenance.actor,
        document=provenance.document,
        occurred_at=occurred_at,
    )


def movement_from_row(row: models.Movement) -> Movement:
    """The domain movement a stored row records."""
    return Movement(
        sku=row.sku_id,
        kind=MovementKind(row.kind),
        quantity=row.quantity,
        source=Position(row.source_location, Bucket(row.source_bucket)),
        destination=Position(row.destination_location, Bucket(row.destination_bucket)),
        reason=row.reason,
        forced=row.forced,
        counted_on_hand=row.counted_on_hand,
        reverses=row.reverses,
    )

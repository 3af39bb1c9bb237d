"""Recording postings inside a caller's transaction: steps 2 to 5 of `posting`'s contract.

`record_all` finds and locks the rows (`touched_rows`), resolves counts, moves both legs
of each movement (`balance_rows`), values them (`valuing`) and writes everything in one
statement on PostgreSQL (`posting_writes`), for one posting or a batch: each posting
resolved as if recorded after the ones before it. Its callers hold the transaction and
serialise their twins: `posting.post` (by idempotency key, in lots that waited together),
order intake (by the order's locked record), a purchase order's receipt.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tortoise.backends.base.client import BaseDBAsyncClient

from syncbot import metrics
from syncbot.ledger import (
    Bucket,
    Count,
    Entry,
    Event,
    Movement,
    MovementKind,
    Oversold,
    Position,
    coalesce,
)
from syncbot.store import (
    balance_rows,
    demand,
    models,
    posting_rows,
    posting_writes,
    touched_rows,
    valuing,
)


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


@dataclass(frozen=True, slots=True)
class Posting:
    """One posting for `record_all`: its entries, where they came from, its id and key."""

    entries: Sequence[Entry]
    provenance: Provenance
    posting: uuid.UUID = field(default_factory=uuid.uuid4)
    key: str | None = None


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
    the order's state row); everyone else calls `post`. An unknown SKU is refused. Count
    the result with `count_posting` once the transaction has committed.
    """
    one = Posting(entries, provenance, posting or uuid.uuid4(), key)
    [result] = await record_all(connection, [one])
    return result


async def record_all(
    connection: BaseDBAsyncClient,
    postings: Sequence[Posting],
    *,
    claims: Sequence[touched_rows.Claim] = (),
) -> list[PostingResult]:
    """`record` for several postings in one go (a batch of orders): each resolves its
    counts, moves, is valued and derives its events as if recorded after the ones before
    it, but every step is one round trip for all of them. One that cannot be recorded
    raises, and the caller's transaction takes the others back with it. The `claims` of
    their idempotency keys are inserted before anything else is read (a key already taken
    raises the database's IntegrityError)."""
    entries = [entry for one in postings for entry in one.entries]
    touched = await touched_rows.touch(connection, entries, claims)
    rows, reorder_points = touched.rows, touched.reorder_points
    held = {row_key: quantity for row_key, (_, quantity) in rows.items()}
    elsewhere = await balance_rows.available_everywhere(connection, entries, reorder_points)

    moved: list[tuple[list[Movement], list[Event]]] = []
    moves = balance_rows.Moves(connection, rows, held)
    for one in postings:
        movements: list[Movement] = []
        for entry in one.entries:
            if isinstance(entry, Count):
                movement = entry.resolve(balance_rows.quantities(held, entry.sku, entry.location))
            else:
                movement = entry
            if movement is None:
                continue
            await moves.move(movement)
            movements.append(movement)
        # `held` is exact just after this posting's movements: its events are derived now.
        moved.append(
            (movements, balance_rows.events_of(movements, held, reorder_points, elsewhere))
        )

    documents = [one.provenance.document for one in postings]
    valuations, values = await valuing.value(
        connection, [ms for ms, _ in moved], documents, touched.values
    )
    now = datetime.now(UTC)
    occurred = [one.provenance.occurred_at or now for one in postings]
    every_movement = [m for ms, _ in moved for m in ms]
    await posting_writes.Writes(
        legs=moves.pending(),
        movements=every_movement,
        values=values,
        demand=demand.sold(
            [ms for ms, _ in moved], documents, occurred, connection.capabilities.dialect
        ),
        movement_rows=posting_rows.movement_rows(
            [
                posting_rows.MovementRows(
                    ms, vs, one.posting, one.key, one.provenance.actor, one.provenance.document, at
                )
                for one, (ms, _), vs, at in zip(postings, moved, valuations, occurred, strict=True)
            ]
        ),
        event_rows=posting_rows.event_rows(coalesce([e for _, es in moved for e in es])),
    ).send(connection)
    return [
        PostingResult(one.posting, True, tuple(ms), tuple(es))
        for one, (ms, es) in zip(postings, moved, strict=True)
    ]


def count_posting(result: PostingResult) -> None:
    """Metrics for a committed posting."""
    metrics.POSTINGS.inc()
    metrics.OVERSELLS.inc(sum(isinstance(event, Oversold) for event in result.events))


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

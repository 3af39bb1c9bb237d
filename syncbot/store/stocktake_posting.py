"""Posting a stock-take: every line's variance, judged at its count, in one idempotent
posting that closes the session (locks as `stocktakes` describes: session, lines, balances).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from syncbot.ledger import Bucket, Count, Entry, Movement, MovementKind, Position
from syncbot.ledger.stocktake import (
    StocktakeClosed,
    StocktakeStatus,
    Uncounted,
    document_of,
    posting_key,
)
from syncbot.store import posting, recording
from syncbot.store.stocktake_models import StocktakeLine
from syncbot.store.stocktake_reads import SessionRecord, find, load
from syncbot.store.stocktakes import lock_lines


@dataclass(frozen=True, slots=True)
class Posted:
    session: int
    applied: bool
    """False when the session was posted before: nothing new was recorded."""
    posting: uuid.UUID | None
    movements: tuple[Movement, ...]


async def post(
    ref: str, actor: str, uncounted: Uncounted, check: Callable[[SessionRecord], None]
) -> Posted:
    """Posts every line's variance (and, with `zero`, uncounted lines to zero) once, and
    closes the session; `check` refuses (before anything is written) what may not post."""
    try:
        async with in_transaction() as connection:
            row = await find(connection, ref, lock=True)
            if row.status == StocktakeStatus.POSTED:
                return Posted(row.id, False, row.posting, ())
            if row.status != StocktakeStatus.OPEN:
                raise StocktakeClosed(row.id, row.status)
            await lock_lines(connection, row.id)
            session = await load(connection, row)
            check(session)
            result = await _post_lines(connection, session, uncounted, actor)
            row.status, row.closed_at, row.closed_by = (
                StocktakeStatus.POSTED,
                datetime.now(UTC),
                actor,
            )
            row.uncounted, row.posting = uncounted.value, result.posting if result else None
            await row.save(using_db=connection)
            await StocktakeLine.filter(stocktake_id=row.id).using_db(connection).update(open=False)
    except IntegrityError:  # a twin posting claimed the session's key and committed first
        async with in_transaction() as connection:
            row = await find(connection, ref)
        if row.status != StocktakeStatus.POSTED:
            raise
        return Posted(row.id, False, row.posting, ())
    if result is None:
        return Posted(row.id, True, None, ())
    recording.count_posting(result)
    return Posted(row.id, True, result.posting, result.movements)


async def _post_lines(
    connection: BaseDBAsyncClient, session: SessionRecord, uncounted: Uncounted, actor: str
) -> posting.PostingResult | None:
    entries = entries_of(session, uncounted)
    if not entries:
        return None
    document = document_of(session.id)
    return await posting.post_within(
        connection,
        entries,
        key=posting_key(session.id),
        digest=posting.fingerprint(entries, document),
        provenance=posting.Provenance(actor=actor, document=document),
    )


def entries_of(session: SessionRecord, uncounted: Uncounted) -> list[Entry]:
    """A count movement per counted line with a variance (judged at its count, not now),
    and with `zero` a count of 0 per uncounted line (resolved against on-hand now)."""
    reason = f"stock-take {session.name or session.id}"
    shelf = Position(session.location, Bucket.AVAILABLE)
    outside = Position(session.location, Bucket.COUNT_DIFFERENCE)
    entries: list[Entry] = []
    for line in session.lines:
        judged = line.judgement
        if judged.variance is None:
            if uncounted is Uncounted.ZERO:
                entries.append(Count(line.sku, 0, session.location, reason))
            continue
        if judged.variance == 0:
            continue
        source, destination = (outside, shelf) if judged.variance > 0 else (shelf, outside)
        entries.append(
            Movement(
                sku=line.sku,
                kind=MovementKind.COUNT,
                quantity=abs(judged.variance),
                source=source,
                destination=destination,
                reason=reason,
                counted_on_hand=judged.counted,
            )
        )
    return entries

"""Push records: each change recorded `sending` before the call, then finished as the
channel answered (acknowledged, stale, failed) or abandoned after whole refusals.

Every finish writes the push rows, their listings and any outbox event in one
transaction, so a listing never shows a push its record does not.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from syncbot.ledger.events import EventName
from syncbot.store import outbox, sync_days, sync_models
from syncbot.store.key_lists import CHUNK, among
from syncbot.store.listing_reads import ListingRow
from syncbot.store.sku_list import with_placeholders
from syncbot.store.sync_models import ListingPush

__all__ = [
    "ListingPush",
    "RecordedPush",
    "abandon",
    "abandon_gone",
    "count_refusal",
    "finish",
    "recent",
    "record_sending",
    "unfinished",
]


@dataclass(frozen=True, slots=True)
class RecordedPush:
    """A change recorded `sending`, as the sync sends it: plain values, not an ORM row."""

    id: int
    sku: str
    inventory_id: str
    quantity: int
    expected: int | None
    idempotency_key: str
    watermark: int
    attempts: int = 0


_PUSH_COLUMNS = "sku, inventory_id, idempotency_key, quantity, expected, explanation"
_SENDING = (
    f"INSERT INTO listing_push (channel, batch, watermark, sent_at, status, attempts, "
    f"{_PUSH_COLUMNS}) "
)
# Raw: bulk_create built a model per change, read back as models, about a third of a
# sync's CPU in a profile. On PostgreSQL the changes go as six arrays zipped by unnest, in their
# order: one statement text for any batch size (a VALUES list would be a new statement at
# each size), ids given in the batch's order.
_SENDING_POSTGRES = (
    f"{_SENDING}SELECT ?::varchar, ?::uuid, ?::bigint, ?::timestamptz, 'sending', 0, "
    f"{_PUSH_COLUMNS} FROM unnest(?::varchar[], ?::varchar[], ?::varchar[], ?::bigint[], "
    f"?::bigint[], ?::varchar[]) WITH ORDINALITY AS k ({_PUSH_COLUMNS}, n) ORDER BY n "
    "RETURNING id, idempotency_key"
)
_SENDING_ROW = "(?, ?, ?, ?, 'sending', 0, ?, ?, ?, ?, ?, ?)"


async def record_sending(
    channel: str, changes: Iterable[Mapping[str, Any]], watermark: int
) -> list[RecordedPush]:
    """Records one batch of planned changes before it is sent, in one INSERT (SQLite: one
    per `key_lists.CHUNK` changes, in one transaction); each gets a new key."""
    batch = str(uuid.uuid4())
    sent_at = datetime.now(UTC)
    rows = [
        (
            str(change["sku"]),
            str(change["inventory_id"]),
            # The key column holds 64 characters and a channel's name may too: the
            # uuid alone makes the key unique, the name's start only helps a reader.
            f"{channel[:31]}-{uuid.uuid4().hex}",
            int(change["quantity"]),
            None if change.get("expected") is None else int(change["expected"]),
            str(change.get("explanation", "")),
        )
        for change in changes
    ]
    if not rows:
        return []
    dialect = connections.get("default").capabilities.dialect
    shared = [channel, batch, watermark, sent_at]
    if dialect == "postgres":
        statements = [
            (_SENDING_POSTGRES, [*shared, *(list(column) for column in zip(*rows, strict=True))])
        ]
    else:
        statements = [
            (
                f"{_SENDING}VALUES {', '.join([_SENDING_ROW] * len(chunk))} "
                "RETURNING id, idempotency_key",
                [value for row in chunk for value in (*shared, *row)],
            )
            for chunk in (rows[start : start + CHUNK] for start in range(0, len(rows), CHUNK))
        ]
    ids: dict[str, int] = {}
    # One statement is atomic by itself: a transaction would only add BEGIN and COMMIT.
    async with in_transaction() if len(statements) > 1 else nullcontext() as transaction:
        connection = transaction or connections.get("default")
        for sql, params in statements:
            found = await connection.execute_query_dict(with_placeholders(sql, dialect), params)
            ids.update((row["idempotency_key"], int(row["id"])) for row in found)
    return [
        RecordedPush(ids[key], sku, inventory_id, quantity, expected, key, watermark)
        for sku, inventory_id, key, quantity, expected, _ in rows
    ]


_UNFINISHED = (
    "SELECT batch, id, sku, inventory_id, quantity, expected, idempotency_key, watermark, "
    "attempts FROM listing_push WHERE channel = ? AND status = 'sending' ORDER BY id"
)


async def unfinished(channel: str) -> list[list[RecordedPush]]:
    """Batches left `sending` by a process that stopped, each in its original order."""
    connection = connections.get("default")
    sql = with_placeholders(_UNFINISHED, connection.capabilities.dialect)
    _, rows = await connection.execute_query(sql, [channel])
    batches: dict[object, list[RecordedPush]] = defaultdict(list)
    for batch, *row in rows:
        batches[batch].append(RecordedPush(*row))
    return list(batches.values())


async def abandon_gone(pushes: Sequence[RecordedPush], at: datetime) -> None:
    """Pushes whose listing discovery removed since: nothing is left to push to."""
    await sync_models.ListingPush.filter(id__in=[push.id for push in pushes]).update(
        status="abandoned", finished_at=at
    )


async def finish(
    channel: str,
    acknowledged: Sequence[tuple[RecordedPush, ListingRow, int]],
    stale: Sequence[RecordedPush],
    failed: Sequence[tuple[RecordedPush, str]],
    at: datetime,
) -> None:
    """Records what the channel answered for one call, in one transaction.

    Acknowledgements (push, its listing, the quantity the channel now holds), the common
    case, are written as one batch of prepared UPDATEs per table. A stale listing's level
    becomes unknown, so the next plan reads it before any push. A failed one is
    quarantined: not pushed again until released, with a `listing_quarantined` event.
    """
    async with in_transaction() as connection:
        if acknowledged:
            await _acknowledge(connection, acknowledged, at)
            # Acknowledged: whatever was refused before, the channel takes it now.
            ids = [push.inventory_id for push, _, _ in acknowledged]
            await _among(connection, _RETAKEN, [channel], "inventory_id", ids)
        if stale:
            moment = _finished_at(at)
            await _among(connection, _STALE, [moment], "id", [p.id for p in stale], "bigint")
            ids = [push.inventory_id for push in stale]
            await _among(connection, _UNKNOWN, [channel], "inventory_id", ids)
        for push, error in failed:
            await (
                sync_models.ListingPush.filter(id=push.id)
                .using_db(connection)
                .update(status="failed", error=error, finished_at=at)
            )
            await (
                sync_models.ChannelListing.filter(channel=channel, inventory_id=push.inventory_id)
                .using_db(connection)
                .update(quarantined_error=error, quarantined_at=at)
            )
            payload = {"channel": channel, "sku": push.sku, "error": error}
            await outbox.write(EventName.LISTING_QUARANTINED, push.sku, payload, connection)
        answered = len(acknowledged) + len(stale) + len(failed)
        await sync_days.count(
            connection,
            channel,
            at,
            pushes=answered,
            failed_pushes=len(failed),
            quarantines=len(failed),
        )


_RETAKEN = (
    "UPDATE channel_listing SET abandoned_error = NULL, abandoned_at = NULL "
    "WHERE channel = ? AND abandoned_at IS NOT NULL"
)
_STALE = "UPDATE listing_push SET status = 'stale', finished_at = ? WHERE"
_UNKNOWN = "UPDATE channel_listing SET channel_quantity = NULL WHERE channel = ?"


async def _among(
    connection: BaseDBAsyncClient,
    sql: str,
    params: list[object],
    column: str,
    keys: Sequence[object],
    cast: str = "varchar",
) -> None:
    """`sql` (its WHERE clause last) for the rows whose `column` is among `keys`: one
    statement text for any number of keys on PostgreSQL (`key_lists`). A call's keys are
    far fewer than SQLite's bound on parameters."""
    dialect = connection.capabilities.dialect
    condition, values = among(column, keys, dialect, cast)
    joined = f"{sql} {condition}" if sql.endswith("WHERE") else f"{sql} AND {condition}"
    await connection.execute_query(with_placeholders(joined, dialect), [*params, *values])


def _finished_at(at: datetime) -> object:
    return ListingPush._meta.fields_map["finished_at"].to_db_value(at, ListingPush)


# Plain statements sent as one batch each: Tortoise's bulk_update builds one CASE per column
# in Python, which for a call of 250 listings held the event loop for tens of milliseconds
# (a fifth of the service's CPU in a flash sale, and its slowest webhook answers).
_ACKNOWLEDGE = (
    "UPDATE listing_push SET status = 'acknowledged', acknowledged = ?, finished_at = ? "
    "WHERE id = ?"
)
_KNOW = (
    "UPDATE channel_listing SET channel_quantity = ?, pushed_quantity = ?, pushed_at = ?, "
    "push_watermark = ?, held_since = NULL WHERE id = ?"
)


async def _acknowledge(
    connection: BaseDBAsyncClient,
    acknowledged: Sequence[tuple[RecordedPush, ListingRow, int]],
    at: datetime,
) -> None:
    dialect = connection.capabilities.dialect
    moment = _finished_at(at)
    await connection.execute_many(
        with_placeholders(_ACKNOWLEDGE, dialect),
        [[quantity, moment, push.id] for push, _, quantity in acknowledged],
    )
    await connection.execute_many(
        with_placeholders(_KNOW, dialect),
        [
            [quantity, quantity, moment, push.watermark, listing.id]
            for push, listing, quantity in acknowledged
        ],
    )


async def count_refusal(pushes: Sequence[RecordedPush], attempts: int, error: str) -> None:
    """One more whole refusal of a batch that is sent again."""
    await sync_models.ListingPush.filter(id__in=[push.id for push in pushes]).update(
        attempts=attempts, error=error
    )


async def abandon(
    channel: str, pushes: Sequence[RecordedPush], attempts: int, error: str, at: datetime
) -> None:
    """Abandons a batch refused whole too often, with a `push_abandoned` event.

    Its listings' levels become unknown: the next plan reads them before any push (a send
    whose answer was lost may have applied).
    """
    skus = [push.sku for push in pushes]
    async with in_transaction() as connection:
        await (
            sync_models.ListingPush.filter(id__in=[push.id for push in pushes])
            .using_db(connection)
            .update(attempts=attempts, error=error, status="abandoned", finished_at=at)
        )
        await (
            sync_models.ChannelListing.filter(
                channel=channel, inventory_id__in=[push.inventory_id for push in pushes]
            )
            .using_db(connection)
            .update(channel_quantity=None, abandoned_error=error, abandoned_at=at)
        )
        payload = {"channel": channel, "skus": skus, "attempts": attempts, "error": error}
        sku = skus[0] if len(skus) == 1 else ""
        await outbox.write(EventName.PUSH_ABANDONED, sku, payload, connection)
        await sync_days.count(
            connection, channel, at, pushes=len(pushes), failed_pushes=len(pushes)
        )


async def recent(channel: str, sku: str | None = None, limit: int = 50) -> list[ListingPush]:
    """The channel's pushes newest first, of one SKU or all."""
    query = sync_models.ListingPush.filter(channel=channel)
    if sku is not None:
        query = query.filter(sku=sku)
    return await query.order_by("-id").limit(limit)

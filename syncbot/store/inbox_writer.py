"""Keeping deliveries in the inbox before their 200: one at a time, or many to a statement.

A burst of webhooks is a burst of single-row inserts, each a round trip and a commit (a
WAL flush on PostgreSQL) before its answer, and each built by the ORM. `InboxWriter` lets
the requests that arrive together share them: a request finding no write in flight
writes at once, and those arriving while it is in flight go together in the next
statement. So an idle service answers as soon as before, and a burst costs one statement
and one commit per group instead of per delivery. A request is answered only after its
own row is committed, so nothing acknowledged can be lost.

A group the database refuses is written again one delivery at a time, so a delivery
carrying something the database cannot hold fails alone.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tortoise import connections
from tortoise.exceptions import IntegrityError

from connectors.base import Delivery
from syncbot.store import models
from syncbot.store.sku_list import with_placeholders

log = logging.getLogger(__name__)

GROUP = 200
"""Deliveries one statement stores at most (1,600 parameters)."""


async def store(channel: str, delivery: Delivery, body: bytes) -> bool:
    """Keeps a delivery; False when the channel already delivered this event."""
    try:
        await models.InboxDelivery.create(
            channel=channel,
            event_id=delivery.event_id,
            topic=delivery.topic,
            headers=dict(delivery.headers),
            body=body,
        )
    except IntegrityError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class Arrival:
    """A verified delivery to keep, as it came."""

    channel: str
    delivery: Delivery
    body: bytes


_INSERT = (
    "INSERT INTO inbox_delivery (channel, event_id, topic, headers, body, received_at, "
    "attempts, status) VALUES "
)
_ROW = "(?, ?, ?, ?, ?, ?, 0, 'pending')"
_KEPT = " ON CONFLICT (channel, event_id) DO NOTHING RETURNING channel, event_id"


async def store_all(arrivals: Sequence[Arrival]) -> list[bool]:
    """Keeps deliveries in one statement; for each, False when its channel already
    delivered the event (earlier, or earlier in `arrivals`)."""
    if not arrivals:
        return []
    fields = models.InboxDelivery._meta.fields_map
    received = fields["received_at"].to_db_value(datetime.now(UTC), models.InboxDelivery)
    params: list[object] = []
    for arrival in arrivals:
        headers = fields["headers"].to_db_value(
            dict(arrival.delivery.headers), models.InboxDelivery
        )
        params += [
            arrival.channel,
            arrival.delivery.event_id,
            arrival.delivery.topic,
            headers,
            arrival.body,
            received,
        ]
    connection = connections.get("default")
    sql = _INSERT + ", ".join([_ROW] * len(arrivals)) + _KEPT
    rows = await connection.execute_query_dict(
        with_placeholders(sql, connection.capabilities.dialect), params
    )
    kept = {(row["channel"], row["event_id"]) for row in rows}
    stored: list[bool] = []
    for arrival in arrivals:
        key = (arrival.channel, arrival.delivery.event_id)
        stored.append(key in kept)
        kept.discard(key)  # a second arrival of the same event in the group is its duplicate
    return stored


@dataclass(slots=True)
class _Waiting:
    arrival: Arrival
    answer: asyncio.Future[bool] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class InboxWriter:
    """Keeps concurrent requests' deliveries together (the module's doc says how)."""

    def __init__(self, group: int = GROUP) -> None:
        self._group = group
        self._waiting: list[_Waiting] = []
        self._writer: asyncio.Task[None] | None = None

    async def store(self, channel: str, delivery: Delivery, body: bytes) -> bool:
        """`store`, shared with the requests that arrive meanwhile; False for a duplicate."""
        waiting = _Waiting(Arrival(channel, delivery, body))
        self._waiting.append(waiting)
        if self._writer is None:
            self._writer = asyncio.create_task(self._write(), name="inbox writer")
        # Shielded: a client that hangs up must not cancel a write other requests share.
        return await asyncio.shield(waiting.answer)

    async def _write(self) -> None:
        try:
            while self._waiting:
                group, self._waiting = self._waiting[: self._group], self._waiting[self._group :]
                try:
                    stored = await store_all([waiting.arrival for waiting in group])
                except Exception:  # one delivery the database refuses: each alone
                    log.warning("a group of %d deliveries was refused: each alone", len(group))
                    await _each_alone(group)
                else:
                    for waiting, kept in zip(group, stored, strict=True):
                        _answer(waiting, kept)
        finally:
            self._writer = None


async def _each_alone(group: list[_Waiting]) -> None:
    for waiting in group:
        arrival = waiting.arrival
        try:
            kept = await store(arrival.channel, arrival.delivery, arrival.body)
        except Exception as error:  # this request's own error, answered as before
            if not waiting.answer.done():
                waiting.answer.set_exception(error)
        else:
            _answer(waiting, kept)


def _answer(waiting: _Waiting, kept: bool) -> None:
    if not waiting.answer.done():
        waiting.answer.set_result(kept)

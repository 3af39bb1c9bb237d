"""The outbox: events written with what caused them, read back by the change watcher and
the Slack alerts, and the alert cooldown cursor.

A writer passes its open transaction (`using`) so the event commits or rolls back with the
change it reports; readers only ever see committed events.
"""

from __future__ import annotations

import contextlib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.functions import Max

from syncbot.ledger.events import EventName
from syncbot.store import models, slack_models


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """One undelivered event, as a consumer reads it."""

    id: int
    name: str
    sku: str
    payload: Mapping[str, Any]


async def write(
    name: EventName,
    sku: str,
    payload: Mapping[str, Any],
    using: BaseDBAsyncClient | None = None,
) -> None:
    """Records one event, in the caller's transaction when given."""
    await models.OutboxEvent.create(name=name, sku=sku, payload=dict(payload), using_db=using)


async def newest_id() -> int:
    """The id of the newest event; 0 when there is none."""
    newest = await models.OutboxEvent.annotate(newest=Max("id")).first().values_list("newest")
    return int(newest[0] or 0) if newest else 0


async def created_since(moment: datetime) -> dict[int, datetime]:
    """Every event created at or after `moment`, as id → created_at."""
    rows = await models.OutboxEvent.filter(created_at__gte=moment).values_list("id", "created_at")
    return dict(rows)


async def after(cursor: int, among: Sequence[int]) -> list[tuple[int, str, str]]:
    """Events after `cursor` and those of the ids `among`: (id, name, sku) each."""
    wanted = Q(id__gt=cursor) | Q(id__in=among) if among else Q(id__gt=cursor)
    rows = await models.OutboxEvent.filter(wanted).values_list("id", "name", "sku")
    return [(int(event_id), str(name), str(sku)) for event_id, name, sku in rows]


async def undelivered(names: Collection[EventName], limit: int) -> list[OutboxEntry]:
    """The oldest events of `names` not yet delivered, at most `limit`, in id order."""
    rows = (
        await models.OutboxEvent.filter(name__in=list(names), delivered_at=None)
        .order_by("id")
        .limit(limit)
    )
    return [OutboxEntry(row.id, row.name, row.sku, row.payload) for row in rows]


async def mark_delivered(event_ids: Sequence[int], at: datetime) -> None:
    await models.OutboxEvent.filter(id__in=list(event_ids)).update(delivered_at=at)


async def last_alert(kind: str, subject: str) -> datetime | None:
    """When an alert of this kind and subject was last posted; None if never."""
    row = await slack_models.AlertSent.get_or_none(kind=kind, subject=subject)
    return None if row is None else row.sent_at


async def record_alert(kind: str, subject: str, at: datetime) -> None:
    """Starts the cooldown of an alert of this kind and subject at `at`."""
    updated = await slack_models.AlertSent.filter(kind=kind, subject=subject).update(sent_at=at)
    # IntegrityError: a former leader wrote it a moment ago; the cooldown holds either way.
    if not updated:
        with contextlib.suppress(IntegrityError):
            await slack_models.AlertSent.create(kind=kind, subject=subject, sent_at=at)

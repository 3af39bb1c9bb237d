"""The rows a posting inserts: its movements and the events they imply (the outbox).

They are built as plain parameter lists for `posting_writes` to send, every posting of a
transaction together: building a Tortoise model instance for each row cost more than the
database's work in an import posting of 2,000 receipts, and a batch of orders from a
flash sale inserts its fifty postings' rows in one round trip instead of fifty.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from tortoise import timezone

from syncbot.ledger import Event, Movement
from syncbot.ledger.costing import Valuation
from syncbot.ledger.events import event_name, event_payload
from syncbot.store import models


@dataclass(frozen=True, slots=True)
class MovementRows:
    """One posting's movements with what every row of it records."""

    movements: Sequence[Movement]
    valuations: Sequence[Valuation]
    posting: uuid.UUID
    key: str | None
    actor: str
    document: str
    occurred_at: datetime


def movement_rows(postings: Sequence[MovementRows]) -> list[list[object]]:
    """Each movement's row: every column of the model but its id, in its order."""
    fields = models.Movement._meta.fields_map
    recorded = timezone.localtime()
    rows: list[list[object]] = []
    for posting in postings:
        if not posting.movements:
            continue
        # Converted as Tortoise would, once a posting: the same for each of its rows.
        posting_id = fields["posting"].to_db_value(posting.posting, models.Movement)
        occurred = fields["occurred_at"].to_db_value(posting.occurred_at, models.Movement)
        # Tortoise validated every column of a model row; the free text is what an edge
        # might have let through too long, so it is still checked (the domain bounds the rest).
        fields["idempotency_key"].validate(posting.key)
        fields["actor"].validate(posting.actor)
        fields["document"].validate(posting.document)
        for reason in {m.reason for m in posting.movements}:
            fields["reason"].validate(reason)
        rows += [
            [
                posting_id,
                posting.key,
                str(m.kind),
                m.sku,
                m.quantity,
                m.source.location,
                str(m.source.bucket),
                m.destination.location,
                str(m.destination.bucket),
                m.reason,
                m.forced,
                m.counted_on_hand,
                m.reverses,
                posting.actor,
                posting.document,
                v.unit_cost,
                v.value,
                v.variance,
                occurred,
                recorded,
            ]
            for m, v in zip(posting.movements, posting.valuations, strict=True)
        ]
    return rows


def event_rows(events: Sequence[Event]) -> list[list[object]]:
    """Each event's outbox row: name, sku, payload, created at."""
    payload = models.OutboxEvent._meta.fields_map["payload"]
    created = timezone.localtime()
    return [
        [
            event_name(e),
            e.sku,
            payload.to_db_value(event_payload(e), models.OutboxEvent),
            created,
        ]
        for e in events
    ]

"""Tortoise models of the ledger and what feeds it: catalogue, immutable movements,
balances and their guards, the outbox, and the orders, inbox and cursors of intake.

Outbound sync's models (listings, pushes, channel health) are in sync_models.py."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class Sku(Model):
    code = fields.CharField(max_length=128, primary_key=True)
    name = fields.CharField(max_length=255, default="")
    # BIGINT, like every count that can grow: PostgreSQL's int4 would refuse what SQLite holds.
    reorder_point = fields.BigIntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    # Totals over every location, kept by each posting in its own transaction
    # (`balance_rows.keep_totals`) and proved by `verify`: lists of 100k SKUs sort and
    # filter on an indexed column instead of summing the balance table on every page.
    available = fields.BigIntField(default=0, db_default=0, db_index=True)
    on_hand = fields.BigIntField(default=0, db_default=0)
    incoming = fields.BigIntField(default=0, db_default=0)
    # What the stock on hand is worth, in millionths of the currency (`ledger.costing`), and
    # the last known average unit cost; moved by each posting under the row's lock.
    stock_value = fields.BigIntField(default=0, db_default=0)
    average_cost = fields.DecimalField(max_digits=20, decimal_places=6, default=0, db_default=0)

    class Meta:
        table = "sku"
        # The console's SKU list sorts by each of these; `code` breaks ties so a page is
        # stable and read in index order (PostgreSQL's trigram indexes for substring search
        # are hand-written in migration 0013).
        indexes = (
            ("name", "code"),
            ("available", "code"),
            ("on_hand", "code"),
            ("incoming", "code"),
            ("reorder_point", "code"),
        )


class SkuBarcode(Model):
    """A barcode printed on a SKU's items: one barcode names one SKU, a SKU may have many."""

    id = fields.BigIntField(primary_key=True)
    barcode = fields.CharField(max_length=64, unique=True)
    sku: fields.ForeignKeyRelation[Sku] = fields.ForeignKeyField(
        "syncbot.Sku", related_name="barcodes", on_delete=fields.CASCADE
    )
    kind = fields.CharField(max_length=16, default="internal", db_default="internal")
    """`gtin` (its check digit was right) or `internal` (free-form): ledger.barcodes."""
    created_at = fields.DatetimeField(auto_now_add=True)

    sku_id: str

    class Meta:
        table = "sku_barcode"


class Location(Model):
    name = fields.CharField(max_length=64, primary_key=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "location"


class Balance(Model):
    """One row per SKU, location and bucket: "how many" is one indexed read, never a sum."""

    id = fields.BigIntField(primary_key=True)
    sku: fields.ForeignKeyRelation[Sku] = fields.ForeignKeyField(
        "syncbot.Sku", related_name="balances", on_delete=fields.RESTRICT
    )
    location: fields.ForeignKeyRelation[Location] = fields.ForeignKeyField(
        "syncbot.Location", related_name="balances", on_delete=fields.RESTRICT
    )
    bucket = fields.CharField(max_length=32)
    quantity = fields.BigIntField(default=0)

    sku_id: str
    location_id: str

    class Meta:
        table = "balance"
        unique_together = (("sku", "location", "bucket"),)


class Movement(Model):
    """One double-entry line. Rows are only ever inserted, and a correction is a new movement."""

    # No semicolons in model docstrings: Tortoise copies them into SQL table comments and
    # its SQLite schema editor splits statements on them.

    id = fields.BigIntField(primary_key=True)
    posting = fields.UUIDField(db_index=True)
    idempotency_key = fields.CharField(max_length=255, null=True, db_index=True)
    kind = fields.CharField(max_length=32)
    sku: fields.ForeignKeyRelation[Sku] = fields.ForeignKeyField(
        "syncbot.Sku", related_name="movements", on_delete=fields.RESTRICT
    )
    quantity = fields.BigIntField()
    source_location = fields.CharField(max_length=64)
    source_bucket = fields.CharField(max_length=32)
    destination_location = fields.CharField(max_length=64)
    destination_bucket = fields.CharField(max_length=32)
    reason = fields.CharField(max_length=500, default="")
    forced = fields.BooleanField(default=False)
    counted_on_hand = fields.BigIntField(null=True)
    reverses = fields.BigIntField(null=True)
    actor = fields.CharField(max_length=255, default="")
    document = fields.CharField(max_length=500, default="")
    # The money it moved (`ledger.costing.Valuation`): the change to the SKU's stock value in
    # millionths, the unit cost it moved at, and a revaluation of stock below zero.
    unit_cost = fields.DecimalField(max_digits=20, decimal_places=6, null=True)
    value = fields.BigIntField(default=0, db_default=0)
    cost_variance = fields.BigIntField(default=0, db_default=0)
    occurred_at = fields.DatetimeField()
    recorded_at = fields.DatetimeField(auto_now_add=True)

    sku_id: str

    class Meta:
        table = "movement"
        # The SKU card sums its last 90 days per day for the charts: this index covers that
        # query, so a SKU with 100k movements is read from the index alone.
        indexes = (
            ("sku_id", "id"),
            ("sku_id", "occurred_at", "kind", "source_bucket", "destination_bucket", "quantity"),
        )

    async def save(self, *args: Any, **kwargs: Any) -> None:
        if self._saved_in_db:
            raise TypeError("movements are immutable: post a reversing movement instead")
        await super().save(*args, **kwargs)

    async def delete(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("movements are immutable: post a reversing movement instead")


class IdempotencyKey(Model):
    """The unique key of one posting and a fingerprint of its content."""

    key = fields.CharField(max_length=255, primary_key=True)
    fingerprint = fields.CharField(max_length=64)
    posting = fields.UUIDField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "idempotency_key"


class IdempotencyConflict(Model):
    """A refused reuse of a key with different content, kept for whoever investigates."""

    id = fields.BigIntField(primary_key=True)
    key = fields.CharField(max_length=255, db_index=True)
    attempted: Any = fields.JSONField()
    actor = fields.CharField(max_length=255, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "idempotency_conflict"


class OutboxEvent(Model):
    """Ledger events written with the posting. Consumers mark them delivered after acting."""

    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=64)
    sku = fields.CharField(max_length=128, db_index=True)
    payload: Any = fields.JSONField()
    created_at = fields.DatetimeField(auto_now_add=True)
    delivered_at = fields.DatetimeField(null=True, db_index=True)

    class Meta:
        table = "outbox_event"


class OrderRecord(Model):
    """What the ledger has applied for one storefront order, and its latest snapshot.

    Intake locks this row while it reconciles an event, so two deliveries of one order
    never both post the same difference.
    """

    id = fields.BigIntField(primary_key=True)
    channel = fields.CharField(max_length=64)
    order_id = fields.CharField(max_length=64)
    updated_at = fields.DatetimeField(null=True)
    state: Any = fields.JSONField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "order_record"
        unique_together = (("channel", "order_id"),)


class ParkedLine(Model):
    """An order or return line that could not be applied, and why.

    No SKU, one syncbot lacks, or a value the store cannot hold (an over-long SKU, a NUL
    in it, a quantity over the limit): the order goes on without it.
    """

    id = fields.BigIntField(primary_key=True)
    channel = fields.CharField(max_length=64)
    order_id = fields.CharField(max_length=64)
    line_id = fields.CharField(max_length=64)
    sku = fields.CharField(max_length=128, db_index=True)
    quantity = fields.BigIntField()
    reason = fields.CharField(max_length=500, default="", db_default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "parked_line"
        unique_together = (("channel", "order_id", "line_id"),)


class InboxDelivery(Model):
    """A verified webhook delivery, kept raw until it is processed.

    Stored before the storefront gets its 200, so a process that dies after answering
    loses nothing: the next start processes what is left. `status` is pending until the
    delivery is closed as applied, ignored, not_found, failed or skipped. A process
    claims a pending row (claimed_by, claimed_until) before working on it, and a failed
    try waits until next_attempt_at.
    """

    id = fields.BigIntField(primary_key=True)
    channel = fields.CharField(max_length=64)
    event_id = fields.CharField(max_length=255)
    topic = fields.CharField(max_length=128)
    headers: Any = fields.JSONField()
    body = fields.BinaryField()
    received_at = fields.DatetimeField(auto_now_add=True)
    processed_at = fields.DatetimeField(null=True, db_index=True)
    attempts = fields.IntField(default=0)
    last_error = fields.TextField(null=True)
    status = fields.CharField(max_length=16, default="pending", db_default="pending")
    next_attempt_at = fields.DatetimeField(null=True)
    claimed_by = fields.CharField(max_length=32, null=True)
    claimed_until = fields.DatetimeField(null=True)
    closed_by = fields.CharField(max_length=255, null=True)
    """Who closed the delivery by hand (`cli:alice`, `api`), with `last_error` saying why."""

    class Meta:
        table = "inbox_delivery"
        unique_together = (("channel", "event_id"),)
        indexes = (("status", "next_attempt_at"),)


class ChannelCursor(Model):
    """Where a channel's order catch-up resumes: the newest order update it has read."""

    channel = fields.CharField(max_length=64, primary_key=True)
    orders_updated_at = fields.DatetimeField(null=True)
    caught_up_at = fields.DatetimeField(null=True)

    class Meta:
        table = "channel_cursor"

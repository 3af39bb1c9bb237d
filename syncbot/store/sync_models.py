"""Tortoise models of outbound sync: each listing a channel holds, the pushes planned and
sent to it, its health, and the daily counts the sync report draws."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class ChannelListing(Model):
    """One SKU as a channel lists it, the ids its inventory API needs, and its sync state."""

    id = fields.BigIntField(primary_key=True)
    channel = fields.CharField(max_length=64)
    sku = fields.CharField(max_length=128, db_index=True)
    listing_id = fields.CharField(max_length=255)
    inventory_id = fields.CharField(max_length=255)
    discovered_at = fields.DatetimeField(auto_now=True)
    # What the channel is believed to hold: its last acknowledgement or its last read.
    channel_quantity = fields.BigIntField(null=True)
    read_at = fields.DatetimeField(null=True)
    # What the channel last acknowledged from syncbot, and the last movement id planned for
    # it: orders ingested after that id explain units the channel took since.
    pushed_quantity = fields.BigIntField(null=True)
    pushed_at = fields.DatetimeField(null=True)
    push_watermark = fields.BigIntField(default=0)
    held_since = fields.DatetimeField(null=True)
    drift = fields.BigIntField(null=True)
    drift_checked_at = fields.DatetimeField(null=True)
    quarantined_error = fields.TextField(null=True)
    quarantined_at = fields.DatetimeField(null=True)
    # Its last push batch was refused whole too often and given up: it is read again,
    # re-planned and sent alone, until a push of it is acknowledged.
    abandoned_error = fields.TextField(null=True)
    abandoned_at = fields.DatetimeField(null=True)
    # The storefront computes its quantity and the API cannot set it (a Shopify bundle
    # product): shown with the listings, never planned, pushed or read for drift.
    managed_by_storefront = fields.BooleanField(default=False, db_default=False)

    class Meta:
        table = "channel_listing"
        unique_together = (("channel", "inventory_id"),)


class ListingPush(Model):
    """One planned change of one listing, recorded before it is sent and finished after.

    A row still `sending` after a crash is sent again, in the same batch under the same
    idempotency key, so the channel applies it once. `attempts` counts the sends the channel
    refused whole (`error` holds the last refusal); at the bound the batch is `abandoned`.
    """

    id = fields.BigIntField(primary_key=True)
    channel = fields.CharField(max_length=64)
    sku = fields.CharField(max_length=128)
    inventory_id = fields.CharField(max_length=255)
    batch = fields.UUIDField()
    idempotency_key = fields.CharField(max_length=64, unique=True)
    quantity = fields.BigIntField()
    expected = fields.BigIntField(null=True)
    explanation = fields.CharField(max_length=500, default="")
    watermark = fields.BigIntField()
    status = fields.CharField(max_length=16, default="sending")
    attempts = fields.IntField(default=0)
    acknowledged = fields.BigIntField(null=True)
    error = fields.TextField(null=True)
    sent_at = fields.DatetimeField(auto_now_add=True)
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "listing_push"
        indexes = (("channel", "status"), ("channel", "inventory_id", "id"))


class ChannelHealth(Model):
    """How a channel's last sync and drift check went, for the CLI, the API and alerts."""

    channel = fields.CharField(max_length=64, primary_key=True)
    synced_at = fields.DatetimeField(null=True)
    error = fields.TextField(null=True)
    error_at = fields.DatetimeField(null=True)
    failures = fields.IntField(default=0)
    drift_checked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "channel_health"


class SyncDay(Model):
    """A channel's sync on one UTC day, counted as it happens (`store.sync_days`): the
    rows above keep only the latest state, this keeps the history the report draws."""

    id = fields.BigIntField(primary_key=True)
    channel = fields.CharField(max_length=64)
    day = fields.DateField()
    pushes = fields.BigIntField(default=0)
    failed_pushes = fields.BigIntField(default=0)
    quarantines = fields.BigIntField(default=0)
    drift_checks = fields.BigIntField(default=0)
    drifting = fields.BigIntField(default=0)
    sync_failures = fields.BigIntField(default=0)

    class Meta:
        table = "sync_day"
        unique_together = (("channel", "day"),)
        indexes = (("day", "channel"),)

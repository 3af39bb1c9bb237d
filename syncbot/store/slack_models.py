"""Tortoise models of what the Slack side keeps: when each alert was last posted (its
cooldown) and which day's digest was posted."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class AlertSent(Model):
    """When an alert of a kind was last posted for a subject (a SKU, or a channel).

    Kept in the database so the cooldown holds across restarts and a new leader.
    """

    id = fields.BigIntField(primary_key=True)
    kind = fields.CharField(max_length=64)
    subject = fields.CharField(max_length=255)
    sent_at = fields.DatetimeField()

    class Meta:
        table = "alert_sent"
        unique_together = (("kind", "subject"),)


class SlackDigest(Model):
    """The daily Slack digest of one UTC day: claimed by the process about to post it, then
    marked posted once Slack took it, so it is posted once whatever runs or restarts.

    A row with no `posted_at` whose claim is older than a few minutes belongs to a process
    that died before Slack answered; the leader claims it again (`store.digests`)."""

    id = fields.BigIntField(primary_key=True)
    day = fields.DateField(unique=True)
    claimed_at = fields.DatetimeField(null=True)
    claimed_by = fields.CharField(max_length=128, default="")
    posted_at = fields.DatetimeField(null=True)
    channel = fields.CharField(max_length=64, default="")
    ts = fields.CharField(max_length=64, null=True)
    """Slack's id of the posted message, to find it again."""

    class Meta:
        table = "slack_digest"

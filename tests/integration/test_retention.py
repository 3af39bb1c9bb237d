"""Retention deletes processed inbox and outbox rows past the setting, and nothing else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from connectors.base import Delivery
from syncbot.app import retention
from syncbot.bootstrap import retention_jobs
from syncbot.config import Settings
from syncbot.ledger.events import EventName
from syncbot.store import inbox, inbox_writer, models
from syncbot.store import retention as stored_retention

NOW = datetime(2026, 12, 2, 12, tzinfo=UTC)
OLD = NOW - timedelta(days=31)
RECENT = NOW - timedelta(days=29)


async def delivery(event_id: str, status: str, processed_at: datetime | None) -> None:
    await models.InboxDelivery.create(
        channel="shop",
        event_id=event_id,
        topic="orders/create",
        headers={},
        body=b"{}",
        status=status,
        processed_at=processed_at,
    )


async def event(name: EventName, created_at: datetime, delivered_at: datetime | None) -> int:
    row = await models.OutboxEvent.create(
        name=name, sku="MUG-1", payload={}, delivered_at=delivered_at
    )
    await models.OutboxEvent.filter(id=row.id).update(created_at=created_at)
    return row.id


async def left_deliveries() -> list[str]:
    return sorted(await models.InboxDelivery.all().values_list("event_id", flat=True))


class TestInbox:
    async def test_only_processed_deliveries_past_retention_go(self, database: str) -> None:
        """applied and ignored rows older than the setting go; newer ones, and every pending,
        failed, not_found or skipped row, stay whatever their age."""
        await delivery("old-applied", inbox.APPLIED, OLD)
        await delivery("old-ignored", inbox.IGNORED, OLD)
        await delivery("new-applied", inbox.APPLIED, RECENT)
        for status in (inbox.PENDING, inbox.FAILED, inbox.NOT_FOUND, inbox.SKIPPED):
            await delivery(f"old-{status}", status, None if status == inbox.PENDING else OLD)

        purged = await retention.purge(30, NOW, alerts_delivered=True)

        assert purged.deliveries == 2
        assert await left_deliveries() == [
            "new-applied",
            "old-failed",
            "old-not_found",
            "old-pending",
            "old-skipped",
        ]

    async def test_a_kept_delivery_still_rejects_the_storefronts_retry(self, database: str) -> None:
        """Within retention the event id stays, so a retry of the delivery is a duplicate."""
        await delivery("retried", inbox.APPLIED, RECENT)
        await retention.purge(30, NOW, alerts_delivered=True)

        stored = await inbox_writer.store("shop", Delivery("retried", "orders/create"), b"{}")

        assert stored is False

    async def test_deletes_run_in_batches(self, database: str) -> None:
        """A purge larger than a batch takes several DELETEs and gets every row."""
        for number in range(7):
            await delivery(f"d{number}", inbox.APPLIED, OLD)

        purged = await stored_retention.purge(
            NOW - timedelta(days=30), alerts_delivered=True, batch=3
        )

        assert purged.deliveries == 7
        assert await left_deliveries() == []


class TestOutbox:
    async def test_delivered_and_cursor_read_events_past_retention_go(self, database: str) -> None:
        """Delivered events and stock_changed (read by cursor) older than the setting go; an
        undelivered alert and anything newer stay."""
        await event(EventName.OVERSOLD, OLD, delivered_at=OLD)
        await event(EventName.STOCK_CHANGED, OLD, delivered_at=None)
        waiting = await event(EventName.OVERSOLD, OLD, delivered_at=None)
        recent = await event(EventName.STOCK_CHANGED, RECENT, delivered_at=None)

        purged = await retention.purge(30, NOW, alerts_delivered=True)

        assert purged.events == 2
        assert sorted(await models.OutboxEvent.all().values_list("id", flat=True)) == [
            waiting,
            recent,
        ]

    async def test_without_an_alerter_old_alerts_go_too(self, database: str) -> None:
        """With no Slack alerter nobody will deliver an alert event: it ages out like the rest."""
        await event(EventName.OVERSOLD, OLD, delivered_at=None)

        purged = await retention.purge(30, NOW, alerts_delivered=False)

        assert purged.events == 1


class TestSetting:
    @pytest.mark.parametrize("days", [1, 6])
    def test_less_than_a_week_is_refused(self, days: int) -> None:
        """Fewer than 7 days could forget an event id a storefront still retries."""
        with pytest.raises(ValidationError, match="keep at least 7 days"):
            Settings(retention_days=days)

    def test_zero_keeps_everything_and_runs_no_job(self) -> None:
        """0 turns retention off: the leader gets no retention job."""
        assert retention_jobs(Settings(retention_days=0), alerts_delivered=True) == []
        (job,) = retention_jobs(Settings(), alerts_delivered=True)
        assert (job.name, Settings().retention_days) == ("retention", 30)


async def test_the_leaders_job_purges_with_the_setting(database: str) -> None:
    """The job the leader runs deletes what is past SYNCBOT_RETENTION_DAYS from now."""
    now = datetime.now(UTC)
    await delivery("past", inbox.APPLIED, now - timedelta(days=8))
    await delivery("within", inbox.APPLIED, now - timedelta(days=6))
    (job,) = retention_jobs(Settings(retention_days=7), alerts_delivered=True)

    await job.run()

    assert await left_deliveries() == ["within"]

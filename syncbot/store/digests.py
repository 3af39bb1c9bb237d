"""The daily digest's record: which day is posted, and which process may post it now.

The contract, so that a day's digest is posted once across processes and restarts:

1. `posted(day)` is a plain read: a day already posted costs the leader nothing more.
2. `claim(day, ...)` runs in one transaction: it inserts the day's row if there is none
   (ON CONFLICT DO NOTHING), then takes it with one guarded UPDATE: only when it is not
   posted and unclaimed, or claimed longer ago than `stale_after`. Two processes racing see
   one UPDATE count 1 and the other 0 (PostgreSQL re-checks the WHERE after the row lock;
   SQLite runs one writer at a time), so exactly one of them posts.
3. After Slack took the message, `mark_posted` records when, where and its `ts`.
4. When Slack refused it, `release` clears the claim, so the next minute tries again.

A process that dies between Slack's answer and step 3 leaves a claim that goes stale and is
posted again: across such a crash the digest is at least once, not exactly once.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from syncbot.store.slack_models import SlackDigest


async def posted(day: date) -> bool:
    return await SlackDigest.filter(day=day, posted_at__isnull=False).exists()


async def claim(day: date, claimant: str, now: datetime, stale_after: timedelta) -> bool:
    """True when `claimant` now holds the day and must post it; False when it is posted, or
    another process claimed it less than `stale_after` ago."""
    async with in_transaction() as connection:
        await SlackDigest.bulk_create(
            [SlackDigest(day=day)], ignore_conflicts=True, using_db=connection
        )
        taken = (
            await SlackDigest.filter(
                Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - stale_after),
                day=day,
                posted_at__isnull=True,
            )
            .using_db(connection)
            .update(claimed_at=now, claimed_by=claimant)
        )
    return taken == 1


async def mark_posted(day: date, claimant: str, now: datetime, channel: str, ts: str) -> bool:
    """Records the post; False when the claim had gone stale and another process took it
    (then both posted: the caller logs it)."""
    updated = await SlackDigest.filter(day=day, claimed_by=claimant, posted_at__isnull=True).update(
        posted_at=now, channel=channel, ts=ts
    )
    return updated == 1


async def release(day: date, claimant: str) -> None:
    """Gives the claim up after Slack refused the post: the next try need not wait."""
    await SlackDigest.filter(day=day, claimed_by=claimant, posted_at__isnull=True).update(
        claimed_at=None, claimed_by=""
    )


async def record(day: date) -> SlackDigest | None:
    return await SlackDigest.get_or_none(day=day)

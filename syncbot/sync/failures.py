"""What a sync does when the channel does not take a push: count a batch refused whole and
abandon it at the bound, and raise an event when a channel keeps failing.

Batches the channel refuses whole are counted, resent a bounded number of times, then
abandoned, so one refused batch never stalls a channel.

A whole call can fail for the batch (Shopify answers INVALID_VARIABLE for one quantity
beyond its `Int`, and nothing in the call applies) or for the channel (down, throttled past
every retry, a revoked token). The pusher cannot tell them apart, and need not: a batch is
resent under the same keys until it has been refused `SENDS` times, counted in the database
so that a restart does not reset the count, and then abandoned. Abandoning is always safe:
its listings are read again before any new plan (a send whose answer was lost may have
applied), re-planned from current balances, and sent alone, so a listing the channel keeps
refusing can only fail its own call.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from syncbot import metrics
from syncbot.ledger.events import EventName
from syncbot.store import health, outbox, pushes
from syncbot.store.pushes import RecordedPush

log = logging.getLogger(__name__)

SENDS = 3
"""Sends of a batch the channel refuses whole before it is abandoned."""

REPEATED_FAILURES = 3
"""Consecutive failed syncs of a channel that raise a `sync_failing` outbox event."""


async def record_refusal(
    channel: str, rows: Sequence[RecordedPush], error: str, at: datetime
) -> bool:
    """Counts one whole refusal of a recorded batch; abandons it at the bound (True then)."""
    attempts = max(row.attempts for row in rows) + 1
    if attempts < SENDS:
        await pushes.count_refusal(rows, attempts, error)
        log.warning(
            "push batch refused whole; it is sent again in the next sync",
            extra={"channel": channel, "listings": len(rows), "attempts": attempts, "error": error},
        )
        return False
    await pushes.abandon(channel, rows, attempts, error, at)
    metrics.LISTING_PUSHES.labels(channel, "abandoned").inc(len(rows))
    log.warning(
        "push batch abandoned after repeated whole refusals; its listings are read again",
        extra={
            "channel": channel,
            "skus": [row.sku for row in rows][:20],
            "attempts": attempts,
            "error": error,
        },
    )
    return True


async def record_health(channel: str, error: str | None, at: datetime) -> None:
    """A sync without a whole-call error, or one more failure in a row."""
    failures = await health.record_sync(channel, error, at)
    if error is None:
        return
    metrics.SYNC_FAILURES.labels(channel).inc()
    log.warning("channel sync failed", extra={"channel": channel, "error": error})
    # One event when failing becomes a pattern, not one per attempt: a channel down
    # for an hour would otherwise fill the alert channel.
    if failures == REPEATED_FAILURES:
        payload = {"channel": channel, "failures": failures, "error": error}
        await outbox.write(EventName.SYNC_FAILING, "", payload)

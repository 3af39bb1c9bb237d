"""Sending planned changes: each batch recorded `sending` before its one call, then every
answer recorded in bulk (acknowledged, stale, failed), or a whole refusal counted.

A listing whose last batch was abandoned goes alone, after the others: if the channel
refuses it again, it fails only its own call. A stale listing is returned to the pusher,
which re-reads and re-plans it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from connectors.base import ConnectorError, LevelChange, PushOutcome
from syncbot import metrics
from syncbot.ledger.events import EventName
from syncbot.store import listings as store
from syncbot.store import outbox, pushes
from syncbot.store.listings import ListingRow
from syncbot.store.pushes import RecordedPush
from syncbot.sync.channels import SyncChannel, as_listing
from syncbot.sync.failures import record_refusal
from syncbot.sync.planner import Plan, PlannedListing
from syncbot.sync.report import Clock, SyncReport

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Calls:
    """Whole-call failures in a row within one sync: at two, the channel itself is failing."""

    failed_in_a_row: int = 0


async def send(
    channel: SyncChannel,
    current: Plan,
    items: Sequence[PlannedListing],
    report: SyncReport,
    clock: Clock,
    calls: Calls,
) -> list[PlannedListing]:
    """Sends the planned pushes in batches; returns those the channel found stale.

    A listing whose last batch was abandoned goes alone, after the others: if the channel
    refuses it again, it fails only its own call.
    """
    stale: list[PlannedListing] = []
    limit = channel.connector.batch_limit
    together = [item for item in items if item.listing.abandoned_at is None]
    chunks = [together[start : start + limit] for start in range(0, len(together), limit)]
    chunks += [[item] for item in items if item.listing.abandoned_at is not None]
    for chunk in chunks:
        for item in chunk:
            if item.decision.drift:
                report.drift[item.listing.sku] = item.decision.drift
                await _record_drift(channel.name, item)
        rows = await pushes.record_sending(
            channel.name,
            [
                {
                    "sku": item.listing.sku,
                    "inventory_id": item.listing.inventory_id,
                    "quantity": item.decision.planned,
                    "expected": item.decision.expected,
                    "explanation": item.allocation.explanation[:500],
                }
                for item in chunk
            ],
            current.watermark,
        )
        found = await send_recorded(channel, rows, report, clock, calls)
        by_key = {item.listing.inventory_id: item for item in chunk}
        stale += [by_key[inventory_id] for inventory_id in found]
    return stale


async def send_recorded(
    channel: SyncChannel,
    rows: Sequence[RecordedPush],
    report: SyncReport,
    clock: Clock,
    calls: Calls,
) -> list[str]:
    """Sends recorded changes as one call and records what came back; the stale ids.

    A whole failure is counted against the batch (abandoned at the bound) and the sync goes
    on; a second in a row is raised, to stop it.
    """
    # Read again, not taken from the plan: a discovery (in another process) may since have
    # removed a listing, or found that the storefront now manages it (a bundle product,
    # never pushed); and a resumed batch has no plan.
    listings = await store.pushable(channel.name, [push.inventory_id for push in rows])
    gone = [push for push in rows if push.inventory_id not in listings]
    live = [push for push in rows if push.inventory_id in listings]
    if gone:  # rediscovered away (or managed) since it was recorded: nothing to push to
        await pushes.abandon_gone(gone, clock())
    if not live:
        return []
    changes = [
        LevelChange(
            as_listing(listings[push.inventory_id]),
            int(push.quantity),
            None if push.expected is None else int(push.expected),
            push.idempotency_key,
        )
        for push in live
    ]
    try:
        outcomes = await channel.connector.push_levels(changes)
    except ConnectorError as error:
        calls.failed_in_a_row += 1
        report.error = str(error)
        report.refused += len(live)
        if await record_refusal(channel.name, live, str(error), clock()):
            report.abandoned += [push.sku for push in live]
        if calls.failed_in_a_row >= 2:
            raise
        return []
    calls.failed_in_a_row = 0
    return await _record_outcomes(channel.name, live, listings, outcomes, report, clock())


async def _record_outcomes(
    channel: str,
    rows: Sequence[RecordedPush],
    listings: Mapping[str, ListingRow],
    outcomes: Sequence[PushOutcome],
    report: SyncReport,
    at: datetime,
) -> list[str]:
    """Finishes each push and updates its listing, in one transaction; the stale ids."""
    acknowledged: list[tuple[RecordedPush, ListingRow, int]] = []
    stale: list[RecordedPush] = []
    failed: list[tuple[RecordedPush, str]] = []
    for push, outcome in zip(rows, outcomes, strict=True):
        if outcome.acknowledged is not None:
            acknowledged.append((push, listings[push.inventory_id], outcome.acknowledged))
        elif outcome.stale:
            stale.append(push)
        else:
            failed.append((push, outcome.error or "the channel did not acknowledge the change"))
    await pushes.finish(channel, acknowledged, stale, failed, at)
    for push, error in failed:
        log.warning(
            "listing quarantined", extra={"channel": channel, "sku": push.sku, "error": error}
        )
    report.pushed += len(acknowledged)
    report.stale += len(stale)
    report.quarantined += [push.sku for push, _ in failed]
    counts = {"acknowledged": len(acknowledged), "stale": len(stale), "failed": len(failed)}
    for result, count in counts.items():
        metrics.LISTING_PUSHES.labels(channel, result).inc(count)
    return [push.inventory_id for push in stale]


async def _record_drift(channel: str, item: PlannedListing) -> None:
    units = item.decision.drift or 0
    payload = {"channel": channel, "sku": item.listing.sku, "units": units}
    await outbox.write(EventName.DRIFT_RECORDED, item.listing.sku, payload)
    metrics.UNACCOUNTED_UNITS.labels(channel).inc(units)
    log.warning(
        "hold ended by its grace period: the channel took units no ingested order explains",
        extra={"channel": channel, "sku": item.listing.sku, "units": units},
    )

"""The pusher: plan a channel, send only the differences in batches, record every result.

One channel's sync, in order:
1. listings whose level is unknown are read (compare-and-set needs it), then planned; a
   listing with a change still `sending` is left out of the plan;
2. holds start or end; pushes go in batches of the channel's limit, each change recorded
   `sending` before the call and finished after it; a listing whose last batch was
   abandoned goes alone;
3. a stale compare is re-read, re-planned and sent again alone, once; a per-item error
   quarantines that listing only;
4. batches left `sending` (by a stopped process, or refused whole) go again, unchanged,
   under their own keys: last, so that they never hold up the other listings.

A whole call that fails (a refusal such as INVALID_VARIABLE, network, 5xx after retries,
auth) leaves its rows `sending`, with the refusal counted: the next sync sends them again
under the same keys, so nothing is lost or applied twice. At the bound
(`failures.SENDS`) the batch is abandoned: its listings are read again and re-planned.
Two whole failures in a row stop the sync: then the channel itself is failing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from connectors.base import ConnectorError, LevelChange, PushOutcome
from syncbot import metrics
from syncbot.ledger.allocation import Action
from syncbot.ledger.events import EventName
from syncbot.store import listings as store
from syncbot.store import outbox, pushes
from syncbot.store.listings import ChannelListing
from syncbot.store.pushes import ListingPush
from syncbot.sync.channels import SyncChannel, as_listing
from syncbot.sync.failures import record_health, record_refusal
from syncbot.sync.planner import Plan, PlannedListing, plan

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class SyncReport:
    channel: str
    listings: int = 0
    pushed: int = 0
    in_sync: int = 0
    held: int = 0
    read: int = 0
    stale: int = 0
    quarantined: list[str] = field(default_factory=list)
    resumed: int = 0
    refused: int = 0
    """Listings in batches the channel refused whole in this sync (sent again later)."""
    abandoned: list[str] = field(default_factory=list)
    """SKUs of batches abandoned in this sync: read again and re-planned in the next."""
    drift: dict[str, int] = field(default_factory=dict)
    """Units recorded as drift when a hold ran out, by SKU."""
    error: str | None = None


@dataclass(slots=True)
class _Calls:
    """Whole-call failures in a row within one sync: at two, the channel itself is failing."""

    failed_in_a_row: int = 0


async def sync(
    channel: SyncChannel,
    *,
    grace: timedelta,
    skus: Collection[str] | None = None,
    clock: Clock = utcnow,
) -> SyncReport:
    """Brings the channel's listings (of `skus`, or all) to what the policy publishes."""
    report, calls = SyncReport(channel.name), _Calls()
    try:
        waiting = await pushes.unfinished(channel.name)
        busy = {push.inventory_id for batch in waiting for push in batch}
        current = await _plan_with_levels(channel, grace, skus, clock, report, busy)
        report.listings = len(current.items) + len(busy)
        await _record_holds(current)
        await store.clear_abandoned(
            channel.name,
            [
                item.listing.inventory_id
                for item in current.of(Action.IN_SYNC)
                if item.listing.abandoned_at is not None
            ],
        )
        stale = await _send(channel, current, current.of(Action.PUSH), report, clock, calls)
        if stale:
            # Re-read only those, re-plan them on fresh balances, and send each again alone.
            await _read(channel, [item.listing for item in stale], clock, report)
            again = await plan(
                channel, now=clock(), grace=grace, skus={item.listing.sku for item in stale}
            )
            await _record_holds(again)
            for item in again.of(Action.PUSH):
                await _send(channel, again, [item], report, clock, calls)
            report.held += len(again.of(Action.HOLD))
        report.in_sync = len(current.of(Action.IN_SYNC))
        report.held += len(current.of(Action.HOLD))
        for batch in waiting:
            report.resumed += len(batch)
            await _send_recorded(channel, batch, report, clock, calls)
    except ConnectorError as error:
        report.error = str(error)
    await record_health(channel.name, report.error, clock())
    return report


async def _plan_with_levels(
    channel: SyncChannel,
    grace: timedelta,
    skus: Collection[str] | None,
    clock: Clock,
    report: SyncReport,
    busy: Collection[str],
) -> Plan:
    """The plan of the listings without a change still `sending` (by inventory id)."""
    current = _without(await plan(channel, now=clock(), grace=grace, skus=skus), busy)
    unknown = current.of(Action.READ)
    if not unknown:
        return current
    await _read(channel, [item.listing for item in unknown], clock, report)
    return _without(await plan(channel, now=clock(), grace=grace, skus=skus), busy)


def _without(current: Plan, busy: Collection[str]) -> Plan:
    # A listing with a change in flight is not planned again: two changes of one listing
    # in flight could apply in either order.
    items = [item for item in current.items if item.listing.inventory_id not in busy]
    return Plan(current.channel, current.watermark, items)


async def _read(
    channel: SyncChannel,
    rows: Sequence[ChannelListing],
    clock: Clock,
    report: SyncReport,
) -> None:
    levels = await channel.connector.read_levels([as_listing(row) for row in rows])
    report.read += len(levels)
    missing = [row for row in rows if row.inventory_id not in levels]
    # Not stocked at the channel's location: it holds 0 there, and a push sets it.
    await store.record_levels(
        channel.name, {**levels, **{row.inventory_id: 0 for row in missing}}, clock()
    )


async def _record_holds(current: Plan) -> None:
    changes = {
        item.listing.inventory_id: item.decision.held_since
        for item in current.items
        if item.decision.held_since != item.listing.held_since
        and item.action is not Action.QUARANTINED
    }
    if changes:
        await store.record_holds(current.channel, changes)


async def _send(
    channel: SyncChannel,
    current: Plan,
    items: Sequence[PlannedListing],
    report: SyncReport,
    clock: Clock,
    calls: _Calls,
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
        found = await _send_recorded(channel, rows, report, clock, calls)
        by_key = {item.listing.inventory_id: item for item in chunk}
        stale += [by_key[inventory_id] for inventory_id in found]
    return stale


async def _send_recorded(
    channel: SyncChannel,
    rows: Sequence[ListingPush],
    report: SyncReport,
    clock: Clock,
    calls: _Calls,
) -> list[str]:
    """Sends recorded changes as one call and records what came back; the stale ids.

    A whole failure is counted against the batch (abandoned at the bound) and the sync goes
    on; a second in a row is raised, to stop it.
    """
    listings = await store.by_inventory_id(channel.name, [push.inventory_id for push in rows])
    gone = [push for push in rows if push.inventory_id not in listings]
    live = [push for push in rows if push.inventory_id in listings]
    if gone:  # rediscovered away since it was recorded: nothing left to push to
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
    rows: Sequence[ListingPush],
    listings: Mapping[str, ChannelListing],
    outcomes: Sequence[PushOutcome],
    report: SyncReport,
    at: datetime,
) -> list[str]:
    """Finishes each push and updates its listing, in one transaction; the stale ids."""
    acknowledged: list[tuple[ListingPush, ChannelListing, int]] = []
    stale: list[ListingPush] = []
    failed: list[tuple[ListingPush, str]] = []
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

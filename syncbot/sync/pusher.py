"""The pusher: plan a channel, send only the differences in batches, record every result.

One channel's sync, in order:
1. listings whose level is unknown are read (compare-and-set needs it), and so are those
   held or in sync on a reading the channel may have outdated by restocking its own
   orders; then planned; a listing with a change still `sending` is left out of the plan;
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

This module orders the steps and reads levels; `sending` sends a batch and records its
answers, `failures` counts whole refusals, and the store writes every row.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import timedelta

from connectors.base import ConnectorError
from syncbot.ledger.allocation import Action
from syncbot.store import listings as store
from syncbot.store import pushes
from syncbot.store.listings import ListingRow
from syncbot.sync.channels import SyncChannel, as_listing
from syncbot.sync.failures import record_health
from syncbot.sync.planner import Plan, plan
from syncbot.sync.report import Clock, SyncReport, utcnow
from syncbot.sync.sending import Calls, send, send_recorded

__all__ = ["Clock", "SyncReport", "sync", "utcnow"]


async def sync(
    channel: SyncChannel,
    *,
    grace: timedelta,
    skus: Collection[str] | None = None,
    clock: Clock = utcnow,
) -> SyncReport:
    """Brings the channel's listings (of `skus`, or all) to what the policy publishes."""
    report, calls = SyncReport(channel.name), Calls()
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
        stale = await send(channel, current, current.of(Action.PUSH), report, clock, calls)
        if stale:
            # Re-read only those, re-plan them on fresh balances, and send each again alone.
            await _read(channel, [item.listing for item in stale], clock, report)
            again = await plan(
                channel, now=clock(), grace=grace, skus={item.listing.sku for item in stale}
            )
            await _record_holds(again)
            for item in again.of(Action.PUSH):
                await send(channel, again, [item], report, clock, calls)
            report.held += len(again.of(Action.HOLD))
        report.in_sync = len(current.of(Action.IN_SYNC))
        report.held += len(current.of(Action.HOLD))
        for batch in waiting:
            report.resumed += len(batch)
            await send_recorded(channel, batch, report, clock, calls)
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
    # Unknown levels, and readings the channel may have outdated by restocking its own
    # orders (`planner._needs_reread`): read once, then plan on what was read.
    unknown = [item for item in current.items if item.action is Action.READ or item.reread]
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
    rows: Sequence[ListingRow],
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

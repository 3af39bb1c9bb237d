"""The scheduler: APScheduler 3.11 jobs that keep every channel showing the right quantity.

Jobs (each `max_instances=1`, so none overlaps itself; intervals come from Settings):

    changes            every SYNCBOT_SYNC_POLL_SECONDS: reads committed stock changes (and
                       recipe changes) from the outbox and, SYNCBOT_SYNC_DEBOUNCE_SECONDS
                       after the first one, pushes the SKUs changed since, with every
                       bundle made of them, to every channel
    sweep              every SYNCBOT_SYNC_SWEEP_SECONDS, and once at start: every listing
    catch-up:<channel> every SYNCBOT_CATCH_UP_SECONDS: orders the webhooks may have missed
    drift:<channel>    every SYNCBOT_DRIFT_SECONDS: reads levels and records drift

A channel is pushed by one job at a time: the lock per channel is `ChannelSyncs`'s, shared
with a person's "sync now" from the console or the API, so no two pushes of one channel race
each other's compare-and-set. Only the elected leader runs this (runtime.leader).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from syncbot.app.syncing import ChannelSyncs
from syncbot.config import Settings
from syncbot.intake.catch_up import NotCaughtUpYet, catch_up
from syncbot.ledger.events import EventName
from syncbot.logs import quiet_routine_logs
from syncbot.store import outbox
from syncbot.sync import supply
from syncbot.sync.channels import SyncChannel
from syncbot.sync.pusher import Clock, SyncReport, utcnow

log = logging.getLogger(__name__)

# Outbox ids are allocated at insert and committed later, so on PostgreSQL a lower id can
# appear after a higher one was read. An id missing below the newest one read is looked
# for again for this long; after it, the sweep is what catches a commit that late.
LATE_COMMIT_WINDOW = timedelta(seconds=30)
MOST_GAPS = 5_000
"""Missing ids looked for at most: a rolled-back batch leaves a run of ids that never come."""


# What moves a listing's plan: a posting's stock change, or a bundle's recipe changing.
CHANGES = (EventName.STOCK_CHANGED, EventName.RECIPE_CHANGED)


class ChangeWatcher:
    """The SKUs whose stock (or recipe) changed since the last look, from the committed
    outbox.

    Each look reads the events after the newest id read so far, and the ids below it
    that were missing when it was read (a transaction still open then, or one rolled
    back), rather than every recent event again: in a flash sale that was thousands of
    rows every poll, most of the scheduler's time.
    """

    def __init__(self, clock: Clock = utcnow) -> None:
        self._clock = clock
        self._cursor: int | None = None
        self._gaps: dict[int, datetime] = {}
        """Missing ids below the cursor, with when each was found missing."""

    async def start(self) -> None:
        """Changes before now are the start-up sweep's business; ids missing among the
        recent ones may still commit, and are watched for."""
        self._cursor = await outbox.newest_id()
        now = self._clock()
        recent = await outbox.created_since(now - LATE_COMMIT_WINDOW)
        if recent:
            self._missing(min(recent) - 1, self._cursor, set(recent), now)

    async def changed(self) -> set[str]:
        if self._cursor is None:
            await self.start()
        cursor = self._cursor or 0
        now = self._clock()
        self._gaps = {i: at for i, at in self._gaps.items() if at >= now - LATE_COMMIT_WINDOW}
        rows = await outbox.after(cursor, sorted(self._gaps))
        wanted = {str(name) for name in CHANGES}
        skus = {sku for _, name, sku in rows if name in wanted}
        for event_id, _, _ in rows:
            self._gaps.pop(event_id, None)
        if fresh := {event_id for event_id, _, _ in rows if event_id > cursor}:
            self._cursor = max(fresh)
            self._missing(cursor, self._cursor, fresh, now)
        return skus

    def _missing(self, low: int, high: int, present: set[int], now: datetime) -> None:
        """Watches the ids between `low` and `high` (exclusive) that are not `present`."""
        for event_id in range(max(low + 1, high - MOST_GAPS), high):
            if event_id not in present:
                self._gaps[event_id] = now
        if len(self._gaps) > MOST_GAPS:
            self._gaps = dict(sorted(self._gaps.items())[-MOST_GAPS:])


@dataclass(frozen=True)
class LeaderJob:
    """Other work that must run in one process only, such as posting alerts."""

    name: str
    seconds: float
    run: Callable[[], Awaitable[object]]


class SyncScheduler:
    def __init__(
        self,
        channels: ChannelSyncs | Mapping[str, SyncChannel],
        settings: Settings,
        *,
        clock: Clock = utcnow,
        also: Sequence[LeaderJob] = (),
    ) -> None:
        """`channels`: the process's ChannelSyncs, whose locks it shares (a plain mapping
        gets syncs of its own, with settings' hold grace)."""
        self.syncs = (
            channels
            if isinstance(channels, ChannelSyncs)
            else ChannelSyncs(
                channels, grace=timedelta(seconds=settings.hold_grace_seconds), clock=clock
            )
        )
        self.channels = self.syncs.channels
        self._also = list(also)
        self._settings = settings
        self._clock = clock
        self._watcher = ChangeWatcher(clock)
        self._pending: set[str] = set()
        self._first_change: float | None = None
        self._running: set[asyncio.Task[Any]] = set()
        self._never_caught_up: set[str] = set()

    async def lead(self) -> None:
        """Runs the jobs until cancelled; then stops them and waits for the running ones."""
        await self._watcher.start()
        quiet_routine_logs()  # job-run lines at DEBUG, even when logging is not configured
        scheduler = AsyncIOScheduler(timezone=UTC)
        settings = self._settings
        every = {"trigger": "interval", "max_instances": 1, "coalesce": True}
        scheduler.add_job(
            self._job(self.push_changes), id="changes", seconds=settings.sync_poll_seconds, **every
        )
        scheduler.add_job(
            self._job(self.sweep),
            id="sweep",
            seconds=settings.sync_sweep_seconds,
            next_run_time=datetime.now(UTC),
            **every,
        )
        for name in self.channels:
            scheduler.add_job(
                self._job(self.catch_up, name),
                id=f"catch-up:{name}",
                seconds=settings.catch_up_seconds,
                **every,
            )
            scheduler.add_job(
                self._job(self.drift, name),
                id=f"drift:{name}",
                seconds=settings.drift_seconds,
                **every,
            )
        for job in self._also:
            scheduler.add_job(self._job(job.run), id=job.name, seconds=job.seconds, **every)
        scheduler.start()
        log.info("scheduler started", extra={"channels": sorted(self.channels)})
        try:
            await asyncio.Event().wait()
        finally:
            scheduler.shutdown(wait=False)
            for task in list(self._running):
                task.cancel()
            for task in list(self._running):
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            log.info("scheduler stopped")

    async def push_changes(self) -> None:
        """Collects changed SKUs; pushes them once the debounce since the first has passed."""
        changed = await self._watcher.changed()
        if changed and self._first_change is None:
            self._first_change = time.monotonic()
        self._pending |= changed
        if self._first_change is None:
            return
        remaining = self._settings.sync_debounce_seconds - (time.monotonic() - self._first_change)
        if remaining > self._settings.sync_poll_seconds:
            return
        if remaining > 0:  # due before the next poll: push on time, not a poll late
            await asyncio.sleep(remaining)
            self._pending |= await self._watcher.changed()
        changed, self._pending, self._first_change = self._pending, set(), None
        # A component's change moves every bundle made of it: one read for all of them.
        skus = await supply.affected(changed)
        await self._sync_each(skus)

    async def sweep(self) -> None:
        await self._sync_each(None)

    async def _sync_each(self, skus: Collection[str] | None) -> None:
        """Syncs every channel at once: each has its own lock, listings and storefront, so a
        slow or failing one holds back no other (in a flash sale the second store's levels
        no longer wait for the first store's calls). A channel's error is logged alone."""
        names = list(self.channels)
        outcomes = await asyncio.gather(
            *(self.sync_channel(name, skus) for name in names), return_exceptions=True
        )
        for name, outcome in zip(names, outcomes, strict=True):
            if isinstance(outcome, asyncio.CancelledError):
                raise outcome
            if isinstance(outcome, Exception):
                log.error(
                    "channel sync failed",
                    extra={"channel": name},
                    exc_info=(type(outcome), outcome, outcome.__traceback__),
                )

    async def sync_channel(self, name: str, skus: Collection[str] | None = None) -> SyncReport:
        report = await self.syncs.sync(name, skus)
        if report.pushed or report.quarantined or report.error:
            log.info(
                "channel synced",
                extra={
                    "channel": name,
                    "pushed": report.pushed,
                    "held": report.held,
                    "quarantined": len(report.quarantined),
                    "error": report.error,
                },
            )
        return report

    async def catch_up(self, name: str) -> None:
        report = await catch_up(self.channels[name].connector)
        if isinstance(report, NotCaughtUpYet):  # a person must choose where to start
            if name not in self._never_caught_up:
                self._never_caught_up.add(name)
                log.warning("scheduled catch-up skipped: %s", report, extra={"channel": name})
            return
        if report.changed:
            log.info(
                "catch-up recovered orders the webhooks missed",
                extra={"channel": name, "orders": len(report.changed)},
            )

    async def drift(self, name: str) -> None:
        report = await self.syncs.check_drift(name)
        log.info(
            "drift checked",
            extra={"channel": name, "drifting": len(report.drifting), "units": report.units},
        )

    def _job(
        self, work: Callable[..., Awaitable[object]], *args: str
    ) -> Callable[[], Awaitable[None]]:
        """The job as APScheduler runs it: tracked for shutdown, its errors logged, not raised."""

        async def job() -> None:
            task = asyncio.current_task()
            if task is not None:
                self._running.add(task)
            try:
                await work(*args)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("scheduled job failed", extra={"job": work.__name__, "args": args})
            finally:
                if task is not None:
                    self._running.discard(task)

        return job

"""Syncing a channel on request: "sync now" and "dry run", for the CLI, the API and the console.

One `ChannelSyncs` is built per process by the composition root and shared by everything that
pushes there: the scheduler's sweeps, change pushes and drift checks, and a person's "sync
now". Each channel has one lock, so a console "sync now" and a scheduled push of the same
channel never run at once (two pushes racing would spoil each other's compare-and-set). The
lock is per process: a second process (`syncbot sync` beside a running `serve`) relies on
the pusher's idempotency keys and compare-and-set, as a leader hand-over does.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from syncbot.ledger.limits import quoted
from syncbot.store import listings as store_listings
from syncbot.sync.channels import SyncChannel
from syncbot.sync.drift import DriftReport, check_drift, read_levels
from syncbot.sync.planner import Plan, plan
from syncbot.sync.pusher import Clock, SyncReport, sync, utcnow

__all__ = ["ChannelSyncs", "DryRun", "DryRunLine", "NoSuchChannel", "SyncReport"]

Progress = Callable[[int, int], None]


class NoSuchChannel(LookupError):
    """The name is not a channel this process can sync (undeclared, or no connector)."""

    def __init__(self, name: str) -> None:
        super().__init__(f"no channel named {quoted(name)} can be synced here")
        self.name = name


@dataclass(frozen=True, slots=True)
class DryRunLine:
    """One listing of a dry run: what the channel shows now, what a sync would send, why."""

    sku: str
    inventory_id: str
    channel_now: int | None
    will_send: int
    action: str
    """push, in_sync, hold, quarantined or read: the planner's word."""
    why: str


@dataclass(frozen=True, slots=True)
class DryRun:
    """The plan against the levels the channel shows right now; nothing is pushed."""

    channel: str
    plan: Plan
    levels: dict[str, int]
    """The levels read, by inventory id."""
    unlisted: list[str] = field(default_factory=list)
    """Catalogue SKUs the channel has no listing for: never pushed there."""

    @property
    def lines(self) -> list[DryRunLine]:
        return [
            DryRunLine(
                sku=item.listing.sku,
                inventory_id=item.listing.inventory_id,
                channel_now=self.levels.get(item.listing.inventory_id),
                will_send=item.decision.planned,
                action=str(item.action),
                why=item.allocation.explanation
                + (f"; {item.decision.reason}" if item.decision.reason else ""),
            )
            for item in self.plan.items
        ]


class ChannelSyncs:
    """The channels this process can push to, each behind its one lock."""

    def __init__(
        self, channels: Mapping[str, SyncChannel], *, grace: timedelta, clock: Clock = utcnow
    ) -> None:
        self.channels = dict(channels)
        self.grace = grace
        self._clock = clock
        self._locks = {name: asyncio.Lock() for name in self.channels}

    @property
    def names(self) -> list[str]:
        return list(self.channels)

    def __contains__(self, name: object) -> bool:
        return name in self.channels

    def __bool__(self) -> bool:
        return bool(self.channels)

    def channel(self, name: str) -> SyncChannel:
        """The channel called `name`; NoSuchChannel when this process cannot sync it."""
        try:
            return self.channels[name]
        except KeyError:
            raise NoSuchChannel(name) from None

    def busy(self, name: str) -> bool:
        """Whether a push or a drift check of the channel is running now."""
        self.channel(name)
        return self._locks[name].locked()

    async def sync(self, name: str, skus: Collection[str] | None = None) -> SyncReport:
        """Brings the channel's listings (of `skus`, or all) to what the policy publishes;
        waits for a push of the same channel already running."""
        channel = self.channel(name)
        async with self._locks[name]:
            return await sync(channel, grace=self.grace, skus=skus, clock=self._clock)

    async def check_drift(self, name: str, progress: Progress | None = None) -> DriftReport:
        """Reads every level and records drift, never during a push of the same channel."""
        channel = self.channel(name)
        async with self._locks[name]:
            return await check_drift(channel, progress=progress, clock=self._clock)

    async def dry_run(self, name: str, progress: Progress | None = None) -> DryRun:
        """The plan against the levels the channel shows now, and the SKUs it does not list.

        It reads and writes nothing but the levels it reads from the channel, so it takes
        no lock: a push running meanwhile only makes the picture a moment older.
        """
        channel = self.channel(name)
        levels = await read_levels(channel, await store_listings.listings(name), progress)
        preview = await plan(channel, now=self._clock(), grace=self.grace, levels=levels)
        return DryRun(name, preview, levels, await store_listings.unlisted(name))

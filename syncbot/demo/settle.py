"""The end of a timed demo: wait until syncbot has caught up, then measure the drift.

Settled means every stored webhook is processed and each storefront's level equals what
syncbot would publish now (`sync.drift.planned`), read straight from the emulators. The
final drift is the real drift check (`syncbot drift`): every level read back through the
channel's connector, over HTTP, against the plan.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

from syncbot import bootstrap
from syncbot.app import inbox
from syncbot.channels_file import ChannelsFile
from syncbot.demo.storefronts import Storefronts
from syncbot.store import listings
from syncbot.sync.channels import SyncChannel
from syncbot.sync.drift import check_drift, planned

POLL_SECONDS = 0.1


@dataclass(frozen=True)
class Outcome:
    by_channel: dict[str, int] = field(default_factory=dict)
    """Units of drift per channel: the sum of |level − plan| over its listings."""

    @property
    def drift(self) -> int:
        return sum(self.by_channel.values())


async def settle(
    channels: ChannelsFile,
    fronts: Storefronts,
    bound: float,
    stop: asyncio.Event,
) -> bool:
    """True once settled; False after `bound` seconds or on Ctrl-C. The service has the
    database open; this runs on its event loop."""
    deadline = time.monotonic() + bound
    async with httpx.AsyncClient() as http:
        targets = bootstrap.build_sync_channels(channels, http)
        while not stop.is_set() and time.monotonic() < deadline:
            if not await inbox.unfinished(limit=1) and await _shows_the_plan(targets, fronts):
                return True
            await asyncio.sleep(POLL_SECONDS)
    return False


async def _shows_the_plan(targets: dict[str, SyncChannel], fronts: Storefronts) -> bool:
    today = datetime.now(UTC).date()
    for name, channel in targets.items():
        rows = await listings.listings(name)
        plan = await planned(channel, rows, today)
        levels = fronts.levels(name)
        if any(levels.get(row.sku) != plan[row.inventory_id].quantity for row in rows):
            return False
    return True


async def drift_now(channels: ChannelsFile) -> Outcome:
    """Every channel's drift, read through its connector as `syncbot drift` reads it."""
    async with httpx.AsyncClient() as http:
        targets = bootstrap.build_sync_channels(channels, http)
        reports = [await check_drift(channel) for channel in targets.values()]
    return Outcome({report.channel: report.units for report in reports})

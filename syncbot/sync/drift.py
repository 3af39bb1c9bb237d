"""The drift check: read what each channel shows and measure how far it is from the plan.

Drift is `channel level - what syncbot would publish`, per listing: negative when the channel
lists less (it took sales not yet ingested, or a push is pending), positive when it lists
more (someone edited the level on the channel). The read also refreshes what syncbot
believes the channel holds, so the next push compares against it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from syncbot.ledger.allocation import Allocation
from syncbot.store import listings as store
from syncbot.store.listings import ListingRow
from syncbot.sync import supply
from syncbot.sync.channels import SyncChannel, as_listing
from syncbot.sync.pusher import Clock, utcnow


@dataclass(frozen=True, slots=True)
class DriftLine:
    sku: str
    inventory_id: str
    channel_quantity: int
    planned: int
    explanation: str

    @property
    def drift(self) -> int:
        return self.channel_quantity - self.planned


@dataclass(slots=True)
class DriftReport:
    channel: str
    checked_at: datetime
    lines: list[DriftLine] = field(default_factory=list)

    @property
    def units(self) -> int:
        return sum(abs(line.drift) for line in self.lines)

    @property
    def drifting(self) -> list[DriftLine]:
        return [line for line in self.lines if line.drift]


async def check_drift(
    channel: SyncChannel,
    *,
    clock: Clock = utcnow,
    progress: Callable[[int, int], None] | None = None,
) -> DriftReport:
    """Reads every listing's level, batch by batch, and stores each one's drift."""
    rows = await store.listings(channel.name)
    levels = await read_levels(channel, rows, progress)
    report = DriftReport(channel.name, clock())
    plan = await planned(channel, rows, report.checked_at.date())
    for row in rows:
        allocation = plan[row.inventory_id]
        report.lines.append(
            DriftLine(
                row.sku,
                row.inventory_id,
                levels[row.inventory_id],
                allocation.quantity,
                allocation.explanation,
            )
        )
    await _record(channel.name, report)
    return report


async def planned(
    channel: SyncChannel, rows: Sequence[ListingRow], today: date
) -> dict[str, Allocation]:
    """What syncbot would publish for each listing now, by inventory id (no channel call)."""
    stock = await supply.read(channel, {row.sku for row in rows})
    return {row.inventory_id: stock.allocate(channel, row.sku, today) for row in rows}


async def read_levels(
    channel: SyncChannel,
    rows: Sequence[ListingRow],
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """The channel's level of each listing, by inventory id, `batch_limit` per read, or all
    in one read when the channel reads more than `bulk_read_above` in bulk.

    An item the channel does not stock at its location holds 0 there.
    """
    limit = channel.connector.batch_limit
    above = channel.connector.bulk_read_above
    if above is not None and len(rows) > above:
        limit = len(rows)
    levels: dict[str, int] = {}
    for start in range(0, len(rows), limit):
        chunk = rows[start : start + limit]
        found = await channel.connector.read_levels([as_listing(row) for row in chunk])
        levels.update({row.inventory_id: found.get(row.inventory_id, 0) for row in chunk})
        if progress is not None:
            progress(start + len(chunk), len(rows))
    return levels


async def _record(channel: str, report: DriftReport) -> None:
    readings = {line.inventory_id: (line.channel_quantity, line.drift) for line in report.lines}
    await store.record_drift(channel, readings, report.checked_at)

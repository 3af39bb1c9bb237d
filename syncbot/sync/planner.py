"""The planner: for each listing of a channel, what it should show and what to do about it."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from syncbot.ledger.allocation import Action, Allocation, Decision, ListingState, decide
from syncbot.ledger.bundle_listing import bundles_taken
from syncbot.ledger.bundles import Recipe
from syncbot.store import listings as store
from syncbot.store.listings import ChannelListing
from syncbot.sync import supply
from syncbot.sync.channels import SyncChannel


@dataclass(frozen=True, slots=True)
class PlannedListing:
    listing: ChannelListing
    allocation: Allocation
    decision: Decision

    @property
    def action(self) -> Action:
        return self.decision.action


@dataclass(frozen=True, slots=True)
class Plan:
    channel: str
    watermark: int
    """The newest movement the plan's balances include; recorded with each push."""
    items: list[PlannedListing]

    def of(self, *actions: Action) -> list[PlannedListing]:
        return [item for item in self.items if item.action in actions]


async def plan(
    channel: SyncChannel,
    *,
    now: datetime,
    grace: timedelta,
    skus: Collection[str] | None = None,
    levels: Mapping[str, int] | None = None,
) -> Plan:
    """One decision per listing (of `skus`, or all), from committed balances; a bundle's
    listing from its components' (`sync.supply`).

    The watermark is read after the balances. A movement committed in between is then
    below the watermark but not in the balances: it is never counted as ingested after the
    push, so at worst a raise waits (the safe side), where the other order could let one
    through early. `levels` (by inventory id) stand in for the stored channel levels: a
    dry run plans against what the channel shows right now.
    """
    rows = await store.listings(channel.name, skus)
    stock = await supply.read(channel, {row.sku for row in rows})
    watermark = await store.watermark()
    held = {
        row.inventory_id: row.channel_quantity if levels is None else levels.get(row.inventory_id)
        for row in rows
    }
    below = {
        row.sku: row.push_watermark
        for row in rows
        if row.pushed_quantity is not None
        and (level := held[row.inventory_id]) is not None
        and level < row.pushed_quantity
    }
    ingested = await _ingested(channel, below, stock.recipes)
    items = []
    for row in rows:
        allocation = stock.allocate(channel, row.sku, now.date())
        state = ListingState(
            channel_quantity=held[row.inventory_id],
            pushed_quantity=row.pushed_quantity,
            held_since=row.held_since,
            quarantined=row.quarantined_at is not None,
        )
        decision = decide(
            state,
            allocation.quantity,
            ingested_since_push=ingested.get(row.sku, 0),
            now=now,
            grace=grace,
        )
        items.append(PlannedListing(row, allocation, decision))
    return Plan(channel.name, watermark, items)


async def _ingested(
    channel: SyncChannel, below: Mapping[str, int], recipes: Mapping[str, Recipe]
) -> dict[str, int]:
    """Per SKU whose channel level fell below its last push, the units the channel's
    ingested orders took since that push (by the watermark in `below`). A bundle's orders
    move its components, so its count is the whole bundles its components' takings make
    (`ledger.bundle_listing.bundles_taken`)."""
    plain = {sku: mark for sku, mark in below.items() if sku not in recipes}
    ingested = dict(await store.ingested_since(channel.name, plain, channel.sells_from))
    bundles = {sku: mark for sku, mark in below.items() if sku in recipes}
    if not bundles:
        return ingested
    since: dict[str, int] = {}
    for sku, mark in bundles.items():
        for part in recipes[sku].components:
            since[part.sku] = min(since.get(part.sku, mark), mark)
    takings = await store.takings_since(channel.name, since, channel.sells_from)
    for sku, mark in bundles.items():
        taken = {
            part.sku: sum(units for moved, units in takings.get(part.sku, ()) if moved > mark)
            for part in recipes[sku].components
        }
        ingested[sku] = bundles_taken(recipes[sku], taken)
    return ingested

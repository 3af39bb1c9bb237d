"""The planner: for each listing of a channel, what it should show and what to do about it."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from syncbot.ledger.allocation import Action, Allocation, Decision, ListingState, decide
from syncbot.ledger.bundle_listing import bundles_taken
from syncbot.ledger.bundles import Recipe
from syncbot.store import listings as store
from syncbot.store.listings import ListingRow
from syncbot.sync import supply
from syncbot.sync.channels import SyncChannel


@dataclass(frozen=True, slots=True)
class PlannedListing:
    listing: ListingRow
    allocation: Allocation
    decision: Decision
    reread: bool = False
    """The decision rests on a reading the channel may have outdated: read it, then plan
    again (`_needs_reread`)."""

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
    # Every listing syncbot pushed and knows a level of: the channel's own orders since
    # the push explain a level below it (`decide`), or show a level the belief misses.
    pushed = {
        row.sku: row.push_watermark
        for row in rows
        if row.pushed_quantity is not None and held[row.inventory_id] is not None
    }
    ingested, restocked = await _ingested(channel, pushed, stock.recipes)
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
        # The channel's own orders moved the SKU since the push, yet the belief is still
        # the pushed level: the channel moved its level, and no read has seen it since.
        unseen = ingested.get(row.sku, 0) != 0 and held[row.inventory_id] == row.pushed_quantity
        reread = levels is None and _needs_reread(decision, row.sku in restocked or unseen)
        items.append(PlannedListing(row, allocation, decision, reread))
    return Plan(channel.name, watermark, items)


def _needs_reread(decision: Decision, moved_unseen: bool) -> bool:
    """Whether to read the channel's level again before acting on `decision`.

    What syncbot believes a channel holds is its last acknowledgement or read, and a
    channel lowers its own level on every sale and raises it again when it restocks a
    cancelled or returned order. A lowered level is caught by compare-and-set on the next
    push. A raised one is not, when the decision sends nothing: a HOLD (the channel looks
    below the last push though its restock has put the units back, so the raise would wait
    for orders that were cancelled) or an IN_SYNC against the old, lower reading (the
    channel lists more than planned until the drift check). Nor is a lowered one when the
    decision sends nothing: the channel sold units itself while another channel's cancel
    put as many back, so the plan still equals the pushed level the belief holds, and the
    channel lists less than planned. So a HOLD is always decided on a fresh reading, and an
    IN_SYNC is when this channel's own orders put units back since the last push, or moved
    any while the belief is still the pushed level. A read only ever confirms or lowers a
    hold's evidence, never forces a push, so no stale raise can follow from it; a PUSH
    needs no read, its compare-and-set finds a stale reading.
    """
    if decision.action is Action.HOLD:
        return True
    return decision.action is Action.IN_SYNC and moved_unseen


async def _ingested(
    channel: SyncChannel, below: Mapping[str, int], recipes: Mapping[str, Recipe]
) -> tuple[dict[str, int], set[str]]:
    """Per SKU pushed, the units the channel's ingested orders took since that push (by
    the watermark in `below`; net of what they put back); and the SKUs whose
    channel's orders put units back since (a restocked cancel or return: the channel raised
    its own level). A bundle's orders move its components, so its count is the whole
    bundles its components' takings make (`ledger.bundle_listing.bundles_taken`)."""
    plain = {sku: mark for sku, mark in below.items() if sku not in recipes}
    found = await store.takings_since(channel.name, plain, channel.sells_from)
    ingested = {sku: sum(units for _, units in takings) for sku, takings in found.items()}
    restocked = {sku for sku, takings in found.items() if any(units < 0 for _, units in takings)}
    bundles = {sku: mark for sku, mark in below.items() if sku in recipes}
    if not bundles:
        return ingested, restocked
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
        if any(
            units < 0 and moved > mark
            for part in recipes[sku].components
            for moved, units in takings.get(part.sku, ())
        ):
            restocked.add(sku)
    return ingested, restocked

"""What a channel's listings are planned from: each SKU's available (and incoming, when the
policy sells it) and, for a bundle, its recipe and its components' stock.

A read costs the same few queries whatever the number of bundles: the recipes of the SKUs
asked for, then the balances (and lots) of the plain SKUs and every component together.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from syncbot.ledger.allocation import Allocation, Incoming
from syncbot.ledger.bundles import Recipe
from syncbot.store import bundles as store_bundles
from syncbot.store import listings as store
from syncbot.sync.channels import SyncChannel


@dataclass(frozen=True, slots=True)
class Supply:
    available: Mapping[str, Mapping[str, int]]
    """SKU → location → available, for plain SKUs and every component of a bundle read."""
    incoming: Mapping[str, Sequence[Incoming]]
    recipes: Mapping[str, Recipe]
    """The bundles among the SKUs read, by code."""

    def allocate(self, channel: SyncChannel, sku: str, today: date) -> Allocation:
        """What `channel` should show of `sku`, a plain SKU or a bundle."""
        found = self.recipes.get(sku)
        if found is not None:
            return channel.allocate_bundle(found, self.available, self.incoming, today)
        return channel.allocate(sku, self.available.get(sku, {}), self.incoming.get(sku, ()), today)


async def read(channel: SyncChannel, skus: Collection[str]) -> Supply:
    """The supply of `skus` (plain SKUs or bundles) for `channel`'s plan."""
    recipes = {code: stored.recipe for code, stored in (await store_bundles.recipes(skus)).items()}
    codes = set(skus) | {part.sku for made in recipes.values() for part in made.components}
    return Supply(await store.available(codes), await channel.incoming(codes), recipes)


async def affected(skus: Collection[str]) -> set[str]:
    """The SKUs whose listings a change of `skus` may move: themselves and every bundle
    that has one of them among its components."""
    return set(skus) | await store_bundles.containing(skus)

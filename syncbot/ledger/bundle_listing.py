"""A bundle's listing on a channel: its components' stock as bundles, before the channel's
policy, and the bundles a channel's ingested orders account for. No I/O.

The rule for a component sold alone and inside bundles (the "no double promise" rule):
every listing shows what could be sold **if it alone sold**. A component's listing shows the
component's available; a bundle's listing shows, per location, min over its components of
⌊available / units per bundle⌋, summed over the channel's locations. Both then go through
the channel's policy (buffer, percent, maximum, incoming) like any SKU. Nothing is set aside
for one listing at another's expense; instead every sale re-plans, within the change
latency, every listing that shares a component, so the units promised twice are at most
those sold in that window, as with one SKU listed on several channels.

`sellable` applies the incoming half of the policy: with `sell_incoming`, each component's
lots the policy counts are added to its available before dividing, and the extra bundles
they make become one incoming lot per location, due when the latest lot counted is due.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from syncbot.ledger.allocation import Incoming, Policy
from syncbot.ledger.bundles import Limit, Recipe, availability
from syncbot.ledger.quantities import Quantities

__all__ = ["BundleSupply", "bundles_taken", "sellable"]


@dataclass(frozen=True, slots=True)
class BundleSupply:
    """A bundle at the locations a channel sells from, as the channel's policy reads it."""

    available: dict[str, int]
    """Bundles per location: min over components of ⌊available / quantity⌋, at least 0."""
    incoming: tuple[Incoming, ...]
    """The extra bundles the components' sellable incoming lots would make, per location."""
    limits: dict[str, Limit]
    """The component that limits each location's figure."""

    def explain(self) -> str:
        """ "bundles at main limited by MUG-1: 5 available / 2"."""
        return "; ".join(
            f"bundles at {place} limited by {limit.sku}: "
            f"{limit.available} available / {limit.per_bundle}"
            for place, limit in sorted(self.limits.items())
        )


def sellable(
    recipe: Recipe,
    available: Mapping[str, Mapping[str, int]],
    sells_from: Sequence[str],
    policy: Policy,
    *,
    incoming: Mapping[str, Sequence[Incoming]] | None = None,
    today: date | None = None,
) -> BundleSupply:
    """The bundle's supply at `sells_from`, from `available` (component → location →
    units) and, when the policy sells incoming stock, the components' lots.

    Invariant: at each location, bundles × units per bundle ≤ the component's available
    (plus its sellable incoming) for every component, so no listing of the bundle promises
    units its components do not have."""
    figures: dict[str, int] = {}
    limits: dict[str, Limit] = {}
    lots: list[Incoming] = []
    for place in dict.fromkeys(sells_from):
        stock = {
            part.sku: Quantities(available=available.get(part.sku, {}).get(place, 0))
            for part in recipe.components
        }
        now = availability(recipe, stock)
        figures[place], limits[place] = now.available, now.limited_by
        if policy.sell_incoming and today is not None and incoming:
            lot = _incoming_bundles(recipe, stock, incoming, place, policy, today, now.available)
            if lot is not None:
                lots.append(lot)
    return BundleSupply(figures, tuple(lots), limits)


def _incoming_bundles(
    recipe: Recipe,
    stock: Mapping[str, Quantities],
    incoming: Mapping[str, Sequence[Incoming]],
    place: str,
    policy: Policy,
    today: date,
    bundles_now: int,
) -> Incoming | None:
    """How many more bundles the lots the policy sells at `place` would make, as one lot
    due when the latest lot counted is due (None if any counted lot has no date)."""
    later: int | None = None
    dues: list[date | None] = []
    for part in recipe.components:
        counted = [
            lot
            for lot in incoming.get(part.sku, ())
            if lot.location == place and policy.sells(lot, today)
        ]
        dues += [lot.due for lot in counted]
        units = stock[part.sku].available + sum(lot.quantity for lot in counted)
        makes = units // part.quantity
        later = makes if later is None else min(later, makes)
    extra = max(later or 0, 0) - bundles_now
    if extra <= 0:
        return None
    due = None if None in dues else max(day for day in dues if day is not None)
    return Incoming(place, extra, due, order="components")


def bundles_taken(recipe: Recipe, taken: Mapping[str, int]) -> int:
    """The whole bundles a channel's ingested orders account for, from the units of each
    component they took: min over components of ⌊taken / units per bundle⌋, at least 0.

    It errs on the side of holding: a channel that sold a bundle took every component, so
    its sale is counted once it is ingested; units of one component alone never count."""
    return max(
        0, min(max(taken.get(part.sku, 0), 0) // part.quantity for part in recipe.components)
    )

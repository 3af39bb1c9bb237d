"""What the demo counts and how it reports: orders per storefront, pushes, calls and
throttles, and how long a change on one storefront takes to reach the other.

Change → channel latency: a customer's order, cancellation or return on one storefront is
a change to a SKU's sellable stock; it has reached the other storefront when a push of
syncbot's brings that storefront to the level the change implies. The clock starts when
the storefront sends its webhook (just before syncbot posts the change) and stops when
the emulator applies that push; several changes before one push are timed from the first.
A change undone before any push (an order cancelled at once) is not counted.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from syncbot.demo.storefronts import Push


@dataclass
class Waiting:
    """A storefront that does not yet show a SKU's level: since when, and what it should
    show (before the floor of zero)."""

    since: float
    target: int


@dataclass
class Tally:
    storefronts: Sequence[str]
    levels: Callable[[str], Mapping[str, int]]
    """Each storefront's levels by SKU, read from its emulator."""
    orders: Counter[str] = field(default_factory=Counter)
    cancelled: Counter[str] = field(default_factory=Counter)
    returned: Counter[str] = field(default_factory=Counter)
    pushes: Counter[str] = field(default_factory=Counter)
    levels_set: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    _waiting: dict[tuple[str, str], Waiting] = field(default_factory=dict)

    def changed(self, storefront: str, deltas: Mapping[str, int], at: float) -> None:
        """A customer moved these SKUs' stock on `storefront` by `deltas`, which the store
        already shows; every other storefront must come to the same level.

        Both channels sell everything, so in step they show the same level. The level they
        must reach is the changed store's own, unless that store itself still waits for a
        push: then it is what that store should show, moved by the change.
        """
        for sku, delta in deltas.items():
            own = self._waiting.get((storefront, sku))
            if own is not None:
                own.target += delta
                truth = own.target
                if self.levels(storefront).get(sku) == max(0, truth):
                    del self._waiting[storefront, sku]
            else:
                truth = self.levels(storefront).get(sku, 0)
            for other in self.storefronts:
                if other == storefront:
                    continue
                if self.levels(other).get(sku) == max(0, truth):
                    # Undone before any push (an order cancelled at once): nothing to time.
                    self._waiting.pop((other, sku), None)
                elif (other, sku) in self._waiting:
                    self._waiting[other, sku].target = truth
                else:
                    self._waiting[other, sku] = Waiting(at, truth)

    def pushed(self, push: Push) -> list[float]:
        """Counts a push; the latencies of the changes it brought its storefront up to."""
        self.pushes[push.storefront] += 1
        self.levels_set[push.storefront] += len(push.changes)
        reached = []
        for sku, (_, level) in push.changes.items():
            waiting = self._waiting.get((push.storefront, sku))
            if waiting is not None and level == max(0, waiting.target):
                del self._waiting[push.storefront, sku]
                reached.append(push.at - waiting.since)
        self.latencies += reached
        return reached

    @property
    def total_orders(self) -> int:
        return sum(self.orders.values())

    @property
    def total_pushes(self) -> int:
        return sum(self.pushes.values())

    def median(self) -> float | None:
        return statistics.median(self.latencies) if self.latencies else None

    def p95(self) -> float | None:
        """The 95th percentile (nearest rank); None before any change reached a channel."""
        if not self.latencies:
            return None
        ordered = sorted(self.latencies)
        return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]


def seconds(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"

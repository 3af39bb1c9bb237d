"""What the demo counts and how it reports: orders per storefront, pushes, calls and
throttles, and how long a change on one storefront takes to reach the other.

Change → channel latency: a customer's order, cancellation or return on one storefront is
a change to a SKU's sellable stock; it has reached the other storefront when syncbot next
pushes that SKU there. The clock starts when the storefront sends its webhook (just
before syncbot posts the change) and stops when the emulator applies the push. A change
that needs no push (an order cancelled before its push went out) is not counted.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from syncbot.demo.storefronts import Push


@dataclass
class Tally:
    storefronts: Sequence[str]
    orders: Counter[str] = field(default_factory=Counter)
    cancelled: Counter[str] = field(default_factory=Counter)
    returned: Counter[str] = field(default_factory=Counter)
    pushes: Counter[str] = field(default_factory=Counter)
    levels_set: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    _waiting: dict[tuple[str, str], list[float]] = field(default_factory=lambda: defaultdict(list))

    def changed(self, storefront: str, skus: Iterable[str], at: float) -> None:
        """A customer changed these SKUs' stock on `storefront`: the others must follow."""
        for other in self.storefronts:
            if other != storefront:
                for sku in skus:
                    self._waiting[other, sku].append(at)

    def pushed(self, push: Push) -> list[float]:
        """Counts a push; the latencies of the changes it brought to its storefront."""
        self.pushes[push.storefront] += 1
        self.levels_set[push.storefront] += len(push.changes)
        reached = []
        for sku in push.changes:
            waiting = self._waiting.pop((push.storefront, sku), [])
            reached += [push.at - at for at in waiting if at <= push.at]
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

"""The demo's change → channel latency: a change is timed until a push brings the other
storefront to the level the change implies, and a change undone before any push is not
timed at all."""

from __future__ import annotations

from syncbot.demo.storefronts import Push
from syncbot.demo.tally import Tally


class Stores:
    """Two storefronts' levels, moved by hand as customers and pushes would."""

    def __init__(self) -> None:
        self.levels = {"a": {"MUG": 10, "TEE": 5}, "b": {"MUG": 10, "TEE": 5}}

    def __call__(self, storefront: str) -> dict[str, int]:
        return self.levels[storefront]

    def push(self, tally: Tally, storefront: str, at: float, **levels: int) -> list[float]:
        changes = {sku: (self.levels[storefront][sku], level) for sku, level in levels.items()}
        self.levels[storefront].update(levels)
        return tally.pushed(Push(storefront, at, changes))


def test_a_sale_is_timed_until_the_other_storefront_shows_it() -> None:
    """An order of 2 on a at t=1 reaches b with the push to 8 at t=1.5."""
    stores = Stores()
    tally = Tally(["a", "b"], stores)
    stores.levels["a"]["MUG"] = 8
    tally.changed("a", {"MUG": -2}, at=1.0)

    assert stores.push(tally, "b", 1.5, MUG=8) == [0.5]
    assert tally.latencies == [0.5]
    assert tally.pushes["b"] == 1
    assert tally.levels_set["b"] == 1


def test_a_push_that_stops_short_of_the_target_keeps_the_clock_running() -> None:
    """Two sales before the push: the first push (of one) does not count, the second does,
    timed from the first sale."""
    stores = Stores()
    tally = Tally(["a", "b"], stores)
    stores.levels["a"]["MUG"] = 9
    tally.changed("a", {"MUG": -1}, at=1.0)
    stores.levels["a"]["MUG"] = 8
    tally.changed("a", {"MUG": -1}, at=2.0)

    assert stores.push(tally, "b", 2.5, MUG=9) == []
    assert stores.push(tally, "b", 3.0, MUG=8) == [2.0]


def test_an_order_cancelled_before_any_push_is_not_timed() -> None:
    """Order and cancel on a leave b right as it is: no waiting change is left to time."""
    stores = Stores()
    tally = Tally(["a", "b"], stores)
    stores.levels["a"]["TEE"] = 4
    tally.changed("a", {"TEE": -1}, at=1.0)
    stores.levels["a"]["TEE"] = 5
    tally.changed("a", {"TEE": 1}, at=1.2)

    assert stores.push(tally, "b", 60.0, TEE=4) == []
    assert tally.latencies == []


def test_sales_on_both_sides_aim_at_the_combined_level() -> None:
    """b sells 1 (a must reach 9), then a sells 2 before its push: each must reach 7."""
    stores = Stores()
    tally = Tally(["a", "b"], stores)
    stores.levels["b"]["MUG"] = 9
    tally.changed("b", {"MUG": -1}, at=1.0)
    stores.levels["a"]["MUG"] = 8
    tally.changed("a", {"MUG": -2}, at=2.0)

    assert stores.push(tally, "b", 2.5, MUG=7) == [0.5]
    assert stores.push(tally, "a", 3.0, MUG=7) == [2.0]


def test_the_95th_percentile_is_the_nearest_rank() -> None:
    tally = Tally(["a", "b"], Stores())
    tally.latencies = [float(n) for n in range(1, 101)]

    assert tally.p95() == 95.0
    assert tally.median() == 50.5

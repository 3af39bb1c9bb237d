"""A bundle's listing: its components' stock as bundles before the channel's policy, and
the bundles a channel's ingested orders account for."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from syncbot.ledger.allocation import Incoming, Policy
from syncbot.ledger.bundle_listing import bundles_taken, sellable
from syncbot.ledger.bundles import Component, Recipe

GIFT = Recipe("GIFT", (Component("MUG", 2), Component("TEE", 1)))
TODAY = date(2026, 12, 1)


class TestSellable:
    def test_each_location_makes_its_own_bundles(self) -> None:
        """Mugs at main and tees at east make no set together."""
        supply = sellable(
            GIFT, {"MUG": {"main": 5, "east": 4}, "TEE": {"main": 10}}, ["main", "east"], Policy()
        )
        assert supply.available == {"main": 2, "east": 0}
        assert supply.explain() == (
            "bundles at east limited by TEE: 0 available / 1; "
            "bundles at main limited by MUG: 5 available / 2"
        )

    def test_an_oversold_component_makes_zero_bundles(self) -> None:
        supply = sellable(GIFT, {"MUG": {"main": -3}, "TEE": {"main": 10}}, ["main"], Policy())
        assert supply.available == {"main": 0}

    def test_incoming_lots_count_only_when_the_policy_sells_them(self) -> None:
        """3 MUG due 9 Dec: ⌊(5 + 3) / 2⌋ = 4, 2 more than now, due when the lot is."""
        lots = {"MUG": [Incoming("main", 3, date(2026, 12, 9))]}
        stock = {"MUG": {"main": 5}, "TEE": {"main": 10}}
        selling = Policy(sell_incoming=True)
        supply = sellable(GIFT, stock, ["main"], selling, incoming=lots, today=TODAY)
        assert supply.incoming == (Incoming("main", 2, date(2026, 12, 9), "components"),)
        assert sellable(GIFT, stock, ["main"], Policy(), incoming=lots, today=TODAY).incoming == ()
        soon = Policy(sell_incoming=True, incoming_within_days=3)
        assert sellable(GIFT, stock, ["main"], soon, incoming=lots, today=TODAY).incoming == ()

    def test_incoming_of_one_component_alone_makes_no_more_bundles(self) -> None:
        """TEE limits: more mugs on order add nothing."""
        lots = {"MUG": [Incoming("main", 30)]}
        stock = {"MUG": {"main": 5}, "TEE": {"main": 2}}
        selling = Policy(sell_incoming=True)
        supply = sellable(GIFT, stock, ["main"], selling, incoming=lots, today=TODAY)
        assert (supply.available, supply.incoming) == ({"main": 2}, ())

    @given(
        st.dictionaries(
            st.sampled_from(["MUG", "TEE"]),
            st.dictionaries(st.sampled_from(["main", "east"]), st.integers(-50, 500)),
        )
    )
    def test_no_location_promises_units_its_components_lack(
        self, stock: dict[str, dict[str, int]]
    ) -> None:
        supply = sellable(GIFT, stock, ["main", "east"], Policy())
        for place, bundles in supply.available.items():
            assert bundles >= 0
            for part in GIFT.components:
                held = stock.get(part.sku, {}).get(place, 0)
                assert bundles * part.quantity <= max(held, 0)


class TestBundlesTaken:
    def test_whole_bundles_of_every_component(self) -> None:
        assert bundles_taken(GIFT, {"MUG": 4, "TEE": 2}) == 2
        assert bundles_taken(GIFT, {"MUG": 5, "TEE": 1}) == 1

    def test_a_component_taken_alone_accounts_for_no_bundle(self) -> None:
        assert bundles_taken(GIFT, {"MUG": 8}) == 0

    def test_units_put_back_never_count_below_zero(self) -> None:
        assert bundles_taken(GIFT, {"MUG": -4, "TEE": 3}) == 0

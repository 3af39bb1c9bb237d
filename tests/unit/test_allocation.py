"""The channel allocation rules: what a listing shows, and when a push may raise it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from syncbot.ledger import PolicyError
from syncbot.ledger.allocation import Action, Incoming, ListingState, Policy, decide, publish

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
GRACE = timedelta(minutes=10)


class TestPublish:
    def test_all_of_available_by_default(self) -> None:
        """With no policy the channel lists everything available."""
        assert publish({"main": 12}, ["main"], Policy()).explanation == "12 = available 12"

    def test_a_buffer_is_held_back(self) -> None:
        """`buffer` is safety stock: 'keep 5 back'."""
        allocation = publish({"main": 12}, ["main"], Policy(buffer=5))
        assert allocation.quantity == 7
        assert allocation.explanation == "7 = available 12 \u2212 buffer 5"

    def test_a_percentage_rounds_down(self) -> None:
        """'List at most 80 %': 80 % of 13 is 10.4, and the channel gets 10, never 11."""
        allocation = publish({"main": 13}, ["main"], Policy(percent=80))
        assert allocation.quantity == 10
        assert allocation.explanation == "10 = 80% of available 13, rounded down"

    def test_the_maximum_caps(self) -> None:
        allocation = publish({"main": 100}, ["main"], Policy(maximum=50))
        assert allocation.explanation == "50 = available 100, capped at max 50"

    def test_never_below_zero(self) -> None:
        """Oversold stock (negative available) publishes 0, not a negative level."""
        allocation = publish({"main": -3}, ["main"], Policy())
        assert allocation.explanation == "0 = available \u22123, floored at 0"

    def test_only_the_locations_the_channel_sells_from_count(self) -> None:
        """Stock at a location the channel does not sell from is not listed."""
        available = {"main": 10, "east": 3, "returns": 7}
        allocation = publish(available, ["main", "east"], Policy(buffer=1, percent=50))
        assert allocation.quantity == 6
        assert allocation.explanation == (
            "6 = 50% of (available 13 (main 10 + east 3) \u2212 buffer 1)"
        )

    def test_a_sku_override_replaces_only_what_it_names(self) -> None:
        channel = Policy(buffer=2, percent=80, maximum=40)
        assert channel.merged({"buffer": 0}) == Policy(buffer=0, percent=80, maximum=40)

    @pytest.mark.parametrize(
        "policy", [{"buffer": -1}, {"percent": 101}, {"percent": -1}, {"maximum": -5}]
    )
    def test_a_nonsense_policy_is_refused(self, policy: dict[str, int]) -> None:
        with pytest.raises(PolicyError):
            Policy(**policy)

    @given(
        available=st.dictionaries(
            st.sampled_from(["main", "east", "west"]), st.integers(-1000, 10_000)
        ),
        buffer=st.integers(0, 500),
        percent=st.integers(0, 100),
        maximum=st.none() | st.integers(0, 5000),
    )
    def test_never_lists_more_than_is_sellable(
        self, available: dict[str, int], buffer: int, percent: int, maximum: int | None
    ) -> None:
        """0 <= published <= what the sold-from locations hold, and <= max; it explains itself."""
        sells_from = ["main", "east"]
        allocation = publish(available, sells_from, Policy(buffer, percent, maximum))
        sellable = sum(available.get(location, 0) for location in sells_from)
        assert 0 <= allocation.quantity <= max(0, sellable - buffer)
        assert allocation.quantity <= max(0, sellable) * percent // 100
        if maximum is not None:
            assert allocation.quantity <= maximum
        assert allocation.explanation.startswith(f"{allocation.quantity} = ")


SHOPIFY_INT = 2_147_483_647


class TestCeiling:
    """A channel's own limit (Shopify's GraphQL `Int`): one value beyond it would make the
    channel refuse the whole batch it travels in, so the plan never sends one."""

    def test_available_beyond_shopifys_int_is_clamped_and_says_so(self) -> None:
        allocation = publish(
            {"main": 3_000_000_000}, ["main"], Policy(), ceiling=SHOPIFY_INT, holder="Shopify"
        )
        assert allocation.quantity == SHOPIFY_INT
        assert allocation.explanation == (
            "2147483647 = available 3000000000, clamped to Shopify's maximum 2147483647"
        )

    def test_below_the_ceiling_nothing_is_said(self) -> None:
        allocation = publish({"main": 12}, ["main"], Policy(), ceiling=SHOPIFY_INT)
        assert allocation.explanation == "12 = available 12"

    def test_a_policy_maximum_below_the_ceiling_caps_first(self) -> None:
        allocation = publish({"main": 3_000_000_000}, ["main"], Policy(maximum=50), ceiling=40)
        assert allocation.explanation == (
            "40 = available 3000000000, capped at max 50, clamped to the channel's maximum 40"
        )

    @given(
        available=st.dictionaries(
            st.sampled_from(["main", "east", "west"]), st.integers(-(2**40), 2**40)
        ),
        buffer=st.integers(0, 2**33),
        percent=st.integers(0, 100),
        maximum=st.none() | st.integers(0, 2**40),
        ceiling=st.none() | st.integers(-5, 2**40) | st.just(SHOPIFY_INT),
    )
    def test_never_above_the_ceiling_and_never_negative(
        self,
        available: dict[str, int],
        buffer: int,
        percent: int,
        maximum: int | None,
        ceiling: int | None,
    ) -> None:
        allocation = publish(
            available, ["main", "east"], Policy(buffer, percent, maximum), ceiling=ceiling
        )
        assert allocation.quantity >= 0
        if ceiling is not None:
            assert allocation.quantity <= max(0, ceiling)
            if "clamped" in allocation.explanation:
                assert allocation.explanation.endswith(f"maximum {allocation.quantity}")
        assert allocation.explanation.startswith(f"{allocation.quantity} = ")


def state(channel: int | None, pushed: int | None = None, **more: object) -> ListingState:
    return ListingState(channel_quantity=channel, pushed_quantity=pushed, **more)  # type: ignore[arg-type]


def decision(listing: ListingState, planned: int, ingested: int = 0, now: datetime = NOW):  # type: ignore[no-untyped-def]
    return decide(listing, planned, ingested_since_push=ingested, now=now, grace=GRACE)


class TestDecide:
    def test_an_equal_level_is_not_pushed(self) -> None:
        assert decision(state(7, 7), 7).action is Action.IN_SYNC

    def test_an_unknown_level_is_read_first(self) -> None:
        """Compare-and-set needs what the channel holds, so a first push reads it."""
        assert decision(state(None), 5).action is Action.READ

    def test_lowering_never_waits(self) -> None:
        """Less stock is pushed at once, even while sales are unaccounted for."""
        outcome = decision(state(8, 10), 6)
        assert (outcome.action, outcome.expected) == (Action.PUSH, 8)

    def test_a_raise_waits_for_sales_the_channel_took(self) -> None:
        """Pushed 10, the channel shows 8, no order ingested: 2 sales may be on their way."""
        outcome = decision(state(8, 10), 9)
        assert outcome.action is Action.HOLD
        assert (outcome.unaccounted, outcome.held_since) == (2, NOW)

    def test_a_raise_goes_once_the_orders_are_ingested(self) -> None:
        """The 2 units the channel took arrived as orders: the raise is real stock."""
        outcome = decision(state(8, 10), 9, ingested=2)
        assert (outcome.action, outcome.expected, outcome.drift) == (Action.PUSH, 8, None)

    def test_a_hold_ends_as_drift_after_the_grace_period(self) -> None:
        held = state(8, 10, held_since=NOW - GRACE)
        outcome = decision(held, 9)
        assert (outcome.action, outcome.drift) == (Action.PUSH, 2)

    def test_a_hold_keeps_its_start(self) -> None:
        held = state(8, 10, held_since=NOW - timedelta(minutes=3))
        assert decision(held, 9).held_since == NOW - timedelta(minutes=3)

    def test_a_channel_above_the_last_push_may_be_raised(self) -> None:
        """Someone restocked on the channel: nothing unaccounted, so a raise is safe."""
        assert decision(state(12, 10), 15).action is Action.PUSH

    def test_a_quarantined_listing_is_left_alone(self) -> None:
        assert decision(state(3, 3, quarantined=True), 9).action is Action.QUARANTINED

    @given(
        channel=st.integers(0, 100),
        pushed=st.none() | st.integers(0, 100),
        planned=st.integers(0, 100),
        ingested=st.integers(-10, 100),
        waited=st.integers(0, 1200),
    )
    def test_never_raises_over_unaccounted_sales_within_grace(
        self, channel: int, pushed: int | None, planned: int, ingested: int, waited: int
    ) -> None:
        """A push above the channel's level only happens when every unit it took is known."""
        since = NOW - timedelta(seconds=waited)
        outcome = decision(state(channel, pushed, held_since=since), planned, ingested)
        if outcome.action is Action.PUSH:
            assert outcome.expected == channel
            if planned > channel and pushed is not None and pushed - channel > max(0, ingested):
                assert waited >= GRACE.total_seconds()
                assert outcome.drift == pushed - channel - max(0, ingested)
        if outcome.action is Action.IN_SYNC:
            assert planned == channel


class TestSellingIncoming:
    TODAY = date(2026, 12, 2)
    LOTS = (
        Incoming("main", 5, date(2026, 12, 12), "PO-0001"),
        Incoming("main", 7, date(2027, 1, 20), "PO-0002"),
        Incoming("east", 3, date(2026, 12, 5), "PO-0003"),
        Incoming("main", 2, None, "PO-0004"),
    )

    def test_incoming_is_never_sellable_by_default(self) -> None:
        """Without the opt-in, units on purchase orders publish nothing."""
        allocation = publish({"main": 4}, ["main"], Policy(), incoming=self.LOTS, today=self.TODAY)
        assert allocation.explanation == "4 = available 4"

    def test_a_channel_that_opts_in_sells_incoming_due_within_its_window(self) -> None:
        """'9 = available 4 + incoming 5 due 12 Dec': the January lot, the undated lot and
        the other location's lot do not count."""
        policy = Policy(sell_incoming=True, incoming_within_days=14)
        allocation = publish({"main": 4}, ["main"], policy, incoming=self.LOTS, today=self.TODAY)
        assert allocation.explanation == "9 = available 4 + incoming 5 due 12 Dec"

    def test_without_a_window_every_open_lot_counts_soonest_first(self) -> None:
        policy = Policy(sell_incoming=True, buffer=1)
        allocation = publish({"main": 4}, ["main"], policy, incoming=self.LOTS, today=self.TODAY)
        assert allocation.explanation == (
            "17 = available 4 + incoming 5 due 12 Dec + incoming 7 due 20 Jan"
            " + incoming 2 \u2212 buffer 1"
        )

    def test_a_percentage_applies_to_available_and_incoming_together(self) -> None:
        policy = Policy(sell_incoming=True, percent=50, incoming_within_days=30)
        allocation = publish(
            {"main": 4, "east": 1}, ["main", "east"], policy, incoming=self.LOTS, today=self.TODAY
        )
        assert allocation.quantity == (4 + 1 + 3 + 5) // 2
        assert allocation.explanation.startswith("6 = 50% of (available 5 (main 4 + east 1)")

    def test_a_negative_window_is_refused(self) -> None:
        with pytest.raises(PolicyError, match="incoming_within_days"):
            Policy(sell_incoming=True, incoming_within_days=-1)

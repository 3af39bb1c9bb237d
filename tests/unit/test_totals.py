"""A SKU's totals over all locations follow from its movements, whatever their order."""

from __future__ import annotations

from functools import reduce

from hypothesis import given
from hypothesis import strategies as st

from syncbot import ledger
from syncbot.ledger import Movement, Quantities, Totals, replay, total_changes

SKUS = ("MUG-1", "TEE-M")
LOCATIONS = ("main", "east")


def _movements() -> st.SearchStrategy[Movement]:
    sku = st.sampled_from(SKUS)
    quantity = st.integers(min_value=1, max_value=1_000)
    location = st.sampled_from(LOCATIONS)
    return st.one_of(
        st.builds(ledger.receive, sku, quantity, location),
        st.builds(ledger.damage, sku, quantity, location),
        st.builds(ledger.order_commit, sku, quantity, location),
        st.builds(ledger.order_fulfil, sku, quantity, location),
        st.builds(ledger.order_cancel, sku, quantity, location),
        st.builds(ledger.return_restock, sku, quantity, location),
        st.builds(ledger.return_damaged, sku, quantity, location),
        st.builds(ledger.write_off, sku, quantity, location, reason=st.just("broken")),
        st.builds(ledger.transfer, sku, quantity, st.just("main"), st.just("east")),
    )


def _totals_by_replay(movements: list[Movement], sku: str) -> Totals:
    """The reference: replay every balance, then sum the SKU's real buckets."""
    per_location: dict[str, dict[ledger.Bucket, int]] = {}
    for (code, position), quantity in replay(movements).items():
        if code == sku and position.bucket.is_real:
            per_location.setdefault(position.location, {})[position.bucket] = quantity
    summed = reduce(
        Quantities.__add__,
        (Quantities.from_buckets(buckets) for buckets in per_location.values()),
        Quantities(),
    )
    return Totals.of(summed)


@given(st.lists(_movements(), max_size=40))
def test_total_changes_add_up_to_the_replayed_balances(movements: list[Movement]) -> None:
    changes = total_changes(movements)
    for sku in SKUS:
        assert changes.get(sku, Totals()) == _totals_by_replay(movements, sku)


def test_a_transfer_changes_no_total() -> None:
    assert total_changes([ledger.transfer("MUG-1", 5, "main", "east")]) == {}


def test_a_commit_keeps_on_hand_and_takes_available() -> None:
    assert total_changes([ledger.order_commit("MUG-1", 2)]) == {
        "MUG-1": Totals(available=-2, on_hand=0, incoming=0)
    }

"""The pure ledger rules: routes, quantities, guards, counts and replay."""

from __future__ import annotations

import pytest

from syncbot import ledger
from syncbot.ledger import Bucket, Count, InvalidMovement, MovementKind, Position, Quantities


class TestQuantities:
    def test_on_hand_is_available_plus_committed_plus_damaged(self) -> None:
        """Incoming is expected stock, not stock on hand."""
        assert Quantities(available=5, committed=2, damaged=1, incoming=9).on_hand == 8


class TestRoutes:
    @pytest.mark.parametrize(
        ("movement", "source", "destination"),
        [
            (ledger.receive("A", 1), Bucket.SUPPLIER, Bucket.AVAILABLE),
            (ledger.damage("A", 1), Bucket.AVAILABLE, Bucket.DAMAGED),
            (ledger.write_off("A", 1), Bucket.DAMAGED, Bucket.SCRAP),
            (ledger.order_commit("A", 1), Bucket.AVAILABLE, Bucket.COMMITTED),
            (ledger.order_cancel("A", 1), Bucket.COMMITTED, Bucket.AVAILABLE),
            (ledger.order_fulfil("A", 1), Bucket.COMMITTED, Bucket.CUSTOMER),
            (ledger.return_restock("A", 1), Bucket.CUSTOMER, Bucket.AVAILABLE),
            (ledger.return_damaged("A", 1), Bucket.CUSTOMER, Bucket.DAMAGED),
        ],
    )
    def test_each_kind_moves_along_its_route(
        self, movement: ledger.Movement, source: Bucket, destination: Bucket
    ) -> None:
        """Every fixed kind takes from and gives to the buckets the design names."""
        assert (movement.source.bucket, movement.destination.bucket) == (source, destination)

    def test_a_kind_cannot_take_another_route(self) -> None:
        """A damage that claims to come from the supplier is malformed."""
        with pytest.raises(InvalidMovement, match="damage moves available"):
            ledger.Movement(
                sku="A",
                kind=MovementKind.DAMAGE,
                quantity=1,
                source=Position("main", Bucket.SUPPLIER),
                destination=Position("main", Bucket.DAMAGED),
            )

    def test_a_route_runs_backwards_only_as_a_reversal(self) -> None:
        """Undoing a damage is a reversal of it, not a free-standing backwards damage."""
        damage = ledger.damage("A", 2)
        undo = ledger.reverse(damage, movement_id=7)
        assert (undo.source, undo.destination) == (damage.destination, damage.source)
        assert undo.reverses == 7
        with pytest.raises(InvalidMovement, match="only as a reversal"):
            ledger.Movement(
                sku="A",
                kind=MovementKind.DAMAGE,
                quantity=1,
                source=Position("main", Bucket.DAMAGED),
                destination=Position("main", Bucket.AVAILABLE),
            )

    def test_a_transfer_moves_available_between_locations(self) -> None:
        transfer = ledger.transfer("A", 3, "main", "east")
        assert transfer.source == Position("main", Bucket.AVAILABLE)
        assert transfer.destination == Position("east", Bucket.AVAILABLE)
        with pytest.raises(InvalidMovement, match="two different positions"):
            ledger.transfer("A", 3, "main", "main")

    def test_an_adjustment_is_signed_and_needs_a_reason(self) -> None:
        """Up comes from the adjustment counterpart, down goes to it."""
        up = ledger.adjust("A", 4, "found behind shelf")
        down = ledger.adjust("A", -4, "shrinkage")
        assert (up.source.bucket, up.destination.bucket) == (Bucket.ADJUSTMENT, Bucket.AVAILABLE)
        assert (down.source.bucket, down.quantity) == (Bucket.AVAILABLE, 4)
        with pytest.raises(InvalidMovement, match="needs a reason"):
            ledger.adjust("A", 4, " ")
        with pytest.raises(InvalidMovement, match="changes nothing"):
            ledger.adjust("A", 0, "nothing")
        with pytest.raises(InvalidMovement, match="only real buckets"):
            ledger.adjust("A", 1, "x", bucket=Bucket.SCRAP)


class TestQuantityRule:
    @pytest.mark.parametrize("quantity", [0, -1, 1.5, "3", True, 10**12])
    def test_quantities_are_positive_integers_of_sane_size(self, quantity: object) -> None:
        with pytest.raises(InvalidMovement):
            ledger.receive("A", quantity)  # type: ignore[arg-type]

    def test_the_sku_must_not_be_empty(self) -> None:
        with pytest.raises(InvalidMovement, match="SKU"):
            ledger.receive(" ", 1)


class TestGuards:
    def test_manual_movements_from_real_buckets_are_guarded(self) -> None:
        assert ledger.damage("A", 1).guarded
        assert ledger.write_off("A", 1).guarded
        assert ledger.transfer("A", 1, "main", "east").guarded
        assert ledger.adjust("A", -1, "x").guarded

    def test_force_lifts_the_guard(self) -> None:
        assert not ledger.damage("A", 1, forced=True).guarded

    def test_order_driven_movements_may_go_below_zero(self) -> None:
        """Reality wins: an order that exists is recorded even when stock ran out."""
        assert not ledger.order_commit("A", 1).guarded
        assert not ledger.order_fulfil("A", 1).guarded
        assert not ledger.order_cancel("A", 1).guarded

    def test_taking_from_a_virtual_bucket_is_never_guarded(self) -> None:
        """The supplier and the customer have no stock level to protect."""
        assert not ledger.receive("A", 1).guarded
        assert not ledger.return_restock("A", 1).guarded


class TestCount:
    def test_a_higher_count_brings_the_difference_from_count_difference(self) -> None:
        movement = Count("A", 12).resolve(Quantities(available=7, committed=2, damaged=1))
        assert movement is not None
        assert movement.source.bucket is Bucket.COUNT_DIFFERENCE
        assert (movement.quantity, movement.counted_on_hand) == (2, 12)

    def test_a_lower_count_takes_the_difference_from_available(self) -> None:
        movement = Count("A", 4).resolve(Quantities(available=7, committed=2, damaged=1))
        assert movement is not None
        assert movement.source.bucket is Bucket.AVAILABLE
        assert movement.quantity == 6

    def test_a_matching_count_moves_nothing(self) -> None:
        assert Count("A", 10).resolve(Quantities(available=10)) is None

    @pytest.mark.parametrize("counted", [-1, 1.5, True])
    def test_a_count_is_a_whole_number_not_below_zero(self, counted: object) -> None:
        with pytest.raises(InvalidMovement):
            Count("A", counted)  # type: ignore[arg-type]


class TestReplay:
    def test_every_sku_sums_to_zero(self) -> None:
        movements = [
            ledger.receive("A", 10),
            ledger.order_commit("A", 3),
            ledger.order_fulfil("A", 2),
            ledger.damage("A", 1),
            ledger.transfer("A", 2, "main", "east"),
        ]
        balances = ledger.replay(movements)
        assert sum(balances.values()) == 0
        assert balances[("A", Position("main", Bucket.AVAILABLE))] == 4
        assert balances[("A", Position("east", Bucket.AVAILABLE))] == 2

    def test_identity_ignores_who_and_when(self) -> None:
        """Idempotency compares what a posting does, so a retry matches its original."""
        assert ledger.receive("A", 1).content() == ledger.receive("A", 1).content()
        assert ledger.receive("A", 1).content() != ledger.receive("A", 2).content()

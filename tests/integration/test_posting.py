"""The posting path on a real database: balances, guards, idempotency and events."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import asyncpg
import pytest
from tortoise import connections
from tortoise.exceptions import OperationalError, ValidationError

from syncbot import ledger
from syncbot.ledger import (
    Count,
    IdempotencyConflict,
    InsufficientStock,
    InvalidMovement,
    Quantities,
    UnknownLocation,
    UnknownSku,
)
from syncbot.store import models, posting
from syncbot.store.catalogue import add_sku
from syncbot.store.posting import Provenance
from syncbot.store.stock import history, stock
from syncbot.store.verify import verify


async def quantities(sku: str, location: str = "main") -> Quantities:
    return (await stock(sku)).locations.get(location, Quantities())


async def written() -> tuple[int, int, int]:
    """Rows of movements, idempotency keys and events: what a refusal must not add to."""
    return (
        await models.Movement.all().count(),
        await models.IdempotencyKey.all().count(),
        await models.OutboxEvent.all().count(),
    )


@pytest.fixture
async def mug(database: str) -> str:
    await add_sku("MUG-1", "Mug")
    return "MUG-1"


class TestBalances:
    async def test_receipt_then_damage_moves_the_balances(self, mug: str) -> None:
        """A receipt adds to available; a damage moves from available to damaged."""
        await posting.post([ledger.receive(mug, 10)])
        await posting.post([ledger.damage(mug, 3)])
        report = await stock(mug)
        assert report.locations["main"] == Quantities(available=7, damaged=3)
        assert report.total.on_hand == 10
        assert (await verify()).ok

    async def test_an_order_lifecycle_ends_with_the_customer(self, mug: str) -> None:
        await posting.post([ledger.receive(mug, 10)])
        await posting.post([ledger.order_commit(mug, 4)])
        await posting.post([ledger.order_fulfil(mug, 3), ledger.order_cancel(mug, 1)])
        await posting.post([ledger.return_restock(mug, 1), ledger.return_damaged(mug, 1)])
        assert await quantities(mug) == Quantities(available=8, damaged=1)
        assert (await verify()).ok

    async def test_a_transfer_moves_stock_between_locations(self, mug: str) -> None:
        await posting.post([ledger.receive(mug, 5)])
        await posting.post([ledger.transfer(mug, 2, "main", "east")])
        assert (await quantities(mug)).available == 3
        assert (await quantities(mug, "east")).available == 2

    async def test_a_count_posts_the_difference_on_available(self, mug: str) -> None:
        await posting.post([ledger.receive(mug, 10), ledger.order_commit(mug, 2)])
        result = await posting.post([Count(mug, 7)])
        assert [m.quantity for m in result.movements] == [3]
        assert await quantities(mug) == Quantities(available=5, committed=2)

    async def test_a_matching_count_posts_nothing(self, mug: str) -> None:
        await posting.post([ledger.receive(mug, 4)])
        result = await posting.post([Count(mug, 4)])
        assert result.applied
        assert result.movements == ()

    async def test_movements_record_who_and_from_which_document(self, mug: str) -> None:
        await posting.post(
            [ledger.receive(mug, 1)],
            provenance=Provenance(actor="slack:U1@T1", document="po/17"),
        )
        (movement,) = await history(mug)
        assert (movement.actor, movement.document, movement.kind) == (
            "slack:U1@T1",
            "po/17",
            "receive",
        )


class TestRefusals:
    async def test_a_manual_movement_may_not_go_below_zero(self, mug: str) -> None:
        await posting.post([ledger.receive(mug, 2)])
        before = await written()
        with pytest.raises(InsufficientStock) as refused:
            await posting.post([ledger.damage(mug, 3)])
        assert (refused.value.held, refused.value.requested) == (2, 3)
        assert await written() == before
        assert await quantities(mug) == Quantities(available=2)

    async def test_force_records_it_anyway(self, mug: str) -> None:
        await posting.post([ledger.damage(mug, 3, forced=True)])
        assert await quantities(mug) == Quantities(available=-3, damaged=3)

    async def test_a_refused_entry_refuses_the_whole_posting(self, mug: str) -> None:
        """Postings are atomic: the receipt before the refused damage is not kept."""
        with pytest.raises(InsufficientStock):
            await posting.post(
                [ledger.receive(mug, 1), ledger.damage(mug, 5)], idempotency_key="k1"
            )
        assert await written() == (0, 0, 0)
        assert await quantities(mug) == Quantities()

    async def test_an_unknown_sku_writes_nothing(self, database: str) -> None:
        with pytest.raises(UnknownSku, match="syncbot sku add NOPE"):
            await posting.post([ledger.receive("NOPE", 1)], idempotency_key="k")
        assert await written() == (0, 0, 0)

    async def test_an_unknown_location_writes_nothing(self, mug: str) -> None:
        with pytest.raises(UnknownLocation, match="west"):
            await posting.post([ledger.receive(mug, 1, location="west")])
        assert await written() == (0, 0, 0)

    async def test_an_empty_posting_is_refused(self, mug: str) -> None:
        with pytest.raises(InvalidMovement, match="nothing to post"):
            await posting.post([])

    async def test_the_database_refuses_to_change_a_movement(self, mug: str) -> None:
        """Immutability holds below the ORM too: a trigger refuses UPDATE and DELETE."""
        await posting.post([ledger.receive(mug, 1)])
        connection = connections.get("default")
        # Tortoise translates SQLite's abort but passes asyncpg's RaiseError through.
        refused = (OperationalError, asyncpg.exceptions.RaiseError)
        with pytest.raises(refused, match="immutable"):
            await connection.execute_query("UPDATE movement SET quantity = 5")
        with pytest.raises(refused, match="immutable"):
            await connection.execute_query("DELETE FROM movement")
        (movement,) = await history(mug)
        with pytest.raises(TypeError, match="immutable"):
            await movement.save()


class TestIdempotency:
    async def test_the_same_key_and_content_is_applied_once(self, mug: str) -> None:
        first = await posting.post([ledger.receive(mug, 5)], idempotency_key="po-1")
        again = await posting.post([ledger.receive(mug, 5)], idempotency_key="po-1")
        assert (first.applied, again.applied) == (True, False)
        assert again.posting == first.posting
        assert (await quantities(mug)).available == 5

    async def test_the_same_key_with_other_content_is_refused_and_recorded(self, mug: str) -> None:
        await posting.post([ledger.receive(mug, 5)], idempotency_key="po-1")
        with pytest.raises(IdempotencyConflict, match="po-1"):
            await posting.post(
                [ledger.receive(mug, 6)],
                idempotency_key="po-1",
                provenance=Provenance(actor="api"),
            )
        assert (await quantities(mug)).available == 5
        conflict = await models.IdempotencyConflict.get(key="po-1")
        assert conflict.actor == "api"
        assert conflict.attempted[0]["quantity"] == 6

    async def test_who_retries_does_not_change_the_content(self, mug: str) -> None:
        """A retry from another actor or at another time is still the same posting."""
        await posting.post(
            [ledger.receive(mug, 5)], idempotency_key="k", provenance=Provenance("a")
        )
        again = await posting.post(
            [ledger.receive(mug, 5)], idempotency_key="k", provenance=Provenance("b")
        )
        assert not again.applied

    async def test_the_same_key_from_another_document_is_refused_and_recorded(
        self, mug: str
    ) -> None:
        """The document is recorded on every movement, so it is part of the content."""
        await posting.post(
            [ledger.receive(mug, 5)], idempotency_key="po-1", provenance=Provenance("api", "PO-1")
        )
        with pytest.raises(IdempotencyConflict, match="po-1"):
            await posting.post(
                [ledger.receive(mug, 5)],
                idempotency_key="po-1",
                provenance=Provenance("api", "PO-2"),
            )
        assert (await quantities(mug)).available == 5
        conflict = await models.IdempotencyConflict.get(key="po-1")
        assert conflict.attempted[-1] == {"document": "PO-2"}
        again = await posting.post(
            [ledger.receive(mug, 5)], idempotency_key="po-1", provenance=Provenance("api", "PO-1")
        )
        assert not again.applied

    async def test_a_key_stored_before_documents_counted_still_replays(self, mug: str) -> None:
        """A key whose fingerprint predates the document in it: the recorded document
        decides whether a retry is the same posting."""
        first = await posting.post(
            [ledger.receive(mug, 5)], idempotency_key="old", provenance=Provenance("api", "PO-1")
        )
        legacy = posting.fingerprint([ledger.receive(mug, 5)])
        await models.IdempotencyKey.filter(key="old").update(fingerprint=legacy)
        again = await posting.post(
            [ledger.receive(mug, 5)], idempotency_key="old", provenance=Provenance("api", "PO-1")
        )
        assert (again.applied, again.posting) == (False, first.posting)
        with pytest.raises(IdempotencyConflict):
            await posting.post(
                [ledger.receive(mug, 5)],
                idempotency_key="old",
                provenance=Provenance("api", "PO-9"),
            )


class TestEvents:
    async def test_an_oversell_is_emitted_and_kept_in_the_outbox(self, mug: str) -> None:
        result = await posting.post([ledger.order_commit(mug, 2)])
        assert ledger.Oversold(mug, "main", -2) in result.events
        names = await models.OutboxEvent.all().order_by("id").values_list("name", flat=True)
        assert list(names) == ["stock_changed", "oversold"]

    async def test_crossing_the_reorder_point_is_emitted(self, database: str) -> None:
        """The point is checked against available summed over every location."""
        await add_sku("CUP", reorder_point=5)
        await posting.post([ledger.receive("CUP", 4, location="east")])
        await posting.post([ledger.receive("CUP", 4)])
        result = await posting.post([ledger.order_commit("CUP", 3)])
        assert ledger.BelowReorderPoint("CUP", 5, 5) in result.events
        later = await posting.post([ledger.order_commit("CUP", 1)])
        assert not any(isinstance(e, ledger.BelowReorderPoint) for e in later.events)


async def test_stock_changed_reports_every_real_bucket(mug: str) -> None:
    """A receipt's event shows committed and damaged too, so on_hand is right."""
    await posting.post([ledger.receive(mug, 10)])
    await posting.post([ledger.order_commit(mug, 4), ledger.damage(mug, 1)])
    result = await posting.post([ledger.receive(mug, 5)])
    (changed,) = [e for e in result.events if isinstance(e, ledger.StockChanged)]
    assert changed.before == Quantities(available=5, committed=4, damaged=1)
    assert changed.after == Quantities(available=10, committed=4, damaged=1)
    assert changed.after.on_hand == 15


class TestStoredRows:
    async def test_a_movement_row_holds_every_column_of_the_posting(self, mug: str) -> None:
        """Movements go in as plain parameter lists: read back through the model, each
        column holds what the posting and its provenance said."""
        at = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
        result = await posting.post(
            [ledger.receive(mug, 4, reason="opening stock, row 2", unit_cost=Decimal("1.25"))],
            idempotency_key="rows-1",
            key_namespace="cli:",
            provenance=Provenance(actor="cli:ann", document="import/stock.csv", occurred_at=at),
        )
        row = await models.Movement.get(posting=result.posting)
        assert (row.idempotency_key, row.kind, row.sku_id, row.quantity) == (
            "cli:rows-1",
            "receive",
            mug,
            4,
        )
        assert (row.source_location, row.source_bucket) == ("main", "supplier")
        assert (row.destination_location, row.destination_bucket) == ("main", "available")
        assert (row.reason, row.forced, row.counted_on_hand, row.reverses) == (
            "opening stock, row 2",
            False,
            None,
            None,
        )
        assert (row.actor, row.document, row.occurred_at) == ("cli:ann", "import/stock.csv", at)
        assert (row.unit_cost, row.value, row.cost_variance) == (Decimal("1.25"), 5_000_000, 0)
        assert row.recorded_at is not None
        assert (await verify()).ok

    async def test_an_outbox_row_holds_the_event_payload(self, mug: str) -> None:
        await posting.post([ledger.receive(mug, 3)])
        event = await models.OutboxEvent.get(name="stock_changed")
        assert event.sku == mug
        assert event.payload["after"] == {
            "available": 3,
            "committed": 0,
            "damaged": 0,
            "incoming": 0,
            "on_hand": 3,
        }
        assert event.created_at is not None
        assert event.delivered_at is None

    async def test_a_reason_too_long_for_its_column_is_refused(self, mug: str) -> None:
        """The edges cut reasons to the column; the store still refuses a longer one, on
        SQLite too, and writes nothing."""
        with pytest.raises(ValidationError):
            await posting.post([ledger.receive(mug, 1, reason="x" * 501)])
        assert await written() == (0, 0, 0)

"""verify starts from its last clean checkpoint; `full=True` still replays every movement."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from tortoise import connections

from syncbot import ledger
from syncbot.store import posting
from syncbot.store.catalogue import add_sku
from syncbot.store.checkpoint_models import LedgerCheckpoint
from syncbot.store.verify import SETTLE, TOTAL, verify

SKU = "MUG-1"
# The triggers of migration 0002 that refuse to change a movement, recreated after a test
# has gone behind their back.
SQLITE_GUARDS = (
    "CREATE TRIGGER movement_no_update BEFORE UPDATE ON movement "
    "BEGIN SELECT RAISE(ABORT, 'movements are immutable'); END",
    "CREATE TRIGGER movement_no_delete BEFORE DELETE ON movement "
    "BEGIN SELECT RAISE(ABORT, 'movements are immutable'); END",
)


def later() -> datetime:
    """A moment when every movement posted so far has settled (see verify's SETTLE)."""
    return datetime.now(UTC) + SETTLE


async def tamper(statement: str) -> None:
    """Runs `statement` on the movement table with its immutability triggers off."""
    connection = connections.get("default")
    if connection.capabilities.dialect == "postgres":
        await connection.execute_script(
            "ALTER TABLE movement DISABLE TRIGGER movement_no_change; "
            f"{statement}; ALTER TABLE movement ENABLE TRIGGER movement_no_change"
        )
        return
    await connection.execute_script("DROP TRIGGER movement_no_update")
    await connection.execute_script("DROP TRIGGER movement_no_delete")
    await connection.execute_script(statement)
    for guard in SQLITE_GUARDS:
        await connection.execute_script(guard)


async def corrupt_balance(location: str = "main", bucket: str = "available") -> None:
    await connections.get("default").execute_script(
        "UPDATE balance SET quantity = quantity + 1 "
        f"WHERE sku_id = '{SKU}' AND location_id = '{location}' AND bucket = '{bucket}'"
    )


@pytest.fixture
async def checkpointed(database: str) -> int:
    """MUG-1 received at two costs, sold and damaged, then verified clean: its checkpoint."""
    await add_sku(SKU, "Mug")
    await posting.post([ledger.receive(SKU, 10, unit_cost=Decimal(4))])
    await posting.post([ledger.receive(SKU, 10, unit_cost=Decimal(6))])
    await posting.post([ledger.transfer(SKU, 3, "main", "east")])
    await posting.post([ledger.damage(SKU, 2)])
    report = await verify(now=later())
    assert report.ok
    assert report.checkpointed is not None
    return report.checkpointed


class TestCheckpoints:
    async def test_verify_resumes_after_its_last_clean_run(self, checkpointed: int) -> None:
        """The next verify replays only the movements since, values included, and is clean."""
        await posting.post([ledger.receive(SKU, 5, unit_cost=Decimal(7))])
        await posting.post([ledger.order_commit(SKU, 4)])

        report = await verify(now=later())

        assert report.ok, report.mismatches
        assert (report.resumed_after, report.movements) == (checkpointed, 2)
        assert report.checkpointed is not None
        assert report.checkpointed > checkpointed
        assert await LedgerCheckpoint.all().count() == 1  # the older one is superseded

    async def test_nothing_posted_since_replays_nothing_and_keeps_the_checkpoint(
        self, checkpointed: int
    ) -> None:
        """A verify with no new movements checks the balances against the checkpoint alone."""
        report = await verify(now=later())

        assert report.ok
        assert (report.resumed_after, report.movements, report.checkpointed) == (
            checkpointed,
            0,
            None,
        )

    async def test_a_balance_corrupted_after_the_checkpoint_is_found(
        self, checkpointed: int
    ) -> None:
        """A balance changed behind the ledger's back after the checkpoint fails verify."""
        await posting.post([ledger.receive(SKU, 5)])
        await corrupt_balance()

        report = await verify(now=later())

        assert report.resumed_after == checkpointed
        assert not report.ok
        assert next((m.sku, m.location, m.bucket) for m in report.mismatches) == (
            SKU,
            "main",
            "available",
        )
        assert report.checkpointed is None  # an unclean run writes no checkpoint
        assert await LedgerCheckpoint.filter(last_movement__gt=checkpointed).count() == 0

    async def test_a_sku_total_corrupted_after_the_checkpoint_is_found(
        self, checkpointed: int
    ) -> None:
        """The SKU's kept totals are checked against the replay resumed from the checkpoint."""
        await connections.get("default").execute_script(
            f"UPDATE sku SET on_hand = on_hand + 2 WHERE code = '{SKU}'"
        )

        report = await verify(now=later())

        assert report.resumed_after == checkpointed
        assert [(m.location, m.bucket, m.stored, m.replayed) for m in report.mismatches] == [
            (TOTAL, "on_hand", 22, 20)
        ]

    async def test_a_movement_moved_before_the_checkpoint_needs_full(
        self, checkpointed: int
    ) -> None:
        """A movement below the checkpoint rewritten with its quantity kept escapes the
        checkpoint's sums (documented); `full=True` replays it and finds the difference."""
        await tamper(
            "UPDATE movement SET destination_location = 'main' "
            "WHERE source_location = 'main' AND destination_location = 'east'"
        )

        assert (await verify(now=later())).ok  # what the cheap check assumes: history unchanged
        report = await verify(full=True, now=later())

        assert report.resumed_after is None
        assert {(m.location, m.stored, m.replayed) for m in report.mismatches} >= {("east", 3, 0)}

    async def test_a_changed_quantity_below_the_checkpoint_forces_a_full_replay(
        self, checkpointed: int
    ) -> None:
        """A movement's quantity changed below the checkpoint breaks its sums: verify says so,
        replays every movement, and finds the balances no longer match."""
        await tamper("UPDATE movement SET quantity = quantity + 1 WHERE kind = 'damage'")

        report = await verify(now=later())

        assert report.stale_checkpoint == checkpointed
        assert report.resumed_after is None
        assert report.movements == 4
        assert not report.ok

    async def test_a_deleted_movement_below_the_checkpoint_forces_a_full_replay(
        self, checkpointed: int
    ) -> None:
        """A movement gone below the checkpoint (or one committed late under it) changes the
        count: the checkpoint is not trusted."""
        await tamper("DELETE FROM movement WHERE kind = 'damage'")

        report = await verify(now=later())

        assert report.stale_checkpoint == checkpointed
        assert report.movements == 3
        assert not report.ok


class TestSettling:
    async def test_a_movement_just_recorded_waits_for_the_next_checkpoint_on_postgresql(
        self, checkpointed: int
    ) -> None:
        """On PostgreSQL a lower id may still commit after the snapshot, so a checkpoint
        covers only movements recorded SETTLE ago; SQLite has one writer and covers all."""
        await posting.post([ledger.receive(SKU, 5)])

        report = await verify()  # the movement is seconds old

        assert report.ok
        postgres = connections.get("default").capabilities.dialect == "postgres"
        assert report.movements == 1
        assert (report.checkpointed is None) is postgres
        again = await verify(now=later())
        assert again.movements == (1 if postgres else 0)

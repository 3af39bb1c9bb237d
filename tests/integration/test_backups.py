"""Backups: a snapshot taken while postings stream in restores to a database that verifies
and holds exactly the ledger up to the snapshot; a restore refuses a database with data,
and a backup whose checksum does not match."""

from __future__ import annotations

import asyncio
import io
import tarfile
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import POSTGRES_ADMIN_URL, _admin, _with_database

from syncbot.app import backups, catalogue
from syncbot.app import stock as use_stock
from syncbot.app.actor import Actor
from syncbot.ledger import damage, receive
from syncbot.store import models
from syncbot.store.database import close_database, open_database
from syncbot.testing import eventually

ACTOR = Actor.cli("tester")
Balances = dict[tuple[str, str, str], int]
Stream = tuple[asyncio.Event, list[int], "asyncio.Task[None]"]


@pytest.fixture
def restore_url(database: str, tmp_path: Path) -> Iterator[str]:
    """A second, empty database of the same backend to restore into."""
    if database.startswith("sqlite://"):
        yield f"sqlite://{tmp_path / 'restored.db'}"
        return
    name = f"syncbot_restore_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    yield _with_database(POSTGRES_ADMIN_URL, name)
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _writer(stop: asyncio.Event, posted: list[int]) -> None:
    """Receipts and damages, one posting after another, until stopped."""
    number = 0
    while not stop.is_set():
        sku = f"SKU-{number % 5}"
        entry = (
            damage(sku, 1, "main", "test", forced=True)
            if number % 3 == 2
            else receive(sku, 2, "main" if number % 2 else "east", "test")
        )
        await use_stock.record(entry, ACTOR)
        posted.append(number)
        number += 1
        await asyncio.sleep(0)


async def _balances() -> Balances:
    rows = await models.Balance.all().values_list("sku_id", "location_id", "bucket", "quantity")
    return {
        (sku, location, bucket): quantity for sku, location, bucket, quantity in rows if quantity
    }


async def _replayed(ids: set[int]) -> Balances:
    """The balances the source ledger's movements `ids` add up to."""
    replayed: Balances = defaultdict(int)
    for row in await models.Movement.filter(id__in=sorted(ids)):
        replayed[(row.sku_id, row.source_location, row.source_bucket)] -= row.quantity
        replayed[(row.sku_id, row.destination_location, row.destination_bucket)] += row.quantity
    return {key: quantity for key, quantity in replayed.items() if quantity}


@pytest.fixture
async def streaming(database: str) -> AsyncIterator[Stream]:
    for number in range(5):
        await catalogue.add_sku(f"SKU-{number}")
    stop, posted = asyncio.Event(), []
    task = asyncio.create_task(_writer(stop, posted))
    await eventually(lambda: len(posted) >= 20, timeout=30, what="postings before the backup")
    yield stop, posted, task
    stop.set()
    await task


async def test_a_backup_taken_during_writes_restores_to_the_ledger_at_the_snapshot(
    database: str,
    restore_url: str,
    tmp_path: Path,
    streaming: Stream,
) -> None:
    """Verify passes on the restore, and its balances are the replay of exactly the
    movements the snapshot holds: no posting is half in it."""
    stop, posted, writer = streaming
    backup = tmp_path / "snapshot.backup"
    manifest = await backups.take(database, backup)
    assert manifest.migration.startswith("00")
    after_backup = len(posted)
    await eventually(lambda: len(posted) > after_backup + 5, timeout=30, what="later postings")
    stop.set()
    await writer  # its last posting committed: the source ledger is complete

    await close_database()
    await backups.restore(restore_url, backup)
    await open_database(restore_url)
    try:
        report = await use_stock.verify()
        assert report.ok, report
        restored_ids = set(await models.Movement.all().values_list("id", flat=True))
        restored = await _balances()
    finally:
        await close_database()
    await open_database(database)
    source_count = await models.Movement.all().count()
    assert 0 < len(restored_ids) < source_count
    assert restored == await _replayed(restored_ids)


async def test_restore_refuses_a_database_that_holds_data(database: str, tmp_path: Path) -> None:
    """Restoring over data would mix two ledgers: refused, nothing written."""
    await catalogue.add_sku("MUG-1")
    backup = tmp_path / "b.backup"
    await backups.take(database, backup)
    with pytest.raises(backups.NotEmpty, match="not empty"):
        await backups.restore(database, backup)


async def test_a_corrupted_backup_is_refused_by_its_checksum(
    database: str, restore_url: str, tmp_path: Path
) -> None:
    """One byte changed in a member: nothing is restored."""
    await catalogue.add_sku("MUG-1")
    backup = tmp_path / "b.backup"
    await backups.take(database, backup)
    corrupted = tmp_path / "corrupted.backup"
    with tarfile.open(backup) as original, tarfile.open(corrupted, "w") as copy:
        for info in original:
            stream = original.extractfile(info)
            assert stream is not None
            content = bytearray(stream.read())
            if info.name != "manifest.json":
                content[len(content) // 2] ^= 0xFF
            info.size = len(content)
            copy.addfile(info, io.BytesIO(bytes(content)))
    with pytest.raises(backups.BackupCorrupt, match="checksum"):
        await backups.restore(restore_url, corrupted)


async def test_scheduled_backups_keep_the_newest(database: str, tmp_path: Path) -> None:
    """SYNCBOT_BACKUP_KEEP=2: after four backups, the two newest are left."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for hour in range(4):
        await backups.take_scheduled(database, tmp_path / "b", 2, start + timedelta(hours=hour))
    names = sorted(path.name for path in (tmp_path / "b").iterdir())
    assert names == ["syncbot-20260101T020000Z.backup", "syncbot-20260101T030000Z.backup"]


def test_the_leader_takes_backups_only_with_a_backup_dir(tmp_path: Path) -> None:
    """SYNCBOT_BACKUP_DIR unset: no job; set: one job every SYNCBOT_BACKUP_SECONDS."""
    from syncbot import bootstrap
    from syncbot.config import Settings

    assert bootstrap.backup_job(Settings()) == []
    jobs = bootstrap.backup_job(Settings(backup_dir=tmp_path, backup_seconds=3600))
    assert [(job.name, job.seconds) for job in jobs] == [("backup", 3600)]

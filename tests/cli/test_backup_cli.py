"""`syncbot backup` and `syncbot restore`: a round trip that verifies, and the refusals of a
database with data and of a corrupted file, each writing nothing."""

from __future__ import annotations

import tarfile
from pathlib import Path

from .conftest import Cli, environment, quantities, stocked


def test_restore_refuses_a_database_that_holds_data(cli: Cli, tmp_path: Path) -> None:
    cli.ok("sku", "add", "MUG-1")
    cli.ok("receive", "MUG-1", "4")
    backup = tmp_path / "b.backup"
    assert "backup written to" in cli.ok("backup", str(backup)).output
    result = cli("restore", str(backup))
    assert result.exit_code == 1
    assert "the database is not empty" in result.output
    assert cli.movement_count() == 1


def test_a_backup_restores_into_a_new_sqlite_file_and_verifies(
    cli: Cli, tmp_path: Path, channels_file: Path
) -> None:
    """The restored file holds the stock, and restore ends with verify's ok."""
    if not cli.database_url.startswith("sqlite://"):
        return  # PostgreSQL's round trip: tests/integration/test_backups.py
    cli.ok("sku", "add", "MUG-1")
    cli.ok("receive", "MUG-1", "4", "--cost", "2.50")
    backup = tmp_path / "b.backup"
    cli.ok("backup", str(backup))
    restored_url = f"sqlite://{tmp_path / 'restored.db'}"
    restored = Cli(environment(restored_url, channels_file), restored_url)
    result = restored.ok("restore", str(backup))
    assert "verify: ok, 1 movements replayed" in result.output
    assert quantities(restored.ok("stock", "MUG-1").output, "main") == stocked(available=4)


def test_a_corrupted_backup_is_refused(cli: Cli, tmp_path: Path, channels_file: Path) -> None:
    cli.ok("sku", "add", "MUG-1")
    backup = tmp_path / "b.backup"
    cli.ok("backup", str(backup))
    with tarfile.open(backup) as archive:
        snapshot = archive.getmembers()[1]  # after the manifest
    content = bytearray(backup.read_bytes())
    content[snapshot.offset_data + snapshot.size // 2] ^= 0xFF
    backup.write_bytes(bytes(content))
    restored_url = f"sqlite://{tmp_path / 'restored.db'}"
    result = Cli(environment(restored_url, channels_file), restored_url)("restore", str(backup))
    assert result.exit_code == 1
    assert "is not a usable syncbot backup" in result.output
    assert not (tmp_path / "restored.db").exists()

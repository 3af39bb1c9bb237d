"""Backups: take a consistent snapshot while the service runs, restore one into an empty
database, and keep the newest few on a schedule.

A backup states the syncbot version that wrote it, the last migration its database held,
and a sha256 of every member (`store.backup_archive`). A restore checks all of them before
writing anything, refuses a database that holds data, and is followed by `verify`
(`restore_and_verify`). Errors: BackupError and its BackupCorrupt and NotEmpty (all
LedgerErrors, with messages that say what to do).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from syncbot.store import backup_archive, backups
from syncbot.store.backup_archive import (
    SQLITE_MEMBER,
    TABLES,
    BackupCorrupt,
    BackupError,
    Manifest,
)
from syncbot.store.backups import NotEmpty
from syncbot.store.database import migrate
from syncbot.store.preflight import package_migrations

__all__ = [
    "BackupCorrupt",
    "BackupError",
    "Manifest",
    "NotEmpty",
    "Rotation",
    "restore",
    "take",
    "take_scheduled",
]

log = logging.getLogger(__name__)
PREFIX = "syncbot-"
SUFFIX = ".backup"


def syncbot_version() -> str:
    try:
        return version("syncbot")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


async def take(database_url: str, target: Path) -> Manifest:
    """Writes a snapshot of the database to `target` (replacing it whole, never in part)."""
    backend = "sqlite" if backups.is_sqlite(database_url) else "postgres"
    moment = datetime.now(UTC).isoformat(timespec="seconds")
    with backups.scratch() as work:
        rows: dict[str, int] = {}
        if backend == "sqlite":
            files, migration = await asyncio.to_thread(
                backups.sqlite_snapshot, database_url, Path(work)
            )
        else:
            files, rows, migration = await backups.postgres_snapshot(database_url, Path(work))
        manifest = Manifest(syncbot_version(), migration, backend, moment)
        try:
            await asyncio.to_thread(backup_archive.write, target, manifest, files, rows)
        except OSError as error:
            raise BackupError(f"cannot write {target}: {error}") from error
    return manifest


async def restore(database_url: str, source: Path) -> Manifest:
    """Checks the backup whole, refuses a database that holds data, restores, and brings
    the schema up to this syncbot's migrations. Run `verify` after (`restore_and_verify`
    in the CLI)."""
    manifest = await asyncio.to_thread(backup_archive.read_manifest, source)
    known = package_migrations()
    if manifest.migration not in known:
        raise BackupError(
            f"the backup was written at migration {manifest.migration or '(none)'}, which this "
            f"syncbot {syncbot_version()} does not know: restore it with syncbot "
            f"{manifest.syncbot_version} or later"
        )
    if backups.is_sqlite(database_url):
        if manifest.backend != "sqlite":
            raise BackupError("this backup is of a PostgreSQL database: restore it into PostgreSQL")
        await asyncio.to_thread(backups.sqlite_empty_check, database_url)
        with backups.scratch() as work:
            unpacked = await asyncio.to_thread(backup_archive.unpack, source, Path(work))
            with unpacked[SQLITE_MEMBER].open("rb") as packed:
                await asyncio.to_thread(backups.sqlite_restore, database_url, packed)
        await migrate(database_url)  # a backup from an older syncbot gains the newer ones
        return manifest
    if manifest.backend != "postgres":
        raise BackupError("this backup is of a SQLite database: restore it into SQLite")
    if manifest.migration != known[-1]:
        raise BackupError(
            f"the backup was written at migration {manifest.migration}, and this syncbot is at "
            f"{known[-1]}: restore it with syncbot {manifest.syncbot_version}, then upgrade"
        )
    await migrate(database_url)
    await backups.postgres_empty_check(database_url)
    with backups.scratch() as work:
        unpacked = await asyncio.to_thread(backup_archive.unpack, source, Path(work))
        tables = {
            name.removeprefix(TABLES).removesuffix(".csv.gz"): path
            for name, path in unpacked.items()
        }
        await backups.postgres_restore(database_url, tables)
    return manifest


@dataclass(frozen=True, slots=True)
class Rotation:
    taken: Path
    removed: tuple[Path, ...]


async def take_scheduled(
    database_url: str, directory: Path, keep: int, now: datetime | None = None
) -> Rotation:
    """A backup named by the time into `directory`, then only the newest `keep` of the
    backups there are kept (files syncbot named; nothing else is touched)."""
    moment = now or datetime.now(UTC)
    await asyncio.to_thread(directory.mkdir, parents=True, exist_ok=True)
    target = directory / f"{PREFIX}{moment.strftime('%Y%m%dT%H%M%SZ')}{SUFFIX}"
    await take(database_url, target)
    removed = await asyncio.to_thread(_keep_newest, directory, keep)
    return Rotation(target, removed)


def _keep_newest(directory: Path, keep: int) -> tuple[Path, ...]:
    """Removes all but the newest `keep` backups syncbot named in `directory`; their names
    sort by time."""
    ours = sorted(
        path
        for path in directory.glob(f"{PREFIX}*{SUFFIX}")
        if path.is_file() and path.name[len(PREFIX) : -len(SUFFIX)].endswith("Z")
    )
    removed = tuple(ours[:-keep]) if keep > 0 else ()
    for path in removed:
        path.unlink(missing_ok=True)
    return removed

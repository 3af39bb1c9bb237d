"""Consistent snapshots of a running database, and their restore into an empty one.

SQLite: the online backup API copies the database in one step under one read transaction
(WAL lets writers go on meanwhile), so the copy is one moment of the ledger. PostgreSQL:
every table is COPYed out as CSV inside one REPEATABLE READ, read-only transaction, so
all tables show the same moment; restoring COPYs them back in foreign-key order in one
transaction and moves each id sequence past the highest id. `pg_dump` and point-in-time
recovery remain the tools for production (docs/backups.md).
"""

from __future__ import annotations

import asyncio
import csv
import gzip
import shutil
import sqlite3
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import IO, Any

from syncbot.store.backup_archive import SQLITE_MEMBER, TABLES, BackupError
from syncbot.store.database import asyncpg_dsn
from syncbot.store.preflight import sqlite_path

MIGRATIONS_TABLE = "tortoise_migrations"
# Rows a fresh database may hold before anything was recorded: declared locations.
SET_UP_TABLES = frozenset({MIGRATIONS_TABLE, "location", "sqlite_sequence"})
_CHUNK = 1 << 20


class NotEmpty(BackupError):
    def __init__(self, table: str) -> None:
        super().__init__(
            f"the database is not empty (table {table} has rows): restore into a new, empty "
            "database, then point SYNCBOT_DATABASE_URL at it"
        )
        self.table = table


def is_sqlite(database_url: str) -> bool:
    return database_url.startswith("sqlite://")


# --- SQLite --------------------------------------------------------------------------------


def sqlite_snapshot(database_url: str, work: Path) -> tuple[dict[str, Path], str]:
    """The snapshot, gzip'd into `work`, and the last migration it holds."""
    path = sqlite_path(database_url)
    if not path.is_file():
        raise BackupError(f"no database at {path}: nothing to back up")
    copy = work / "snapshot.sqlite3"
    source = sqlite3.connect(path, timeout=15)
    target = sqlite3.connect(copy)
    try:
        source.backup(target)  # every page in one step: one read snapshot of the file
        migration = _sqlite_migration(target)
    finally:
        target.close()
        source.close()
    packed = work / SQLITE_MEMBER
    with copy.open("rb") as raw, gzip.open(packed, "wb", compresslevel=6) as out:
        shutil.copyfileobj(raw, out, _CHUNK)
    copy.unlink()
    return {SQLITE_MEMBER: packed}, migration


def _sqlite_migration(connection: sqlite3.Connection) -> str:
    rows = connection.execute(f"SELECT name FROM {MIGRATIONS_TABLE}").fetchall()
    return max((str(row[0]) for row in rows), default="")


def sqlite_empty_check(database_url: str) -> None:
    """Raises NotEmpty unless the file is missing or holds no rows beyond its set-up."""
    path = sqlite_path(database_url)
    if not path.exists():
        return
    connection = sqlite3.connect(path, timeout=15)
    try:
        tables = [
            str(row[0])
            for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        for table in sorted(set(tables) - SET_UP_TABLES):
            if connection.execute(f'SELECT 1 FROM "{table}" LIMIT 1').fetchone():
                raise NotEmpty(table)
    finally:
        connection.close()


def sqlite_restore(database_url: str, packed: IO[bytes]) -> None:
    """Unpacks the snapshot beside the database file and renames it into place (check it is
    empty first: `sqlite_empty_check`)."""
    path = sqlite_path(database_url)
    partial = path.with_name(path.name + ".restoring")
    with gzip.open(packed, "rb") as raw, partial.open("wb") as out:
        shutil.copyfileobj(raw, out, _CHUNK)
    for suffix in ("-wal", "-shm"):  # an empty database's logs must not replay onto it
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    partial.replace(path)


# --- PostgreSQL ----------------------------------------------------------------------------


async def _connect(database_url: str) -> Any:
    import asyncpg

    return await asyncpg.connect(asyncpg_dsn(database_url))


_TABLES = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1"
_REFERENCES = """
SELECT child.relname AS child, parent.relname AS parent
FROM pg_constraint c
JOIN pg_class child ON child.oid = c.conrelid
JOIN pg_class parent ON parent.oid = c.confrelid
WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace
"""


async def postgres_snapshot(
    database_url: str, work: Path
) -> tuple[dict[str, Path], dict[str, int], str]:
    """Every table as gzip'd CSV in `work`, all from one snapshot; rows per member; the
    last migration."""
    connection = await _connect(database_url)
    files: dict[str, Path] = {}
    rows: dict[str, int] = {}
    try:
        async with connection.transaction(isolation="repeatable_read", readonly=True):
            tables = [str(row[0]) for row in await connection.fetch(_TABLES)]
            migration = await connection.fetchval(f"SELECT max(name) FROM {MIGRATIONS_TABLE}")
            for table in tables:
                member = f"{TABLES}{table}.csv.gz"
                path = work / f"{table}.csv.gz"
                with gzip.open(path, "wb", compresslevel=6) as out:

                    async def sink(chunk: bytes, out: gzip.GzipFile = out) -> None:
                        out.write(chunk)

                    status = await connection.copy_from_query(
                        f'SELECT * FROM "{table}"',
                        output=sink,
                        format="csv",
                        header=True,
                    )
                files[member] = path
                rows[member] = int(str(status).split()[-1])
    finally:
        await connection.close()
    return files, rows, str(migration or "")


async def postgres_empty_check(database_url: str) -> None:
    connection = await _connect(database_url)
    try:
        for row in await connection.fetch(_TABLES):
            table = str(row[0])
            if table in SET_UP_TABLES:
                continue
            if await connection.fetchval(f'SELECT EXISTS (SELECT 1 FROM "{table}")'):
                raise NotEmpty(table)
    finally:
        await connection.close()


async def postgres_restore(database_url: str, members: dict[str, Path]) -> None:
    """COPYs every table's CSV (`members`: table name → gzip'd file) into the migrated,
    empty database, in one transaction, parents before children."""
    connection = await _connect(database_url)
    try:
        present = {str(row[0]) for row in await connection.fetch(_TABLES)}
        unknown = sorted(set(members) - present)
        if unknown:
            raise BackupError(
                f"the backup holds table {unknown[0]}, which this database lacks: restore it "
                "with the syncbot version that wrote it"
            )
        references = [(str(r[0]), str(r[1])) for r in await connection.fetch(_REFERENCES)]
        async with connection.transaction():
            await connection.execute("DELETE FROM location")  # declared again, by the backup
            for table in _parents_first(sorted(members), references):
                if table == MIGRATIONS_TABLE:
                    continue  # the database's own, checked equal to the backup's
                path = members[table]
                columns = _header(path)
                await connection.copy_to_table(
                    table,
                    source=_gunzip(path),
                    columns=columns,
                    format="csv",
                    header=True,
                )
            await _advance_sequences(connection, sorted(members))
    finally:
        await connection.close()


def _header(path: Path) -> list[str]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as text:
        return next(csv.reader(text))


async def _gunzip(path: Path) -> AsyncIterator[bytes]:
    with gzip.open(path, "rb") as raw:
        while chunk := await asyncio.to_thread(raw.read, _CHUNK):
            yield chunk


def _parents_first(tables: list[str], references: list[tuple[str, str]]) -> list[str]:
    """Tables ordered so each comes after every table it references (self-references and
    tables outside the backup aside)."""
    parents: dict[str, set[str]] = {table: set() for table in tables}
    for child, parent in references:
        if child in parents and parent in parents and child != parent:
            parents[child].add(parent)
    ordered: list[str] = []
    placed: set[str] = set()
    while len(ordered) < len(tables):
        ready = [t for t in tables if t not in placed and parents[t] <= placed]
        if not ready:  # a cycle: keep the rest in name order and let the database judge
            ready = [t for t in tables if t not in placed]
        for table in ready:
            ordered.append(table)
            placed.add(table)
    return ordered


async def _advance_sequences(connection: Any, tables: list[str]) -> None:
    for table in tables:
        columns = await connection.fetch(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = $1",
            table,
        )
        for column in columns:
            name = str(column[0])
            sequence = await connection.fetchval(
                "SELECT pg_get_serial_sequence($1, $2)", f'"{table}"', name
            )
            if sequence:
                await connection.execute(
                    f'SELECT setval($1, COALESCE(MAX("{name}"), 1), MAX("{name}") IS NOT NULL) '
                    f'FROM "{table}"',
                    sequence,
                )


def scratch() -> tempfile.TemporaryDirectory[str]:
    """A private directory for a backup's members while they are written or read."""
    return tempfile.TemporaryDirectory(prefix="syncbot-backup-")

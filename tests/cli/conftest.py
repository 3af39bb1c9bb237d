"""The command line run in-process with typer's CliRunner, on a migrated database.

Each command calls asyncio.run itself, so the tests are plain functions, not coroutines.
Checks that must not trust the CLI (nothing written, a corrupted row) go straight to SQL.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from tortoise import connections
from typer.testing import CliRunner, Result

from syncbot.cli.main import app
from syncbot.store.database import close_database, open_database

CHANNELS_FILE = 'locations = ["main", "east"]\n'
QUANTITY_COLUMNS = ("on_hand", "available", "committed", "damaged", "incoming")
# Variables of the developer's shell that would change what the commands do or print.
ISOLATED: dict[str, str | None] = {
    "SYNCBOT_API_TOKEN": None,
    "SYNCBOT_LOG_LEVEL": None,
    "SYNCBOT_MAX_BODY_BYTES": None,
    "FORCE_COLOR": None,
    "TTY_COMPATIBLE": None,
}


@dataclass
class Cli:
    """`syncbot` with a fixed environment; `ok` also asserts that the command succeeded."""

    env: dict[str, str | None]
    database_url: str

    def __call__(self, *args: str) -> Result:
        return CliRunner().invoke(app, list(args), env=self.env, prog_name="syncbot")

    def ok(self, *args: str) -> Result:
        result = self(*args)
        assert result.exit_code == 0, result.output
        return result

    def sql(self, statement: str) -> list[dict[str, Any]]:
        """Runs one statement on the database directly, behind the ledger's back."""
        return run_sql(self.database_url, statement)

    def movement_count(self) -> int:
        return int(self.sql("SELECT COUNT(*) AS n FROM movement")[0]["n"])


def run_sql(database_url: str, statement: str) -> list[dict[str, Any]]:
    async def main() -> list[dict[str, Any]]:
        await open_database(database_url)
        try:
            rows: list[dict[str, Any]] = await connections.get("default").execute_query_dict(
                statement
            )
            return rows
        finally:
            await close_database()

    return asyncio.run(main())


def environment(database_url: str, config: Path) -> dict[str, str | None]:
    return {**ISOLATED, "SYNCBOT_DATABASE_URL": database_url, "SYNCBOT_CONFIG": str(config)}


@pytest.fixture
def channels_file(tmp_path: Path) -> Path:
    path = tmp_path / "syncbot.toml"
    path.write_text(CHANNELS_FILE, encoding="utf-8")
    return path


@pytest.fixture
def cli(database_url: str, channels_file: Path) -> Cli:
    """The CLI on an empty database (SQLite, then PostgreSQL), locations main and east."""
    return Cli(environment(database_url, channels_file), database_url)


def table_rows(output: str) -> list[list[str]]:
    """The body rows of every rich table in the output, as stripped cells."""
    return [
        [cell.strip() for cell in line.strip().strip("│").split("│")]
        for line in output.splitlines()
        if line.startswith("│")
    ]


def quantities(output: str, location: str) -> dict[str, int]:
    """The quantities a stock table shows on the row of one location (or "total")."""
    for cells in table_rows(output):
        if cells[0] == location:
            return dict(zip(QUANTITY_COLUMNS, map(int, cells[1:6]), strict=True))
    raise AssertionError(f"no row {location!r} in:\n{output}")


def stocked(**buckets: int) -> dict[str, int]:
    """Expected quantities: the named buckets, zero elsewhere, on_hand derived."""
    row = dict.fromkeys(QUANTITY_COLUMNS, 0) | buckets
    row["on_hand"] = row["available"] + row["committed"] + row["damaged"]
    return row

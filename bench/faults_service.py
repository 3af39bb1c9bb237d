"""The service under test for bench/faults.py: a real `syncbot serve` process on a scratch
database, started, killed with SIGKILL and restarted; and plain SQL reads of its database.

The bench reads the database with sqlite3 or asyncpg rather than through the ORM, so it
sees what is committed, whatever the process is doing, and tolerates both inbox schemas
(attempts / last_error / processed_at, with or without a `status` column).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import httpx
from faults_traffic import SECRET, SHOP

CHANNEL = "bench"
LOCATION = "70000001"
API_TOKEN = "faults-bench-api-token-000000000"  # for the bench only
SHOPIFY_TOKEN = "shpat_faults_bench_dummy"  # for the bench only
STARTUP_SECONDS = 60


def item(n: int) -> str:
    return f"gid://shopify/InventoryItem/{300_000 + n}"


def numeric(gid: str) -> str:
    """`gid://shopify/InventoryItem/300001` and `300001` are the same item."""
    return gid.rsplit("/", 1)[-1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def syncbot_command() -> str:
    beside = Path(sys.executable).with_name("syncbot")
    return str(beside) if beside.exists() else shutil.which("syncbot") or "syncbot"


def channels_file(fake_url: str) -> str:
    return (
        'locations = ["main"]\n\n[[channels]]\n'
        f'name = "{CHANNEL}"\nkind = "shopify"\nshop = "{SHOP}"\n'
        'access_token_env = "FAULTS_SHOPIFY_TOKEN"\nwebhook_secret_env = "FAULTS_SHOPIFY_SECRET"\n'
        f'api_base_url = "{fake_url}"\n\n[channels.locations]\n{LOCATION} = "main"\n'
    )


async def seed(database_url: str, skus: list[str], on_hand: int) -> None:
    """Migrates, adds the SKUs and receives `on_hand` of each, in this process."""
    from syncbot.ledger import receive
    from syncbot.store.catalogue import add_sku
    from syncbot.store.database import close_database, declare_locations, migrate, open_database
    from syncbot.store.posting import post

    await migrate(database_url)
    await open_database(database_url)
    try:
        await declare_locations(["main"])
        for sku in skus:
            await add_sku(sku)
        await post([receive(sku, on_hand) for sku in skus])
    finally:
        await close_database()


@asynccontextmanager
async def scratch_database(postgres_admin: str | None, directory: Path) -> AsyncIterator[str]:
    """A SQLite file in `directory`, or a PostgreSQL database created and dropped here."""
    if not postgres_admin:
        yield f"sqlite://{directory / 'faults.db'}"
        return
    name = f"syncbot_faults_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(postgres_admin.replace("postgres://", "postgresql://", 1))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield postgres_admin.rsplit("/", 1)[0] + f"/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@dataclass
class Service:
    """`syncbot serve` on a fixed port, so senders keep one URL across restarts."""

    directory: Path
    database_url: str
    fake_url: str
    extra_env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    def __post_init__(self) -> None:
        config = self.directory / "syncbot.toml"
        config.write_text(channels_file(self.fake_url), encoding="utf-8")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCBOT_")}
        self.env.update(
            SYNCBOT_DATABASE_URL=self.database_url,
            SYNCBOT_CONFIG=str(config),
            SYNCBOT_API_TOKEN=API_TOKEN,
            SYNCBOT_LOG_LEVEL="WARNING",
            FAULTS_SHOPIFY_TOKEN=SHOPIFY_TOKEN,
            FAULTS_SHOPIFY_SECRET=SECRET,
            **self.extra_env,
        )
        self.log = self.directory / "serve.log"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def webhook_url(self) -> str:
        return f"{self.base}/webhooks/{CHANNEL}"

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [syncbot_command(), *args], env=self.env, capture_output=True, text=True, check=False
        )

    def start(self) -> None:
        self.starts += 1
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                [syncbot_command(), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                env=self.env,
                cwd=self.directory,
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    async def ready(self, seconds: float = STARTUP_SECONDS) -> None:
        """Waits until /readyz answers 200; fails with the log when the process died."""
        deadline = asyncio.get_running_loop().time() + seconds
        async with httpx.AsyncClient(timeout=2) as client:
            while asyncio.get_running_loop().time() < deadline:
                assert self.process is not None
                if self.process.poll() is not None:
                    raise SystemExit(f"syncbot serve exited: {self._log_tail()}")
                try:
                    if (await client.get(f"{self.base}/readyz")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass  # not listening yet
                await asyncio.sleep(0.05)
        raise SystemExit(f"syncbot serve was not ready within {seconds:g} s: {self._log_tail()}")

    async def kill(self) -> None:
        """SIGKILL: no handler runs, nothing is flushed or closed."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await asyncio.to_thread(self.process.wait)

    async def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            await asyncio.to_thread(self.process.wait, 15)
        except subprocess.TimeoutExpired:
            await self.kill()

    def _log_tail(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-3000:]


class Database:
    """Read-only SQL against the service's database, SQLite or PostgreSQL."""

    def __init__(self, database_url: str) -> None:
        self.url = database_url
        parts = urlsplit(database_url)
        self.sqlite = parts.scheme == "sqlite"
        self.path = parts.netloc + parts.path

    async def rows(self, sql: str) -> list[dict[str, Any]]:
        if self.sqlite:
            return await asyncio.to_thread(self._sqlite_rows, sql)
        dsn = self.url.replace("postgres://", "postgresql://", 1)
        connection = await asyncpg.connect(dsn)
        try:
            return [dict(row) for row in await connection.fetch(sql)]
        finally:
            await connection.close()

    def _sqlite_rows(self, sql: str) -> list[dict[str, Any]]:
        connection = sqlite3.connect(self.path, timeout=30)
        try:
            connection.row_factory = sqlite3.Row
            return [dict(row) for row in connection.execute(sql).fetchall()]
        finally:
            connection.close()

    async def available(self) -> dict[str, int]:
        rows = await self.rows(
            "SELECT sku_id, SUM(quantity) AS quantity FROM balance "
            "WHERE bucket = 'available' GROUP BY sku_id"
        )
        return {row["sku_id"]: int(row["quantity"]) for row in rows}

    async def listings(self) -> dict[str, str]:
        """Inventory item (numeric id) by SKU, of the bench channel."""
        rows = await self.rows(
            f"SELECT sku, inventory_id FROM channel_listing WHERE channel = '{CHANNEL}'"
        )
        return {row["sku"]: numeric(str(row["inventory_id"])) for row in rows}

    async def order_movements(self) -> dict[tuple[str, str, str], int]:
        """Units posted by kind, per (order document, SKU, kind), for the bench channel."""
        rows = await self.rows(
            "SELECT document, sku_id, kind, SUM(quantity) AS quantity FROM movement "
            f"WHERE document LIKE '{CHANNEL}/orders/%' GROUP BY document, sku_id, kind"
        )
        return {
            (row["document"].rsplit("/", 1)[-1], row["sku_id"], row["kind"]): int(row["quantity"])
            for row in rows
        }

    async def planned_pushes(self) -> list[tuple[str, int | None, int]]:
        """(item, expected, quantity) of every push syncbot recorded for the channel."""
        rows = await self.rows(
            f"SELECT inventory_id, expected, quantity FROM listing_push WHERE channel = '{CHANNEL}'"
        )
        return [
            (
                numeric(str(row["inventory_id"])),
                None if row["expected"] is None else int(row["expected"]),
                int(row["quantity"]),
            )
            for row in rows
        ]


async def wait_for(
    check: Callable[[], Any], seconds: float, step: float = 0.1
) -> tuple[bool, float]:
    """Polls an async `check` until it is true; (whether it became true, seconds taken)."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    while True:
        if await check():
            return True, loop.time() - started
        if loop.time() - started > seconds:
            return False, loop.time() - started
        await asyncio.sleep(step)

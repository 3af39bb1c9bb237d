"""Postings per second through syncbot's posting path, against the bare driver doing the
same single-row update, measured in the same run so the machine's noise cancels in the ratio.

    python bench/ledger_post.py [--postings 2000] [--postgres postgres://postgres@127.0.0.1/postgres]

A posting is one receipt of one unit: the full path (idempotency key, row lock, two guarded
increments, the movement row and its outbox event, one transaction). The baseline is one
`UPDATE balance SET quantity = quantity + 1` per transaction through sqlite3 or asyncpg,
and on PostgreSQL also pgbench's TPC-B transaction (five statements) at the same
concurrency. A receipt at a cost moves value (the SKU row locked, its value and average
rewritten); an order commit (available → committed) moves none: the two lines side by side
show what costing adds to a posting.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import sqlite3
import subprocess
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path

import asyncpg

from syncbot import ledger
from syncbot.runtime import event_loop
from syncbot.store import posting
from syncbot.store.catalogue import add_sku
from syncbot.store.database import (
    close_database,
    connection_url,
    declare_locations,
    migrate,
    open_database,
)

CONCURRENCY = (1, 16)
BATCH = 50  # receipts per posting in the batched line: how intake can go past one-per-tx


async def _timed(total: int, concurrency: int, work: Callable[[int], Awaitable[None]]) -> float:
    """Runs `total` calls of work over `concurrency` workers; returns calls per second."""
    queue = iter(range(total))

    async def worker() -> None:
        for n in queue:
            await work(n)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return total / (time.perf_counter() - started)


async def syncbot_rate(
    url: str, total: int, concurrency: int, batch: int = 1, kind: str = "receive"
) -> float:
    """Postings per second; with batch > 1 each posting carries that many receipts.
    `kind`: "receive" (at a cost of 2.50, so value moves) or "commit" (no value moves)."""
    await open_database(url)
    try:
        await declare_locations(["main"])
        sku = f"BENCH-{uuid.uuid4().hex[:8]}"
        await add_sku(sku)
        await posting.post([ledger.receive(sku, 1)])  # creates the balance rows

        if kind == "commit":
            await posting.post([ledger.receive(sku, total * batch)])
        entry = (
            ledger.order_commit(sku, 1)
            if kind == "commit"
            else ledger.receive(sku, 1, unit_cost=Decimal("2.50"))
        )

        async def one(n: int) -> None:
            await posting.post([entry] * batch, idempotency_key=f"{sku}-{n}")

        return await _timed(total, concurrency, one)
    finally:
        await close_database()


def sqlite_baseline(path: Path, total: int) -> float:
    """The same increment through sqlite3, with the pragmas syncbot uses."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("CREATE TABLE IF NOT EXISTS bare (id INTEGER PRIMARY KEY, quantity INT)")
    connection.execute("INSERT OR IGNORE INTO bare VALUES (1, 0)")
    started = time.perf_counter()
    for _ in range(total):
        connection.execute("BEGIN")
        connection.execute("UPDATE bare SET quantity = quantity + 1 WHERE id = 1")
        connection.execute("COMMIT")
    rate = total / (time.perf_counter() - started)
    connection.close()
    return rate


async def aiosqlite_baseline(path: Path, total: int) -> float:
    """The same increment through aiosqlite, the async driver Tortoise uses for SQLite."""
    import aiosqlite

    async with aiosqlite.connect(path, isolation_level=None) as connection:
        await connection.execute("PRAGMA journal_mode=WAL")
        await connection.execute("PRAGMA synchronous=NORMAL")
        await connection.execute("CREATE TABLE IF NOT EXISTS bare (id INTEGER PRIMARY KEY, q INT)")
        await connection.execute("INSERT OR IGNORE INTO bare VALUES (1, 0)")

        async def one(_: int) -> None:
            await connection.execute("BEGIN")
            await connection.execute("UPDATE bare SET q = q + 1 WHERE id = 1")
            await connection.execute("COMMIT")

        return await _timed(total, 1, one)


async def postgres_baseline(url: str, total: int, concurrency: int) -> float:
    """The same increment through an asyncpg pool of the size syncbot uses."""
    pool = await asyncpg.create_pool(
        url.replace("postgres://", "postgresql://", 1), min_size=1, max_size=5
    )
    try:
        await pool.execute("CREATE TABLE IF NOT EXISTS bare (id INT PRIMARY KEY, quantity INT)")
        await pool.execute("INSERT INTO bare VALUES (1, 0) ON CONFLICT DO NOTHING")

        async def one(_: int) -> None:
            async with pool.acquire() as connection, connection.transaction():
                await connection.execute("UPDATE bare SET quantity = quantity + 1 WHERE id = 1")

        return await _timed(total, concurrency, one)
    finally:
        await pool.close()


def pgbench_tps(url: str, concurrency: int, seconds: int = 10) -> float | None:
    """pgbench's TPC-B-like transaction per second on a scale-1 set in `url`'s database."""
    if shutil.which("pgbench") is None:
        return None
    database = url.rsplit("/", 1)[1]
    common = ["-h", "127.0.0.1", "-U", "postgres", database]
    subprocess.run(["pgbench", "-i", "-q", "-s", "1", *common], check=True, capture_output=True)
    run = subprocess.run(
        ["pgbench", "-n", "-c", str(concurrency), "-j", str(min(concurrency, 4)),
         "-T", str(seconds), *common],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    found = re.search(r"tps = ([0-9.]+)", run.stdout)
    return float(found.group(1)) if found else None


def report(
    backend: str,
    concurrency: int,
    ours: float,
    bare: float,
    bare_label: str,
    unit: str = "postings",
) -> None:
    print(
        f"{backend:<10} c={concurrency:<3} syncbot {ours:>8.0f} {unit}/s   "
        f"{bare_label} {bare:>8.0f}/s   ratio {ours / bare:.2f}",
        flush=True,
    )


async def bench_sqlite(total: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite://{Path(directory) / 'bench.db'}"
        await migrate(url)
        print(f"sqlite: {connection_url(url)}", flush=True)
        bare = sqlite_baseline(Path(directory) / "bare.db", total)
        bare_async = await aiosqlite_baseline(Path(directory) / "bare_async.db", total)
        for concurrency in CONCURRENCY:
            ours = await syncbot_rate(url, total, concurrency)
            # SQLite has one writer: the bare baseline at concurrency 1 is the ceiling for both.
            report("sqlite", concurrency, ours, bare, "sqlite3 c=1  ")
            report("sqlite", concurrency, ours, bare_async, "aiosqlite c=1")
            commits = await syncbot_rate(url, total, concurrency, kind="commit")
            report("sqlite", concurrency, commits, bare_async, "aiosqlite c=1", "commits")
        batched = await syncbot_rate(url, total // BATCH, 1, batch=BATCH) * BATCH
        report("sqlite", 1, batched, bare, "sqlite3 c=1  ", f"movements in postings of {BATCH}")


async def bench_postgres(admin_url: str, total: int) -> None:
    name = f"syncbot_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(admin_url.replace("postgres://", "postgresql://", 1))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        url = admin_url.rsplit("/", 1)[0] + f"/{name}"
        await migrate(url)
        print(f"postgres: {name} (pool 5)", flush=True)
        for concurrency in CONCURRENCY:
            bare = await postgres_baseline(url, total, concurrency)
            ours = await syncbot_rate(url, total, concurrency)
            report("postgres", concurrency, ours, bare, f"asyncpg c={concurrency:<2}")
            tpcb = pgbench_tps(url, concurrency)
            if tpcb is not None:
                report("postgres", concurrency, ours, tpcb, f"pgbench TPC-B c={concurrency:<2}")
            commits = await syncbot_rate(url, total, concurrency, kind="commit")
            report(
                "postgres", concurrency, commits, bare, f"asyncpg c={concurrency:<2}",
                "commits (no value)",
            )  # fmt: skip
        bare = await postgres_baseline(url, total, 1)
        batched = await syncbot_rate(url, total // BATCH, 1, batch=BATCH) * BATCH
        report("postgres", 1, batched, bare, "asyncpg c=1 ", f"movements in postings of {BATCH}")
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postings", type=int, default=2000, help="postings per measurement")
    parser.add_argument(
        "--postgres",
        default="postgres://postgres@127.0.0.1:5432/postgres",
        help="an admin URL; a scratch database is created and dropped (empty string: skip)",
    )
    arguments = parser.parse_args()
    # On the loop syncbot's processes run on (uvloop), so the figures are theirs.
    event_loop.run(bench_sqlite(arguments.postings))
    if arguments.postgres:
        event_loop.run(bench_postgres(arguments.postgres, arguments.postings))


if __name__ == "__main__":
    main()

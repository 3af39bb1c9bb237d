"""Intake alone on a stored backlog: deliveries per second and statements per delivery, one
delivery per transaction against batches, in the same run on scratch PostgreSQL.

    python bench/intake_batch.py [--deliveries 300] [--batches 1,50]
                                 [--postgres postgres://postgres@127.0.0.1:5432/postgres]

Each measurement stores `--deliveries` one-line orders (over 50 SKUs) in the inbox, then
times `IntakeProcessor.process_pending` until none is left, counting the statements
Tortoise sends (BEGIN, COMMIT and savepoints, which asyncpg sends itself, are not among
them), the process's CPU time, the WAL PostgreSQL wrote and the outbox rows per delivery.
The WAL is the server's, whatever wrote it: run it on an otherwise idle server. Unlike
the times, it does not move with the machine's load, so it compares two builds exactly.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import resource
import time
import uuid

import asyncpg
from scratch import scratch_database

from connectors.base import Delivery
from connectors.fake import FakeConnector
from syncbot import ledger
from syncbot.intake.processor import IntakeProcessor
from syncbot.store import inbox_writer, models
from syncbot.store.catalogue import add_sku
from syncbot.store.posting import post

SKUS = [f"INTAKE-{n}" for n in range(50)]


class Statements(logging.Handler):
    """Counts the statements Tortoise logs at DEBUG."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def wal_position(connection: asyncpg.Connection) -> int:
    return int(await connection.fetchval("SELECT pg_current_wal_insert_lsn() - '0/0'"))


async def measure(batch: int, total: int, dsn: str) -> None:
    tag = uuid.uuid4().hex[:6]
    for n in range(total):
        order = {
            "order_id": f"{tag}-{n}",
            "updated_at": "2026-11-01T12:00:00+00:00",
            "lines": [{"line_id": "L1", "sku": SKUS[n % len(SKUS)], "quantity": 1}],
        }
        await inbox_writer.store(
            "shop", Delivery(f"{tag}-{n}", "order"), json.dumps(order).encode()
        )
    processor = IntakeProcessor({"shop": FakeConnector("shop", secret="bench")}, batch=batch)
    statements = Statements()
    logger = logging.getLogger("tortoise.db_client")
    logger.setLevel(logging.DEBUG)
    logger.addHandler(statements)
    server = await asyncpg.connect(dsn)
    events = await models.OutboxEvent.all().count()
    wal = await wal_position(server)
    began, cpu = time.perf_counter(), cpu_seconds()
    done = 0
    while tried := await processor.process_pending():
        done += tried
    elapsed, cpu = time.perf_counter() - began, cpu_seconds() - cpu
    wal = await wal_position(server) - wal
    await server.close()
    events = await models.OutboxEvent.all().count() - events
    logger.removeHandler(statements)
    logger.setLevel(logging.WARNING)
    # A rate is only worth printing for orders that were posted: check every one was.
    applied = await models.InboxDelivery.filter(event_id__startswith=tag, status="applied").count()
    committed = await models.Movement.filter(document__startswith=f"shop/orders/{tag}-").count()
    if applied != total or committed != total:
        raise SystemExit(f"batch {batch}: {applied} applied, {committed} posted of {total}")
    print(
        f"batch {batch:>4}: {done / elapsed:6.0f} deliveries/s   "
        f"{statements.count / done:5.2f} statements, {cpu / done * 1000:5.3f} ms of CPU, "
        f"{wal / done:5.0f} bytes of WAL and {events / done:4.2f} outbox rows per delivery",
        flush=True,
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=300)
    parser.add_argument("--batches", default="1,50", help="comma-separated batch sizes")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/postgres")
    arguments = parser.parse_args()
    name = f"intake_bench_{uuid.uuid4().hex[:8]}"
    dsn = arguments.postgres.replace("postgres://", "postgresql://", 1)
    admin = await asyncpg.connect(dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        url = arguments.postgres.rsplit("/", 1)[0] + f"/{name}"
        async with scratch_database(url, ["main"]):
            scratch_dsn = url.replace("postgres://", "postgresql://", 1)
            for sku in SKUS:
                await add_sku(sku)
            await post([ledger.receive(sku, 1_000_000) for sku in SKUS])
            for batch in (int(size) for size in arguments.batches.split(",")):
                await measure(batch, arguments.deliveries, scratch_dsn)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())

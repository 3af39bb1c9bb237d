"""Three processes share one PostgreSQL inbox: each delivery is worked once, by one of them.

Real OS processes (inbox_worker.py), started together on a few hundred stored deliveries.
Every delivery must end applied after exactly one try (a process that burned another's
try would leave attempts == 2), and the ledger must hold each order's commit once.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from connectors.base import Delivery
from syncbot import ledger
from syncbot.store import inbox_writer, models, posting
from syncbot.store.catalogue import add_sku
from syncbot.store.database import close_database, declare_locations, open_database
from syncbot.store.stock import stock
from syncbot.store.verify import verify
from syncbot.testing import wait_until

DELIVERIES = 300
PROCESSES = 3
WORKER = Path(__file__).with_name("inbox_worker.py")
SECONDS = 120


def fake_order(number: int) -> bytes:
    return json.dumps(
        {
            "order_id": f"order-{number}",
            "updated_at": "2026-11-01T12:00:00+00:00",
            "lines": [{"line_id": "L1", "sku": "MUG", "quantity": 1}],
        }
    ).encode()


async def _store_deliveries(database_url: str) -> None:
    await open_database(database_url)
    try:
        await declare_locations(["main"])
        await add_sku("MUG")
        await posting.post([ledger.receive("MUG", DELIVERIES)])
        for number in range(DELIVERIES):
            await inbox_writer.store("shop", Delivery(f"e{number}", "order"), fake_order(number))
    finally:
        await close_database()


async def _outcome(database_url: str) -> tuple[dict[tuple[str, int], int], int, int, bool]:
    await open_database(database_url)
    try:
        rows = await models.InboxDelivery.all().values_list("status", "attempts")
        counts: dict[tuple[str, int], int] = {}
        for status, attempts in rows:
            counts[status, attempts] = counts.get((status, attempts), 0) + 1
        commits = await models.Movement.filter(kind="order_commit").count()
        committed = (await stock("MUG")).total.committed
        return counts, commits, committed, (await verify()).ok
    finally:
        await close_database()


def _wait_for(condition: Callable[[], bool], what: str) -> None:
    wait_until(condition, SECONDS, what)


def test_three_processes_work_each_delivery_exactly_once(database_url: str, tmp_path: Path) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite runs one writer process; claims across processes need PostgreSQL")
    asyncio.run(_store_deliveries(database_url))
    go = tmp_path / "go"
    ready = [tmp_path / f"ready-{n}" for n in range(PROCESSES)]
    workers = [
        subprocess.Popen(
            [sys.executable, str(WORKER), database_url, str(flag), str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for flag in ready
    ]
    try:
        _wait_for(lambda: all(flag.exists() for flag in ready), "the workers to open the database")
        go.touch()
        outputs = [worker.communicate(timeout=SECONDS) for worker in workers]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    for worker, (_, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err
    tried = [int(out.strip()) for out, _ in outputs]

    counts, commits, committed, balanced = asyncio.run(_outcome(database_url))
    assert counts == {("applied", 1): DELIVERIES}
    assert sum(tried) == DELIVERIES
    assert sum(1 for count in tried if count > 0) >= 2, tried  # they really shared the work
    assert (commits, committed) == (DELIVERIES, DELIVERIES)
    assert balanced

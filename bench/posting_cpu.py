"""Where a single posting's time goes, against pgbench's TPC-B transaction at one client:
per transaction, the round trips, the client's CPU, the database server's CPU and the
wall time.

    python bench/posting_cpu.py [--postings 3000] [--seconds 10] [--rounds 3]
                                [--postgres postgres://postgres@127.0.0.1/postgres]

A posting is an order commit of one unit with its idempotency key, as `flash_sale.py`'s
single-posting figure (`ledger_post.syncbot_rate`). The server's CPU is the user and
system time of every `postgres` process (/proc, ended backends through the postmaster's
count of its children) across the measurement, so it includes
the WAL writer's and the checkpointer's share, for both sides alike; the client's is this
process's for syncbot and pgbench's own (its rusage as a child). Round trips are the calls
asyncpg sends (a cached prepared statement is one; BEGIN and COMMIT are one each). The
rounds alternate the two, so the machine's drift falls on both.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import time
import uuid
from collections.abc import Callable
from typing import Any

import asyncpg
from flash_sale import scratch
from process_cpu import server_cpu

from syncbot import ledger
from syncbot.runtime import event_loop
from syncbot.store import posting
from syncbot.store.catalogue import add_sku
from syncbot.store.database import close_database, declare_locations, migrate, open_database


class Figures:
    def __init__(self, count: int, wall: float, client: float, server: float, trips: float):
        self.rate = count / wall
        self.client_ms = client / count * 1000
        self.server_ms = server / count * 1000
        self.trips = trips

    def line(self, what: str) -> str:
        return (
            f"{what:<26} {self.rate:7.0f}/s  client {self.client_ms:.3f} ms  "
            f"server {self.server_ms:.3f} ms  round trips {self.trips:.1f}"
        )


def count_round_trips() -> Callable[[], int]:
    """Counts the calls asyncpg's connections send from now on."""
    sent = [0]
    for name in ("execute", "executemany", "fetch", "fetchrow", "fetchval"):
        original = getattr(asyncpg.Connection, name)

        def counted(self: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            sent[0] += 1
            return _original(self, *args, **kwargs)

        setattr(asyncpg.Connection, name, counted)
    return lambda: sent[0]


async def syncbot_postings(url: str, total: int, sent: Callable[[], int]) -> Figures:
    await open_database(url)
    try:
        await declare_locations(["main"])
        sku = f"CPU-{uuid.uuid4().hex[:8]}"
        await add_sku(sku)
        await posting.post([ledger.receive(sku, total + 10)])
        entry = ledger.order_commit(sku, 1)
        for n in range(10):  # statements prepared, pool warm
            await posting.post([entry], idempotency_key=f"{sku}-warm-{n}")
        trips, server, client = sent(), server_cpu(), time.process_time()
        started = time.perf_counter()
        for n in range(total):
            await posting.post([entry], idempotency_key=f"{sku}-{n}")
        wall = time.perf_counter() - started
        return Figures(
            total,
            wall,
            time.process_time() - client,
            server_cpu() - server,
            (sent() - trips) / total,
        )
    finally:
        await close_database()


def target(url: str, name: str) -> list[str]:
    """pgbench's connection options for database `name` on `url`'s server."""
    host = url.split("@", 1)[1].split("/", 1)[0]
    hostname, _, port = host.partition(":")
    return ["-h", hostname, "-p", port or "5432", "-U", "postgres", name]


def pgbench(url: str, name: str, seconds: int) -> Figures:
    common = target(url, name)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    server = server_cpu()
    run = subprocess.run(
        ["pgbench", "-n", "-c", "1", "-j", "1", "-T", str(seconds), *common],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    server = server_cpu() - server
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    client = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    count = next(
        int(line.split(":")[1])
        for line in run.stdout.splitlines()
        if line.startswith("number of transactions actually processed")
    )
    tps = next(float(line.split()[2]) for line in run.stdout.splitlines() if line.startswith("tps"))
    # BEGIN, 3 UPDATEs, SELECT, INSERT, END: pgbench's simple protocol sends each alone.
    return Figures(count, count / tps, client, server, 7)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postings", type=int, default=3000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/postgres")
    arguments = parser.parse_args()
    sent = count_round_trips()
    async with scratch(arguments.postgres) as (url, name):
        subprocess.run(  # noqa: ASYNC221 - the baseline runs alone, nothing else waits
            ["pgbench", "-i", "-q", "-s", "1", *target(url, name)],
            check=True, capture_output=True,
        )  # fmt: skip
        await migrate(url)
        for round_ in range(1, arguments.rounds + 1):
            ours = await syncbot_postings(url, arguments.postings, sent)
            theirs = pgbench(url, name, arguments.seconds)
            print(theirs.line(f"round {round_}: pgbench TPC-B"), flush=True)
            print(ours.line(f"round {round_}: syncbot posting"), flush=True)
            print(
                f"round {round_}: ratio {ours.rate / theirs.rate:.2f}; CPU per transaction "
                f"{ours.client_ms + ours.server_ms:.2f} ms against "
                f"{theirs.client_ms + theirs.server_ms:.2f} ms",
                flush=True,
            )


if __name__ == "__main__":
    event_loop.run(main())  # the loop syncbot's processes run on

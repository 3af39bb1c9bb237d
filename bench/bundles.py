"""Time of computing bundles' availability on a large catalogue.

    python bench/bundles.py [--skus 100000] [--bundles 10000] [--postgres URL]

It seeds a scratch database (SQLite by default; PostgreSQL with --postgres, a database
it may empty) with SKUs holding available and incoming units at two locations, and bundles
of 2 to 5 of them (a bundle is one of the SKUs, with no stock), in bulk with plain SQL. Then
it times the availability of every bundle at once (as `GET /api/bundles` reads it), of the
same bundles named one by one in a list, and of one bundle (as `syncbot stock BUNDLE`),
and prints the seconds and the number of queries each took: the count does not grow with
the number of bundles.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from scratch import insert, scratch_database
from tortoise import connections

from syncbot.app import bundles


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


async def seed(skus: int, kits: int) -> list[str]:
    """SKU-000000 … hold stock; the last `kits` codes are bundles. Answers the bundles."""
    rng = random.Random(17)
    now = datetime.now(UTC)
    codes = [f"SKU-{n:06d}" for n in range(skus)]
    plain, bundle_codes = codes[: skus - kits], codes[skus - kits :]
    say(f"seeding {skus:,} SKUs, {kits:,} of them bundles")
    await insert("sku", ("code", "name", "created_at"), [(c, f"Product {c}", now) for c in codes])
    balances: list[tuple[object, ...]] = []
    for code in plain:
        for location in ("main", "east"):
            balances.append((code, location, "available", rng.randint(-2, 60)))
            if rng.random() < 0.2:
                balances.append((code, location, "incoming", rng.randint(1, 40)))
    await insert("balance", ("sku_id", "location_id", "bucket", "quantity"), balances)
    await insert(
        "bundle",
        ("id", "sku_id", "version", "changed_at", "changed_by", "created_at"),
        [(n + 1, code, 1, now, "bench", now) for n, code in enumerate(bundle_codes)],
    )
    parts: list[tuple[object, ...]] = []
    for n in range(kits):
        for component in rng.sample(plain, rng.randint(2, 5)):
            parts.append((n + 1, component, rng.randint(1, 4)))
    await insert("bundle_component", ("bundle_id", "component_id", "quantity"), parts)
    say(f"{len(parts):,} components, {len(balances):,} balance rows")
    return bundle_codes


async def timed(
    name: str, work: Callable[[], Awaitable[dict[str, Any] | object]]
) -> tuple[str, float, int]:
    """Seconds and the number of queries sent."""
    client = connections.get("default")
    sent = 0
    original = client.execute_query

    async def counting(query: str, values: list[Any] | None = None) -> Any:
        nonlocal sent
        sent += 1
        return await original(query, values)

    client.execute_query = counting  # type: ignore[method-assign]
    try:
        started = time.perf_counter()
        await work()
        return name, time.perf_counter() - started, sent
    finally:
        client.execute_query = original  # type: ignore[method-assign]


async def main(skus: int, kits: int, postgres: str | None) -> None:
    async with scratch_database(postgres, ["main", "east"]):
        codes = await seed(skus, kits)
        found = await bundles.availability()
        assert len(found) == kits, len(found)
        figures = [
            await timed(f"every bundle ({kits:,})", bundles.availability),
            await timed(f"{kits:,} bundles named", lambda: bundles.availability(codes)),
            await timed("one bundle", lambda: bundles.stock_of(codes[0])),
        ]
    backend = "PostgreSQL" if postgres else "SQLite"
    print(f"{backend}, {skus:,} SKUs, {kits:,} bundles")
    for name, seconds, queries in figures:
        print(f"  {name:<28} {seconds * 1000:8.0f} ms  {queries} queries")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skus", type=int, default=100_000)
    parser.add_argument("--bundles", type=int, default=10_000)
    parser.add_argument("--postgres", help="a scratch PostgreSQL database: it is emptied")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.skus, arguments.bundles, arguments.postgres))

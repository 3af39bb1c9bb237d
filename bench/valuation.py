"""Time of each valuation report on a large ledger.

    python bench/valuation.py [--skus 20000] [--movements 200000] [--postgres URL]

It seeds a scratch database (SQLite by default; PostgreSQL with --postgres, a database
it may empty) with the SKUs, their balances at two locations, and movements with values
over 60 days, in bulk with plain SQL (the values need not replay: only the reads are
timed). Then it runs each report's use case as the CLI and the API do: a first page with
its totals, and every line streamed (the CSV), and prints the seconds each took.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from scratch import insert, scratch_database

from syncbot.app import report_dates
from syncbot.app import valuation as reports

KINDS = [
    # kind, source bucket, destination bucket, sign of its value, weight
    ("receive", "supplier", "available", 1, 2),
    ("order_commit", "available", "committed", 0, 5),
    ("order_fulfil", "committed", "customer", -1, 4),
    ("damage", "available", "damaged", 0, 1),
    ("write_off", "damaged", "scrap", -1, 1),
]


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


_MOVEMENT = (
    "posting",
    "kind",
    "sku_id",
    "quantity",
    "source_location",
    "source_bucket",
    "destination_location",
    "destination_bucket",
    "reason",
    "forced",
    "actor",
    "document",
    "value",
    "cost_variance",
    "occurred_at",
    "recorded_at",
)


async def seed(skus: int, movements: int) -> None:
    rng = random.Random(7)
    now = datetime.now(UTC)
    codes = [f"SKU-{n:06d}" for n in range(skus)]
    balances: dict[tuple[str, str, str], int] = defaultdict(int)
    values: dict[str, int] = defaultdict(int)
    rows: list[tuple[object, ...]] = []
    say(f"seeding {movements:,} movements of {skus:,} SKUs")
    for _ in range(movements):
        kind, source, destination, sign, _ = rng.choices(KINDS, [k[4] for k in KINDS])[0]
        code, location = codes[rng.randrange(skus)], rng.choice(("main", "east"))
        quantity = rng.randint(1, 5)
        value = sign * quantity * rng.randint(1_000_000, 9_000_000)
        balances[(code, location, source)] -= quantity
        balances[(code, location, destination)] += quantity
        values[code] += value
        occurred = now - timedelta(seconds=rng.randrange(60 * 86_400))
        rows.append(
            (
                str(uuid.uuid4()),
                kind,
                code,
                quantity,
                location,
                source,
                location,
                destination,
                "",
                False,
                "bench",
                "",
                value,
                0,
                occurred,
                occurred,
            )
        )
    on_hand: dict[str, int] = defaultdict(int)
    for (code, _, bucket), units in balances.items():
        if bucket in ("available", "committed", "damaged"):
            on_hand[code] += units
    await insert(
        "sku",
        ("code", "name", "created_at", "on_hand", "stock_value", "average_cost"),
        [(c, f"Product {c}", now, on_hand[c], values[c], "4.500000") for c in codes],
    )
    await insert("movement", _MOVEMENT, rows)
    await insert(
        "balance",
        ("sku_id", "location_id", "bucket", "quantity"),
        [
            (code, location, bucket, units)
            for (code, location, bucket), units in balances.items()
            if bucket in ("available", "committed", "damaged")
        ],
    )


async def drain(chunks: Any) -> int:
    size = 0
    async for chunk in chunks:
        size += len(chunk)
    return size


async def timed(name: str, work: Callable[[], Awaitable[object]]) -> tuple[str, float]:
    started = time.perf_counter()
    await work()
    return name, time.perf_counter() - started


async def measure() -> list[tuple[str, float]]:
    at = datetime.now(UTC) - timedelta(days=30)
    period = report_dates.Period(at - timedelta(days=30), at)
    cases: list[tuple[str, Callable[[], Awaitable[object]]]] = [
        ("valuation now: page + totals", lambda: reports.valuation(None, None)),
        ("valuation now: CSV, every SKU", lambda: drain(reports.valuation_csv(None, None, "USD"))),
        ("valuation --location: page + totals", lambda: reports.valuation("east", None)),
        ("valuation --at: page + totals", lambda: reports.valuation(None, at)),
        ("valuation --at: CSV, every SKU", lambda: drain(reports.valuation_csv(None, at, "USD"))),
        ("valuation --at --location: page + totals", lambda: reports.valuation("east", at)),
        ("cost of goods, 30 days: page + totals", lambda: reports.cost_of_goods(period)),
        ("cost of goods, 30 days: CSV", lambda: drain(reports.cost_csv(period, "USD"))),
    ]
    return [await timed(name, work) for name, work in cases]


async def main(skus: int, movements: int, postgres: str | None) -> None:
    async with scratch_database(postgres, ["main", "east"]):
        await seed(skus, movements)
        figures = await measure()
    backend = "PostgreSQL" if postgres else "SQLite"
    print(f"{backend}, {skus:,} SKUs, {movements:,} movements")
    for name, seconds in figures:
        print(f"  {name:<44} {seconds * 1000:8.0f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skus", type=int, default=20_000)
    parser.add_argument("--movements", type=int, default=200_000)
    parser.add_argument("--postgres", help="a scratch PostgreSQL database: it is emptied")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.skus, arguments.movements, arguments.postgres))

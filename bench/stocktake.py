"""A stock-take of a whole warehouse: start, counts, review and post, timed.

    python bench/stocktake.py [--skus 10000] [--counts 2000] [--postgres URL]

It seeds a scratch database (SQLite by default; PostgreSQL with --postgres, a database it
may empty) with SKUs and their balances in bulk, then runs the stock-take use cases as the
CLI, the API and the scan page call them: `start` over every SKU (the snapshot), `counts`
single counts (each its own transaction, as a scan is; a tenth of them scans that add 1,
sales posted between them), `review` of every line, and `post` of every variance in one
posting. It prints the seconds of each and the counts per second, then checks `verify`.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from datetime import UTC, datetime

from scratch import insert, scratch_database

from syncbot import ledger
from syncbot.app import stocktakes
from syncbot.app.actor import Actor
from syncbot.store import posting
from syncbot.store.posting import Provenance
from syncbot.store.verify import verify


async def seed(skus: int, rng: random.Random) -> list[str]:
    """SKUs with 10 to 60 available at main and their receipts, so verify replays them."""
    now = datetime.now(UTC)
    codes = [f"SKU-{n:06d}" for n in range(skus)]
    stock = {code: rng.randint(10, 60) for code in codes}
    await insert(
        "sku",
        ("code", "name", "created_at", "available", "on_hand", "average_cost"),
        [(code, code, now, units, units, "0") for code, units in stock.items()],
    )
    await insert(
        "balance",
        ("sku_id", "location_id", "bucket", "quantity"),
        [(code, "main", "available", units) for code, units in stock.items()]
        + [(code, "main", "supplier", -units) for code, units in stock.items()],
    )
    await insert(
        "movement",
        (
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
        ),
        [
            (
                f"00000000-0000-0000-0000-{n:012d}",
                "receive",
                code,
                units,
                "main",
                "supplier",
                "main",
                "available",
                "",
                False,
                "bench",
                "",
                0,
                0,
                now,
                now,
            )
            for n, (code, units) in enumerate(stock.items())
        ],
    )
    return codes


async def run(skus: int, counts: int, url: str) -> list[tuple[str, float, str]]:
    rng = random.Random(5)
    codes = await seed(skus, rng)
    clerk, manager = Actor.cli("clerk"), Actor.cli("manager")
    figures: list[tuple[str, float, str]] = []

    started = time.perf_counter()
    await stocktakes.start(manager, name="all", limits=stocktakes.thresholds(units=1_000_000))
    figures.append(
        ("start: snapshot of every SKU", time.perf_counter() - started, f"{skus:,} lines")
    )

    counted = rng.sample(codes, min(counts, skus))
    started = time.perf_counter()
    for n, code in enumerate(counted):
        if n % 10 == 0:  # a sale ships while the aisle is counted
            await posting.post(
                [ledger.order_commit(code, 1), ledger.order_fulfil(code, 1)],
                provenance=Provenance("shopify", f"shopify/orders/{n}"),
            )
        mode, quantity = ("add", 1) if n % 10 == 1 else ("set", rng.randint(5, 60))
        await stocktakes.count("all", code, quantity, clerk, mode=mode, key=f"scan-{n}")
    seconds = time.perf_counter() - started
    figures.append(("counts, one per transaction", seconds, f"{len(counted) / seconds:,.0f}/s"))

    started = time.perf_counter()
    view = await stocktakes.review("all")
    figures.append(
        ("review: every line", time.perf_counter() - started, f"{len(view.lines):,} lines")
    )

    started = time.perf_counter()
    posted = await stocktakes.post("all", manager)
    figures.append(
        ("post: one posting", time.perf_counter() - started, f"{posted.movements:,} movements")
    )
    report = await verify()
    figures.append(("verify", 0.0, "clean" if report.ok else "NOT CLEAN"))
    return figures


async def main(skus: int, counts: int, postgres: str | None) -> None:
    async with scratch_database(postgres, ["main"]) as url:
        figures = await run(skus, counts, url)
    backend = "PostgreSQL" if postgres else "SQLite"
    print(f"{backend}, {skus:,} SKUs, {counts:,} counts")
    for name, seconds, detail in figures:
        print(f"  {name:<32} {seconds:8.2f} s  {detail}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skus", type=int, default=10_000)
    parser.add_argument("--counts", type=int, default=2_000)
    parser.add_argument("--postgres", help="a scratch PostgreSQL database: it is emptied")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.skus, arguments.counts, arguments.postgres))
    sys.exit(0)

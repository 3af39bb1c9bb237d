"""The ledger at scale on PostgreSQL: /stock, history, verify and the reports at N movements.

    python bench/ledger_scale.py --postgres URL [--movements 10000000] [--skus 100000]
                                 [--samples 30]

`--postgres` names a scratch database, which is emptied. The seed is written behind the
ledger's back, in SQL, in seconds per million rows (generate_series, then the balances,
the SKUs' totals and the daily demand derived from the movements by GROUP BY), so it is
consistent and `verify` proves it: per SKU, cycles of a receipt of 10, an order commit of
3, its fulfilment of 3 (both with an order document, so they are demand) and a damage of
1, spread over the last year. Then it measures, each through the use case a command or
the API calls:

- `/stock`: the stock card (`app.reports.stock_card`: balances, channels, sales over 7
  and 30 days), p50 and p95 over `--samples` SKUs;
- `history`: a SKU's last 50 movements (`app.stock.history`), p50 and p95;
- a sync's takings: what a channel's own orders took since the last push, for 250 SKUs
  (or all, when fewer) whose watermark is 10,000 movements back
  (`store.listing_reads.takings_since`, which the planner reads on every sync of every
  channel), p50 and p95;
- `verify --full` (which leaves a checkpoint), then 1,000 postings and `verify` from the
  checkpoint;
- the reports: valuation now and at 30 days ago (a replay), cost of goods over 30 days,
  shrinkage over 30 days, and sales velocity over 30 days.

The last line is machine-readable:
`ledger_scale movements=N stock_p95_ms=X history_p95_ms=X takings_p95_ms=X verify_full_s=X
verify_checkpoint_s=X valuation_s=X valuation_at_s=X cost_s=X shrinkage_s=X velocity_s=X`.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from functools import partial

from scratch import scratch_database
from tortoise import connections

from syncbot.app import reports, sales_reports, shrinkage, valuation
from syncbot.app import stock as use_stock
from syncbot.app.report_dates import Period
from syncbot.ledger import receive
from syncbot.store import listing_reads
from syncbot.store.posting import post

CHUNK = 1_000_000
KINDS = "ARRAY['receive','order_commit','order_fulfil','damage']"
QUANTITIES = "ARRAY[10,3,3,1]"
SOURCES = "ARRAY['supplier','available','committed','available']"
DESTINATIONS = "ARRAY['available','committed','customer','damaged']"


def code(expression: str) -> str:
    return f"'SKU-' || lpad(({expression})::text, 7, '0')"


async def seed(movements: int, skus: int) -> None:
    connection = connections.get("default")
    started = time.perf_counter()
    await connection.execute_script(
        "INSERT INTO sku (code, name, created_at, available, on_hand, incoming, stock_value, "
        f"average_cost) SELECT {code('n')}, 'Bench item ' || n, now(), 0, 0, 0, 0, 0 "
        f"FROM generate_series(0, {skus - 1}) AS n"
    )
    # Seconds between movements, so N of them span the last year.
    step = 365 * 86400 / movements
    for first in range(0, movements, CHUNK):
        last = min(movements, first + CHUNK) - 1
        await connection.execute_script(
            "INSERT INTO movement (posting, kind, sku_id, quantity, source_location, "
            "source_bucket, destination_location, destination_bucket, reason, forced, actor, "
            "document, value, cost_variance, occurred_at, recorded_at) "
            f"SELECT md5(i::text)::uuid, ({KINDS})[i % 4 + 1], {code(f'(i / 4) % {skus}')}, "
            f"({QUANTITIES})[i % 4 + 1], 'main', ({SOURCES})[i % 4 + 1], 'main', "
            f"({DESTINATIONS})[i % 4 + 1], '', false, 'bench', "
            "CASE WHEN i % 4 IN (1, 2) THEN 'shop/orders/' || (i / 4) ELSE '' END, 0, 0, "
            f"now() - ({movements} - i) * interval '{step:.6f} seconds', "
            f"now() - ({movements} - i) * interval '{step:.6f} seconds' "
            f"FROM generate_series({first}, {last}) AS i"
        )
        print(f"  seeded {last + 1:,} movements ({time.perf_counter() - started:.0f} s)")
    await connection.execute_script(
        "INSERT INTO balance (sku_id, location_id, bucket, quantity) "
        "SELECT sku_id, location, bucket, SUM(moved) FROM ("
        "SELECT sku_id, source_location AS location, source_bucket AS bucket, -quantity AS moved "
        "FROM movement UNION ALL SELECT sku_id, destination_location, destination_bucket, "
        "quantity FROM movement) AS moves GROUP BY sku_id, location, bucket"
    )
    await connection.execute_script(
        "UPDATE sku SET available = totals.available, on_hand = totals.on_hand FROM ("
        "SELECT sku_id, SUM(quantity) FILTER (WHERE bucket = 'available') AS available, "
        "SUM(quantity) FILTER (WHERE bucket IN ('available', 'committed', 'damaged')) "
        "AS on_hand FROM balance GROUP BY sku_id) AS totals WHERE sku.code = totals.sku_id"
    )
    await connection.execute_script(
        "INSERT INTO daily_demand (sku_id, location, channel, day, units) "
        "SELECT sku_id, source_location, 'shop', (occurred_at AT TIME ZONE 'UTC')::date, "
        "SUM(quantity) FROM movement WHERE kind = 'order_commit' "
        "GROUP BY sku_id, source_location, (occurred_at AT TIME ZONE 'UTC')::date"
    )
    await connection.execute_script("ANALYZE")
    print(f"  seed done in {time.perf_counter() - started:.0f} s")


async def timed(call: Callable[[], Awaitable[object]]) -> float:
    started = time.perf_counter()
    await call()
    return time.perf_counter() - started


async def latencies(calls: list[Callable[[], Awaitable[object]]]) -> tuple[float, float]:
    """p50 and p95 in milliseconds."""
    measured = sorted([await timed(call) * 1000 for call in calls])
    return statistics.median(measured), measured[max(0, round(0.95 * len(measured)) - 1)]


async def main(args: argparse.Namespace) -> None:
    print(f"ledger at {args.movements:,} movements over {args.skus:,} SKUs, PostgreSQL")
    async with scratch_database(args.postgres, ["main"]):
        await seed(args.movements, args.skus)
        now = datetime.now(UTC)
        chosen = [f"SKU-{n:07d}" for n in random.Random(7).sample(range(args.skus), args.samples)]
        figures: dict[str, float] = {}
        stock = await latencies([partial(reports.stock_card, sku, now) for sku in chosen])
        history = await latencies([partial(use_stock.history, sku, 50) for sku in chosen])
        print(f"  /stock (stock card)     p50 {stock[0]:7.1f} ms   p95 {stock[1]:7.1f} ms")
        print(f"  history (last 50)       p50 {history[0]:7.1f} ms   p95 {history[1]:7.1f} ms")
        since = await listing_reads.watermark() - 10_000
        pick = random.Random(11)
        syncs: list[Callable[[], Awaitable[object]]] = [
            partial(
                listing_reads.takings_since,
                "bench",
                {f"SKU-{n:07d}": since for n in pick.sample(range(args.skus), min(250, args.skus))},
                ["main"],
            )
            for _ in range(args.samples)
        ]
        takings = await latencies(syncs)
        print(f"  a sync's takings (250)  p50 {takings[0]:7.1f} ms   p95 {takings[1]:7.1f} ms")
        started = time.perf_counter()
        report = await use_stock.verify(full=True)
        figures["verify_full_s"] = time.perf_counter() - started
        assert report.ok, report.mismatches[:5]
        print(
            f"  verify --full           {figures['verify_full_s']:7.1f} s  ({report.movements:,})"
        )
        for n in range(1000):
            await post([receive(chosen[n % len(chosen)], 1)])
        started = time.perf_counter()
        report = await use_stock.verify()
        figures["verify_checkpoint_s"] = time.perf_counter() - started
        assert report.ok, report.mismatches[:5]
        assert report.resumed_after is not None, report
        print(
            f"  verify (checkpoint)     {figures['verify_checkpoint_s']:7.1f} s  "
            f"({report.movements:,} movements since)"
        )
        month = Period(now - timedelta(days=30), now)
        reads: dict[str, Callable[[], Awaitable[object]]] = {
            "valuation_s": lambda: valuation.valuation_totals(None, None),
            "valuation_at_s": lambda: valuation.valuation_totals(None, month.start),
            "cost_s": lambda: valuation.cost_totals(month),
            "shrinkage_s": lambda: shrinkage.report(since=month.start),
            "velocity_s": lambda: sales_reports.velocity(now.date(), 30),
        }
        for name, call in reads.items():
            figures[name] = await timed(call)
            print(f"  {name.removesuffix('_s'):<22}  {figures[name]:7.2f} s")
    print(
        f"ledger_scale movements={args.movements} stock_p95_ms={stock[1]:.1f} "
        f"history_p95_ms={history[1]:.1f} takings_p95_ms={takings[1]:.1f} "
        + " ".join(f"{name}={value:.2f}" for name, value in figures.items())
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", required=True, help="a scratch database: it is emptied")
    parser.add_argument("--movements", type=int, default=10_000_000)
    parser.add_argument("--skus", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=30)
    asyncio.run(main(parser.parse_args()))

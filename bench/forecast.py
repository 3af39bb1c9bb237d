"""How good the forecasts and the reorder suggestions are, on synthetic demand.

    python bench/forecast.py [--skus 30] [--seed 1] [--service-level 0.95]
                             [--postgres URL [--catalogue 100000]]

Generates daily demand with known parameters for five classes (regular, intermittent,
weekly-seasonal, trending, and new SKUs with three weeks of history), a year of history
each (new: 21 days) and 26 weeks to come. Per class it prints:

- the one-step MAE and bias (mean forecast − actual), over the 26 weeks the choice never
  saw, of the method `choose` picked on the history, against the naive baseline (the mean
  of the last 28 days) in the same run. Poisson noise is most of any MAE on these series,
  so a method that follows a trend shows it in the bias more than in the MAE;
- the fill rate of a simulated replenishment: each day the suggestion is computed from the
  forecast (refitted weekly on the days so far), an order arrives after the lead time, and
  demand that finds no stock is lost. Fill rate = units served / units demanded.

With --postgres (a scratch database: it is emptied), it also seeds a catalogue of 100,000
SKUs with a year of daily demand (a fifth sell every day, three tenths on one day in ten,
half on one day in a hundred) and times the suggestions through the use case `replenish`
calls: cold (every forecast fitted, then kept for the day) and warm (the day's forecasts
read back, as every later run and the leader's hourly job leave them).

The last line is machine-readable: `forecast classes=N worse_than_baseline=N
fill_rate_min=X service_level=X seconds_100k=X`, seconds_100k being the warm figure ("-"
without --postgres).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from syncbot.ledger.forecast import BASELINE_DAYS, Method, choose, one_step, score
from syncbot.ledger.replenishment import Stock, Terms, suggest

HISTORY = 365
FUTURE = 182
LEAD = 7
COVER = 14
REFIT_EVERY = 7


def poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method for small means, a rounded normal above 30 (exact enough here)."""
    if mean <= 0:
        return 0
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def regular(rng: random.Random, days: int) -> list[int]:
    rate = rng.uniform(2, 20)
    return [poisson(rng, rate) for _ in range(days)]


def intermittent(rng: random.Random, days: int) -> list[int]:
    chance, size = rng.uniform(0.05, 0.3), rng.uniform(1, 6)
    return [1 + poisson(rng, size - 1) if rng.random() < chance else 0 for _ in range(days)]


def seasonal(rng: random.Random, days: int) -> list[int]:
    rate = rng.uniform(3, 15)
    weekday = [0.6, 0.7, 0.8, 0.9, 1.2, 1.8, 1.0]
    return [poisson(rng, rate * weekday[day % 7]) for day in range(days)]


def trending(rng: random.Random, days: int) -> list[int]:
    start, growth = rng.uniform(2, 6), rng.uniform(0.05, 0.15)
    return [poisson(rng, start + growth * day) for day in range(days)]


CLASSES: dict[str, tuple[Callable[[random.Random, int], list[int]], int]] = {
    "regular": (regular, HISTORY),
    "intermittent": (intermittent, HISTORY),
    "seasonal": (seasonal, HISTORY),
    "trending": (trending, HISTORY),
    "new": (regular, 21),
}


def fill_rate(series: list[int], history: int, service_level: float) -> tuple[int, int]:
    """Units served and demanded over the days after `history`, replenishing by suggest()."""
    forecast = choose(series[:history])
    terms = Terms(lead_time_days=LEAD)
    on_hand = math.ceil(forecast.demand(LEAD + COVER))
    arriving: dict[int, int] = {}
    served = demanded = 0
    today = date(2026, 1, 1)
    for day in range(history, len(series)):
        on_hand += arriving.pop(day, 0)
        if (day - history) % REFIT_EVERY == 0 and day > history:
            forecast = choose(series[:day])
        incoming = sum(arriving.values())
        suggestion = suggest(
            forecast,
            Stock(on_hand, incoming),
            terms,
            service_level=service_level,
            cover_days=COVER,
            today=today + timedelta(days=day),
        )
        if suggestion.quantity:
            arriving[day + LEAD] = arriving.get(day + LEAD, 0) + suggestion.quantity
        demand = series[day]
        served += min(demand, on_hand)
        demanded += demand
        on_hand = max(0, on_hand - demand)
    return served, demanded


async def catalogue(url: str, skus: int, seed: int) -> tuple[float, float, int]:
    """Seeds `skus` SKUs with a year of demand, then times replenishment cold and warm."""
    import asyncpg
    from scratch import empty_postgres
    from tortoise import connections

    from syncbot.app import replenishment
    from syncbot.store.database import close_database, declare_locations, migrate, open_database

    plain = url.replace("postgres://", "postgresql://", 1)
    await empty_postgres(url)
    await migrate(url)
    await open_database(url)
    try:
        await declare_locations(["main"])
        rng = random.Random(seed)
        today = datetime.now(UTC).date()
        first = today - timedelta(days=HISTORY)
        created = datetime.combine(first, datetime.min.time(), UTC)
        codes = [f"SKU-{n:06d}" for n in range(skus)]
        raw = await asyncpg.connect(plain)
        try:
            await raw.copy_records_to_table(
                "sku",
                columns=[
                    "code",
                    "name",
                    "created_at",
                    "available",
                    "on_hand",
                    "incoming",
                    "stock_value",
                    "average_cost",
                ],
                records=[(c, c, created, rng.randint(0, 200), 0, 0, 0, 0) for c in codes],
            )
            rows = 0
            for start in range(0, skus, 5000):
                batch = []
                for code in codes[start : start + 5000]:
                    chance = rng.choices((1.0, 0.1, 0.01), (2, 3, 5))[0]
                    rate = rng.uniform(1, 8)
                    for day in range(HISTORY):
                        if rng.random() < chance:
                            units = 1 + poisson(rng, rate - 1)
                            batch.append(
                                (code, "main", "shopify", first + timedelta(days=day), units)
                            )
                await raw.copy_records_to_table(
                    "daily_demand",
                    columns=["sku_id", "location", "channel", "day", "units"],
                    records=batch,
                )
                rows += len(batch)
                print(f"seeded {start + 5000:,} SKUs, {rows:,} days of demand", file=sys.stderr)
            await raw.execute("ANALYZE")
        finally:
            await raw.close()
        assert connections.get("default") is not None
        started = time.perf_counter()
        lines = await replenishment.suggestions(today=today, progress=_progress)
        cold = time.perf_counter() - started
        started = time.perf_counter()
        lines = await replenishment.suggestions(today=today)
        warm = time.perf_counter() - started
        return cold, warm, sum(1 for line in lines if line.suggestion.quantity)
    finally:
        await close_database()


def _progress(done: int, total: int) -> None:
    if done % 10_000 == 0 or done == total:
        print(f"fitted {done:,} of {total:,}", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skus", type=int, default=30, help="SKUs per class")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--service-level", type=float, default=0.95)
    parser.add_argument("--postgres", help="a scratch PostgreSQL database: it is emptied")
    parser.add_argument("--catalogue", type=int, default=100_000, help="SKUs for --postgres")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    worse = 0
    fill_rates: list[float] = []
    print(
        f"{'class':<13} {'MAE ours':>9} {'MAE 28-day mean':>16} {'ratio':>6} "
        f"{'bias ours':>10} {'bias mean':>10} {'fill rate':>10}  methods chosen"
    )
    for name, (generate, history) in CLASSES.items():
        ours = base = our_bias = base_bias = 0.0
        served = demanded = 0
        chosen: dict[str, int] = {}
        for _ in range(args.skus):
            series = generate(rng, history + FUTURE)
            method = choose(series[:history]).method
            chosen[method.name] = chosen.get(method.name, 0) + 1
            mine = score(one_step(series, method), series, FUTURE)
            naive = score(one_step(series, Method("mean")), series, FUTURE)
            ours, our_bias = ours + mine.mae, our_bias + mine.bias
            base, base_bias = base + naive.mae, base_bias + naive.bias
            got, wanted = fill_rate(series, history, args.service_level)
            served, demanded = served + got, demanded + wanted
        rate = served / demanded if demanded else 1.0
        ratio = ours / base if base else 1.0
        if name != "new":
            worse += ours > base * 1.0001
            fill_rates.append(rate)
        methods = ", ".join(f"{key} {count}" for key, count in sorted(chosen.items()))
        print(
            f"{name:<13} {ours / args.skus:>9.3f} {base / args.skus:>16.3f} {ratio:>6.3f} "
            f"{our_bias / args.skus:>+10.3f} {base_bias / args.skus:>+10.3f} "
            f"{rate:>10.3f}  {methods}"
        )
    print(f"(baseline: the mean of the last {BASELINE_DAYS} days; new SKUs reported apart)")
    warm = "-"
    if args.postgres:
        cold, seconds, to_order = asyncio.run(catalogue(args.postgres, args.catalogue, args.seed))
        print(
            f"PostgreSQL, {args.catalogue:,} SKUs, a year of demand: suggestions cold (every "
            f"forecast fitted) {cold:.1f} s, warm (the day's forecasts read back) "
            f"{seconds:.1f} s; {to_order:,} to order"
        )
        warm = f"{seconds * 100_000 / args.catalogue:.1f}"
    print(
        f"forecast classes={len(CLASSES)} worse_than_baseline={worse} "
        f"fill_rate_min={min(fill_rates):.3f} service_level={args.service_level} "
        f"seconds_100k={warm}"
    )


if __name__ == "__main__":
    main()

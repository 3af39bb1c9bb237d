"""Server-side time of `/stock SKU` and of `GET /api/stock/{sku}` on a large ledger.

    python bench/slack_stock.py [--skus 100000] [--movements 1000000] [--requests 2000]
                                [--postgres URL]

It seeds a scratch database (SQLite by default) with the SKUs, their balances, two
channels' listings and the movements spread over 60 days, written in bulk with plain SQL
(posting a million movements one by one would measure the ledger, not the reads). Then it
drives the real app in this process through httpx's ASGI transport, so the figures are
the server's own time with no network: a signed `/stock` slash command through Bolt, the
JSON stock API, `/healthz` as the baseline of the same stack doing nothing, and a
`/stock` search by two words (a tenth as many requests). Slack's
own fake Web API runs on 127.0.0.1 (Bolt calls auth.test once). Prints median and p99.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import httpx
from scratch import insert

from syncbot.bootstrap import create_app
from syncbot.channels_file import ChannelsFile
from syncbot.config import Settings
from syncbot.slackbot.testing import FakeSlack, serve
from syncbot.store.database import close_database, declare_locations, migrate, open_database

SECRET = "bench-slack-signing-secret"
API_TOKEN = "bench-dummy-api-token-000000000"  # for the bench only: every /api read needs one
API_HEADERS = {"Authorization": f"Bearer {API_TOKEN}"}
KINDS = [
    # kind, source bucket, destination bucket, weight
    ("receive", "supplier", "available", 2),
    ("order_commit", "available", "committed", 5),
    ("order_fulfil", "committed", "customer", 4),
    ("order_cancel", "committed", "available", 1),
    ("damage", "available", "damaged", 1),
]


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


async def seed(skus: int, movements: int) -> list[str]:
    rng = random.Random(7)
    now = datetime.now(UTC)
    codes = [f"SKU-{n:06d}" for n in range(skus)]
    say(f"seeding {skus:,} SKUs")
    await insert(
        "sku",
        ("code", "name", "reorder_point", "created_at"),
        [
            (code, f"Product {code[4:]}", 5 if n % 10 == 0 else None, now)
            for n, code in enumerate(codes)
        ],
    )
    balances: dict[tuple[str, str], int] = defaultdict(int)
    weights = [kind[3] for kind in KINDS]
    rows: list[tuple[object, ...]] = []
    for n in range(movements):
        kind, source, destination, _ = rng.choices(KINDS, weights)[0]
        code = codes[rng.randrange(skus)]
        quantity = rng.randint(1, 5)
        balances[(code, source)] -= quantity
        balances[(code, destination)] += quantity
        occurred = now - timedelta(seconds=rng.randrange(60 * 86_400))
        rows.append(
            (
                str(uuid.uuid4()),
                kind,
                code,
                quantity,
                "main",
                source,
                "main",
                destination,
                "",
                False,
                "bench",
                "",
                occurred,
                occurred,
            )
        )
        if len(rows) == 100_000:
            await _movements(rows)
            rows = []
            say(f"  movements: {n + 1:,} of {movements:,}")
    if rows:
        await _movements(rows)
    say(f"seeding {len(balances):,} balances and {2 * skus:,} listings")
    await insert(
        "balance",
        ("sku_id", "location_id", "bucket", "quantity"),
        [(code, "main", bucket, units) for (code, bucket), units in balances.items()],
    )
    for channel in ("shop", "woo"):
        await insert(
            "channel_listing",
            (
                "channel",
                "sku",
                "listing_id",
                "inventory_id",
                "discovered_at",
                "pushed_quantity",
                "pushed_at",
                "push_watermark",
                "drift",
            ),
            [(channel, code, f"L{n}", f"I{n}", now, 3, now, 0, 0) for n, code in enumerate(codes)],
        )
    return codes


async def _movements(rows: list[tuple[object, ...]]) -> None:
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
            "occurred_at",
            "recorded_at",
        ),
        rows,
    )


def command(sku: str) -> tuple[bytes, dict[str, str]]:
    body = urlencode(
        {
            "team_id": "T0BENCH",
            "user_id": "U0BENCH",
            "command": "/stock",
            "text": sku,
            "channel_id": "C0BENCH",
            "response_url": "https://hooks.slack.com/commands/x",
            "trigger_id": "t.bench",
        }
    ).encode()
    stamp = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256)
    return body, {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": "v0=" + digest.hexdigest(),
    }


async def timed(requests: int, call: Callable[[int], Awaitable[httpx.Response]]) -> list[float]:
    times = []
    for n in range(requests):
        started = time.perf_counter()
        answer = await call(n)
        times.append((time.perf_counter() - started) * 1000)
        if answer.status_code != 200:
            raise SystemExit(f"request {n} answered {answer.status_code}: {answer.text[:200]}")
    return times


async def run(database_url: str, skus: int, movements: int, requests: int) -> None:
    await migrate(database_url)
    await open_database(database_url)
    try:
        started = time.perf_counter()
        await declare_locations(["main"])
        codes = await seed(skus, movements)
        say(f"seeded in {time.perf_counter() - started:.0f} s")
        slack = FakeSlack()
        with serve(slack) as api_url:
            settings = Settings(
                database_url=database_url,
                config=Path("/nonexistent/syncbot.toml"),
                slack_bot_token="xoxb-bench",
                slack_signing_secret=SECRET,
                slack_api_url=api_url,
                scheduler=False,
                api_token=API_TOKEN,
            )
            app = create_app(settings, ChannelsFile())
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                rng = random.Random(11)
                picks = [rng.choice(codes) for _ in range(requests)]

                async def slash(n: int) -> httpx.Response:
                    body, headers = command(picks[n])
                    return await client.post("/slack/events", content=body, headers=headers)

                async def search(n: int) -> httpx.Response:
                    # Two words of a product name: a scan of code and name, not an index.
                    body, headers = command(f"product {picks[n][4:8]}")
                    return await client.post("/slack/events", content=body, headers=headers)

                async def api(n: int) -> httpx.Response:
                    return await client.get(f"/api/stock/{picks[n]}", headers=API_HEADERS)

                async def health(n: int) -> httpx.Response:
                    return await client.get("/healthz")

                await timed(50, slash)  # warm-up: Bolt's first request calls auth.test
                await timed(50, api)
                results = {
                    "GET /healthz (baseline)": await timed(requests, health),
                    "/stock SKU (signed, via Bolt)": await timed(requests, slash),
                    "GET /api/stock/{sku}": await timed(requests, api),
                    "/stock two words (search)": await timed(requests // 10, search),
                }
        baseline = statistics.median(results["GET /healthz (baseline)"])
        backend = database_url.split(":", 1)[0]
        print(f"{backend}: {skus:,} SKUs, {movements:,} movements, {requests:,} requests each")
        print(f"{'request':32} {'median ms':>10} {'p99 ms':>8} {'× baseline':>11}")
        for name, times in results.items():
            median = statistics.median(times)
            p99 = statistics.quantiles(times, n=100)[98]
            print(f"{name:32} {median:10.2f} {p99:8.2f} {median / baseline:11.1f}")
    finally:
        await close_database()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skus", type=int, default=100_000)
    parser.add_argument("--movements", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--postgres", help="a PostgreSQL URL to an empty database")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        url = args.postgres or f"sqlite://{scratch}/bench.db"
        asyncio.run(run(url, args.skus, args.movements, args.requests))


if __name__ == "__main__":
    main()

"""Webhook intake throughput: signed Shopify orders/create deliveries into a running service.

    python bench/webhook_ingest.py [--deliveries 2000] [--concurrency 16] [--postgres URL]

For SQLite and PostgreSQL it starts `syncbot serve` on a scratch database, posts signed
deliveries from a concurrent client and prints two rates: acknowledgements per second (the
storefront's view: verified, stored, answered) and postings per second once processing has
caught up. In the same run the same client posts to a bare ASGI app that only answers 200:
the ratio is what verification and the inbox cost.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg
import httpx

from connectors.shopify.webhooks import sign

SECRET = "bench-webhook-secret"
SKUS = [f"BENCH-{n}" for n in range(10)]
PROCESSED = re.compile(r'^syncbot_webhooks_processed_total\{channel="bench",[^}]*\} (\S+)$', re.M)
CHANNELS = """locations = ["main"]

[[channels]]
name = "bench"
kind = "shopify"
shop = "bench.myshopify.com"
access_token_env = "BENCH_SHOPIFY_TOKEN"
webhook_secret_env = "BENCH_SHOPIFY_SECRET"
api_base_url = "http://127.0.0.1:9"
"""


def delivery(n: int) -> tuple[bytes, dict[str, str]]:
    """A signed orders/create for order n: one line of one unit."""
    body = json.dumps(
        {
            "id": 5_000_000 + n,
            "admin_graphql_api_id": f"gid://shopify/Order/{5_000_000 + n}",
            "updated_at": "2026-11-01T12:00:00+00:00",
            "created_at": "2026-11-01T12:00:00+00:00",
            "cancelled_at": None,
            "line_items": [
                {
                    "id": 9_000_000 + n,
                    "sku": SKUS[n % len(SKUS)],
                    "quantity": 1,
                    "current_quantity": 1,
                    "fulfillable_quantity": 1,
                    "fulfillment_status": None,
                }
            ],
            "fulfillments": [],
            "refunds": [],
        }
    ).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Hmac-Sha256": sign(body, SECRET),
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Shop-Domain": "bench.myshopify.com",
        "X-Shopify-Event-Id": str(uuid.uuid4()),
        "X-Shopify-Webhook-Id": str(uuid.uuid4()),
        "X-Shopify-Triggered-At": "2026-11-01T12:00:00.000000000Z",
        "X-Shopify-API-Version": "2026-10",
    }
    return body, headers


async def post_all(url: str, total: int, concurrency: int) -> float:
    """Posts `total` deliveries over `concurrency` connections; returns answers per second."""
    prepared = [delivery(n) for n in range(total)]
    queue = iter(prepared)
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:

        async def worker() -> None:
            for body, headers in queue:
                response = await client.post(url, content=body, headers=headers)
                response.raise_for_status()

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return total / (time.perf_counter() - started)


async def processed(base: str) -> float:
    async with httpx.AsyncClient(timeout=10) as client:
        text = (await client.get(f"{base}/metrics")).text
    return sum(float(value) for value in PROCESSED.findall(text))


async def seed(database_url: str) -> None:
    from syncbot.store.catalogue import add_sku
    from syncbot.store.database import close_database, migrate, open_database

    await migrate(database_url)
    await open_database(database_url)
    try:
        for sku in SKUS:
            await add_sku(sku)
    finally:
        await close_database()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start(
    command: list[str], env: dict[str, str], cwd: Path
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code in (200, 404):
                return process, base
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"{command[0]} did not start")


async def bench(label: str, database_url: str, total: int, concurrency: int) -> None:
    await seed(database_url)
    with tempfile.TemporaryDirectory() as directory:
        config = Path(directory) / "syncbot.toml"
        config.write_text(CHANNELS)
        env = {
            **os.environ,
            "SYNCBOT_DATABASE_URL": database_url,
            "SYNCBOT_CONFIG": str(config),
            "SYNCBOT_LOG_LEVEL": "WARNING",
            "BENCH_SHOPIFY_TOKEN": "dummy-token",
            "BENCH_SHOPIFY_SECRET": SECRET,
        }
        bare, bare_base = start(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "bare_asgi:app",
                "--app-dir",
                str(Path(__file__).parent),
                "--log-level",
                "warning",
            ],
            env,
            Path(directory),
        )
        try:
            bare_rate = await post_all(f"{bare_base}/webhooks/bench", total, concurrency)
        finally:
            bare.terminate()
            bare.wait()
        syncbot = shutil.which("syncbot") or str(Path(sys.executable).with_name("syncbot"))
        service, base = start([syncbot, "serve"], env, Path(directory))
        try:
            started = time.perf_counter()
            ack_rate = await post_all(f"{base}/webhooks/bench", total, concurrency)
            while await processed(base) < total:
                if time.perf_counter() - started > 600:
                    raise SystemExit("processing did not catch up within 10 minutes")
                await asyncio.sleep(0.05)
            posting_rate = total / (time.perf_counter() - started)
        finally:
            service.terminate()
            service.wait()
    print(
        f"{label:<10} c={concurrency:<3} acks {ack_rate:>7.0f}/s   bare ASGI {bare_rate:>7.0f}/s   "
        f"ratio {ack_rate / bare_rate:.2f}   postings once caught up {posting_rate:>6.0f}/s",
        flush=True,
    )


async def bench_postgres(admin_url: str, total: int, concurrency: int) -> None:
    name = f"syncbot_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(admin_url.replace("postgres://", "postgresql://", 1))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        await bench("postgres", admin_url.rsplit("/", 1)[0] + f"/{name}", total, concurrency)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument(
        "--postgres",
        default="postgres://postgres@127.0.0.1:5432/postgres",
        help="an admin URL; a scratch database is created and dropped (empty string: skip)",
    )
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite://{Path(directory) / 'bench.db'}"
        asyncio.run(bench("sqlite", url, arguments.deliveries, arguments.concurrency))
    if arguments.postgres:
        asyncio.run(bench_postgres(arguments.postgres, arguments.deliveries, arguments.concurrency))


if __name__ == "__main__":
    main()

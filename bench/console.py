"""Console page times at catalogue scale: each page served in process through the whole
web app (httpx ASGITransport) with a signed-in session, on SQLite and PostgreSQL.

    python bench/console.py [--skus 100000] [--movements 1000000] [--backend both]
                            [--runs 20] [--postgres postgres://postgres@127.0.0.1:5432/postgres]

The database is seeded by bulk inserts, consistent with the ledger: every movement follows
its kind's route, and the balance rows and each SKU's totals are the sums of the
movements. One "hot" SKU (SKU-000000) carries a tenth of the movements, over the last
year; the rest spread over the other SKUs. 2 locations; a reorder point on every 7th SKU;
a barcode on every 3rd; one channel ("shop") listing every SKU, with some held,
quarantined and drifting; 200 failed inbox deliveries and 300 parked lines.

Each page is requested `--runs` times after 3 warm-ups; the median and 95th percentile
are printed. A page that does not answer 200 (one another branch builds) is "missing".
PostgreSQL runs in a scratch database `syncbot_bench`, created and dropped; pgbench's
TPC-B-like run (1 client, 10 s) is printed beside it as the machine's baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import AsyncGenerator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx
from fastapi import FastAPI
from pydantic import SecretStr

from connectors.fake import FakeConnector
from syncbot.app import users
from syncbot.config import Settings
from syncbot.ledger.allocation import Policy
from syncbot.ledger.barcodes import check_digit
from syncbot.store.database import close_database, migrate, open_database
from syncbot.sync.channels import SyncChannel
from syncbot.web.app import web_app

LOCATIONS = ("main", "east")
HOT = "SKU-000000"
COLOURS = ("red", "blue", "green", "teal", "black", "white", "grey", "navy", "olive", "rose")
ITEMS = ("mug", "tee", "cap", "sock", "scarf", "bag", "pin", "card", "lamp", "bowl")
# A cycle of kinds that never takes a real bucket below zero: receive 5, then sell and
# ship some, cancel one. Each entry: kind, quantity, source bucket, destination bucket.
CYCLE = (
    ("receive", 5, "supplier", "available"),
    ("order_commit", 2, "available", "committed"),
    ("order_fulfil", 1, "committed", "customer"),
    ("order_cancel", 1, "committed", "available"),
    ("order_commit", 1, "available", "committed"),
)
REASONS = {"receive": "", "order_commit": "order placed", "order_fulfil": "order fulfilled"}
REASONS["order_cancel"] = "order cancelled"
CHUNK = 100_000
NOW = datetime.now(UTC).replace(microsecond=0)
SPAN = timedelta(days=365)
MOVEMENT_COLUMNS = (
    "id", "posting", "idempotency_key", "kind", "sku_id", "quantity", "source_location",
    "source_bucket", "destination_location", "destination_bucket", "reason", "forced",
    "counted_on_hand", "reverses", "actor", "document", "occurred_at", "recorded_at",
)  # fmt: skip


def code(n: int) -> str:
    return f"SKU-{n:06d}"


def barcode(n: int) -> str:
    """An EAN-13 with its right check digit, as `sku barcode add` would take it."""
    body = str(400_000_000_000 + n)
    return body + str(check_digit(body))


class Seed:
    """The rows to insert, generated in chunks; the balances accumulate as they go."""

    def __init__(self, skus: int, movements: int) -> None:
        self.skus = skus
        self.movements = movements
        self.balances: dict[tuple[str, str, str], int] = defaultdict(int)
        self.random = random.Random(13)

    def sku_rows(self) -> list[tuple[object, ...]]:
        rows = []
        for n in range(self.skus):
            name = f"{COLOURS[n % 10]} {ITEMS[n // 10 % 10]} {n}"
            point = self.random.randint(0, 40) if n % 7 == 0 else None
            rows.append((code(n), name, point, NOW))
        return rows

    def movement_chunks(self) -> Iterator[list[tuple[object, ...]]]:
        """Movements in time order: every 10th is the hot SKU's."""
        step = self.random.randrange
        position: dict[int, int] = defaultdict(int)
        chunk: list[tuple[object, ...]] = []
        for i in range(self.movements):
            n = 0 if i % 10 == 0 or self.skus == 1 else 1 + step(self.skus - 1)
            kind, quantity, source, destination = CYCLE[position[n] % len(CYCLE)]
            position[n] += 1
            location = LOCATIONS[n % 2 if n else position[n] // len(CYCLE) % 2]
            self.balances[(code(n), location, source)] -= quantity
            self.balances[(code(n), location, destination)] += quantity
            at = NOW - SPAN + SPAN * (i / self.movements)
            chunk.append(
                (
                    i + 1, uuid.UUID(int=i + 1), None, kind, code(n), quantity, location,
                    source, location, destination, REASONS[kind], False, None, None,
                    "bench", "", at, at,
                )
            )  # fmt: skip
            if len(chunk) == CHUNK:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def balance_rows(self) -> list[tuple[object, ...]]:
        return [
            (index + 1, sku, location, bucket, quantity)
            for index, ((sku, location, bucket), quantity) in enumerate(
                sorted(self.balances.items())
            )
        ]

    def totals(self) -> list[tuple[object, ...]]:
        """(available, on_hand, incoming, code) of every SKU that moved."""
        sums: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for (sku, _, bucket), quantity in self.balances.items():
            sums[sku][bucket] += quantity
        return [
            (
                b["available"],
                b["available"] + b["committed"] + b["damaged"],
                b["incoming"],
                sku,
            )
            for sku, b in sums.items()
        ]

    def listing_rows(self) -> list[tuple[object, ...]]:
        rows = []
        for n in range(self.skus):
            held = NOW - timedelta(minutes=5) if n % 500 == 1 else None
            quarantined = NOW - timedelta(hours=1) if n % 1000 == 2 else None
            drift = 3 if n % 400 == 3 else None
            rows.append(
                (
                    n + 1, "shop", code(n), f"L{n}", f"I{n}", NOW, 0, NOW, 0, NOW, 0,
                    held, drift, NOW if drift else None, quarantined,
                    "Shopify refused the item" if quarantined else None,
                )
            )  # fmt: skip
        return rows


LISTING_COLUMNS = (
    "id", "channel", "sku", "listing_id", "inventory_id", "discovered_at", "channel_quantity",
    "read_at", "pushed_quantity", "pushed_at", "push_watermark", "held_since", "drift",
    "drift_checked_at", "quarantined_at", "quarantined_error",
)  # fmt: skip


def inbox_rows() -> list[tuple[object, ...]]:
    return [
        (n + 1, "shop", f"event-{n}", "orders/updated", "{}", b"{}", NOW, 5, "'lines'", "failed")
        for n in range(200)
    ]


INBOX_COLUMNS = (
    "id", "channel", "event_id", "topic", "headers", "body", "received_at", "attempts",
    "last_error", "status",
)  # fmt: skip


def parked_rows() -> list[tuple[object, ...]]:
    return [
        (n + 1, "shop", f"order-{n}", "1", f"NEW-{n % 60}", 1, NOW, "not in syncbot")
        for n in range(300)
    ]


PARKED_COLUMNS = ("id", "channel", "order_id", "line_id", "sku", "quantity", "created_at", "reason")


def progress(message: str, started: float) -> None:
    print(f"  {message} ({time.perf_counter() - started:.0f} s)", flush=True)


# --- SQLite -----------------------------------------------------------------------------


def _text(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _insert_sqlite(
    db: sqlite3.Connection, table: str, columns: tuple[str, ...], rows: list[tuple[object, ...]]
) -> None:
    marks = ", ".join("?" * len(columns))
    db.executemany(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
        ([_text(value) for value in row] for row in rows),
    )


def seed_sqlite(path: Path, seed: Seed) -> None:
    started = time.perf_counter()
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA synchronous=OFF")
    db.execute("BEGIN")
    _insert_sqlite(db, "location", ("name", "created_at"), [(name, NOW) for name in LOCATIONS])
    _insert_sqlite(db, "sku", ("code", "name", "reorder_point", "created_at"), seed.sku_rows())
    _insert_sqlite(
        db,
        "sku_barcode",
        ("id", "barcode", "sku_id", "kind", "created_at"),
        [(n // 3 + 1, barcode(n), code(n), "gtin", NOW) for n in range(0, seed.skus, 3)],
    )
    progress(f"{seed.skus} SKUs", started)
    done = 0
    for chunk in seed.movement_chunks():
        _insert_sqlite(db, "movement", MOVEMENT_COLUMNS, chunk)
        done += len(chunk)
        progress(f"{done} movements", started)
    _insert_sqlite(
        db, "balance", ("id", "sku_id", "location_id", "bucket", "quantity"), seed.balance_rows()
    )
    db.executemany(
        "UPDATE sku SET available = ?, on_hand = ?, incoming = ? WHERE code = ?", seed.totals()
    )
    _insert_sqlite(db, "channel_listing", LISTING_COLUMNS, seed.listing_rows())
    _insert_sqlite(db, "inbox_delivery", INBOX_COLUMNS, inbox_rows())
    _insert_sqlite(db, "parked_line", PARKED_COLUMNS, parked_rows())
    db.execute("COMMIT")
    db.close()
    progress("balances, totals, listings, inbox and parked lines", started)


# --- PostgreSQL -------------------------------------------------------------------------


async def seed_postgres(url: str, seed: Seed) -> None:
    started = time.perf_counter()
    db = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        await db.copy_records_to_table(
            "location", records=[(n, NOW) for n in LOCATIONS], columns=["name", "created_at"]
        )
        await db.copy_records_to_table(
            "sku", records=seed.sku_rows(), columns=["code", "name", "reorder_point", "created_at"]
        )
        await db.copy_records_to_table(
            "sku_barcode",
            records=[
                (n // 3 + 1, barcode(n), code(n), "gtin", NOW) for n in range(0, seed.skus, 3)
            ],
            columns=["id", "barcode", "sku_id", "kind", "created_at"],
        )
        progress(f"{seed.skus} SKUs", started)
        done = 0
        for chunk in seed.movement_chunks():
            await db.copy_records_to_table(
                "movement", records=chunk, columns=list(MOVEMENT_COLUMNS)
            )
            done += len(chunk)
            progress(f"{done} movements", started)
        await db.copy_records_to_table(
            "balance",
            records=seed.balance_rows(),
            columns=["id", "sku_id", "location_id", "bucket", "quantity"],
        )
        await db.execute(
            "CREATE TEMP TABLE totals "
            "(available BIGINT, on_hand BIGINT, incoming BIGINT, code TEXT)"
        )
        await db.copy_records_to_table("totals", records=seed.totals())
        await db.execute(
            "UPDATE sku SET available = t.available, on_hand = t.on_hand, incoming = t.incoming "
            "FROM totals t WHERE sku.code = t.code"
        )
        await db.copy_records_to_table(
            "channel_listing", records=seed.listing_rows(), columns=list(LISTING_COLUMNS)
        )
        await db.copy_records_to_table(
            "inbox_delivery", records=inbox_rows(), columns=list(INBOX_COLUMNS)
        )
        await db.copy_records_to_table(
            "parked_line", records=parked_rows(), columns=list(PARKED_COLUMNS)
        )
        for table in (
            "movement",
            "balance",
            "channel_listing",
            "inbox_delivery",
            "parked_line",
            "sku_barcode",
        ):
            await db.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        await db.execute("VACUUM ANALYZE")  # what autovacuum does soon after a bulk load
    finally:
        await db.close()
    progress("balances, totals, listings, inbox and parked lines; ANALYZE", started)


def pgbench_baseline(url: str) -> str | None:
    """pgbench's TPC-B-like transaction rate (1 client, 10 s), or None without pgbench."""
    if shutil.which("pgbench") is None:
        return None
    target = url.replace("postgres://", "postgresql://", 1)
    subprocess.run(["pgbench", "-i", "-q", "-s", "1", target], check=True, capture_output=True)
    run = subprocess.run(
        ["pgbench", "-n", "-c", "1", "-T", "10", target], check=True, capture_output=True, text=True
    )
    found = re.search(r"tps = ([\d.]+)", run.stdout)
    return None if found is None else found.group(1)


# --- Timing -----------------------------------------------------------------------------


@asynccontextmanager
async def _nothing(app: FastAPI) -> AsyncGenerator[None]:
    yield


def bench_app() -> FastAPI:
    app = web_app(
        Settings(api_token=SecretStr("bench-token-" + "0" * 24)),
        {"shop": "shopify"},
        {},
        lambda: None,
        _nothing,
    )
    connector = FakeConnector("shop", "bench-secret", locations=LOCATIONS)
    app.state.sync_channels = {"shop": SyncChannel(connector, LOCATIONS, Policy(buffer=2))}
    return app


async def signed_in(client: httpx.AsyncClient) -> None:
    await users.add_user("bench", "viewer", "password-bench")
    form = await client.get("/sign-in")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf is not None
    answer = await client.post(
        "/sign-in", data={"name": "bench", "password": "password-bench", "csrf": csrf.group(1)}
    )
    assert answer.status_code == 303, answer.text


def pages(skus: int) -> list[tuple[str, str, int]]:
    """(label, path, runs factor): the CSV export is timed fewer times."""
    last = max(1, (skus + 49) // 50)
    return [
        ("overview", "/", 1),
        ("skus", "/skus", 1),
        ("skus search name substring", "/skus?q=teal+mug", 1),
        ("skus search code substring", "/skus?q=04217", 1),
        ("skus search barcode", f"/skus?q={barcode(min(skus - 1, 3 * 4217))}", 1),
        ("skus sort -available", "/skus?sort=-available", 1),
        ("skus low stock", "/skus?low=1", 1),
        (f"skus deep page {last}", f"/skus?page={last}", 1),
        (f"skus deep page {last} by name", f"/skus?page={last}&sort=name", 1),
        ("sku card (hot SKU)", f"/skus/{HOT}", 1),
        ("sku card older movements", f"/skus/{HOT}?before=500000", 1),
        ("skus.csv (whole)", "/skus.csv", 0),
        ("channels", "/channels", 1),
        ("channels/shop", "/channels/shop", 1),
        ("inbox", "/inbox", 1),
        ("parked", "/parked", 1),
    ]


async def time_pages(url: str, backend: str, skus: int, runs: int) -> None:
    await open_database(url)
    try:
        transport = httpx.ASGITransport(app=bench_app())
        async with httpx.AsyncClient(transport=transport, base_url="http://bench.test") as client:
            await signed_in(client)
            for label, path, factor in pages(skus):
                count = runs if factor else 3
                first = await client.get(path)
                if first.status_code != 200:
                    print(f"{backend:<9} {label:<34} missing ({first.status_code})", flush=True)
                    continue
                for _ in range(2):
                    await client.get(path)
                times = []
                for _ in range(count):
                    started = time.perf_counter()
                    answer = await client.get(path)
                    times.append((time.perf_counter() - started) * 1000)
                    assert answer.status_code == 200
                times.sort()
                p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
                size = len(answer.content)
                print(
                    f"{backend:<9} {label:<34} median {statistics.median(times):7.1f} ms"
                    f"   p95 {p95:7.1f} ms   ({count} runs, {size / 1024:.0f} KiB)",
                    flush=True,
                )
    finally:
        await close_database()


async def bench_sqlite(skus: int, movements: int, runs: int, keep: Path | None) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = keep or Path(directory) / "console.db"
        url = f"sqlite://{path}"
        if not path.exists():
            await migrate(url)
            print(f"sqlite: seeding {skus} SKUs, {movements} movements", flush=True)
            seed_sqlite(path, Seed(skus, movements))
        else:  # a file kept from an earlier run: timed again as it is
            await migrate(url)
            print(f"sqlite: {path}, seeded by an earlier run", flush=True)
        await time_pages(url, "sqlite", skus, runs)


async def bench_postgres(admin_url: str, skus: int, movements: int, runs: int) -> None:
    name = "syncbot_bench"
    admin = await asyncpg.connect(admin_url.replace("postgres://", "postgresql://", 1))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
        url = admin_url.rsplit("/", 1)[0] + f"/{name}"
        await migrate(url)
        print(f"postgres: seeding {skus} SKUs, {movements} movements into {name}", flush=True)
        await seed_postgres(url, Seed(skus, movements))
        await time_pages(url, "postgres", skus, runs)
        tps = pgbench_baseline(url)
        print(
            "postgres  baseline: pgbench TPC-B-like, 1 client, 10 s: "
            + (f"{tps} tps" if tps else "pgbench not available"),
            flush=True,
        )
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skus", type=int, default=100_000)
    parser.add_argument("--movements", type=int, default=1_000_000)
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--runs", type=int, default=20, help="timed requests per page")
    parser.add_argument(
        "--sqlite-file",
        type=Path,
        help="keep the SQLite database in this file, and reuse it when it exists",
    )
    parser.add_argument(
        "--postgres",
        default="postgres://postgres@127.0.0.1:5432/postgres",
        help="an admin URL; the scratch database syncbot_bench is created and dropped",
    )
    arguments = parser.parse_args()
    if arguments.backend in ("sqlite", "both"):
        asyncio.run(
            bench_sqlite(arguments.skus, arguments.movements, arguments.runs, arguments.sqlite_file)
        )
    if arguments.backend in ("postgres", "both"):
        asyncio.run(
            bench_postgres(arguments.postgres, arguments.skus, arguments.movements, arguments.runs)
        )


if __name__ == "__main__":
    main()

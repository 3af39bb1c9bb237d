"""A flash sale at the limit of the machine: thousands of Shopify orders into `syncbot serve`
on PostgreSQL, posted, and pushed to two emulated Shopify stores, against pgbench.

    python bench/flash_sale.py [--orders 10000] [--rate 200] [--burst-rate 0] [--workers 1]
                               [--lanes N] [--postgres postgres://postgres@127.0.0.1:5432/postgres]

In one run, on scratch databases created and dropped here:

1. **Baselines.** pgbench's TPC-B (`pgbench -i -s 1`, then `-c 5 -j 2 -T 10`, and c=1 and
   c=16), and a single posting (an order commit) through syncbot's posting path at c=1 and
   c=16 (`ledger_post.syncbot_rate`).
2. **The sale.** `syncbot serve` on PostgreSQL with two Shopify channels, each a fake Admin
   API (`connectors.shopify.testing`) with the cost bucket of a standard plan (1,000
   points, 100/s). A fifth of the orders arrive at `--rate` per second (the steady part:
   the ack latency a storefront sees at that rate), the rest as fast as the server answers
   (`--burst-rate 0`): intake falls behind, and the backlog's drain shows how fast orders
   are posted. A share of deliveries is sent twice, as Shopify retries them. The topology
   is the one docs/deploy.md gives for a flash sale: `serve --no-intake --no-scheduler`
   only acknowledges, and `--workers` `syncbot worker` processes (default 1, each with
   syncbot's default intake lanes, or `--lanes`) reconcile and push; `--workers 0` runs
   one `serve` that does everything, the small installation's setup.
3. **After.** Each order's units against the ledger (lost, duplicated), the stores' levels
   against syncbot's available (drift), and `syncbot verify`.

The last line is machine-readable:
`flash_sale ratio=X ack_p99_ms=X change_p95_s=X drift=N lost=N duplicated=N post_c1=X post_c16=X`
(ratio: orders posted per second over pgbench TPC-B tps at c=5; ack_p99_ms: at `--rate`;
post_cN: a single posting's rate over pgbench's at the same concurrency).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from flash_sale_load import Acks, Delivery, orders, send
from process_cpu import machine_busy, own_cpu, process_cpu, server_cpu
from scratch import scratch_database

from connectors.shopify.testing import ShopifyInventory, serve
from syncbot.runtime import event_loop

STORES = {"shop-a": "flash-secret-a", "shop-b": "flash-secret-b"}  # for the bench only
LOCATION = "70000001"
ON_HAND = 1_000_000
API_TOKEN = "flash-bench-api-token-0000000000"  # for the bench only
ONE_PROCESS = "one `syncbot serve` (webhooks, intake, scheduler)"
SPLIT = "`syncbot serve --no-intake --no-scheduler` (webhooks) + {} `syncbot worker` (intake, sync)"
WORKERS = 1


@dataclass
class Store(ShopifyInventory):
    """The fake, also noting when each accepted level arrived (wall clock, as the database)."""

    arrivals: list[tuple[float, str, int]] = field(default_factory=list)

    def _set(self, variables: dict[str, Any]) -> dict[str, Any]:
        applied_before = self.applied
        answer = super()._set(variables)
        if self.applied > applied_before:
            moment = time.time()
            for quantity in variables["quantities"]:
                self.arrivals.append((moment, quantity["inventoryItemId"], quantity["quantity"]))
        return answer


def item(store: str, n: int) -> str:
    return f"gid://shopify/InventoryItem/{(1 if store == 'shop-a' else 2) * 1_000_000 + n}"


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def pgbench(admin_url: str, database: str, clients: int, seconds: int) -> float:
    """TPC-B-like transactions per second on the scale-1 set in `database`."""
    host = admin_url.split("@", 1)[1].split("/", 1)[0]
    hostname, _, port = host.partition(":")
    common = ["-h", hostname, "-p", port or "5432", "-U", "postgres", database]
    threads = str(min(clients, 2))
    run = subprocess.run(
        ["pgbench", "-n", "-c", str(clients), "-j", threads, "-T", str(seconds), *common],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    for line in run.stdout.splitlines():
        if line.startswith("tps = "):
            return float(line.split()[2])
    raise SystemExit(f"pgbench printed no tps: {run.stdout}")


async def baselines(admin_url: str, postings: int, seconds: int) -> dict[str, float]:
    """pgbench TPC-B at c=1, 5, 16 and a single order posting at c=1 and 16."""
    import ledger_post

    from syncbot.store.database import migrate

    figures: dict[str, float] = {}
    async with scratch(admin_url) as (url, name):
        host = admin_url.split("@", 1)[1].split("/", 1)[0]
        hostname, _, port = host.partition(":")
        subprocess.run(  # noqa: ASYNC221 - the baseline runs alone, nothing else waits
            ["pgbench", "-i", "-q", "-s", "1", "-h", hostname, "-p", port or "5432",
             "-U", "postgres", name],
            check=True, capture_output=True,
        )  # fmt: skip
        for clients in (1, 5, 16):
            figures[f"tpcb_c{clients}"] = pgbench(admin_url, name, clients, seconds)
        await migrate(url)
        for clients in (1, 16):
            figures[f"post_c{clients}"] = await ledger_post.syncbot_rate(
                url, postings, clients, kind="commit"
            )
    return figures


class scratch:
    """A PostgreSQL database created from `admin_url` and dropped at the end."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.name = f"flash_{uuid.uuid4().hex[:8]}"

    async def __aenter__(self) -> tuple[str, str]:
        admin = await asyncpg.connect(self.admin_url.replace("postgres://", "postgresql://", 1))
        try:
            await admin.execute(f'CREATE DATABASE "{self.name}"')
        finally:
            await admin.close()
        return self.admin_url.rsplit("/", 1)[0] + f"/{self.name}", self.name

    async def __aexit__(self, *exc: object) -> None:
        admin = await asyncpg.connect(self.admin_url.replace("postgres://", "postgresql://", 1))
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        finally:
            await admin.close()


async def seed(url: str, skus: list[str]) -> None:
    from syncbot.ledger import receive
    from syncbot.store.catalogue import add_sku
    from syncbot.store.posting import post

    async with scratch_database(url, ["main"]):
        for sku in skus:
            await add_sku(sku)
        await post([receive(sku, ON_HAND) for sku in skus])


def channels_file(fakes: dict[str, str]) -> str:
    text = 'locations = ["main"]\n'
    for name, url in fakes.items():
        variable = name.upper().replace("-", "_")
        text += (
            f'\n[[channels]]\nname = "{name}"\nkind = "shopify"\nshop = "{name}.myshopify.com"\n'
            f'access_token_env = "{variable}_TOKEN"\nwebhook_secret_env = "{variable}_SECRET"\n'
            f'api_base_url = "{url}"\n\n[channels.locations]\n{LOCATION} = "main"\n'
        )
    return text


def syncbot_command() -> str:
    beside = Path(sys.executable).with_name("syncbot")
    return str(beside) if beside.exists() else shutil.which("syncbot") or "syncbot"


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait(check: Any, what: str, seconds: float, step: float = 0.1) -> float:
    """Polls `check` until true; returns the seconds it took."""
    started = time.perf_counter()
    while not check():
        if time.perf_counter() - started > seconds:
            raise SystemExit(f"timed out after {seconds:g} s waiting for {what}")
        time.sleep(step)
    return time.perf_counter() - started


class Ledger:
    """Plain SQL reads of the service's database (what is committed, whatever it does)."""

    def __init__(self, url: str) -> None:
        self.dsn = url.replace("postgres://", "postgresql://", 1)

    def rows(self, sql: str) -> list[asyncpg.Record]:
        async def fetch() -> list[asyncpg.Record]:
            connection = await asyncpg.connect(self.dsn)
            try:
                return list(await connection.fetch(sql))
            finally:
                await connection.close()

        return asyncio.run(fetch())

    def pending(self) -> int:
        return int(self.rows("SELECT count(*) FROM inbox_delivery WHERE status = 'pending'")[0][0])

    def stored(self) -> int:
        return int(self.rows("SELECT count(*) FROM inbox_delivery")[0][0])

    def available(self) -> dict[str, int]:
        found = self.rows(
            "SELECT sku_id, SUM(quantity) AS q FROM balance WHERE bucket = 'available' "
            "GROUP BY sku_id"
        )
        return {row["sku_id"]: int(row["q"]) for row in found}

    def committed_units(self) -> dict[tuple[str, int, str], int]:
        """Units committed per (channel, order, SKU), from the movements."""
        found = self.rows(
            "SELECT document, sku_id, SUM(quantity) AS q FROM movement "
            "WHERE kind = 'order_commit' GROUP BY document, sku_id"
        )
        units = {}
        for row in found:
            channel, _, order_id = row["document"].split("/")
            units[(channel, int(order_id), row["sku_id"])] = int(row["q"])
        return units

    def changes(self, since: datetime) -> list[tuple[float, str, int]]:
        """(recorded, SKU, available after) of each order commit recorded since `since`."""
        found = self.rows(
            "SELECT id, sku_id, quantity, recorded_at FROM movement "
            "WHERE kind = 'order_commit' ORDER BY id"
        )
        left: dict[str, int] = {}
        changes = []
        for row in found:
            sku = row["sku_id"]
            left[sku] = left.get(sku, ON_HAND) - int(row["quantity"])
            if row["recorded_at"] >= since:
                changes.append((row["recorded_at"].timestamp(), sku, left[sku]))
        return changes


def change_latencies(
    changes: list[tuple[float, str, int]], stores: dict[str, Store], skus: list[str]
) -> list[float]:
    """For each change and store: seconds until the store held a level that includes it
    (orders only lower available, so a level at or below the change's includes it)."""
    latencies = []
    for store_name, store in stores.items():
        by_item: dict[str, list[tuple[float, int]]] = {}
        for moment, gid, quantity in store.arrivals:
            by_item.setdefault(gid, []).append((moment, quantity))
        numbers = {sku: n for n, sku in enumerate(skus)}
        for recorded, sku, left in changes:
            arrivals = by_item.get(item(store_name, numbers[sku]), [])
            reached = next((m for m, q in arrivals if m >= recorded and q <= left), None)
            if reached is not None:
                latencies.append(reached - recorded)
    return latencies


@dataclass
class Phase:
    label: str
    acks: Acks
    drain_s: float
    posted_per_s: float
    change_p50_s: float
    change_p95_s: float
    cpu_ms: dict[str, float] = field(default_factory=dict)
    """CPU per order from the first delivery sent to the backlog drained, by process."""


def run_sale(arguments: argparse.Namespace, url: str, skus: list[str]) -> dict[str, Any]:
    stores = {
        name: Store(
            variants=[(sku, item(name, n)) for n, sku in enumerate(skus)],
            maximum=1000.0,
            available=1000.0,
            restore_rate=100.0,
        )
        for name in STORES
    }
    deliveries = orders(arguments.orders, STORES, skus, arguments.retries)
    steady_count = max(1, len(deliveries) // 5)
    with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
        fakes = {name: stack.enter_context(serve(store)) for name, store in stores.items()}
        config = Path(folder) / "syncbot.toml"
        config.write_text(channels_file(fakes))
        env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCBOT_")}
        env.update(
            SYNCBOT_DATABASE_URL=url,
            SYNCBOT_CONFIG=str(config),
            SYNCBOT_API_TOKEN=API_TOKEN,
            SYNCBOT_LOG_LEVEL="WARNING",
        )
        if arguments.lanes is not None:
            env["SYNCBOT_INTAKE_LANES"] = str(arguments.lanes)
        for name, secret in STORES.items():
            variable = name.upper().replace("-", "_")
            env[f"{variable}_TOKEN"] = f"shpat_flash_{variable.lower()}"
            env[f"{variable}_SECRET"] = secret
        for name in STORES:
            subprocess.run(
                [syncbot_command(), "channels", "discover", name], env=env, check=True,
                capture_output=True,
            )  # fmt: skip
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        split = ["--no-intake", "--no-scheduler"] if arguments.workers else []
        processes = [
            _start(
                [syncbot_command(), "serve", "--host", "127.0.0.1", "--port", str(port), *split],
                env, Path(folder) / "serve.log",
            )
        ]  # fmt: skip
        try:
            wait(lambda: _ready(base), "the service to start", 60)
            for n in range(arguments.workers):  # after serve, which migrates: a worker does not
                processes.append(
                    _start([syncbot_command(), "worker"], env, Path(folder) / f"worker{n}.log")
                )
            wait(
                lambda: all(
                    store.levels.get(item(name, n)) == ON_HAND
                    for name, store in stores.items()
                    for n in range(len(skus))
                ),
                "the first sweep to publish every level",
                120,
            )
            ledger = Ledger(url)
            before = {
                name: (len(s.set_calls), s.applied, s.throttled) for name, s in stores.items()
            }
            pids = {"serve": [processes[0].pid], "workers": [p.pid for p in processes[1:]]}
            phases = [
                _phase("steady", base, ledger, deliveries[:steady_count], arguments.rate,
                       stores, skus, pids),
                _phase("burst", base, ledger, deliveries[steady_count:], arguments.burst_rate,
                       stores, skus, pids),
            ]  # fmt: skip
            available = ledger.available()
            expected = {sku: max(0, available[sku]) for sku in skus}
            settle = wait(
                lambda: all(
                    store.levels.get(item(name, n)) == expected[sku]
                    for name, store in stores.items()
                    for n, sku in enumerate(skus)
                ),
                "the stores to show syncbot's available",
                120,
                step=0.2,
            )
            drift = sum(
                abs(store.levels.get(item(name, n), 0) - expected[sku])
                for name, store in stores.items()
                for n, sku in enumerate(skus)
            )
            pushes = {
                name: (
                    len(store.set_calls) - before[name][0],
                    store.applied - before[name][1],
                    store.throttled - before[name][2],
                )
                for name, store in stores.items()
            }
            units = ledger.committed_units()
            unapplied = ledger.rows(
                "SELECT status, last_error, count(*) AS n FROM inbox_delivery "
                "WHERE status <> 'applied' GROUP BY status, last_error"
            )
            for row in unapplied:
                print(f"  not applied: {row['n']} {row['status']}: {row['last_error']}")
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(30)
        verify = subprocess.run(
            [syncbot_command(), "verify"], env=env, capture_output=True, text=True,
            check=False,
        )  # fmt: skip
    if verify.returncode != 0:
        print(verify.stdout[-2000:], verify.stderr[-2000:], file=sys.stderr)
    lost = duplicated = 0
    unique = {(d.channel, d.order_id): d for d in deliveries}
    for (channel, order_id), delivery in unique.items():
        got = {sku: units.get((channel, order_id, sku), 0) for sku in delivery.units}
        if any(got[sku] < quantity for sku, quantity in delivery.units.items()):
            lost += 1
            if lost <= 5:
                print(f"  lost: {channel} order {order_id}: {delivery.units}, posted {got}")
        duplicated += any(got[sku] > quantity for sku, quantity in delivery.units.items())
    return {
        "phases": phases,
        "pushes": pushes,
        "drift": drift,
        "settle_s": settle,
        "lost": lost,
        "duplicated": duplicated,
        "verify": "clean" if verify.returncode == 0 else "dirty",
        "orders": len(unique),
        "deliveries": len(deliveries),
    }


def _phase(
    label: str,
    base: str,
    ledger: Ledger,
    deliveries: list[Delivery],
    rate: float,
    stores: dict[str, Store],
    skus: list[str],
    pids: dict[str, list[int]],
) -> Phase:
    from datetime import UTC

    began = datetime.now(UTC)
    cpu_before = cpu_use(pids)
    started = time.perf_counter()
    # Paced by send slots: enough connections that one waiting for a slow answer never
    # leaves a slot unused (a twentieth of a second's requests), few enough that their first
    # requests, which wrk sends at once, are a small burst.
    acks = send(base, deliveries, rate, max(8, int(rate / 20)) if rate else 32)
    sent_at = time.perf_counter()
    wait(lambda: ledger.pending() == 0, "the backlog to drain", 900, step=0.05)
    drained = time.perf_counter()
    count = len({(d.channel, d.order_id) for d in deliveries})
    cpu_ms = {
        name: (used - cpu_before[name]) / count * 1000 for name, used in cpu_use(pids).items()
    }
    time.sleep(3)  # the last pushes: poll + debounce + the call
    latencies = change_latencies(ledger.changes(began), stores, skus)
    return Phase(
        label,
        acks,
        drained - sent_at,
        count / (drained - started),
        statistics.median(latencies) if latencies else float("nan"),
        percentile(latencies, 0.95),
        cpu_ms,
    )


def cpu_use(pids: dict[str, list[int]]) -> dict[str, float]:
    """Seconds of CPU used so far: by each group of syncbot's processes, PostgreSQL's,
    wrk's (this script's child, counted once it has ended), this script's (the fake stores
    and the checks), and the whole machine's."""
    own, children = own_cpu()
    return {
        **{name: sum(process_cpu(pid) for pid in group) for name, group in pids.items()},
        "postgres": server_cpu(),
        "wrk": children,
        "fake stores and checks": own,
        "machine": machine_busy(),
    }


def _start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as output:
        return subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)


def _ready(base: str) -> bool:
    try:
        return httpx.get(f"{base}/readyz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--skus", type=int, default=200)
    parser.add_argument("--retries", type=float, default=0.03, help="share sent twice")
    parser.add_argument("--rate", type=float, default=200.0, help="deliveries/s, steady part")
    parser.add_argument("--burst-rate", type=float, default=0.0, help="0: as fast as answered")
    parser.add_argument("--pgbench-seconds", type=int, default=10, help="0: no baselines")
    parser.add_argument("--postings", type=int, default=1000, help="single postings measured")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument(
        "--workers",
        type=int,
        default=WORKERS,
        help="0: one `serve` does everything; N: `serve --no-intake --no-scheduler` and N "
        "`syncbot worker` processes for intake and sync (docs/deploy.md, A flash sale)",
    )
    parser.add_argument(
        "--lanes", type=int, default=None, help="SYNCBOT_INTAKE_LANES (default: syncbot's)"
    )
    arguments = parser.parse_args()
    if shutil.which("pgbench") is None:
        raise SystemExit("pgbench is needed (apt-get install postgresql-client)")

    if arguments.pgbench_seconds:
        base = event_loop.run(  # the loop syncbot's processes run on
            baselines(arguments.postgres, arguments.postings, arguments.pgbench_seconds)
        )
    else:  # the sale alone, to try it quickly: every ratio is nan
        base = dict.fromkeys(("tpcb_c1", "tpcb_c5", "tpcb_c16", "post_c1", "post_c16"), math.nan)
    print(
        f"pgbench TPC-B: c=1 {base['tpcb_c1']:.0f} tps, c=5 {base['tpcb_c5']:.0f} tps, "
        f"c=16 {base['tpcb_c16']:.0f} tps",
        flush=True,
    )
    post_c1 = base["post_c1"] / base["tpcb_c1"]
    post_c16 = base["post_c16"] / base["tpcb_c16"]
    print(
        f"single posting (order commit): c=1 {base['post_c1']:.0f}/s ({post_c1:.2f}x TPC-B), "
        f"c=16 {base['post_c16']:.0f}/s ({post_c16:.2f}x TPC-B)",
        flush=True,
    )
    skus = [f"FLASH-{n:04d}" for n in range(arguments.skus)]

    async def prepared() -> tuple[scratch, str]:
        database = scratch(arguments.postgres)
        url, _ = await database.__aenter__()
        await seed(url, skus)
        return database, url

    database, url = asyncio.run(prepared())
    try:
        sale = run_sale(arguments, url, skus)
    finally:
        asyncio.run(database.__aexit__())
    print(
        f"sale: {sale['orders']} orders in {sale['deliveries']} deliveries "
        f"({sale['deliveries'] - sale['orders']} retries), {len(skus)} SKUs, 2 stores",
        flush=True,
    )
    topology = SPLIT.format(arguments.workers) if arguments.workers else ONE_PROCESS
    print(f"topology: {topology}", flush=True)
    for phase in sale["phases"]:
        rate = (
            "as fast as answered"
            if phase.label == "burst" and not arguments.burst_rate
            else (f"at {arguments.rate if phase.label == 'steady' else arguments.burst_rate:g}/s")
        )
        print(
            f"  {phase.label:<6} {phase.acks.sent} deliveries {rate} ({phase.acks.tool}): "
            f"acks {phase.acks.per_second:.0f}/s p50 {phase.acks.p50_ms:.1f} ms "
            f"p99 {phase.acks.p99_ms:.1f} ms, refused {phase.acks.failed}; backlog drained "
            f"{phase.drain_s:.1f} s after the last; orders posted {phase.posted_per_s:.0f}/s; "
            f"change->channel p50 {phase.change_p50_s:.2f} s p95 {phase.change_p95_s:.2f} s",
            flush=True,
        )
    steady, burst = sale["phases"]
    shares = ", ".join(f"{name} {ms:.2f}" for name, ms in burst.cpu_ms.items() if name != "machine")
    print(
        f"CPU per order in the burst, ms: {shares}; the machine busy "
        f"{burst.cpu_ms['machine']:.2f} ms of {os.cpu_count()} CPUs' time",
        flush=True,
    )
    ratio = burst.posted_per_s / base["tpcb_c5"]
    print(
        f"orders posted/s in the burst {burst.posted_per_s:.0f} / pgbench TPC-B c=5 "
        f"{base['tpcb_c5']:.0f} tps = {ratio:.2f}",
        flush=True,
    )
    for name, (calls, quantities, throttled) in sale["pushes"].items():
        minimum = math.ceil(quantities / 250) if quantities else 0
        print(
            f"pushes to {name}: {calls} calls for {quantities} levels "
            f"(minimum ceil({quantities}/250) = {minimum}), THROTTLED {throttled}",
            flush=True,
        )
    print(
        f"after: stores showed syncbot's available {sale['settle_s']:.1f} s after the drain; "
        f"drift {sale['drift']}; lost {sale['lost']}, duplicated {sale['duplicated']}; "
        f"verify {sale['verify']}",
        flush=True,
    )
    print(
        f"flash_sale ratio={ratio:.2f} ack_p99_ms={steady.acks.p99_ms:.1f} "
        f"change_p95_s={burst.change_p95_s:.2f} drift={sale['drift']} lost={sale['lost']} "
        f"duplicated={sale['duplicated']} post_c1={post_c1:.2f} post_c16={post_c16:.2f}",
        flush=True,
    )


if __name__ == "__main__":
    main()

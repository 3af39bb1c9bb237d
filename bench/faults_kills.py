"""Part 1 of bench/faults.py: kill -9 `syncbot serve` while orders stream in and it pushes.

Signed orders/create deliveries arrive at a steady rate (a third of the orders are later
fulfilled, by an orders/fulfilled delivery), each resent until it gets a 2xx, as Shopify
does; every order first takes its units off the fake shop's `available`, as a checkout
does. Receipts arrive through `POST /api/movements`, so syncbot has something to push.
The process is killed with SIGKILL at random moments, start-up included, and restarted.
After the last restart everything is delivered, the inbox drains and the ledger is read.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from dataclasses import dataclass, field

import httpx
from faults_inbox import read_inbox
from faults_service import (
    API_TOKEN,
    CHANNEL,
    Database,
    Service,
    numeric,
    wait_for,
)
from faults_shopify import RecordingShopify
from faults_traffic import Order, Sender, backoff, order_delivery, random_order


@dataclass
class KillFigures:
    kills: int = 0
    kills_in_startup: int = 0
    orders: int = 0
    orders_acknowledged: int = 0
    deliveries: int = 0
    resends: int = 0
    receipts: int = 0
    lost: int = 0
    orders_twice: int = 0
    receipts_twice: int = 0
    pushes_applied: int = 0
    pushes_twice: int = 0
    blind_sets: int = 0
    key_mismatches: int = 0
    replays: int = 0
    stuck: int = 0
    quarantined: int = 0
    """Listings syncbot stopped pushing until a person releases them."""
    verify_clean: bool = False
    converge_s: float | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def duplicated(self) -> int:
        return self.orders_twice + self.receipts_twice + self.pushes_twice


@dataclass
class Receipts:
    """Receipts posted through the API, each resent under its idempotency key until a 2xx."""

    base: str
    sent: dict[str, tuple[str, int]] = field(default_factory=dict)
    acknowledged: set[str] = field(default_factory=set)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def send(self, client: httpx.AsyncClient, key: str, sku: str, quantity: int) -> None:
        self.sent[key] = (sku, quantity)
        task = asyncio.create_task(self._post(client, key, sku, quantity))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _post(self, client: httpx.AsyncClient, key: str, sku: str, quantity: int) -> None:
        body = {"sku": sku, "kind": "receive", "quantity": quantity, "idempotency_key": key}
        headers = {"Authorization": f"Bearer {API_TOKEN}"}
        attempts = 0
        while True:
            attempts += 1
            try:
                answer = await client.post(f"{self.base}/api/movements", json=body, headers=headers)
                if answer.is_success:
                    self.acknowledged.add(key)
                    return
            except httpx.TransportError:
                pass  # down or killed mid-request: resend the same key
            await asyncio.sleep(backoff(attempts))


async def produce(
    fake: RecordingShopify,
    items: dict[str, str],
    sender: Sender,
    receipts: Receipts,
    client: httpx.AsyncClient,
    rate: float,
    stop: asyncio.Event,
    draw: random.Random,
) -> list[tuple[Order, bool]]:
    """Orders at `rate` a second, and a receipt every third order, until `stop`."""
    orders: list[tuple[Order, bool]] = []
    skus = sorted(items)
    n = 0
    while not stop.is_set():
        n += 1
        order, fulfil = random_order(8_000_000 + n, skus, draw), draw.random() < 1 / 3
        fake.place_order([(items[line.sku], line.quantity) for line in order.lines])
        orders.append((order, fulfil))
        follow = (lambda o=order: order_delivery(o, fulfilled=True)) if fulfil else None
        sender.send(order_delivery(order), then=follow)
        if n % 3 == 0:
            receipts.send(client, f"faults-receipt-{n}", draw.choice(skus), draw.randint(1, 20))
        await asyncio.sleep(draw.expovariate(rate))
    return orders


async def converged(database: Database, fake: RecordingShopify, items: dict[str, str]) -> bool:
    """Every listing shows what syncbot publishes: `available` (the default policy)."""
    listings = await database.listings()
    if not listings:
        return False
    available, levels = await database.available(), fake.levels()
    by_number = {numeric(gid): gid for gid in items.values()}
    return all(
        levels.get(by_number.get(number, ""), 0) == available.get(sku, 0)
        for sku, number in listings.items()
    )


async def apart(
    database: Database, fake: RecordingShopify, items: dict[str, str]
) -> list[tuple[str, bool]]:
    """Listings where the shop and syncbot's plan differ: what syncbot knows of each, and
    whether it is quarantined (then it waits for a person, not for time)."""
    available, levels = await database.available(), fake.levels()
    rows = await database.rows(
        "SELECT sku, channel_quantity, pushed_quantity, held_since, quarantined_error "
        f"FROM channel_listing WHERE channel = '{CHANNEL}' ORDER BY sku"
    )
    found = []
    for row in rows:
        shop, plan = levels.get(items[row["sku"]], 0), available.get(row["sku"], 0)
        if shop != plan:
            note = (
                f"{row['sku']}: the shop shows {shop}, syncbot publishes {plan}; syncbot "
                f"believes the shop holds {row['channel_quantity']}, last pushed "
                f"{row['pushed_quantity']}, held since {row['held_since']}, quarantined: "
                f"{row['quarantined_error']}"
            )
            found.append((note, row["quarantined_error"] is not None))
    return found


async def kill_storm(
    service: Service,
    fake: RecordingShopify,
    items: dict[str, str],
    *,
    kills: int,
    rate: float,
    seed: int,
) -> KillFigures:
    figures = KillFigures()
    draw = random.Random(seed)
    database = Database(service.database_url)
    service.start()
    await service.ready()
    stop = asyncio.Event()
    async with Sender(service.webhook_url) as sender, httpx.AsyncClient(timeout=10) as client:
        receipts = Receipts(service.base)
        producer = asyncio.create_task(
            produce(fake, items, sender, receipts, client, rate, stop, draw)
        )
        for _ in range(kills):
            if draw.random() < 0.15:  # during start-up: migrations, leader, first sweep
                await asyncio.sleep(draw.uniform(0, 2.0))
                figures.kills_in_startup += service.process is not None and not await _is_ready(
                    client, service
                )
            else:
                await service.ready()
                await asyncio.sleep(draw.uniform(0, 1.2))
            await service.kill()
            figures.kills += 1
            service.start()
        stop.set()
        orders = await producer
        await service.ready()
        if not await sender.drain(180):
            figures.notes.append("some deliveries were still unacknowledged after 180 s")
        await asyncio.wait_for(asyncio.gather(*receipts.tasks), 180)

        async def settled() -> bool:
            return (await read_inbox(database)).count("pending") == 0

        await wait_for(settled, 60)

        async def done() -> bool:
            differ = await apart(database, fake, items)
            return all(quarantined for _, quarantined in differ)

        _, took = await wait_for(done, 60)
        differ = await apart(database, fake, items)
        figures.converge_s = None if differ else took
        figures.notes += [note for note, _ in differ]
    await service.stop()
    figures.verify_clean = service.cli("verify").returncode == 0
    await _count(figures, database, fake, sender, receipts, orders)
    return figures


async def _is_ready(client: httpx.AsyncClient, service: Service) -> bool:
    try:
        return (await client.get(f"{service.base}/readyz", timeout=0.5)).status_code == 200
    except httpx.TransportError:
        return False


async def _count(
    figures: KillFigures,
    database: Database,
    fake: RecordingShopify,
    sender: Sender,
    receipts: Receipts,
    orders: list[tuple[Order, bool]],
) -> None:
    acknowledged = {d.event_id for d in sender.sent if d.acknowledged}
    labels = Counter(d.label for d in sender.sent if d.event_id in acknowledged)
    posted = await database.order_movements()
    figures.orders, figures.deliveries = len(orders), len(sender.sent)
    figures.resends = sender.retries
    for order, _ in orders:
        # orders/create is acknowledged once per order; orders/fulfilled a second time.
        acks = labels[f"order {order.order_id}"]
        if acks == 0:
            continue
        figures.orders_acknowledged += 1
        short = extra = False
        for line in order.lines:
            number = str(order.order_id)
            expected = {"order_commit": line.quantity, "order_fulfil": line.quantity * (acks > 1)}
            for kind, units in expected.items():
                got = posted.get((number, line.sku, kind), 0)
                short, extra = short or got < units, extra or got > units
            extra = extra or posted.get((number, line.sku, "order_cancel"), 0) > 0
        figures.lost += short
        figures.orders_twice += extra
    received = await _receipts(database)
    figures.receipts = len(receipts.sent)
    for receipt in receipts.acknowledged:
        got, wanted = received.get(receipt, 0), receipts.sent[receipt][1]
        figures.lost += got < wanted
        figures.receipts_twice += got > wanted
    planned = Counter(await database.planned_pushes())
    applied = Counter((numeric(a.item), a.change_from, a.quantity) for a in fake.applied)
    figures.pushes_applied = len(fake.applied)
    figures.pushes_twice = sum(max(0, n - planned[change]) for change, n in applied.items())
    figures.blind_sets = sum(1 for a in fake.applied if a.change_from is None)
    figures.key_mismatches, figures.replays = fake.mismatches, fake.replays
    figures.quarantined = len(
        await database.rows(
            f"SELECT sku FROM channel_listing WHERE channel = '{CHANNEL}' "
            "AND quarantined_at IS NOT NULL"
        )
    )
    inbox = await read_inbox(database)
    figures.stuck = len(inbox.rows) - inbox.count("applied")
    if inbox.unknown_statuses:
        figures.notes.append(f"inbox statuses not recognised: {dict(inbox.unknown_statuses)}")


async def _receipts(database: Database) -> dict[str, int]:
    rows = await database.rows(
        "SELECT idempotency_key, SUM(quantity) AS quantity FROM movement "
        "WHERE kind = 'receive' AND idempotency_key LIKE '%faults-receipt-%' "
        "GROUP BY idempotency_key"
    )
    found: dict[str, int] = {}
    for row in rows:
        key = "faults-receipt-" + str(row["idempotency_key"]).rsplit("faults-receipt-", 1)[1]
        found[key] = found.get(key, 0) + int(row["quantity"])
    return found


def describe(figures: KillFigures) -> list[str]:
    f = figures
    return [
        f"intake kills: {f.kills} kill -9 of syncbot serve ({f.kills_in_startup} before it was "
        f"ready); {f.orders} orders ({f.orders_acknowledged} acknowledged), {f.deliveries} "
        f"deliveries, {f.resends} resends, {f.receipts} API receipts",
        f"  lost {f.lost}   orders posted twice {f.orders_twice}   receipts posted twice "
        f"{f.receipts_twice}   inbox rows stuck {f.stuck}   verify "
        f"{'clean' if f.verify_clean else 'DIRTY'}",
        f"  pushes: {f.pushes_applied} quantities applied by the fake shop, {f.pushes_twice} "
        f"applied beyond syncbot's planned changes, {f.blind_sets} without changeFromQuantity, "
        f"{f.replays} resends answered from their idempotency key, {f.key_mismatches} keys "
        f"reused with different input",
        "  the shop after recovery: "
        + (
            f"converged in {f.converge_s:.1f} s"
            if f.converge_s is not None
            else "NOT converged (within 60 s, or only quarantined listings differ)"
        ),
        f"  listings quarantined at the end {f.quarantined}",
        *(f"  note: {note}" for note in f.notes),
    ]

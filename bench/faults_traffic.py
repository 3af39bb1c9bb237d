"""What bench/faults.py sends: signed Shopify order webhooks, poison among them, and a sender
that keeps retrying a delivery until it gets a 2xx, as Shopify does."""

from __future__ import annotations

import asyncio
import json
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx

from connectors.shopify.webhooks import sign

SHOP = "faults.myshopify.com"
SECRET = "faults-bench-webhook-secret"  # for the bench only
EPOCH = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Line:
    line_id: int
    sku: str
    quantity: int


@dataclass(frozen=True, slots=True)
class Order:
    order_id: int
    lines: tuple[Line, ...]


@dataclass(slots=True)
class Delivery:
    """One webhook delivery; retries resend the same bytes and headers."""

    label: str
    body: bytes
    headers: dict[str, str]
    event_id: str
    attempts: int = 0
    status: int | None = None
    """The last HTTP status; None while no answer came back."""

    @property
    def acknowledged(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def signed(label: str, topic: str, body: bytes, secret: str = SECRET) -> Delivery:
    event_id = str(uuid.uuid4())
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Hmac-Sha256": sign(body, secret),
        "X-Shopify-Topic": topic,
        "X-Shopify-Shop-Domain": SHOP,
        "X-Shopify-Event-Id": event_id,
        "X-Shopify-Webhook-Id": str(uuid.uuid4()),
        "X-Shopify-Triggered-At": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "X-Shopify-API-Version": "2026-10",
    }
    return Delivery(label, body, headers, event_id)


def order_body(order: Order, *, fulfilled: bool, **changes: object) -> dict[str, object]:
    """A REST order as orders/* webhooks carry it; `changes` replace top-level fields."""
    stamp = (EPOCH + timedelta(seconds=1 if fulfilled else 0)).isoformat()
    items = [
        {
            "id": line.line_id,
            "sku": line.sku,
            "quantity": line.quantity,
            "current_quantity": line.quantity,
            "fulfillable_quantity": 0 if fulfilled else line.quantity,
            "fulfillment_status": "fulfilled" if fulfilled else None,
        }
        for line in order.lines
    ]
    fulfillments = [
        {
            "id": order.order_id * 10,
            "status": "success",
            "created_at": stamp,
            "location_id": None,
            "line_items": [{"id": line.line_id, "quantity": line.quantity} for line in order.lines],
        }
    ]
    body: dict[str, object] = {
        "id": order.order_id,
        "admin_graphql_api_id": f"gid://shopify/Order/{order.order_id}",
        "created_at": EPOCH.isoformat(),
        "updated_at": stamp,
        "cancelled_at": None,
        "line_items": items,
        "fulfillments": fulfillments if fulfilled else [],
        "refunds": [],
    }
    body.update(changes)
    return body


def order_delivery(order: Order, *, fulfilled: bool = False) -> Delivery:
    topic = "orders/fulfilled" if fulfilled else "orders/create"
    body = json.dumps(order_body(order, fulfilled=fulfilled)).encode()
    return signed(f"order {order.order_id}", topic, body)


def random_order(order_id: int, skus: list[str], draw: random.Random) -> Order:
    chosen = draw.sample(skus, draw.choice((1, 1, 2)))
    lines = tuple(Line(order_id * 100 + n, sku, draw.randint(1, 3)) for n, sku in enumerate(chosen))
    return Order(order_id, lines)


def _poison_body(kind: str, order: Order) -> bytes:
    """Signed bodies that a storefront bug, or a hostile store, could send."""
    line = order.lines[0]
    item = {"id": line.line_id, "quantity": 1, "current_quantity": 1}
    bodies: dict[str, Callable[[], object]] = {
        "fulfillments [1]": lambda: order_body(order, fulfilled=False, fulfillments=[1]),
        "sku is a list": lambda: order_body(order, fulfilled=False, line_items=[
            {**item, "sku": [line.sku]}]),
        "sku of 200 characters": lambda: order_body(order, fulfilled=False, line_items=[
            {**item, "sku": "L" * 200}]),
        "NUL in sku": lambda: order_body(order, fulfilled=False, line_items=[
            {**item, "sku": line.sku + "\x00"}]),
        "quantity 2^40": lambda: order_body(order, fulfilled=False, line_items=[
            {**item, "sku": "NOT-IN-SYNCBOT", "quantity": 2**40, "current_quantity": 2**40}]),
        "order id of 70 digits": lambda: order_body(order, fulfilled=False, id=int("9" * 70)),
        "body is not an object": lambda: [order_body(order, fulfilled=False)],
    }  # fmt: skip
    return json.dumps(bodies[kind]()).encode()


POISON_KINDS = (
    "fulfillments [1]",
    "sku is a list",
    "sku of 200 characters",
    "NUL in sku",
    "quantity 2^40",
    "order id of 70 digits",
    "body is not an object",
)


def poison_delivery(kind: str, order: Order) -> Delivery:
    return signed(kind, "orders/create", _poison_body(kind, order))


FollowUp = Callable[[], Delivery | None]


def backoff(attempts: int) -> float:
    """0.1 s after the first failure, doubling to 1 s, jittered: Shopify waits minutes, but
    a bench that waited as long would measure nothing, and resending in a tight loop would
    only steal the CPU the restarting service needs."""
    return min(1.0, 0.05 * 2.0 ** min(attempts, 5)) * random.uniform(0.5, 1.0)


@dataclass
class Sender:
    """Posts deliveries to one webhook URL, each retried until a 2xx (or `give_up_4xx` 4xx)."""

    url: str
    concurrency: int = 8
    give_up_4xx: int = 3
    """A 4xx is the service refusing the delivery: after this many, stop resending it."""
    max_attempts: int | None = None
    """Shopify gives up after 8 failed tries; None resends until a 2xx (a service that is
    down, or being killed, comes back)."""
    sent: list[Delivery] = field(default_factory=list)
    retries: int = 0
    _client: httpx.AsyncClient | None = None
    _slots: asyncio.Semaphore | None = None
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    async def __aenter__(self) -> Sender:
        limits = httpx.Limits(max_connections=self.concurrency, max_keepalive_connections=0)
        self._client = httpx.AsyncClient(timeout=10, limits=limits)
        self._slots = asyncio.Semaphore(self.concurrency)
        return self

    async def __aexit__(self, *exc: object) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()

    def send(self, delivery: Delivery, then: FollowUp | None = None) -> None:
        """Starts delivering in the background; `then` makes a follow-up once acknowledged."""
        self.sent.append(delivery)
        task = asyncio.create_task(self._deliver(delivery, then))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self, seconds: float) -> bool:
        """Waits until every delivery is answered for good; False when time ran out."""
        deadline = asyncio.get_running_loop().time() + seconds
        while self._tasks:
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                return False
            await asyncio.wait(set(self._tasks), timeout=left)
        return True

    async def _deliver(self, delivery: Delivery, then: FollowUp | None) -> None:
        assert self._client is not None
        assert self._slots is not None
        refused = 0
        while True:
            delivery.attempts += 1
            async with self._slots:
                try:
                    response = await self._client.post(
                        self.url, content=delivery.body, headers=delivery.headers
                    )
                    delivery.status = response.status_code
                except httpx.TransportError:
                    delivery.status = None  # the service is down, or died mid-request
            if delivery.acknowledged:
                break
            if delivery.status is not None and 400 <= delivery.status < 500:
                refused += 1
                if refused >= self.give_up_4xx:
                    return
            if self.max_attempts is not None and delivery.attempts >= self.max_attempts:
                return
            self.retries += 1
            await asyncio.sleep(backoff(delivery.attempts))
        follow_up = then() if then is not None else None
        if follow_up is not None:
            self.send(follow_up)

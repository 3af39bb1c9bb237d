"""Simulated customers: they buy on both storefronts at the rate asked, cancel some orders
before they ship, and send some units back after; the shops ship what is left.

Each action happens in the storefront's own state first, as a checkout does (the store
lowers or restores its own stock), and the storefront then sends syncbot its signed
webhook: Shopify's REST Order and Refund bodies with X-Shopify-Hmac-Sha256, WooCommerce's
order bodies with X-WC-Webhook-Signature. A delivery that syncbot does not answer with 200
is sent again, as the storefronts retry.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import httpx

from syncbot.demo.storefronts import SHOPIFY, WOO, Storefronts
from syncbot.demo.tally import Tally

SHIP_AFTER_SECONDS = 4.0  # an order is shipped this long after it was placed
CANCEL_CHANCE = 0.1  # per order placed, a waiting order is cancelled
RETURN_CHANCE = 0.1  # per order placed, a shipped unit comes back
DELIVERY_ATTEMPTS = 5
Say = Callable[[str], None]


@dataclass
class PlacedOrder:
    storefront: str
    order_id: int
    lines: dict[str, int]
    placed_at: float
    shipped: bool = False
    returned: dict[str, int] = field(default_factory=dict)

    def returnable(self) -> list[str]:
        return [sku for sku, units in self.lines.items() if self.returned.get(sku, 0) < units]


class Customers:
    """Shoppers on both storefronts, at `orders_per_minute` orders a minute on average."""

    def __init__(
        self,
        fronts: Storefronts,
        syncbot_url: str,
        tally: Tally,
        say: Say,
        orders_per_minute: float,
        chance: random.Random | None = None,
    ) -> None:
        self.fronts = fronts
        self.tally = tally
        self.say = say
        self.rate = orders_per_minute
        self.chance = chance or random.Random()
        self.waiting: list[PlacedOrder] = []
        self.shipped: list[PlacedOrder] = []
        self._http = httpx.AsyncClient(base_url=syncbot_url, timeout=10)

    async def run(self, stop: asyncio.Event) -> None:
        """Shops until `stop` is set; the gap between orders is random (exponential)."""
        due = time.monotonic()
        try:
            while not stop.is_set():
                await self.step()
                # Gaps are counted from when the last order was due, not from when its
                # webhooks were answered, so the rate holds however long a step takes.
                due += self.chance.expovariate(self.rate / 60)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=max(0.0, due - time.monotonic()))
        finally:
            await self._http.aclose()

    async def step(self) -> None:
        """Ships what is due, maybe cancels or returns one, and places one order."""
        now = time.monotonic()
        for order in [o for o in self.waiting if now - o.placed_at >= SHIP_AFTER_SECONDS]:
            await self._ship(order)
        if self.waiting and self.chance.random() < CANCEL_CHANCE:
            await self._cancel(self.chance.choice(self.waiting))
        returnable = [order for order in self.shipped if order.returnable()]
        if returnable and self.chance.random() < RETURN_CHANCE:
            await self._give_back(self.chance.choice(returnable))
        await self._buy(self.chance.choice((SHOPIFY, WOO)))

    async def _buy(self, storefront: str) -> None:
        levels = self.fronts.levels(storefront)
        in_stock = sorted(sku for sku, level in levels.items() if level > 0)
        if not in_stock:
            return
        chosen = self.chance.sample(in_stock, min(len(in_stock), self.chance.choice((1, 1, 2))))
        lines = {sku: min(levels[sku], self.chance.choice((1, 1, 1, 2))) for sku in chosen}
        self.tally.orders[storefront] += 1
        if storefront == SHOPIFY:
            order, hooks = self.fronts.shop_orders.place(lines)
            order_id = order.id
            self._changed(storefront, {sku: -units for sku, units in lines.items()})
            await self._send(SHOPIFY, [(hook.body, hook.headers) for hook in hooks])
        else:
            order_id = self.fronts.woo.place_order(lines)
            self._changed(storefront, {sku: -units for sku, units in lines.items()})
            await self._woo(order_id, "order.created")
        self.waiting.append(PlacedOrder(storefront, order_id, lines, time.monotonic()))
        self.say(f"order   {storefront:<8} #{order_id}  {_units(lines)}")

    async def _cancel(self, order: PlacedOrder) -> None:
        self.waiting.remove(order)
        self.tally.cancelled[order.storefront] += 1
        if order.storefront == SHOPIFY:
            hooks = self.fronts.shop_orders.cancel(order.order_id)
            self._changed(order.storefront, order.lines)
            await self._send(SHOPIFY, [(hook.body, hook.headers) for hook in hooks])
        else:
            self.fronts.woo.set_status(order.order_id, "cancelled")
            self._changed(order.storefront, order.lines)
            await self._woo(order.order_id, "order.updated")
        self.say(f"cancel  {order.storefront:<8} #{order.order_id}  {_units(order.lines)}")

    async def _ship(self, order: PlacedOrder) -> None:
        """Shipping moves nothing a storefront sells (committed → customer): no line."""
        self.waiting.remove(order)
        order.shipped = True
        self.shipped.append(order)
        if order.storefront == SHOPIFY:
            hooks = self.fronts.shop_orders.fulfil(order.order_id)
            await self._send(SHOPIFY, [(hook.body, hook.headers) for hook in hooks])
        else:
            self.fronts.woo.set_status(order.order_id, "completed")
            await self._woo(order.order_id, "order.updated")

    async def _give_back(self, order: PlacedOrder) -> None:
        sku = self.chance.choice(order.returnable())
        order.returned[sku] = order.returned.get(sku, 0) + 1
        self.tally.returned[order.storefront] += 1
        if order.storefront == SHOPIFY:
            hooks = self.fronts.shop_orders.give_back(order.order_id, sku, 1)
            self._changed(order.storefront, {sku: 1})
            await self._send(SHOPIFY, [(hook.body, hook.headers) for hook in hooks])
        else:
            self.fronts.woo.refund(order.order_id, {sku: 1}, restock=True)
            self._changed(order.storefront, {sku: 1})
            await self._woo(order.order_id, "order.updated")
        self.say(f"return  {order.storefront:<8} #{order.order_id}  1 × {sku}")

    def _changed(self, storefront: str, deltas: Mapping[str, int]) -> None:
        """The store has moved its own stock; the clock starts as its webhook leaves."""
        self.tally.changed(storefront, deltas, time.monotonic())

    async def _woo(self, order_id: int, topic: str) -> None:
        hook = self.fronts.woo.webhook(topic, order_id)
        await self._send(WOO, [(hook.body, hook.headers)])

    async def _send(self, channel: str, deliveries: list[tuple[bytes, Mapping[str, str]]]) -> None:
        for body, headers in deliveries:
            await self._deliver(channel, body, headers)

    async def _deliver(self, channel: str, body: bytes, headers: Mapping[str, str]) -> None:
        """POSTs one webhook to syncbot, again (as storefronts retry) until it answers 200."""
        problem = ""
        for attempt in range(DELIVERY_ATTEMPTS):
            try:
                answer = await self._http.post(
                    f"/webhooks/{channel}", content=body, headers=dict(headers)
                )
            except httpx.TransportError as error:
                problem = f"{type(error).__name__}: {error}"
            else:
                if answer.status_code == 200:
                    return
                problem = f"HTTP {answer.status_code}: {answer.text[:200]}"
            await asyncio.sleep(0.2 * 2**attempt)
        self.say(
            f"warning: {channel} webhook not accepted after {DELIVERY_ATTEMPTS} tries: {problem}"
        )


def _units(lines: Mapping[str, int]) -> str:
    return ", ".join(f"{units} × {sku}" for sku, units in lines.items())

"""Webhook subscriptions on a storefront: the small port `channels subscribe` works through.

Each storefront keeps a list of (topic, address) pairs it delivers to. syncbot reads a
fixed set of topics per kind (`topics`), and wants each delivered to one address, the
channel's `/webhooks/{name}` under the service's public URL. A storefront that supports
this offers `webhook_subscriptions()` on its connector; the fake does not (it takes
deliveries from whoever holds its secret, nothing is registered).

What counts as syncbot's own (`ours`) differs: Shopify and BigCommerce list only the
subscriptions of the app or API account whose token asks, so every one on a topic syncbot
reads is its own; WooCommerce lists every webhook of the store, so only those syncbot
named (`syncbot …`) or that point at a `/webhooks/{name}` address are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class Subscription:
    """One webhook as the storefront lists it."""

    id: str
    topic: str
    address: str
    active: bool = True
    """False for a webhook the storefront paused or disabled (WooCommerce after failures,
    BigCommerce `is_active: false`): it delivers nothing until fixed."""


class WebhookSubscriptions(Protocol):
    """One channel's webhook subscriptions: list, create, point elsewhere, delete."""

    topics: Sequence[str]
    """The topics syncbot reads from this storefront, in the storefront's spelling."""

    async def list(self) -> list[Subscription]:
        """syncbot's own subscriptions on the storefront, on any topic."""
        ...

    async def create(self, topic: str, address: str) -> Subscription: ...

    async def update(self, subscription: Subscription, address: str) -> Subscription:
        """Points the subscription at `address` and makes it active."""
        ...

    async def delete(self, subscription: Subscription) -> None: ...


@runtime_checkable
class Subscribable(Protocol):
    """A connector whose storefront registers webhooks through its API."""

    def webhook_subscriptions(self) -> WebhookSubscriptions: ...

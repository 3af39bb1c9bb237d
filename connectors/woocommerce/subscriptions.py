"""WooCommerce webhooks through the REST API (`/wp-json/wc/v3/webhooks`), for `channels subscribe`.

The store lists every webhook, whoever made it (another plugin, a person), so only those
syncbot made count as its own: named `syncbot <channel> <topic>`, or delivering to this
channel's `/webhooks/<channel>` address. Each is created with the channel's webhook secret,
which WooCommerce signs every delivery with, and `active`; WooCommerce disables a webhook
after repeated failed deliveries, and `update` makes it active again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from connectors.subscriptions import Subscription
from connectors.woocommerce.api import (
    MAX_PER_PAGE,
    Params,
    WooCommerceApi,
    WooCommerceBadResponse,
)

# The order topics connectors.woocommerce.connector reads, and nothing else.
TOPICS: tuple[str, ...] = ("order.created", "order.updated", "order.deleted", "order.restored")


class WooCommerceSubscriptions:
    topics: Sequence[str] = TOPICS

    def __init__(self, api: WooCommerceApi, *, channel: str, secret: str) -> None:
        self._api = api
        self._channel = channel
        self._secret = secret

    async def list(self) -> list[Subscription]:
        found: list[Subscription] = []
        params: Params = {"per_page": MAX_PER_PAGE, "orderby": "id", "order": "asc"}
        async for page in self._api.every_page("/webhooks", params):
            found += [self._subscription(webhook) for webhook in page if self._ours(webhook)]
        return found

    async def create(self, topic: str, address: str) -> Subscription:
        webhook = {
            "name": f"syncbot {self._channel} {topic}",
            "topic": topic,
            "delivery_url": address,
            "secret": self._secret,
            "status": "active",
        }
        return self._subscription(await self._api.post("/webhooks", webhook))

    async def update(self, subscription: Subscription, address: str) -> Subscription:
        change = {"delivery_url": address, "secret": self._secret, "status": "active"}
        return self._subscription(await self._api.put(f"/webhooks/{subscription.id}", change))

    async def delete(self, subscription: Subscription) -> None:
        # Without force=true WooCommerce answers 501: webhooks have no trash.
        await self._api.delete(f"/webhooks/{subscription.id}", {"force": "true"})

    def _ours(self, webhook: Any) -> bool:
        if not isinstance(webhook, dict):
            return False
        name, address = str(webhook.get("name") or ""), str(webhook.get("delivery_url") or "")
        return name.startswith(f"syncbot {self._channel} ") or address.rstrip("/").endswith(
            f"/webhooks/{self._channel}"
        )

    def _subscription(self, webhook: Any) -> Subscription:
        if not isinstance(webhook, dict) or "id" not in webhook:
            raise WooCommerceBadResponse(self._api.store, "a webhook answer without an id")
        return Subscription(
            id=str(webhook["id"]),
            topic=str(webhook.get("topic") or ""),
            address=str(webhook.get("delivery_url") or ""),
            active=webhook.get("status") == "active",
        )

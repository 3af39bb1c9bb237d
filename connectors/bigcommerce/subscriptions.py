"""BigCommerce webhooks through `/v3/hooks`, for `channels subscribe`.

GET /v3/hooks lists only the hooks of the API account whose token asks, so every hook on a
scope syncbot reads is its own. BigCommerce signs each delivery with the account's client
secret by itself; when the channel sets `webhook_header`, the hook is created with that
header too, so the connector's check of it passes. BigCommerce deactivates a hook whose
deliveries keep failing; `update` makes it active again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from connectors.bigcommerce.api import BigCommerceAPI, BigCommerceBadResponse
from connectors.subscriptions import Subscription

PAGE = 250


class BigCommerceSubscriptions:
    """`topics` are the scopes the connector reads (connectors.bigcommerce.connector)."""

    def __init__(
        self, api: BigCommerceAPI, *, topics: Sequence[str], header: tuple[str, str] | None = None
    ) -> None:
        self.topics = topics
        self._api = api
        self._headers = dict([header]) if header else None

    async def list(self) -> list[Subscription]:
        found: list[Subscription] = []
        page = 1
        while True:
            answer = await self._api.get("v3/hooks", {"page": page, "limit": PAGE})
            hooks = answer.get("data") if isinstance(answer, dict) else None
            if not isinstance(hooks, list):
                raise BigCommerceBadResponse(self._api.store_hash, "v3/hooks is not a list")
            found += [self._subscription(hook) for hook in hooks]
            pagination = (answer.get("meta") or {}).get("pagination") or {}
            if not hooks or page >= int(pagination.get("total_pages") or 1):
                return found
            page += 1

    async def create(self, topic: str, address: str) -> Subscription:
        hook: dict[str, Any] = {"scope": topic, "destination": address, "is_active": True}
        if self._headers:
            hook["headers"] = self._headers
        return self._subscription(await self._api.request("POST", "v3/hooks", body=hook))

    async def update(self, subscription: Subscription, address: str) -> Subscription:
        hook: dict[str, Any] = {"destination": address, "is_active": True}
        if self._headers:
            hook["headers"] = self._headers
        path = f"v3/hooks/{subscription.id}"
        return self._subscription(await self._api.request("PUT", path, body=hook))

    async def delete(self, subscription: Subscription) -> None:
        await self._api.request("DELETE", f"v3/hooks/{subscription.id}")

    def _subscription(self, answer: Any) -> Subscription:
        hook = answer.get("data", answer) if isinstance(answer, dict) else None
        if not isinstance(hook, dict) or "id" not in hook:
            raise BigCommerceBadResponse(self._api.store_hash, "a hook answer without an id")
        return Subscription(
            id=str(hook["id"]),
            topic=str(hook.get("scope") or ""),
            address=str(hook.get("destination") or ""),
            active=bool(hook.get("is_active", True)),
        )

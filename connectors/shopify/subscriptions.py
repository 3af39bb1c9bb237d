"""Shopify webhook subscriptions through the Admin GraphQL API (`channels subscribe`).

Topics are Shopify's enum (ORDERS_CREATE) in GraphQL and `orders/create` in deliveries and
here: `enum_of` and `topic_of` convert. A mutation's `userErrors` (a bad address, a topic
the token's scopes do not cover) raise ShopifyQueryError with Shopify's own words.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from connectors.shopify.admin import ShopifyAdmin
from connectors.shopify.deliveries import ORDER_TOPICS, RETURN_TOPICS
from connectors.shopify.documents import (
    WEBHOOK_SUBSCRIPTION_CREATE,
    WEBHOOK_SUBSCRIPTION_DELETE,
    WEBHOOK_SUBSCRIPTION_UPDATE,
    WEBHOOK_SUBSCRIPTIONS,
    WORST_CASE_COST,
)
from connectors.shopify.errors import QueryProblem, ShopifyBadResponse, ShopifyQueryError
from connectors.subscriptions import Subscription

# Every topic the connector reads (connectors.shopify.connector's docstring): orders/updated
# alone would carry most changes, but each of these is read, so each is delivered.
TOPICS: tuple[str, ...] = (
    *sorted(ORDER_TOPICS),
    "orders/edited",
    "refunds/create",
    *sorted(RETURN_TOPICS),
)


def enum_of(topic: str) -> str:
    """`orders/partially_fulfilled` → ORDERS_PARTIALLY_FULFILLED."""
    return topic.replace("/", "_").upper()


def topic_of(value: str) -> str:
    """ORDERS_CREATE → `orders/create` (the resource is the first word)."""
    resource, _, event = value.lower().partition("_")
    return f"{resource}/{event}"


def create_variables(topic: str, address: str) -> dict[str, Any]:
    """WEBHOOK_SUBSCRIPTION_CREATE's variables: the topic's enum, JSON to `address`."""
    return {"topic": enum_of(topic), "webhookSubscription": {"uri": address, "format": "JSON"}}


def update_variables(subscription_id: str, address: str) -> dict[str, Any]:
    return {"id": subscription_id, "webhookSubscription": {"uri": address}}


class ShopifySubscriptions:
    """The subscriptions of the app whose token the channel holds, on one shop."""

    topics: Sequence[str] = TOPICS

    def __init__(self, admin: ShopifyAdmin) -> None:
        self._admin = admin

    async def list(self) -> list[Subscription]:
        found: list[Subscription] = []
        after: str | None = None
        while True:
            variables = {"after": after, "topics": None}
            data = await self._admin.execute(
                WEBHOOK_SUBSCRIPTIONS,
                variables,
                estimated_cost=WORST_CASE_COST[WEBHOOK_SUBSCRIPTIONS],
            )
            page = data["webhookSubscriptions"]
            found += [self._subscription(node) for node in page["nodes"]]
            if not page["pageInfo"]["hasNextPage"]:
                return found
            after = page["pageInfo"]["endCursor"]

    async def create(self, topic: str, address: str) -> Subscription:
        variables = create_variables(topic, address)
        return await self._mutate(
            WEBHOOK_SUBSCRIPTION_CREATE, "webhookSubscriptionCreate", variables
        )

    async def update(self, subscription: Subscription, address: str) -> Subscription:
        variables = update_variables(subscription.id, address)
        return await self._mutate(
            WEBHOOK_SUBSCRIPTION_UPDATE, "webhookSubscriptionUpdate", variables
        )

    async def delete(self, subscription: Subscription) -> None:
        data = await self._admin.execute(
            WEBHOOK_SUBSCRIPTION_DELETE,
            {"id": subscription.id},
            estimated_cost=WORST_CASE_COST[WEBHOOK_SUBSCRIPTION_DELETE],
        )
        self._refused(data["webhookSubscriptionDelete"])

    async def _mutate(self, document: str, field: str, variables: dict[str, Any]) -> Subscription:
        data = await self._admin.execute(
            document, variables, estimated_cost=WORST_CASE_COST[document]
        )
        payload = data[field]
        self._refused(payload)
        node = payload.get("webhookSubscription")
        if not isinstance(node, dict):
            raise ShopifyBadResponse(self._admin.shop, f"{field} returned no subscription")
        return self._subscription(node)

    def _refused(self, payload: dict[str, Any]) -> None:
        errors = payload.get("userErrors") or []
        if errors:
            problems = tuple(
                QueryProblem(
                    message=str(error.get("message", "")),
                    code="USER_ERROR",
                    path=tuple(str(part) for part in error.get("field") or ()),
                )
                for error in errors
            )
            raise ShopifyQueryError(self._admin.shop, problems)

    def _subscription(self, node: dict[str, Any]) -> Subscription:
        try:
            return Subscription(
                id=str(node["id"]), topic=topic_of(str(node["topic"])), address=str(node["uri"])
            )
        except KeyError as missing:
            raise ShopifyBadResponse(
                self._admin.shop, f"a webhook subscription without {missing}"
            ) from None

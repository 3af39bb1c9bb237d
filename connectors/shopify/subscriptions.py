"""Shopify webhook subscriptions through the Admin GraphQL API (`channels subscribe`).

Topics are Shopify's enum (ORDERS_CREATE) in GraphQL and `orders/create` in deliveries and
here: `enum_of` and `topic_of` convert. A mutation's `userErrors` (a bad address, a topic
the token's scopes do not cover) raise ShopifyQueryError with Shopify's own words.

Every upper-case `str` constant here is a document, checked against the real schema with
documents.py's (tests/connectors/test_shopify_documents.py), costs as documents.py counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from connectors.shopify.admin import ShopifyAdmin
from connectors.shopify.deliveries import ORDER_TOPICS, RETURN_TOPICS
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


# `syncbot channels subscribe`: the app's own webhook subscriptions (Shopify lists only the
# asking app's), on syncbot's topics. 100 per page; a shop rarely holds more than ten.
# Cost: connection 2 + 100 × subscription 1 = 102.
WEBHOOK_SUBSCRIPTIONS = """
query WebhookSubscriptions($after: String, $topics: [WebhookSubscriptionTopic!]) {
  webhookSubscriptions(first: 100, after: $after, topics: $topics) {
    pageInfo {
      hasNextPage
      endCursor
    }
    nodes {
      id
      topic
      uri
    }
  }
}
"""

# One topic delivered as JSON to `uri` (the `callbackUrl` input is deprecated for `uri`).
# No @idempotent: Shopify does not take it here, so ShopifyAdmin never retries this after a
# lost answer; running `subscribe` again lists first and creates only what is missing.
# Cost: mutation 10 + webhookSubscription 1 + userErrors 1 = 12.
WEBHOOK_SUBSCRIPTION_CREATE = """
mutation WebhookSubscriptionCreate(
  $topic: WebhookSubscriptionTopic!
  $webhookSubscription: WebhookSubscriptionInput!
) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $webhookSubscription) {
    webhookSubscription {
      id
      topic
      uri
    }
    userErrors {
      field
      message
    }
  }
}
"""

# Points an existing subscription at another address, without a gap in deliveries.
# Cost: mutation 10 + webhookSubscription 1 + userErrors 1 = 12.
WEBHOOK_SUBSCRIPTION_UPDATE = """
mutation WebhookSubscriptionUpdate($id: ID!, $webhookSubscription: WebhookSubscriptionInput!) {
  webhookSubscriptionUpdate(id: $id, webhookSubscription: $webhookSubscription) {
    webhookSubscription {
      id
      topic
      uri
    }
    userErrors {
      field
      message
    }
  }
}
"""

# Cost: mutation 10 + userErrors 1 = 11.
WEBHOOK_SUBSCRIPTION_DELETE = """
mutation WebhookSubscriptionDelete($id: ID!) {
  webhookSubscriptionDelete(id: $id) {
    deletedWebhookSubscriptionId
    userErrors {
      field
      message
    }
  }
}
"""

WORST_CASE_COST: dict[str, int] = {
    WEBHOOK_SUBSCRIPTIONS: 102,
    WEBHOOK_SUBSCRIPTION_CREATE: 12,
    WEBHOOK_SUBSCRIPTION_UPDATE: 12,
    WEBHOOK_SUBSCRIPTION_DELETE: 11,
}
"""Requested cost of each document above; pass it as ShopifyAdmin's estimate."""


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

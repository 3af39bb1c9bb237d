"""Shopify deliveries in and out of the inbox: what `verify` keeps and what `parse` reads.

verify refuses only a wrong or missing signature (see connectors.shopify.webhooks for the
headers and the identity a delivery is deduplicated on). parse reads the stored body
against the typed payloads; orders/edited and returns/* name what changed, which is read
back through the Admin API, and a read that answers null raises NotOnStore.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from connectors.base import (
    Delivery,
    IgnoredDelivery,
    InvalidSignature,
    MalformedDelivery,
    NotOnStore,
    fitted_topic,
)
from connectors.payloads import decode, read
from connectors.shopify import webhooks
from connectors.shopify.admin import ShopifyAdmin
from connectors.shopify.orders import (
    ORDER,
    ORDER_COST,
    ORDER_LIST_LIMIT,
    RETURN,
    RETURN_COST,
    LocationMap,
    OrderTooLarge,
    graphql_order_events,
    numeric_id,
    possibly_truncated,
    return_events,
    webhook_order_events,
    webhook_refund_events,
)
from connectors.shopify.payloads import GqlOrder, GqlReturn, OrderEditDelivery, ReturnDelivery
from syncbot.ledger.orders import OrderEvent

ORDER_TOPICS = frozenset(
    {
        "orders/create",
        "orders/updated",
        "orders/paid",
        "orders/cancelled",
        "orders/fulfilled",
        "orders/partially_fulfilled",
    }
)
RETURN_TOPICS = frozenset({"returns/process", "returns/close"})
SIGNATURE = "X-Shopify-Hmac-Sha256"
KEPT_HEADERS = ("Topic", "Shop-Domain", "Event-Id", "Webhook-Id", "Triggered-At", "API-Version")
"""Kept under their X-Shopify- names, whichever spelling the delivery used."""
_KEPT = tuple((f"X-Shopify-{name}", name.lower()) for name in KEPT_HEADERS)


def verify(body: bytes, headers: Mapping[str, str], *, secret: str, shop: str) -> Delivery:
    """Only a wrong or missing signature is refused (401): Shopify retries a refused
    delivery and, after repeated failures, drops the subscription. Everything else is
    stored under the best identity the headers give (webhooks.ShopifyDelivery)."""
    named = webhooks.shopify_headers(headers)
    try:
        signed = webhooks.verify(body, named.get("hmac-sha256"), secret)
    except webhooks.WebhookSecretMissing as error:
        raise InvalidSignature(str(error)) from error
    if not signed:
        raise InvalidSignature(f"{SIGNATURE} is missing or does not match the body")
    meta = webhooks.read_delivery(named)
    if meta.shop_domain is not None and meta.shop_domain.lower() != shop:
        # One app secret signs for every shop that installed it: another shop's
        # delivery is answered 200 and kept out of this channel.
        raise IgnoredDelivery(f"the delivery is for {meta.shop_domain[:80]}, not {shop}")
    kept = {stored: value for stored, name in _KEPT if (value := named.get(name))}
    return Delivery(
        event_id=meta.delivery_key(body),
        topic=fitted_topic(meta.topic or ""),
        headers=kept,
    )


async def events(
    admin: ShopifyAdmin, places: LocationMap, delivery: Delivery, body: bytes
) -> list[OrderEvent]:
    """The order events of a stored delivery; none for a topic syncbot does not read."""
    topic = delivery.topic
    if not topic:
        raise MalformedDelivery(
            "the delivery has no X-Shopify-Topic (or Shopify-Topic) header: syncbot "
            "cannot tell what it holds; closed unread"
        )
    if topic not in ORDER_TOPICS | RETURN_TOPICS | {"orders/edited", "refunds/create"}:
        return []
    document = decode(body, topic)
    if topic in ORDER_TOPICS:
        return webhook_order_events(document, places, _triggered_at(delivery))
    if topic == "refunds/create":
        return webhook_refund_events(document, places)
    if topic == "orders/edited":
        edit = read(OrderEditDelivery, document, "the order edit")
        return await read_order(admin, places, edit.order_edit.order_id, missing_ok=False)
    returned = read(ReturnDelivery, document, f"the {topic} body")
    return_id = returned.admin_graphql_api_id or returned.id
    if return_id is None:
        raise MalformedDelivery(f"a {topic} body must have the return's id")
    return await read_return(admin, places, return_id, missing_ok=False)


async def read_order(
    admin: ShopifyAdmin, places: LocationMap, order_id: object, *, missing_ok: bool
) -> list[OrderEvent]:
    """One order read alone with ORDER. Shopify answers null for an order it no longer
    has, or one the token may not read: catch-up skips it, a webhook says so."""
    order_gid = gid("Order", order_id)
    found = (await admin.execute(ORDER, {"id": order_gid}, estimated_cost=ORDER_COST))["order"]
    if found is None:
        if missing_ok:
            return []
        raise NotOnStore(
            f"order {numeric_id(order_id)} not found on the store: deleted, or the token "
            "lacks read_orders"
        )
    order = read(GqlOrder, found, f"order {numeric_id(order_id)} as read back")
    if possibly_truncated(order, ORDER_LIST_LIMIT):
        raise OrderTooLarge(
            f"order {numeric_id(order_id)} has more than 50 lines, 5 fulfillments or "
            "5 refunds: syncbot cannot read it whole; reconcile it by hand"
        )
    return graphql_order_events(order, places)


async def read_return(
    admin: ShopifyAdmin, places: LocationMap, return_id: object, *, missing_ok: bool
) -> list[OrderEvent]:
    """A Return read with RETURN, null handled as for orders."""
    variables = {"id": gid("Return", return_id)}
    node = (await admin.execute(RETURN, variables, estimated_cost=RETURN_COST))["return"]
    if node is None:
        if missing_ok:
            return []
        raise NotOnStore(
            f"return {numeric_id(return_id)} not found on the store: deleted, or the token "
            "lacks read_returns"
        )
    return return_events(read(GqlReturn, node, "the return as read back"), places)


def gid(kind: str, value: object) -> str:
    text = str(value)
    return text if text.startswith("gid://") else f"gid://shopify/{kind}/{numeric_id(value)}"


def _triggered_at(delivery: Delivery) -> datetime | None:
    return webhooks.delivery_headers(delivery.headers).triggered_at

"""Shopify's payloads as typed models: what orders/*, refunds/create, orders/edited and
returns/* deliver (REST shape), and what ORDER and RETURN read back (GraphQL shape).

Only the fields syncbot reads are declared; the rest is ignored. Ids are numbers, numeric
strings or gids ("gid://shopify/Order/123"), all reduced to the numeric id. Shapes are
from the REST Order and Refund resources and the webhook payload examples on shopify.dev
(shopify.dev/docs/api/webhooks), and the GraphQL Admin schema for the reads.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from connectors.base import MalformedDelivery
from connectors.payloads import MAX_ID_LENGTH, Count, ListOf, Payload, shown


def numeric_id(value: object) -> str:
    """`123`, "123" and "gid://shopify/Order/123" are all "123"."""
    try:
        return _numeric(value)
    except ValueError as error:
        raise MalformedDelivery(str(error)) from None


def _numeric(value: object) -> str:
    tail = None
    if isinstance(value, int) and not isinstance(value, bool):
        tail = str(value) if value >= 0 else None
    elif isinstance(value, str):
        end = value.split("?", 1)[0].rsplit("/", 1)[-1]
        if value.isdigit() or value.startswith("gid://shopify/"):
            tail = end if end.isdigit() and end.isascii() else None
    if tail is None:
        raise ValueError(f"{shown(value)} is not a Shopify id")
    if len(tail) > MAX_ID_LENGTH:
        raise ValueError(
            f"an id of {len(tail)} digits is over the store's limit of {MAX_ID_LENGTH}"
        )
    return tail


ShopifyId = Annotated[str, BeforeValidator(_numeric)]


class RestLineItem(Payload):
    id: ShopifyId
    sku: str | None = None
    quantity: Count
    current_quantity: Count | None = None
    """From API 2024-01: units "excluding refunded and removed units"."""
    fulfillment_status: str | None = None
    fulfillable_quantity: int | None = None


class RestFulfillmentLine(Payload):
    id: ShopifyId
    quantity: Count


class RestFulfillment(Payload):
    status: str | None = None
    created_at: str | None = None
    location_id: ShopifyId | None = None
    line_items: ListOf[RestFulfillmentLine] = ()


class RefundedItem(Payload):
    """The line item a refund line embeds; only its SKU and fulfilment state are read."""

    sku: str | None = None
    quantity: Count | None = None
    fulfillment_status: str | None = None
    fulfillable_quantity: int | None = None


class RestRefundLine(Payload):
    id: ShopifyId
    line_item_id: ShopifyId
    quantity: Count
    restock_type: str | None = None
    """Absent on refunds made before restock types existed: see RestRefund.restock."""
    location_id: ShopifyId | None = None
    line_item: RefundedItem | None = None


class RestRefund(Payload):
    id: ShopifyId | None = None
    order_id: ShopifyId | None = None
    restock: bool | None = None
    """The legacy form (before restock_type): true put the refunded units back."""
    return_: Any = Field(default=None, alias="return")
    refund_line_items: ListOf[RestRefundLine] = ()


class RestOrder(Payload):
    id: ShopifyId
    updated_at: str | None = None
    cancelled_at: str | None = None
    line_items: ListOf[RestLineItem] = ()
    fulfillments: ListOf[RestFulfillment] = ()
    refunds: ListOf[RestRefund] = ()


class OrderEdit(Payload):
    order_id: ShopifyId


class OrderEditDelivery(Payload):
    """orders/edited: the edit, not the order."""

    order_edit: OrderEdit


class ReturnDelivery(Payload):
    """returns/*: the return's ids; its dispositions are read through the Admin API."""

    id: ShopifyId | None = None
    admin_graphql_api_id: ShopifyId | None = None


# GraphQL reads (ORDER, RETURN and catch-up's ORDERS_UPDATED_SINCE).


class PageInfo(Payload):
    hasNextPage: bool = False


class Node(Payload):
    id: ShopifyId


class GqlLineItem(Payload):
    id: ShopifyId
    sku: str | None = None
    quantity: Count
    currentQuantity: Count | None = None


class GqlLineItems(Payload):
    pageInfo: PageInfo | None = None
    nodes: ListOf[GqlLineItem] = ()


class GqlFulfillmentLine(Payload):
    quantity: Count
    lineItem: Node


class GqlFulfillmentLines(Payload):
    pageInfo: PageInfo | None = None
    nodes: ListOf[GqlFulfillmentLine] = ()


class GqlFulfillment(Payload):
    status: str | None = None
    createdAt: str | None = None
    location: Node | None = None
    fulfillmentLineItems: GqlFulfillmentLines


class GqlRefundLine(Payload):
    id: ShopifyId
    quantity: Count
    restockType: str
    location: Node | None = None
    lineItem: Node


class GqlRefundLines(Payload):
    pageInfo: PageInfo | None = None
    nodes: ListOf[GqlRefundLine] = ()


class GqlRefund(Payload):
    id: ShopifyId | None = None
    return_: Node | None = Field(default=None, alias="return")
    refundLineItems: GqlRefundLines


class GqlOrder(Payload):
    id: ShopifyId
    updatedAt: str
    cancelledAt: str | None = None
    lineItems: GqlLineItems
    fulfillments: ListOf[GqlFulfillment] = ()
    refunds: ListOf[GqlRefund] = ()


class Disposition(Payload):
    id: ShopifyId
    type: str | None = None
    quantity: Count
    location: Node | None = None


class ReturnedLineItem(Payload):
    id: ShopifyId
    sku: str | None = None


class FulfillmentLineItem(Payload):
    lineItem: ReturnedLineItem | None = None


class ReverseLine(Payload):
    dispositions: ListOf[Disposition] = ()
    fulfillmentLineItem: FulfillmentLineItem | None = None


class ReverseLines(Payload):
    pageInfo: PageInfo | None = None
    nodes: ListOf[ReverseLine] = ()


class ReverseFulfillmentOrder(Payload):
    lineItems: ReverseLines


class ReverseFulfillmentOrders(Payload):
    pageInfo: PageInfo | None = None
    nodes: ListOf[ReverseFulfillmentOrder] = ()


class GqlReturn(Payload):
    id: ShopifyId | None = None
    order: Node
    reverseFulfillmentOrders: ReverseFulfillmentOrders

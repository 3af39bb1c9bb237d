"""Shopify payloads in their documented shapes, built from one description of an order.

REST (webhooks): the Order and Refund resources of the Admin REST API, as orders/* and
refunds/create deliver them (numeric ids, snake_case, local-time offsets). GraphQL (catch-up):
the nodes ORDERS_UPDATED_SINCE and ORDER select (gids, camelCase, UTC). Only the fields a
real payload carries appear, with the values Shopify uses; the builders let tests describe
the same order once and read it both ways.

The Shopify emulator's customers (`fake_orders.py`) and the connector's tests share them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

SHOP = "syncbot-test.myshopify.com"
MAIN_LOCATION = 65760001  # mapped to syncbot "main"
EAST_LOCATION = 65760002  # mapped to syncbot "east"
UNMAPPED_LOCATION = 65760099


@dataclass
class Line:
    id: int
    sku: str | None
    quantity: int
    current: int | None = None

    def current_quantity(self) -> int:
        return self.quantity if self.current is None else self.current


@dataclass
class Fulfillment:
    id: int
    created_at: str
    lines: list[tuple[int, int]]
    """(line item id, quantity)"""
    location_id: int = MAIN_LOCATION
    status: str = "success"


@dataclass
class Refund:
    id: int
    created_at: str
    lines: list[tuple[int, int, int, str, int | None]]
    """(refund line id, line item id, quantity, restock_type, location id)"""
    return_id: int | None = None


@dataclass
class Order:
    id: int
    updated_at: str
    lines: list[Line]
    fulfillments: list[Fulfillment] = field(default_factory=list)
    refunds: list[Refund] = field(default_factory=list)
    cancelled_at: str | None = None
    created_at: str = "2026-11-01T08:00:00-04:00"

    def line(self, line_id: int) -> Line:
        return next(line for line in self.lines if line.id == line_id)


def rest_order(order: Order) -> dict[str, Any]:
    """The order as orders/create, updated, cancelled, ... deliver it."""
    return {
        "id": order.id,
        "admin_graphql_api_id": f"gid://shopify/Order/{order.id}",
        "name": f"#{order.id % 10000}",
        "email": "buyer@example.com",
        "created_at": order.created_at,
        "updated_at": order.updated_at,
        "processed_at": order.created_at,
        "cancelled_at": order.cancelled_at,
        "cancel_reason": "customer" if order.cancelled_at else None,
        "closed_at": None,
        "currency": "USD",
        "financial_status": "paid",
        "fulfillment_status": "partial" if order.fulfillments else None,
        "test": False,
        "total_price": "42.00",
        "line_items": [_rest_line(order, line) for line in order.lines],
        "fulfillments": [_rest_fulfillment(order, f) for f in order.fulfillments],
        "refunds": [rest_refund(order, refund) for refund in order.refunds],
    }


def _shipped(order: Order, line: Line) -> int:
    return sum(
        quantity
        for fulfillment in order.fulfillments
        if fulfillment.status == "success"
        for line_id, quantity in fulfillment.lines
        if line_id == line.id
    )


def _rest_line(order: Order, line: Line) -> dict[str, Any]:
    shipped = _shipped(order, line)
    return {
        "id": line.id,
        "admin_graphql_api_id": f"gid://shopify/LineItem/{line.id}",
        "variant_id": 40000000 + line.id % 1000,
        "product_id": 8000000,
        "title": "Blue mug",
        "name": "Blue mug - 350 ml",
        "sku": line.sku,
        "quantity": line.quantity,
        "current_quantity": line.current_quantity(),
        "fulfillable_quantity": max(0, line.current_quantity() - shipped),
        "fulfillment_status": "partial" if shipped else None,
        "price": "14.00",
        "requires_shipping": True,
        "gift_card": False,
        "taxable": True,
        "properties": [],
    }


def _rest_fulfillment(order: Order, fulfillment: Fulfillment) -> dict[str, Any]:
    return {
        "id": fulfillment.id,
        "admin_graphql_api_id": f"gid://shopify/Fulfillment/{fulfillment.id}",
        "order_id": order.id,
        "status": fulfillment.status,
        "created_at": fulfillment.created_at,
        "updated_at": fulfillment.created_at,
        "location_id": fulfillment.location_id,
        "name": f"#{order.id % 10000}.1",
        "service": "manual",
        "shipment_status": None,
        "tracking_company": "UPS",
        "tracking_number": "1Z2345",
        "line_items": [
            {
                "id": line_id,
                "admin_graphql_api_id": f"gid://shopify/LineItem/{line_id}",
                "sku": order.line(line_id).sku,
                "quantity": quantity,
                "fulfillment_status": "fulfilled",
            }
            for line_id, quantity in fulfillment.lines
        ],
    }


def rest_refund(order: Order, refund: Refund) -> dict[str, Any]:
    """The refund as refunds/create delivers it (and as an order's `refunds` lists it)."""
    return {
        "id": refund.id,
        "admin_graphql_api_id": f"gid://shopify/Refund/{refund.id}",
        "order_id": order.id,
        "created_at": refund.created_at,
        "processed_at": refund.created_at,
        "note": "wrong size",
        "user_id": None,
        "restock": any(line[3] != "no_restock" for line in refund.lines),
        "duties": [],
        "return": None
        if refund.return_id is None
        else {
            "id": refund.return_id,
            "admin_graphql_api_id": f"gid://shopify/Return/{refund.return_id}",
        },
        "refund_line_items": [
            {
                "id": line_id,
                "quantity": quantity,
                "line_item_id": line_item_id,
                "location_id": location_id,
                "restock_type": restock_type,
                "subtotal": 14.0 * quantity,
                "total_tax": 0.0,
                "line_item": _rest_line(order, order.line(line_item_id)),
            }
            for line_id, line_item_id, quantity, restock_type, location_id in refund.lines
        ],
        "transactions": [],
        "order_adjustments": [],
    }


def utc(local: str) -> str:
    """GraphQL writes times in UTC with a Z: 2026-11-01T12:00:00Z."""
    return datetime.fromisoformat(local).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def graphql_order(order: Order, *, read_alone: bool = False) -> dict[str, Any]:
    """The order node of ORDERS_UPDATED_SINCE (or of ORDER), as the Admin API answers it."""
    when = utc
    return {
        "id": f"gid://shopify/Order/{order.id}",
        "name": f"#{order.id % 10000}",
        "createdAt": when(order.created_at),
        "updatedAt": when(order.updated_at),
        "cancelledAt": when(order.cancelled_at) if order.cancelled_at else None,
        "lineItems": {
            "pageInfo": {"hasNextPage": False},
            "nodes": [
                {
                    "id": f"gid://shopify/LineItem/{line.id}",
                    "sku": line.sku,
                    "quantity": line.quantity,
                    "currentQuantity": line.current_quantity(),
                    "unfulfilledQuantity": max(0, line.current_quantity() - _shipped(order, line)),
                    "variant": {"id": f"gid://shopify/ProductVariant/{40000000 + line.id % 1000}"},
                }
                for line in order.lines
            ],
        },
        "fulfillments": [
            {
                "id": f"gid://shopify/Fulfillment/{f.id}",
                "status": f.status.upper(),
                "createdAt": when(f.created_at),
                "location": {"id": f"gid://shopify/Location/{f.location_id}"},
                "fulfillmentLineItems": {
                    "pageInfo": {"hasNextPage": False},
                    "nodes": [
                        {
                            "id": f"gid://shopify/FulfillmentLineItem/{f.id}{line_id}",
                            "quantity": quantity,
                            "lineItem": {"id": f"gid://shopify/LineItem/{line_id}"},
                        }
                        for line_id, quantity in f.lines
                    ],
                },
            }
            for f in order.fulfillments
        ],
        "refunds": [_graphql_refund(refund, read_alone) for refund in order.refunds],
    }


def _graphql_refund(refund: Refund, read_alone: bool) -> dict[str, Any]:
    node: dict[str, Any] = {
        "id": f"gid://shopify/Refund/{refund.id}",
        "createdAt": utc(refund.created_at),
        "refundLineItems": {
            "pageInfo": {"hasNextPage": False},
            "nodes": [
                {
                    "id": f"gid://shopify/RefundLineItem/{line_id}",
                    "quantity": quantity,
                    "restockType": restock_type.upper(),
                    "restocked": restock_type in ("return", "cancel"),
                    "location": None
                    if place is None
                    else {"id": f"gid://shopify/Location/{place}"},
                    "lineItem": {"id": f"gid://shopify/LineItem/{line_item_id}"},
                }
                for line_id, line_item_id, quantity, restock_type, place in refund.lines
            ],
        },
    }
    # Both ORDER and ORDERS_UPDATED_SINCE select the refund's return.
    returned = refund.return_id
    node["return"] = None if returned is None else {"id": f"gid://shopify/Return/{returned}"}
    return node

"""WooCommerce's payloads as typed models: an order (a webhook body is the JSON that
GET /orders/{id} answers), its refunds (GET /orders/{id}/refunds), and the id-only body
of order.deleted and order.restored. Shapes are from the WooCommerce REST API v3 docs
(woocommerce.github.io/woocommerce-rest-api-docs, Orders and Order refunds).

Only the fields syncbot reads are declared; the rest is ignored. Ids are numbers or
numeric strings; meta values are anything (WooCommerce stores strings like "2").
"""

from __future__ import annotations

from typing import Any

from connectors.payloads import Count, ListOf, Payload, PlainId, Whole


class Meta(Payload):
    key: str | None = None
    value: Any = None


class LineItem(Payload):
    id: PlainId
    sku: str | None = None
    quantity: Count
    meta_data: ListOf[Meta] = ()


class Order(Payload):
    id: PlainId
    status: str
    date_modified_gmt: str | None = None
    date_completed_gmt: str | None = None
    line_items: ListOf[LineItem] = ()
    refunds: ListOf[Any] = ()
    """Only `{id, reason, total}` each: the refunded units are read from /refunds."""


class RefundLine(Payload):
    id: PlainId
    quantity: Whole | None = None
    """Negative: -1 is one unit given back."""
    meta_data: ListOf[Meta] = ()


class Refund(Payload):
    date_created_gmt: str
    line_items: ListOf[RefundLine] = ()


class ResourceId(Payload):
    """order.deleted's body, and the id every webhook body carries."""

    id: PlainId

"""BigCommerce's payloads as typed models: the webhook callback, and what the order reads
answer (V2 order, V2 order products, V3 payment-action refunds).

Shapes are from BigCommerce's docs: "Webhook events" (the callback: scope, store_id,
data {type, id}, hash, created_at, producer; store/order/refund/created adds
data.refund.refund_id), the V2 Orders reference and the V3 Payment Actions reference.
Only the fields syncbot reads are declared; the rest is ignored. V2 sends counts as
numbers, some clients as numeric strings: both are read.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator

from connectors.payloads import ListOf, Payload, PlainId, shown


def _count(value: object) -> object:
    """A whole number >= 0, as a number or a numeric string ("2")."""
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 18:
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"expected a whole number >= 0, got {shown(value)}")
    return value


Count = Annotated[int, BeforeValidator(_count)]


class RefundRef(Payload):
    refund_id: PlainId


class CallbackData(Payload):
    id: PlainId
    refund: RefundRef | None = None


class Callback(Payload):
    """What BigCommerce POSTs: ids only, the order is read back."""

    scope: str | None = None
    producer: str | None = None
    hash: str | None = None
    data: CallbackData


class Order(Payload):
    id: PlainId
    status_id: Count
    date_modified: str | None = None


class Product(Payload):
    id: PlainId
    sku: str | None = None
    quantity: Count
    quantity_shipped: Count | None = None
    quantity_refunded: Count | None = None


class RefundItem(Payload):
    item_type: str | None = None
    item_id: PlainId | None = None
    quantity: Count | None = None


class Refund(Payload):
    id: PlainId
    items: ListOf[RefundItem] = ()

"""Shopify webhook deliveries: the signature over the raw body, and what the headers say.

Header names, from Shopify's docs (checked through search, 2026-12):
- "Webhooks delivery structure" (shopify.dev/docs/apps/build/webhooks/delivery-structure)
  lists X-Shopify-Topic, X-Shopify-Hmac-Sha256, X-Shopify-Shop-Domain,
  X-Shopify-API-Version, X-Shopify-Webhook-Id ("a unique composite key per delivery. Use to
  identify and deduplicate individual deliveries"), X-Shopify-Triggered-At and
  X-Shopify-Event-Id ("a unique ID shared across all deliveries produced by the same
  merchant action"); names are case-insensitive ("HTTP/2 often lowercases them");
- "Verify Events deliveries" and "Events delivery structure"
  (shopify.dev/docs/apps/build/events/verify-deliveries, .../events/delivery-structure):
  the newer Events deliveries send the same headers without the `X-`
  (`Shopify-Hmac-Sha256`, `Shopify-Webhook-Id`, `Shopify-Topic`...) and dedupe on
  Shopify-Webhook-Id. Both spellings are read here.
Deliveries captured from 2023-01 and 2024-10 subscriptions carry no event id at all, so
none of these headers is required: `delivery_key` picks the best identity there is.

    ShopifyWebhookError
    └── WebhookSecretMissing    the channel has no webhook secret, so nothing can be verified
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from connectors.base import body_digest, fitted_event_id


class ShopifyWebhookError(Exception):
    """Base of the webhook errors; a configuration problem, never the delivery's fault."""


class WebhookSecretMissing(ShopifyWebhookError):
    def __init__(self) -> None:
        super().__init__(
            "the channel's webhook secret is empty: set the variable named by webhook_secret_env"
        )


def sign(body: bytes, secret: str) -> str:
    """What Shopify sends in X-Shopify-Hmac-Sha256: base64 of HMAC-SHA256 of the raw body."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def verify(body: bytes, hmac_header: str | None, secret: str) -> bool:
    """True when `hmac_header` is Shopify's signature of exactly these bytes.

    Our own four lines rather than shopify_app.verify_webhook_req: that one takes the body
    as `str` and re-encodes it as UTF-8, but the signature covers the raw bytes, which we
    already hold; it also wants the whole request (method, url, headers) and answers with a
    response to send, where the intake only needs yes or no.
    """
    if not secret:
        raise WebhookSecretMissing
    if not hmac_header:
        return False
    expected = sign(body, secret).encode("ascii")
    # Constant time, and over bytes: compare_digest refuses non-ASCII str, and a forged
    # header may hold anything.
    return hmac.compare_digest(expected, hmac_header.strip().encode("utf-8", "replace"))


def shopify_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The Shopify headers by name after the prefix ("topic", "hmac-sha256"), as `header`
    reads each: the `X-` spelling before the other, whatever the case, stripped, the first
    non-blank value of a repeated name (blank counts as absent). One pass over the headers,
    so a delivery's dozen names are then dict lookups, not a scan each."""
    prefixed: dict[str, str] = {}
    unprefixed: dict[str, str] = {}
    for key, value in headers.items():
        lowered = key.lower()
        if lowered.startswith("x-shopify-"):
            found, name = prefixed, lowered[len("x-shopify-") :]
        elif lowered.startswith("shopify-"):
            found, name = unprefixed, lowered[len("shopify-") :]
        else:
            continue
        if name not in found and (stripped := value.strip()):
            found[name] = stripped
    return unprefixed | prefixed


def header(headers: Mapping[str, str], name: str) -> str | None:
    """A Shopify header by its name after the prefix ("topic", "hmac-sha256"), with or
    without the `X-`, whatever the case; blank counts as absent."""
    return shopify_headers(headers).get(name)


@dataclass(frozen=True, slots=True)
class ShopifyDelivery:
    """What the headers of one webhook delivery say, before its body is read."""

    topic: str | None = None
    """Such as orders/create or refunds/create."""
    event_id: str | None = None
    """Shared by every delivery of one merchant action: the best key to dedupe on."""
    shop_domain: str | None = None
    webhook_id: str | None = None
    """The same for every retry of one delivery: the next best key."""
    triggered_at: datetime | None = None
    """When Shopify raised the event (UTC); with the order's updated_at it spots stale retries."""
    api_version: str | None = None

    def delivery_key(self, body: bytes) -> str:
        """The event id to dedupe on: X-Shopify-Event-Id, else X-Shopify-Webhook-Id, else a
        digest of the topic and the raw body (a retry resends the same bytes)."""
        if self.event_id:
            return fitted_event_id(self.event_id)
        if self.webhook_id:
            return fitted_event_id(f"webhook:{self.webhook_id}")
        return body_digest(self.topic or "", body)


def delivery_headers(headers: Mapping[str, str]) -> ShopifyDelivery:
    """Reads the delivery headers, whatever their case or prefix; none is required, and an
    unreadable X-Shopify-Triggered-At reads as absent (it only orders snapshots)."""
    return read_delivery(shopify_headers(headers))


def read_delivery(named: Mapping[str, str]) -> ShopifyDelivery:
    """`delivery_headers` from what `shopify_headers` read."""
    triggered_at = named.get("triggered-at")
    return ShopifyDelivery(
        topic=named.get("topic"),
        event_id=named.get("event-id"),
        shop_domain=named.get("shop-domain"),
        webhook_id=named.get("webhook-id"),
        triggered_at=_timestamp(triggered_at) if triggered_at else None,
        api_version=named.get("api-version"),
    )


def _timestamp(value: str) -> datetime | None:
    """Shopify writes `2026-11-01T12:00:00.123456789Z`; Python keeps microseconds."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # Shopify's clock is UTC; never guess local time
    return moment.astimezone(UTC)

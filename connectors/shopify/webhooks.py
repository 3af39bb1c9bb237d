"""Shopify webhook deliveries: the signature over the raw body, and what the headers say.

ShopifyWebhookError
├── WebhookSecretMissing    the channel has no webhook secret, so nothing can be verified
├── MissingDeliveryHeader   a header every delivery carries (topic, event id) is absent
└── InvalidDeliveryHeader   a header is present but unreadable (X-Shopify-Triggered-At)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

# Shopify's traditional webhooks send `X-Shopify-*`; its newer event deliveries drop the
# `X-` (shopify_app's verifier accepts both, so do we).
_PREFIXES = ("x-shopify-", "shopify-")


class ShopifyWebhookError(Exception):
    """Base of every refusal of a delivery; the intake answers it with a 4xx."""


class WebhookSecretMissing(ShopifyWebhookError):
    def __init__(self) -> None:
        super().__init__(
            "the channel's webhook secret is empty: set the variable named by webhook_secret_env"
        )


class MissingDeliveryHeader(ShopifyWebhookError):
    def __init__(self, header: str) -> None:
        super().__init__(f"the delivery has no {header} header: it did not come from Shopify")
        self.header = header


class InvalidDeliveryHeader(ShopifyWebhookError):
    def __init__(self, header: str, value: str) -> None:
        super().__init__(f"the delivery's {header} header is unreadable: {value[:64]!r}")
        self.header = header
        self.value = value


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


@dataclass(frozen=True, slots=True)
class ShopifyDelivery:
    """What the headers of one webhook delivery say, before its body is read."""

    topic: str
    """Such as orders/create or refunds/create."""
    event_id: str
    """Shared by every delivery of one merchant action, across subscriptions: dedupe on it."""
    shop_domain: str | None = None
    webhook_id: str | None = None
    """Unique per delivery attempt; useful in logs, useless for deduplication."""
    triggered_at: datetime | None = None
    """When Shopify raised the event (UTC); with the order's updated_at it spots stale retries."""
    api_version: str | None = None


def delivery_headers(headers: Mapping[str, str]) -> ShopifyDelivery:
    """Reads the delivery headers, whatever their case; raises when topic or event id lacks."""
    lowered = {name.lower(): value.strip() for name, value in headers.items()}

    def header(name: str) -> str | None:
        for prefix in _PREFIXES:
            value = lowered.get(prefix + name)
            if value:
                return value
        return None

    topic, event_id = header("topic"), header("event-id")
    if topic is None:
        raise MissingDeliveryHeader("X-Shopify-Topic")
    if event_id is None:
        raise MissingDeliveryHeader("X-Shopify-Event-Id")
    triggered_at = header("triggered-at")
    return ShopifyDelivery(
        topic=topic,
        event_id=event_id,
        shop_domain=header("shop-domain"),
        webhook_id=header("webhook-id"),
        triggered_at=_timestamp(triggered_at) if triggered_at else None,
        api_version=header("api-version"),
    )


def _timestamp(value: str) -> datetime:
    """Shopify writes `2026-11-01T12:00:00.123456789Z`; Python keeps microseconds."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidDeliveryHeader("X-Shopify-Triggered-At", value) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # Shopify's clock is UTC; never guess local time
    return moment.astimezone(UTC)

"""BigCommerce webhook deliveries: the Standard Webhooks signature, and their identity.

What `verify` checks, from "HTTPS Webhooks Overview", Security and Webhook signature
(https://developer.bigcommerce.com/docs/integrations/webhooks/https-webhook-overview):
BigCommerce signs deliveries the Standard Webhooks way (https://www.standardwebhooks.com)
with the API account's or app's client secret, so every delivery must carry
- `webhook-id`, `webhook-timestamp` (Unix seconds) and `webhook-signature`, a space
  separated list of `v1,<base64>`, one of which must equal base64(HMAC-SHA256(client
  secret, "{webhook-id}.{webhook-timestamp}.{raw body}")), compared in constant time;
- a timestamp within 5 minutes of now, as the spec's libraries require against replays
  (the spec gives every retry a new attempt timestamp);
- when the channel sets `webhook_header`, that header with the value syncbot holds: the
  create-webhook request's `headers` object, which BigCommerce sends back on every callback
  (https://developer.bigcommerce.com/docs/integrations/webhooks/overview#security);
- a `producer` that is this store: an app's client secret signs the deliveries of every
  store that installed it, so another store's is ignored (200, nothing stored).
Nothing else is refused (BigCommerce deactivates a hook that keeps failing): a signed
body that is not a callback is stored under its webhook-id and closed by parse.
A delivery with none of the three signature headers is accepted only when the channel
sets `webhook_header` and the header holds its value: BigCommerce's older, documented way
of securing a hook, for hooks whose deliveries come unsigned.
The Delivery's event_id is scope, order id and the payload's `hash`, which BigCommerce
documents as the same for every delivery of one event and tells apps to deduplicate on;
without a hash, the webhook-id; without either, a digest of scope and body.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping

from connectors.base import (
    Delivery,
    IgnoredDelivery,
    InvalidSignature,
    body_digest,
    by_name,
    fitted_event_id,
    fitted_topic,
)

MESSAGE_ID, TIMESTAMP, SIGNATURE = "webhook-id", "webhook-timestamp", "webhook-signature"
TOLERANCE_SECONDS = 300


def sign(key: str | bytes, message_id: str, timestamp: str, body: bytes) -> str:
    """The Standard Webhooks `v1` signature of a delivery. BigCommerce's key is the client
    secret's own bytes: its sample base64-encodes the secret for a library that decodes it."""
    content = f"{message_id}.{timestamp}.".encode() + body
    secret = key.encode() if isinstance(key, str) else key
    digest = hmac.new(secret, content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify(
    body: bytes,
    headers: Mapping[str, str],
    *,
    client_secret: str,
    store_hash: str,
    webhook_header: tuple[str, str] | None,
    now: float,
) -> Delivery:
    """The delivery to store; InvalidSignature for a bad signature, IgnoredDelivery for
    another store's, and nothing else."""
    named = by_name(headers)
    message_id, timestamp = named.get(MESSAGE_ID), named.get(TIMESTAMP)
    signatures = named.get(SIGNATURE)
    unsigned = not (message_id or timestamp or signatures)
    # Hooks that predate signing (or a store whose deliveries come unsigned) can still be
    # verified by the shared header the merchant set on them; without one, never.
    if not (unsigned and webhook_header is not None):
        if not (message_id and timestamp and signatures):
            raise InvalidSignature(f"{MESSAGE_ID}, {TIMESTAMP} and {SIGNATURE} are required")
        _check_signature(body, message_id, timestamp, signatures, client_secret, now)
    if webhook_header is not None:
        name, value = webhook_header
        given = named.get(name.lower())
        if given is None or not hmac.compare_digest(given.encode(), value.encode()):
            raise InvalidSignature(f"{name} is missing or does not hold the shared value")
    envelope = _envelope(body)
    producer, scope = envelope.get("producer"), envelope.get("scope") or ""
    store = f"stores/{store_hash}"
    if producer not in (None, store):
        # An app's client secret signs every store that installed it: another store's
        # delivery is answered 200 and kept out of this channel.
        raise IgnoredDelivery(f"the delivery is for {producer[:80]}, not {store}")
    order_id = envelope.get("id")
    if scope and order_id and envelope.get("hash"):
        event_id = f"{scope}:{order_id}:{envelope['hash']}"
    elif message_id:
        event_id = f"webhook-id:{message_id}"
    else:
        event_id = body_digest(scope, body)
    kept = {MESSAGE_ID: message_id or "", TIMESTAMP: timestamp or ""}
    return Delivery(event_id=fitted_event_id(event_id), topic=fitted_topic(scope), headers=kept)


def _check_signature(
    body: bytes, message_id: str, timestamp: str, signatures: str, secret: str, now: float
) -> None:
    readable = timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12
    if not readable or abs(now - int(timestamp)) > TOLERANCE_SECONDS:
        raise InvalidSignature(f"{TIMESTAMP} is not within 5 minutes of now (a replay?)")
    expected = sign(secret, message_id, timestamp, body).encode()
    if not any(hmac.compare_digest(expected, given.encode()) for given in signatures.split()):
        raise InvalidSignature(f"{SIGNATURE} does not match the body")


def _envelope(body: bytes) -> dict[str, str]:
    """scope, producer, hash and data.id, those that are strings or ids; whatever the
    body is, for verify to key and route it (parse then reads it against Callback)."""
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return {}
    if not isinstance(document, dict):
        return {}
    found = {key: document.get(key) for key in ("scope", "producer", "hash")}
    data = document.get("data")
    found["id"] = data.get("id") if isinstance(data, dict) else None
    return {
        key: str(value)
        for key, value in found.items()
        if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))
    }

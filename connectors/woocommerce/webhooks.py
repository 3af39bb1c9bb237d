"""WooCommerce webhook deliveries: the signature over the raw body, and their identity.

`X-WC-Webhook-Signature` is the base64 HMAC-SHA256 of the raw body with the webhook's
secret. The ping WooCommerce sends when a webhook is saved is an unsigned form body,
`webhook_id=<n>`: it is ignored, not refused, or WooCommerce would not save it. Nothing
else but a missing or wrong signature is refused: WooCommerce disables a webhook after
repeated failed deliveries, so a signed body syncbot cannot read is stored (under a
digest) and closed by `parse` with its reason. `X-WC-Webhook-Delivery-ID` is new on every
attempt, so deliveries are deduplicated on the order id and its date_modified_gmt
(connectors.woocommerce.orders.event_id). Without X-WC-Webhook-Topic the topic is
X-WC-Webhook-Resource.X-WC-Webhook-Event, which WooCommerce also sends.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping

from connectors.base import Delivery, IgnoredDelivery, InvalidSignature, by_name, fitted_topic
from connectors.woocommerce.orders import event_id

SIGNATURE = "X-WC-Webhook-Signature"
TOPIC = "X-WC-Webhook-Topic"
DELIVERY_ID = "X-WC-Webhook-Delivery-ID"
RESOURCE = "X-WC-Webhook-Resource"
EVENT = "X-WC-Webhook-Event"
KEPT_HEADERS = (TOPIC, RESOURCE, EVENT, "X-WC-Webhook-ID", DELIVERY_ID, "X-WC-Webhook-Source")
_PING = re.compile(rb"webhook_id=[0-9]+")


def sign(body: bytes, secret: str) -> str:
    """What WooCommerce puts in X-WC-Webhook-Signature for this body."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def verify(body: bytes, headers: Mapping[str, str], secret: str) -> Delivery:
    """The delivery to store; InvalidSignature for a bad signature, IgnoredDelivery for the
    ping, and nothing else."""
    named = by_name(headers)
    given = named.get(SIGNATURE.lower())
    if given is None and _PING.fullmatch(body):
        raise IgnoredDelivery("WooCommerce's ping for a new webhook: nothing to record")
    expected = sign(body, secret).encode()
    if given is None or not hmac.compare_digest(given.strip().encode("utf-8", "replace"), expected):
        raise InvalidSignature(f"{SIGNATURE} is missing or does not match the body")
    topic = fitted_topic(_topic(named))
    kept = {name: value for name in KEPT_HEADERS if (value := named.get(name.lower()))}
    return Delivery(event_id(topic, body, named.get(DELIVERY_ID.lower())), topic, kept)


def _topic(named: Mapping[str, str]) -> str:
    """`named`: the headers by lower-cased name (`by_name`)."""
    topic = named.get(TOPIC.lower())
    if topic:
        return topic.strip()
    resource, event = named.get(RESOURCE.lower()), named.get(EVENT.lower())
    return f"{resource.strip()}.{event.strip()}" if resource and event else ""

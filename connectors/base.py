"""The one small interface every storefront connector implements, and what crosses it.

    ConnectorError
    ├── InvalidSignature     the delivery is not from the storefront: answer 401
    ├── MalformedDelivery    signed, but not something the connector can read: answer 400
    ├── IgnoredDelivery      a request that carries nothing to record (WooCommerce's ping
    │                        when a webhook is created): answer 200, write nothing
    └── NotOnStore           raised by `parse`: the order or return a delivery names could
                             not be read back (deleted, or the token lacks a scope); the
                             delivery is closed with this readable reason, not retried

Storefronts differ in how they sign (Shopify and WooCommerce: base64 HMAC-SHA256 in a
header), in what a webhook carries (BigCommerce sends only an id, so `parse` may fetch),
in their batch limits (250, 100, 2000) and in their rate limits; this interface hides all
four. Deliveries are verified and stored synchronously; `parse` runs later, off the request.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from syncbot.ledger.limits import MAX_EVENT_ID_LENGTH, MAX_TOPIC_LENGTH
from syncbot.ledger.orders import OrderEvent


class ConnectorError(Exception):
    """Base of the connectors' errors; messages never contain a secret."""


class InvalidSignature(ConnectorError):
    pass


class MalformedDelivery(ConnectorError):
    pass


class IgnoredDelivery(ConnectorError):
    """Raised by `verify` for a request the storefront expects a 200 for but that holds no
    event, such as WooCommerce's unsigned ping; the message says what it was."""


class NotOnStore(ConnectorError):
    """Raised by `parse` when a read-back of what the delivery names finds nothing, e.g.
    "order 123 not found on the store: deleted, or the token lacks read_orders". Retrying
    cannot help, so the delivery is closed with this message as its reason."""


@dataclass(frozen=True, slots=True)
class Delivery:
    """A verified webhook delivery, before it is read."""

    event_id: str
    """Deduplicates deliveries within a channel: the same merchant action, the same id."""
    topic: str
    headers: Mapping[str, str] = field(default_factory=dict)
    """The storefront's headers worth keeping with the raw body (no secrets)."""


@dataclass(frozen=True, slots=True)
class Listing:
    """One SKU as a channel lists it: the ids its inventory API needs."""

    sku: str
    listing_id: str
    inventory_id: str
    location_id: str | None = None
    barcodes: tuple[str, ...] = field(default=(), compare=False)
    """The barcodes the channel gives the item (Shopify `barcode`, WooCommerce
    `global_unique_id`, BigCommerce `upc` and `gtin`), for discovery to import; not part of
    the listing's identity."""
    managed_by_storefront: bool = field(default=False, compare=False)
    """The storefront computes this item's quantity itself and the API cannot set it (a
    Shopify bundle product, whose variant `requiresComponents`): discovery reports it, and
    sync never pushes it; its components are pushed as usual."""


def barcodes_of(*values: object) -> tuple[str, ...]:
    """The barcodes a storefront's fields hold: text, stripped, blanks and repeats dropped."""
    found: list[str] = []
    for value in values:
        if isinstance(value, str) and (code := value.strip()) and code not in found:
            found.append(code)
    return tuple(found)


@dataclass(frozen=True, slots=True)
class LevelChange:
    """Set a listing's sellable quantity, if the channel still holds `expected`."""

    listing: Listing
    quantity: int
    expected: int | None
    idempotency_key: str


@dataclass(frozen=True, slots=True)
class PushOutcome:
    change: LevelChange
    acknowledged: int | None = None
    """The quantity the channel confirmed, or None if it did not take the change."""
    stale: bool = False
    """The channel held something other than `expected`: re-read and re-plan."""
    error: str | None = None


@dataclass(frozen=True, slots=True)
class OrdersPage:
    events: Sequence[OrderEvent]
    cursor: datetime | None
    """Where the next catch-up starts: the newest update time seen so far."""


def header(headers: Mapping[str, str], name: str) -> str | None:
    """A header's value whatever the case of its name, as HTTP compares names."""
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)


def by_name(headers: Mapping[str, str]) -> dict[str, str]:
    """The headers by lower-cased name, the first of a repeated name kept, as `header`
    reads them: one pass for a `verify` that reads several (each `header` is a scan, and
    a request's headers are decoded anew by each)."""
    named: dict[str, str] = {}
    for key, value in headers.items():
        named.setdefault(key.lower(), value)
    return named


def body_digest(topic: str, body: bytes) -> str:
    """An event id for a delivery that names none: the same topic and bytes, the same id.

    A storefront's retry resends the original body, so a retry dedupes; two different
    events never share one. Reconciliation makes a repeat harmless anyway.
    """
    digest = hashlib.sha256(topic.encode("utf-8", "replace") + b"\n" + body).hexdigest()
    return f"sha256:{digest}"


def fitted_event_id(value: str) -> str:
    """An event id the inbox column can hold: an over-long one, or one with a NUL (which
    PostgreSQL cannot store), becomes its digest, so a hostile or odd header never fails
    the insert (and the same value, the same id)."""
    if len(value) <= MAX_EVENT_ID_LENGTH and "\x00" not in value:
        return value
    return "sha256:" + hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()


def fitted_topic(value: str) -> str:
    """A topic the inbox column can hold. No storefront topic is that long, so an
    over-long one is cut (and a NUL, which PostgreSQL cannot store, replaced), and `parse`
    then ignores it as a topic it does not read."""
    return value.replace("\x00", "\ufffd")[:MAX_TOPIC_LENGTH]


class Connector(Protocol):
    """A storefront channel. One instance per channel in the channels file."""

    name: str
    batch_limit: int
    max_quantity: int | None
    """The largest quantity the channel can hold (None: no known limit). The planner
    clamps to it: one value beyond it would make the channel refuse a whole batch."""
    bulk_read_above: int | None
    """Above this many listings, give `read_levels` all of them in one call: the channel
    reads them in bulk, at a cost that does not grow with the count (Shopify's bulk
    operations). None: no bulk read; a caller may read `batch_limit` at a time."""

    @property
    def locations(self) -> Sequence[str]:
        """The syncbot locations this channel sells from unless the channels file says
        otherwise (`sells_from`): where its orders' units are held, default one first."""
        ...

    async def check(self) -> str:
        """Calls the channel's API with its credentials; a line naming what answered."""
        ...

    def verify(self, body: bytes, headers: Mapping[str, str]) -> Delivery:
        """Checks the signature over the raw body; raises InvalidSignature, and nothing else
        for a signed delivery: every refusal is a reason for a storefront to drop the hook,
        so a signed body that cannot be read is stored and `parse` says why."""
        ...

    async def parse(self, delivery: Delivery, body: bytes) -> Sequence[OrderEvent]:
        """The order events in a delivery; empty for a topic syncbot does not handle."""
        ...

    def orders_since(self, cursor: datetime | None) -> AsyncIterator[OrdersPage]:
        """Orders updated after the cursor, page by page, for catch-up."""
        ...

    async def listings(self) -> Sequence[Listing]:
        """Every SKU the channel lists, with its inventory ids."""
        ...

    async def read_levels(self, listings: Sequence[Listing]) -> Mapping[str, int]:
        """The sellable quantity the channel holds now, by inventory id."""
        ...

    async def push_levels(self, changes: Sequence[LevelChange]) -> Sequence[PushOutcome]:
        """Applies up to `batch_limit` changes; one item's failure never fails the rest."""
        ...

"""An in-memory storefront behind the connector interface, for tests and demos.

It signs like Shopify (base64 HMAC-SHA256 of the raw body) under its own header names,
reads a small JSON order format, and keeps its listings and levels in dictionaries with
compare-and-set semantics, so tests can drive intake and sync without any network. Like a
real storefront it takes at most `batch_limit` changes per call (more go in several calls)
and can be told to throttle its next call, which the connector waits out through `sleep`.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from connectors.base import (
    ConnectorError,
    Delivery,
    InvalidSignature,
    LevelChange,
    Listing,
    MalformedDelivery,
    OrdersPage,
    PushOutcome,
    body_digest,
    fitted_event_id,
    fitted_topic,
    header,
)
from connectors.payloads import decode
from connectors.settings import BuildContext, checked_settings, secret
from syncbot.ledger import DEFAULT_LOCATION
from syncbot.ledger.orders import (
    Disposition,
    OrderEvent,
    OrderLine,
    OrderReturn,
    OrderSnapshot,
    ReturnLine,
)

SIGNATURE = "X-Fake-Signature"
EVENT_ID = "X-Fake-Event-Id"
TOPIC = "X-Fake-Topic"
ORDER_TOPICS = frozenset({"order", "return"})
FAKE_KEYS = frozenset({"webhook_secret_env"})


def build(name: str, table: Mapping[str, Any], context: BuildContext) -> FakeConnector:
    """A fake channel: its one key, webhook_secret_env, checked like any storefront's;
    an unknown key is refused naming the keys it takes (a typo never passes silently)."""
    checked_settings(name, "fake", table, FAKE_KEYS)
    return FakeConnector(name, secret(name, table, "webhook_secret_env", context.environ))


def sign(body: bytes, secret: str) -> str:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class FakeConnector:
    def __init__(
        self,
        name: str,
        secret: str,
        batch_limit: int = 250,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        max_quantity: int | None = None,
        locations: Sequence[str] = (DEFAULT_LOCATION,),
    ) -> None:
        self.name = name
        self.batch_limit = batch_limit
        self.max_quantity = max_quantity
        self.bulk_read_above: int | None = None
        self.locations = tuple(locations)
        self._secret = secret
        self._sleep = sleep
        self._throttled_for: float | None = None
        self.orders: list[OrderSnapshot] = []
        self.listed: list[Listing] = []
        self.levels: dict[str, int] = {}
        self.failing: set[str] = set()
        """Inventory ids whose pushes fail, to show one bad item never fails the rest."""
        self.pushes: list[list[LevelChange]] = []
        """Every call to the storefront, as sent: at most `batch_limit` changes each."""
        self.applied: dict[str, PushOutcome] = {}
        """Outcomes by idempotency key: a change sent again under its key applies once."""
        self.lose_answers = 0
        """Calls whose answer is lost after they applied (a crash between send and record)."""

    async def check(self) -> str:
        return f"fake storefront {self.name}: {len(self.listed)} listings in memory"

    def verify(self, body: bytes, headers: Mapping[str, str]) -> Delivery:
        given = header(headers, SIGNATURE)
        expected = sign(body, self._secret).encode()
        if given is None or not hmac.compare_digest(given.encode("utf-8", "replace"), expected):
            raise InvalidSignature(f"{SIGNATURE} is missing or does not match the body")
        # Like the real connectors, only the signature is ever refused: what the headers
        # lack is keyed by a digest, and parse closes what it cannot read with a reason.
        topic = fitted_topic(header(headers, TOPIC) or "")
        given_id = header(headers, EVENT_ID)
        event_id = fitted_event_id(given_id) if given_id else body_digest(topic, body)
        return Delivery(event_id=event_id, topic=topic, headers={TOPIC: topic})

    async def parse(self, delivery: Delivery, body: bytes) -> Sequence[OrderEvent]:
        if not delivery.topic:
            raise MalformedDelivery(f"the delivery has no {TOPIC} header; closed unread")
        if delivery.topic not in ORDER_TOPICS:
            return []
        document = decode(body, f"fake {delivery.topic}")
        try:
            if delivery.topic == "return":
                lines = tuple(_return_line(line) for line in document["lines"])
                return [OrderReturn(str(document["order_id"]), lines)]
            return [snapshot_from_json(document)]
        except KeyError as error:
            problem = f"not a fake {delivery.topic}: the payload has no {error}"
            raise MalformedDelivery(problem[:500]) from error
        except (ValueError, TypeError, AttributeError, RecursionError) as error:
            problem = f"not a fake {delivery.topic}: {type(error).__name__}: {error}"
            raise MalformedDelivery(problem[:500]) from error

    async def orders_since(self, cursor: datetime | None) -> AsyncIterator[OrdersPage]:
        newer = sorted(
            (o for o in self.orders if cursor is None or o.updated_at > cursor),
            key=lambda order: order.updated_at,
        )
        for start in range(0, len(newer), 2):  # pages of two, so tests see pagination
            page = newer[start : start + 2]
            yield OrdersPage(events=page, cursor=page[-1].updated_at)

    async def listings(self) -> Sequence[Listing]:
        return list(self.listed)

    async def read_levels(self, listings: Sequence[Listing]) -> Mapping[str, int]:
        return {item.inventory_id: self.levels.get(item.inventory_id, 0) for item in listings}

    def throttle_next(self, seconds: float) -> None:
        """The next push call is refused for `seconds` (a 429 with Retry-After): the
        connector waits that long through `sleep`, then sends it again."""
        self._throttled_for = seconds

    async def push_levels(self, changes: Sequence[LevelChange]) -> Sequence[PushOutcome]:
        outcomes: list[PushOutcome] = []
        for start in range(0, len(changes), self.batch_limit):
            outcomes += await self._call(changes[start : start + self.batch_limit])
        return outcomes

    async def _call(self, changes: Sequence[LevelChange]) -> list[PushOutcome]:
        """One call to the storefront, of at most `batch_limit` changes."""
        if self._throttled_for is not None:
            wait, self._throttled_for = self._throttled_for, None
            await self._sleep(wait)
        self.pushes.append(list(changes))
        outcomes = [self._apply(change) for change in changes]
        if self.lose_answers:
            self.lose_answers -= 1
            raise ConnectorError("the connection dropped before the answer arrived")
        return outcomes

    def _apply(self, change: LevelChange) -> PushOutcome:
        if change.idempotency_key in self.applied:
            return self.applied[change.idempotency_key]
        inventory_id = change.listing.inventory_id
        held = self.levels.get(inventory_id, 0)
        if inventory_id in self.failing:
            outcome = PushOutcome(change, error=f"unknown inventory item {inventory_id}")
        elif change.expected is not None and change.expected != held:
            outcome = PushOutcome(change, stale=True)
        else:
            self.levels[inventory_id] = change.quantity
            outcome = PushOutcome(change, acknowledged=change.quantity)
        self.applied[change.idempotency_key] = outcome
        return outcome


def snapshot_from_json(document: Mapping[str, Any]) -> OrderSnapshot:
    """The fake format: {order_id, updated_at, cancelled?, lines: [{line_id, sku, ...}]}."""
    return OrderSnapshot(
        order_id=str(document["order_id"]),
        updated_at=datetime.fromisoformat(document["updated_at"]),
        cancelled=bool(document.get("cancelled", False)),
        lines=tuple(
            OrderLine(
                line_id=str(line["line_id"]),
                sku=line.get("sku") or "",
                quantity=line["quantity"],
                current=line.get("current", line["quantity"]),
                fulfilled=line.get("fulfilled", 0),
                location=line.get("location", "main"),
            )
            for line in document["lines"]
        ),
    )


def _return_line(line: Mapping[str, Any]) -> ReturnLine:
    return ReturnLine(
        return_line_id=str(line["return_line_id"]),
        line_id=str(line["line_id"]),
        sku=line.get("sku") or "",
        quantity=line["quantity"],
        disposition=Disposition(line["disposition"]),
        location=line.get("location", "main"),
    )

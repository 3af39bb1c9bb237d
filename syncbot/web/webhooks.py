"""`POST /webhooks/{channel}`: verify, keep the raw delivery, answer; processing comes after.

In this order: the body limit (413, in front of every route), the channel (404), the
signature over the raw body (401), the inbox (a duplicate is answered 200 and adds
nothing; deliveries that arrive together are kept by one statement, `InboxWriter`).
Nothing is parsed before the signature holds, and nothing is written unless it does. A
signed delivery is never refused: a refusal makes the storefront retry, then drop the
subscription. An identity the inbox cannot hold is fitted (digested, or cut), and a body
that cannot be read is stored and closed by `parse` with its reason.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from fastapi import APIRouter, Request
from starlette.exceptions import HTTPException

from connectors.base import (
    Connector,
    Delivery,
    IgnoredDelivery,
    InvalidSignature,
    MalformedDelivery,
    fitted_event_id,
    fitted_topic,
)
from syncbot import metrics
from syncbot.ledger.limits import quoted
from syncbot.store.inbox_writer import InboxWriter
from syncbot.web.errors import responses
from syncbot.web.fields import ChannelInPath


def webhook_router(connectors: Mapping[str, Connector], wake: Callable[[], None]) -> APIRouter:
    """`wake` tells the intake loop a delivery is stored."""
    router = APIRouter(tags=["webhooks"])
    inbox = InboxWriter()  # a burst's deliveries share statements and commits

    @router.post("/webhooks/{channel}", responses=responses(400, 401, 404))
    async def receive_webhook(channel: ChannelInPath, request: Request) -> dict[str, str]:
        """200 `accepted`, `duplicate` or `ignored` (a ping); 401 bad or missing
        signature; 404 unknown channel; 400 only for a connector that cannot read a
        delivery it was sent at all (none of the shipped ones)."""
        connector = connectors.get(channel)
        if connector is None:
            raise HTTPException(404, f"no channel named {quoted(channel)} is configured")
        body = await request.body()
        try:
            delivery = _fitted(connector.verify(body, request.headers))
        except RecursionError as error:
            raise HTTPException(400, "the body is nested too deeply to be read") from error
        except InvalidSignature as error:
            metrics.WEBHOOKS_RECEIVED.labels(channel, "bad_signature").inc()
            raise HTTPException(401, str(error)) from error
        except MalformedDelivery as error:
            raise HTTPException(400, str(error)) from error
        except IgnoredDelivery as error:
            metrics.WEBHOOKS_RECEIVED.labels(channel, "ignored").inc()
            return {"status": "ignored", "detail": str(error)}
        if not await inbox.store(channel, delivery, body):
            metrics.WEBHOOKS_RECEIVED.labels(channel, "duplicate").inc()
            return {"status": "duplicate"}
        metrics.WEBHOOKS_RECEIVED.labels(channel, "accepted").inc()
        wake()
        return {"status": "accepted"}

    return router


def _fitted(delivery: Delivery) -> Delivery:
    """The delivery with an identity the inbox can hold, whatever the connector passed on:
    a safety net under each connector's own fitting, so no header can fail the insert."""
    event_id, topic = fitted_event_id(delivery.event_id), fitted_topic(delivery.topic)
    if (event_id, topic) == (delivery.event_id, delivery.topic):
        return delivery
    return Delivery(event_id, topic, delivery.headers)

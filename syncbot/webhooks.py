"""`POST /webhooks/{channel}`: verify, keep the raw delivery, answer; processing comes after.

In this order: the body limit (413, in front of every route), the channel (404), the
signature over the raw body (401), the delivery's identity within the store's limits
(400), the inbox (a duplicate is answered 200 and adds nothing). Nothing is parsed
before the signature holds, and nothing is written unless it does. A signed body nested
too deeply to parse is a malformed delivery (400), never a 500.
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter, Request
from starlette.exceptions import HTTPException

from connectors.base import (
    Connector,
    Delivery,
    IgnoredDelivery,
    InvalidSignature,
    MalformedDelivery,
)
from syncbot import metrics
from syncbot.api_fields import ChannelInPath
from syncbot.intake import inbox
from syncbot.intake.processor import IntakeProcessor
from syncbot.ledger.limits import MAX_EVENT_ID_LENGTH, MAX_TOPIC_LENGTH, quoted, text_problem
from syncbot.web_errors import responses


def webhook_router(connectors: Mapping[str, Connector], processor: IntakeProcessor) -> APIRouter:
    router = APIRouter(tags=["webhooks"])

    @router.post("/webhooks/{channel}", responses=responses(400, 401, 404))
    async def receive_webhook(channel: ChannelInPath, request: Request) -> dict[str, str]:
        """200 `accepted`, `duplicate` or `ignored` (a ping); 400 a malformed delivery
        (an event id or topic beyond the store's limits, a body nested too deeply);
        401 bad or missing signature; 404 unknown channel."""
        connector = connectors.get(channel)
        if connector is None:
            raise HTTPException(404, f"no channel named {quoted(channel)} is configured")
        body = await request.body()
        try:
            delivery = _within_limits(connector.verify(body, request.headers))
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
        processor.wake()
        return {"status": "accepted"}

    return router


def _within_limits(delivery: Delivery) -> Delivery:
    """The delivery, if the inbox can hold its identity; else MalformedDelivery."""
    problem = text_problem(delivery.event_id, "the event id", MAX_EVENT_ID_LENGTH) or text_problem(
        delivery.topic, "the topic", MAX_TOPIC_LENGTH
    )
    if problem is not None:
        raise MalformedDelivery(problem)
    return delivery

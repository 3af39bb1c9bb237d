"""`POST /webhooks/{channel}`: verify, keep the raw delivery, answer; processing comes after.

In this order: the body limit (413, in front of every route), the channel (404), the
signature over the raw body (401), the inbox (a duplicate is answered 200 and adds
nothing). Nothing is parsed before the signature holds, and nothing is written unless
it does.
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter, Request
from starlette.exceptions import HTTPException

from connectors.base import Connector, IgnoredDelivery, InvalidSignature, MalformedDelivery
from syncbot import metrics
from syncbot.intake import inbox
from syncbot.intake.processor import IntakeProcessor


def webhook_router(connectors: Mapping[str, Connector], processor: IntakeProcessor) -> APIRouter:
    router = APIRouter(tags=["webhooks"])

    @router.post("/webhooks/{channel}")
    async def receive_webhook(channel: str, request: Request) -> dict[str, str]:
        """200 `accepted`, `duplicate` or `ignored` (a ping); 401 bad or missing signature;
        404 unknown channel."""
        connector = connectors.get(channel)
        if connector is None:
            raise HTTPException(404, f"no channel named {channel!r} is configured")
        body = await request.body()
        try:
            delivery = connector.verify(body, request.headers)
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

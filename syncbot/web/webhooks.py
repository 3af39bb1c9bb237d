"""`POST /webhooks/{channel}`: verify, keep the raw delivery, answer; processing comes after.

In this order: the body limit (413, in front of every route), the channel (404), the
signature over the raw body (401), the inbox (a duplicate is answered 200 and adds
nothing; deliveries that arrive together are kept by one statement, `InboxWriter`).
Nothing is parsed before the signature holds, and nothing is written unless it does. A
signed delivery is never refused: a refusal makes the storefront retry, then drop the
subscription. An identity the inbox cannot hold is fitted (digested, or cut), and a body
that cannot be read is stored and closed by `parse` with its reason.

The path has two ways in. `Deliveries` answers a POST to a configured channel in front of
FastAPI (`web.app.Service` hands it the request before FastAPI's stack sees it): a
storefront's burst is the service's hottest path. Through FastAPI, a delivery was matched
against every route included before it, its path parameter resolved as a dependency and
its answer validated (some 40% of its CPU, "Webhook intake" in docs/benchmarks.md); then,
as a plain route first among the app's, it still passed FastAPI's per-request telemetry
check and five layers of middleware, about as much again as the route itself
("CPU per delivery" there). It keeps syncbot's own two (the request metrics, the
body limit) and answers a failure through the handler `errors.install` registers for it.
The FastAPI route documents the path in /docs, where it always was, and answers the rest
(an unknown channel 404, a name the store cannot hold 422, another method 405); both
verify and store through the same `accept`, and answer the same bytes. (Should an
OpenTelemetry provider ever be set, FastAPI would trace every request but these.)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from fastapi import APIRouter, Request
from pydantic import TypeAdapter
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

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
from syncbot.ledger.limits import MAX_CHANNEL_LENGTH, quoted, text_problem
from syncbot.store.inbox_writer import InboxWriter
from syncbot.web.errors import handler_for, reraised, responses
from syncbot.web.fields import ChannelInPath
from syncbot.web.middleware import BodyLimit, RequestMetrics

PATH = "/webhooks/{channel}"
_ANSWER = TypeAdapter(dict[str, str])
"""How FastAPI serializes the documented route's `dict[str, str]`: `Deliveries` answers
the same bytes."""


def webhook_routes(
    connectors: Mapping[str, Connector], wake: Callable[[], None], max_body_bytes: int
) -> tuple[Deliveries, APIRouter]:
    """What answers a delivery in front of FastAPI, and the router to include where the
    path belongs in /docs. `wake` tells the intake loop a delivery is stored;
    `max_body_bytes`, the body limit every route has."""
    inbox = InboxWriter()  # a burst's deliveries share statements and commits

    async def accept(connector: Connector, channel: str, request: Request) -> dict[str, str]:
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

    router = APIRouter(tags=["webhooks"])

    @router.post(PATH, responses=responses(400, 401, 404))
    async def receive_webhook(channel: ChannelInPath, request: Request) -> dict[str, str]:
        """200 `accepted`, `duplicate` or `ignored` (a ping); 401 bad or missing
        signature; 404 unknown channel; 400 only for a connector that cannot read a
        delivery it was sent at all (none of the shipped ones)."""
        connector = connectors.get(channel)
        if connector is None:
            raise HTTPException(404, f"no channel named {quoted(channel)} is configured")
        return await accept(connector, channel, request)

    return Deliveries(accept, connectors, max_body_bytes), router


Accept = Callable[[Connector, str, Request], Awaitable[dict[str, str]]]


class Deliveries:
    """`POST /webhooks/{channel}` for a configured channel, in front of FastAPI.

    `takes` says whether a request is one; any other (an unknown channel, a name
    `ChannelInPath` refuses, another method, an app mounted under a root path) goes on
    to FastAPI and the documented route."""

    path = PATH  # what RequestMetrics labels a request by, as it does FastAPI's routes

    def __init__(
        self, accept: Accept, connectors: Mapping[str, Connector], max_body_bytes: int
    ) -> None:
        self._accept = accept
        self._connectors = connectors
        self._app = RequestMetrics(BodyLimit(self._serve, max_body_bytes))

    def takes(self, scope: Scope) -> bool:
        if scope["type"] != "http" or scope["method"] != "POST" or scope.get("root_path"):
            return False
        path: str = scope["path"]
        channel = path[len(_PREFIX) :]
        return path.startswith(_PREFIX) and channel in self._connectors and _storable(channel)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._app(scope, receive, send)

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["route"] = self
        channel: str = scope["path"][len(_PREFIX) :]
        request = Request(scope, receive)
        failure: Exception | None = None
        try:
            answer = await self._accept(self._connectors[channel], channel, request)
            response = Response(_ANSWER.dump_json(answer), media_type="application/json")
        except Exception as error:  # answered as FastAPI's handlers would answer it
            failure = error
            response = await handler_for(error)(request, error)
        await response(scope, receive, send)
        if failure is not None and reraised(failure):
            raise failure  # as Starlette does, so the server logs the traceback


_PREFIX = PATH.removesuffix("{channel}")


def _storable(channel: str) -> bool:
    """What ChannelInPath lets through (its min_length=1 the path pattern already holds)."""
    return text_problem(channel, "channel", MAX_CHANNEL_LENGTH) is None


def _fitted(delivery: Delivery) -> Delivery:
    """The delivery with an identity the inbox can hold, whatever the connector passed on:
    a safety net under each connector's own fitting, so no header can fail the insert."""
    event_id, topic = fitted_event_id(delivery.event_id), fitted_topic(delivery.topic)
    if (event_id, topic) == (delivery.event_id, delivery.topic):
        return delivery
    return Delivery(event_id, topic, delivery.headers)

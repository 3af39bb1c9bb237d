"""`POST /webhooks/{channel}`: verify, keep the raw delivery, answer; processing comes after.

In this order: the body limit (413, in front of every route), the channel (404), the
signature over the raw body (401), the inbox (a duplicate is answered 200 and adds
nothing; deliveries that arrive together are kept by one statement, `InboxWriter`).
Nothing is parsed before the signature holds, and nothing is written unless it does. A
signed delivery is never refused: a refusal makes the storefront retry, then drop the
subscription. An identity the inbox cannot hold is fitted (digested, or cut), and a body
that cannot be read is stored and closed by `parse` with its reason.

Two routes share the path. `Deliveries`, first among the app's routes, serves a POST to a
configured channel as a plain Starlette route: a storefront's burst is the service's
hottest path, and through FastAPI's route a delivery was matched against every route
included before it, its path parameter resolved as a dependency and its answer validated
against the annotation, some 40% of its CPU ("Webhook intake" in docs/benchmarks.md).
The FastAPI route documents the path in /docs, where it always was, and answers the rest
(an unknown channel 404, a name the store cannot hold 422, another method 405); both
verify and store through the same `accept`, and answer the same bytes. (Should an
OpenTelemetry provider ever be set, FastAPI would trace a delivery's request, but not its
dependency, endpoint and serialization steps, which this route does not have.)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from fastapi import APIRouter, Request
from pydantic import TypeAdapter
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import Match, Route
from starlette.types import Scope

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
from syncbot.web.errors import responses
from syncbot.web.fields import ChannelInPath

PATH = "/webhooks/{channel}"
_ANSWER = TypeAdapter(dict[str, str])
"""How FastAPI serializes the documented route's `dict[str, str]`: `Deliveries` answers
the same bytes."""


def webhook_routes(
    connectors: Mapping[str, Connector], wake: Callable[[], None]
) -> tuple[Deliveries, APIRouter]:
    """The route to put first among the app's routes, and the router to include where the
    path belongs in /docs. `wake` tells the intake loop a delivery is stored."""
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

    async def serve(request: Request) -> Response:
        channel: str = request.path_params["channel"]
        answer = await accept(connectors[channel], channel, request)
        return Response(_ANSWER.dump_json(answer), media_type="application/json")

    return Deliveries(serve, connectors), router


class Deliveries(Route):
    """`POST /webhooks/{channel}` for a configured channel, outside FastAPI's routing.

    Any other request to the path matches nothing here and goes on to the documented
    route: an unknown channel, a name `ChannelInPath` refuses, another method."""

    def __init__(
        self,
        serve: Callable[[Request], Awaitable[Response]],
        connectors: Mapping[str, Connector],
    ) -> None:
        super().__init__(PATH, serve, methods=["POST"], include_in_schema=False)
        self._connectors = connectors

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child_scope = super().matches(scope)
        channel = child_scope.get("path_params", {}).get("channel")
        if match is not Match.FULL or channel not in self._connectors or not _storable(channel):
            return Match.NONE, {}
        # FastAPI's routes record themselves; RequestMetrics labels requests by it.
        return match, {**child_scope, "route": self}


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

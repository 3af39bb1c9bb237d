"""`POST /webhooks/{channel}` is served by a plain route first among the app's routes
(`Deliveries`); the FastAPI route documents the path and answers the rest. Both must
answer every request byte for byte as the FastAPI route alone does.

The service runs in this process, on SQLite and PostgreSQL, driven over ASGI; the answers
are compared with an app holding only the documented route.
"""

from __future__ import annotations

import json
import tomllib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import REGISTRY

from connectors.base import Connector
from connectors.registry import build_connectors
from connectors.shopify.webhooks import sign
from syncbot.channels_file import ChannelsFile
from syncbot.config import Settings
from syncbot.web.app import web_app
from syncbot.web.errors import install
from syncbot.web.webhooks import PATH, Deliveries, webhook_routes

SHOP = "syncbot-route.myshopify.com"
SECRET = "route-tests-dummy-webhook-secret"  # for tests only
CHANNELS = f"""
[[channels]]
name = "shop"
kind = "shopify"
shop = "{SHOP}"
access_token_env = "ROUTE_TOKEN"
webhook_secret_env = "ROUTE_SECRET"
api_base_url = "http://127.0.0.1:9"
"""
TOO_LONG = "s" * 65
BODY = json.dumps({"id": 820982911946154508, "line_items": []}).encode()

Post = Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]


@asynccontextmanager
async def _nothing_to_run(app: FastAPI) -> AsyncIterator[None]:
    yield


def delivery(event_id: str, **changed: bytes | str) -> dict[str, bytes | str]:
    """A signed orders/create's headers; `changed` replaces or adds some."""
    return {
        "Content-Type": "application/json",
        "X-Shopify-Hmac-Sha256": sign(BODY, SECRET),
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Shop-Domain": SHOP,
        "X-Shopify-Event-Id": event_id,
        **changed,
    }


@pytest.fixture
async def connectors() -> AsyncIterator[dict[str, Connector]]:
    channels = ChannelsFile.model_validate(tomllib.loads(CHANNELS))
    environ = {"ROUTE_TOKEN": "shpat_dummy", "ROUTE_SECRET": SECRET}
    async with httpx.AsyncClient() as http:
        built = build_connectors(channels, environ, http)
        # No channels file names a channel so (its names are slugs of at most 64
        # characters), but a name ChannelInPath refuses is refused whatever the mapping.
        yield {**built, TOO_LONG: built["shop"]}


def service(connectors: dict[str, Connector]) -> FastAPI:
    return web_app(Settings(), {"shop": "shopify"}, connectors, lambda: None, _nothing_to_run)


def documented_route_alone(connectors: dict[str, Connector]) -> FastAPI:
    """The app as FastAPI alone would answer the path: its route, the error handlers."""
    app = FastAPI()
    _, router = webhook_routes(connectors, lambda: None)
    app.include_router(router)
    install(app)
    return app


def client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


def served(method: str = "POST") -> float:
    labels = {"method": method, "route": PATH, "status": "200"}
    return REGISTRY.get_sample_value("syncbot_http_requests_total", labels) or 0.0


async def answers(
    app: FastAPI, posts: list[Post]
) -> list[tuple[int, list[tuple[str, str]], bytes]]:
    async with client(app) as http:
        return [
            (answer.status_code, answer.headers.multi_items(), answer.content)
            for answer in [await post(http) for post in posts]
        ]


class TestTheSameAnswers:
    async def test_every_answer_is_the_documented_routes_to_the_byte(
        self, database: str, connectors: dict[str, Connector]
    ) -> None:
        """Accepted, duplicate, ignored (with a non-ASCII shop), bad and missing signature,
        unknown channel, a name the store cannot hold, another method: the same status,
        headers and bytes from the service as from the FastAPI route alone."""

        def cases(event: str) -> list[Post]:
            other_shop = b"other-\xff.myshopify.com"  # Starlette reads it as Latin-1
            return [
                lambda http: http.post("/webhooks/shop", content=BODY, headers=delivery(event)),
                lambda http: http.post("/webhooks/shop", content=BODY, headers=delivery(event)),
                lambda http: http.post(
                    "/webhooks/shop",
                    content=BODY,
                    headers=delivery(event + "-x", **{"X-Shopify-Shop-Domain": other_shop}),
                ),
                lambda http: http.post(
                    "/webhooks/shop",
                    content=BODY + b" ",
                    headers=delivery(event + "-y"),
                ),
                lambda http: http.post(
                    "/webhooks/shop",
                    content=BODY,
                    headers={"X-Shopify-Topic": "orders/create", "X-Shopify-Event-Id": event},
                ),
                lambda http: http.post("/webhooks/nope", content=BODY, headers=delivery(event)),
                lambda http: http.post("/webhooks/sh%00op", content=BODY, headers=delivery(event)),
                lambda http: http.post(
                    f"/webhooks/{TOO_LONG}", content=BODY, headers=delivery(event + "-z")
                ),
                lambda http: http.get("/webhooks/shop"),
            ]

        before = served()
        fast = await answers(service(connectors), cases(f"fast-{uuid.uuid4()}"))
        alone = await answers(documented_route_alone(connectors), cases(f"alone-{uuid.uuid4()}"))
        assert fast == alone
        assert [status for status, _, _ in fast] == [200, 200, 200, 401, 401, 404, 422, 422, 405]
        assert [body for _, _, body in fast[:3]] == [
            b'{"status":"accepted"}',
            b'{"status":"duplicate"}',
            '{"status":"ignored","detail":"the delivery is for other-\xff.myshopify.com, '
            f'not {SHOP}"}}'.encode(),
        ]
        # Counted under the route's template, as every FastAPI route is.
        assert served() - before == 3


class TestTheRoutes:
    def test_the_delivery_route_is_tried_first(self, connectors: dict[str, Connector]) -> None:
        """Only FastAPI's /openapi.json comes before it: no other route is tried first."""
        routes = service(connectors).router.routes
        assert getattr(routes[0], "path", None) == "/openapi.json"
        assert isinstance(routes[1], Deliveries)

    def test_the_docs_are_the_documented_routes_alone(
        self, connectors: dict[str, Connector]
    ) -> None:
        """The served route adds nothing to /openapi.json, so /docs lists the path once,
        where it always has."""
        app = service(connectors)
        schema = app.openapi()
        app.router.routes[:] = [r for r in app.router.routes if not isinstance(r, Deliveries)]
        app.openapi_schema = None
        assert app.openapi() == schema
        assert (
            schema["paths"][PATH]["post"]["operationId"]
            == "receive_webhook_webhooks__channel__post"
        )

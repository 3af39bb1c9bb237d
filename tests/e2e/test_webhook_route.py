"""`POST /webhooks/{channel}` for a configured channel is answered in front of FastAPI's
stack (`Deliveries`); the FastAPI route documents the path and answers the rest. Both must
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
from starlette.responses import PlainTextResponse
from starlette.types import Receive, Scope, Send
from tortoise.exceptions import OperationalError

from connectors.base import Connector
from connectors.registry import build_connectors
from connectors.shopify.webhooks import sign
from syncbot.channels_file import ChannelsFile
from syncbot.config import Settings
from syncbot.store.inbox_writer import InboxWriter
from syncbot.store.models import InboxDelivery
from syncbot.web.app import web_app
from syncbot.web.errors import install
from syncbot.web.webhooks import PATH, webhook_routes

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
    _, router = webhook_routes(connectors, lambda: None, Settings().max_body_bytes)
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


class TestTheWayIn:
    async def test_a_delivery_is_answered_before_fastapis_stack_and_the_rest_through_it(
        self, database: str, connectors: dict[str, Connector]
    ) -> None:
        """With FastAPI's whole stack (its middleware, routes and handlers) replaced by an
        app that answers 599, a delivery to a configured channel is still accepted; an
        unknown channel, a name the store cannot hold, another method and a service
        mounted under a root path reach the stack."""
        app = service(connectors)

        async def stack(scope: Scope, receive: Receive, send: Send) -> None:
            await PlainTextResponse("FastAPI", status_code=599)(scope, receive, send)

        app.middleware_stack = stack
        event = f"way-in-{uuid.uuid4()}"
        async with client(app) as http:
            accepted = await http.post("/webhooks/shop", content=BODY, headers=delivery(event))
            others = [
                await http.post("/webhooks/nope", content=BODY, headers=delivery(event)),
                await http.post(f"/webhooks/{TOO_LONG}", content=BODY, headers=delivery(event)),
                await http.post("/webhooks/shop/", content=BODY, headers=delivery(event)),
                await http.put("/webhooks/shop", content=BODY, headers=delivery(event)),
            ]
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, root_path="/syncbot"), base_url="http://test"
        ) as mounted:
            others.append(
                await mounted.post("/syncbot/webhooks/shop", content=BODY, headers=delivery(event))
            )
        assert accepted.json() == {"status": "accepted"}
        assert [answer.status_code for answer in others] == [599] * 5

    async def test_a_body_over_the_limit_is_refused_and_counted_before_it_is_read_whole(
        self, database: str, connectors: dict[str, Connector]
    ) -> None:
        """The body limit and the request metrics stand in front of deliveries too: 413,
        counted as unmatched, as every route's refusal by the limit is, and nothing stored."""
        app = web_app(
            Settings(max_body_bytes=1024), {"shop": "shopify"}, connectors, lambda: None,
            _nothing_to_run,
        )  # fmt: skip
        big = json.dumps({"id": 1, "note": "x" * 2000}).encode()
        event = f"big-{uuid.uuid4()}"
        headers = {**delivery(event), "X-Shopify-Hmac-Sha256": sign(big, SECRET)}
        labels = {"method": "POST", "route": "unmatched", "status": "413"}
        before = REGISTRY.get_sample_value("syncbot_http_requests_total", labels) or 0.0
        async with client(app) as http:
            refused = await http.post("/webhooks/shop", content=big, headers=headers)
        assert refused.status_code == 413
        assert refused.json() == {
            "error": "the request body is larger than the limit of 1024 bytes"
        }
        assert REGISTRY.get_sample_value("syncbot_http_requests_total", labels) == before + 1
        assert not await InboxDelivery.filter(event_id=event).exists()

    async def test_a_failure_is_answered_by_the_handler_fastapi_would_use(
        self, database: str, connectors: dict[str, Connector], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The database failing under the inbox: the same 500 from both ways in, logged
        once by the handler, and not raised again (only the catch-all's are)."""

        async def down(*args: object) -> bool:
            raise OperationalError("connection refused")

        monkeypatch.setattr(InboxWriter, "store", down)
        posts: list[Post] = [
            lambda http: http.post("/webhooks/shop", content=BODY, headers=delivery("down")),
        ]
        fast = await answers(service(connectors), posts)
        alone = await answers(documented_route_alone(connectors), posts)
        assert fast == alone
        assert fast[0][0] == 500

    def test_the_docs_list_the_path_once(self, connectors: dict[str, Connector]) -> None:
        """/openapi.json documents the path where it always was, from the FastAPI route."""
        schema = service(connectors).openapi()
        assert list(schema["paths"][PATH]) == ["post"]
        assert (
            schema["paths"][PATH]["post"]["operationId"]
            == "receive_webhook_webhooks__channel__post"
        )

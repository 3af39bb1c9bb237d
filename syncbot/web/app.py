"""The ASGI app: the routers, the middleware, and how refusals answer.

What runs beside it (intake, the scheduler, the Slack bot) is built and started by
`syncbot.bootstrap`, which hands this its lifespan. How refusals answer is in `errors`; the
limits every input is checked against, in `fields`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

from fastapi import APIRouter, FastAPI
from starlette.types import Receive, Scope, Send

from connectors.base import Connector
from syncbot.app.syncing import ChannelSyncs
from syncbot.config import Settings
from syncbot.console.app import install_console
from syncbot.console.pages import Console
from syncbot.web.api_docs import serve_api_docs
from syncbot.web.auth import Access
from syncbot.web.bundles_api import bundles_router
from syncbot.web.channels_api import channels_router
from syncbot.web.errors import install
from syncbot.web.inbox_api import inbox_router
from syncbot.web.middleware import BodyLimit, RequestMetrics
from syncbot.web.operations import operations
from syncbot.web.purchasing_api import purchasing_router
from syncbot.web.replenishment_api import replenishment_router
from syncbot.web.reports_api import reports_router
from syncbot.web.shrinkage_api import shrinkage_router
from syncbot.web.stock_api import describe_bodies, stock_api
from syncbot.web.stocktakes_api import stocktakes_router
from syncbot.web.users_api import users_router
from syncbot.web.valuation_api import valuation_router
from syncbot.web.webhooks import Deliveries, webhook_routes


class Service(FastAPI):
    """FastAPI, with storefronts' deliveries answered before its stack: the busiest
    requests, and the ones that need least of it (`web.webhooks`)."""

    def __init__(self, deliveries: Deliveries, **settings: Any) -> None:
        super().__init__(**settings)
        self.deliveries = deliveries

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.deliveries.takes(scope):
            await self.deliveries(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)


def web_app(
    settings: Settings,
    kinds: Mapping[str, str],
    connectors: Mapping[str, Connector],
    wake_intake: Callable[[], None],
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]],
    routers: Sequence[APIRouter] = (),
    *,
    channel_syncs: ChannelSyncs | None = None,
) -> FastAPI:
    """The service's routes. `kinds`: every channel's name and kind, in the channels file's
    order; `wake_intake` is called when a webhook delivery is stored; `routers` are more
    routes (the Slack bot's); `channel_syncs`, the channels "sync now" pushes to, sharing
    the scheduler's locks, and whose policies the SKU card explains (none: the service
    syncs nothing on request, and says so)."""
    deliveries, webhook_router = webhook_routes(connectors, wake_intake, settings.max_body_bytes)
    app = Service(
        deliveries,
        title="syncbot",
        summary="A perpetual inventory ledger",
        lifespan=lifespan,
        docs_url=None,  # served from the package by `api_docs`, not from a CDN
        redoc_url=None,
    )
    # The last added runs first: requests are counted even when the body limit refuses them.
    app.add_middleware(BodyLimit, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(RequestMetrics)
    app.include_router(operations)
    serve_api_docs(app)
    # Every /api route needs a token: the one dependency is in `auth`.
    access = Access(settings.api_token)
    app.include_router(stock_api(access))
    app.include_router(webhook_router)  # documents the path, answers what `deliveries` does not
    app.include_router(channels_router(kinds, access, channel_syncs))
    app.include_router(inbox_router(access))
    app.include_router(users_router(access))
    app.include_router(valuation_router(access, settings.currency))
    app.include_router(replenishment_router(access))
    app.include_router(shrinkage_router(access, settings.currency))
    app.include_router(reports_router(access, settings.currency))
    app.include_router(purchasing_router(access))
    app.include_router(stocktakes_router(access, settings.currency))
    app.include_router(bundles_router(access))
    for router in routers:
        app.include_router(router)
    secure = (settings.public_url or "").lower().startswith("https://")
    install_console(
        app,
        Console(secure_cookies=secure, channel_syncs=channel_syncs, currency=settings.currency),
    )
    app.state.channel_names = list(kinds)
    app.state.channel_kinds = dict(kinds)
    app.state.metrics_token = settings.metrics_token
    app.state.wake_intake = wake_intake  # the console's inbox retry wakes the loop too
    install(app)
    describe_bodies(app)
    return app

"""The ASGI service: the stock API, the operations endpoints and the guards in front of them.

How refusals answer is in `web_errors`; the limits every input is checked against, in
`api_fields`.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import PlainTextResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import SecretStr, ValidationError
from starlette.exceptions import HTTPException

from connectors.base import Connector
from syncbot.config import ChannelsFile, Settings
from syncbot.intake.processor import IntakeProcessor
from syncbot.runtime.leader import Leadership
from syncbot.runtime.scheduler import SyncScheduler
from syncbot.slackbot.app import slack_settings
from syncbot.slackbot.runtime import SlackBot
from syncbot.store.database import (
    close_database,
    database_ready,
    declare_locations,
    migrate,
    open_database,
)
from syncbot.store.stock import MAX_HISTORY
from syncbot.sync.channels import sync_channels
from syncbot.sync.status import refresh_gauges
from syncbot.web import schemas as service
from syncbot.web.channels_api import channels_router
from syncbot.web.errors import install, responses
from syncbot.web.fields import MovementId, SkuInPath, SkuInQuery
from syncbot.web.inbox_api import inbox_router
from syncbot.web.middleware import BodyLimit, RequestMetrics
from syncbot.web.schemas import MovementOut, MovementRequest, PostingOut, StockOut
from syncbot.web.webhooks import webhook_router

log = logging.getLogger(__name__)


def create_app(
    settings: Settings,
    channels: ChannelsFile,
    connectors: Mapping[str, Connector] | None = None,
    http: httpx.AsyncClient | None = None,
) -> FastAPI:
    """The service; the database is migrated and opened only when the server starts it.

    `connectors` are the channels' storefronts, `http` the client they share (closed at
    shutdown). The intake processor runs beside the server and finishes, at start, any
    delivery a previous process stored but did not process.
    """
    connectors = connectors or {}
    processor = IntakeProcessor(connectors)
    kinds = {channel.name: channel.kind for channel in channels.channels}
    slack_config = slack_settings(settings, channels)
    replies = http or httpx.AsyncClient(timeout=httpx.Timeout(10.0))
    bot = (
        SlackBot(
            slack_config, channels.locations, list(kinds), replies, settings.alert_poll_seconds
        )
        if slack_config
        else None
    )
    scheduler = SyncScheduler(
        sync_channels(channels, connectors), settings, also=bot.leader_jobs() if bot else ()
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await migrate(settings.database_url, progress=log.info)
        await open_database(settings.database_url)
        if settings.api_token is None:
            log.warning("SYNCBOT_API_TOKEN is not set: every write to the API answers 401")
        tasks: list[asyncio.Task[None]] = []
        try:
            await declare_locations(channels.locations)
            tasks.append(asyncio.create_task(processor.run(), name="intake"))
            if bot is not None:
                await bot.start()
            if settings.scheduler:
                leadership = Leadership(
                    settings.database_url, retry_seconds=settings.leader_retry_seconds
                )
                tasks.append(asyncio.create_task(leadership.run(scheduler.lead), name="scheduler"))
            else:
                log.info("scheduler off in this process (--no-scheduler)")
            yield
        finally:
            for task in reversed(tasks):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if bot is not None:
                await bot.stop()
            await replies.aclose()
            await close_database()

    app = FastAPI(title="syncbot", summary="A perpetual inventory ledger", lifespan=lifespan)
    # The last added runs first: requests are counted even when the body limit refuses them.
    app.add_middleware(BodyLimit, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(RequestMetrics)
    app.include_router(operations)
    app.include_router(stock_api(bearer_guard(settings.api_token)))
    app.include_router(webhook_router(connectors, processor))
    app.include_router(channels_router(kinds))
    app.include_router(inbox_router(bearer_guard(settings.api_token)))
    if bot is not None:
        app.include_router(bot.router())
    app.state.channel_names = list(kinds)
    install(app)
    _describe_bodies(app)
    return app


operations = APIRouter(tags=["operations"])


@operations.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is alive; says nothing about the database."""
    return {"status": "ok"}


@operations.get("/readyz", responses={503: {"description": "The database does not answer"}})
async def readyz(response: Response) -> dict[str, str]:
    """200 when the database answers, else 503 so a load balancer sends traffic elsewhere."""
    if await database_ready():
        return {"status": "ready"}
    response.status_code = 503
    return {"status": "database unavailable"}


@operations.get(
    "/metrics",
    response_class=PlainTextResponse,
    responses={200: {"content": {CONTENT_TYPE_LATEST.split(";")[0]: {}}}},
)
async def prometheus_metrics(request: Request) -> Response:
    """Prometheus text format: the ledger's counters, HTTP, and each channel's sync gauges."""
    await refresh_gauges(request.app.state.channel_names)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def bearer_guard(token: SecretStr | None) -> Callable[..., Awaitable[None]]:
    """A dependency that lets through only `Authorization: Bearer <token>`."""
    expected = None if token is None else token.get_secret_value().encode()

    # HTTPBearer states the scheme in the OpenAPI description; it answers None, not an
    # error, for a missing header or another scheme, so every refusal reads the same.
    async def require_token(
        credentials: Annotated[
            HTTPAuthorizationCredentials | None, Depends(HTTPBearer(auto_error=False))
        ],
    ) -> None:
        if expected is None:
            raise _unauthorized("the API token is not configured: set SYNCBOT_API_TOKEN")
        given = b"" if credentials is None else credentials.credentials.encode()
        # compare_digest takes as long for a near miss as for a wild guess.
        if credentials is None or not hmac.compare_digest(given, expected):
            raise _unauthorized("a valid `Authorization: Bearer <token>` header is required")

    return require_token


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(401, message, headers={"WWW-Authenticate": "Bearer"})


def stock_api(guard: Callable[..., Awaitable[None]]) -> APIRouter:
    """Reading stock and history is open; recording a movement needs the API token."""
    router = APIRouter(prefix="/api", tags=["stock"])
    replayed: dict[int | str, dict[str, Any]] = {
        200: {"model": PostingOut, "description": "already_applied: done before"}
    }

    # `:path` because SKU codes may contain "/".
    @router.get("/stock/{sku:path}", responses=responses(404))
    async def get_stock(sku: SkuInPath) -> StockOut:
        """Quantities of one SKU per location and in total; 404 for an unknown SKU."""
        return await service.stock_report(sku)

    @router.get("/parked")
    async def get_parked() -> list[service.ParkedLineOut]:
        """Order and return lines waiting for a SKU; adding the SKU applies them."""
        return await service.parked_lines()

    @router.get("/movements", responses=responses(404))
    async def get_movements(
        sku: SkuInQuery = None,
        limit: Annotated[int, Query(ge=1, le=MAX_HISTORY)] = 50,
    ) -> list[MovementOut]:
        """Movements newest first, of one SKU or of all; 404 for an unknown SKU."""
        return await service.movement_history(sku, limit)

    @router.post(
        "/movements",
        status_code=201,
        dependencies=[Depends(guard)],
        responses={**replayed, **responses(400, 401, 404, 409)},
        openapi_extra={"requestBody": MOVEMENT_BODY},
    )
    async def post_movement(request: Request, response: Response) -> PostingOut:
        """Records one movement (body: MovementRequest) and answers with the SKU's stock.

        201 applied; 200 `already_applied` when the idempotency key was used for the same
        movement; 401 without the token; 404 unknown SKU or location; 409 insufficient
        stock (send `"force": true` to record it anyway) or a key reused for a different
        movement; 413 body too large; 422 malformed JSON, an invalid movement, a value over
        a limit of the store, or an order kind (those come from storefront intake).
        """
        # Parsed here rather than as a FastAPI body parameter so that the token is checked
        # before any byte of the body is parsed.
        try:
            movement = MovementRequest.model_validate_json(await request.body())
        except ValidationError as problem:
            raise RequestValidationError(problem.errors(include_url=False)) from problem
        answer = await service.record_movement(movement)
        if answer.status == "already_applied":
            response.status_code = 200
        return answer

    @router.post(
        "/movements/{movement_id}/reverse",
        status_code=201,
        dependencies=[Depends(guard)],
        responses={**replayed, **responses(401, 404, 409)},
    )
    async def reverse_movement(
        movement_id: MovementId, response: Response, force: bool = False
    ) -> PostingOut:
        """Undoes a movement with a reversing one; each movement is reversed at most once.

        201 reversed; 200 `already_applied` when it was reversed before; 404 unknown id;
        409 when the units have moved on since (`?force=true` records it anyway).
        """
        answer = await service.record_reversal(movement_id, force=force)
        if answer.status == "already_applied":
            response.status_code = 200
        return answer

    return router


MOVEMENT_BODY = {
    "required": True,
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MovementRequest"}}},
}


def _describe_bodies(app: FastAPI) -> None:
    """Adds MovementRequest to the OpenAPI components: its route reads the body itself."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()
        body = MovementRequest.model_json_schema(ref_template="#/components/schemas/{model}")
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.update(body.pop("$defs", {}))
        components["MovementRequest"] = body
        return schema

    app.openapi = openapi  # type: ignore[method-assign]

"""The operations endpoints: liveness, readiness, Prometheus metrics."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from syncbot.app import channels
from syncbot.store.database import database_ready

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
    responses={
        200: {"content": {CONTENT_TYPE_LATEST.split(";")[0]: {}}},
        401: {"description": "SYNCBOT_METRICS_TOKEN is set and the request lacks it"},
    },
)
async def prometheus_metrics(request: Request) -> Response:
    """Prometheus text format: the ledger's counters, HTTP, and each channel's sync gauges.

    Open, unless SYNCBOT_METRICS_TOKEN is set: then `Authorization: Bearer <it>` is needed.
    """
    expected = request.app.state.metrics_token
    if expected is not None:
        given = request.headers.get("authorization", "").removeprefix("Bearer ").encode()
        if not hmac.compare_digest(given, expected.get_secret_value().encode()):
            return PlainTextResponse(
                "SYNCBOT_METRICS_TOKEN is set: send Authorization: Bearer <it>\n",
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
    await channels.refresh_gauges(request.app.state.channel_names)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

"""The Slack bot as the service runs it: its HTTP route, its Socket Mode link, its alerts
and daily digest."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import httpx
from fastapi import APIRouter, Request, Response
from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from starlette.exceptions import HTTPException

from syncbot.runtime.scheduler import LeaderJob
from syncbot.slackbot.app import SlackSettings, alert_jobs, create_slack_app, digest_jobs
from syncbot.slackbot.signature import SlackRequestRefused, check_request
from syncbot.web.errors import responses

log = logging.getLogger(__name__)


class SlackBot:
    def __init__(
        self,
        config: SlackSettings,
        locations: Sequence[str],
        channel_names: Sequence[str],
        http: httpx.AsyncClient,
        alert_poll_seconds: float,
    ) -> None:
        self.config = config
        self.app = create_slack_app(config, locations, channel_names, http)
        self._alert_poll_seconds = alert_poll_seconds
        self._socket: AsyncSocketModeHandler | None = None

    def router(self) -> APIRouter:
        """POST /slack/events: commands, interactivity and events, all on one URL."""
        router = APIRouter(tags=["slack"])
        handler = AsyncSlackRequestHandler(self.app)
        socket_mode = self.config.socket_mode
        secret = self.config.signing_secret

        @router.post("/slack/events", responses=responses(400, 401, 404))
        async def slack_events(request: Request) -> Response:
            """Slack's requests, signed with the signing secret; 401 when the signature or
            its timestamp (older than five minutes) does not hold, checked before anything
            is parsed; 400 a signed body that is not a form or JSON; 404 in Socket Mode."""
            if socket_mode:
                raise HTTPException(404, "this service talks to Slack over Socket Mode")
            try:
                check_request(await request.body(), request.headers, secret)
            except SlackRequestRefused as refusal:
                raise HTTPException(refusal.status, str(refusal)) from refusal
            response: Response = await handler.handle(request)
            return response

        return router

    async def start(self) -> None:
        if self.config.app_token is None:
            log.info("Slack bot listening at POST /slack/events")
            return
        self._socket = AsyncSocketModeHandler(self.app, self.config.app_token)
        await self._socket.connect_async()  # type: ignore[no-untyped-call]
        log.info("Slack bot connected over Socket Mode")

    async def stop(self) -> None:
        if self._socket is not None:
            await self._socket.close_async()  # type: ignore[no-untyped-call]
            self._socket = None

    def leader_jobs(self) -> list[LeaderJob]:
        client = self.app.client
        return [
            *alert_jobs(self.config, self._alert_poll_seconds, client),
            *digest_jobs(self.config, client),
        ]

"""The service with its Slack bot, driven the way Slack drives it.

The service runs in this process (uvicorn in a thread) so that respx can stand in for
hooks.slack.com, where answers to slash commands go; Slack's Web API is the fake in
syncbot/slackbot/testing.py on 127.0.0.1. Requests are signed with a dummy signing secret
and posted over HTTP. Every check of the ledger reads back through the HTTP API.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
import respx

from syncbot.bootstrap import create_app
from syncbot.channels_file import ChannelsFile
from syncbot.config import Settings
from syncbot.slackbot.testing import TEAM, FakeSlack, serve
from syncbot.store.catalogue import add_sku
from syncbot.store.database import close_database, open_database
from syncbot.testing import serve_in_thread, wait_until

SIGNING_SECRET = "dummy-slack-signing-secret-for-tests"
WRITER = "U0WRITER"
ADMIN = "U0ADMIN"
"""Listed in SYNCBOT_SLACK_ADMINS, the older name of the managers' list."""
MANAGER = "U0MANAGER"
READER = "U0READER"
GROUP = "S0PICKERS"
PICKER = "U0PICKER"
ALERTS = "C0ALERTS"
FLOOR = "C0FLOOR"
API_TOKEN = "slack-tests-dummy-api-token-0000"
HOOK = "https://hooks.slack.com/commands/T0SYNCBOT/1/abc"


def sign(body: bytes, timestamp: int | None = None) -> dict[str, str]:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    base = b"v0:" + stamp.encode() + b":" + body
    digest = hmac.new(SIGNING_SECRET.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


@dataclass
class SlackService:
    client: httpx.Client
    slack: FakeSlack
    hooks: list[dict[str, Any]] = field(default_factory=list)
    """Bodies posted to hooks.slack.com (response_url answers), in order."""

    def post(self, body: bytes, content_type: str, **headers: str) -> httpx.Response:
        signed = sign(body)
        signed.update(headers)
        return self.client.post(
            "/slack/events", content=body, headers={"Content-Type": content_type, **signed}
        )

    def command(
        self, command: str, text: str, user: str = WRITER, response_url: str = HOOK
    ) -> httpx.Response:
        form = {
            "token": "unused",
            "team_id": TEAM,
            "team_domain": "syncbot-test",
            "channel_id": FLOOR,
            "channel_name": "floor",
            "user_id": user,
            "user_name": user.lower(),
            "command": command,
            "text": text,
            "api_app_id": "A0SYNCBOT",
            "response_url": response_url,
            "trigger_id": f"trigger.{uuid.uuid4().hex}",
        }
        return self.post(urlencode(form).encode(), "application/x-www-form-urlencoded")

    def interact(self, payload: dict[str, Any]) -> httpx.Response:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return self.post(body, "application/x-www-form-urlencoded")

    def event(self, event: dict[str, Any]) -> httpx.Response:
        body = json.dumps(
            {
                "token": "unused",
                "team_id": TEAM,
                "api_app_id": "A0SYNCBOT",
                "type": "event_callback",
                "event_id": f"Ev{uuid.uuid4().hex[:10]}",
                "event_time": int(time.time()),
                "event": event,
            }
        ).encode()
        return self.post(body, "application/json")

    def wait_hook(self, count: int = 1, seconds: float = 10) -> dict[str, Any]:
        wait_until(lambda: len(self.hooks) >= count, seconds, f"{count} response_url answers")
        return self.hooks[count - 1]

    def movements(self, sku: str) -> list[dict[str, Any]]:
        answer = self.client.get("/api/movements", params={"sku": sku})
        answer.raise_for_status()
        movements: list[dict[str, Any]] = answer.json()
        return movements

    def stock(self, sku: str) -> dict[str, Any]:
        answer = self.client.get(f"/api/stock/{sku}")
        answer.raise_for_status()
        stock: dict[str, Any] = answer.json()
        return stock


Seed = Callable[[], Awaitable[None]] | None


async def _seed(database_url: str, more: Seed = None) -> None:
    await open_database(database_url)
    try:
        await add_sku("MUG-01", name="Blue mug", reorder_point=5)
        await add_sku("MUG-02", name="Red mug")
        await add_sku("TEE-BLK-M", name="Black tee, medium")
        if more is not None:
            await more()
    finally:
        await close_database()


@pytest.fixture
def slack_seed() -> Seed:
    """More to record before the service starts (a module overrides it): the service owns
    the database connection once it runs."""
    return None


@pytest.fixture
def slack_service(database_url: str, tmp_path: Path, slack_seed: Seed) -> Iterator[SlackService]:
    asyncio.run(_seed(database_url, slack_seed))
    slack = FakeSlack(user_groups={GROUP: [PICKER]})
    service: SlackService | None = None

    def hook(request: httpx.Request) -> httpx.Response:
        assert service is not None
        service.hooks.append(json.loads(request.content))
        return httpx.Response(200, text="ok")

    with respx.mock(assert_all_called=False) as mocked, serve(slack) as api_url:
        mocked.route(host="127.0.0.1").pass_through()
        mocked.post(url__startswith="https://hooks.slack.com/").mock(side_effect=hook)
        settings = Settings(
            database_url=database_url,
            config=tmp_path / "absent.toml",
            api_token=API_TOKEN,
            slack_bot_token="xoxb-dummy-token-for-tests",
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=api_url,
            slack_writers=f"{WRITER},{GROUP}",
            slack_managers=MANAGER,
            slack_admins=ADMIN,
            slack_alert_channel=ALERTS,
            alert_poll_seconds=0.1,
            sync_sweep_seconds=3600,
        )
        channels = ChannelsFile(locations=["main", "east"])
        app = create_app(settings, channels)
        with (
            serve_in_thread(app, "syncbot") as url,
            httpx.Client(
                base_url=url, timeout=10, headers={"Authorization": f"Bearer {API_TOKEN}"}
            ) as client,
        ):
            service = SlackService(client, slack)
            yield service

"""With SLACK_APP_TOKEN set, `syncbot serve` talks to Slack over Socket Mode.

The fake Slack answers apps.connections.open with its own WebSocket, sends envelopes down
it as Slack would, and records the app's acknowledgements.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx

from syncbot.bootstrap import create_app
from syncbot.channels_file import ChannelsFile
from syncbot.config import Settings
from syncbot.slackbot.testing import TEAM, FakeSlack, serve
from syncbot.testing import serve_in_thread

from .conftest import READER, _seed


def test_commands_arrive_over_socket_mode(database_url: str, tmp_path: Path) -> None:
    asyncio.run(_seed(database_url))
    slack = FakeSlack()
    with serve(slack) as api_url:
        settings = Settings(
            database_url=database_url,
            config=tmp_path / "absent.toml",
            slack_bot_token="xoxb-dummy-token-for-tests",
            slack_app_token="xapp-dummy-token-for-tests",
            slack_api_url=api_url,
            scheduler=False,
        )
        app = create_app(settings, ChannelsFile())
        with serve_in_thread(app, "syncbot") as url:
            envelope = slack.send_envelope(
                "slash_commands",
                {
                    "team_id": TEAM,
                    "user_id": READER,
                    "command": "/stock",
                    "text": "MUG-01",
                    "channel_id": "C0FLOOR",
                    "response_url": "https://hooks.slack.com/commands/x",
                    "trigger_id": "t.socket",
                },
            )
            ack = slack.wait_ack(envelope)
            assert "Blue mug" in json.dumps(ack["payload"])
            # There is no HTTP endpoint to sign requests for: it would accept unsigned ones.
            assert httpx.post(f"{url}/slack/events", content=b"{}").status_code == 404
    assert slack.calls_to("apps.connections.open")

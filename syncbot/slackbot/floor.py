"""What every Slack listener shares: who may write, where stock lives, how to answer."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from syncbot.slackbot import adjustments
from syncbot.slackbot.access import Access, refusal

log = logging.getLogger(__name__)

Reply = Callable[[str | None, dict[str, Any]], Awaitable[bool]]


@dataclass(frozen=True)
class Floor:
    access: Access
    locations: tuple[str, ...]
    reply: Reply

    async def refused_write(self, client: AsyncWebClient, user: str, command: str) -> str | None:
        """Why `user` may not run the write `command`, or None when their role allows it."""
        needed, held = adjustments.needed_role(command), await self.access.role_of(client, user)
        if held.allows(needed):
            return None
        return refusal(adjustments.DOING[command], needed, held, user)


async def post_to(client: AsyncWebClient, channel: str, user: str, message: dict[str, Any]) -> None:
    """Into the channel the modal came from; to the person when the bot is not a member."""
    payload = {k: v for k, v in message.items() if k in ("text", "blocks")}
    try:
        await client.chat_postMessage(channel=channel, **payload)
    except SlackApiError as error:
        if channel == user:
            raise
        log.info(
            "cannot post in the channel; telling the person instead",
            extra={"error": error.response.get("error")},
        )
        await client.chat_postMessage(channel=user, **payload)

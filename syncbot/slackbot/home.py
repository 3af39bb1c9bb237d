"""The App Home tab, published each time someone opens it: it is always current."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from syncbot.app import channels
from syncbot.app.reports import low_stock, recent_adjustments
from syncbot.slackbot import blocks


async def home_view(channel_names: Sequence[str]) -> dict[str, Any]:
    adjustments = [
        (
            row.actor,
            row.kind,
            row.sku,
            row.quantity,
            row.source_location,
            row.occurred_at,
        )
        for row in await recent_adjustments(10)
    ]
    return blocks.home_view(
        await low_stock(), adjustments, await channels.statuses(list(channel_names))
    )


def register(app: AsyncApp, channel_names: Sequence[str]) -> None:
    async def opened(event: dict[str, Any], client: AsyncWebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        await client.views_publish(user_id=event["user"], view=await home_view(channel_names))

    async def ack_event(ack: AsyncAck) -> None:
        await ack()

    app.event("app_home_opened")(ack=ack_event, lazy=[opened])

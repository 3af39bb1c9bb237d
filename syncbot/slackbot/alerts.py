"""Alerts to a Slack channel, from the outbox: low stock, oversell, sync failures, drift,
abandoned pushes.

The ledger and the sync write events in the same transaction as what caused them; this
reads the undelivered ones in order, posts at most one alert per kind and subject within
the cooldown, and marks each event delivered only after Slack took it (or the cooldown or
threshold suppressed it). A process that dies mid-way therefore posts again rather than
losing an alert. It runs in the one process that leads the scheduler.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from syncbot import metrics
from syncbot.ledger.events import EventName
from syncbot.slackbot.blocks import Message, alert_message
from syncbot.store import outbox

log = logging.getLogger(__name__)

EVENTS = (
    EventName.OVERSOLD,
    EventName.BELOW_REORDER_POINT,
    EventName.LISTING_QUARANTINED,
    EventName.SYNC_FAILING,
    EventName.DRIFT_RECORDED,
    EventName.PUSH_ABANDONED,
)
BATCH = 50


@dataclass(frozen=True, slots=True)
class Alert:
    kind: str
    subject: str
    """What the cooldown is counted per: a SKU, a channel, or a channel's listing."""
    message: Message


def describe(name: str, payload: Mapping[str, Any], drift_units: int) -> Alert | None:
    """The alert an outbox event raises, or None when it is below the threshold."""
    sku, channel = str(payload.get("sku", "")), str(payload.get("channel", ""))
    if name == EventName.OVERSOLD:
        text = (
            f":rotating_light: *Oversold* · *{sku}* at {payload.get('location')} is at "
            f"{payload.get('available')} available"
        )
        detail = "A channel sold units the warehouse does not have: check the shelf."
        return Alert("oversold", sku, alert_message(text, detail))
    if name == EventName.BELOW_REORDER_POINT:
        text = (
            f":package: *Low stock* · *{sku}*: {payload.get('available')} available, "
            f"reorder point {payload.get('reorder_point')}"
        )
        return Alert("low_stock", sku, alert_message(text, f"`/stock {sku}` for details"))
    if name == EventName.LISTING_QUARANTINED:
        text = f":no_entry: *Sync stopped for {sku} on {channel}*: {payload.get('error')}"
        detail = f"Fix the listing, then `syncbot channels release {channel} {sku}`."
        return Alert("sync_failure", f"{channel}/{sku}", alert_message(text, detail))
    if name == EventName.SYNC_FAILING:
        text = (
            f":red_circle: *{channel} is failing to sync* ({payload.get('failures')} attempts "
            f"in a row): {payload.get('error')}"
        )
        return Alert("sync_failure", channel, alert_message(text, "`syncbot channels list`"))
    if name == EventName.DRIFT_RECORDED:
        units = int(payload.get("units") or 0)
        if abs(units) < drift_units:
            return None
        text = (
            f":mag: *Drift* · {channel} took {units} unit(s) of *{sku}* that no order "
            "received by syncbot explains"
        )
        return Alert("drift", f"{channel}/{sku}", alert_message(text, "`syncbot drift`"))
    if name == EventName.PUSH_ABANDONED:
        skus = [str(code) for code in payload.get("skus") or []]
        shown = ", ".join(skus[:5]) + (f" and {len(skus) - 5} more" if len(skus) > 5 else "")
        text = (
            f":warning: *Push to {channel} abandoned* for {shown}: refused "
            f"{payload.get('attempts')} times: {payload.get('error')}"
        )
        detail = (
            "Read again and re-planned in the next sync, each alone; the rest of the channel "
            f"keeps syncing. `syncbot channels listings {channel} --state abandoned`"
        )
        return Alert("push_abandoned", channel, alert_message(text, detail))
    return None


class Alerts:
    def __init__(
        self,
        client: AsyncWebClient,
        channel: str,
        cooldown: timedelta,
        drift_units: int,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._client = client
        self._channel = channel
        self._cooldown = cooldown
        self._drift_units = drift_units
        self._clock = clock

    async def deliver(self) -> int:
        """Delivers the waiting events, oldest first; the number of alerts posted.

        Stops at the first event Slack would not take, so order is kept and nothing is
        marked delivered that was not.
        """
        posted = 0
        for row in await outbox.undelivered(EVENTS, BATCH):
            alert = describe(row.name, row.payload, self._drift_units)
            if alert is not None and await self._cooling(alert):
                metrics.ALERTS.labels(alert.kind, "cooling").inc()
            elif alert is not None:
                try:
                    await self._client.chat_postMessage(channel=self._channel, **alert.message)
                except SlackApiError as error:
                    log.warning(
                        "Slack refused an alert; it stays queued",
                        extra={"kind": alert.kind, "error": error.response.get("error")},
                    )
                    metrics.ALERTS.labels(alert.kind, "refused").inc()
                    break
                await self._sent(alert)
                metrics.ALERTS.labels(alert.kind, "posted").inc()
                posted += 1
            await outbox.mark_delivered([row.id], self._clock())
        return posted

    async def _cooling(self, alert: Alert) -> bool:
        last = await outbox.last_alert(alert.kind, alert.subject)
        return last is not None and self._clock() - last < self._cooldown

    async def _sent(self, alert: Alert) -> None:
        await outbox.record_alert(alert.kind, alert.subject, self._clock())

"""Alerts from the outbox to Slack: every kind, the cooldown, the threshold, and a refusal."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from syncbot.slackbot.alerts import Alerts
from syncbot.slackbot.testing import FakeSlack, serve
from syncbot.store import models

CHANNEL = "C0ALERTS"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def slack() -> Iterator[tuple[FakeSlack, str]]:
    fake = FakeSlack()
    with serve(fake) as url:
        yield fake, url


def _alerts(url: str, clock: Clock, drift_units: int = 3) -> Alerts:
    client = AsyncWebClient("xoxb-dummy", base_url=url)
    return Alerts(client, CHANNEL, timedelta(hours=1), drift_units, clock=clock)


async def _event(name: str, sku: str, **payload: object) -> None:
    await models.OutboxEvent.create(name=name, sku=sku, payload={"sku": sku, **payload})


async def test_each_kind_is_posted_once_within_the_cooldown(
    database: str, slack: tuple[FakeSlack, str]
) -> None:
    fake, url = slack
    clock = Clock()
    alerts = _alerts(url, clock)
    await _event("listing_quarantined", "MUG-01", channel="shop", error="unknown item")
    await _event("sync_failing", "", channel="woo", failures=3, error="401 Unauthorized")
    await _event("drift_recorded", "MUG-01", channel="shop", units=5)
    await _event("drift_recorded", "MUG-02", channel="shop", units=1)  # under the threshold
    await _event("stock_changed", "MUG-01")  # not an alert
    assert await alerts.deliver() == 3
    texts = [call["text"] for call in fake.calls_to("chat.postMessage")]
    assert "Sync stopped for MUG-01 on shop" in texts[0]
    assert "woo is failing to sync" in texts[1]
    assert "took 5 unit(s) of *MUG-01*" in texts[2]
    assert {call["channel"] for call in fake.calls_to("chat.postMessage")} == {CHANNEL}
    await _event("listing_quarantined", "MUG-01", channel="shop", error="again")
    clock.now += timedelta(minutes=59)
    assert await alerts.deliver() == 0
    clock.now += timedelta(minutes=2)
    await _event("listing_quarantined", "MUG-01", channel="shop", error="still")
    assert await alerts.deliver() == 1
    assert await models.OutboxEvent.filter(name="stock_changed", delivered_at=None).count() == 1


async def test_an_alert_slack_refuses_stays_queued(
    database: str, slack: tuple[FakeSlack, str]
) -> None:
    fake, url = slack
    fake.not_in.add(CHANNEL)
    alerts = _alerts(url, Clock())
    await _event("oversold", "MUG-01", location="main", available=-2)
    assert await alerts.deliver() == 0
    assert await models.OutboxEvent.filter(delivered_at=None).count() == 1
    fake.not_in.clear()
    assert await alerts.deliver() == 1
    assert await models.OutboxEvent.filter(delivered_at=None).count() == 0


async def test_an_abandoned_push_is_posted_with_its_listings_and_error(
    database: str, slack: tuple[FakeSlack, str]
) -> None:
    fake, url = slack
    error = "shop.myshopify.com: INVALID_VARIABLE: could not coerce value 3000000000 to Int"
    skus = ["MUG-01", "TEE-01", "CAP-01", "HAT-01", "BAG-01", "PEN-01"]
    await models.OutboxEvent.create(
        name="push_abandoned",
        sku="",
        payload={"channel": "shop", "skus": skus, "attempts": 3, "error": error},
    )
    assert await _alerts(url, Clock()).deliver() == 1
    (call,) = fake.calls_to("chat.postMessage")
    assert (
        "Push to shop abandoned* for MUG-01, TEE-01, CAP-01, HAT-01, BAG-01 and 1 more"
        in (call["text"])
    )
    assert "refused 3 times" in call["text"]
    assert "INVALID_VARIABLE" in call["text"]

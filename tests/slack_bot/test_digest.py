"""The daily Slack digest, posted through the fake Slack Web API on 127.0.0.1: its sections
on a seeded database, once a day across jobs, processes and restarts, not before its time,
an all-clear day, a refused post, a claim left by a process that died, and its settings."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from slack_sdk.web.async_client import AsyncWebClient

from syncbot import ledger
from syncbot.app import digest, purchasing, stocktakes
from syncbot.app.actor import Actor
from syncbot.app.digest import Attention, Counted, Digest, OversoldRow
from syncbot.channels_file import ChannelsFile, SlackConfig
from syncbot.config import ConfigError, load_settings
from syncbot.slackbot.app import DIGEST_POLL_SECONDS, digest_jobs, slack_settings
from syncbot.slackbot.digest import DailyDigest, digest_message
from syncbot.slackbot.runtime import SlackBot
from syncbot.slackbot.testing import FakeSlack, serve
from syncbot.store import models, posting, slack_models, sync_models
from syncbot.store.catalogue import add_sku
from syncbot.store.posting import Provenance

CHANNEL = "C0DIGEST"
TODAY = datetime.now(UTC).date()
AT = time(8, 0)
MANAGER = Actor.cli()


class Clock:
    def __init__(self, moment: time) -> None:
        self.now = datetime.combine(TODAY, moment, UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def slack() -> Iterator[tuple[FakeSlack, str]]:
    fake = FakeSlack()
    with serve(fake) as url:
        yield fake, url


def _job(url: str, clock: Clock) -> DailyDigest:
    """A digest job as one process runs it: its own client, its own claimant."""
    return DailyDigest(AsyncWebClient("xoxb-dummy", base_url=url), CHANNEL, AT, clock=clock)


def _text(call: dict[str, Any]) -> str:
    """Every text the posted message shows, its blocks' sections and contexts in order."""
    blocks = call["blocks"]
    parsed = blocks if isinstance(blocks, list) else json.loads(blocks)
    parts = []
    for block in parsed:
        if block["type"] in ("section", "header"):
            parts.append(block["text"]["text"])
        elif block["type"] == "context":
            parts.extend(element["text"] for element in block["elements"])
    return "\n".join(parts)


async def _sell(sku: str, per_day: list[int]) -> None:
    """One order a day for the days before today, oldest first."""
    start = TODAY - timedelta(days=len(per_day))
    for n, units in enumerate(per_day):
        at = datetime.combine(start + timedelta(days=n), time(12), UTC)
        await posting.post(
            [ledger.order_commit(sku, units)],
            provenance=Provenance("shopify", f"shopify/orders/{sku}-{n}", at),
        )


async def _order(number: str, expected_on: date | None, *, place: bool = True) -> None:
    await purchasing.create_order("Acme", MANAGER, number=number, expected_on=expected_on)
    await purchasing.add_line(number, "TEE-1", 10, MANAGER, "2.00")
    if place:
        await purchasing.place_order(number, MANAGER)


@pytest.fixture
async def shop(database: str) -> None:
    """MUG-1 sells 2 a day, has 8 left and Acme takes 7 days: it runs out in 4. CAP-1 has 3
    under a reorder point of 5 set by hand. TEE-1 and NEW-1 need nothing. BAG-1 is
    oversold at east. One listing is quarantined and one drifts on shop; one delivery
    failed; one stock-take is open; two placed orders are due (one late), one is not yet,
    and a draft never is."""
    for code, name in (("MUG-1", "Blue mug"), ("TEE-1", "Tee"), ("NEW-1", ""), ("BAG-1", "")):
        await add_sku(code, name)
    await add_sku("CAP-1", "Cap <red>", reorder_point=5)
    await posting.post([ledger.receive("MUG-1", 120), ledger.receive("CAP-1", 3)])
    await posting.post([ledger.receive("TEE-1", 100)])
    await _sell("MUG-1", [2] * 56)
    await posting.post([ledger.order_commit("BAG-1", 3, "east")])
    await purchasing.add_supplier("Acme", lead_time_days=7)
    await purchasing.set_supplier_terms("Acme", "MUG-1")
    await _order("PO-LATE", TODAY - timedelta(days=3))
    await _order("PO-SOON", TODAY + timedelta(days=1))
    await _order("PO-LATER", TODAY + timedelta(days=10))
    await _order("PO-DRAFT", TODAY, place=False)
    now = datetime.now(UTC)
    await sync_models.ChannelListing.create(
        channel="shop", sku="MUG-1", listing_id="1", inventory_id="i1",
        quarantined_at=now, quarantined_error="unknown <item>",
    )  # fmt: skip
    await sync_models.ChannelListing.create(
        channel="shop", sku="TEE-1", listing_id="2", inventory_id="i2", drift=-2
    )
    await models.InboxDelivery.create(
        channel="shop", event_id="e1", topic="orders/updated", headers={}, body=b"{}",
        status="failed", attempts=5, last_error="KeyError('line_items')",
    )  # fmt: skip
    await stocktakes.start(MANAGER, skus=["TEE-1"], name="Aisle 4")


class TestTheDigest:
    async def test_it_is_posted_once_with_every_section(
        self, shop: None, slack: tuple[FakeSlack, str]
    ) -> None:
        """After 08:00 the digest goes to the channel once, and its day is recorded with
        the message's ts."""
        fake, url = slack
        assert await _job(url, Clock(time(8, 5))).run() is True
        (call,) = fake.calls_to("chat.postMessage")
        assert call["channel"] == CHANNEL
        text = _text(call)
        assert "*Low stock and stock-outs due* (2)" in text
        assert "• *MUG-1* Blue mug: runs out in 4 days" in text
        assert "lead time 7 days · reorder point 14 (computed)" in text
        assert "order " in text.split("*MUG-1*")[1].split("\n")[0]
        assert "• *CAP-1* Cap &lt;red&gt;: available 3 · reorder point 5 (set)" in text
        assert "TEE-1*" not in text.split("*Oversold*")[0]
        assert "NEW-1" not in text
        assert "*Oversold* (1)\n• *BAG-1* at east: available -3" in text
        assert "*Quarantined listings* (1: shop 1)\n• *MUG-1* on shop: unknown &lt;item&gt;" in (
            text
        )
        assert "*Drifting listings* (1: shop 1)\n• *TEE-1* on shop: drift -2 units" in text
        assert "*Failed deliveries* (1)\n• #1 shop orders/updated, 5 of 5 tries: " in text
        assert "the payload has no 'line_items'" in text
        assert "*Open stock-takes* (1)\n• #1 Aisle 4 at main: 0 of 1 lines counted" in text
        assert "*Purchase orders due* (2)" in text
        assert "• *PO-LATE* from Acme to main: 10 units still expected, *3 days late*" in text
        assert "• *PO-SOON* from Acme to main: 10 units still expected, due " in text
        assert "PO-LATER" not in text
        assert "PO-DRAFT" not in text
        assert "Clear:" not in text
        assert call["text"].startswith(f"Stock digest for {TODAY.isoformat()}: low stock")
        record = await slack_models.SlackDigest.get(day=TODAY)
        assert record.posted_at == datetime.combine(TODAY, time(8, 5), UTC)
        assert record.channel == CHANNEL
        assert float(record.ts or 0) > 0  # the fake's ts: the message can be found again

    async def test_nothing_more_is_posted_by_the_job_another_process_or_a_restart(
        self, shop: None, slack: tuple[FakeSlack, str]
    ) -> None:
        """Once the day is posted: the same job again, a second process's job and a new
        job after a restart all post nothing, all day."""
        fake, url = slack
        clock = Clock(time(8, 1))
        first = _job(url, clock)
        assert await first.run() is True
        clock.now += timedelta(minutes=1)
        assert await first.run() is False
        assert await _job(url, clock).run() is False  # a second process
        clock.now = datetime.combine(TODAY, time(23, 59), UTC)
        assert await _job(url, clock).run() is False  # restarted late in the day
        assert len(fake.calls_to("chat.postMessage")) == 1
        assert await slack_models.SlackDigest.filter(day=TODAY).count() == 1

    async def test_two_processes_at_once_post_it_once(
        self, shop: None, slack: tuple[FakeSlack, str]
    ) -> None:
        """Two leaders' jobs running at the same moment (a hand-over): one claims, one posts."""
        fake, url = slack
        clock = Clock(time(9, 0))
        posted = await asyncio.gather(_job(url, clock).run(), _job(url, clock).run())
        assert sorted(posted) == [False, True]
        assert len(fake.calls_to("chat.postMessage")) == 1

    async def test_nothing_is_posted_before_the_configured_time(
        self, shop: None, slack: tuple[FakeSlack, str]
    ) -> None:
        fake, url = slack
        clock = Clock(time(7, 59))
        assert await _job(url, clock).run() is False
        assert fake.calls_to("chat.postMessage") == []
        assert await slack_models.SlackDigest.all().count() == 0
        clock.now += timedelta(minutes=1)
        assert await _job(url, clock).run() is True

    async def test_an_empty_day_posts_all_clear(
        self, database: str, slack: tuple[FakeSlack, str]
    ) -> None:
        """With nothing to report the digest still comes, so silence never means "broken"."""
        fake, url = slack
        await add_sku("MUG-1", "Blue mug")
        assert await _job(url, Clock(time(8, 0))).run() is True
        (call,) = fake.calls_to("chat.postMessage")
        assert call["text"] == f"Stock digest for {TODAY.isoformat()}: all clear"
        assert ":white_check_mark: *All clear.*" in _text(call)


class TestClaims:
    async def test_a_post_slack_refuses_gives_the_day_back_and_is_tried_again(
        self, database: str, slack: tuple[FakeSlack, str]
    ) -> None:
        """Nothing is recorded as posted; the claim is free at once, and this job tries
        again 10 minutes later rather than reading the catalogue every minute."""
        fake, url = slack
        fake.not_in.add(CHANNEL)
        clock = Clock(time(8, 0))
        job = _job(url, clock)
        assert await job.run() is False
        record = await slack_models.SlackDigest.get(day=TODAY)
        assert (record.claimed_at, record.posted_at) == (None, None)
        fake.not_in.clear()
        clock.now += timedelta(minutes=9)
        assert await job.run() is False  # this job waits 10 minutes after a refusal
        assert len(fake.calls_to("chat.postMessage")) == 1
        clock.now += timedelta(minutes=1)
        assert await job.run() is True
        assert [call["channel"] for call in fake.calls_to("chat.postMessage")] == [CHANNEL] * 2

    async def test_a_claim_left_by_a_dead_process_is_taken_after_a_few_minutes(
        self, database: str, slack: tuple[FakeSlack, str]
    ) -> None:
        """A process that claimed the day and died before marking it posted holds it for
        five minutes; then the leader posts (at least once across such a crash)."""
        fake, url = slack
        clock = Clock(time(8, 0))
        assert await digest.claim(TODAY, "dead:1:x", clock.now, timedelta(minutes=5))
        clock.now += timedelta(minutes=4)
        assert await _job(url, clock).run() is False
        assert fake.calls_to("chat.postMessage") == []
        clock.now += timedelta(minutes=2)
        job = _job(url, clock)
        assert await job.run() is True
        record = await slack_models.SlackDigest.get(day=TODAY)
        assert record.claimed_by == job.claimant
        assert record.posted_at is not None

    async def test_a_claim_taken_over_is_not_marked_posted_by_its_first_holder(
        self, database: str
    ) -> None:
        start = datetime.combine(TODAY, time(8), UTC)
        stale = timedelta(minutes=5)
        assert await digest.claim(TODAY, "slow", start, stale)
        assert not await digest.claim(TODAY, "other", start + timedelta(minutes=1), stale)
        assert await digest.claim(TODAY, "other", start + timedelta(minutes=6), stale)
        assert not await digest.mark_posted(TODAY, "slow", start, CHANNEL, "1.0")
        assert await digest.mark_posted(TODAY, "other", start, CHANNEL, "2.0")
        assert await digest.posted(TODAY)
        assert not await digest.claim(TODAY, "late", start + timedelta(hours=1), stale)


class TestTheMessage:
    def test_a_long_section_says_how_many_more_and_where_to_see_them(self) -> None:
        rows = [OversoldRow(f"SKU-{n}", "main", -n) for n in range(1, 11)]
        nothing = Attention("quarantined", {}, [])
        content = Digest(
            day=date(2026, 12, 2),
            stock=Counted([], 0),
            oversold=Counted(rows, 25),
            quarantined=nothing,
            drifting=Attention("drifting", {}, []),
            failed_deliveries=Counted([], 0),
            stocktakes=Counted([], 0),
            purchase_orders=Counted([], 0),
        )
        message = digest_message(content)
        assert message["text"] == "Stock digest for 2026-12-02: oversold 25"
        text = _text(message)
        assert text.startswith("Stock digest · Wed 02 Dec 2026\n*Oversold* (25)\n• *SKU-1*")
        assert "and 15 more: `syncbot sku list`" in text
        assert "Clear: low stock and stock-outs due, quarantined listings," in text

    def test_a_section_never_exceeds_what_slack_takes(self) -> None:
        """Ten SKUs with 255-character names would pass Slack's 3000 characters for a
        section: the lines that fit are shown and the rest counted."""
        rows = [OversoldRow(f"SKU-{n}-" + "x" * 300, "main", -n) for n in range(1, 11)]
        content = Digest(
            day=date(2026, 12, 2),
            stock=Counted([], 0),
            oversold=Counted(rows, 10),
            quarantined=Attention("quarantined", {}, []),
            drifting=Attention("drifting", {}, []),
            failed_deliveries=Counted([], 0),
            stocktakes=Counted([], 0),
            purchase_orders=Counted([], 0),
        )
        blocks = digest_message(content)["blocks"]
        section, more = blocks[1], blocks[2]
        assert 2000 < len(section["text"]["text"]) <= 3000
        shown = section["text"]["text"].count("• ")
        assert more["elements"][0]["text"] == f"and {10 - shown} more: `syncbot sku list`"


class TestSettings:
    def _slack(self, tmp_path: Path, **env: str) -> Any:
        settings = load_settings(
            config=tmp_path / "absent.toml",
            slack_bot_token="xoxb-dummy",
            slack_signing_secret="dummy-secret",
            **env,
        )
        return settings, ChannelsFile()

    def test_the_digest_goes_to_the_alert_channel_unless_it_has_its_own(
        self, tmp_path: Path
    ) -> None:
        settings, channels = self._slack(tmp_path, digest_time="8:30", slack_alert_channel="C1")
        config = slack_settings(settings, channels)
        assert config is not None
        assert (config.digest_time, config.digest_channel) == (time(8, 30), "C1")
        from_file = ChannelsFile(slack=SlackConfig(digest_channel="C3", alert_channel="C1"))
        settings, _ = self._slack(tmp_path, digest_time="08:30", digest_channel="C2")
        assert self._channel(settings, from_file) == "C2"
        settings, _ = self._slack(tmp_path, digest_time="08:30")
        assert self._channel(settings, from_file) == "C3"

    def _channel(self, settings: Any, channels: ChannelsFile) -> str | None:
        config = slack_settings(settings, channels)
        assert config is not None
        return config.digest_channel

    def test_a_digest_time_without_a_channel_stops_the_start(self, tmp_path: Path) -> None:
        settings, channels = self._slack(tmp_path, digest_time="08:00")
        with pytest.raises(ConfigError, match="SYNCBOT_DIGEST_CHANNEL"):
            slack_settings(settings, channels)

    @pytest.mark.parametrize("given", ["8", "24:00", "08:60", "08:00:00", "8am", "08:00+01:00"])
    def test_a_time_that_is_not_hh_mm_is_refused(self, given: str) -> None:
        with pytest.raises(ConfigError, match=r"SYNCBOT_DIGEST_TIME: .* use HH:MM in UTC"):
            load_settings(digest_time=given)

    async def test_the_service_and_the_worker_leader_run_alerts_and_the_digest(
        self, tmp_path: Path
    ) -> None:
        settings, channels = self._slack(tmp_path, digest_time="07:15", slack_alert_channel="C1")
        config = slack_settings(settings, channels)
        assert config is not None
        async with httpx.AsyncClient() as http:
            bot = SlackBot(config, ["main"], [], http, settings.alert_poll_seconds)
            assert [job.name for job in bot.leader_jobs()] == ["slack-alerts", "slack-digest"]

    def test_the_leader_job_wakes_every_minute_and_only_when_a_time_is_set(
        self, tmp_path: Path
    ) -> None:
        settings, channels = self._slack(tmp_path, slack_alert_channel="C1")
        config = slack_settings(settings, channels)
        assert config is not None
        assert digest_jobs(config) == []
        settings, channels = self._slack(tmp_path, digest_time="", slack_alert_channel="C1")
        config = slack_settings(settings, channels)
        assert config is not None
        assert digest_jobs(config) == []
        settings, channels = self._slack(tmp_path, digest_time="07:15", slack_alert_channel="C1")
        config = slack_settings(settings, channels)
        assert config is not None
        (job,) = digest_jobs(config)
        assert (job.name, job.seconds) == ("slack-digest", DIGEST_POLL_SECONDS)

"""The channels pages over HTTP, on a real database: each channel's health and counts, a
channel's listings by state, releasing quarantined listings (manager, CSRF), and "sync
now" and "dry run" through the ChannelSyncs the scheduler shares."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from pydantic import SecretStr

from connectors.base import LevelChange, Listing, PushOutcome
from connectors.fake import FakeConnector
from syncbot.app.syncing import ChannelSyncs
from syncbot.config import Settings
from syncbot.ledger import receive
from syncbot.runtime.scheduler import SyncScheduler
from syncbot.store import sync_models
from syncbot.store.catalogue import add_sku
from syncbot.store.posting import post
from syncbot.sync.channels import SyncChannel
from syncbot.sync.listings import discover
from syncbot.web.app import web_app

from .conftest import API_TOKEN, csrf_of, sign_in

T0 = datetime(2026, 11, 1, 12, tzinfo=UTC)
SKUS = ("MUG-1", "PLATE-2", "TEE/RED-M")


class SlowShop(FakeConnector):
    """A fake storefront whose pushes wait for `go`, to hold a sync in flight."""

    def __init__(self) -> None:
        super().__init__("shop", secret="dummy")
        self.go = asyncio.Event()
        self.go.set()

    async def push_levels(self, changes: Sequence[LevelChange]) -> Sequence[PushOutcome]:
        await self.go.wait()
        return await super().push_levels(changes)


@dataclass
class Shop:
    client: httpx.AsyncClient
    connector: SlowShop
    syncs: ChannelSyncs | None


async def _seed(connector: FakeConnector) -> None:
    """Three SKUs with 10 available, listed on `shop`; PLATE-2 quarantined, TEE held."""
    for code in SKUS:
        await add_sku(code)
        await post([receive(code, 10)])
        connector.listed.append(Listing(code, f"variant-{code}", f"item-{code}"))
    await discover(connector)
    await sync_models.ChannelListing.filter(channel="shop", sku="PLATE-2").update(
        quarantined_at=T0, quarantined_error="the variant is archived"
    )
    await sync_models.ChannelListing.filter(channel="shop", sku="TEE/RED-M").update(held_since=T0)


@asynccontextmanager
async def _client(syncs: ChannelSyncs | None) -> AsyncIterator[httpx.AsyncClient]:
    @asynccontextmanager
    async def nothing(app: object) -> AsyncIterator[None]:
        yield

    settings = Settings(api_token=SecretStr(API_TOKEN))
    app = web_app(settings, {"shop": "fake"}, {}, lambda: None, nothing, channel_syncs=syncs)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://console.test") as client:
        yield client


@pytest.fixture
async def shop(database: str) -> AsyncIterator[Shop]:
    """The console of a service that syncs channel `shop` (a fake storefront)."""
    connector = SlowShop()
    await _seed(connector)
    syncs = ChannelSyncs({"shop": SyncChannel(connector, ("main",))}, grace=timedelta(minutes=10))
    async with _client(syncs) as client:
        yield Shop(client, connector, syncs)


@pytest.fixture
async def unsynced(database: str) -> AsyncIterator[Shop]:
    """The console of a service that declares `shop` but cannot push to it."""
    connector = SlowShop()
    await _seed(connector)
    async with _client(None) as client:
        yield Shop(client, connector, None)


async def _quarantined() -> list[str]:
    rows = sync_models.ChannelListing.filter(channel="shop", quarantined_at__isnull=False)
    return sorted(await rows.values_list("sku", flat=True))


class TestTheChannelsList:
    async def test_each_channel_shows_its_health_and_counts_with_links(self, shop: Shop) -> None:
        """One row per channel: kind, listings, quarantined, held, each linked to the
        channel's filtered listings."""
        await sign_in(shop.client, "vera", "viewer")

        page = await shop.client.get("/channels")

        assert page.status_code == 200
        assert 'href="/channels/shop"' in page.text
        assert 'href="/channels/shop?state=quarantined"' in page.text
        assert "1 quarantined on shop" in page.text
        assert "1 held on shop" in page.text
        assert "not synced yet" in page.text
        assert 'aria-current="page">Channels' in page.text.replace("\n", "")


class TestAChannelsListings:
    async def test_the_state_filter_lists_only_that_state(self, shop: Shop) -> None:
        """?state=quarantined lists PLATE-2 with its error; ?state=held TEE; all three
        without a filter."""
        await sign_in(shop.client, "vera", "viewer")

        quarantined = await shop.client.get("/channels/shop", params={"state": "quarantined"})
        held = await shop.client.get("/channels/shop", params={"state": "held"})
        every = await shop.client.get("/channels/shop")

        assert quarantined.status_code == 200
        assert 'data-sku="PLATE-2"' in quarantined.text
        assert "the variant is archived" in quarantined.text
        assert quarantined.text.count('data-sku="') == 1
        assert held.text.count('data-sku="') == 1
        assert 'data-sku="TEE/RED-M"' in held.text
        assert every.text.count('data-sku="') == 3

    async def test_a_viewer_is_offered_no_button(self, shop: Shop) -> None:
        """No Release, Sync now or Dry run for a viewer or a clerk."""
        for name, role in (("vera", "viewer"), ("carl", "clerk")):
            await sign_in(shop.client, name, role)
            page = await shop.client.get("/channels/shop")
            assert "/release" not in page.text
            assert "/sync" not in page.text
            assert "Dry run" not in page.text

    async def test_a_manager_is_offered_release_sync_and_dry_run(self, shop: Shop) -> None:
        await sign_in(shop.client, "mona", "manager")

        page = await shop.client.get("/channels/shop")

        assert 'aria-label="Release PLATE-2"' in page.text
        assert "Release all quarantined (1)" in page.text
        assert "Sync now" in page.text
        assert "Dry run" in page.text

    async def test_pages_hold_100_listings_and_link_the_next(self, shop: Shop) -> None:
        """250 listings: page 1 and 2 hold 100, page 3 holds 53, only pages 1-2 link on."""
        extra = [Listing(f"A-{n:03}", f"v-{n}", f"i-{n}") for n in range(250)]
        for listing in extra:
            await add_sku(listing.sku)
        shop.connector.listed += extra
        await discover(shop.connector)
        await sign_in(shop.client, "vera", "viewer")

        first = await shop.client.get("/channels/shop")
        third = await shop.client.get("/channels/shop", params={"page": "3"})

        assert first.text.count('data-sku="') == 100
        assert 'rel="next" href="/channels/shop?page=2"' in first.text
        assert third.text.count('data-sku="') == 53
        assert 'rel="next"' not in third.text

    async def test_hostile_query_parameters_are_4xx_never_500(self, shop: Shop) -> None:
        await sign_in(shop.client, "vera", "viewer")
        for params in (
            {"state": "bogus"},
            {"state": "\x00"},
            {"state": "q" * 5000},
            {"page": "0"},
            {"page": "x"},
            {"page": "²"},
            {"page": "9" * 5000},
            {"page": "-1"},
            {"released": "many"},
        ):
            answer = await shop.client.get("/channels/shop", params=params)
            assert answer.status_code == 400, (params, answer.text[:300])
        bogus = await shop.client.get("/channels/shop", params={"state": "bogus"})
        assert "quarantined, held, drifting, abandoned, all" in bogus.text

    async def test_an_unknown_channel_is_a_404_page(self, shop: Shop) -> None:
        await sign_in(shop.client, "mona", "manager")
        csrf = await csrf_of(shop.client, "/channels")
        for name in ("nope", "x" * 5000, "sh%00op"):
            assert (await shop.client.get(f"/channels/{name}")).status_code == 404
        release = await shop.client.post("/channels/nope/release", data={"csrf": csrf, "all": "1"})
        sync = await shop.client.post("/channels/nope/sync", data={"csrf": csrf})
        assert release.status_code == 404
        assert "No channel is named" in release.text
        assert sync.status_code == 404

    async def test_signing_in_is_needed(self, shop: Shop) -> None:
        answer = await shop.client.get("/channels/shop")
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/sign-in")


class TestRelease:
    async def test_a_manager_releases_one_listing(self, shop: Shop) -> None:
        """Release lifts quarantine from that listing and the list says so."""
        await sign_in(shop.client, "mona", "manager")
        csrf = await csrf_of(shop.client, "/channels/shop")

        answer = await shop.client.post(
            "/channels/shop/release",
            data={"csrf": csrf, "sku": "PLATE-2", "state": "quarantined"},
        )

        assert answer.status_code == 303
        assert answer.headers["location"] == "/channels/shop?state=quarantined&released=1"
        assert await _quarantined() == []
        shown = await shop.client.get(answer.headers["location"])
        assert "1 listing released" in shown.text
        assert "No listing is quarantined." in shown.text

    async def test_release_all_lifts_every_quarantine(self, shop: Shop) -> None:
        await sync_models.ChannelListing.filter(channel="shop", sku="MUG-1").update(
            quarantined_at=T0
        )
        await sign_in(shop.client, "mona", "manager")
        csrf = await csrf_of(shop.client, "/channels/shop")

        answer = await shop.client.post("/channels/shop/release", data={"csrf": csrf, "all": "1"})

        assert answer.headers["location"] == "/channels/shop?released=2"
        assert await _quarantined() == []

    async def test_a_clerk_or_viewer_is_refused_and_nothing_is_written(self, shop: Shop) -> None:
        for name, role in (("vera", "viewer"), ("carl", "clerk")):
            await sign_in(shop.client, name, role)
            csrf = await csrf_of(shop.client, "/channels/shop")
            for data in ({"sku": "PLATE-2"}, {"all": "1"}):
                answer = await shop.client.post(
                    "/channels/shop/release", data={"csrf": csrf, **data}
                )
                assert answer.status_code == 403, answer.text
                assert "needs the manager role" in answer.text
            refused = await shop.client.post("/channels/shop/sync", data={"csrf": csrf})
            assert refused.status_code == 403
        assert await _quarantined() == ["PLATE-2"]
        assert shop.connector.pushes == []

    async def test_a_post_without_the_csrf_token_is_refused(self, shop: Shop) -> None:
        await sign_in(shop.client, "mona", "manager")
        for data in ({"all": "1"}, {"all": "1", "csrf": "forged"}):
            answer = await shop.client.post("/channels/shop/release", data=data)
            assert answer.status_code == 403
        sync = await shop.client.post("/channels/shop/sync", data={})
        assert sync.status_code == 403
        assert await _quarantined() == ["PLATE-2"]
        assert shop.connector.pushes == []

    async def test_a_post_that_names_nothing_is_400_and_a_long_sku_422(self, shop: Shop) -> None:
        await sign_in(shop.client, "mona", "manager")
        csrf = await csrf_of(shop.client, "/channels/shop")

        nothing = await shop.client.post("/channels/shop/release", data={"csrf": csrf})
        long = await shop.client.post(
            "/channels/shop/release", data={"csrf": csrf, "sku": "S" * 5000}
        )
        nul = await shop.client.post("/channels/shop/release", data={"csrf": csrf, "sku": "a\x00"})

        assert nothing.status_code == 400
        assert long.status_code == 422
        assert nul.status_code == 422
        assert await _quarantined() == ["PLATE-2"]


class TestSyncNow:
    async def test_a_manager_syncs_the_channel_now(self, shop: Shop) -> None:
        """Sync now pushes what the policy publishes and shows the summary; the
        quarantined listing is left alone."""
        await sign_in(shop.client, "mona", "manager")
        csrf = await csrf_of(shop.client, "/channels/shop")

        answer = await shop.client.post("/channels/shop/sync", data={"csrf": csrf})

        assert answer.status_code == 200, answer.text
        assert "Synced shop" in answer.text
        assert shop.connector.levels["item-MUG-1"] == 10
        assert "item-PLATE-2" not in shop.connector.levels
        assert 'id="pushes"' in answer.text

    async def test_a_dry_run_shows_the_plan_and_pushes_nothing(self, shop: Shop) -> None:
        shop.connector.levels = {"item-MUG-1": 4}
        await sign_in(shop.client, "mona", "manager")
        csrf = await csrf_of(shop.client, "/channels/shop")

        answer = await shop.client.post("/channels/shop/sync", data={"csrf": csrf, "dry_run": "1"})

        assert answer.status_code == 200, answer.text
        assert "Dry run: nothing pushed" in answer.text
        assert 'id="plan"' in answer.text
        plan = " ".join(answer.text[answer.text.index('id="plan"') :].split())
        assert 'MUG-1</a></td> <td class="num"><span class="num">4</span></td>' in plan
        assert '<span class="num">10</span></td> <td><span class="badge state-push">' in plan
        assert shop.connector.pushes == []
        assert shop.connector.levels == {"item-MUG-1": 4}

    async def test_sync_now_waits_for_a_scheduled_push_of_the_same_channel(
        self, shop: Shop
    ) -> None:
        """The scheduler and the console share one lock per channel: a sync from the
        console starts only after the scheduler's push in flight has finished."""
        assert shop.syncs is not None
        scheduler = SyncScheduler(shop.syncs, Settings(api_token=SecretStr(API_TOKEN)))
        await sign_in(shop.client, "mona", "manager")
        csrf = await csrf_of(shop.client, "/channels/shop")
        shop.connector.go.clear()
        scheduled = asyncio.create_task(scheduler.sync_channel("shop"))
        for _ in range(200):
            if shop.syncs.busy("shop"):
                break
            await asyncio.sleep(0.01)
        assert shop.syncs.busy("shop")

        console = asyncio.create_task(shop.client.post("/channels/shop/sync", data={"csrf": csrf}))
        await asyncio.sleep(0.2)
        assert not console.done(), "the console's sync ran beside the scheduled one"
        shop.connector.go.set()
        report = await scheduled
        answer = await console

        assert report.pushed == 2
        assert answer.status_code == 200
        assert "3 listings: 0 pushed, 2 in sync" in " ".join(answer.text.split())

    async def test_without_sync_channels_the_buttons_are_hidden_and_a_post_is_409(
        self, unsynced: Shop
    ) -> None:
        await sign_in(unsynced.client, "mona", "manager")
        page = await unsynced.client.get("/channels/shop")
        csrf = await csrf_of(unsynced.client, "/channels/shop")

        answer = await unsynced.client.post("/channels/shop/sync", data={"csrf": csrf})

        assert "Sync now" not in page.text
        assert "Release all quarantined (1)" in page.text
        assert answer.status_code == 409
        assert "syncs no channel on request" in answer.text

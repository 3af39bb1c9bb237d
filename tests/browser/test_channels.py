"""The channels pages in a real browser: a manager finds a quarantined listing, releases
it, and syncs the channel now; the running service pushes it."""

from __future__ import annotations

from datetime import UTC, datetime

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from syncbot.ledger import receive
from syncbot.store import sync_models
from syncbot.store.posting import post

from .conftest import ConsoleService, shot, sign_in, wait_for

T0 = datetime(2026, 11, 1, 12, tzinfo=UTC)


def _seed(service: ConsoleService) -> None:
    """Channel `fake` lists both SKUs; MUG-1 was quarantined by the storefront's refusal."""

    async def seed() -> None:
        await post([receive("MUG-1", 12), receive("TEE/RED-M", 3)])
        await sync_models.ChannelListing.create(
            channel="fake",
            sku="MUG-1",
            listing_id="variant-1",
            inventory_id="item-1",
            channel_quantity=5,
            quarantined_at=T0,
            quarantined_error="the storefront refused it: the variant is archived",
        )
        await sync_models.ChannelListing.create(
            channel="fake",
            sku="TEE/RED-M",
            listing_id="variant-2",
            inventory_id="item-2",
            channel_quantity=3,
            pushed_quantity=3,
            pushed_at=T0,
        )

    service.run(seed)


def _listing(service: ConsoleService, sku: str) -> sync_models.ChannelListing:
    async def read() -> sync_models.ChannelListing:
        return await sync_models.ChannelListing.get(channel="fake", sku=sku)

    row: sync_models.ChannelListing = service.run(read)
    return row


def test_a_manager_releases_a_quarantined_listing_and_syncs_it(
    browser: WebDriver, service: ConsoleService
) -> None:
    """Channels → fake → Release: the listing is no longer quarantined, on the page and
    in the database; Sync now then pushes it."""
    _seed(service)
    sign_in(browser, service, "manager", "/channels")
    row = browser.find_element(By.CSS_SELECTOR, "#channels tbody tr")
    assert "fake" in row.text
    assert browser.find_element(By.CSS_SELECTOR, "[aria-label='1 quarantined on fake']")
    shot(browser, "channels")

    row.find_element(By.LINK_TEXT, "fake").click()
    listing = wait_for(
        browser, lambda b: b.find_elements(By.CSS_SELECTOR, "tr[data-sku='MUG-1']"), "listings"
    )[0]
    assert "quarantined" in listing.text
    assert "the variant is archived" in listing.text
    shot(browser, "channel")

    listing.find_element(By.CSS_SELECTOR, "button[aria-label='Release MUG-1']").click()

    notice = wait_for(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "[role=status]"))
    assert "1 listing released" in notice[0].text
    listing = browser.find_element(By.CSS_SELECTOR, "tr[data-sku='MUG-1']")
    assert "quarantined" not in listing.text
    assert not listing.find_elements(By.CSS_SELECTOR, "button")
    assert _listing(service, "MUG-1").quarantined_at is None

    browser.find_element(By.XPATH, "//button[normalize-space()='Sync now']").click()

    report = wait_for(browser, lambda b: b.find_elements(By.ID, "sync-report"), "the sync")
    assert "Synced fake" in report[0].text
    assert _listing(service, "MUG-1").pushed_quantity == 12

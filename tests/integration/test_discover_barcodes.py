"""`channels discover` imports the barcodes storefronts give their items, in each one's
documented payload (WooCommerce `global_unique_id` on products and variations,
BigCommerce variant `upc` and `gtin`), over respx, on a real database. A barcode another
SKU holds, or with a wrong check digit, is a conflict: reported, never overwritten."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import respx

from connectors.bigcommerce.api import BigCommerceAPI
from connectors.bigcommerce.connector import BigCommerceConnector
from connectors.bigcommerce.testing import BigCommerceStore
from connectors.woocommerce.api import WooCommerceApi
from connectors.woocommerce.connector import WooCommerceConnector
from connectors.woocommerce.testing import WooCommerceStore
from syncbot.app import barcodes
from syncbot.store.catalogue import add_sku
from syncbot.sync.listings import discover

MUG_EAN = "4006381333931"
TEE_UPC = "036000291452"


async def held() -> list[tuple[str, str, str]]:
    return [(row.barcode, row.sku, row.kind) for row in await barcodes.listed()]


@pytest.fixture
async def catalogue(database: str) -> None:
    """MUG-1, TEE-S and TEE-M; CAP already holds the EAN 5012345678900."""
    for code in ("MUG-1", "TEE-S", "TEE-M", "CAP"):
        await add_sku(code)
    await barcodes.add("CAP", "5012345678900")


@pytest.fixture
async def woo(catalogue: None) -> AsyncIterator[tuple[WooCommerceConnector, WooCommerceStore]]:
    store = WooCommerceStore()
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        store.mount(router)
        async with httpx.AsyncClient() as http:
            api = WooCommerceApi(
                http,
                url=store.url,
                consumer_key=store.consumer_key,
                consumer_secret=store.consumer_secret,
            )
            yield WooCommerceConnector("woo", api, webhook_secret="dummy", location="main"), store


@pytest.fixture
async def bigcommerce(
    catalogue: None,
) -> AsyncIterator[tuple[BigCommerceConnector, BigCommerceStore]]:
    store = BigCommerceStore(location_id=2)

    async def no_wait(seconds: float) -> None:
        return None

    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        store.mount(router)
        async with httpx.AsyncClient() as http:
            api = BigCommerceAPI(
                http, store_hash=store.store_hash, access_token=store.access_token, sleep=no_wait
            )
            yield BigCommerceConnector("bc", api, client_secret="dummy", location_id=2), store


class TestWooCommerce:
    async def test_global_unique_ids_of_products_and_variations_are_imported(
        self, woo: tuple[WooCommerceConnector, WooCommerceStore]
    ) -> None:
        connector, store = woo
        store.add_product("MUG-1", global_unique_id=MUG_EAN)
        store.add_variable(["TEE-S", "TEE-M"], global_unique_ids=[TEE_UPC, ""])

        report = await discover(connector)

        assert [(row.barcode, row.sku) for row in report.barcodes_added] == [
            (MUG_EAN, "MUG-1"),
            (TEE_UPC, "TEE-S"),
        ]
        assert report.barcode_conflicts == []
        assert await held() == [
            ("5012345678900", "CAP", "gtin"),
            (MUG_EAN, "MUG-1", "gtin"),
            (TEE_UPC, "TEE-S", "gtin"),
        ]

    async def test_a_barcode_held_by_another_sku_is_a_conflict_and_stays_put(
        self, woo: tuple[WooCommerceConnector, WooCommerceStore]
    ) -> None:
        connector, store = woo
        store.add_product("MUG-1", global_unique_id="5012345678900")

        report = await discover(connector)

        (conflict,) = report.barcode_conflicts
        assert (conflict.barcode, conflict.sku) == ("5012345678900", "MUG-1")
        assert "already belongs to SKU CAP" in conflict.problem
        assert report.barcodes_added == []
        assert await held() == [("5012345678900", "CAP", "gtin")]

    async def test_rediscovery_adds_nothing_twice(
        self, woo: tuple[WooCommerceConnector, WooCommerceStore]
    ) -> None:
        connector, store = woo
        store.add_product("MUG-1", global_unique_id=MUG_EAN)
        await discover(connector)

        again = await discover(connector)

        assert (again.barcodes_added, again.barcode_conflicts) == ([], [])
        assert len(await held()) == 2


class TestBigCommerce:
    async def test_upc_and_gtin_of_variants_are_imported_and_bad_ones_reported(
        self, bigcommerce: tuple[BigCommerceConnector, BigCommerceStore]
    ) -> None:
        """A variant's upc and gtin are both its barcodes; a wrong check digit, a code
        another SKU holds, and a variant whose SKU syncbot lacks import nothing."""
        connector, store = bigcommerce
        store.add_variant("MUG-1", upc=TEE_UPC[:-1] + "3", gtin=MUG_EAN)  # UPC mistyped
        store.add_variant("TEE-S", upc="", gtin="INT-TEE-S")
        store.add_variant("TEE-M", upc="5012345678900")
        store.add_variant("HAT", gtin="96385074")  # not in the catalogue

        report = await discover(connector)

        assert sorted((row.barcode, row.sku, row.kind) for row in report.barcodes_added) == [
            (MUG_EAN, "MUG-1", "gtin"),
            ("INT-TEE-S", "TEE-S", "internal"),
        ]
        problems = {(c.barcode, c.sku): c.problem for c in report.barcode_conflicts}
        assert set(problems) == {("036000291453", "MUG-1"), ("5012345678900", "TEE-M")}
        assert "check digit is 3, not 2" in problems["036000291453", "MUG-1"]
        assert "already belongs to SKU CAP" in problems["5012345678900", "TEE-M"]
        assert ("96385074", "HAT") not in problems
        assert len(await held()) == 3

    async def test_the_variants_are_asked_for_their_upc_and_gtin(
        self, bigcommerce: tuple[BigCommerceConnector, BigCommerceStore]
    ) -> None:
        """The listing read names upc and gtin in include_fields (the fake, like the API,
        answers only the fields named)."""
        connector, store = bigcommerce
        store.add_variant("MUG-1", gtin=MUG_EAN)

        (listing,) = await connector.listings()

        assert listing.barcodes == (MUG_EAN,)

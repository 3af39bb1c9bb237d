"""A code typed or scanned where a SKU is asked for: a SKU code is itself, a barcode names
its SKU, anything else is refused."""

from __future__ import annotations

import pytest

from syncbot.app import barcodes
from syncbot.ledger import UnknownSku
from syncbot.store.catalogue import add_sku


@pytest.fixture
async def skus(database: str) -> None:
    await add_sku("MUG-1", "Mug")
    await add_sku("4006381333931", "A SKU whose code looks like a barcode")
    await barcodes.add("MUG-1", "5012345678900")


class TestResolve:
    async def test_a_sku_code_is_itself_and_a_barcode_names_its_sku(self, skus: None) -> None:
        assert await barcodes.resolve("MUG-1") == "MUG-1"
        assert await barcodes.resolve("5012345678900") == "MUG-1"

    async def test_a_sku_code_wins_over_a_barcode(self, skus: None) -> None:
        """A typed SKU never means another SKU, even when a barcode spells the same."""
        await barcodes.add("MUG-1", "4006381333931")
        assert await barcodes.resolve("4006381333931") == "4006381333931"

    @pytest.mark.parametrize("code", ["NOPE", "", "has space", "x" * 200])
    async def test_neither_is_refused(self, skus: None, code: str) -> None:
        with pytest.raises(UnknownSku):
            await barcodes.resolve(code)

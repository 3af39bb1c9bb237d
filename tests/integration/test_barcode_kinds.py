"""Barcode kinds on a real database: `add` stores `gtin` or `internal` and refuses a wrong
check digit writing nothing; migration 0018 classifies barcodes stored before kinds."""

from __future__ import annotations

import importlib
from types import SimpleNamespace
from typing import Any

import pytest
from tortoise import connections

from syncbot.app import barcodes
from syncbot.ledger.barcodes import BadCheckDigit
from syncbot.store import models
from syncbot.store.catalogue import add_sku

KINDS = importlib.import_module("syncbot.migrations.0018_barcode_kinds")


@pytest.fixture
async def mug(database: str) -> None:
    await add_sku("MUG-1")


class TestAdd:
    async def test_the_kind_is_stored(self, mug: None) -> None:
        assert (await barcodes.add("MUG-1", "96385074")).kind == "gtin"
        assert (await barcodes.add("MUG-1", "MUG/BLUE")).kind == "internal"
        stored = await models.SkuBarcode.all().order_by("barcode").values_list("barcode", "kind")
        assert stored == [("96385074", "gtin"), ("MUG/BLUE", "internal")]

    async def test_a_wrong_check_digit_is_refused_and_nothing_written(self, mug: None) -> None:
        with pytest.raises(BadCheckDigit, match="GTIN-8 but its check digit is 5, not 4"):
            await barcodes.add("MUG-1", "96385075")
        assert await models.SkuBarcode.all().count() == 0


class TestMigration:
    async def test_barcodes_stored_before_kinds_are_classified(self, mug: None) -> None:
        """A right GTIN becomes `gtin`; a wrong one and a free-form code stay `internal`."""
        for code in ("4006381333931", "4006381333932", "SHELF-7"):
            await models.SkuBarcode.create(barcode=code, sku_id="MUG-1", kind="internal")
        editor: Any = SimpleNamespace(client=connections.get("default"))

        await KINDS.classify(None, editor)

        stored = await models.SkuBarcode.all().order_by("barcode").values_list("barcode", "kind")
        assert stored == [
            ("4006381333931", "gtin"),
            ("4006381333932", "internal"),
            ("SHELF-7", "internal"),
        ]

"""Scanning into a stock-take on a real database: a barcode is taken wherever a SKU is,
a scan adds 1 to its counter's count in that area, a number sets it, and a scan's key
makes a retried request count once."""

from __future__ import annotations

import pytest

from syncbot.app import barcodes, stocktakes
from syncbot.app.actor import Actor
from syncbot.app.roles import Role
from syncbot.ledger import UnknownSku
from syncbot.ledger.routes import receive
from syncbot.store.catalogue import add_sku
from syncbot.store.posting import post
from syncbot.store.stocktake_models import StocktakeCount

ANN, BOB, BOSS = Actor.cli("ann"), Actor.cli("bob"), Actor.cli("boss")
MUG_EAN = "4006381333931"  # a valid EAN-13
CUP_CODE = "INT-CUP-0001"  # a free-form internal code


@pytest.fixture
async def shelf(database: str) -> None:
    """MUG-1: 10 on hand, barcode MUG_EAN; CUP-1: 3, barcode CUP_CODE; all at main."""
    for sku in ("MUG-1", "CUP-1"):
        await add_sku(sku)
    await post([receive("MUG-1", 10), receive("CUP-1", 3)])
    await barcodes.add("MUG-1", MUG_EAN)
    await barcodes.add("CUP-1", CUP_CODE)


async def scan(session: int, code: str, key: str, who: Actor = ANN, area: str = "") -> int:
    """One scan, as the scan page sends it; the line's count after it."""
    answer = await stocktakes.count(session, code, 1, who, mode="add", key=key, area=area)
    counted = answer.line.counted
    assert counted is not None
    return counted


class TestBarcodes:
    async def test_a_scanned_barcode_counts_its_sku(self, shelf: None) -> None:
        """Counting by EAN or by an internal code lands on the SKU that holds it."""
        session = await stocktakes.start(BOSS, skus=["MUG-1", "CUP-1"])
        answer = await stocktakes.count(session.id, MUG_EAN, 9, ANN)
        assert (answer.line.sku, answer.line.counted) == ("MUG-1", 9)
        assert await scan(session.id, CUP_CODE, "c-1") == 1
        review = {line.sku: line for line in (await stocktakes.review(session.id)).lines}
        assert (review["MUG-1"].counted, review["MUG-1"].variance) == (9, -1)

    async def test_a_session_can_be_started_and_approved_by_barcode(self, shelf: None) -> None:
        """`start(skus=[barcode])` covers its SKU; `approve(barcode)` approves its line."""
        limits = stocktakes.thresholds(units=0)
        session = await stocktakes.start(BOSS, skus=[MUG_EAN], limits=limits)
        assert session.lines == 1
        await stocktakes.count(session.id, "MUG-1", 7, ANN)
        approved = await stocktakes.approve(session.id, MUG_EAN, BOSS, Role.MANAGER)
        assert approved.skus == ("MUG-1",)

    async def test_an_unknown_barcode_is_refused_and_nothing_is_written(self, shelf: None) -> None:
        """A code that is neither a SKU nor a barcode is named in the refusal."""
        session = await stocktakes.start(BOSS, skus=["MUG-1"])
        with pytest.raises(UnknownSku, match="5901234123457"):
            await stocktakes.count(session.id, "5901234123457", 1, ANN, mode="add", key="u")
        with pytest.raises(UnknownSku):
            await stocktakes.start(BOSS, skus=["CUP-1", "5901234123457"])
        assert await StocktakeCount.all().count() == 0


class TestIncrements:
    async def test_each_scan_adds_one_and_a_number_sets_the_count(self, shelf: None) -> None:
        """Three scans make 3; typing 12 sets 12; two more scans make 14."""
        session = await stocktakes.start(BOSS, skus=["MUG-1"])
        assert [await scan(session.id, MUG_EAN, f"k{n}") for n in range(3)] == [1, 2, 3]
        typed = await stocktakes.count(session.id, MUG_EAN, 12, ANN, key="typed")
        assert typed.line.counted == 12
        assert [await scan(session.id, MUG_EAN, f"k{n}") for n in range(3, 5)] == [13, 14]

    async def test_scans_add_per_counter_and_area(self, shelf: None) -> None:
        """Ann scans 2 on the shelf, Bob 3 in the back room: the line counts 5; Ann setting
        her shelf to 1 leaves Bob's 3."""
        session = await stocktakes.start(BOSS, skus=["MUG-1"])
        for n in range(2):
            await scan(session.id, MUG_EAN, f"a{n}", ANN, "shelf")
        for n in range(3):
            await scan(session.id, MUG_EAN, f"b{n}", BOB, "back room")
        assert await scan(session.id, MUG_EAN, "a2", ANN, "shelf") == 6
        reset = await stocktakes.count(session.id, "MUG-1", 1, ANN, area="shelf", key="a-set")
        assert reset.line.counted == 4

    async def test_a_scan_retried_with_its_key_counts_once(self, shelf: None) -> None:
        """The same key twice (by barcode, then by the SKU it names) adds 1, not 2."""
        session = await stocktakes.start(BOSS, skus=["MUG-1"])
        assert await scan(session.id, MUG_EAN, "once") == 1
        again = await stocktakes.count(session.id, "MUG-1", 1, ANN, mode="add", key="once")
        assert (again.applied, again.line.counted) == (False, 1)
        assert await StocktakeCount.all().count() == 1

"""Stock-takes on a real database: the snapshot, counts judged at their own moment,
approval, one idempotent posting, cancel, and refusals that write nothing."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from syncbot.app import stocktakes
from syncbot.app.actor import Actor
from syncbot.app.roles import Role
from syncbot.ledger import IdempotencyConflict, UnknownLocation, UnknownSku
from syncbot.ledger.routes import damage, order_commit, order_fulfil, receive
from syncbot.ledger.stocktake import (
    ApprovalNeeded,
    ApprovalRefused,
    NotInStocktake,
    OverlappingStocktake,
    StocktakeClosed,
    StocktakeInputError,
    UnknownStocktake,
    WrongLocation,
)
from syncbot.store import models
from syncbot.store.catalogue import add_sku
from syncbot.store.posting import post
from syncbot.store.stocktake_models import Stocktake, StocktakeCount, StocktakeLine
from syncbot.store.verify import verify

ANN, BOB, BOSS = Actor.cli("ann"), Actor.cli("bob"), Actor.cli("boss")


async def on_hand(sku: str, location: str = "main") -> int:
    rows = await models.Balance.filter(
        sku_id=sku, location_id=location, bucket__in=["available", "committed", "damaged"]
    ).values_list("quantity", flat=True)
    return sum(int(str(q)) for q in rows)


async def written() -> tuple[int, int, int, int]:
    """Everything a refusal must leave as it was."""
    return (
        await models.Movement.all().count(),
        await Stocktake.all().count(),
        await StocktakeLine.all().count(),
        await StocktakeCount.all().count(),
    )


@pytest.fixture
async def shelf(database: str) -> None:
    """MUG-1: 10 on hand at 4.00; MUG-2: 5; CUP-1: 3, all at main."""
    for sku in ("MUG-1", "MUG-2", "CUP-1"):
        await add_sku(sku)
    await post([receive("MUG-1", 10, unit_cost=Decimal("4.00"))])
    await post([receive("MUG-2", 5, unit_cost=Decimal("2.00"))])
    await post([receive("CUP-1", 3)])


def line(view: stocktakes.StocktakeView, sku: str) -> stocktakes.LineView:
    return next(row for row in view.lines if row.sku == sku)


class TestCounting:
    async def test_a_sale_during_the_count_makes_no_variance(self, shelf: None) -> None:
        """2 mugs ship after the start; the counter finds 8: expected 8, variance 0."""
        session = await stocktakes.start(BOSS, pattern="MUG-*", name="aisle 1")
        await post([order_commit("MUG-1", 2), order_fulfil("MUG-1", 2)])
        await post([damage("MUG-1", 1)])  # stays on hand: no change expected
        await stocktakes.count("aisle 1", "MUG-1", 8, ANN)
        await post([order_commit("MUG-1", 3), order_fulfil("MUG-1", 3)])  # after the count
        mug = line(await stocktakes.review(session.id), "MUG-1")
        assert (mug.expected, mug.counted, mug.variance) == (8, 8, 0)
        posted = await stocktakes.post(session.id, BOSS)
        assert posted.movements == 0
        assert await on_hand("MUG-1") == 5

    async def test_two_counters_are_summed_by_area_and_a_recount_replaces(
        self, shelf: None
    ) -> None:
        """Ann: shelf 4, Bob: back room 3, Ann recounts shelf as 5: counted 8, 3 in history."""
        session = await stocktakes.start(BOSS, skus=["MUG-1"])
        await stocktakes.count(session.id, "MUG-1", 4, ANN, area="shelf")
        await stocktakes.count(session.id, "MUG-1", 3, BOB, area="back room")
        counted = await stocktakes.count(session.id, "MUG-1", 5, ANN, area="shelf")
        assert counted.line.counted == 8
        assert len(counted.line.counts) == 3
        mug = line(await stocktakes.review(session.id), "MUG-1")
        assert (mug.expected, mug.variance, mug.value) == (10, -2, -8_000_000)

    async def test_a_retried_count_with_its_key_counts_once(self, shelf: None) -> None:
        """A scan (+1) retried with the same key adds one unit, not two."""
        session = await stocktakes.start(BOSS, skus=["MUG-1"])
        for _ in range(2):
            answer = await stocktakes.count(session.id, "MUG-1", 1, ANN, mode="add", key="s-1")
        assert answer.applied is False
        assert answer.line.counted == 1
        with pytest.raises(IdempotencyConflict):
            await stocktakes.count(session.id, "MUG-1", 2, ANN, mode="add", key="s-1")

    async def test_a_blind_session_hides_expected_from_counters(self, shelf: None) -> None:
        """The counter's views carry no expected and no variance; the review does."""
        session = await stocktakes.start(BOSS, skus=["MUG-1", "CUP-1"], blind=True)
        counted = await stocktakes.count(session.id, "MUG-1", 9, ANN)
        assert (counted.line.expected, counted.line.variance) == (None, None)
        seen = await stocktakes.counter_view(session.id)
        assert not seen.expected_shown
        assert all(row.expected is None and row.variance is None for row in seen.lines)
        assert line(await stocktakes.review(session.id), "MUG-1").variance == -1


class TestApproval:
    async def test_a_line_over_a_threshold_needs_a_manager(self, shelf: None) -> None:
        """3 missing of 10 is over 2 units: a clerk is refused, posting waits for a manager."""
        limits = stocktakes.thresholds(units=2, percent="50")
        session = await stocktakes.start(BOSS, pattern="MUG-*", limits=limits)
        await stocktakes.count(session.id, "MUG-1", 7, ANN)
        await stocktakes.count(session.id, "MUG-2", 4, ANN)  # 1 missing: under both
        review = await stocktakes.review(session.id)
        assert review.awaiting_approval == ("MUG-1",)
        assert line(review, "MUG-1").over == ("units",)
        with pytest.raises(ApprovalRefused):
            await stocktakes.approve(session.id, None, ANN, Role.CLERK)
        with pytest.raises(ApprovalNeeded):
            await stocktakes.post(session.id, BOSS)
        approved = await stocktakes.approve(session.id, None, BOSS, Role.MANAGER)
        assert approved.skus == ("MUG-1",)
        await stocktakes.count(session.id, "MUG-1", 6, ANN)  # a recount needs a new approval
        assert (await stocktakes.review(session.id)).awaiting_approval == ("MUG-1",)
        await stocktakes.approve(session.id, "MUG-1", BOSS, Role.MANAGER)
        assert (await stocktakes.post(session.id, BOSS)).movements == 2
        assert (await on_hand("MUG-1"), await on_hand("MUG-2")) == (6, 4)


class TestPosting:
    async def test_posting_twice_records_once_and_verify_is_clean(self, shelf: None) -> None:
        """The second post is applied=False; movements name the session's document."""
        session = await stocktakes.start(BOSS, name="full")
        await stocktakes.count("full", "MUG-1", 11, ANN)
        await stocktakes.count("full", "MUG-2", 2, ANN)
        first = await stocktakes.post("full", BOSS, uncounted="zero")
        again = await stocktakes.post("full", BOSS, uncounted="zero")
        assert (first.applied, first.movements, again.applied) == (True, 3, False)
        assert await models.Movement.filter(document=f"stocktakes/{session.id}").count() == 3
        assert (await on_hand("MUG-1"), await on_hand("MUG-2"), await on_hand("CUP-1")) == (
            11,
            2,
            0,
        )
        report = await verify()
        assert report.ok, report
        with pytest.raises(StocktakeClosed):
            await stocktakes.count("full", "MUG-1", 1, ANN)

    async def test_uncounted_lines_are_left_by_default(self, shelf: None) -> None:
        """Without --uncounted zero, an uncounted line keeps its balance."""
        session = await stocktakes.start(BOSS)
        await stocktakes.post(session.id, BOSS)
        assert await on_hand("CUP-1") == 3

    async def test_cancel_leaves_balances_untouched(self, shelf: None) -> None:
        """A cancelled session moves nothing and frees its SKUs for a new session."""
        session = await stocktakes.start(BOSS, pattern="MUG-*")
        await stocktakes.count(session.id, "MUG-1", 1, ANN)
        before = await models.Movement.all().count()
        assert (await stocktakes.cancel(session.id, BOSS)).applied
        assert await models.Movement.all().count() == before
        assert await on_hand("MUG-1") == 10
        await stocktakes.start(BOSS, pattern="MUG-*")


class TestRefusals:
    async def test_overlapping_open_sessions_are_refused(self, shelf: None) -> None:
        """MUG-* is open at main: all SKUs at main overlaps; at east it does not."""
        await stocktakes.start(BOSS, pattern="MUG-*")
        before = await written()
        with pytest.raises(OverlappingStocktake) as refused:
            await stocktakes.start(BOSS)
        assert refused.value.skus == ("MUG-1", "MUG-2")
        assert await written() == before
        await stocktakes.start(BOSS, location="east")

    async def test_bad_input_writes_nothing(self, shelf: None) -> None:
        """Unknown SKU, SKU out of scope, negative count, wrong location, unknown or closed
        session, unknown location: each refused, nothing written."""
        session = await stocktakes.start(BOSS, skus=["MUG-1"], name="s")
        await stocktakes.count("s", "MUG-1", 1, ANN)
        before = await written()
        refusals = [
            (UnknownSku, stocktakes.count("s", "NOPE", 1, ANN)),
            (NotInStocktake, stocktakes.count("s", "CUP-1", 1, ANN)),
            (StocktakeInputError, stocktakes.count("s", "MUG-1", -1, ANN)),
            (WrongLocation, stocktakes.count("s", "MUG-1", 1, ANN, location="east")),
            (UnknownStocktake, stocktakes.count("nope", "MUG-1", 1, ANN)),
            (UnknownLocation, stocktakes.start(BOSS, location="mars")),
            (UnknownSku, stocktakes.start(BOSS, skus=["NOPE"], location="east")),
        ]
        for error, call in refusals:
            with pytest.raises(error):
                await call
        await stocktakes.cancel(session.id, BOSS)
        with pytest.raises(StocktakeClosed):
            await stocktakes.count("s", "MUG-1", 1, ANN)
        with pytest.raises(StocktakeClosed):
            await stocktakes.post("s", BOSS)
        assert (await written())[::3] == (before[0], before[3])


class TestConcurrency:
    async def test_two_starts_at_once_over_the_same_skus_one_wins(self, shelf: None) -> None:
        """The second start waits on the first's balance locks, then sees its lines."""
        results = await asyncio.gather(
            stocktakes.start(BOSS, pattern="MUG-*"),
            stocktakes.start(BOSS, skus=["MUG-1"]),
            return_exceptions=True,
        )
        refused = [r for r in results if isinstance(r, OverlappingStocktake)]
        assert len(refused) == 1, results
        assert await StocktakeLine.filter(sku_id="MUG-1", open=True).count() == 1

    async def test_a_scan_sent_twice_at_once_counts_once(self, shelf: None) -> None:
        """Two requests with one key racing: one count recorded, both answered."""
        session = await stocktakes.start(BOSS, skus=["MUG-1"])
        answers = await asyncio.gather(
            *(stocktakes.count(session.id, "MUG-1", 1, ANN, mode="add", key="k") for _ in "ab")
        )
        assert sorted(a.applied for a in answers) == [False, True]
        assert await StocktakeCount.all().count() == 1

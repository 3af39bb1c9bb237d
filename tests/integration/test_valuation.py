"""The valuation and cost of goods sold reports on a real database (SQLite and PostgreSQL),
after a mixed history: receipts at costs, orders committed and fulfilled, a restocked
return, damage written off, counts, adjustments, a transfer, a reversal and a sale below
zero that books a cost variance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from syncbot import ledger
from syncbot.app import report_dates
from syncbot.app import valuation as reports
from syncbot.ledger import UnknownLocation
from syncbot.ledger.costing import value_of
from syncbot.store import models, posting
from syncbot.store.catalogue import add_sku
from syncbot.store.corrections import reverse_movement
from syncbot.store.posting import Provenance
from syncbot.store.verify import verify

DAY = [datetime(2026, 11, day, 10, tzinfo=UTC) for day in range(1, 7)]
Snapshot = dict[str, tuple[int, int]]
"""Per SKU, (on hand, stock value) as the SKU rows held them at the end of a day."""


async def _post(entry: ledger.Entry, when: datetime, document: str = "") -> None:
    await posting.post([entry], provenance=Provenance("cli:test", document, when))


async def snapshot() -> Snapshot:
    rows = await models.Sku.all().values_list("code", "on_hand", "stock_value")
    return {code: (on_hand, value) for code, on_hand, value in rows if on_hand or value}


async def history() -> list[Snapshot]:
    """Five days of trade; the SKU rows' state at the end of each day, day 1 first."""
    for code in ("MUG", "CAP", "TEE", "BOWL"):
        await add_sku(code, name=f"{code.title()} name")
    order = "shop/orders/1"
    days: list[Snapshot] = []
    d = DAY[0]
    await _post(ledger.receive("MUG", 10, unit_cost=Decimal(4)), d)
    await _post(ledger.receive("MUG", 30, unit_cost=Decimal(6)), d)
    await _post(ledger.receive("CAP", 5, "east", unit_cost=Decimal("2.50")), d)
    await _post(ledger.receive("BOWL", 3), d)  # no cost: at the average, 0
    days.append(await snapshot())
    d = DAY[1]
    await _post(ledger.order_commit("MUG", 4), d, order)
    await _post(ledger.order_fulfil("MUG", 4), d, order)
    await _post(ledger.transfer("MUG", 5, "main", "east"), d)
    await _post(ledger.Count("CAP", 4, "east"), d)
    await _post(ledger.order_commit("TEE", 2), d, "shop/orders/2")  # nothing on hand
    await _post(ledger.order_fulfil("TEE", 2), d, "shop/orders/2")
    days.append(await snapshot())
    d = DAY[2]
    await _post(ledger.return_restock("MUG", 1), d, order)
    await _post(ledger.damage("MUG", 2), d)
    await _post(ledger.write_off("MUG", 2), d)
    await _post(ledger.adjust("MUG", -1, "lost"), d)
    await _post(ledger.adjust("CAP", 2, "found", "east"), d)
    await _post(ledger.receive("TEE", 5, unit_cost=Decimal(3)), d)  # revalues -2: a variance
    days.append(await snapshot())
    d = DAY[3]
    count = await models.Movement.get(kind="count")
    await reverse_movement(count.id, Provenance("cli:test", occurred_at=d))
    days.append(await snapshot())
    d = DAY[4]
    await _post(ledger.receive("MUG", 10, unit_cost=Decimal("7.123457")), d)
    await _post(ledger.order_commit("MUG", 3), d, "shop/orders/3")
    await _post(ledger.order_fulfil("MUG", 3), d, "shop/orders/3")
    days.append(await snapshot())
    assert (await verify()).ok
    return days


def end_of(day: datetime) -> datetime:
    return report_dates.moment_at(f"{day:%Y-%m-%d}")


async def everything(location: str | None, at: datetime | None) -> list[reports.ValuedLine]:
    return [line async for line in reports.valuation_lines(location, at)]


class TestValuationNow:
    async def test_each_sku_is_its_on_hand_at_its_average_and_the_total_adds_up(
        self, database: str
    ) -> None:
        """Per SKU: on hand, average and value are the SKU row's; the total is their sum."""
        await history()
        lines = await everything(None, None)
        rows = {row.code: row for row in await models.Sku.all()}
        assert [line.code for line in lines] == ["BOWL", "CAP", "MUG", "TEE"]  # BOWL: 3 at 0
        for line in lines:
            row = rows[line.code]
            assert (line.on_hand, line.value, line.average) == (
                row.on_hand,
                row.stock_value,
                Decimal(row.average_cost),
            )
        totals = await reports.valuation_totals(None, None)
        assert totals == reports.ValuationTotals(
            len(lines), sum(x.on_hand for x in lines), sum(x.value for x in lines)
        )

    async def test_at_a_location_its_units_go_at_the_skus_average(self, database: str) -> None:
        """East holds the 5 mugs transferred and the caps: each at the SKU's average."""
        await history()
        east = {line.code: line for line in await everything("east", None)}
        mug = await models.Sku.get(code="MUG")
        assert east["MUG"].on_hand == 5
        assert east["MUG"].value == value_of(5, Decimal(mug.average_cost))
        assert set(east) == {"MUG", "CAP"}
        totals = await reports.valuation_totals("east", None)
        assert totals.value == sum(line.value for line in east.values())

    async def test_an_unknown_location_is_refused(self, database: str) -> None:
        with pytest.raises(UnknownLocation):
            await reports.valuation("west", None)

    async def test_pages_walk_every_line_once(self, database: str) -> None:
        """A page of 1 at a time, by keyset, reads the same lines as the whole report."""
        await history()
        seen, after = [], ""
        while True:
            page = await reports.valuation(None, None, after=after, limit=1)
            seen += [line.code for line in page.lines]
            if page.next_after is None:
                break
            after = page.next_after
        assert seen == [line.code for line in await everything(None, None)]


class TestValuationAtAPastDate:
    async def test_the_replay_at_the_end_of_each_day_is_what_the_skus_held_then(
        self, database: str
    ) -> None:
        """On hand and value replayed from the movements equal the SKU rows of that day."""
        days = await history()
        for day, held in zip(DAY, days, strict=False):
            lines = await everything(None, end_of(day))
            assert {line.code: (line.on_hand, line.value) for line in lines} == held, day
            totals = await reports.valuation_totals(None, end_of(day))
            assert totals.value == sum(value for _, value in held.values())
            assert totals.on_hand == sum(units for units, _ in held.values())

    async def test_the_average_is_value_over_on_hand(self, database: str) -> None:
        """After day 1, 10 at 4 and 30 at 6 average 5.50."""
        await history()
        mug = next(x for x in await everything(None, end_of(DAY[0])) if x.code == "MUG")
        assert (mug.on_hand, mug.average) == (40, Decimal("5.5"))

    async def test_at_a_location_and_a_date(self, database: str) -> None:
        """East after day 2: the 5 mugs transferred at that day's average, 4 caps counted."""
        await history()
        east = {x.code: x for x in await everything("east", end_of(DAY[1]))}
        assert east["MUG"].on_hand == 5
        assert east["MUG"].value == value_of(5, Decimal("5.5"))
        assert east["CAP"].on_hand == 4
        assert east["CAP"].value == value_of(4, Decimal("2.5"))

    async def test_before_anything_happened_the_report_is_empty(self, database: str) -> None:
        await history()
        assert await everything(None, DAY[0] - timedelta(days=1)) == []


class TestCostOfGoodsSold:
    @pytest.mark.parametrize(("first", "last"), [(0, 5), (1, 3), (2, 4), (4, 5)])
    async def test_receipts_equal_cost_of_goods_plus_write_offs_plus_the_change_in_value(
        self, database: str, first: int, last: int
    ) -> None:
        """For any period, per SKU and in total; the opening and closing values are the
        valuations at the period's bounds."""
        days = await history()
        start = DAY[first].replace(hour=0)
        end = DAY[last].replace(hour=0)
        period = report_dates.Period(start, end)
        totals = await reports.cost_totals(period)
        figures = totals.figures
        assert figures.receipts == figures.cost_of_goods + figures.write_offs + (
            totals.closing_value - totals.opening_value
        )
        opening = days[first - 1] if first else {}
        closing = days[last - 1]
        assert totals.opening_value == sum(value for _, value in opening.values())
        assert totals.closing_value == sum(value for _, value in closing.values())
        lines = [line async for line in reports.cost_lines(period)]
        for line in lines:
            f = line.figures
            assert f.receipts == f.cost_of_goods + f.write_offs + f.value_change, line.code
        assert sum(line.figures.cost_of_goods for line in lines) == figures.cost_of_goods

    async def test_the_figures_of_a_known_history(self, database: str) -> None:
        """Day 2 to 3: 4 mugs sold at 5.50, one came back; 2 tees sold below zero, then
        their receipt at 3 books the variance 2 × 3 = 6 to the cost of goods."""
        await history()
        period = report_dates.period("2026-11-02", "2026-11-04")
        lines = {line.code: line.figures for line in [x async for x in reports.cost_lines(period)]}
        assert lines["MUG"].units_sold == 3
        assert lines["MUG"].cost_of_goods == value_of(3, Decimal("5.5"))
        assert lines["MUG"].written_off == value_of(2, Decimal("5.5"))
        assert lines["MUG"].adjusted == value_of(1, Decimal("5.5"))
        assert lines["TEE"].units_sold == 2
        assert lines["TEE"].cost_of_goods == value_of(2, Decimal(3))
        assert lines["TEE"].receipts == value_of(5, Decimal(3))
        assert lines["CAP"].counted == value_of(1, Decimal("2.5"))
        assert lines["CAP"].adjusted == -value_of(2, Decimal("2.5"))

    async def test_a_reversal_takes_back_what_its_original_counted(self, database: str) -> None:
        """The count reversed on day 4 gives back its write-off within that day."""
        await history()
        period = report_dates.period("2026-11-04", "2026-11-05")
        lines = {x.code: x.figures for x in [x async for x in reports.cost_lines(period)]}
        assert lines["CAP"].counted == -value_of(1, Decimal("2.5"))

    async def test_pages_of_the_cost_report_walk_every_line(self, database: str) -> None:
        await history()
        period = report_dates.period("2026-11-01", "2026-11-07")
        first = await reports.cost_of_goods(period, limit=2)
        second = await reports.cost_of_goods(period, after=first.next_after or "", limit=2)
        assert [x.code for x in first.lines + second.lines] == [
            x.code async for x in reports.cost_lines(period)
        ]

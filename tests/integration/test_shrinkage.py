"""The shrinkage report on a real database (SQLite and PostgreSQL), after a known history:
a damage, a write-off, a count that found less, an adjustment that found more, and one
that lost a unit and was reversed."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from syncbot import ledger
from syncbot.app import shrinkage
from syncbot.app import valuation as cost_reports
from syncbot.app.report_dates import Period
from syncbot.ledger import UnknownLocation
from syncbot.store import models, posting
from syncbot.store.catalogue import add_sku
from syncbot.store.corrections import reverse_movement
from syncbot.store.posting import Provenance
from syncbot.store.verify import verify

DAY = [datetime(2026, 11, day, 10, tzinfo=UTC) for day in range(1, 6)]
MONEY = 1_000_000  # one unit of the currency, in millionths


async def _post(entry: ledger.Entry, when: datetime) -> None:
    await posting.post([entry], provenance=Provenance("cli:test", "", when))


@pytest.fixture
async def history(database: str) -> None:
    """Day 1: 10 MUG at 4.00 (main), 5 CAP at 2.00 (east). Day 2: 2 MUG damaged, 1
    written off. Day 3: MUG counted 6 of 9 on hand; CAP adjusted +2 found; MUG adjusted
    -1 lost. Day 4: that MUG adjustment reversed."""
    for code in ("MUG", "CAP"):
        await add_sku(code, name=code.title())
    await _post(ledger.receive("MUG", 10, unit_cost=Decimal(4)), DAY[0])
    await _post(ledger.receive("CAP", 5, "east", unit_cost=Decimal(2)), DAY[0])
    await _post(ledger.damage("MUG", 2), DAY[1])
    await _post(ledger.write_off("MUG", 1), DAY[1])
    await _post(ledger.Count("MUG", 6), DAY[2])
    await _post(ledger.adjust("CAP", 2, "found", "east"), DAY[2])
    await _post(ledger.adjust("MUG", -1, "lost"), DAY[2])
    lost = await models.Movement.get(kind="adjust", sku_id="MUG")
    await reverse_movement(lost.id, Provenance("cli:test", occurred_at=DAY[3]))
    assert (await verify()).ok


def _figures(report: shrinkage.ShrinkageReport) -> dict[str, tuple[int, int]]:
    return {line.reason: (line.units, line.value) for line in report.lines}


class TestShrinkage:
    async def test_every_reason_over_all_history(self, history: None) -> None:
        """Damage 2 at today's average 4.00; the count 3 short at 4.00; the adjustments
        net 2 found (the lost unit came back); 1 written off. The total leaves damage out."""
        report = await shrinkage.report()
        assert _figures(report) == {
            "damage": (2, 8 * MONEY),
            "count": (3, 12 * MONEY),
            "adjust": (-2, -4 * MONEY),
            "write_off": (1, 4 * MONEY),
        }
        assert (report.units, report.value) == (2, 12 * MONEY)
        assert [line.in_total for line in report.lines] == [False, True, True, True]

    async def test_the_total_is_cost_of_goods_write_offs(self, history: None) -> None:
        """What left the books equals the write-offs of the cost of goods report."""
        period = Period(DAY[0], datetime(2026, 12, 1, tzinfo=UTC))
        costs = await cost_reports.cost_of_goods(period)
        assert (await shrinkage.report(DAY[0])).value == costs.totals.figures.write_offs

    async def test_per_location(self, history: None) -> None:
        """main has the mug's damage, count and write-off; east the cap found."""
        main = await shrinkage.report(location="main")
        assert _figures(main) == {
            "damage": (2, 8 * MONEY),
            "count": (3, 12 * MONEY),
            "adjust": (0, 0),
            "write_off": (1, 4 * MONEY),
        }
        assert (main.units, main.value) == (4, 16 * MONEY)
        east = await shrinkage.report(location="east")
        assert (east.units, east.value) == (-2, -4 * MONEY)
        assert _figures(east)["damage"] == (0, 0)

    async def test_since_leaves_out_what_happened_before(self, history: None) -> None:
        """From day 3: no damage nor write-off; the count; the cap found."""
        report = await shrinkage.report(shrinkage.since("2026-11-03"))
        assert _figures(report) == {
            "damage": (0, 0),
            "count": (3, 12 * MONEY),
            "adjust": (-2, -4 * MONEY),
            "write_off": (0, 0),
        }
        assert (await shrinkage.report(shrinkage.since("2026-11-06"))).units == 0

    async def test_csv_has_a_row_per_reason_and_the_total(self, history: None) -> None:
        text = shrinkage.as_csv(await shrinkage.report(), "USD")
        assert text.splitlines() == [
            "reason,label,units,value_usd,in_total",
            "damage,damage,2,8.00,no",
            "count,count differences,3,12.00,yes",
            "adjust,adjustments,-2,-4.00,yes",
            "write_off,write-offs,1,4.00,yes",
            "total,total lost,2,12.00,",
        ]

    async def test_an_unknown_location_is_refused(self, database: str) -> None:
        with pytest.raises(UnknownLocation):
            await shrinkage.report(location="nowhere")

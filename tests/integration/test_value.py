"""The value of the stock on a real database: moved with the quantities, replayed by verify."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from tortoise.transactions import in_transaction

from syncbot import ledger
from syncbot.ledger.costing import value_of
from syncbot.store import models, posting
from syncbot.store.catalogue import add_sku
from syncbot.store.corrections import reverse_movement
from syncbot.store.posting import Provenance
from syncbot.store.verify import verify

ORDER = Provenance(actor="shop", document="shop/orders/1001")


@pytest.fixture
async def mug(database: str) -> str:
    await add_sku("MUG-1", "Mug")
    return "MUG-1"


async def worth(sku: str) -> tuple[int, int, Decimal]:
    row = await models.Sku.get(code=sku)
    return row.on_hand, row.stock_value, Decimal(row.average_cost)


class TestValueMovesWithTheStock:
    async def test_receipts_set_the_average_and_a_sale_costs_it(self, mug: str) -> None:
        """10 at 4 and 30 at 6 average 5.50; selling 4 costs 22.00 of goods sold."""
        await posting.post([ledger.receive(mug, 10, unit_cost=Decimal(4))])
        await posting.post([ledger.receive(mug, 30, unit_cost=Decimal(6))])
        assert await worth(mug) == (40, value_of(40, Decimal("5.5")), Decimal("5.5"))
        await posting.post([ledger.order_commit(mug, 4)], provenance=ORDER)
        await posting.post([ledger.order_fulfil(mug, 4)], provenance=ORDER)
        sale = await models.Movement.get(kind="order_fulfil")
        assert (sale.value, Decimal(sale.unit_cost)) == (
            -value_of(4, Decimal("5.5")),
            Decimal("5.5"),
        )
        assert await worth(mug) == (36, value_of(36, Decimal("5.5")), Decimal("5.5"))
        assert (await verify()).ok

    async def test_a_restocked_return_comes_back_at_the_cost_it_left_with(self, mug: str) -> None:
        """Sold at 5, the average moved to 8 since: the return adds 5, not 8."""
        await posting.post([ledger.receive(mug, 2, unit_cost=Decimal(5))])
        await posting.post([ledger.order_commit(mug, 1)], provenance=ORDER)
        await posting.post([ledger.order_fulfil(mug, 1)], provenance=ORDER)
        await posting.post([ledger.receive(mug, 1, unit_cost=Decimal(11))])  # 1×5 + 1×11
        await posting.post([ledger.return_restock(mug, 1)], provenance=ORDER)
        back = await models.Movement.get(kind="return_restock")
        assert back.value == value_of(1, Decimal(5))
        assert await worth(mug) == (3, value_of(1, Decimal(21)), Decimal(7))
        assert (await verify()).ok

    async def test_a_reversed_receipt_takes_back_its_value(self, mug: str) -> None:
        first = await posting.post([ledger.receive(mug, 10, unit_cost=Decimal(5))])
        await posting.post([ledger.receive(mug, 10, unit_cost=Decimal(15))])
        row = await models.Movement.get(posting=first.posting)
        await reverse_movement(row.id, Provenance(actor="cli:test"))
        assert await worth(mug) == (10, value_of(10, Decimal(15)), Decimal(15))
        assert (await verify()).ok

    async def test_a_count_that_finds_less_writes_off_at_the_average(self, mug: str) -> None:
        await posting.post([ledger.receive(mug, 10, unit_cost=Decimal(3))])
        await posting.post([ledger.Count(mug, 7)])
        count = await models.Movement.get(kind="count")
        assert count.value == -value_of(3, Decimal(3))
        assert (await verify()).ok

    async def test_verify_finds_a_corrupted_stock_value(self, mug: str) -> None:
        """The value is replayed like the quantities: a tampered row is reported."""
        await posting.post([ledger.receive(mug, 10, unit_cost=Decimal(3))])
        async with in_transaction() as connection:
            await models.Sku.filter(code=mug).using_db(connection).update(stock_value=1)
        report = await verify()
        assert [(m.bucket, m.stored, m.replayed) for m in report.mismatches] == [
            ("stock_value", 1, value_of(10, Decimal(3)))
        ]


class TestValueUnderConcurrency:
    async def test_racing_receipts_and_sales_keep_the_value_exact(self, mug: str) -> None:
        """Receipts and sales posted at once: the kept value equals the replay of what each
        movement recorded, and what went in equals what went out plus what is left."""
        await posting.post([ledger.receive(mug, 100, unit_cost=Decimal(2))])

        async def receive(cost: int) -> None:
            await posting.post([ledger.receive(mug, 5, unit_cost=Decimal(cost))])

        async def sell() -> None:
            await posting.post([ledger.order_commit(mug, 3)])
            await posting.post([ledger.order_fulfil(mug, 3)])

        await asyncio.gather(*(receive(c) for c in range(1, 11)), *(sell() for _ in range(10)))
        assert (await verify()).ok
        movements = await models.Movement.all()
        received = sum(m.value for m in movements if m.kind == "receive")
        sold = -sum(m.value for m in movements if m.kind == "order_fulfil")
        on_hand, value, _ = await worth(mug)
        assert on_hand == 100 + 50 - 30
        assert received == sold + value

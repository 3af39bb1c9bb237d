"""Purchasing on a real database: orders move incoming, receipts move it on at a cost."""

from __future__ import annotations

import asyncio
from datetime import date
from decimal import Decimal

import pytest

from syncbot.app import purchasing
from syncbot.app import stock as use_stock
from syncbot.app.actor import Actor
from syncbot.ledger import IdempotencyConflict, InvalidMovement, LedgerError, UnknownSku
from syncbot.ledger.costing import CostError, value_of
from syncbot.ledger.errors import NotReversible
from syncbot.ledger.purchasing import (
    BelowReceived,
    LineNotOnOrder,
    OverReceipt,
    PurchaseStatus,
    PurchasingInputError,
    UnknownPurchaseOrder,
    UnknownSupplier,
    WrongState,
)
from syncbot.store import models
from syncbot.store.catalogue import add_sku
from syncbot.store.purchasing_models import PurchaseOrder, PurchaseOrderLine
from syncbot.store.verify import verify

CLERK = Actor.cli("clerk")


@pytest.fixture
async def ordered(database: str) -> str:
    """PO-0001 from Acme: 10 MUG-1 at 4.00 and 5 CUP-1 at 2.50, ordered, due 24 Dec."""
    await add_sku("MUG-1", "Mug")
    await add_sku("CUP-1", "Cup")
    await purchasing.add_supplier("Acme", lead_time_days=7)
    order = await purchasing.create_order("Acme", CLERK, expected_on="2026-12-24")
    await purchasing.add_line(order.number, "MUG-1", 10, CLERK, unit_cost="4.00")
    await purchasing.add_line(order.number, "CUP-1", 5, CLERK, unit_cost="2.50")
    await purchasing.place_order(order.number, CLERK)
    return order.number


async def sku_row(code: str) -> models.Sku:
    return await models.Sku.get(code=code)


async def balance(sku: str, bucket: str, location: str = "main") -> int:
    row = await models.Balance.get_or_none(sku_id=sku, location_id=location, bucket=bucket)
    return 0 if row is None else row.quantity


async def written() -> tuple[int, int, int, int]:
    """Movements, orders, lines and the sum of lines' counters: all a refusal must not move."""
    lines = await PurchaseOrderLine.all()
    counters = sum(
        line.quantity + line.received + line.cancelled + line.over_received for line in lines
    )
    return (
        await models.Movement.all().count(),
        await PurchaseOrder.all().count(),
        len(lines),
        counters,
    )


class TestOrdering:
    async def test_ordering_moves_every_line_to_incoming_in_one_posting(self, ordered: str) -> None:
        """Ordering: supplier → incoming at the order's location, one posting, named by it."""
        assert ordered == "PO-0001"
        assert (await sku_row("MUG-1")).incoming == 10
        assert await balance("CUP-1", "incoming") == 5
        rows = await models.Movement.filter(kind="purchase")
        assert len({row.posting for row in rows}) == 1
        assert {row.document for row in rows} == {"purchase-orders/PO-0001"}
        order = await purchasing.purchase_order(ordered)
        assert order.status is PurchaseStatus.ORDERED
        assert (await sku_row("MUG-1")).stock_value == 0  # not ours yet
        assert (await verify()).ok

    async def test_orders_are_numbered_in_sequence_or_as_given(self, ordered: str) -> None:
        """PO-0001, PO-0002, …; a given number is kept, and an automatic one steps over it."""
        given = await purchasing.create_order("Acme", CLERK, number="PO-0003")
        second = await purchasing.create_order("Acme", CLERK)
        third = await purchasing.create_order("Acme", CLERK)
        assert (given.number, second.number, third.number) == ("PO-0003", "PO-0002", "PO-0004")

    async def test_concurrent_creations_get_distinct_numbers(self, database: str) -> None:
        """Ten orders created at once get ten different numbers."""
        await purchasing.add_supplier("Acme")
        orders = await asyncio.gather(*(purchasing.create_order("Acme", CLERK) for _ in range(10)))
        assert sorted(o.number for o in orders) == [f"PO-{n:04d}" for n in range(1, 11)]

    async def test_incoming_by_order_names_the_order_and_its_date(self, ordered: str) -> None:
        """The read model of incoming: per open line, with order, supplier and expected date."""
        incoming = await purchasing.incoming_by_order("MUG-1")
        assert incoming == [
            purchasing.IncomingLine("MUG-1", ordered, "Acme", "main", 10, date(2026, 12, 24))
        ]
        await purchasing.receive_line(ordered, "MUG-1", 4, CLERK)
        assert [i.quantity for i in await purchasing.incoming_by_order("MUG-1")] == [6]
        assert len(await purchasing.incoming_by_order()) == 2


class TestReceiving:
    async def test_a_partial_receipt_then_the_rest_then_an_over_receipt(self, ordered: str) -> None:
        """4 then 6 receive the line; 2 more is refused, then forced as an over-receipt."""
        result = await purchasing.receive_line(ordered, "MUG-1", 4, CLERK)
        assert result.order.status is PurchaseStatus.PARTIALLY_RECEIVED
        assert await balance("MUG-1", "available") == 4
        assert (await sku_row("MUG-1")).incoming == 6
        await purchasing.receive_line(ordered, "MUG-1", 6, CLERK)
        before = await written()
        with pytest.raises(OverReceipt, match="use force"):
            await purchasing.receive_line(ordered, "MUG-1", 2, CLERK)
        assert await written() == before
        result = await purchasing.receive_line(ordered, "MUG-1", 2, CLERK, force=True)
        line = result.order.lines[1]
        assert (line.sku, line.received, line.over_received, line.open) == ("MUG-1", 10, 2, 0)
        assert await balance("MUG-1", "available") == 12
        assert (await sku_row("MUG-1")).incoming == 0
        assert (await verify()).ok

    async def test_receipts_set_the_value_at_their_cost(self, ordered: str) -> None:
        """4 at the line's 4.00, then 6 at 5.00 named: the average is 4.60."""
        await purchasing.receive_line(ordered, "MUG-1", 4, CLERK)
        await purchasing.receive_line(ordered, "MUG-1", 6, CLERK, unit_cost="5.00")
        mug = await sku_row("MUG-1")
        assert mug.stock_value == value_of(4, Decimal(4)) + value_of(6, Decimal(5))
        assert Decimal(mug.average_cost) == Decimal("4.6")
        assert (await verify()).ok

    async def test_damaged_units_go_to_damaged(self, ordered: str) -> None:
        """Receiving 5 with 2 damaged: 3 available, 2 damaged, 5 out of incoming."""
        result = await purchasing.receive_line(ordered, "MUG-1", 5, CLERK, damaged=2)
        assert (await balance("MUG-1", "available"), await balance("MUG-1", "damaged")) == (3, 2)
        assert result.order.lines[1].received_damaged == 2
        assert (await sku_row("MUG-1")).incoming == 5

    async def test_receiving_every_open_line_at_once(self, ordered: str) -> None:
        """Receiving all takes what is open on every line, in one posting: the order is received."""
        await purchasing.receive_line(ordered, "MUG-1", 3, CLERK)
        result = await purchasing.receive_all(ordered, CLERK)
        assert result.order.status is PurchaseStatus.RECEIVED
        assert (await balance("MUG-1", "available"), await balance("CUP-1", "available")) == (10, 5)
        rows = await models.Movement.filter(kind="receive", posting=result.posting)
        assert {row.sku_id: row.quantity for row in rows} == {"MUG-1": 7, "CUP-1": 5}
        closed = await purchasing.close(ordered)
        assert closed.status is PurchaseStatus.CLOSED

    async def test_a_receipt_key_records_once(self, ordered: str) -> None:
        """The same key and receipt twice records once; another receipt on it is refused."""
        first = await purchasing.receive_line(ordered, "MUG-1", 4, CLERK, key="scan-1")
        again = await purchasing.receive_line(ordered, "MUG-1", 4, CLERK, key="scan-1")
        assert (first.applied, again.applied, again.posting) == (True, False, first.posting)
        assert await balance("MUG-1", "available") == 4
        with pytest.raises(IdempotencyConflict):
            await purchasing.receive_line(ordered, "MUG-1", 5, CLERK, key="scan-1")
        assert await balance("MUG-1", "available") == 4

    async def test_a_repeated_key_is_a_no_op_even_once_the_line_is_full(self, ordered: str) -> None:
        """Scanning the last delivery twice: the repeat is not an over-receipt."""
        await purchasing.receive_line(ordered, "MUG-1", 10, CLERK, key="scan-1")
        again = await purchasing.receive_line(ordered, "MUG-1", 10, CLERK, key="scan-1")
        assert not again.applied

    async def test_racing_receipts_never_receive_more_than_ordered(
        self, ordered: str, database: str
    ) -> None:
        """Eight receipts of 3 race on a line of 10: three succeed, the rest are refused."""
        outcomes = await asyncio.gather(
            *(purchasing.receive_line(ordered, "MUG-1", 3, CLERK) for _ in range(8)),
            return_exceptions=True,
        )
        done = [o for o in outcomes if isinstance(o, purchasing.PurchaseResult)]
        refused = [o for o in outcomes if isinstance(o, OverReceipt)]
        assert (len(done), len(refused)) == (3, 5), outcomes
        line = await PurchaseOrderLine.get(sku_id="MUG-1")
        assert (line.received, line.over_received) == (9, 0)
        assert await balance("MUG-1", "available") == 9
        assert (await sku_row("MUG-1")).incoming == 1
        assert (await verify()).ok


class TestChangingAnOrder:
    async def test_cancelling_the_rest_of_a_line(self, ordered: str) -> None:
        """After 4 of 10, cancelling the line gives 6 back to the supplier."""
        await purchasing.receive_line(ordered, "MUG-1", 4, CLERK)
        result = await purchasing.cancel(ordered, CLERK, "MUG-1")
        line = result.order.lines[1]
        assert (line.received, line.cancelled, line.open) == (4, 6, 0)
        assert (await sku_row("MUG-1")).incoming == 0
        assert result.order.status is PurchaseStatus.PARTIALLY_RECEIVED  # CUP-1 is still open
        await purchasing.receive_line(ordered, "CUP-1", 5, CLERK)
        assert (await purchasing.purchase_order(ordered)).status is PurchaseStatus.RECEIVED
        assert (await verify()).ok

    async def test_cancelling_an_order_cancels_every_open_line(self, ordered: str) -> None:
        """Cancelling the order: incoming back to the supplier, then it may be closed."""
        result = await purchasing.cancel(ordered, CLERK)
        assert result.order.status is PurchaseStatus.CANCELLED
        assert [(await sku_row(s)).incoming for s in ("MUG-1", "CUP-1")] == [0, 0]
        with pytest.raises(WrongState):
            await purchasing.receive_line(ordered, "MUG-1", 1, CLERK)
        assert (await purchasing.close(ordered)).status is PurchaseStatus.CLOSED

    async def test_editing_an_ordered_line_moves_incoming_by_the_difference(
        self, ordered: str
    ) -> None:
        """10 → 14 orders 4 more; 14 → 6 cancels 8; never below the 5 received."""
        await purchasing.edit_line(ordered, "MUG-1", CLERK, quantity=14)
        assert (await sku_row("MUG-1")).incoming == 14
        await purchasing.receive_line(ordered, "MUG-1", 5, CLERK)
        await purchasing.edit_line(ordered, "MUG-1", CLERK, quantity=6)
        assert (await sku_row("MUG-1")).incoming == 1
        kinds = [row.kind for row in await models.Movement.filter(sku_id="MUG-1").order_by("id")]
        assert kinds == ["purchase", "purchase", "receive", "purchase_cancel"]
        before = await written()
        with pytest.raises(BelowReceived):
            await purchasing.edit_line(ordered, "MUG-1", CLERK, quantity=4)
        assert await written() == before
        assert (await verify()).ok

    async def test_a_draft_line_is_removed_freely(self, database: str) -> None:
        """Before ordering, lines change without touching the ledger."""
        await add_sku("MUG-1")
        await purchasing.add_supplier("Acme")
        order = await purchasing.create_order("Acme", CLERK)
        await purchasing.add_line(order.number, "MUG-1", 3, CLERK, unit_cost=1)
        await purchasing.edit_line(order.number, "MUG-1", CLERK, quantity=4, unit_cost="1.5")
        removed = await purchasing.remove_line(order.number, "MUG-1")
        assert removed.lines == ()
        assert await models.Movement.all().count() == 0


class TestBadInputWritesNothing:
    async def test_each_bad_input_is_refused_with_nothing_written(self, ordered: str) -> None:
        """Unknown supplier, bad costs, wrong state, a line not on the order, a bad date."""
        before = await written()
        refusals = [
            (purchasing.create_order("Nobody", CLERK), UnknownSupplier),
            (purchasing.add_line(ordered, "MUG-1", 1, CLERK, unit_cost="-1"), CostError),
            (purchasing.add_line(ordered, "NEW-1", 1, CLERK, unit_cost="x"), CostError),
            (purchasing.receive_line(ordered, "MUG-1", 1, CLERK, unit_cost="-2"), CostError),
            (purchasing.remove_line(ordered, "MUG-1"), WrongState),
            (purchasing.close(ordered), WrongState),
            (purchasing.receive_line(ordered, "TEA-1", 1, CLERK), LineNotOnOrder),
            (purchasing.cancel(ordered, CLERK, "TEA-1"), LineNotOnOrder),
            (
                purchasing.create_order("Acme", CLERK, expected_on="24/12/2026"),
                PurchasingInputError,
            ),
            (purchasing.receive_line("PO-9999", "MUG-1", 1, CLERK), UnknownPurchaseOrder),
            (purchasing.receive_line(ordered, "MUG-1", 0, CLERK), InvalidMovement),
            (purchasing.receive_line(ordered, "MUG-1", 2, CLERK, damaged=3), PurchasingInputError),
            (purchasing.add_line(ordered, "NEW-1", 1, CLERK, unit_cost="1"), UnknownSku),
            (purchasing.place_order(ordered, CLERK), WrongState),
        ]
        for call, error in refusals:
            with pytest.raises(error) as refused:
                await call
            assert isinstance(refused.value, LedgerError)
        assert await written() == before

    async def test_an_order_without_lines_cannot_be_placed(self, database: str) -> None:
        """Ordering nothing is refused, and the order stays a draft."""
        await purchasing.add_supplier("Acme")
        order = await purchasing.create_order("Acme", CLERK)
        with pytest.raises(PurchasingInputError, match="no lines"):
            await purchasing.place_order(order.number, CLERK)
        assert (await purchasing.purchase_order(order.number)).status is PurchaseStatus.DRAFT


class TestCorrections:
    async def test_a_receipt_on_an_order_is_not_reversed_alone(self, ordered: str) -> None:
        """Reversing the receipt's movement would leave the line counting the units as
        received: it is refused, pointing to the order's own corrections, and nothing is
        written."""
        await purchasing.receive_line(ordered, "MUG-1", 4, CLERK)
        receipt = await models.Movement.get(kind="receive")
        before = await written()
        with pytest.raises(NotReversible, match="po cancel"):
            await use_stock.reverse(receipt.id, CLERK)
        assert await written() == before

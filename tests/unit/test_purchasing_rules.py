"""The pure rules of purchase orders: a line's open quantity, receipts and states."""

from __future__ import annotations

from decimal import Decimal

import pytest

from syncbot.ledger import Bucket
from syncbot.ledger.purchasing import (
    LineState,
    OverReceipt,
    PurchaseStatus,
    PurchasingInputError,
    Receipt,
    auto_number,
    check_number,
    document_of,
    parse_date,
    status_after,
)


def split(line: LineState, quantity: int, damaged: int = 0, *, force: bool = False) -> Receipt:
    return Receipt.split(line, quantity, damaged, number="PO-1", sku="MUG-1", force=force)


class TestReceipts:
    def test_a_receipt_within_the_open_quantity_comes_out_of_incoming(self) -> None:
        """4 of an open 10: all from incoming, nothing in excess."""
        assert split(LineState(10), 4) == Receipt(4, 0, 0)

    def test_more_than_open_is_refused_unless_forced(self) -> None:
        """12 of an open 10 is an over-receipt; forced, 2 come from the supplier."""
        with pytest.raises(OverReceipt) as refused:
            split(LineState(10, received=3), 12)
        assert refused.value.open_quantity == 7
        assert split(LineState(10, received=3), 12, force=True) == Receipt(7, 5, 0)

    def test_damaged_units_count_against_the_order_first(self) -> None:
        """3 of 12 damaged on an open 10: 7 + 3 from incoming, 2 from the supplier."""
        movements = split(LineState(10), 12, 3, force=True).movements(
            "MUG-1", "main", Decimal("4"), "PO-1 received"
        )
        routes = [(m.source.bucket, m.destination.bucket, m.quantity) for m in movements]
        assert routes == [
            (Bucket.INCOMING, Bucket.AVAILABLE, 7),
            (Bucket.INCOMING, Bucket.DAMAGED, 3),
            (Bucket.SUPPLIER, Bucket.AVAILABLE, 2),
        ]
        assert {m.unit_cost for m in movements} == {Decimal(4)}

    def test_damaged_cannot_exceed_the_quantity(self) -> None:
        """--damaged 3 of a receipt of 2 is malformed."""
        with pytest.raises(PurchasingInputError):
            split(LineState(10), 2, 3)


class TestStates:
    @pytest.mark.parametrize(
        ("lines", "status"),
        [
            ([LineState(10)], PurchaseStatus.ORDERED),
            ([LineState(10, received=4)], PurchaseStatus.PARTIALLY_RECEIVED),
            ([LineState(10, received=4, cancelled=6)], PurchaseStatus.RECEIVED),
            ([LineState(10, cancelled=10)], PurchaseStatus.CANCELLED),
            ([LineState(10, received=10), LineState(5)], PurchaseStatus.PARTIALLY_RECEIVED),
        ],
    )
    def test_a_placed_orders_state_follows_its_lines(
        self, lines: list[LineState], status: PurchaseStatus
    ) -> None:
        """Received once nothing is open, partly while something is, cancelled if none came."""
        assert status_after(True, lines) is status

    def test_a_draft_stays_a_draft(self) -> None:
        """Nothing is received before an order is placed."""
        assert status_after(False, [LineState(3)]) is PurchaseStatus.DRAFT


class TestNamesAndDates:
    def test_numbers_and_documents(self) -> None:
        """PO-0001 is the first automatic number; its postings name purchase-orders/PO-0001."""
        assert auto_number(1) == "PO-0001"
        assert auto_number(12345) == "PO-12345"
        assert document_of("PO-0001") == "purchase-orders/PO-0001"
        with pytest.raises(PurchasingInputError):
            check_number("PO 1")

    def test_a_date_is_yyyy_mm_dd(self) -> None:
        """24/12/2026 is refused with the format to use."""
        assert parse_date(" 2026-12-24 ").isoformat() == "2026-12-24"
        with pytest.raises(PurchasingInputError, match="YYYY-MM-DD"):
            parse_date("24/12/2026")

"""An order's record, folded purely: the newest snapshot wins, returns wait for their SKU,
and lines the store cannot hold are parked with their reason while the rest applies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from syncbot.ledger.limits import MAX_QUANTITY
from syncbot.ledger.orders import (
    RETURN,
    Disposition,
    OrderLine,
    OrderRecord,
    OrderReturn,
    OrderSnapshot,
    ReturnLine,
    decode,
    encode,
    receive,
    settle,
    skus,
)

T0 = datetime(2026, 11, 1, 12, tzinfo=UTC)


def snapshot(minutes: int, *lines: OrderLine) -> OrderSnapshot:
    return OrderSnapshot("1001", T0 + timedelta(minutes=minutes), lines)


def line(line_id: str, sku: str, current: int = 2, fulfilled: int = 0) -> OrderLine:
    return OrderLine(line_id, sku, quantity=current, current=current, fulfilled=fulfilled)


def test_an_older_snapshot_changes_nothing() -> None:
    """A snapshot older than the one applied is ignored, whole."""
    record, moved, _ = settle(receive(OrderRecord(), snapshot(5, line("L1", "MUG"))), {"MUG"})
    assert len(moved) == 1
    again, moved, _ = settle(receive(record, snapshot(1, line("L1", "MUG", 0))), {"MUG"})
    assert moved == []
    assert again == record


def test_a_line_with_an_unknown_sku_is_parked_and_applied_once_known() -> None:
    """The snapshot is kept whole, so the line applies the moment its SKU is added."""
    received = receive(OrderRecord(), snapshot(0, line("L1", "MUG"), line("L2", "NEW")))
    assert skus(received) == {"MUG", "NEW"}
    record, moved, parked = settle(received, {"MUG"})
    assert [m.sku for m in moved] == ["MUG"]
    assert [(p.line_id, p.sku, p.quantity) for p in parked] == [("L2", "NEW", 2)]
    assert "add it and the line is applied" in parked[0].reason
    record, moved, parked = settle(receive(record, None), {"MUG", "NEW"})
    assert [m.sku for m in moved] == ["NEW"]
    assert parked == []


def test_a_return_waits_for_its_sku_and_applies_once() -> None:
    """A return line of an unknown SKU is parked under `return:` and applied when known."""
    back = OrderReturn("1001", (ReturnLine("R1", "L1", "NEW", 1, Disposition.RESTOCK),))
    record, moved, parked = settle(receive(OrderRecord(), back), set())
    assert moved == []
    assert [p.line_id for p in parked] == [RETURN + "R1"]
    record, moved, _ = settle(receive(record, back), {"NEW"})
    assert len(moved) == 1
    _, moved, parked = settle(receive(record, back), {"NEW"})
    assert moved == []
    assert parked == []


def test_a_line_the_store_cannot_hold_is_refused_and_the_rest_applies() -> None:
    """An over-limit quantity is parked with its reason; the other line posts."""
    huge = line("L2", "MUG", MAX_QUANTITY + 1)
    record, moved, parked = settle(
        receive(OrderRecord(), snapshot(0, line("L1", "TEE"), huge)), {"TEE", "MUG"}
    )
    assert [m.sku for m in moved] == ["TEE"]
    assert [(p.line_id, p.quantity) for p in parked] == [("L2", MAX_QUANTITY + 1)]
    assert "over the limit" in parked[0].reason
    assert record.latest is not None
    assert [ln.line_id for ln in record.latest.lines] == ["L1"]


def test_the_record_survives_its_json_form() -> None:
    """What the store saves decodes to the same record."""
    back = OrderReturn("1001", (ReturnLine("R1", "L1", "NEW", 1, Disposition.DAMAGED),))
    huge = line("L9", "BIG", MAX_QUANTITY + 1)
    received = receive(receive(OrderRecord(), snapshot(0, line("L1", "MUG"), huge)), back)
    record, _, _ = settle(received, {"MUG"})
    assert decode(encode(record)) == record

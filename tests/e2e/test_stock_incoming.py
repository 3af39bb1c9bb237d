"""GET /api/stock/{sku} names what is incoming, order by order, on the running service."""

from __future__ import annotations

from .conftest import SKU, Service


def test_the_stock_read_lists_incoming_by_order(running_service: Service) -> None:
    """Each open order line: its order, supplier, location, quantity still expected and
    expected date, soonest first; undated orders last."""
    service = running_service
    service.cli("supplier", "add", "Acme")
    service.cli("po", "create", "--supplier", "Acme", "--number", "PO-7")
    service.cli("po", "add", "PO-7", SKU, "2", "--cost", "4.00")
    service.cli("po", "order", "PO-7")
    service.cli("po", "create", "--supplier", "Acme", "--location", "east", "--expected",
                "2026-12-24", "--number", "PO-8")  # fmt: skip
    service.cli("po", "add", "PO-8", SKU, "10", "--cost", "4.00")
    service.cli("po", "order", "PO-8")
    service.cli("po", "receive", "PO-8", SKU, "4")

    stock = service.stock(SKU)

    assert stock["incoming"] == [
        {"order": "PO-8", "supplier": "Acme", "location": "east", "quantity": 6,
         "expected_on": "2026-12-24"},
        {"order": "PO-7", "supplier": "Acme", "location": "main", "quantity": 2,
         "expected_on": None},
    ]  # fmt: skip
    assert stock["locations"]["east"]["incoming"] == 6
    assert stock["total"]["incoming"] == 8


def test_a_sku_with_nothing_on_order_has_no_incoming(running_service: Service) -> None:
    """`incoming` is an empty list, never absent."""
    assert running_service.stock(SKU)["incoming"] == []

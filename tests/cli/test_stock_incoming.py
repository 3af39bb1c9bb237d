"""`syncbot stock SKU` shows what is incoming under its quantities, order by order."""

from __future__ import annotations

from .conftest import Cli, quantities, stocked, table_rows


def test_stock_lists_incoming_by_order_soonest_first(cli: Cli) -> None:
    """Each open order's line: order, supplier, location, quantity still expected, date."""
    cli.ok("sku", "add", "MUG-1")
    cli.ok("supplier", "add", "Acme")
    cli.ok("supplier", "add", "Brill")
    cli.ok("po", "create", "--supplier", "Acme", "--expected", "2026-12-24")
    cli.ok("po", "add", "PO-0001", "MUG-1", "10", "--cost", "4.00")
    cli.ok("po", "order", "PO-0001")
    cli.ok("po", "create", "--supplier", "Brill", "--location", "east", "--expected", "2026-12-20")
    cli.ok("po", "add", "PO-0002", "MUG-1", "3", "--cost", "4.20")
    cli.ok("po", "order", "PO-0002")
    cli.ok("po", "receive", "PO-0001", "MUG-1", "4")

    out = cli.ok("stock", "MUG-1").stdout

    assert quantities(out, "main") == stocked(available=4, incoming=6)
    assert "incoming on open purchase orders" in out
    incoming = [row for row in table_rows(out) if row[0].startswith("PO-")]
    assert incoming == [
        ["PO-0002", "Brill", "east", "3", "2026-12-20"],
        ["PO-0001", "Acme", "main", "6", "2026-12-24"],
    ]


def test_stock_without_open_orders_shows_no_incoming_table(cli: Cli) -> None:
    """A SKU nothing is ordered of shows its quantities only."""
    cli.ok("sku", "add", "MUG-1")
    cli.ok("receive", "MUG-1", "2")
    assert "incoming on open purchase orders" not in cli.ok("stock", "MUG-1").stdout

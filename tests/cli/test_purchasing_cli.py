"""Purchasing from the command line: suppliers, orders, receipts and the CSV import."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import Cli, quantities, stocked, table_rows


@pytest.fixture
def acme(cli: Cli) -> Cli:
    """The CLI with MUG-1 and CUP-1, and the supplier Acme."""
    cli.ok("sku", "add", "MUG-1")
    cli.ok("sku", "add", "CUP-1")
    cli.ok("supplier", "add", "Acme", "--lead-time", "7")
    return cli


@pytest.fixture
def ordered(acme: Cli) -> Cli:
    """PO-0001 for 10 MUG-1 at 4.00, ordered, expected 24 Dec."""
    acme.ok("po", "create", "--supplier", "Acme", "--expected", "2026-12-24")
    acme.ok("po", "add", "PO-0001", "MUG-1", "10", "--cost", "4.00")
    acme.ok("po", "order", "PO-0001")
    return acme


def written(cli: Cli) -> tuple[object, ...]:
    """Everything a refused command must leave as it was."""
    counts = cli.sql(
        "SELECT (SELECT COUNT(*) FROM movement) AS m, (SELECT COUNT(*) FROM purchase_order) AS o,"
        " (SELECT COUNT(*) FROM purchase_order_line) AS l,"
        " (SELECT COUNT(*) FROM supplier) AS s,"
        " (SELECT COALESCE(SUM(quantity + received + cancelled), 0)"
        "  FROM purchase_order_line) AS q"
    )[0]
    return tuple(int(value) for value in counts.values())


class TestSuppliers:
    def test_a_supplier_is_added_listed_and_given_terms(self, acme: Cli) -> None:
        """supplier add, list, and set --sku keeps its terms for that SKU."""
        assert table_rows(acme.ok("supplier", "list").stdout) == [["Acme", "7", ""]]
        out = acme.ok(
            "supplier", "set", "Acme", "--lead-time", "5", "--sku", "MUG-1",
            "--supplier-sku", "AC-77", "--minimum", "24", "--case-pack", "6", "--cost", "3.9",
        ).stdout  # fmt: skip
        assert table_rows(out) == [["MUG-1", "AC-77", "24", "6", "3.90"]]
        assert "lead time 5 days" in acme.ok("supplier", "show", "Acme").stdout

    def test_a_line_without_a_cost_takes_the_suppliers_last_cost(self, acme: Cli) -> None:
        """po add with no --cost uses the cost the supplier's terms keep."""
        acme.ok("supplier", "set", "Acme", "--sku", "MUG-1", "--cost", "3.90")
        acme.ok("po", "create", "--supplier", "Acme")
        rows = table_rows(acme.ok("po", "add", "PO-0001", "MUG-1", "2").stdout)
        assert rows[0][:3] == ["MUG-1", "2", "3.90"]


class TestOrderToShelf:
    def test_ordering_then_receiving_in_two_deliveries(self, ordered: Cli) -> None:
        """Ordered: 10 incoming. Received 4 then 6 (1 damaged): on the shelf, none incoming."""
        assert quantities(ordered.ok("stock", "MUG-1").stdout, "main") == stocked(incoming=10)
        ordered.ok("po", "receive", "PO-0001", "MUG-1", "4")
        assert quantities(ordered.ok("stock", "MUG-1").stdout, "main") == stocked(
            available=4, incoming=6
        )
        out = ordered.ok("po", "receive", "PO-0001", "MUG-1", "6", "--damaged", "1").stdout
        assert "PO-0001 received" in out
        assert quantities(ordered.ok("stock", "MUG-1").stdout, "main") == stocked(
            available=9, damaged=1
        )
        history = ordered.ok("history", "MUG-1").stdout
        assert "PO-0001 received" in history
        ordered.ok("po", "close", "PO-0001")
        assert table_rows(ordered.ok("po", "list").stdout)[0][:2] == ["PO-0001", "closed"]
        assert "no purchase orders open" in ordered.ok("po", "list", "--open").stdout
        ordered.ok("verify")

    def test_an_over_receipt_is_refused_then_forced(self, ordered: Cli) -> None:
        """12 of 10 is refused with a hint; --force records 2 over-received."""
        refused = ordered("po", "receive", "PO-0001", "MUG-1", "12")
        assert refused.exit_code == 1
        assert "use force" in refused.stderr
        rows = table_rows(ordered.ok("po", "receive", "PO-0001", "MUG-1", "12", "--force").stdout)
        assert rows == [["MUG-1", "10", "4.00", "10", "0", "2", "0", "0"]]

    def test_a_receipt_key_records_once(self, ordered: Cli) -> None:
        """The same --key twice: the second records nothing new."""
        ordered.ok("po", "receive", "PO-0001", "MUG-1", "3", "--key", "dock-1")
        again = ordered.ok("po", "receive", "PO-0001", "MUG-1", "3", "--key", "dock-1")
        assert "already applied" in again.stdout
        assert quantities(ordered.ok("stock", "MUG-1").stdout, "main")["available"] == 3

    def test_receive_all_then_cancel_and_edit(self, ordered: Cli) -> None:
        """edit raises incoming; cancel of a line gives the rest back; --all takes the others."""
        ordered.ok("po", "add", "PO-0001", "CUP-1", "5", "--cost", "2")
        ordered.ok("po", "edit", "PO-0001", "MUG-1", "12")
        assert quantities(ordered.ok("stock", "MUG-1").stdout, "main")["incoming"] == 12
        ordered.ok("po", "cancel", "PO-0001", "CUP-1")
        ordered.ok("po", "receive", "PO-0001", "--all")
        shown = ordered.ok("po", "show", "PO-0001").stdout
        assert "PO-0001 received" in shown
        assert table_rows(shown) == [
            ["CUP-1", "5", "2.00", "0", "0", "0", "5", "0"],
            ["MUG-1", "12", "4.00", "12", "0", "0", "0", "0"],
        ]


class TestBadInput:
    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (("po", "create", "--supplier", "Nobody"), "unknown supplier"),
            (("po", "create", "--supplier", "Acme", "--expected", "24.12.2026"), "is not a date"),
            (("po", "add", "PO-0001", "CUP-1", "1", "--cost", "-1"), "cannot be negative"),
            (("po", "add", "PO-0001", "CUP-1", "1", "--cost", "abc"), "decimal number"),
            (("po", "receive", "PO-0001", "CUP-1", "1"), "has no line for 'CUP-1'"),
            (("po", "receive", "PO-0001", "MUG-1", "-1"), "must be positive"),
            (("po", "remove", "PO-0001", "MUG-1"), "is ordered"),
            (("po", "order", "PO-0001"), "is ordered"),
            (("po", "close", "PO-0001"), "is ordered"),
            (("po", "show", "PO-9"), "no purchase order 'PO-9'"),
            (("po", "receive", "PO-0001"), "give SKU and QTY, or --all"),
        ],
    )
    def test_a_bad_command_is_one_line_and_writes_nothing(
        self, ordered: Cli, args: tuple[str, ...], message: str
    ) -> None:
        """Each refusal is one red line naming the problem; nothing changes."""
        before = written(ordered)
        result = ordered(*args)
        assert result.exit_code in (1, 2)
        assert message in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
        assert written(ordered) == before


class TestImport:
    def test_a_csv_creates_draft_orders_with_their_lines(self, acme: Cli, tmp_path: Path) -> None:
        """Two orders from one file, as drafts with every line."""
        path = tmp_path / "orders.csv"
        path.write_text(
            "po,supplier,location,expected,sku,quantity,unit_cost\n"
            "PO-A,Acme,main,2026-12-24,MUG-1,10,4.00\n"
            "PO-A,Acme,,,CUP-1,5,2.50\n"
            "PO-B,Acme,east,,MUG-1,3,4.10\n",
            encoding="utf-8",
        )
        out = acme.ok("po", "import", str(path)).stdout
        assert "imported 2 order(s) as drafts, 3 line(s)" in out
        rows = table_rows(acme.ok("po", "list").stdout)
        assert [row[:4] for row in rows] == [
            ["PO-B", "draft", "Acme", "east"],
            ["PO-A", "draft", "Acme", "main"],
        ]

    def test_a_bad_csv_names_every_bad_line_and_writes_nothing(
        self, acme: Cli, tmp_path: Path
    ) -> None:
        """Bad rows are named by line; the good rows are not written either."""
        path = tmp_path / "orders.csv"
        path.write_text(
            "po,supplier,sku,quantity,unit_cost,expected\n"
            "PO-A,Acme,MUG-1,10,4.00,\n"
            "PO-B,Nobody,MUG-1,1,1,\n"
            "PO-C,Acme,MUG-1,x,1,\n"
            "PO-D,Acme,MUG-1,1,-1,\n"
            "PO-E,Acme,MUG-1,1,1,tomorrow\n"
            "PO-F,Acme,NOPE-1,1,1,\n",
            encoding="utf-8",
        )
        before = written(acme)
        result = acme("po", "import", str(path))
        assert result.exit_code == 1
        for line, problem in [
            (3, "unknown supplier 'Nobody'"),
            (4, "quantity 'x' is not a whole number"),
            (5, "a cost cannot be negative"),
            (6, "'tomorrow' is not a date"),
            (7, "unknown SKU 'NOPE-1'"),
        ]:
            assert f"line {line}: {problem}" in result.stderr
        assert "line 2" not in result.stderr
        assert written(acme) == before

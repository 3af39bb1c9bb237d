"""Barcodes from the command line: add, list, remove; one barcode names one SKU, and a
refusal names the SKU that holds it and writes nothing."""

from __future__ import annotations

import pytest

from .conftest import Cli, quantities, stocked, table_rows


@pytest.fixture
def shop(cli: Cli) -> Cli:
    """The CLI with SKUs MUG-1 and TEE/RED-M in the catalogue."""
    cli.ok("sku", "add", "MUG-1")
    cli.ok("sku", "add", "TEE/RED-M")
    return cli


def barcode_rows(cli: Cli) -> list[tuple[str, str]]:
    rows = cli.sql("SELECT barcode, sku_id FROM sku_barcode ORDER BY barcode")
    return [(row["barcode"], row["sku_id"]) for row in rows]


class TestBarcodes:
    def test_an_added_barcode_is_listed_with_its_sku(self, shop: Cli) -> None:
        """`sku barcode add` gives the barcode to the SKU; `list` shows every one, or one
        SKU's."""
        shop.ok("sku", "barcode", "add", "MUG-1", "4006381333931")
        shop.ok("sku", "barcode", "add", "TEE/RED-M", "INT-RED-M")

        assert shop.ok("sku", "barcode", "list").stdout.splitlines() == [
            "4006381333931\tMUG-1\tgtin",
            "INT-RED-M\tTEE/RED-M\tinternal",
        ]
        assert shop.ok("sku", "barcode", "list", "TEE/RED-M").stdout == (
            "INT-RED-M\tTEE/RED-M\tinternal\n"
        )
        assert shop.sql("SELECT kind FROM sku_barcode ORDER BY barcode") == [
            {"kind": "gtin"},
            {"kind": "internal"},
        ]

    def test_a_barcode_held_by_another_sku_is_refused_naming_it(self, shop: Cli) -> None:
        """A barcode names one SKU: giving it to a second is refused, and it stays put."""
        shop.ok("sku", "barcode", "add", "MUG-1", "4006381333931")

        result = shop("sku", "barcode", "add", "TEE/RED-M", "4006381333931")

        assert result.exit_code == 1
        assert "already belongs to SKU MUG-1" in result.stderr
        assert barcode_rows(shop) == [("4006381333931", "MUG-1")]

    def test_adding_the_same_barcode_to_the_same_sku_again_changes_nothing(self, shop: Cli) -> None:
        shop.ok("sku", "barcode", "add", "MUG-1", "123")
        shop.ok("sku", "barcode", "add", "MUG-1", "123")
        assert barcode_rows(shop) == [("123", "MUG-1")]

    def test_removing_frees_the_barcode(self, shop: Cli) -> None:
        """After `remove`, the barcode names no SKU and another may take it."""
        shop.ok("sku", "barcode", "add", "MUG-1", "123")

        assert shop.ok("sku", "barcode", "remove", "123").stdout == (
            "barcode 123 removed from SKU MUG-1\n"
        )
        shop.ok("sku", "barcode", "add", "TEE/RED-M", "123")
        assert barcode_rows(shop) == [("123", "TEE/RED-M")]

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (("add", "MUG-1", "has space"), "1 to 64 printable characters"),
            (("add", "MUG-1", "x" * 65), "1 to 64 printable characters"),
            (("add", "MUG-1", "caf\u00e9"), "1 to 64 printable characters"),
            (("add", "MUG-1", "4006381333932"), "its check digit is 2, not 1"),
            (("add", "MUG-1", "036000291453"), "GTIN-12 but its check digit is 3, not 2"),
            (("add", "NOPE", "123"), "unknown SKU 'NOPE'"),
            (("remove", "999"), "barcode 999 names no SKU"),
            (("list", "NOPE"), "unknown SKU 'NOPE'"),
        ],
    )
    def test_bad_input_is_refused_in_one_line_and_nothing_is_written(
        self, shop: Cli, args: tuple[str, ...], message: str
    ) -> None:
        result = shop("sku", "barcode", *args)

        assert result.exit_code in (1, 2)
        assert message in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
        assert barcode_rows(shop) == []


EAN = "4006381333931"


@pytest.fixture
def scanned(shop: Cli) -> Cli:
    """MUG-1 with the EAN-13 4006381333931 and the internal code INT-MUG."""
    shop.ok("sku", "barcode", "add", "MUG-1", EAN)
    shop.ok("sku", "barcode", "add", "MUG-1", "INT-MUG")
    return shop


class TestABarcodeWorksWhereASkuDoes:
    def test_recording_commands_post_to_the_sku_the_barcode_names(self, scanned: Cli) -> None:
        """receive, damage, count and adjust take a barcode and record its SKU."""
        scanned.ok("receive", EAN, "10")
        scanned.ok("damage", "INT-MUG", "1")
        scanned.ok("adjust", EAN, "-2", "--reason", "lost")
        out = scanned.ok("count", EAN, "5").stdout

        assert quantities(out, "main") == stocked(available=4, damaged=1)
        rows = scanned.sql("SELECT DISTINCT sku_id FROM movement")
        assert rows == [{"sku_id": "MUG-1"}]

    def test_stock_and_history_read_the_sku_a_barcode_names(self, scanned: Cli) -> None:
        scanned.ok("receive", "MUG-1", "3")

        assert quantities(scanned.ok("stock", EAN).stdout, "total") == stocked(available=3)
        history = scanned.ok("history", "INT-MUG").stdout
        assert "MUG-1: movements" in history
        assert len(table_rows(history)) == 1

    def test_purchase_orders_take_a_barcode_for_a_line(self, scanned: Cli) -> None:
        """po add and po receive name the line by a barcode."""
        scanned.ok("supplier", "add", "Acme")
        scanned.ok("po", "create", "--supplier", "Acme")
        scanned.ok("po", "add", "PO-0001", EAN, "6", "--cost", "2")
        scanned.ok("po", "order", "PO-0001")
        scanned.ok("po", "receive", "PO-0001", "INT-MUG", "4")

        stock = scanned.ok("stock", "MUG-1").stdout
        assert quantities(stock, "total") == stocked(available=4, incoming=2)

    def test_a_key_replayed_by_barcode_is_the_same_posting(self, scanned: Cli) -> None:
        """The barcode is resolved before the posting's fingerprint: a retry that scans
        instead of typing the SKU records nothing new and is no key conflict."""
        scanned.ok("receive", "MUG-1", "3", "--key", "dock-1")

        again = scanned.ok("receive", EAN, "3", "--key", "dock-1")

        assert "key 'dock-1' was already applied: nothing new recorded" in again.stdout
        assert scanned.movement_count() == 1
        assert scanned.sql("SELECT COUNT(*) AS n FROM idempotency_conflict") == [{"n": 0}]

    def test_an_unknown_code_is_refused_and_nothing_is_written(self, scanned: Cli) -> None:
        result = scanned("receive", "5012345678900", "1")

        assert result.exit_code == 1
        assert "unknown SKU '5012345678900'" in result.stderr
        assert scanned.movement_count() == 0

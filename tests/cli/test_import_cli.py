"""`syncbot import`: every bad row named by row, column and reason with nothing written;
a dry run writes nothing; the same file imported twice changes nothing the second time."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import Cli, quantities, stocked


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def sku_count(cli: Cli) -> int:
    return int(cli.sql("SELECT COUNT(*) AS n FROM sku")[0]["n"])


SKUS = "sku,name,reorder_point\nMUG-1,Mug,5\nTEE-1,T-shirt,\nCAP-1,Cap,2\n"


class TestSkus:
    def test_adds_skus_and_a_second_import_changes_nothing(self, cli: Cli, tmp_path: Path) -> None:
        """The second import of the same file finds every SKU as it states it."""
        path = write(tmp_path, "skus.csv", SKUS)
        first = cli.ok("import", "skus", path)
        assert "3 added, 0 changed, 0 unchanged" in first.output
        second = cli.ok("import", "skus", path)
        assert "0 added, 0 changed, 3 unchanged" in second.output
        assert cli.sql("SELECT name, reorder_point FROM sku WHERE code = 'MUG-1'") == [
            {"name": "Mug", "reorder_point": 5}
        ]

    def test_a_changed_name_is_changed_and_an_empty_cell_keeps_what_is_held(
        self, cli: Cli, tmp_path: Path
    ) -> None:
        """Only what a row states changes; its empty cells keep the SKU's values."""
        cli.ok("import", "skus", write(tmp_path, "skus.csv", SKUS))
        result = cli.ok("import", "skus", write(tmp_path, "b.csv", "sku,name\nMUG-1,Big mug\n"))
        assert "0 added, 1 changed" in result.output
        assert cli.sql("SELECT name, reorder_point FROM sku WHERE code = 'MUG-1'") == [
            {"name": "Big mug", "reorder_point": 5}
        ]

    def test_every_bad_row_is_named_by_row_column_and_reason_and_nothing_is_written(
        self, cli: Cli, tmp_path: Path
    ) -> None:
        """Good rows around bad ones are not written either: all or nothing."""
        text = "sku,name,reorder_point\nGOOD-1,Fine,1\nbad sku,x,1\nGOOD-2,y,-4\nGOOD-1,dup,\n"
        result = cli("import", "skus", write(tmp_path, "skus.csv", text))
        assert result.exit_code == 1
        assert "row 3, column sku: SKU 'bad sku' is not valid" in result.output
        assert "row 4, column reorder_point: -4 is outside 0" in result.output
        assert "row 5, column sku: this SKU is also on row 2" in result.output
        assert "nothing was imported: 3 bad row(s)" in result.output
        assert sku_count(cli) == 0

    def test_a_dry_run_writes_nothing(self, cli: Cli, tmp_path: Path) -> None:
        """It counts what it would add."""
        result = cli.ok("import", "skus", write(tmp_path, "skus.csv", SKUS), "--dry-run")
        assert "would import skus: 3 rows, 3 added" in result.output
        assert sku_count(cli) == 0

    def test_an_unknown_column_is_refused_before_any_row(self, cli: Cli, tmp_path: Path) -> None:
        """A misspelt header would otherwise drop a column silently."""
        result = cli("import", "skus", write(tmp_path, "skus.csv", "sku,nmae\nA-1,x\n"))
        assert result.exit_code == 1
        assert "row 1: unknown column(s) 'nmae'" in result.output


class TestStock:
    def test_opening_stock_is_received_at_cost_once(self, cli: Cli, tmp_path: Path) -> None:
        """Receipts at the given cost, the file as the document; the same file again posts
        nothing, even under another name."""
        cli.ok("import", "skus", write(tmp_path, "skus.csv", SKUS))
        text = "sku,location,quantity,unit_cost\nMUG-1,main,10,4.50\nMUG-1,east,3,\nTEE-1,,0,\n"
        path = write(tmp_path, "opening.csv", text)
        first = cli.ok("import", "stock", path)
        assert "2 added" in first.output
        assert quantities(cli.ok("stock", "MUG-1").output, "main") == stocked(available=10)
        assert quantities(cli.ok("stock", "MUG-1").output, "east") == stocked(available=3)
        rows = cli.sql("SELECT kind, document, reason, unit_cost FROM movement ORDER BY id")
        assert rows[0]["kind"] == "receive"
        assert rows[0]["document"] == "import/opening.csv"
        assert rows[0]["reason"] == "opening stock, row 2"
        assert float(rows[0]["unit_cost"]) == 4.5
        again = cli.ok("import", "stock", write(tmp_path, "renamed.csv", text))
        assert "imported before" in again.output
        assert cli.movement_count() == 2
        cli.ok("verify")

    def test_bad_rows_are_named_and_no_stock_is_posted(self, cli: Cli, tmp_path: Path) -> None:
        """An unknown SKU, a location not declared, a bad quantity and a bad cost."""
        cli.ok("import", "skus", write(tmp_path, "skus.csv", SKUS))
        text = (
            "sku,location,quantity,unit_cost\n"
            "MUG-1,main,10,4.50\n"
            "NOPE-1,main,1,\n"
            "TEE-1,attic,1,\n"
            "CAP-1,main,lots,\n"
            "CAP-1,east,1,-2\n"
        )
        result = cli("import", "stock", write(tmp_path, "stock.csv", text))
        assert result.exit_code == 1, result.output
        assert "row 3, column sku: unknown SKU 'NOPE-1'" in result.output
        assert "row 4, column location: unknown location 'attic'" in result.output
        assert "row 5, column quantity: 'lots' is not a whole number" in result.output
        assert "row 6, column unit_cost:" in result.output
        assert cli.movement_count() == 0

    def test_a_dry_run_posts_nothing(self, cli: Cli, tmp_path: Path) -> None:
        cli.ok("import", "skus", write(tmp_path, "skus.csv", SKUS))
        path = write(tmp_path, "stock.csv", "sku,quantity\nMUG-1,4\n")
        assert (
            "would import stock: 1 rows, 1 added"
            in cli.ok("import", "stock", path, "--dry-run").output
        )
        assert cli.movement_count() == 0


class TestCatalogueKinds:
    @pytest.fixture
    def skus(self, cli: Cli, tmp_path: Path) -> None:
        cli.ok("import", "skus", write(tmp_path, "skus.csv", SKUS + "GIFT-1,Gift set,\n"))

    def test_barcodes_bundles_and_costs_import_once(
        self, cli: Cli, tmp_path: Path, skus: None
    ) -> None:
        """Each kind's second import of the same file finds every row unchanged."""
        cli.ok("supplier", "add", "Acme")
        files = {
            "barcodes": "sku,barcode\nMUG-1,4006381333931\nTEE-1,TEE-INTERNAL\n",
            "bundles": "bundle,component,quantity\nGIFT-1,MUG-1,2\nGIFT-1,TEE-1,1\n",
            "costs": "supplier,sku,unit_cost,case_pack\nAcme,MUG-1,4.50,6\nAcme,TEE-1,3,\n",
        }
        for kind, text in files.items():
            path = write(tmp_path, f"{kind}.csv", text)
            assert "2 added" in cli.ok("import", kind, path).output or kind == "bundles"
            assert "0 added, 0 changed" in cli.ok("import", kind, path).output
        assert "MUG-1" in cli.ok("stock", "4006381333931").output
        assert "MUG-1:2" in cli.ok("bundle", "show", "GIFT-1").output

    def test_a_wrong_check_digit_and_a_taken_barcode_are_named(
        self, cli: Cli, tmp_path: Path, skus: None
    ) -> None:
        cli.ok("import", "barcodes", write(tmp_path, "a.csv", "sku,barcode\nMUG-1,4006381333931\n"))
        text = "sku,barcode\nTEE-1,4006381333931\nCAP-1,4006381333932\n"
        result = cli("import", "barcodes", write(tmp_path, "b.csv", text))
        assert result.exit_code == 1
        assert "row 2, column barcode: 4006381333931 already belongs to SKU MUG-1" in result.output
        assert "row 3, column barcode:" in result.output

    def test_listings_need_a_configured_channel(self, cli: Cli, tmp_path: Path, skus: None) -> None:
        text = "channel,sku,inventory_id\nnowhere,MUG-1,gid://1\n"
        result = cli("import", "listings", write(tmp_path, "l.csv", text))
        assert result.exit_code == 1
        assert "row 2, column channel: unknown channel 'nowhere'" in result.output

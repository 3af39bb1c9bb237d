"""Stock-takes from the command line: start, count, review, approve, post, cancel, list."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import Cli, quantities, table_rows


@pytest.fixture
def shelf(cli: Cli) -> Cli:
    """MUG-1 with 10 received at 4.00 and CUP-1 with 3, at main."""
    cli.ok("sku", "add", "MUG-1")
    cli.ok("sku", "add", "CUP-1")
    cli.ok("receive", "MUG-1", "10", "--cost", "4.00")
    cli.ok("receive", "CUP-1", "3")
    return cli


def row(output: str, sku: str) -> list[str]:
    return next(cells for cells in table_rows(output) if cells[0] == sku)


def written(cli: Cli) -> tuple[int, ...]:
    counts = cli.sql(
        "SELECT (SELECT COUNT(*) FROM movement) AS m, (SELECT COUNT(*) FROM stocktake) AS s,"
        " (SELECT COUNT(*) FROM stocktake_count) AS c"
    )[0]
    return tuple(int(value) for value in counts.values())


class TestSession:
    def test_a_count_is_reviewed_approved_and_posted(self, shelf: Cli) -> None:
        """7 of 10 mugs found: a 3-unit variance over a 2-unit threshold, approved, posted."""
        out = shelf.ok("stocktake", "start", "--name", "aisle", "--approve-over-units", "2")
        assert "stock-take 1 (aisle) started at main: 2 SKUs to count" in out.stdout
        shelf.ok("stocktake", "count", "aisle", "MUG-1", "4", "--area", "shelf")
        out = shelf.ok("stocktake", "count", "aisle", "MUG-1", "3", "--area", "back")
        assert "MUG-1 counted 7, expected 10" in out.stdout
        review = shelf.ok("stocktake", "review", "aisle").stdout
        assert row(review, "MUG-1")[:6] == ["MUG-1", "10", "7", "-3", "-30.0%", "-12.00"]
        assert row(review, "CUP-1")[:3] == ["CUP-1", "3", "not counted"]
        refused = shelf("stocktake", "post", "aisle")
        assert refused.exit_code == 1
        assert "approval" in refused.output
        shelf.ok("stocktake", "approve", "aisle", "--all")
        assert "1 count movements" in shelf.ok("stocktake", "post", "aisle").stdout
        assert "already posted" in shelf.ok("stocktake", "post", "aisle").stdout
        assert quantities(shelf.ok("stock", "MUG-1").stdout, "main")["on_hand"] == 7
        assert "ok" in shelf.ok("verify").stdout.lower()

    def test_review_as_csv(self, shelf: Cli) -> None:
        """--csv writes one row per line with its variance and value."""
        shelf.ok("stocktake", "start", "--skus", "MUG-*")
        shelf.ok("stocktake", "count", "1", "MUG-1", "11")
        lines = shelf.ok("stocktake", "review", "1", "--csv").stdout.splitlines()
        assert lines[0].startswith("sku,expected,counted,variance")
        assert lines[1] == "MUG-1,10,11,1,10.0,4.00,no,"

    def test_a_blind_count_does_not_show_expected(self, shelf: Cli) -> None:
        """A counter's answer in a blind session names no expected quantity."""
        shelf.ok("stocktake", "start", "--blind")
        out = shelf.ok("stocktake", "count", "1", "MUG-1", "9").stdout
        assert "expected" not in out

    def test_a_file_of_skus_and_the_list(self, shelf: Cli, tmp_path: Path) -> None:
        """--file scopes the session; list --open shows it, cancel closes it."""
        path = tmp_path / "skus.txt"
        path.write_text("# aisle 3\nCUP-1\n\n", encoding="utf-8")
        shelf.ok("stocktake", "start", "--file", str(path), "--location", "east")
        assert table_rows(shelf.ok("stocktake", "list", "--open").stdout)[0][:5] == [
            "1", "", "east", "open", "0/1",
        ]  # fmt: skip
        shelf.ok("stocktake", "cancel", "1")
        assert "no stock-takes" in shelf.ok("stocktake", "list", "--open").stdout


class TestRefusals:
    def test_bad_input_is_refused_and_writes_nothing(self, shelf: Cli) -> None:
        """Negative count, unknown SKU, unknown session, overlap: one line each, no rows."""
        shelf.ok("stocktake", "start", "--skus", "MUG-*")
        before = written(shelf)
        for args, says in [
            (("count", "1", "MUG-1", "-1"), "negative"),
            (("count", "1", "NOPE", "1"), "unknown SKU"),
            (("count", "9", "MUG-1", "1"), "no stock-take"),
            (("start",), "already in open stock-take"),
            (("approve", "1"), "one SKU or --all"),
            (("post", "1", "--uncounted", "maybe"), "leave or zero"),
        ]:
            result = shelf("stocktake", *args)
            assert result.exit_code != 0, args
            assert says in result.output, result.output
        assert written(shelf) == before

"""`syncbot export`: each kind as CSV with a header or as JSON lines, money as exact text,
--since keeping later movements only."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from .conftest import Cli


def stocked(cli: Cli) -> None:
    cli.ok("sku", "add", "MUG-1", "--name", "=Mug")
    cli.ok("sku", "add", "TEE-1")
    cli.ok("receive", "MUG-1", "10", "--cost", "4.50")
    cli.ok("receive", "TEE-1", "2", "--location", "east", "--cost", "3")
    cli.ok("damage", "MUG-1", "1")


def test_stock_as_csv_has_a_row_per_sku_and_location(cli: Cli) -> None:
    stocked(cli)
    rows = list(csv.DictReader(io.StringIO(cli.ok("export", "stock").stdout)))
    assert [(row["sku"], row["location"], row["on_hand"], row["damaged"]) for row in rows] == [
        ("MUG-1", "main", "10", "1"),
        ("TEE-1", "east", "2", "0"),
    ]


def test_movements_as_json_lines_carry_exact_money(cli: Cli) -> None:
    stocked(cli)
    lines = cli.ok("export", "movements", "--format", "jsonl").stdout.splitlines()
    movements = [json.loads(line) for line in lines]
    assert [m["kind"] for m in movements] == ["receive", "receive", "damage"]
    assert movements[0]["value"] == "45.00"
    assert movements[0]["unit_cost"].startswith("4.5")


def test_since_keeps_only_later_movements(cli: Cli) -> None:
    stocked(cli)
    later = cli.ok("export", "movements", "--since", "2999-01-01").stdout
    assert later.splitlines() == [later.splitlines()[0]]  # the header alone
    assert later.startswith("id,posting,kind,sku")


def test_skus_and_valuation_to_a_file(cli: Cli, tmp_path: Path) -> None:
    """A name a spreadsheet would run as a formula is quoted; the file gets every row."""
    stocked(cli)
    target = tmp_path / "skus.csv"
    cli.ok("export", "skus", "--output", str(target))
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert [(row["sku"], row["name"], row["on_hand"]) for row in rows] == [
        ("MUG-1", "'=Mug", "10"),
        ("TEE-1", "", "2"),
    ]
    valuation = list(csv.DictReader(io.StringIO(cli.ok("export", "valuation").stdout)))
    assert [row["value"] for row in valuation] == ["45.00", "6.00"]


def test_since_is_refused_for_stock(cli: Cli) -> None:
    result = cli("export", "stock", "--since", "2026-01-01")
    assert result.exit_code == 2
    assert "--since applies to skus and movements" in result.output

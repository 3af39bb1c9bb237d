"""Recording stock from the command line: receive, damage, count and adjust, then reading it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from syncbot.ledger.orders import OrderLine, OrderSnapshot
from syncbot.store.database import close_database, declare_locations, open_database
from syncbot.store.orders import record_order_event

from .conftest import Cli, quantities, stocked, table_rows

SKU = "MUG-1"


@pytest.fixture
def mug(cli: Cli) -> Cli:
    """The CLI with SKU MUG-1 in the catalogue and no stock yet."""
    cli.ok("sku", "add", SKU, "--name", "Blue mug", "--reorder-point", "2")
    return cli


class TestCatalogue:
    def test_an_added_sku_is_listed_with_its_name_and_reorder_point(self, mug: Cli) -> None:
        """sku add puts a SKU in the catalogue; sku list shows code, name and reorder point."""
        mug.ok("sku", "add", "TEE-RED-M")

        rows = table_rows(mug.ok("sku", "list").stdout)

        assert rows == [[SKU, "Blue mug", "2", "0", "0"], ["TEE-RED-M", "", "", "0", "0"]]

    def test_sku_list_totals_every_location(self, mug: Cli) -> None:
        """sku list shows on_hand and available summed over all locations."""
        mug.ok("receive", SKU, "10")
        mug.ok("receive", SKU, "4", "--location", "east")
        mug.ok("damage", SKU, "1", "--location", "east")

        assert table_rows(mug.ok("sku", "list").stdout) == [[SKU, "Blue mug", "2", "14", "13"]]

    def test_a_sku_cannot_be_added_twice(self, mug: Cli) -> None:
        """A second sku add of the same code is refused in one line with exit status 1."""
        result = mug("sku", "add", SKU)

        assert result.exit_code == 1
        assert result.stderr.strip() == f"syncbot: SKU '{SKU}' already exists"

    def test_sku_set_changes_and_removes_the_reorder_point(self, mug: Cli) -> None:
        """sku set --reorder-point replaces it; --clear-reorder-point removes it."""
        mug.ok("sku", "set", SKU, "--reorder-point", "5")
        assert table_rows(mug.ok("sku", "list").stdout) == [[SKU, "Blue mug", "5", "0", "0"]]

        mug.ok("sku", "set", SKU, "--clear-reorder-point")
        assert table_rows(mug.ok("sku", "list").stdout) == [[SKU, "Blue mug", "", "0", "0"]]

    def test_a_malformed_sku_code_exits_2_and_adds_nothing(self, cli: Cli) -> None:
        """A SKU code with a space is refused before the catalogue is touched."""
        result = cli("sku", "add", "BLUE MUG")

        assert result.exit_code == 2
        assert "is not valid" in result.stderr
        assert "no SKUs yet" in cli.ok("sku", "list").stdout


class TestRecording:
    def test_receipts_show_in_stock_per_location_and_in_total(self, mug: Cli) -> None:
        """receive adds to available where it is received; stock shows each location and total."""
        received = mug.ok("receive", SKU, "10", "--reason", "PO 42")
        mug.ok("receive", SKU, "4", "--location", "east")

        assert "receive 10 × MUG-1: main/supplier → main/available (PO 42)" in received.stdout
        assert quantities(received.stdout, "main") == stocked(available=10)
        stock = mug.ok("stock", SKU).stdout
        assert quantities(stock, "main") == stocked(available=10)
        assert quantities(stock, "east") == stocked(available=4)
        assert quantities(stock, "total") == stocked(available=14)

    def test_a_receipt_at_a_cost_says_so_and_a_bad_cost_writes_nothing(self, mug: Cli) -> None:
        """receive --cost 4.50 records the unit cost; a negative, a non-numeric or a too
        precise cost exits 2 before anything is written."""
        received = mug.ok("receive", SKU, "10", "--cost", "4.50")
        assert "receive 10 × MUG-1: main/supplier → main/available at 4.50" in received.stdout
        for bad in ("-1", "abc", "1.0000001", "NaN"):
            result = mug("receive", SKU, "1", "--cost", bad)
            assert result.exit_code == 2, bad
            assert "cost" in result.stderr
        assert quantities(mug.ok("stock", SKU).stdout, "main") == stocked(available=10)

    def test_damage_beyond_available_is_refused_and_writes_nothing(self, mug: Cli) -> None:
        """A damage larger than available exits 1 with one line and records nothing."""
        mug.ok("receive", SKU, "2")

        result = mug("damage", SKU, "5")

        assert result.exit_code == 1
        assert result.stderr.splitlines() == [
            "syncbot: MUG-1 at main: cannot take 5 from available, which holds 2; "
            "use force to record it anyway"
        ]
        assert mug.movement_count() == 1
        assert quantities(mug.ok("stock", SKU).stdout, "main") == stocked(available=2)

    def test_forced_damage_beyond_available_is_recorded_and_warns(self, mug: Cli) -> None:
        """damage --force records it anyway: available goes negative and an oversell is shown."""
        mug.ok("receive", SKU, "2")

        result = mug.ok("damage", SKU, "5", "--force", "--reason", "water leak")

        assert "[forced] (water leak)" in result.stdout
        assert quantities(result.stdout, "main") == stocked(available=-3, damaged=5)
        assert "oversold at main: available is -3" in result.stderr

    def test_a_count_posts_the_difference_from_on_hand(self, mug: Cli) -> None:
        """count states on_hand; the difference is posted, and a matching count posts nothing."""
        mug.ok("receive", SKU, "10")

        counted = mug.ok("count", SKU, "7")
        again = mug.ok("count", SKU, "7")

        assert counted.stdout.splitlines()[0] == "counted 7, was 10: posted -3"
        assert quantities(counted.stdout, "main") == stocked(available=7)
        assert again.stdout.splitlines()[0] == "count matches, nothing posted"
        assert mug.movement_count() == 2

    @pytest.mark.parametrize(
        "arguments",
        [
            ["adjust", SKU, "-3", "--reason", "lost"],
            ["adjust", SKU, "--reason", "lost", "-3"],
            ["adjust", SKU, "--reason", "lost", "--", "-3"],
        ],
    )
    def test_adjust_takes_a_negative_quantity(self, mug: Cli, arguments: list[str]) -> None:
        """adjust QTY is signed: -3 takes three from available, wherever the option stands."""
        mug.ok("receive", SKU, "10")

        result = mug.ok(*arguments)

        assert "adjust 3 × MUG-1: main/available → main/adjustment (lost)" in result.stdout
        assert quantities(result.stdout, "main") == stocked(available=7)

    def test_adjust_corrects_the_named_bucket(self, mug: Cli) -> None:
        """adjust --bucket damaged changes damaged, not available."""
        result = mug.ok("adjust", SKU, "2", "--bucket", "damaged", "--reason", "found broken")

        assert quantities(result.stdout, "main") == stocked(damaged=2)

    def test_adjust_below_zero_needs_force(self, mug: Cli) -> None:
        """A negative adjustment beyond the bucket is refused unless --force is given."""
        refused = mug("adjust", SKU, "-1", "--reason", "lost")
        forced = mug.ok("adjust", SKU, "-1", "--reason", "lost", "--force")

        assert refused.exit_code == 1
        assert "cannot take 1 from available" in refused.stderr
        assert quantities(forced.stdout, "main") == stocked(available=-1)

    def test_a_repeated_key_records_once(self, mug: Cli) -> None:
        """The same --key twice records one receipt; the key with another quantity is refused."""
        mug.ok("receive", SKU, "10", "--key", "po-42")

        repeated = mug.ok("receive", SKU, "10", "--key", "po-42")
        conflicting = mug("receive", SKU, "11", "--key", "po-42")

        assert "'po-42' was already applied: nothing new recorded" in repeated.stdout
        assert quantities(repeated.stdout, "main") == stocked(available=10)
        assert conflicting.exit_code == 1
        assert "idempotency key 'po-42' was already used" in conflicting.stderr
        assert mug.movement_count() == 1

    def test_an_unknown_sku_is_refused_with_what_to_do(self, cli: Cli) -> None:
        """Recording stock for a SKU not in the catalogue exits 1 and says how to add it."""
        result = cli("receive", "NOPE-1", "3")

        assert result.exit_code == 1
        assert "`syncbot sku add NOPE-1`" in result.stderr
        assert cli.movement_count() == 0


class TestHistory:
    def test_history_is_newest_first_and_names_the_cli_user(self, mug: Cli) -> None:
        """history lists movements newest first, with route, reason and the CLI user."""
        mug.ok("receive", SKU, "10", "--reason", "PO 42")
        mug.ok("damage", SKU, "2", "--reason", "dropped")
        mug.ok("adjust", SKU, "-1", "--reason", "lost")

        rows = table_rows(mug.ok("history", SKU).stdout)

        assert [row[2:7] for row in rows] == [
            ["adjust", "1", "main/available", "main/adjustment", "lost"],
            ["damage", "2", "main/available", "main/damaged", "dropped"],
            ["receive", "10", "main/supplier", "main/available", "PO 42"],
        ]
        ids = [int(row[0]) for row in rows]
        assert ids == sorted(ids, reverse=True)
        assert all(row[7].startswith("cli:") for row in rows)

    def test_history_limit_keeps_the_newest(self, mug: Cli) -> None:
        """--limit 2 shows only the two newest movements."""
        for quantity in ("1", "2", "3"):
            mug.ok("receive", SKU, quantity)

        rows = table_rows(mug.ok("history", SKU, "--limit", "2").stdout)

        assert [row[3] for row in rows] == ["3", "2"]


class TestReverse:
    def test_reverse_undoes_a_movement_once(self, mug: Cli) -> None:
        """reverse posts the opposite movement; a second reverse records nothing."""
        mug.ok("receive", SKU, "10")
        mug.ok("damage", SKU, "3")
        damage_id = table_rows(mug.ok("history", SKU).stdout)[0][0]

        undone = mug.ok("reverse", damage_id)
        again = mug.ok("reverse", damage_id)

        assert "main/damaged → main/available" in undone.stdout
        assert "already reversed" in again.stdout
        assert quantities(mug.ok("stock", SKU).stdout, "main") == stocked(available=10)
        assert mug.movement_count() == 3

    def test_reversing_an_unknown_movement_exits_1(self, mug: Cli) -> None:
        result = mug("reverse", "999")

        assert result.exit_code == 1
        assert "no movement has id 999" in result.stderr


class TestParkedOrderLines:
    def test_adding_a_sku_applies_the_order_lines_parked_for_it(self, cli: Cli) -> None:
        """An order line for an unknown SKU waits; sku add applies it and says so."""
        asyncio.run(_order_for_unknown_sku(cli.database_url))

        result = cli.ok("sku", "add", "CUP-9")

        assert "stock moved for 1 order(s)" in result.stdout
        assert quantities(cli.ok("stock", "CUP-9").stdout, "main") == stocked(
            available=-2, committed=2
        )


async def _order_for_unknown_sku(database_url: str) -> None:
    line = OrderLine("L1", "CUP-9", quantity=2, current=2, fulfilled=0)
    snapshot = OrderSnapshot("1001", datetime(2026, 11, 1, tzinfo=UTC), (line,))
    await open_database(database_url)
    try:
        await declare_locations(["main"])
        await record_order_event("shop", snapshot)
    finally:
        await close_database()

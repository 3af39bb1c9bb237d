"""`syncbot replenish`: the table and the reasoning, --all, --draft-po, --refit, and bad
input refused with nothing written, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from syncbot import ledger
from syncbot.store import posting
from syncbot.store.catalogue import add_sku
from syncbot.store.database import close_database, declare_locations, open_database
from syncbot.store.posting import Provenance

from .conftest import Cli, table_rows

TODAY = datetime.now(UTC).date()


def seed(database_url: str) -> None:
    """MUG-1 sold 2 a day for 8 weeks and has none left; CAP-1 never sold."""

    async def main() -> None:
        await open_database(database_url)
        try:
            await declare_locations(["main", "east"])
            await add_sku("MUG-1", "Mug")
            await add_sku("CAP-1", "Cap")
            await posting.post([ledger.receive("MUG-1", 112)])
            for n in range(56):
                at = datetime.combine(TODAY - timedelta(days=56 - n), datetime.min.time(), UTC)
                await posting.post(
                    [ledger.order_commit("MUG-1", 2)],
                    provenance=Provenance("shopify", f"shopify/orders/{n}", at),
                )
        finally:
            await close_database()

    asyncio.run(main())


@pytest.fixture
def shop(cli: Cli) -> Cli:
    seed(cli.database_url)
    cli.ok("supplier", "add", "Acme", "--lead-time", "7")
    cli.ok("supplier", "set", "Acme", "--sku", "MUG-1", "--case-pack", "12", "--cost", "3.50")
    return cli


def purchase_orders(cli: Cli) -> list[dict[str, object]]:
    return cli.sql("SELECT number, status FROM purchase_order ORDER BY id")


class TestReplenish:
    def test_the_skus_to_order_with_their_reasoning(self, shop: Cli) -> None:
        """2/day, lead 7, nothing left: reorder point 14; cover 37 days = 74 → 7 cases of
        12 = 84."""
        result = shop.ok("replenish")
        rows = {cells[0]: cells for cells in table_rows(result.stdout) if cells}
        assert set(rows) >= {"MUG-1"}
        assert "CAP-1" not in rows
        assert rows["MUG-1"][1:3] == ["Acme", "84"]
        assert "MUG-1: order 84: sells 2.0/day" in result.stdout
        assert "fitted forecasts for 2 of 2 SKUs" in result.stderr

    def test_all_lists_every_sku_and_a_second_run_fits_nothing(self, shop: Cli) -> None:
        shop.ok("replenish")
        result = shop.ok("replenish", "--all")
        codes = [cells[0] for cells in table_rows(result.stdout) if cells]
        assert {"CAP-1", "MUG-1"} <= set(codes)
        assert "fitted forecasts" not in result.stderr  # today's were kept
        assert "fitted forecasts for 2 of 2 SKUs" in shop.ok("replenish", "--refit").stderr

    def test_draft_po_drafts_one_order_for_the_supplier(self, shop: Cli) -> None:
        result = shop.ok("replenish", "--draft-po")
        assert "drafted PO-0001 for Acme: 1 lines, 84 units" in result.stdout
        assert purchase_orders(shop) == [{"number": "PO-0001", "status": "draft"}]
        line = shop.sql("SELECT sku_id, quantity, unit_cost FROM purchase_order_line")[0]
        assert (line["sku_id"], line["quantity"]) == ("MUG-1", 84)


class TestRefusals:
    @pytest.mark.parametrize(
        ("args", "says"),
        [
            (["--service-level", "1.5"], "service level must be between 0 and 1"),
            (["--lead-time", "-1"], "default lead time must be 0 to"),
            (["--supplier", "Nobody"], "Nobody"),
            (["--location", "nowhere"], "nowhere"),
        ],
    )
    def test_bad_input_is_refused_and_drafts_nothing(
        self, shop: Cli, args: list[str], says: str
    ) -> None:
        result = shop("replenish", "--draft-po", *args)
        assert result.exit_code == 1, result.output
        assert says in result.output
        assert purchase_orders(shop) == []

"""`syncbot channels catch-up` and `discover` on a Shopify channel, in-process, Admin API mocked."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import respx
from shopify_payloads import (
    EAST_LOCATION,
    MAIN_LOCATION,
    SHOP,
    AdminApi,
    Fulfillment,
    Line,
    Order,
    Refund,
    graphql_order,
)
from typer.testing import CliRunner, Result

from connectors.shopify.documents import ORDERS_UPDATED_SINCE, PRODUCT_VARIANTS
from syncbot.cli.main import app

URL = f"https://{SHOP}/admin/api/2026-10/graphql.json"
EAST = EAST_LOCATION
CHANNELS_FILE = f"""locations = ["main", "east"]

[[channels]]
name = "shop"
kind = "shopify"
shop = "{SHOP}"
access_token_env = "CLI_SHOPIFY_TOKEN"
webhook_secret_env = "CLI_SHOPIFY_SECRET"

[channels.locations]
{MAIN_LOCATION} = "main"
{EAST_LOCATION} = "east"
"""


class Cli:
    """`syncbot` in-process with a fixed environment (see tests/cli/conftest.py)."""

    def __init__(self, database_url: str, config: Path) -> None:
        self.env: dict[str, str | None] = {
            "SYNCBOT_DATABASE_URL": database_url,
            "SYNCBOT_CONFIG": str(config),
            "SYNCBOT_API_TOKEN": None,
            "SYNCBOT_LOG_LEVEL": None,
            "FORCE_COLOR": None,
            "CLI_SHOPIFY_TOKEN": "shpat_dummy_cli_token",  # dummies for tests
            "CLI_SHOPIFY_SECRET": "dummy-cli-webhook-secret",
        }

    def ok(self, *args: str) -> Result:
        result = CliRunner().invoke(app, list(args), env=self.env, prog_name="syncbot")
        assert result.exit_code == 0, result.output
        return result

    def stock_row(self, sku: str, location: str) -> list[str]:
        for line in self.ok("stock", sku).stdout.splitlines():
            cells = [cell.strip() for cell in line.strip().strip("│").split("│")]
            if cells[0] == location:
                return cells[1:6]  # on_hand, available, committed, damaged, incoming
        raise AssertionError(f"no {location} row for {sku}")


@pytest.fixture
def cli(database_url: str, tmp_path: Path) -> Cli:
    config = tmp_path / "syncbot.toml"
    config.write_text(CHANNELS_FILE, encoding="utf-8")
    return Cli(database_url, config)


@pytest.fixture
def api() -> Iterator[AdminApi]:
    fake = AdminApi()
    with respx.mock(assert_all_mocked=True) as router:
        router.post(URL).mock(side_effect=fake)
        yield fake


def page(orders: list[Order], cursor: str | None) -> dict[str, Any]:
    return {
        "orders": {
            "pageInfo": {"hasNextPage": cursor is not None, "endCursor": cursor},
            "nodes": [graphql_order(order) for order in orders],
        }
    }


def test_catch_up_reconciles_missed_orders_and_resumes_from_its_cursor(
    cli: Cli, api: AdminApi
) -> None:
    """Two pages of orders the webhooks missed move stock once; the next run starts at
    the newest updatedAt seen and reconciles the same orders again without posting."""
    cli.ok("sku", "add", "MUG-1")
    cli.ok("receive", "MUG-1", "10")
    shipped = Order(
        1001,
        "2026-11-02T09:00:00Z",
        [Line(466157049, "MUG-1", 3, current=2)],
        fulfillments=[Fulfillment(4211, "2026-11-02T08:00:00Z", [(466157049, 2)])],
        refunds=[
            Refund(9001, "2026-11-02T09:00:00Z", [(7001, 466157049, 1, "return", EAST_LOCATION)])
        ],
    )
    placed = Order(1002, "2026-11-02T10:30:00Z", [Line(518995019, "MUG-1", 1)])
    api.on(ORDERS_UPDATED_SINCE, page([shipped], "c1"), page([placed], None))

    first = cli.ok("channels", "catch-up", "shop", "--since", "2026-11-01")

    assert "shop: 2 orders reconciled, 2 moved stock" in first.stdout
    assert "next catch-up starts after 2026-11-02 10:30:00+00:00" in first.stdout
    # main: 10 received, 3 + 1 committed, 2 shipped; east: the returned unit restocked
    assert cli.stock_row("MUG-1", "main") == ["8", "6", "2", "0", "0"]
    assert cli.stock_row("MUG-1", "east") == ["1", "1", "0", "0", "0"]

    api.on(ORDERS_UPDATED_SINCE, page([placed], None))
    again = cli.ok("channels", "catch-up", "shop")

    assert "1 orders reconciled, 0 moved stock" in again.stdout
    assert api.variables(ORDERS_UPDATED_SINCE)[-1]["query"] == "updated_at:>='2026-11-02T10:30:00Z'"
    assert cli.stock_row("MUG-1", "main") == ["8", "6", "2", "0", "0"]


def test_discover_stores_listings_and_reports_duplicates_and_unknown_skus(
    cli: Cli, api: AdminApi
) -> None:
    """A SKU on two variants is reported and not stored; a SKU syncbot lacks is named."""
    cli.ok("sku", "add", "MUG-1")

    def variant(number: int, sku: str | None) -> dict[str, Any]:
        return {
            "id": f"gid://shopify/ProductVariant/{number}",
            "sku": sku,
            "title": "Default Title",
            "inventoryItem": {"id": f"gid://shopify/InventoryItem/{number}", "tracked": True},
            "product": {"title": "Mug"},
        }

    variants = [variant(1, "MUG-1"), variant(2, "TEE-RED-M"), variant(3, "TEE-RED-M")]
    api.on(
        PRODUCT_VARIANTS,
        {
            "productVariants": {
                "pageInfo": {"hasNextPage": False, "endCursor": "c1"},
                "nodes": [*variants, variant(4, None)],
            }
        },
    )

    output = cli.ok("channels", "discover", "shop").stdout

    assert "shop: 1 listings stored" in output
    assert (
        "duplicate SKU TEE-RED-M: listed by gid://shopify/ProductVariant/2, "
        "gid://shopify/ProductVariant/3 (not stored)"
    ) in output
    assert "unknown to syncbot: TEE-RED-M" in output
    assert "1 listings have no SKU" in output


def test_discover_imports_variant_barcodes_and_reports_conflicts(cli: Cli, api: AdminApi) -> None:
    """A variant's `barcode` is given to its SKU; one another SKU holds, or with a wrong
    check digit, is reported and nothing moves."""
    for code in ("MUG-1", "CUP-1", "TEE-S", "CAP"):
        cli.ok("sku", "add", code)
    cli.ok("sku", "barcode", "add", "CAP", "5012345678900")

    def variant(number: int, sku: str, barcode: str | None) -> dict[str, Any]:
        return {
            "id": f"gid://shopify/ProductVariant/{number}",
            "sku": sku,
            "barcode": barcode,
            "title": "Default Title",
            "inventoryItem": {"id": f"gid://shopify/InventoryItem/{number}", "tracked": True},
            "product": {"title": sku},
        }

    api.on(
        PRODUCT_VARIANTS,
        {
            "productVariants": {
                "pageInfo": {"hasNextPage": False, "endCursor": "c1"},
                "nodes": [
                    variant(1, "MUG-1", "4006381333931"),
                    variant(2, "CUP-1", "5012345678900"),  # CAP's
                    variant(3, "TEE-S", "4006381333932"),  # a wrong check digit
                    variant(4, "CAP", None),
                ],
            }
        },
    )

    output = cli.ok("channels", "discover", "shop").stdout

    assert "barcodes imported: 4006381333931 → MUG-1" in output
    assert (
        "barcode conflict, not imported for CUP-1: barcode 5012345678900 already belongs to SKU CAP"
    ) in output
    assert "barcode conflict, not imported for TEE-S: barcode 4006381333932 looks like" in output
    assert "check digit is 2, not 1" in output
    listed = cli.ok("sku", "barcode", "list").stdout.splitlines()
    assert listed == ["5012345678900\tCAP\tgtin", "4006381333931\tMUG-1\tgtin"]

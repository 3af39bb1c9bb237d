"""`syncbot bundle set|show|list|remove` and `syncbot stock BUNDLE`: a recipe defined from
the command line, its availability with the limiting component, and stock refused on a
bundle's code with nothing written (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from .conftest import Cli, table_rows


@pytest.fixture
def kit(cli: Cli) -> Cli:
    """MUG-1 (7 at main), TEE-1 (10 at main), and GIFT-1 = MUG-1:2 TEE-1:1."""
    for code in ("MUG-1", "TEE-1", "GIFT-1"):
        cli.ok("sku", "add", code)
    cli.ok("receive", "MUG-1", "7")
    cli.ok("receive", "TEE-1", "10")
    cli.ok("bundle", "set", "GIFT-1", "TEE-1:1", "MUG-1:2")
    return cli


def test_set_answers_the_sorted_recipe_and_its_version(cli: Cli) -> None:
    for code in ("MUG-1", "GIFT-1"):
        cli.ok("sku", "add", code)
    out = cli.ok("bundle", "set", "GIFT-1", "MUG-1:2").output
    assert out.startswith("set GIFT-1 = MUG-1:2 (version 1, changed ")


def test_stock_of_a_bundle_shows_the_limiting_component(kit: Cli) -> None:
    rows = table_rows(kit.ok("stock", "GIFT-1").output)
    assert ["main", "3", "MUG-1: 7 available / 2", "0"] in rows
    assert rows[-1][:2] == ["total", "3"]


def test_show_list_and_remove(kit: Cli) -> None:
    assert "GIFT-1 = MUG-1:2 TEE-1:1 (version 1" in kit.ok("bundle", "show", "GIFT-1").output
    assert table_rows(kit.ok("bundle", "list").output)[0][:3] == ["GIFT-1", "MUG-1:2 TEE-1:1", "1"]
    kit.ok("bundle", "set", "GIFT-1", "MUG-1:1")
    assert "(version 2" in kit.ok("bundle", "show", "GIFT-1").output
    assert "was MUG-1:1" in kit.ok("bundle", "remove", "GIFT-1").output
    assert "no bundles yet" in kit.ok("bundle", "list").output


@pytest.mark.parametrize(
    "command",
    [
        ("receive", "GIFT-1", "3"),
        ("damage", "GIFT-1", "1"),
        ("count", "GIFT-1", "4"),
        ("adjust", "GIFT-1", "2", "--reason", "found"),
    ],
    ids=["receive", "damage", "count", "adjust"],
)
def test_stock_on_a_bundle_is_refused_naming_its_components(
    kit: Cli, command: tuple[str, ...]
) -> None:
    before = kit.movement_count()
    result = kit(*command)
    assert result.exit_code == 1, result.output
    assert "holds no stock of its own" in result.output
    assert "(MUG-1, TEE-1)" in result.output
    assert kit.movement_count() == before


def test_rules_are_refused_in_one_line(kit: Cli) -> None:
    """A malformed component exits 2 before the database; a broken rule exits 1."""
    malformed = kit("bundle", "set", "GIFT-1", "MUG-1")
    assert malformed.exit_code == 2
    assert "SKU:QTY" in malformed.output
    kit.ok("sku", "add", "SET-1")
    nested = kit("bundle", "set", "SET-1", "GIFT-1:1")
    assert nested.exit_code == 1
    assert "is a bundle itself" in nested.output
    stocked = kit("bundle", "set", "MUG-1", "TEE-1:1")
    assert stocked.exit_code == 1
    assert "component of the bundle" in stocked.output
    kit.ok("sku", "add", "CAP-1")
    kit.ok("receive", "CAP-1", "5", "--location", "east")
    held = kit("bundle", "set", "CAP-1", "TEE-1:1")
    assert held.exit_code == 1
    assert "east 5 on hand" in held.output


def test_set_with_add_puts_a_new_bundle_in_the_catalogue(kit: Cli) -> None:
    """Without --add an unknown bundle code is refused; with it, added and given its recipe."""
    refused = kit("bundle", "set", "KIT-1", "TEE-1:3")
    assert refused.exit_code == 1, refused.output
    assert "KIT-1" in refused.output
    out = kit.ok("bundle", "set", "KIT-1", "TEE-1:3", "--add").output
    assert out.startswith("added KIT-1 to the catalogue\nset KIT-1 = TEE-1:3 (version 1")

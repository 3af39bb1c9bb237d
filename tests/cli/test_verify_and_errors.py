"""verify, and how the command line refuses bad input and bad settings."""

from __future__ import annotations

import typing
from pathlib import Path

import pytest

from syncbot.cli import stock as cli_module
from syncbot.ledger import REAL_BUCKETS

from .conftest import Cli, environment, quantities, stocked, table_rows

SKU = "MUG-1"


@pytest.fixture
def stocked_mug(cli: Cli) -> Cli:
    """MUG-1 received, damaged and counted: a small, consistent ledger."""
    cli.ok("sku", "add", SKU)
    cli.ok("receive", SKU, "10")
    cli.ok("damage", SKU, "2")
    cli.ok("count", SKU, "9")
    return cli


class TestVerify:
    def test_verify_passes_on_a_consistent_ledger(self, stocked_mug: Cli) -> None:
        """verify exits 0 when every balance equals the replay and every SKU sums to zero."""
        result = stocked_mug.ok("verify")

        assert "replayed 3 movements" in result.stdout
        assert "ok: every balance equals the replay" in result.stdout

    def test_verify_resumes_from_its_checkpoint_and_full_replays_all(
        self, stocked_mug: Cli
    ) -> None:
        """A second verify starts after the first one's checkpoint; --full replays everything.

        On PostgreSQL a checkpoint covers only movements 30 s old (a lower id may commit
        late), so seconds after posting the second run still replays all three."""
        stocked_mug.ok("verify")

        resumed = stocked_mug.ok("verify")
        full = stocked_mug.ok("verify", "--full")

        if stocked_mug.database_url.startswith("sqlite"):
            assert "replayed 0 movements after the checkpoint at movement #" in resumed.stdout
        else:
            assert "replayed 3 movements against" in resumed.stdout
        assert "replayed 3 movements against" in full.stdout

    def test_verify_names_a_corrupted_balance(self, stocked_mug: Cli) -> None:
        """A balance row changed behind the ledger's back fails verify, which names it."""
        stocked_mug.sql(
            "UPDATE balance SET quantity = quantity + 1 "
            f"WHERE sku_id = '{SKU}' AND location_id = 'main' AND bucket = 'available'"
        )

        result = stocked_mug("verify")

        assert result.exit_code == 1
        assert table_rows(result.stdout) == [[SKU, "main", "available", "8", "7"]]
        assert f"{SKU}: its buckets sum to +1, not to zero" in result.stdout
        assert result.stderr.splitlines() == [
            "syncbot: verify failed: mismatched balances: 1, SKUs not summing to zero: 1"
        ]

    def test_verify_reports_progress_on_stderr(
        self, stocked_mug: Cli, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """On a long replay verify tells how far it got, on stderr, keeping stdout clean."""
        monkeypatch.setattr(cli_module, "PROGRESS_EVERY", 1)

        result = stocked_mug.ok("verify")

        assert "replayed 3 movements..." in result.stderr
        assert "..." not in result.stdout


class TestBadQuantities:
    @pytest.mark.parametrize(
        ("quantity", "message"),
        [
            ("0", "quantity must be positive, got 0"),
            ("-3", "quantity must be positive, got -3"),
            ("2.5", "valid integer"),
            ("ten", "valid integer"),
        ],
    )
    def test_a_receipt_of_a_bad_quantity_exits_2_and_writes_nothing(
        self, cli: Cli, quantity: str, message: str
    ) -> None:
        """QTY must be a positive whole number; anything else exits 2 before writing."""
        cli.ok("sku", "add", SKU)

        result = cli("receive", SKU, quantity)

        assert result.exit_code == 2
        assert message in " ".join(result.stderr.split())
        assert cli.movement_count() == 0

    @pytest.mark.parametrize(
        ("arguments", "message"),
        [
            (["adjust", SKU, "0", "--reason", "typo"], "an adjustment of 0 changes nothing"),
            (["adjust", SKU, "-2", "--reason", " "], "an adjustment needs a reason"),
            (["adjust", SKU, "-2"], "Missing option '--reason'"),
            (["adjust", SKU, "2", "--reason", "x", "--bucket", "supplier"], "--bucket"),
            (["count", SKU, "-1"], "a count cannot be negative, got -1"),
            (["damage", SKU, "0"], "quantity must be positive, got 0"),
            (["receive", SKU, "1", "--key", ""], "an idempotency key must not be empty"),
        ],
    )
    def test_other_malformed_movements_exit_2_and_write_nothing(
        self, cli: Cli, arguments: list[str], message: str
    ) -> None:
        """Adjustments of 0 or without a reason, negative counts, empty keys: exit 2, no write."""
        cli.ok("sku", "add", SKU)

        result = cli(*arguments)

        assert result.exit_code == 2
        assert message in result.stderr
        assert cli.movement_count() == 0


class TestSettings:
    def test_an_unknown_database_url_fails_in_one_line_naming_the_variable(
        self, tmp_path: Path
    ) -> None:
        """SYNCBOT_DATABASE_URL=mysql://x exits 2 with one line that says what to set."""
        result = Cli(environment("mysql://x", tmp_path / "none.toml"), "")("sku", "list")

        assert result.exit_code == 2
        [line] = result.stderr.splitlines()
        assert line.startswith("syncbot: SYNCBOT_DATABASE_URL: ")
        assert "sqlite://" in line

    def test_a_sqlite_file_in_a_missing_directory_fails_in_one_line(self, tmp_path: Path) -> None:
        """A SQLite path whose directory does not exist is refused at once, not hung on."""
        url = f"sqlite://{tmp_path}/missing/syncbot.db"

        result = Cli(environment(url, tmp_path / "none.toml"), "")("sku", "list")

        assert result.exit_code == 2
        assert result.stderr.splitlines() == [
            f"syncbot: SYNCBOT_DATABASE_URL: directory {tmp_path}/missing does not exist"
        ]

    def test_an_unreachable_database_fails_in_one_line(self, channels_file: Path) -> None:
        """A database that refuses connections exits 1 in one line, without a traceback."""
        url = "postgres://syncbot@127.0.0.1:1/syncbot"

        result = Cli(environment(url, channels_file), "")("sku", "list")

        assert result.exit_code == 1
        [line] = result.stderr.splitlines()
        assert line.startswith(f"syncbot: SYNCBOT_DATABASE_URL={url}: cannot connect: ")

    def test_a_secret_in_the_channels_file_is_refused(
        self, database_url: str, tmp_path: Path
    ) -> None:
        """A token written in the channels file exits 2, naming the *_env key to use instead."""
        config = tmp_path / "syncbot.toml"
        config.write_text(
            '[[channels]]\nname = "shop"\nkind = "shopify"\naccess_token = "shpat_x"\n',
            encoding="utf-8",
        )

        result = Cli(environment(database_url, config), database_url)("sku", "list")

        assert result.exit_code == 2
        [line] = result.stderr.splitlines()
        assert "access_token_env" in line
        assert "shpat_x" not in line

    def test_an_undeclared_location_is_refused(self, cli: Cli) -> None:
        """Stock can be recorded only at a location the channels file declares."""
        cli.ok("sku", "add", SKU)

        result = cli("receive", SKU, "1", "--location", "west")

        assert result.exit_code == 1
        assert "unknown location 'west'" in result.stderr
        assert quantities(cli.ok("stock", SKU).stdout, "total") == stocked()


class TestHelp:
    @pytest.mark.parametrize(
        "command",
        [
            [],
            ["migrate"],
            ["serve"],
            ["sku"],
            ["sku", "add"],
            ["sku", "list"],
            ["sku", "set"],
            ["stock"],
            ["receive"],
            ["damage"],
            ["count"],
            ["adjust"],
            ["history"],
            ["verify"],
        ],
    )
    def test_every_command_has_help(self, command: list[str]) -> None:
        """`--help` works on every command and says what it does."""
        result = Cli({}, "")(*command, "--help")

        assert result.exit_code == 0
        assert "Usage: syncbot" in result.stdout

    def test_the_adjustable_buckets_are_the_real_buckets(self) -> None:
        """--bucket offers exactly the ledger's real buckets, no virtual counterpart."""
        assert set(typing.get_args(cli_module.RealBucket)) == {str(b) for b in REAL_BUCKETS}

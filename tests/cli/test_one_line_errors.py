"""What the CLI prints when it refuses to start or to run: one line, never a box or a
traceback, quoting at most 80 characters of what was given; and read-only commands that
never create or migrate a database.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import Result

from syncbot.cli.common import clip

from .conftest import Cli, environment

LONG = "n" * 5_000


def one_line(result: Result) -> str:
    """The single line on stderr; fails when there are several (a box, a traceback)."""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert not result.stdout.strip(), result.stdout
    return lines[0]


class TestConfigFile:
    def test_a_config_file_that_is_named_but_missing_is_an_error(
        self, database_url: str, tmp_path: Path
    ) -> None:
        """SYNCBOT_CONFIG naming a file that is not there: exit 2, not silently ignored."""
        missing = tmp_path / "typo.toml"

        result = Cli(environment(database_url, missing), database_url)("sku", "list")

        assert result.exit_code == 2
        assert one_line(result) == f"syncbot: SYNCBOT_CONFIG={missing}: no such file"

    def test_a_config_path_that_is_a_directory_is_one_line(
        self, database_url: str, tmp_path: Path
    ) -> None:
        result = Cli(environment(database_url, tmp_path), database_url)("sku", "list")

        assert result.exit_code == 2
        assert one_line(result) == (
            f"syncbot: SYNCBOT_CONFIG={tmp_path}: a directory, not a TOML file"
        )

    def test_a_config_file_that_is_not_utf8_is_one_line(
        self, database_url: str, tmp_path: Path
    ) -> None:
        latin1 = tmp_path / "syncbot.toml"
        latin1.write_bytes('locations = ["entrepôt"]\n'.encode("latin-1"))

        result = Cli(environment(database_url, latin1), database_url)("sku", "list")

        assert result.exit_code == 2
        assert one_line(result).startswith(f"syncbot: SYNCBOT_CONFIG={latin1}: not UTF-8 text")

    def test_the_default_config_file_may_be_absent(
        self, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """No SYNCBOT_CONFIG and no ./syncbot.toml: the defaults, one location, no channels."""
        monkeypatch.chdir(tmp_path)
        env = {**environment(database_url, tmp_path), "SYNCBOT_CONFIG": None}

        result = Cli(env, database_url)("channels", "list")

        assert result.exit_code == 0, result.output
        assert "no channels" in result.stdout


class TestUsageErrors:
    @pytest.mark.parametrize(
        ("arguments", "shown"),
        [
            (["stok", "MUG-1"], "No such command 'stok'"),
            (["sku", "add"], "Missing argument 'SKU'"),
            (["history", "MUG-1", "--limit", "0"], "'--limit'"),
            (["serve", "--port", "99999"], "'--port'"),
            (["sku", "add", "MUG-1", "--reorder-point", str(10**20)], "'--reorder-point'"),
        ],
    )
    def test_a_usage_error_is_one_red_line_exit_2(
        self, tmp_path: Path, arguments: list[str], shown: str
    ) -> None:
        """Typer's multi-line box becomes one line that names the problem and the help."""
        result = Cli(environment("sqlite://unused.db", tmp_path / "unused.toml"), "")(*arguments)

        assert result.exit_code == 2
        line = one_line(result)
        assert line.startswith("syncbot: ")
        assert shown in line
        assert "--help`)" in line

    @pytest.mark.parametrize(
        "arguments",
        [
            ["sku", "add", "MUG-1", "--name", LONG],
            ["stock", LONG],
            ["history", LONG],
            ["receive", LONG, "1"],
        ],
    )
    def test_an_over_long_value_exits_2_quoting_at_most_80_characters(
        self, cli: Cli, arguments: list[str]
    ) -> None:
        """A 5,000-character name or SKU: exit 2, the limit named, 80 characters shown."""
        result = cli(*arguments)

        assert result.exit_code == 2
        line = one_line(result)
        assert "over the limit of" in line
        assert "n" * 80 in line
        assert "n" * 81 not in line
        assert cli.sql("SELECT COUNT(*) AS n FROM sku")[0]["n"] == 0


READ_ONLY = {
    "stock": ["stock", "MUG-1"],
    "history": ["history", "MUG-1"],
    "verify": ["verify"],
    "sku list": ["sku", "list"],
    "inbox list": ["inbox", "list"],
    "parked": ["parked"],
}
WRITES = {"receive": ["receive", "MUG-1", "5"], "sku add": ["sku", "add", "MUG-1"]}


class TestOnlyMigrateMigrates:
    @pytest.mark.parametrize("name", sorted(READ_ONLY | WRITES))
    def test_no_command_but_migrate_creates_a_database(
        self, tmp_path: Path, channels_file: Path, name: str
    ) -> None:
        """In an empty directory: "run `syncbot migrate`", exit 1, and no file appears."""
        database = tmp_path / "empty" / "syncbot.db"
        database.parent.mkdir()
        url = f"sqlite://{database}"

        result = Cli(environment(url, channels_file), url)(*(READ_ONLY | WRITES)[name])

        assert result.exit_code == 1
        assert one_line(result).endswith("run `syncbot migrate`")
        assert list(database.parent.iterdir()) == []

    @pytest.mark.parametrize("name", sorted(READ_ONLY | WRITES))
    def test_a_schema_behind_the_package_says_run_migrate(
        self, database_url: str, channels_file: Path, name: str
    ) -> None:
        """A migration of this syncbot not applied yet: no command runs on the old schema."""
        cli = Cli(environment(database_url, channels_file), database_url)
        latest = cli.sql("SELECT MAX(name) AS name FROM tortoise_migrations")[0]["name"]
        cli.sql(f"DELETE FROM tortoise_migrations WHERE name = '{latest}'")
        try:
            result = cli(*(READ_ONLY | WRITES)[name])

            assert result.exit_code == 1
            line = one_line(result)
            assert f"lacks 1 migration(s), the first {latest}: run `syncbot migrate`" in line
        finally:
            cli.sql(
                "INSERT INTO tortoise_migrations (app, name, applied_at) "
                f"VALUES ('syncbot', '{latest}', CURRENT_TIMESTAMP)"
            )

    def test_migrate_creates_the_database_and_then_commands_run(
        self, tmp_path: Path, channels_file: Path
    ) -> None:
        url = f"sqlite://{tmp_path}/syncbot.db"
        cli = Cli(environment(url, channels_file), url)

        assert "database is up to date" in cli.ok("migrate").stdout
        cli.ok("sku", "add", "MUG-1")
        assert "no movements recorded for MUG-1" in cli.ok("history", "MUG-1").stdout


def test_an_error_line_never_repeats_a_huge_value_whole() -> None:
    """A ledger message that quotes a 100,000-character value keeps its first 80 characters."""
    line = clip("unknown SKU '" + "S" * 100_000 + "': add it first")

    assert len(line) < 200
    assert line.startswith("unknown SKU '" + "S" * 79 + "…")
    assert line.endswith("… add it first")
    assert clip("a\nmultiline\n  message") == "a multiline message"

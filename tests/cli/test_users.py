"""`syncbot user ...` and `syncbot token ...`: passwords and tokens are stored hashed, a
token is printed once, and every refusal is one line that writes nothing."""

from __future__ import annotations

from typer.testing import CliRunner

from syncbot.app.users import token_hash
from syncbot.cli.main import app

from .conftest import Cli, table_rows

PASSWORD = "a long test password"


def _with_input(cli: Cli, text: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), input=text, env=cli.env, prog_name="syncbot")
    return result.exit_code, result.stdout, result.stderr


def _users(cli: Cli) -> list[dict[str, object]]:
    return cli.sql("SELECT name, role, disabled, password_hash FROM app_user ORDER BY name")


class TestUsers:
    def test_a_prompted_password_is_asked_twice_and_stored_hashed(self, cli: Cli) -> None:
        """`user add` prompts twice; the row keeps an argon2 hash, never the password."""
        code, out, _ = _with_input(
            cli, f"{PASSWORD}\n{PASSWORD}\n", "user", "add", "alice", "--role", "clerk"
        )

        assert code == 0, out
        assert "user alice added as clerk" in out
        (row,) = _users(cli)
        assert str(row["password_hash"]).startswith("$argon2id$")
        assert PASSWORD not in str(row)

    def test_a_password_from_stdin_and_a_generated_one(self, cli: Cli) -> None:
        """--password-stdin reads one line; --generate shows the new password once."""
        code, out, _ = _with_input(
            cli, PASSWORD + "\n", "user", "add", "bot", "--role", "viewer", "--password-stdin"
        )
        assert code == 0, out

        shown = cli.ok("user", "add", "carol", "--role", "admin", "--generate").stdout
        password = shown.strip().splitlines()[-1].removeprefix("password (shown once): ")

        assert len(password) >= 16
        assert all(password not in str(row) for row in _users(cli))

    def test_list_set_role_disable_and_reset(self, cli: Cli) -> None:
        """The lifecycle of a user, as `user list` shows it."""
        cli.ok("user", "add", "alice", "--role", "clerk", "--generate")
        first_hash = _users(cli)[0]["password_hash"]

        cli.ok("user", "set-role", "alice", "manager")
        cli.ok("user", "disable", "alice")
        cli.ok("user", "reset-password", "alice", "--generate")

        (row,) = table_rows(cli.ok("user", "list").stdout)
        assert row[:3] == ["alice", "manager", "disabled"]
        assert _users(cli)[0]["password_hash"] != first_hash

        enabled = cli.ok("user", "enable", "alice")
        assert "user alice enabled" in enabled.stdout
        (row,) = table_rows(cli.ok("user", "list").stdout)
        assert row[:3] == ["alice", "manager", "active"]

    def test_refusals_are_one_line_and_write_nothing(self, cli: Cli) -> None:
        """A bad role, a duplicate, an unknown user: one line on stderr, no row changed."""
        cli.ok("user", "add", "alice", "--role", "clerk", "--generate")
        before = _users(cli)

        for args in (
            ("user", "add", "bob", "--role", "boss", "--generate"),
            ("user", "add", "alice", "--role", "viewer", "--generate"),
            ("user", "set-role", "nobody", "admin"),
            ("user", "set-role", "alice", "boss"),
            ("user", "disable", "nobody"),
            ("user", "enable", "nobody"),
            ("user", "reset-password", "nobody", "--generate"),
            ("token", "create", "t", "--user", "nobody"),
            ("token", "revoke", "nope"),
        ):
            result = cli(*args)
            assert result.exit_code != 0, args
            assert len(result.stderr.strip().splitlines()) == 1, result.stderr
            assert result.stderr.startswith("syncbot: "), result.stderr

        assert _users(cli) == before
        assert cli.sql("SELECT COUNT(*) AS n FROM api_token")[0]["n"] == 0


class TestTokens:
    def test_a_token_is_printed_once_on_its_last_line_and_stored_as_a_hash(self, cli: Cli) -> None:
        """`token create` prints the token alone last; the row holds only its SHA-256."""
        cli.ok("user", "add", "alice", "--role", "clerk", "--generate")

        out = cli.ok("token", "create", "scanner", "--user", "alice").stdout
        token = out.strip().splitlines()[-1]

        (row,) = cli.sql("SELECT name, token_hash FROM api_token")
        assert row == {"name": "scanner", "token_hash": token_hash(token)}
        listed = cli.ok("token", "list").stdout
        assert token not in listed
        assert table_rows(listed)[0][:2] == ["scanner", "alice"]

    def test_a_duplicate_token_name_is_refused_and_a_revoked_one_is_listed(self, cli: Cli) -> None:
        """Names are unique; revoking shows when in `token list`."""
        cli.ok("user", "add", "alice", "--role", "clerk", "--generate")
        cli.ok("token", "create", "scanner", "--user", "alice")

        duplicate = cli("token", "create", "scanner", "--user", "alice")
        cli.ok("token", "revoke", "scanner")

        assert duplicate.exit_code == 1
        assert "exists already" in duplicate.stderr
        (row,) = table_rows(cli.ok("token", "list").stdout)
        assert row[4]  # revoked at

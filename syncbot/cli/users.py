"""`syncbot user ...`: people who use the API (and later the console), and their roles."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from syncbot.app import users
from syncbot.app.roles import ROLE_NAMES, parse_role
from syncbot.app.users import UserRefusal
from syncbot.cli import tables as cli_tables
from syncbot.cli.common import fail, run_with_database

user_app = typer.Typer(
    help=f"Users and their roles ({ROLE_NAMES}).",
    no_args_is_help=True,
)

Generate = Annotated[bool, typer.Option("--generate", help="Generate a password and show it once.")]
PasswordStdin = Annotated[
    bool,
    typer.Option("--password-stdin", help="Read the password from standard input (scripts)."),
]


def _password(generate: bool, from_stdin: bool) -> tuple[str, bool]:
    """The new password, and whether to show it (it was generated)."""
    if generate and from_stdin:
        raise fail("use --generate or --password-stdin, not both")
    if generate:
        return users.generate_password(), True
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise fail("no password on standard input", code=1)
        return password, False
    password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password, False


def _role(text: str) -> str:
    try:
        return parse_role(text).value
    except ValueError as problem:
        raise fail(str(problem)) from problem


def _refused(refusal: UserRefusal) -> typer.Exit:
    return fail(str(refusal), code=1)


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="The user's name, unique.")],
    role: Annotated[str, typer.Option("--role", help=f"One of {ROLE_NAMES}.")],
    generate: Generate = False,
    password_stdin: PasswordStdin = False,
) -> None:
    """Add a user; the password is prompted twice unless generated or read from stdin."""
    checked_role = _role(role)
    password, show = _password(generate, password_stdin)
    try:
        record = run_with_database(lambda: users.add_user(name, checked_role, password))
    except UserRefusal as refusal:
        raise _refused(refusal) from refusal
    typer.echo(f"user {record.name} added as {record.role}")
    if show:
        typer.echo(f"password (shown once): {password}")


@user_app.command("list")
def user_list() -> None:
    """Every user, their role and whether they are disabled."""
    records = run_with_database(users.list_users)
    if not records:
        typer.echo("no users: add one with `syncbot user add NAME --role ROLE`")
        return
    table = Table(title="users", title_justify="left")
    for column in ("name", "role", "state", "created"):
        table.add_column(column, overflow="fold")
    for record in records:
        state = "disabled" if record.disabled else "active"
        table.add_row(record.name, record.role, state, f"{record.created_at:%Y-%m-%d %H:%M}")
    cli_tables.console().print(table)


@user_app.command("set-role")
def user_set_role(
    name: Annotated[str, typer.Argument(help="The user's name.")],
    role: Annotated[str, typer.Argument(help=f"One of {ROLE_NAMES}.")],
) -> None:
    """Change a user's role; their tokens act with it from the next request."""
    checked_role = _role(role)
    try:
        record = run_with_database(lambda: users.set_role(name, checked_role))
    except UserRefusal as refusal:
        raise _refused(refusal) from refusal
    typer.echo(f"user {record.name} is now {record.role}")


@user_app.command("disable")
def user_disable(name: Annotated[str, typer.Argument(help="The user's name.")]) -> None:
    """Disable a user: their tokens stop working at once."""
    try:
        record = run_with_database(lambda: users.disable_user(name))
    except UserRefusal as refusal:
        raise _refused(refusal) from refusal
    typer.echo(f"user {record.name} disabled: their tokens no longer work")


@user_app.command("enable")
def user_enable(name: Annotated[str, typer.Argument(help="The user's name.")]) -> None:
    """Enable a disabled user again: their tokens that were not revoked work again."""
    try:
        record = run_with_database(lambda: users.enable_user(name))
    except UserRefusal as refusal:
        raise _refused(refusal) from refusal
    typer.echo(f"user {record.name} enabled: they may sign in, and their live tokens work")


@user_app.command("reset-password")
def user_reset_password(
    name: Annotated[str, typer.Argument(help="The user's name.")],
    generate: Generate = False,
    password_stdin: PasswordStdin = False,
) -> None:
    """Set a new password; prompted twice unless generated or read from stdin."""
    password, show = _password(generate, password_stdin)
    try:
        record = run_with_database(lambda: users.reset_password(name, password))
    except UserRefusal as refusal:
        raise _refused(refusal) from refusal
    typer.echo(f"password of {record.name} reset")
    if show:
        typer.echo(f"password (shown once): {password}")

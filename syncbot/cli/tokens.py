"""`syncbot token ...`: API tokens, each acting with its user's role. Only hashes are kept."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from rich.table import Table

from syncbot.app import users
from syncbot.app.users import UserRefusal
from syncbot.cli import tables as cli_tables
from syncbot.cli.common import fail, run_with_database

token_app = typer.Typer(
    help="API tokens: create one for a user, list them, revoke one.",
    no_args_is_help=True,
)


def _when(moment: datetime | None) -> str:
    return "" if moment is None else f"{moment:%Y-%m-%d %H:%M}"


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Argument(help="The token's name, unique: movements name it.")],
    user: Annotated[str, typer.Option("--user", help="The user whose role it acts with.")],
) -> None:
    """Create a token; it is printed once, alone on the last line, and only its hash kept."""
    try:
        record, token = run_with_database(lambda: users.create_token(name, user))
    except UserRefusal as refusal:
        raise fail(str(refusal), code=1) from refusal
    typer.echo(f"token {record.name} created for {record.user}; it is shown once, keep it:")
    typer.echo(token)


@token_app.command("list")
def token_list() -> None:
    """Every token: its user, when it was created, last used and revoked. Never the token."""
    records = run_with_database(users.list_tokens)
    if not records:
        typer.echo("no tokens: create one with `syncbot token create NAME --user USER`")
        return
    table = Table(title="API tokens", title_justify="left")
    for column in ("name", "user", "created", "last used", "revoked"):
        table.add_column(column, overflow="fold")
    for record in records:
        table.add_row(
            record.name,
            record.user,
            _when(record.created_at),
            _when(record.last_used_at),
            _when(record.revoked_at),
        )
    cli_tables.console().print(table)


@token_app.command("revoke")
def token_revoke(name: Annotated[str, typer.Argument(help="The token's name.")]) -> None:
    """Revoke a token: it stops working at once."""
    try:
        run_with_database(lambda: users.revoke_token(name))
    except UserRefusal as refusal:
        raise fail(str(refusal), code=1) from refusal
    typer.echo(f"token {name} revoked")

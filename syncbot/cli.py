"""The syncbot command line: the composition root for the service and the operator commands."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer

from syncbot.config import ChannelsFile, ConfigError, Settings, load_channels_file, load_settings
from syncbot.ledger import LedgerError
from syncbot.store.database import close_database, declare_locations, migrate, open_database

app = typer.Typer(
    help="syncbot: a perpetual inventory ledger that keeps every storefront in step.",
    no_args_is_help=True,
    add_completion=False,
)

T = TypeVar("T")


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.secho(f"syncbot: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(code)


def load() -> tuple[Settings, ChannelsFile]:
    """Settings and channels file, or one clear line on stderr and exit status 2."""
    try:
        settings = load_settings()
        return settings, load_channels_file(settings.config)
    except ConfigError as error:
        raise _fail(str(error)) from error


def run_with_database(work: Callable[[], Awaitable[T]]) -> T:
    """Runs one command against the migrated database; ledger refusals exit 1 in one line."""
    settings, channels = load()

    async def main() -> T:
        await migrate(settings.database_url)
        await open_database(settings.database_url)
        try:
            await declare_locations(channels.locations)
            return await work()
        finally:
            await close_database()

    try:
        return asyncio.run(main())
    except LedgerError as error:
        raise _fail(str(error), code=1) from error


@app.command("migrate")
def migrate_command() -> None:
    """Apply pending database migrations, then exit."""
    settings, channels = load()

    async def main() -> None:
        await migrate(settings.database_url, progress=typer.echo)
        await open_database(settings.database_url)
        try:
            await declare_locations(channels.locations)
        finally:
            await close_database()

    asyncio.run(main())
    typer.echo("database is up to date")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port to listen on.")] = 8000,
) -> None:
    """Run the web service; pending migrations are applied first."""
    import uvicorn

    from syncbot.web import create_app

    settings, channels = load()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(message)s")
    uvicorn.run(create_app(settings, channels), host=host, port=port, log_level="info")


def main() -> None:
    app()

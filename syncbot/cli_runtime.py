"""What every syncbot command shares: settings, one-line failures, a database to work on."""

from __future__ import annotations

import asyncio
import getpass
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

import typer
from tortoise.exceptions import DBConnectionError, OperationalError

from connectors.base import ConnectorError
from syncbot.config import ChannelsFile, ConfigError, Settings, load_channels_file, load_settings
from syncbot.ledger import LedgerError
from syncbot.store.database import close_database, declare_locations, migrate, open_database

T = TypeVar("T")

# What a database that cannot be reached or opened raises, whichever driver is behind it.
DATABASE_ERRORS: tuple[type[Exception], ...] = (OSError, DBConnectionError, OperationalError)
try:
    from asyncpg import PostgresError
except ImportError:  # the postgres extra is not installed
    pass
else:
    DATABASE_ERRORS += (PostgresError,)


def fail(message: str, code: int = 2) -> typer.Exit:
    typer.secho(f"syncbot: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(code)


def load() -> tuple[Settings, ChannelsFile]:
    """Settings and channels file, or one clear line on stderr and exit status 2."""
    try:
        settings = load_settings()
        channels = load_channels_file(settings.config)
    except ConfigError as error:
        raise fail(str(error)) from error
    return settings, channels


def run(work: Coroutine[Any, Any, T]) -> T:
    """Runs a coroutine; a ledger refusal or an unusable database exits 1 in one line."""
    try:
        return asyncio.run(work)
    except LedgerError as error:
        raise fail(str(error), code=1) from error
    except ConfigError as error:
        raise fail(str(error)) from error
    except ConnectorError as error:
        raise fail(f"channel error: {error}", code=1) from error
    except DATABASE_ERRORS as error:
        raise fail(f"database error: {error} (check SYNCBOT_DATABASE_URL)", code=1) from error


def run_with_database(work: Callable[[], Awaitable[T]]) -> T:
    """Runs one command against the migrated database; refusals and failures exit 1 in one line."""
    settings, channels = load()

    async def main() -> T:
        await migrate(settings.database_url)
        await open_database(settings.database_url)
        try:
            await declare_locations(channels.locations)
            return await work()
        finally:
            await close_database()

    return run(main())


def actor() -> str:
    """Who is at the keyboard, as every CLI write names its actor: `cli:<login>`."""
    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):  # a container user without a login name
        return "cli:unknown"

"""What every syncbot command shares: settings, one-line failures, a database to work on."""

from __future__ import annotations

import re
import sys
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any, TypeVar

import typer
from tortoise.exceptions import DBConnectionError, OperationalError, ValidationError
from typer._click import exceptions as click_errors  # typer 0.2x vendors its own click
from typer.core import TyperGroup

from connectors.base import ConnectorError
from syncbot import bootstrap
from syncbot.channels_file import ChannelsFile
from syncbot.config import ConfigError, Settings
from syncbot.ledger import LedgerError
from syncbot.runtime import event_loop
from syncbot.store.preflight import DatabaseUnusable

T = TypeVar("T")

# What a database that cannot be reached or opened raises, whichever driver is behind it.
DATABASE_ERRORS: tuple[type[Exception], ...] = (OSError, DBConnectionError, OperationalError)
try:
    from asyncpg import PostgresError
except ImportError:  # the postgres extra is not installed
    pass
else:
    DATABASE_ERRORS += (PostgresError,)


SHOWN = 80  # characters of one given value that an error line repeats
# A run this long is a value nobody typed by hand (a path or a URL is shorter): cut it.
_LONG_WORD = re.compile(rf"\S{{{2 * SHOWN + 1},}}")


def clip(message: str) -> str:
    """One line, in which no run of over 160 characters is repeated whole: a
    100,000-character SKU or name is shown by its first 80 characters."""
    one_line = " ".join(message.split())
    return _LONG_WORD.sub(lambda match: match.group()[:SHOWN] + "…", one_line)


def fail(message: str, code: int = 2) -> typer.Exit:
    typer.secho(f"syncbot: {clip(message)}", err=True, fg=typer.colors.RED)
    return typer.Exit(code)


class OneLineErrors(TyperGroup):
    """The top-level command group: a usage error is one red line (exit 2), not a box."""

    def main(  # type: ignore[override]  # click's signature, with its catch-all **extra
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click_errors.NoArgsIsHelpError as error:
            typer.echo(error.ctx.get_help() if error.ctx else "", err=True)
            sys.exit(error.exit_code)
        except click_errors.UsageError as error:
            where = f" (see `{error.ctx.command_path} --help`)" if error.ctx else ""
            typer.secho(
                f"syncbot: {clip(error.format_message())}{where}", err=True, fg=typer.colors.RED
            )
            sys.exit(error.exit_code)
        except click_errors.ClickException as error:
            typer.secho(f"syncbot: {clip(error.format_message())}", err=True, fg="red")
            sys.exit(error.exit_code)
        except typer.Abort:
            typer.secho("syncbot: aborted", err=True, fg=typer.colors.RED)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


def load() -> tuple[Settings, ChannelsFile]:
    """Settings and channels file, or one clear line on stderr and exit status 2."""
    try:
        return bootstrap.load()
    except ConfigError as error:
        raise fail(str(error)) from error


def run(work: Coroutine[Any, Any, T]) -> T:
    """Runs a coroutine; a ledger refusal or an unusable database exits 1 in one line."""
    try:
        return event_loop.run(work)
    except LedgerError as error:
        raise fail(str(error), code=1) from error
    except ConfigError as error:
        raise fail(str(error)) from error
    except ConnectorError as error:
        raise fail(f"channel error: {error}", code=1) from error
    except DatabaseUnusable as error:
        raise fail(str(error), code=1) from error
    except ValidationError as error:  # a value the store cannot hold, caught by Tortoise
        raise fail(str(error)) from error
    except DATABASE_ERRORS as error:
        raise fail(f"database error: {error} (check SYNCBOT_DATABASE_URL)", code=1) from error


def run_with_database(work: Callable[[], Awaitable[T]]) -> T:
    """Runs one command against the migrated database; refusals and failures exit 1 in one line.

    Only `migrate` and `serve` create or migrate a database: here a missing database, or
    one that lacks a migration, stops the command with "run `syncbot migrate`".
    """
    settings, channels = load()

    async def main() -> T:
        async with bootstrap.database(settings, channels):
            return await work()

    return run(main())

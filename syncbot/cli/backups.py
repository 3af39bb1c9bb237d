"""`syncbot backup FILE` and `syncbot restore FILE`: a consistent snapshot while the
service runs, and its restore into an empty database, proved by `verify`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from syncbot.app import backups
from syncbot.app import stock as use_stock
from syncbot.cli.common import fail, load, run, run_with_database


def backup_command(
    file: Annotated[
        Path, typer.Argument(metavar="FILE", dir_okay=False, help="Where to write the backup.")
    ],
) -> None:
    """Write a consistent snapshot of the database to FILE, while the service runs.

    SQLite is copied with its online backup API; PostgreSQL is exported table by table
    from one snapshot. FILE states the syncbot version, the last migration and a sha256
    of its contents. For production PostgreSQL see docs/backups.md (pg_dump, PITR).
    """
    settings, _ = load()
    manifest = run(backups.take(settings.database_url, file))
    typer.echo(
        f"backup written to {file}: {manifest.backend}, syncbot {manifest.syncbot_version}, "
        f"migration {manifest.migration}, taken {manifest.created_at}"
    )


def restore_command(
    file: Annotated[
        Path,
        typer.Argument(metavar="FILE", exists=True, dir_okay=False, help="A `backup` file."),
    ],
) -> None:
    """Restore FILE into the empty database at SYNCBOT_DATABASE_URL, then verify it.

    Refuses a database that holds data, and a backup whose checksum or version does not
    match; nothing is written then. Exits 1 when verify finds a mismatch.
    """
    settings, _ = load()
    manifest = run(backups.restore(settings.database_url, file))
    typer.echo(
        f"restored {file}: {manifest.backend}, taken {manifest.created_at} by syncbot "
        f"{manifest.syncbot_version} at migration {manifest.migration}"
    )
    # Every movement: a restored checkpoint proves nothing about the restored movements.
    report = run_with_database(lambda: use_stock.verify(full=True))
    if not report.ok:
        raise fail(
            f"verify failed after the restore: {len(report.mismatches)} mismatched balance(s); "
            "run `syncbot verify` for the list",
            code=1,
        )
    typer.echo(
        f"verify: ok, {report.movements:,} movements replayed against {report.balances:,} balances"
    )

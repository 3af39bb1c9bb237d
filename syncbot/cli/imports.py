"""`syncbot import KIND FILE`: a catalogue or opening stock from a CSV file, all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer

from syncbot.app import imports
from syncbot.app.actor import Actor
from syncbot.app.imports import ImportKind, ImportRefused, ImportReport
from syncbot.cli.common import fail, load, run_with_database
from syncbot.cli.progress import progress_bar


def import_command(
    kind: Annotated[ImportKind, typer.Argument(metavar="KIND", help="What the file holds.")],
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE.csv", exists=True, dir_okay=False, readable=True, help="The CSV file."
        ),
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check every row and count; write nothing.")
    ] = False,
) -> None:
    """Import skus, stock, costs, barcodes, bundles or listings from a CSV file.

    Every row is checked first and each bad one named by row, column and reason; then the
    whole file is applied in one transaction, or nothing is. Importing the same file again
    changes nothing.
    """
    _, channels = load()
    try:
        imported = imports.read(kind, file)
    except ImportRefused as error:
        _refused(error)
    except OSError as error:
        raise fail(f"cannot read {file}: {error}") from error
    actor = Actor.cli()
    names = [channel.name for channel in channels.channels]
    with progress_bar() as bar:

        async def work() -> ImportReport | ImportRefused:
            try:
                return await imports.import_file(
                    kind, imported, actor, channels=names, dry_run=dry_run, progress=bar.update
                )
            except ImportRefused as error:  # every problem on its own line, below
                return error

        outcome = run_with_database(work)
    if isinstance(outcome, ImportRefused):
        _refused(outcome)
    typer.echo(_summary(outcome))


def _refused(error: ImportRefused) -> NoReturn:
    for problem in error.problems:
        typer.secho(f"{problem}", err=True, fg=typer.colors.RED)
    raise fail(
        f"nothing was imported: {len(error.problems)} bad row(s); fix the file and import it again",
        code=1,
    )


def _summary(report: ImportReport) -> str:
    verb = "would import" if report.dry_run else "imported"
    line = (
        f"{report.file}: {verb} {report.kind}: {report.rows:,} rows, {report.added:,} added, "
        f"{report.changed:,} changed, {report.unchanged:,} unchanged"
    )
    if report.already:
        line += f" ({report.already}: nothing written)"
    return line

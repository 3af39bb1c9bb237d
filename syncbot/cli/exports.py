"""`syncbot export KIND`: SKUs, stock, movements or the valuation as CSV or JSON lines,
written a page at a time to stdout or --output, with a progress bar on stderr."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, TextIO

import typer

from syncbot.app import exports
from syncbot.app.exports import ExportFormat, ExportKind
from syncbot.app.report_dates import start_of
from syncbot.cli.common import fail, load, run_with_database
from syncbot.cli.progress import progress_bar
from syncbot.ledger import LedgerError


def _since(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return start_of(text, "--since")
    except LedgerError as error:
        raise typer.BadParameter(str(error)) from error


def export_command(
    kind: Annotated[ExportKind, typer.Argument(metavar="KIND", help="What to export.")],
    output_format: Annotated[
        ExportFormat, typer.Option("--format", help="CSV with a header, or one JSON per line.")
    ] = ExportFormat.CSV,
    since: Annotated[
        str | None,
        typer.Option(
            metavar="WHEN",
            help="Only movements that occurred (SKUs created) at or after WHEN: "
            "YYYY-MM-DD or an ISO 8601 time.",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", dir_okay=False, help="Write here instead of stdout."),
    ] = None,
) -> None:
    """Export skus, stock, movements or the valuation, streamed in constant memory."""
    moment = _since(since)
    settings, _ = load()
    if since is not None and kind in (ExportKind.STOCK, ExportKind.VALUATION):
        raise fail(f"--since applies to skus and movements; {kind} is exported as it stands now")
    try:
        target: TextIO = (
            sys.stdout if output is None else output.open("w", encoding="utf-8", newline="")
        )
    except OSError as error:
        raise fail(f"cannot write {output}: {error}") from error
    write = exports.writer(kind, output_format)
    try:
        with progress_bar() as bar:

            async def work() -> int:
                total = await exports.count(kind, moment)
                written = 0
                bar.update(str(kind), 0, total)
                async for page in exports.pages(kind, moment, settings.currency):
                    target.write(write(page))
                    written += len(page)
                    bar.update(str(kind), written, max(total, written))
                if not written and output_format is ExportFormat.CSV:
                    target.write(exports.header_csv(kind))
                return written

            written = run_with_database(work)
    finally:
        if output is not None:
            target.close()
    if output is not None:
        typer.echo(f"exported {written:,} {kind} row(s) to {output}", err=True)

"""`syncbot demo`: the service with two emulated storefronts and their customers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from syncbot.cli.common import fail, run


def demo_command(
    seconds: Annotated[
        float | None,
        typer.Option(
            min=1,
            help="Stop after this many seconds, print a summary, and exit 0 only when every "
            "storefront shows syncbot's plan (drift 0). Default: run until Ctrl-C.",
        ),
    ] = None,
    orders_per_minute: Annotated[
        float,
        typer.Option(min=0.1, max=6000, help="How many orders the customers place a minute."),
    ] = 60.0,
    directory: Annotated[
        Path | None,
        typer.Option(
            "--dir",
            file_okay=False,
            help="Keep the database, channels file and log here (reused by the next run) "
            "instead of a temporary directory.",
        ),
    ] = None,
    port: Annotated[
        int, typer.Option(min=0, max=65535, help="syncbot's port on 127.0.0.1 (0: any free one).")
    ] = 0,
) -> None:
    """Run syncbot on SQLite with emulated Shopify and WooCommerce stores and simulated
    customers; print a line per order and push. Ctrl-C stops everything."""
    from syncbot.demo.run import DemoOptions, run_demo
    from syncbot.demo.servers import PortInUse

    options = DemoOptions(seconds, orders_per_minute, directory, port)
    try:
        code = run(run_demo(options, typer.echo))
    except PortInUse as error:
        raise fail(str(error), code=1) from error
    raise typer.Exit(code)

"""`syncbot report ...`: the group every report command is registered on
(`cli.report_commands` adds velocity, abc, aging, cover and sync-health)."""

from __future__ import annotations

import typer

report_app = typer.Typer(
    help="Reports: sales velocity, ABC classes, stock aging, days of cover, sync health.",
    no_args_is_help=True,
)

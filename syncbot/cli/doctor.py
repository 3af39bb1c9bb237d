"""`syncbot doctor`: one line per check of the installation, exit 1 when any fails."""

from __future__ import annotations

import typer

from syncbot import bootstrap
from syncbot.app.doctor import Finding, diagnose, exit_status
from syncbot.cli.common import load, run

_COLOURS = {"ok": typer.colors.GREEN, "FAIL": typer.colors.RED, "skip": typer.colors.YELLOW}


def doctor_command() -> None:
    """Check the database, migrations, every channel's credentials, scopes and webhooks,
    the Slack tokens and the scheduler leader; one line each, exit 1 if any fails."""
    settings, channels = load()

    async def main() -> list[Finding]:
        async with bootstrap.channel_http() as http:
            return await diagnose(bootstrap.doctor_checks(settings, channels, http))

    findings = run(main())
    for finding in findings:
        typer.secho(str(finding), fg=_COLOURS[finding.status])
    raise typer.Exit(exit_status(findings))

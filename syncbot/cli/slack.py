"""`syncbot slack`: the Slack bot alone, over Socket Mode, for merchants without a public URL."""

from __future__ import annotations

import typer

from syncbot import bootstrap
from syncbot.cli.common import fail, load, run
from syncbot.config import ConfigError
from syncbot.logs import configure_logging


def slack_command() -> None:
    """Connect the Slack bot over Socket Mode (needs SLACK_BOT_TOKEN and SLACK_APP_TOKEN).

    `syncbot serve` does the same when SLACK_APP_TOKEN is set; this runs the bot without
    the web service. Alerts are posted by whichever process runs the scheduler.
    """
    # Imported here: slack-bolt is a second of start-up every other command does without.
    from syncbot.slackbot.app import slack_settings

    settings, channels = load()
    try:
        config = slack_settings(settings, channels)
    except ConfigError as error:
        raise fail(str(error)) from error
    if config is None or not config.socket_mode:
        raise fail(
            "set SLACK_BOT_TOKEN and SLACK_APP_TOKEN: `syncbot slack` connects over Socket "
            "Mode (over HTTP, `syncbot serve` answers Slack at POST /slack/events)"
        )
    configure_logging(settings.log_level)
    typer.echo("connecting to Slack over Socket Mode; Ctrl-C stops", err=True)
    try:
        run(bootstrap.run_slack_bot(settings, channels))
    except KeyboardInterrupt:
        typer.echo("Slack bot stopped", err=True)

"""`syncbot slack`: the Slack bot alone, over Socket Mode, for merchants without a public URL."""

from __future__ import annotations

import asyncio

import httpx
import typer

from syncbot.cli.common import fail, load, run
from syncbot.config import ChannelsFile, ConfigError, Settings
from syncbot.logs import configure_logging
from syncbot.slackbot.app import SlackSettings, slack_settings
from syncbot.slackbot.runtime import SlackBot
from syncbot.store.database import close_database, declare_locations, open_database
from syncbot.store.preflight import require_schema


def slack_command() -> None:
    """Connect the Slack bot over Socket Mode (needs SLACK_BOT_TOKEN and SLACK_APP_TOKEN).

    `syncbot serve` does the same when SLACK_APP_TOKEN is set; this runs the bot without
    the web service. Alerts are posted by whichever process runs the scheduler.
    """
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
        run(_connect(settings, channels, config))
    except KeyboardInterrupt:
        typer.echo("Slack bot stopped", err=True)


async def _connect(settings: Settings, channels: ChannelsFile, config: SlackSettings) -> None:
    await require_schema(settings.database_url)  # only `migrate` and `serve` migrate
    await open_database(settings.database_url)
    try:
        await declare_locations(channels.locations)
        async with httpx.AsyncClient(timeout=httpx.Timeout(10.0)) as http:
            names = [channel.name for channel in channels.channels]
            bot = SlackBot(config, channels.locations, names, http, settings.alert_poll_seconds)
            await bot.start()
            try:
                await asyncio.Event().wait()
            finally:
                await bot.stop()
    except asyncio.CancelledError:
        pass
    finally:
        await close_database()

"""The one composition root: settings, connectors, the intake processor and its loop, the
scheduler and leadership, the Slack bot, and the processes they make up.

`serve`, `worker` and `slack` are each a few lines over these. Only `migrate` and `serve`
migrate the database; the others refuse a database that lacks a migration.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import httpx

from connectors import registry
from connectors.base import Connector
from syncbot.app import backups, replenishment, retention
from syncbot.app.syncing import ChannelSyncs
from syncbot.channels_file import ChannelsFile, load_channels_file
from syncbot.config import ConfigError, Settings, config_is_explicit, load_settings
from syncbot.intake.processor import IntakeProcessor
from syncbot.runtime.intake import IntakeLoop
from syncbot.runtime.leader import Leadership, leader_session
from syncbot.runtime.scheduler import LeaderJob, SyncScheduler
from syncbot.store.backups import is_sqlite
from syncbot.store.database import (
    close_database,
    declare_locations,
    migrate,
    open_database,
)
from syncbot.store.preflight import require_schema
from syncbot.sync.channels import SyncChannel, sync_channels

if TYPE_CHECKING:
    from fastapi import FastAPI

    from syncbot.app.doctor import Check

# The web app and the Slack bot are imported where a process that runs them is built, not
# here: every CLI command imports this root, and FastAPI and slack-bolt cost about a second
# of start-up that `syncbot stock` never uses.

log = logging.getLogger(__name__)

CHANNEL_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
SLACK_TIMEOUT = httpx.Timeout(10.0)
RETENTION_SECONDS = 3600.0


def load() -> tuple[Settings, ChannelsFile]:
    """The settings and the channels file they name; raises ConfigError."""
    settings = load_settings()
    return settings, load_channels_file(settings.config, explicit=config_is_explicit(settings))


def channel_http() -> httpx.AsyncClient:
    """The client every connector of a process shares."""
    return httpx.AsyncClient(timeout=CHANNEL_TIMEOUT)


def build_connectors(channels: ChannelsFile, http: httpx.AsyncClient) -> dict[str, Connector]:
    """One connector per declared channel: the one call of the connector registry.
    Raises ConfigError for a missing secret or a setting a kind refuses."""
    return registry.build_connectors(channels, os.environ, http)


def build_sync_channels(channels: ChannelsFile, http: httpx.AsyncClient) -> dict[str, SyncChannel]:
    """Each channel with its connector and allocation policy, by name."""
    return sync_channels(channels, build_connectors(channels, http))


def channel_syncs(settings: Settings, channels: Mapping[str, SyncChannel]) -> ChannelSyncs:
    """The process's one ChannelSyncs: the scheduler and a person's "sync now" share its
    lock per channel."""
    return ChannelSyncs(channels, grace=timedelta(seconds=settings.hold_grace_seconds))


def intake_loop(
    settings: Settings, connectors: Mapping[str, Connector], *, polling: bool = False
) -> IntakeLoop:
    """The intake loop over the channels' connectors. `polling`: no webhook route in the
    process wakes it (`syncbot worker`), so it sweeps every SYNCBOT_INTAKE_POLL_SECONDS."""
    processor = IntakeProcessor(connectors, batch=settings.intake_batch)
    # SQLite has one writer: a second lane would only wait for the first one's lock.
    lanes = 1 if is_sqlite(settings.database_url) else settings.intake_lanes
    return IntakeLoop(
        processor, poll_seconds=settings.intake_poll_seconds if polling else None, lanes=lanes
    )


def _reconciled_elsewhere() -> None:
    """`serve --no-intake`'s wake-up: a worker's polling intake finds the stored delivery."""


def leadership(settings: Settings) -> Leadership:
    return Leadership(settings.database_url, retry_seconds=settings.leader_retry_seconds)


def doctor_checks(
    settings: Settings, channels: ChannelsFile, http: httpx.AsyncClient
) -> list[Check]:
    """`syncbot doctor`'s checks, in the order they print: database, migrations, each
    channel (built alone, so one missing secret fails that channel only), Slack, leader."""
    from syncbot.app import doctor

    checks = doctor.database_checks(settings.database_url)
    context = registry.BuildContext(locations=channels.locations, environ=os.environ, http=http)
    if not channels.channels:
        why = f"none declared in {settings.config} (`syncbot init` writes one)"
        checks.append(doctor.optional_check("channels", None, why))
    for channel in channels.channels:
        connector: Connector | ConfigError
        try:
            connector = registry.build(channel.name, channel.kind, channel.settings(), context)
        except ConfigError as error:
            connector = error
        checks += doctor.channel_checks(channel.name, connector, settings.public_url)
    checks += _slack_checks(settings, channels)
    url = settings.database_url
    on_postgres = url.startswith("postgres")
    checks.append(doctor.leader_check((lambda: leader_session(url)) if on_postgres else None))
    return checks


def _slack_checks(settings: Settings, channels: ChannelsFile) -> list[Check]:
    from syncbot.app import doctor
    from syncbot.slackbot.app import slack_settings
    from syncbot.slackbot.tokens import bot_identity, socket_mode_opens

    try:
        config = slack_settings(settings, channels)
    except ConfigError as error:
        return [doctor.failing_check("slack", error)]
    if config is None:
        return [doctor.optional_check("slack", None, "SLACK_BOT_TOKEN is not set")]
    bot, app, api = config.bot_token, config.app_token, config.api_url
    return [
        doctor.Check("slack bot token", lambda: bot_identity(bot, api)),
        doctor.optional_check(
            "slack app token",
            (lambda: socket_mode_opens(app, api)) if app else None,
            "SLACK_APP_TOKEN is not set: Slack calls /slack/events over HTTP",
        ),
    ]


@asynccontextmanager
async def database(settings: Settings, channels: ChannelsFile) -> AsyncIterator[None]:
    """The migrated database, open, with the channels file's locations declared; a missing
    migration stops here ("run `syncbot migrate`")."""
    await require_schema(settings.database_url)
    await open_database(settings.database_url)
    try:
        await declare_locations(channels.locations)
        yield
    finally:
        await close_database()


def create_app(
    settings: Settings,
    channels: ChannelsFile,
    connectors: Mapping[str, Connector] | None = None,
    http: httpx.AsyncClient | None = None,
) -> FastAPI:
    """The service; the database is migrated and opened only when the server starts it.

    `connectors` are the channels' storefronts, `http` the client they share (closed at
    shutdown). Unless SYNCBOT_INTAKE is false (`serve --no-intake`), the intake loop runs
    beside the server, woken by each stored delivery, and finishes, at start, any delivery
    a previous process stored but did not process.
    """
    from syncbot.slackbot.app import slack_settings
    from syncbot.slackbot.runtime import SlackBot
    from syncbot.web.app import web_app

    connectors = connectors or {}
    intake = intake_loop(settings, connectors) if settings.intake else None
    kinds = {channel.name: channel.kind for channel in channels.channels}
    slack_config = slack_settings(settings, channels)
    replies = http or httpx.AsyncClient(timeout=SLACK_TIMEOUT)
    bot = (
        SlackBot(
            slack_config, channels.locations, list(kinds), replies, settings.alert_poll_seconds
        )
        if slack_config
        else None
    )
    syncs = channel_syncs(settings, sync_channels(channels, connectors))
    jobs = [
        forecast_job(settings),
        *backup_job(settings),
        *retention_jobs(settings, alerts_delivered=bot is not None),
        *(bot.leader_jobs() if bot else ()),
    ]
    scheduler = SyncScheduler(syncs, settings, also=jobs)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await migrate(settings.database_url, progress=log.info)
        await open_database(settings.database_url)
        if settings.api_token is None:
            log.info("SYNCBOT_API_TOKEN is not set: /api takes users' tokens only")
        tasks: list[asyncio.Task[None]] = []
        try:
            await declare_locations(channels.locations)
            if intake is not None:
                tasks.append(asyncio.create_task(intake.run(), name="intake"))
            else:
                log.info("intake off in this process (--no-intake)")
            if bot is not None:
                await bot.start()
            if settings.scheduler:
                tasks.append(
                    asyncio.create_task(leadership(settings).run(scheduler.lead), name="scheduler")
                )
            else:
                log.info("scheduler off in this process (--no-scheduler)")
            yield
        finally:
            for task in reversed(tasks):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if bot is not None:
                await bot.stop()
            await replies.aclose()
            await close_database()

    routers = [bot.router()] if bot is not None else []
    wake = intake.wake if intake is not None else _reconciled_elsewhere
    return web_app(settings, kinds, connectors, wake, lifespan, routers, channel_syncs=syncs)


def service(settings: Settings, channels: ChannelsFile) -> FastAPI:
    """`syncbot serve`'s app, with the channels' connectors on one shared client."""
    http = channel_http()
    return create_app(settings, channels, build_connectors(channels, http), http)


def forecast_job(settings: Settings) -> LeaderJob:
    """The leader fits each day's forecasts once, so `replenish` and the reports read them."""

    async def refresh() -> None:
        fitted = await replenishment.refresh(datetime.now(UTC).date())
        if fitted:
            log.info("forecasts fitted", extra={"skus": fitted})

    return LeaderJob("forecasts", settings.forecast_seconds, refresh)


def backup_job(settings: Settings) -> list[LeaderJob]:
    """With SYNCBOT_BACKUP_DIR, the leader takes a backup every SYNCBOT_BACKUP_SECONDS and
    keeps the newest SYNCBOT_BACKUP_KEEP."""
    directory = settings.backup_dir
    if directory is None:
        return []

    async def take() -> None:
        rotation = await backups.take_scheduled(
            settings.database_url, directory, settings.backup_keep
        )
        log.info(
            "backup taken",
            extra={"backup": str(rotation.taken), "removed": [p.name for p in rotation.removed]},
        )

    return [LeaderJob("backup", settings.backup_seconds, take)]


def retention_jobs(settings: Settings, *, alerts_delivered: bool) -> list[LeaderJob]:
    """The leader deletes processed inbox and outbox rows past SYNCBOT_RETENTION_DAYS, hourly
    so each run has little to do; none when retention is 0 (keep everything)."""
    days = settings.retention_days
    if not days:
        return []

    async def purge() -> None:
        purged = await retention.purge(days, datetime.now(UTC), alerts_delivered=alerts_delivered)
        if purged.deliveries or purged.events:
            log.info(
                "retention purged",
                extra={"deliveries": purged.deliveries, "events": purged.events, "days": days},
            )

    return [LeaderJob("retention", RETENTION_SECONDS, purge)]


async def run_worker(settings: Settings, channels: ChannelsFile) -> None:
    """`syncbot worker`: the scheduler and, unless SYNCBOT_INTAKE is false, the intake loop,
    without the web service, until cancelled. The intake polls the inbox, since the
    webhook route that stores deliveries runs in another process (`serve --no-intake`)."""
    from syncbot.slackbot.app import alert_jobs, digest_jobs, slack_settings

    with contextlib.suppress(asyncio.CancelledError):
        async with database(settings, channels), channel_http() as http:
            connectors = build_connectors(channels, http)
            targets = sync_channels(channels, connectors)
            slack = slack_settings(settings, channels)
            # The leader posts Slack alerts and the daily digest too; `serve` or `slack`
            # answers the commands.
            also: list[LeaderJob] = [forecast_job(settings), *backup_job(settings)]
            also += retention_jobs(settings, alerts_delivered=slack is not None)
            if slack is not None:
                also += alert_jobs(slack, settings.alert_poll_seconds) + digest_jobs(slack)
            scheduler = SyncScheduler(channel_syncs(settings, targets), settings, also=also)
            intake = None
            if settings.intake:
                loop = intake_loop(settings, connectors, polling=True)
                intake = asyncio.create_task(loop.run(), name="intake")
                log.info("intake polls the inbox every %g s", settings.intake_poll_seconds)
            else:
                log.info("intake off in this process (SYNCBOT_INTAKE=false)")
            try:
                await leadership(settings).run(scheduler.lead)
            finally:
                if intake is not None:
                    intake.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await intake


async def run_slack_bot(settings: Settings, channels: ChannelsFile) -> None:
    """`syncbot slack`: the Slack bot over Socket Mode, until cancelled. The caller checked
    that Socket Mode is configured (`slack_settings(...).socket_mode`)."""
    from syncbot.slackbot.app import slack_settings
    from syncbot.slackbot.runtime import SlackBot

    config = slack_settings(settings, channels)
    assert config is not None
    names = [channel.name for channel in channels.channels]
    with contextlib.suppress(asyncio.CancelledError):
        async with database(settings, channels), httpx.AsyncClient(timeout=SLACK_TIMEOUT) as http:
            bot = SlackBot(config, channels.locations, names, http, settings.alert_poll_seconds)
            await bot.start()
            try:
                await asyncio.Event().wait()
            finally:
                await bot.stop()

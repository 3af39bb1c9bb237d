"""`create_slack_app`: the one place the Slack bot is put together.

Over HTTP it is served at POST /slack/events (web.py), where Bolt checks every request's
signature and refuses one older than five minutes. With SLACK_APP_TOKEN set it connects
over Socket Mode instead, for merchants without a public URL, and /slack/events is off.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import time, timedelta

import httpx
from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from syncbot.channels_file import ChannelsFile
from syncbot.config import ConfigError, Settings, split_ids
from syncbot.runtime.scheduler import LeaderJob
from syncbot.slackbot import commands, home
from syncbot.slackbot.access import Access
from syncbot.slackbot.alerts import Alerts
from syncbot.slackbot.digest import DailyDigest
from syncbot.slackbot.replies import Replier

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SlackSettings:
    bot_token: str
    signing_secret: str
    app_token: str | None
    api_url: str
    access: Access
    alert_channel: str | None
    alert_cooldown: timedelta
    drift_alert_units: int
    digest_time: time | None = None
    """When the daily digest is posted (UTC); None: no digest."""
    digest_channel: str | None = None

    @property
    def socket_mode(self) -> bool:
        return self.app_token is not None


def slack_settings(settings: Settings, channels: ChannelsFile) -> SlackSettings | None:
    """None when Slack is not configured; a ConfigError when it is, but half-way."""
    if settings.slack_bot_token is None:
        if settings.slack_app_token or settings.slack_signing_secret:
            raise ConfigError("SLACK_BOT_TOKEN is not set: the Slack bot needs its bot token")
        return None
    app_token = settings.slack_app_token.get_secret_value() if settings.slack_app_token else None
    secret = settings.slack_signing_secret
    if secret is None and app_token is None:
        raise ConfigError(
            "SLACK_SIGNING_SECRET is not set: requests to /slack/events cannot be verified "
            "(set it, or SLACK_APP_TOKEN to use Socket Mode)"
        )
    file = channels.slack
    writers = [*file.writers, *split_ids(settings.slack_writers)]
    # `admins` is the older name of `managers`: the rights it gave (write, and undo
    # anyone's movement) are a manager's.
    managers = [
        *file.managers,
        *file.admins,
        *split_ids(settings.slack_managers),
        *split_ids(settings.slack_admins),
    ]
    alert_channel = settings.slack_alert_channel or file.alert_channel
    digest_channel = settings.digest_channel or file.digest_channel or alert_channel
    if settings.digest_time is not None and digest_channel is None:
        raise ConfigError(
            "SYNCBOT_DIGEST_TIME is set but the digest has no channel: set "
            "SYNCBOT_DIGEST_CHANNEL (or an alert channel, which it then uses)"
        )
    return SlackSettings(
        bot_token=settings.slack_bot_token.get_secret_value(),
        signing_secret=secret.get_secret_value() if secret else "",
        app_token=app_token,
        api_url=settings.slack_api_url,
        access=Access.of(writers, managers),
        alert_channel=alert_channel,
        alert_cooldown=timedelta(seconds=settings.alert_cooldown_seconds),
        drift_alert_units=settings.drift_alert_units,
        digest_time=settings.digest_time,
        digest_channel=digest_channel,
    )


def web_client(config: SlackSettings) -> AsyncWebClient:
    # The SDK's default handlers retry only connection errors; Slack's 429s (about one
    # message per second per channel) are waited out as its Retry-After asks.
    handlers = [
        AsyncConnectionErrorRetryHandler(),
        AsyncRateLimitErrorRetryHandler(max_retry_count=3),
    ]
    return AsyncWebClient(config.bot_token, base_url=config.api_url, retry_handlers=handlers)


def create_slack_app(
    config: SlackSettings,
    locations: Sequence[str],
    channel_names: Sequence[str],
    http: httpx.AsyncClient,
    client: AsyncWebClient | None = None,
) -> AsyncApp:
    app = AsyncApp(
        name="syncbot",
        signing_secret=config.signing_secret,
        client=client or web_client(config),
        # Socket Mode frames come over a connection the app opened with its own token;
        # there is no HTTP request to sign, and /slack/events is not served then.
        request_verification_enabled=not config.socket_mode,
        # Acknowledgements are the HTTP answer; writes run in lazy listeners after it.
        process_before_response=True,
    )
    floor = commands.Floor(config.access, tuple(locations), Replier(http))
    commands.register(app, floor)
    home.register(app, channel_names)
    return app


def alert_jobs(
    config: SlackSettings, poll_seconds: float, client: AsyncWebClient | None = None
) -> list[LeaderJob]:
    """The leader's job that posts alerts, if an alert channel is configured."""
    if config.alert_channel is None:
        log.info("no Slack alert channel configured: alerts are not posted")
        return []
    delivery = Alerts(
        client or web_client(config),
        config.alert_channel,
        config.alert_cooldown,
        config.drift_alert_units,
    )
    return [LeaderJob("slack-alerts", poll_seconds, delivery.deliver)]


DIGEST_POLL_SECONDS = 60.0


def digest_jobs(config: SlackSettings, client: AsyncWebClient | None = None) -> list[LeaderJob]:
    """The leader's job that posts the daily digest, if a digest time is configured."""
    if config.digest_time is None or config.digest_channel is None:
        log.info("SYNCBOT_DIGEST_TIME is not set: no daily Slack digest")
        return []
    digest = DailyDigest(client or web_client(config), config.digest_channel, config.digest_time)
    return [LeaderJob("slack-digest", DIGEST_POLL_SECONDS, digest.run)]

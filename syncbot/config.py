"""Settings from the environment (SYNCBOT_*); a bad value fails at start in one line.

The channels file they point to is read by syncbot.channels_file, with the same ConfigError.
"""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# One error for every start-up setting: the connectors raise it for their own keys, which
# they read from the raw channel table (ChannelConfig.settings()) that the channels file
# hands over.
from connectors.settings import ConfigError as ConfigError
from syncbot.ledger.costing import DEFAULT_CURRENCY, CostError, exponent

SLACK_ID = re.compile(r"^[UWS][A-Z0-9]{2,20}$")
"""A Slack user id (U…, W…) or user-group id (S…), in the channels file or SYNCBOT_SLACK_*."""
_CLOCK_TIME = re.compile(r"^([01]?[0-9]|2[0-3]):([0-5][0-9])$")


MIN_RETENTION_DAYS = 7
"""Far beyond the longest storefront retry window (Shopify, BigCommerce: 48 hours)."""


class Settings(BaseSettings):
    """Every setting is an environment variable prefixed SYNCBOT_."""

    model_config = SettingsConfigDict(
        env_prefix="SYNCBOT_", extra="ignore", frozen=True, populate_by_name=True
    )

    database_url: str = "sqlite://syncbot.db"
    config: Path = Path("syncbot.toml")
    api_token: SecretStr | None = None
    """The bootstrap admin token of `/api`; replace it with a user's (`syncbot token create`)."""
    metrics_token: SecretStr | None = None
    """When set, `/metrics` needs `Authorization: Bearer <it>`."""
    public_url: str | None = None
    """Where people reach the service, e.g. https://stock.example.com: with https, the
    console's cookies are marked Secure; `channels subscribe` and `doctor` point the
    storefronts' webhooks at its /webhooks/{channel}."""
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    currency: str = DEFAULT_CURRENCY
    """The installation's one currency (ISO 4217): reports round amounts to its smallest unit."""
    log_level: str = "INFO"
    access_log: bool = True
    """Whether `serve` logs uvicorn's line per request at INFO: off, a flash sale's web
    processes spend that CPU answering instead (deliveries stay counted in /metrics)."""
    intake_batch: int = Field(default=1000, ge=1, le=1000)
    """Most webhook deliveries the intake claims and reconciles in one transaction."""
    intake_lanes: int = Field(default=2, ge=1, le=8)
    """Batches a process's intake works at once on PostgreSQL (SQLite: always one)."""
    intake: bool = True
    """Whether `serve` and `worker` run the intake loop; `serve --no-intake` only stores."""
    intake_poll_seconds: float = Field(default=0.25, gt=0, le=60)
    """How often `worker`'s intake looks for stored deliveries: no web process wakes it."""
    # Channel sync. Intervals are seconds; every job of the scheduler is configurable.
    scheduler: bool = True
    sync_debounce_seconds: float = Field(default=0.5, ge=0, le=60)
    sync_poll_seconds: float = Field(default=0.25, gt=0, le=60)
    sync_sweep_seconds: float = Field(default=300, ge=1)
    catch_up_seconds: float = Field(default=300, ge=1)
    drift_seconds: float = Field(default=900, ge=1)
    hold_grace_seconds: float = Field(default=600, ge=0)
    leader_retry_seconds: float = Field(default=5, gt=0, le=300)
    # Slack. The three tokens keep the names Slack's own tools and docs use.
    slack_bot_token: SecretStr | None = Field(default=None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(
        default=None, validation_alias="SLACK_SIGNING_SECRET"
    )
    slack_app_token: SecretStr | None = Field(default=None, validation_alias="SLACK_APP_TOKEN")
    slack_api_url: str = "https://slack.com/api/"
    slack_writers: str = ""
    """Comma-separated user or user-group ids, added to the channels file's writers."""
    slack_managers: str = ""
    """The same, added to the channels file's managers."""
    slack_admins: str = ""
    """The older name of SYNCBOT_SLACK_MANAGERS, kept working: these are managers too."""
    slack_alert_channel: str | None = None
    alert_cooldown_seconds: float = Field(default=3600, ge=0)
    alert_poll_seconds: float = Field(default=2, gt=0, le=300)
    forecast_seconds: float = Field(default=3600, ge=60)
    """How often the leader fits the forecasts a day still lacks (`replenishment.refresh`)."""
    drift_alert_units: int = Field(default=1, ge=1)
    retention_days: int = Field(default=30, ge=0)
    """Processed inbox and outbox rows older than this many days are deleted by the
    leader; 0 keeps them forever. At least 7: an inbox row's event id must outlive the
    storefronts' retries (48 hours) to dedupe them."""
    digest_time: time | None = None
    """When the leader posts the daily Slack digest, HH:MM in UTC; unset, no digest."""
    digest_channel: str | None = None
    """Where the digest goes; overrides `[slack] digest_channel`, else the alert channel."""
    backup_dir: Path | None = None
    """When set, the leader writes a backup here every `backup_seconds` (docs/backups.md)."""
    backup_keep: int = Field(default=7, ge=1)
    """How many of the scheduled backups in `backup_dir` are kept, the newest."""
    backup_seconds: float = Field(default=86400, ge=60)

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, url: str) -> str:
        if url.startswith("postgresql://"):
            url = "postgres://" + url.removeprefix("postgresql://")
        if not url.startswith(("sqlite://", "postgres://")):
            raise ValueError("use sqlite://PATH or postgres://USER@HOST:PORT/DATABASE")
        parts = urlsplit(url)
        directory = Path(parts.netloc + parts.path).parent
        # Tortoise's migrator hangs, instead of failing, on a SQLite file it cannot create.
        if parts.scheme == "sqlite" and not directory.is_dir():
            raise ValueError(f"directory {directory} does not exist")
        return url

    @field_validator("api_token", "metrics_token")
    @classmethod
    def _long_enough(cls, token: SecretStr | None) -> SecretStr | None:
        if token is not None and len(token.get_secret_value()) < 16:
            raise ValueError("use at least 16 characters, e.g. from `openssl rand -hex 24`")
        return token

    @field_validator("slack_writers", "slack_managers", "slack_admins")
    @classmethod
    def _slack_ids(cls, listed: str) -> str:
        for given in split_ids(listed):
            if not SLACK_ID.match(given):
                raise ValueError(f"{given!r} is not a Slack user id (U…, W…) or group id (S…)")
        return listed

    @field_validator("retention_days")
    @classmethod
    def _retention(cls, days: int) -> int:
        if 0 < days < MIN_RETENTION_DAYS:
            raise ValueError(
                f"keep at least {MIN_RETENTION_DAYS} days (0 keeps everything): a processed "
                "delivery's event id must outlive the storefronts' 48-hour retries to dedupe them"
            )
        return days

    @field_validator("slack_api_url")
    @classmethod
    def _api_url(cls, url: str) -> str:
        if not url.startswith(("https://", "http://")):
            raise ValueError("use an http(s) URL ending in /api/, like https://slack.com/api/")
        return url if url.endswith("/") else url + "/"

    @field_validator("digest_time", mode="before")
    @classmethod
    def _clock_time(cls, given: object) -> object:
        """HH:MM, a time of day in UTC; "" is unset. No seconds and no time zone: the
        digest is checked once a minute, and always in UTC."""
        if given is None or isinstance(given, time):
            return given
        text = str(given).strip()
        if not text:
            return None
        found = _CLOCK_TIME.match(text)
        if found is None:
            raise ValueError(f"{text!r} is not a time of day: use HH:MM in UTC, e.g. 08:00")
        return time(int(found[1]), int(found[2]))

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, code: str) -> str:
        try:
            exponent(code)
        except CostError as error:
            raise ValueError(str(error)) from None
        return code.strip().upper()

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, level: str) -> str:
        level = level.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("use DEBUG, INFO, WARNING or ERROR")
        return level


def split_ids(listed: str) -> list[str]:
    return [part.strip() for part in listed.split(",") if part.strip()]


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment, or a ConfigError naming the variable to fix."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        first = error.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "?"
        raise ConfigError(f"SYNCBOT_{field.upper()}: {validation_message(first['msg'])}") from error


def config_is_explicit(settings: Settings) -> bool:
    """True when SYNCBOT_CONFIG (or an override) named the channels file."""
    return "config" in settings.model_fields_set


def validation_message(pydantic_message: str) -> str:
    """Our validators' words without pydantic's "Value error, " in front of them."""
    return pydantic_message.removeprefix("Value error, ")

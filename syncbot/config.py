"""Settings from the environment plus the channels file; a bad value fails at start in one line."""

from __future__ import annotations

import re
import tomllib
from datetime import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

# One error for every start-up setting: the connectors raise it for their own keys, which
# they read from the raw channel table (ChannelConfig.settings()) that this file hands over.
from connectors.settings import ConfigError as ConfigError
from syncbot.ledger import DEFAULT_LOCATION
from syncbot.ledger.costing import DEFAULT_CURRENCY, CostError, exponent

# Keys in the channels file that would hold a secret in clear text; they must name an
# environment variable instead (access_token_env = "SHOPIFY_MAIN_TOKEN").
_SECRET_KEY = re.compile(r"(token|secret|password|api_key|consumer_key)$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_SLACK_ID = re.compile(r"^[UWS][A-Z0-9]{2,20}$")
_CLOCK_TIME = re.compile(r"^([01]?[0-9]|2[0-3]):([0-5][0-9])$")


class PolicyOverride(BaseModel):
    """A SKU's own policy on one channel; what it leaves out comes from the channel's."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    buffer: int | None = Field(default=None, ge=0)
    percent: int | None = Field(default=None, ge=0, le=100)
    max: int | None = Field(default=None, ge=0)


class PolicyConfig(BaseModel):
    """`[channels.policy]`: how much of `available` the channel lists."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    buffer: int = Field(default=0, ge=0)
    percent: int = Field(default=100, ge=0, le=100)
    max: int | None = Field(default=None, ge=0)
    # Opt-in: list units on open purchase orders too, those due within the window.
    sell_incoming: bool = False
    incoming_within_days: int | None = Field(default=None, ge=0, le=3650)
    skus: dict[str, PolicyOverride] = Field(default_factory=dict)


class ChannelConfig(BaseModel):
    """One storefront. This checks the keys every channel shares; the rest of the table is
    the kind's own, handed over raw by `settings()` and read by its connector's config."""

    model_config = ConfigDict(extra="allow", frozen=True)

    name: str
    kind: str
    policy: PolicyConfig = Field(default_factory=PolicyConfig)
    sells_from: list[str] | None = None
    """The locations whose `available` the channel lists; by default the ones it maps."""

    @field_validator("name")
    @classmethod
    def _name_is_a_slug(cls, name: str) -> str:
        if not _NAME.match(name):
            raise ValueError("use lower-case letters, digits, - and _ (it appears in URLs)")
        return name

    def settings(self) -> dict[str, Any]:
        """The raw table of the kind's own keys, as the channels file gives them."""
        return dict(self.model_extra or {})


class SlackConfig(BaseModel):
    """`[slack]` in the channels file: who may write, and where alerts and the digest go."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    writers: list[str] = Field(default_factory=list)
    """Slack user ids (U…/W…) and user-group ids (S…) who are clerks: they record
    receipts, damage and counts, and undo their own."""
    managers: list[str] = Field(default_factory=list)
    """Who are managers: they may also undo anyone's movement."""
    admins: list[str] = Field(default_factory=list)
    """The older name of `managers`, kept working: these are managers too."""
    alert_channel: str | None = None
    digest_channel: str | None = None
    """Where the daily digest goes; by default the alert channel."""

    @field_validator("writers", "managers", "admins")
    @classmethod
    def _slack_ids(cls, ids: list[str]) -> list[str]:
        for given in ids:
            if not _SLACK_ID.match(given):
                raise ValueError(
                    f"{given!r} is not a Slack user id (U…, W…) or user-group id (S…); "
                    "copy it from the person's profile, not their name"
                )
        return ids


class ChannelsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    locations: list[str] = Field(default_factory=lambda: [DEFAULT_LOCATION])
    channels: list[ChannelConfig] = Field(default_factory=list)
    slack: SlackConfig = Field(default_factory=SlackConfig)

    @field_validator("locations")
    @classmethod
    def _locations_are_slugs(cls, locations: list[str]) -> list[str]:
        for location in locations:
            if not _NAME.match(location):
                raise ValueError(f"location {location!r}: use lower-case letters, digits, - and _")
        if DEFAULT_LOCATION not in locations:
            locations = [DEFAULT_LOCATION, *locations]
        return list(dict.fromkeys(locations))

    @field_validator("channels")
    @classmethod
    def _channels_hold_no_secrets(
        cls, channels: list[ChannelConfig], info: ValidationInfo
    ) -> list[ChannelConfig]:
        seen: set[str] = set()
        declared = info.data.get("locations", [DEFAULT_LOCATION])
        for channel in channels:
            if channel.name in seen:
                raise ValueError(f"channel {channel.name!r} is declared twice")
            seen.add(channel.name)
            for location in channel.sells_from or ():
                if location not in declared:
                    raise ValueError(
                        f"channel {channel.name!r}: sells_from {location!r} is not declared "
                        "in the file's locations"
                    )
            for key in channel.settings():
                if _SECRET_KEY.search(key):
                    raise ValueError(
                        f"channel {channel.name!r} has {key!r}: never write a secret here, "
                        f"name its environment variable with {key}_env instead"
                    )
        return channels


def load_channels_file(path: Path, *, explicit: bool = False) -> ChannelsFile:
    """Reads the channels file. The default file may be absent (one location, no channels);
    a file named in SYNCBOT_CONFIG (`explicit`) must exist and be readable."""
    if not explicit and not path.exists():
        return ChannelsFile()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        return ChannelsFile.model_validate(raw)
    except FileNotFoundError as error:
        raise ConfigError(f"SYNCBOT_CONFIG={path}: no such file") from error
    except IsADirectoryError as error:
        raise ConfigError(f"SYNCBOT_CONFIG={path}: a directory, not a TOML file") from error
    except UnicodeDecodeError as error:
        raise ConfigError(
            f"SYNCBOT_CONFIG={path}: not UTF-8 text (byte {error.start} cannot be read)"
        ) from error
    except OSError as error:
        raise ConfigError(f"SYNCBOT_CONFIG={path}: cannot read it: {error.strerror}") from error
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from error
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ConfigError(f"{path}: {where}: {_message(first['msg'])}") from error


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
    intake_batch: int = Field(default=50, ge=1, le=1000)
    """Most webhook deliveries the intake claims and reconciles in one transaction."""
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
            if not _SLACK_ID.match(given):
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
        raise ConfigError(f"SYNCBOT_{field.upper()}: {_message(first['msg'])}") from error


def config_is_explicit(settings: Settings) -> bool:
    """True when SYNCBOT_CONFIG (or an override) named the channels file."""
    return "config" in settings.model_fields_set


def _message(pydantic_message: str) -> str:
    """Our validators' words without pydantic's "Value error, " in front of them."""
    return pydantic_message.removeprefix("Value error, ")

"""The channels file (SYNCBOT_CONFIG, syncbot.toml): locations, channels, their policies and
`[slack]`; a bad value fails at start in one line naming the key."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from syncbot.config import SLACK_ID, ConfigError, validation_message
from syncbot.ledger import DEFAULT_LOCATION

# Keys in the channels file that would hold a secret in clear text; they must name an
# environment variable instead (access_token_env = "SHOPIFY_MAIN_TOKEN").
_SECRET_KEY = re.compile(r"(token|secret|password|api_key|consumer_key)$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


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
            if not SLACK_ID.match(given):
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
        raise ConfigError(f"{path}: {where}: {validation_message(first['msg'])}") from error

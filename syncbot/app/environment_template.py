"""The environment template `syncbot init` writes: every setting, then the channels' secrets.

Every field of `syncbot.config.Settings` is listed, read from the model itself, so a new
setting appears in the template without an edit here; one without a line in `_ABOUT`
points at the settings' documentation.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import SecretStr

from syncbot.config import Settings


@dataclass(frozen=True, slots=True)
class Secret:
    variable: str
    comment: str
    value: str = ""
    """Generated when syncbot chooses it (a WooCommerce webhook secret), else to fill in."""


# Why each setting exists, for the template; a setting without a line here says where
# its documentation is.
_ABOUT = {
    "database_url": "the database: sqlite://PATH, or postgres://USER:PASSWORD@HOST:PORT/DB",
    "config": "the channels file",
    "api_token": "bootstrap admin token of /api (>= 16 characters); replace with users' tokens",
    "metrics_token": "when set, GET /metrics needs Authorization: Bearer <it>",
    "public_url": "where people and storefronts reach the service (https); webhooks go here",
    "max_body_bytes": "larger request bodies get 413",
    "currency": "the installation's one currency, ISO 4217",
    "log_level": "DEBUG, INFO, WARNING or ERROR",
    "scheduler": "run the sync scheduler in `serve` (one process leads, on PostgreSQL)",
    "sync_debounce_seconds": "wait after a change so a burst goes in one push",
    "sync_poll_seconds": "how often committed stock changes are looked for",
    "sync_sweep_seconds": "the full sweep of every listing, the safety net",
    "catch_up_seconds": "each channel's order catch-up",
    "drift_seconds": "each channel's drift check",
    "hold_grace_seconds": "how long a raise waits for orders not yet ingested",
    "leader_retry_seconds": "PostgreSQL: how often a standby tries to lead",
    "slack_bot_token": "the Slack bot's token (xoxb-…); unset, no Slack bot",
    "slack_signing_secret": "verifies requests to /slack/events",
    "slack_app_token": "an app-level token (xapp-…) to use Socket Mode instead of HTTP",
    "slack_api_url": "Slack's Web API (a test server in tests)",
    "slack_writers": "comma-separated Slack user or group ids who may record stock",
    "slack_managers": "the same, who may also undo anyone's movement",
    "slack_admins": "the older name of SYNCBOT_SLACK_MANAGERS",
    "slack_alert_channel": "the Slack channel id alerts go to",
    "alert_cooldown_seconds": "the least time between two alerts of one kind and SKU",
    "alert_poll_seconds": "how often new alerts are looked for",
    "forecast_seconds": "how often the leader fits the day's demand forecasts",
    "drift_alert_units": "the drift, in units, that raises an alert",
    "digest_time": "HH:MM UTC of the daily Slack digest; unset, no digest",
    "digest_channel": "where the digest goes; default the alert channel",
}


def variable_of(name: str) -> str:
    """The environment variable of a Settings field (SLACK_BOT_TOKEN keeps Slack's name)."""
    alias = Settings.model_fields[name].validation_alias
    return alias if isinstance(alias, str) else f"SYNCBOT_{name.upper()}"


def render_environment(
    database_url: str, config_path: str, public_url: str | None, channel_secrets: Sequence[Secret]
) -> str:
    """The template: every setting (given ones set, the others commented out with their
    default), a fresh API token, then the channels' secret variables."""
    given = {
        "database_url": database_url,
        "config": config_path,
        "api_token": secrets.token_hex(24),
        "public_url": public_url,
    }
    lines = [
        "# syncbot's environment. Every setting is listed; a commented line shows its default.",
        "# Load it with `set -a; . ./syncbot.env; set +a`, `docker run --env-file`, or",
        "# systemd's EnvironmentFile=. It holds secrets: keep it out of version control.",
        "# Reference: docs/operations.md#settings and docs/slack.md#settings.",
        "",
    ]
    for name, definition in Settings.model_fields.items():
        about = _ABOUT.get(name) or definition.description or "see docs/operations.md"
        value = given.get(name)
        lines.append(f"# {about}")
        if value:
            lines.append(f"{variable_of(name)}={value}")
        else:
            lines.append(f"# {variable_of(name)}={_shown(definition.default)}")
    if channel_secrets:
        lines += ["", "# The channels' secrets, named by the *_env keys of the channels file."]
        for secret in channel_secrets:
            lines += [f"# {secret.comment}", f"{secret.variable}={secret.value}"]
    return "\n".join(lines) + "\n"


def _shown(default: object) -> str:
    if default is None or isinstance(default, SecretStr):
        return ""
    if isinstance(default, bool):
        return "true" if default else "false"
    return str(default)

"""`syncbot init`: a commented channels file and an environment template, checked, then written.

Both texts are rendered from the answers, and the channels file is checked the way every
command will read it (the channels file's model, then each kind's connector config, with
its secrets standing in) before anything is written: a store domain or a name syncbot
would refuse at start is refused here, and no file is left half-made. Existing files are
never overwritten unless asked (`force`).

The environment template is `syncbot.app.environment_template`'s.

    SetupError
    ├── BadAnswer      an answer the channels file or a connector would refuse
    └── FilesExist     a file is already there and force was not given
"""

from __future__ import annotations

import os
import re
import secrets
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from pydantic import ValidationError

from connectors import registry
from connectors.settings import BuildContext, ConfigError
from syncbot.app.environment_template import Secret, render_environment
from syncbot.channels_file import ChannelsFile

KINDS = ("shopify", "woocommerce", "bigcommerce")
DEFAULT_NAMES = {"shopify": "shop", "woocommerce": "woo", "bigcommerce": "bc"}


class SetupError(Exception):
    pass


class BadAnswer(SetupError):
    pass


class FilesExist(SetupError):
    def __init__(self, paths: Sequence[Path]) -> None:
        names = " and ".join(str(path) for path in paths)
        verb = "exists" if len(paths) == 1 else "exist"
        super().__init__(f"{names} already {verb}: nothing written (--force overwrites)")
        self.paths = tuple(paths)


@dataclass(frozen=True, slots=True)
class Store:
    """One storefront to declare: its kind, its name, and where it is (domain, URL, hash)."""

    kind: str
    name: str
    address: str

    @property
    def prefix(self) -> str:
        """The stem of its secrets' variable names: `shop` → SHOP_ACCESS_TOKEN."""
        return re.sub(r"[^A-Z0-9]", "_", self.name.upper())


@dataclass(frozen=True, slots=True)
class Answers:
    locations: Sequence[str] = ("main",)
    stores: Sequence[Store] = ()
    database_url: str = "sqlite://syncbot.db"
    public_url: str | None = None
    config_path: str = "syncbot.toml"


@dataclass(frozen=True, slots=True)
class SetupFiles:
    channels_file: str
    environment: str
    secrets: Sequence[Secret] = field(default_factory=tuple)


def store(kind: str, given: str) -> Store:
    """`--shopify example.myshopify.com` or `--shopify eu=example.myshopify.com`."""
    if kind not in KINDS:
        raise BadAnswer(f"kind {kind!r}: use one of {', '.join(KINDS)}")
    name, equals, address = given.partition("=")
    if not equals or "://" in name:
        name, address = DEFAULT_NAMES[kind], given
    return Store(kind, name.strip(), address.strip())


def render(answers: Answers) -> SetupFiles:
    """Both files' text; raises BadAnswer when syncbot would refuse the channels file."""
    channel_secrets = [secret for item in answers.stores for secret in _secrets(item)]
    channels_text = _channels_file(answers)
    _check(channels_text, channel_secrets)
    environment = render_environment(
        answers.database_url, answers.config_path, answers.public_url, channel_secrets
    )
    return SetupFiles(channels_text, environment, channel_secrets)


def write(files: SetupFiles, channels_path: Path, environment_path: Path, *, force: bool) -> None:
    """Writes both, or neither: an existing file stops everything unless `force`. The
    environment file holds secrets, so only its owner may read it (0600)."""
    existing = [path for path in (channels_path, environment_path) if path.exists()]
    if existing and not force:
        raise FilesExist(existing)
    for path in (channels_path, environment_path):
        if not path.parent.is_dir():
            raise BadAnswer(f"{path.parent} is not a directory: create it first")
    channels_path.write_text(files.channels_file, encoding="utf-8")
    descriptor = os.open(environment_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(files.environment)
    environment_path.chmod(0o600)


def _secrets(item: Store) -> list[Secret]:
    p = item.prefix
    if item.kind == "shopify":
        return [
            Secret(f"{p}_ACCESS_TOKEN", f"{item.name}: the Admin API access token (shpat_…)"),
            Secret(f"{p}_WEBHOOK_SECRET", f"{item.name}: the app's client secret (signs webhooks)"),
        ]
    if item.kind == "woocommerce":
        return [
            Secret(f"{p}_CONSUMER_KEY", f"{item.name}: REST API key, Read/Write (ck_…)"),
            Secret(f"{p}_CONSUMER_SECRET", f"{item.name}: its consumer secret (cs_…)"),
            Secret(
                f"{p}_WEBHOOK_SECRET",
                f"{item.name}: chosen by syncbot; `channels subscribe` sets it on each webhook",
                secrets.token_hex(24),
            ),
        ]
    return [
        Secret(f"{p}_ACCESS_TOKEN", f"{item.name}: the store API account's access token"),
        Secret(f"{p}_CLIENT_SECRET", f"{item.name}: the same account's client secret"),
    ]


def _channels_file(answers: Answers) -> str:
    locations = ", ".join(f'"{location}"' for location in answers.locations)
    lines = [
        "# syncbot's channels file (SYNCBOT_CONFIG): where stock is kept and where it is sold.",
        "# Secrets never go here: each *_env key names the environment variable holding one.",
        "# Reference: docs/channels.md; per storefront: docs/shopify.md, docs/woocommerce.md,",
        "# docs/bigcommerce.md. Check the result with `syncbot doctor`.",
        "",
        "# Stock locations, lower-case; `main` is always one.",
        f"locations = [{locations}]",
    ]
    for item in answers.stores:
        lines += ["", f"# {item.kind}: {item.address}", *_channel(item, answers.locations[0])]
    lines += [
        "",
        "# Who may change stock from Slack, and where alerts go (docs/slack.md):",
        "# [slack]",
        '# writers = ["U0123ABCD"]       # clerks: user ids (U…) or user-group ids (S…)',
        '# managers = ["U0456EFGH"]      # may also undo anyone\'s movement',
        '# alert_channel = "C0789IJKL"   # low stock, oversells, sync failures',
        "",
    ]
    return "\n".join(lines)


def _channel(item: Store, location: str) -> list[str]:
    p, head = item.prefix, ["[[channels]]", f'name = "{item.name}"', f'kind = "{item.kind}"']
    where = "# Units its orders hold, and what it lists, are at this location.\n" + (
        f'default_location = "{location}"'
    )
    policy = [
        "# How much of `available` it lists (docs/sync.md):",
        "# [channels.policy]",
        "# buffer = 0      # keep this many back",
        "# percent = 100   # list at most this share of the rest",
    ]
    if item.kind == "shopify":
        body = [
            "# The store's myshopify domain.",
            f'shop = "{item.address}"',
            "# Admin API token; scopes read_orders, read_products, write_inventory, read_returns.",
            f'access_token_env = "{p}_ACCESS_TOKEN"',
            "# The app's client secret: Shopify signs webhooks with it.",
            f'webhook_secret_env = "{p}_WEBHOOK_SECRET"',
            where,
            "# Shopify location id = syncbot location (ids: Settings > Locations, in the URL).",
            "# [channels.locations]",
            f'# 65760001 = "{location}"',
        ]
    elif item.kind == "woocommerce":
        body = [
            "# The WordPress site, https.",
            f'url = "{item.address}"',
            "# A REST API key with Read/Write permission (WooCommerce > Settings > Advanced).",
            f'consumer_key_env = "{p}_CONSUMER_KEY"',
            f'consumer_secret_env = "{p}_CONSUMER_SECRET"',
            "# Signs the webhooks; `syncbot channels subscribe` sets it on each one.",
            f'webhook_secret_env = "{p}_WEBHOOK_SECRET"',
            where,
        ]
    else:
        body = [
            "# The store hash, the part after /stores/ in its API path.",
            f'store_hash = "{item.address}"',
            "# A store API account: Orders read, Products read, Inventory modify.",
            f'access_token_env = "{p}_ACCESS_TOKEN"',
            "# The same account's client secret: BigCommerce signs webhooks with it.",
            f'client_secret_env = "{p}_CLIENT_SECRET"',
            "# The BigCommerce inventory location syncbot pushes to.",
            "location_id = 1",
            where,
        ]
    return [*head, *body, *policy]


def _check(channels_text: str, channel_secrets: Sequence[Secret]) -> None:
    """Reads the text as every command will, and builds each connector with stand-in
    secrets (no network call is made), so a refused value is refused before writing."""
    try:
        declared = ChannelsFile.model_validate(tomllib.loads(channels_text))
    except (tomllib.TOMLDecodeError, ValidationError) as error:
        raise BadAnswer(_first_problem(error)) from None
    stand_ins = {secret.variable: "stand-in" for secret in channel_secrets}
    context = BuildContext(
        locations=declared.locations, environ=stand_ins, http=httpx.AsyncClient()
    )
    try:
        for channel in declared.channels:
            registry.build(channel.name, channel.kind, channel.settings(), context)
    except ConfigError as error:
        raise BadAnswer(str(error)) from None


def _first_problem(error: Exception) -> str:
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        return f"{where}: {first['msg'].removeprefix('Value error, ')}"
    return str(error)

"""`syncbot init`: write a commented channels file and an environment template.

With no answer given as an option it asks, one question at a time; any option (or --yes)
makes it ask nothing and take the defaults for the rest, as scripts need.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from syncbot.app import setup_files
from syncbot.app.setup_files import Answers, SetupError, Store
from syncbot.cli.common import fail

Repeated = list[str] | None


def init_command(
    config: Annotated[
        Path,
        typer.Option(help="Where to write the channels file.", envvar="SYNCBOT_CONFIG"),
    ] = Path("syncbot.toml"),
    env_file: Annotated[Path, typer.Option(help="Where to write the environment template.")] = Path(
        "syncbot.env"
    ),
    location: Annotated[
        Repeated,
        typer.Option(help="A stock location (repeat for more); default: main.", show_default=False),
    ] = None,
    shopify: Annotated[
        Repeated,
        typer.Option(
            help="A Shopify store's myshopify domain, or NAME=DOMAIN (repeatable).",
            show_default=False,
        ),
    ] = None,
    woocommerce: Annotated[
        Repeated,
        typer.Option(
            help="A WooCommerce store's https URL, or NAME=URL (repeatable).", show_default=False
        ),
    ] = None,
    bigcommerce: Annotated[
        Repeated,
        typer.Option(
            help="A BigCommerce store hash, or NAME=HASH (repeatable).", show_default=False
        ),
    ] = None,
    database_url: Annotated[
        str | None,
        typer.Option(help="Default: sqlite://syncbot.db.", show_default=False),
    ] = None,
    public_url: Annotated[
        str | None,
        typer.Option(
            help="The service's public https URL (webhooks go there).", show_default=False
        ),
    ] = None,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Ask nothing: defaults for what is not given.")
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Overwrite files that exist.")] = False,
) -> None:
    """Write a commented channels file and an environment template (every setting, the
    channels' secret variables, a fresh API token), from questions or from options."""
    given = [location, shopify, woocommerce, bigcommerce, database_url, public_url]
    asking = not yes and all(answer is None for answer in given)
    if asking:
        answers = _ask(config)
    else:
        stores = _stores(shopify, woocommerce, bigcommerce)
        answers = Answers(
            locations=location or ["main"],
            stores=stores,
            database_url=database_url or "sqlite://syncbot.db",
            public_url=public_url,
            config_path=str(config),
        )
    try:
        files = setup_files.render(answers)
        setup_files.write(files, config, env_file, force=force)
    except SetupError as error:
        raise fail(str(error)) from error
    typer.echo(f"wrote {config} (channels) and {env_file} (environment, mode 0600)")
    unset = [secret.variable for secret in files.secrets if not secret.value]
    if unset:
        typer.echo(f"fill in {', '.join(unset)} in {env_file}")
    typer.echo(
        f"next: set -a; . ./{env_file}; set +a && syncbot migrate && syncbot doctor"
        + (" && syncbot channels subscribe NAME" if answers.public_url else "")
    )


def _stores(shopify: Repeated, woocommerce: Repeated, bigcommerce: Repeated) -> list[Store]:
    try:
        return [
            setup_files.store(kind, value)
            for kind, values in (
                ("shopify", shopify),
                ("woocommerce", woocommerce),
                ("bigcommerce", bigcommerce),
            )
            for value in values or ()
        ]
    except SetupError as error:
        raise fail(str(error)) from error


def _ask(config: Path) -> Answers:
    typer.echo("syncbot init: a few questions; leave blank to skip.")
    locations = typer.prompt("Stock locations, comma-separated", default="main")
    shop = typer.prompt("Shopify store (example.myshopify.com)", default="", show_default=False)
    woo = typer.prompt(
        "WooCommerce store (https://shop.example.com)", default="", show_default=False
    )
    bc = typer.prompt("BigCommerce store hash", default="", show_default=False)
    database = typer.prompt("Database URL", default="sqlite://syncbot.db")
    public = typer.prompt(
        "Public https URL of this service (for webhooks)", default="", show_default=False
    )
    return Answers(
        locations=[part.strip() for part in locations.split(",") if part.strip()] or ["main"],
        stores=_stores(
            [shop] if shop.strip() else None,
            [woo] if woo.strip() else None,
            [bc] if bc.strip() else None,
        ),
        database_url=database,
        public_url=public.strip() or None,
        config_path=str(config),
    )

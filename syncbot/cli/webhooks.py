"""`syncbot channels subscribe|unsubscribe`: syncbot's webhooks on a storefront.

Neither needs the database: they talk to the storefront only, through the channel's
connector, so they work before `syncbot migrate` on a fresh install.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer

from connectors.base import Connector
from syncbot import bootstrap
from syncbot.app import webhook_setup
from syncbot.app.webhook_setup import TopicState, WebhookSetupError
from syncbot.cli.channels import channels_app, require_channel
from syncbot.cli.common import fail, load, run

T = TypeVar("T")

Name = Annotated[
    str, typer.Argument(metavar="NAME", help="The channel's name in the channels file.")
]


def with_connector(name: str, work: Callable[[Connector], Awaitable[T]]) -> T:
    """Runs work against one channel's connector; no database is opened."""
    _, channels = load()
    require_channel(channels, name)
    declared = [channel for channel in channels.channels if channel.name == name]
    one = channels.model_copy(update={"channels": declared})

    async def main() -> T:
        async with bootstrap.channel_http() as http:
            connector = bootstrap.build_connectors(one, http)[name]
            try:
                return await work(connector)
            except WebhookSetupError as error:
                raise fail(str(error)) from error

    return run(main())


def _print(name: str, states: list[TopicState]) -> None:
    for state in states:
        typer.echo(f"{name}: {state}")


@channels_app.command("subscribe")
def subscribe_command(
    name: Name,
    url: Annotated[
        str | None,
        typer.Option(
            help="The service's public https URL; the storefront delivers to URL/webhooks/NAME. "
            "Default: SYNCBOT_PUBLIC_URL.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Register syncbot's webhooks on the storefront: create what is missing, fix what
    delivers elsewhere, keep what is right; one line per topic. Safe to run again."""
    settings, _ = load()
    public_url = url or settings.public_url
    if not public_url:
        raise fail("give --url https://HOST (the service's public URL) or set SYNCBOT_PUBLIC_URL")
    try:
        webhook_setup.webhook_address(public_url, name)
    except WebhookSetupError as error:
        raise fail(str(error)) from error
    _print(name, with_connector(name, lambda c: webhook_setup.subscribe(c, public_url)))


@channels_app.command("unsubscribe")
def unsubscribe_command(name: Name) -> None:
    """Remove syncbot's webhooks from the storefront; one line per subscription removed."""
    states = with_connector(name, webhook_setup.unsubscribe)
    if not states:
        typer.echo(f"{name}: no syncbot webhooks to remove")
    _print(name, states)

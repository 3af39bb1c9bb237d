"""The syncbot command line: the root command group, `migrate` and `serve`.

Each command group lives in its own module; what a process is made of is built by
`syncbot.bootstrap`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from syncbot import bootstrap
from syncbot.cli import listings as _listings  # noqa: F401  (registers `channels listings|release`)
from syncbot.cli import report_commands as _reports  # noqa: F401  (registers `report velocity|…`)
from syncbot.cli import slack as cli_slack
from syncbot.cli import sync as cli_sync
from syncbot.cli import webhooks as _webhooks  # noqa: F401  (registers `channels subscribe|…`)
from syncbot.cli.backups import backup_command, restore_command
from syncbot.cli.bundles import bundle_app
from syncbot.cli.channels import channels_app, parked
from syncbot.cli.common import OneLineErrors, fail, load, run
from syncbot.cli.demo import demo_command
from syncbot.cli.doctor import doctor_command
from syncbot.cli.exports import export_command
from syncbot.cli.imports import import_command
from syncbot.cli.inbox import inbox_app
from syncbot.cli.init import init_command
from syncbot.cli.purchase_orders import po_app
from syncbot.cli.replenish import replenish_app
from syncbot.cli.reports import report_app
from syncbot.cli.sku import sku_app
from syncbot.cli.stock import stock_app
from syncbot.cli.stocktakes import stocktake_app
from syncbot.cli.suppliers import supplier_app
from syncbot.cli.tokens import token_app
from syncbot.cli.users import user_app
from syncbot.cli.valuation import valuation_app
from syncbot.config import ConfigError
from syncbot.logs import configure_logging
from syncbot.store.database import close_database, declare_locations, migrate, open_database
from syncbot.store.preflight import check_usable

if TYPE_CHECKING:
    from starlette.types import ASGIApp

app = typer.Typer(
    cls=OneLineErrors,
    help="syncbot: a perpetual inventory ledger that keeps every storefront in step.",
    no_args_is_help=True,
    add_completion=False,
)


@app.command("migrate")
def migrate_command() -> None:
    """Apply pending database migrations, then exit."""
    settings, channels = load()

    async def main() -> None:
        await check_usable(settings.database_url)
        await migrate(settings.database_url, progress=typer.echo)
        await open_database(settings.database_url)
        try:
            await declare_locations(channels.locations)
        finally:
            await close_database()

    run(main())
    typer.echo("database is up to date")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port to listen on.")] = 8000,
    scheduler: Annotated[
        bool,
        typer.Option(
            "--scheduler/--no-scheduler",
            help="Also run the sync scheduler (one process runs it, elected on PostgreSQL).",
        ),
    ] = True,
    intake: Annotated[
        bool,
        typer.Option(
            "--intake/--no-intake",
            help="Also reconcile stored webhook deliveries (off: a `syncbot worker` does it).",
        ),
    ] = True,
) -> None:
    """Run the web service, the webhook intake and the sync scheduler; pending migrations
    are applied first."""
    from syncbot.cli.serve import serve_app

    settings, channels = load()
    if not scheduler:
        settings = settings.model_copy(update={"scheduler": False})
    if not intake:
        settings = settings.model_copy(update={"intake": False})

    def build() -> ASGIApp:
        try:
            return bootstrap.service(settings, channels)
        except ConfigError as error:
            raise fail(str(error)) from error

    configure_logging(settings.log_level)
    serve_app(build, host, port, settings.database_url, access_log=settings.access_log)


app.command("demo")(demo_command)
app.add_typer(sku_app, name="sku")
app.add_typer(bundle_app, name="bundle")
app.add_typer(channels_app, name="channels")
app.add_typer(inbox_app, name="inbox")
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
app.add_typer(supplier_app, name="supplier")
app.add_typer(po_app, name="po")
app.add_typer(stocktake_app, name="stocktake")
app.add_typer(report_app, name="report")
app.command("parked")(parked)
app.command("sync")(cli_sync.sync_command)
app.command("drift")(cli_sync.drift_command)
app.command("worker")(cli_sync.worker_command)
app.command("slack")(cli_slack.slack_command)
app.command("init")(init_command)
app.command("doctor")(doctor_command)
app.command("import")(import_command)
app.command("export")(export_command)
app.command("backup")(backup_command)
app.command("restore")(restore_command)
# Recording and reading stock are top-level commands (`syncbot receive`), not a group.
app.registered_commands += stock_app.registered_commands
# So are the reports of what the stock is worth (`syncbot valuation`, `cost-of-goods`).
app.registered_commands += valuation_app.registered_commands
# And what to reorder (`syncbot replenish`).
app.registered_commands += replenish_app.registered_commands


def main() -> None:
    app()

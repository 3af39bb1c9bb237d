"""`syncbot demo`: syncbot, two storefront emulators and their customers, in one process.

1. Three sockets are bound on 127.0.0.1: syncbot's, the Shopify emulator's and the
   WooCommerce emulator's, so every URL is known before anything is built.
2. The channels file and the SQLite database go to a temporary directory (or `--dir`);
   the database is migrated and seeded (docs/demo.md), an admin gets a fresh password,
   and each channel's listings are discovered from its emulator.
3. syncbot starts as `syncbot serve` builds it (`bootstrap.service`): web app, intake loop
   and scheduler. Customers start shopping; every order and push prints a line.
4. Ctrl-C, or the end of `--seconds`, stops the customers. With `--seconds`, the demo waits
   (bounded) until syncbot has processed every webhook and each storefront shows syncbot's
   plan, reads every storefront's levels through its connector (the drift check), and
   prints a summary. Then everything it started stops, in reverse order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from syncbot import bootstrap
from syncbot.channels_file import ChannelsFile, load_channels_file
from syncbot.config import Settings
from syncbot.console import live
from syncbot.demo import catalogue, storefronts
from syncbot.demo.customers import Customers
from syncbot.demo.report import summary_lines, welcome_lines
from syncbot.demo.servers import LoopServer, bind, url_of
from syncbot.demo.settle import Outcome, drift_now, settle
from syncbot.demo.setup import SignIn, prepare
from syncbot.demo.storefronts import SHOPIFY, WOO, Push, Storefronts
from syncbot.demo.tally import Tally
from syncbot.logs import JsonFormatter

SETTLE_SECONDS = 30.0
SHOWN_CHANGES = 3  # a push line names this many levels; the first push sets them all
Say = Callable[[str], None]
T = TypeVar("T")


@dataclass(frozen=True)
class DemoOptions:
    seconds: float | None = None
    orders_per_minute: float = 60.0
    directory: Path | None = None
    port: int = 0
    seed: int | None = None


async def run_demo(options: DemoOptions, say: Say) -> int:
    """Runs the demo until Ctrl-C (exit 0) or for `options.seconds` (0 when drift is 0)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        with _directory(options.directory) as directory:
            return await _run(options, directory, stop, say)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


@contextlib.contextmanager
def _directory(chosen: Path | None) -> Iterator[Path]:
    """`--dir` (created, kept), or a temporary directory removed at the end."""
    if chosen is not None:
        chosen.mkdir(parents=True, exist_ok=True)
        yield chosen
        return
    made = Path(tempfile.mkdtemp(prefix="syncbot-demo-"))
    try:
        yield made
    finally:
        shutil.rmtree(made, ignore_errors=True)


async def _run(options: DemoOptions, directory: Path, stop: asyncio.Event, say: Say) -> int:
    started = time.monotonic()
    syncbot_socket, shop_socket, woo_socket = bind(options.port), bind(), bind()
    fronts = storefronts.build(
        catalogue.products(),
        url_of(shop_socket),
        url_of(woo_socket),
        first_id=int(time.time()) * 1000,
        bundles=[(catalogue.BUNDLE, catalogue.BUNDLE_NAME)],
    )
    os.environ.update(fronts.environment)  # the channels file names these variables
    settings, channels = _configure(directory, fronts)
    _log_to(directory / "syncbot.log", settings.log_level)
    tally = Tally([SHOPIFY, WOO], fronts.levels)
    for watched in fronts.watched.values():
        watched.on_push = _reporter(tally, say)
    emulators = [
        LoopServer(app, sock, f"{name} emulator")
        for (name, app), sock in zip(
            storefronts.apps(fronts).items(), (shop_socket, woo_socket), strict=True
        )
    ]
    service = LoopServer(bootstrap.service(settings, channels), syncbot_socket, "syncbot")
    servers = [*emulators, service]
    outcome: Outcome | None = None
    try:
        sign_in = await _unless_stopped(stop, _start(emulators, service, settings, channels))
        if sign_in is None:
            say("stopped during start-up")
            return 0
        for line in welcome_lines(service.url, sign_in, fronts, directory, options):
            say(line)
        customers = Customers(fronts, service.url, tally, say, options.orders_per_minute)
        shopping = asyncio.Event()
        shoppers = asyncio.create_task(customers.run(shopping), name="customers")
        interrupted = await _until(stop, options.seconds)
        shopping.set()
        await shoppers
        if not interrupted and options.seconds is not None:
            say("customers stopped; waiting for syncbot to settle …")
            if not await settle(channels, fronts, SETTLE_SECONDS, stop):
                say(f"not settled within {SETTLE_SECONDS:g} s")
            outcome = await drift_now(channels)
    finally:
        live.stop_streams()  # open /events streams of the console never end by themselves
        for server in reversed(servers):
            await server.stop()
    for line in summary_lines(tally, fronts, outcome, time.monotonic() - started):
        say(line)
    return 0 if outcome is None or outcome.drift == 0 else 1


async def _start(
    emulators: list[LoopServer], service: LoopServer, settings: Settings, channels: ChannelsFile
) -> SignIn:
    """The emulators, then the database (it discovers their listings), then syncbot."""
    for emulator in emulators:
        await emulator.start()
    sign_in = await prepare(settings, channels, catalogue.products())
    await service.start()
    return sign_in


async def _unless_stopped(stop: asyncio.Event, work: Coroutine[Any, Any, T]) -> T | None:
    """The work's result, or None when Ctrl-C came first (the work is then cancelled)."""
    task = asyncio.ensure_future(work)
    stopped = asyncio.create_task(stop.wait())
    await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    stopped.cancel()
    if task.done():
        return task.result()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    return None


def _configure(directory: Path, fronts: Storefronts) -> tuple[Settings, ChannelsFile]:
    config = directory / "syncbot.toml"
    config.write_text(fronts.channels_file(catalogue.LOCATIONS), encoding="utf-8")
    # The production defaults but the change job's timing: a change is pushed after a 0.2 s
    # debounce, so every push line of a 20 s demo follows its order at once. The sweep and
    # the drift check keep their 5 and 15 minutes: a storefront's own restock is read by the
    # sync itself (docs/sync.md), so the demo settles without them.
    settings = Settings(
        database_url=f"sqlite://{directory / 'syncbot.db'}",
        config=config,
        sync_debounce_seconds=0.2,
        sync_poll_seconds=0.1,
    )
    return settings, load_channels_file(config, explicit=True)


def _log_to(path: Path, level: str) -> None:
    """syncbot's own JSON log goes to a file in the directory; the terminal is the demo's."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True


def _reporter(tally: Tally, say: Say) -> Callable[[Push], None]:
    def report(push: Push) -> None:
        reached = tally.pushed(push)
        shown = [f"{sku} {old}→{new}" for sku, (old, new) in push.changes.items()]
        more = len(shown) - SHOWN_CHANGES
        changes = ", ".join(shown[:SHOWN_CHANGES]) + (f" and {more} more" if more > 0 else "")
        after = f"  ({max(reached):.2f} s after the change)" if reached else ""
        say(f"push    {push.storefront:<8} {changes}{after}")

    return report


async def _until(stop: asyncio.Event, seconds: float | None) -> bool:
    """Waits for Ctrl-C (True) or the end of `seconds` (False)."""
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        return False
    return True

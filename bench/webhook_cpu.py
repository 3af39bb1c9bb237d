"""CPU per signed Shopify orders/create delivery, in the web service alone.

    python bench/webhook_cpu.py [--deliveries 4000] [--concurrency 16] [--postgres]
                                [--server [--log-level WARNING]]

`bench/webhook_ingest.py` counts acknowledgements per second from a client on the same two
vCPUs, and its intake posts during the burst, so a change in the HTTP layer drowns in the
noise. This counts CPU time instead, with processing off:
- by default, in process: `serve`'s app (intake and scheduler off) is handed each request
  as ASGI messages, no client and no socket, and time.process_time covers the middleware,
  routing, verification, the inbox write and the answer (and on SQLite the driver's
  thread; a PostgreSQL server's CPU is its own);
- with --server, `syncbot serve` as a process with intake and scheduler off, its user and
  system CPU read from /proc around the burst: uvicorn's parsing and the sockets as well.
  It logs at `--log-level` (WARNING; at INFO, uvicorn's access line for every request).
Run an old and a new tree in turns: the machine is shared, so single runs vary by 10%.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shutil
import tempfile
import time
import tomllib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
from webhook_ingest import CHANNELS, SECRET, delivery, post_all, seed, start

Message = MutableMapping[str, Any]
App = Callable[
    [Message, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]],
    Awaitable[None],
]
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
ENVIRON = {"BENCH_SHOPIFY_TOKEN": "dummy-token", "BENCH_SHOPIFY_SECRET": SECRET}


def scope(headers: dict[str, str], body: bytes) -> Message:
    raw = [
        (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()
    ]
    raw += [(b"host", b"bench.test"), (b"content-length", str(len(body)).encode())]
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/webhooks/bench",
        "raw_path": b"/webhooks/bench",
        "root_path": "",
        "query_string": b"",
        "headers": raw,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


async def call(app: App, body: bytes, headers: dict[str, str]) -> int:
    """One request through the app; its status."""
    received, status = False, 0

    async def receive() -> Message:
        nonlocal received
        if received:  # only a disconnect comes after the body, and the client stays
            await asyncio.Event().wait()
        received = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope(headers, body), receive, send)
    return status


async def in_process(app: App, first: int, total: int, concurrency: int) -> float:
    """CPU seconds for `total` deliveries from `concurrency` concurrent senders."""
    queue = iter([delivery(first + n) for n in range(total)])

    async def sender() -> None:
        for body, headers in queue:
            if (status := await call(app, body, headers)) != 200:
                raise SystemExit(f"the service answered {status}")

    started = time.process_time()
    await asyncio.gather(*(sender() for _ in range(concurrency)))
    return time.process_time() - started


async def bench_in_process(database_url: str, total: int, concurrency: int) -> str:
    from syncbot.bootstrap import service
    from syncbot.channels_file import ChannelsFile
    from syncbot.config import Settings

    await seed(database_url)
    os.environ.update(ENVIRON)
    settings = Settings(database_url=database_url, intake=False, scheduler=False)
    app = service(settings, ChannelsFile.model_validate(tomllib.loads(CHANNELS)))
    async with app.router.lifespan_context(app):
        await in_process(app, 10_000_000, 300, concurrency)  # warm-up: imports, caches
        seconds = await in_process(app, 0, total, concurrency)
    return f"in process   cpu/delivery {seconds / total * 1e6:5.0f} µs"


def cpu_of(pid: int) -> tuple[float, float]:
    """User and system CPU seconds of a process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


async def bench_server(
    database_url: str, total: int, concurrency: int, log_level: str = "WARNING"
) -> str:
    await seed(database_url)
    with tempfile.TemporaryDirectory() as directory:
        config = Path(directory) / "syncbot.toml"
        config.write_text(CHANNELS)
        env = {
            **os.environ,
            **ENVIRON,
            "SYNCBOT_DATABASE_URL": database_url,
            "SYNCBOT_CONFIG": str(config),
            "SYNCBOT_LOG_LEVEL": log_level,
            "SYNCBOT_INTAKE": "false",
            "SYNCBOT_SCHEDULER": "false",
        }
        syncbot = shutil.which("syncbot") or "syncbot"
        process, base = start([syncbot, "serve"], env, Path(directory))
        try:
            await post_all(f"{base}/webhooks/bench", 300, concurrency)  # warm-up
            user, system = cpu_of(process.pid)
            rate = await post_all(f"{base}/webhooks/bench", total, concurrency)
            user_after, system_after = cpu_of(process.pid)
        finally:
            process.terminate()
            process.wait()
    user, system = (user_after - user) / total * 1e6, (system_after - system) / total * 1e6
    return (
        f"serve        cpu/delivery {user + system:5.0f} µs "
        f"(user {user:.0f}, system {system:.0f}), {rate:.0f} acks/s"
    )


@asynccontextmanager
async def scratch(postgres: bool) -> AsyncIterator[str]:
    """A new, empty database, dropped after."""
    if not postgres:
        with tempfile.TemporaryDirectory() as directory:
            yield f"sqlite://{Path(directory) / 'bench.db'}"
        return
    name = f"syncbot_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(ADMIN_URL)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def main(arguments: argparse.Namespace) -> None:
    async with scratch(arguments.postgres) as url:
        if arguments.server:
            figure = await bench_server(
                url, arguments.deliveries, arguments.concurrency, arguments.log_level
            )
        else:
            figure = await bench_in_process(url, arguments.deliveries, arguments.concurrency)
    backend = "postgres" if arguments.postgres else "sqlite"
    print(f"{backend:<9} {figure}", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument(
        "--postgres", action="store_true", help=f"on a scratch database at {ADMIN_URL}"
    )
    parser.add_argument("--server", action="store_true", help="`syncbot serve` as a process")
    parser.add_argument("--log-level", default="WARNING", help="serve's SYNCBOT_LOG_LEVEL")
    logging.disable(logging.WARNING)  # a refused delivery stops the run with its status
    asyncio.run(main(parser.parse_args()))

"""`syncbot serve` as a process: it fails at start in one line, and SIGTERM always stops it.

Start-up runs in this order, each step failing in one line on stderr:

1. the listening socket is bound (a port in use exits 1 naming the port);
2. the database is probed (`preflight.check_usable`: an unusable SYNCBOT_DATABASE_URL exits 1
   within 5 s);
3. the app is built (the composition root: a channel's bad settings exit 1), only now, so
   that a bad database is reported before that work;
4. uvicorn runs the app, whose lifespan migrates, opens the database and starts the jobs.

SIGTERM or SIGINT before step 4 has the default effect (the process ends at once). During
step 4's start-up it cancels the start-up; once ready, uvicorn shuts down gracefully. In
every case a watchdog ends the process STOP_SECONDS after the signal, so that nothing (a
worker thread of a driver, a job that ignores cancellation) can keep it alive.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import sys
import threading
from collections.abc import Callable
from types import FrameType

import uvicorn
from starlette.types import ASGIApp

from syncbot.cli.common import fail, run
from syncbot.console import live
from syncbot.runtime import memory
from syncbot.store.preflight import check_usable

STOP_SECONDS = 8.0  # under the 10 s in which `serve` must have stopped after SIGTERM
GRACEFUL_SECONDS = 5  # for requests in flight, once ready


def listen(host: str, port: int) -> socket.socket:
    """The server's socket, bound before anything else starts; a port in use is one line."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except (OSError, OverflowError) as error:
        sock.close()
        reason = getattr(error, "strerror", None) or str(error)
        raise fail(
            f"cannot listen on {host}:{port}: {reason} (another process has it? use --port)",
            code=1,
        ) from error
    sock.set_inheritable(True)
    return sock


def serve_app(
    build: Callable[[], ASGIApp],
    host: str,
    port: int,
    database_url: str,
    *,
    access_log: bool = True,
) -> None:
    """Binds, probes the database, builds the app, then serves until SIGTERM or SIGINT;
    `access_log`: uvicorn's line per request."""
    sock = listen(host, port)
    run(check_usable(database_url))
    app = build()
    # log_config=None: uvicorn keeps the JSON handler instead of installing its own.
    config = uvicorn.Config(
        app,
        log_config=None,
        lifespan="on",
        timeout_graceful_shutdown=GRACEFUL_SECONDS,
        access_log=access_log,
    )
    server = StoppableServer(config)
    try:
        server.run(sockets=[sock])
    except asyncio.CancelledError:
        sys.stderr.write("syncbot: stopped during start-up\n")
        sys.exit(0)
    finally:
        sock.close()


class StoppableServer(uvicorn.Server):
    """uvicorn's server, which also stops during start-up and always within STOP_SECONDS."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.stopping = False
        self._serving: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def serve(self, sockets: list[socket.socket] | None = None) -> None:
        self._serving = asyncio.current_task()
        self._loop = asyncio.get_running_loop()
        await super().serve(sockets)

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)  # the lifespan's start-up: migrated, jobs started
        memory.tune_after_start()

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        # Open /events streams never end by themselves, and uvicorn waits for them.
        live.stop_streams()
        if self.stopping:
            return
        self.stopping = True
        watchdog = threading.Timer(STOP_SECONDS, _stop_now)
        watchdog.daemon = True
        watchdog.start()
        if not self.started and self._serving is not None and self._loop is not None:
            # uvicorn would wait for the lifespan's start-up to finish (migrations, a leader
            # lock, Slack) before looking at should_exit: cancel the start-up instead.
            logging.getLogger("uvicorn.error").addFilter(_not_the_cancellation)
            self._loop.call_soon_threadsafe(self._serving.cancel)


def _not_the_cancellation(record: logging.LogRecord) -> bool:
    """Drops uvicorn's traceback of the start-up we cancelled ourselves; keeps the rest.
    (Starlette hands uvicorn the traceback as text, so it is recognised by its last line.)"""
    error = record.exc_info[1] if record.exc_info else None
    text = record.getMessage().rstrip()
    return not (isinstance(error, asyncio.CancelledError) or text.endswith("CancelledError"))


def _stop_now() -> None:
    os.write(2, f"syncbot: not stopped {STOP_SECONDS:g} s after the signal; exiting\n".encode())
    os._exit(1)

"""HTTP servers on 127.0.0.1 that run as tasks of the demo's one event loop.

syncbot and both storefront emulators share the loop, so the demo can read syncbot's plan
and the emulators' levels directly (the ORM is opened once per process) while the HTTP
between them stays real. The demo owns the signals: a server here installs no handler.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator

import uvicorn
from starlette.types import ASGIApp

START_SECONDS = 60.0  # migrations on a slow disk
STOP_SECONDS = 8.0


class PortInUse(Exception):
    """The port asked for cannot be listened on; the message says which and why."""


def bind(port: int = 0) -> socket.socket:
    """A listening socket on 127.0.0.1 (a free port for 0), bound before anything starts,
    so each URL is known before the apps that call one another are built."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError as error:
        sock.close()
        reason = error.strerror or str(error)
        raise PortInUse(f"cannot listen on 127.0.0.1:{port}: {reason} (use --port)") from error
    return sock


def url_of(sock: socket.socket) -> str:
    return f"http://127.0.0.1:{sock.getsockname()[1]}"


class _Quiet(uvicorn.Server):
    """uvicorn's server without its signal handlers: Ctrl-C is the demo's to handle."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class LoopServer:
    """One app served on one bound socket as a task; `stop()` ends it gracefully."""

    def __init__(self, app: ASGIApp, sock: socket.socket, name: str) -> None:
        config = uvicorn.Config(
            app, log_config=None, lifespan="on", timeout_graceful_shutdown=2, access_log=False
        )
        self.name = name
        self.url = url_of(sock)
        self._sock = sock
        self._server = _Quiet(config)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Serves, and returns once the app's start-up has finished; fails if it did not."""
        self._task = asyncio.create_task(self._server.serve([self._sock]), name=self.name)
        async with asyncio.timeout(START_SECONDS):
            while not self._server.started:
                if self._task.done():
                    self._task.result()  # the start-up's own error, if it raised one
                    raise RuntimeError(f"{self.name} stopped during start-up")
                await asyncio.sleep(0.02)

    async def stop(self) -> None:
        """Stops serving (or never starts); the socket is closed in every case."""
        if self._task is None:
            self._sock.close()
            return
        self._server.should_exit = True
        try:
            async with asyncio.timeout(STOP_SECONDS):
                await self._task
        except TimeoutError:
            self._server.force_exit = True
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        finally:
            self._sock.close()

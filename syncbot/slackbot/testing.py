"""Slack's Web API, as far as syncbot calls it, on 127.0.0.1: for tests and demos.

slack_sdk's async client is built on aiohttp, which respx cannot intercept, so tests point
`AsyncWebClient(base_url=...)` (SYNCBOT_SLACK_API_URL) at this instead. It records every
call, answers in Slack's shapes, and can refuse the next call of a method with a 429 and
Retry-After, as Slack does when a channel gets more than about one message a second.
"""

from __future__ import annotations

import asyncio
import json
import queue
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from syncbot.testing import serve_in_thread, wait_until

TEAM = "T0SYNCBOT"
BOT_USER = "U0SYNCBOT"


@dataclass
class FakeSlack:
    user_groups: dict[str, list[str]] = field(default_factory=dict)
    """usergroups.users.list answers: group id to member ids."""
    not_in: set[str] = field(default_factory=set)
    """Channels where chat.postMessage answers `not_in_channel`."""
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    acks: list[dict[str, Any]] = field(default_factory=list)
    """What the app answered to envelopes sent over Socket Mode."""
    _envelopes: queue.Queue[dict[str, Any]] = field(default_factory=queue.Queue)
    _connected: threading.Event = field(default_factory=threading.Event)
    _limited: dict[str, list[int]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    host: str = "127.0.0.1"

    def rate_limit_next(self, method: str, retry_after: int = 1) -> None:
        with self._lock:
            self._limited.setdefault(method, []).append(retry_after)

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        with self._lock:
            return [payload for name, payload in self.calls if name == method]

    def wait_for(self, method: str, count: int = 1, seconds: float = 10) -> list[dict[str, Any]]:
        """The calls to `method` once there are `count` of them; fails after `seconds`."""
        wait_until(
            lambda: len(self.calls_to(method)) >= count,
            seconds,
            f"{method} called {count} times (so far {len(self.calls_to(method))})",
        )
        return self.calls_to(method)

    def send_envelope(self, kind: str, payload: dict[str, Any]) -> str:
        """Sends a Socket Mode envelope once the app is connected; returns its id."""
        if not self._connected.wait(timeout=10):
            raise AssertionError("the app never connected over Socket Mode")
        envelope_id = f"envelope-{self._envelopes.qsize()}-{time.monotonic_ns()}"
        self._envelopes.put(
            {
                "envelope_id": envelope_id,
                "type": kind,
                "accepts_response_payload": kind != "events_api",
                "payload": payload,
            }
        )
        return envelope_id

    def wait_ack(self, envelope_id: str, seconds: float = 10) -> dict[str, Any]:
        def acknowledged() -> dict[str, Any] | None:
            return next((a for a in list(self.acks) if a.get("envelope_id") == envelope_id), None)

        ack: dict[str, Any] = wait_until(acknowledged, seconds, f"an ack of {envelope_id}")
        return ack

    def asgi(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/api/{method}", self._call, methods=["GET", "POST"]),
                WebSocketRoute("/link", self._link),
            ]
        )

    async def _link(self, socket: WebSocket) -> None:
        """Socket Mode's WebSocket: hello, then envelopes out and acknowledgements in."""
        await socket.accept()
        await socket.send_json({"type": "hello", "num_connections": 1})
        self._connected.set()

        async def receive() -> None:
            while True:
                message = await socket.receive_text()
                self.acks.append(json.loads(message))

        listener = asyncio.create_task(receive())
        try:
            while not listener.done():
                try:
                    envelope = self._envelopes.get_nowait()
                except queue.Empty:
                    await asyncio.sleep(0.01)
                    continue
                await socket.send_json(envelope)
        except WebSocketDisconnect:
            pass
        finally:
            listener.cancel()
            self._connected.clear()

    async def _call(self, request: Request) -> JSONResponse:
        method = request.path_params["method"]
        self.host = request.headers.get("host", "127.0.0.1")
        payload = dict(request.query_params)
        body = await request.body()
        if body:
            if request.headers.get("content-type", "").startswith("application/json"):
                payload.update(json.loads(body))
            else:
                payload.update(parse_qsl(body.decode()))
        with self._lock:
            waits = self._limited.get(method)
            if waits:
                retry_after = waits.pop(0)
                self.calls.append((f"{method}:429", payload))
                return JSONResponse(
                    {"ok": False, "error": "ratelimited"},
                    status_code=429,
                    headers={"Retry-After": str(retry_after)},
                )
            self.calls.append((method, payload))
        return JSONResponse(self._answer(method, payload))

    def _answer(self, method: str, payload: dict[str, Any]) -> dict[str, Any]:
        if method == "apps.connections.open":
            return {"ok": True, "url": f"ws://{self.host}/link"}
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://syncbot-test.slack.com/",
                "team": "syncbot tests",
                "user": "syncbot",
                "team_id": TEAM,
                "user_id": BOT_USER,
                "bot_id": "B0SYNCBOT",
            }
        if method == "chat.postMessage":
            channel = str(payload.get("channel"))
            if channel in self.not_in:
                return {"ok": False, "error": "not_in_channel"}
            return {"ok": True, "channel": channel, "ts": f"{time.time():.6f}"}
        if method in ("views.open", "views.publish"):
            return {"ok": True, "view": {"id": "V0SYNCBOT", **_view(payload)}}
        if method == "usergroups.users.list":
            group = str(payload.get("usergroup"))
            if group not in self.user_groups:
                return {"ok": False, "error": "no_such_subteam"}
            return {"ok": True, "users": self.user_groups[group]}
        return {"ok": False, "error": "unknown_method"}


def _view(payload: dict[str, Any]) -> dict[str, Any]:
    view = payload.get("view", {})
    parsed = json.loads(view) if isinstance(view, str) else view
    return parsed if isinstance(parsed, dict) else {}


@contextmanager
def serve(slack: FakeSlack) -> Iterator[str]:
    """Yields the base URL to give AsyncWebClient, ending in /api/."""
    with serve_in_thread(slack.asgi(), "fake Slack") as url:
        yield f"{url}/api/"

"""Slack's Web API, as far as syncbot calls it, on 127.0.0.1: for tests and demos.

slack_sdk's async client is built on aiohttp, which respx cannot intercept, so tests point
`AsyncWebClient(base_url=...)` (SYNCBOT_SLACK_API_URL) at this instead. It records every
call, answers in Slack's shapes, and can refuse the next call of a method with a 429 and
Retry-After, as Slack does when a channel gets more than about one message a second.
"""

from __future__ import annotations

import json
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
from starlette.routing import Route

from syncbot.testing import serve_in_thread

TEAM = "T0SYNCBOT"
BOT_USER = "U0SYNCBOT"


@dataclass
class FakeSlack:
    user_groups: dict[str, list[str]] = field(default_factory=dict)
    """usergroups.users.list answers: group id to member ids."""
    not_in: set[str] = field(default_factory=set)
    """Channels where chat.postMessage answers `not_in_channel`."""
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    _limited: dict[str, list[int]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def rate_limit_next(self, method: str, retry_after: int = 1) -> None:
        with self._lock:
            self._limited.setdefault(method, []).append(retry_after)

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        with self._lock:
            return [payload for name, payload in self.calls if name == method]

    def wait_for(self, method: str, count: int = 1, seconds: float = 10) -> list[dict[str, Any]]:
        """The calls to `method` once there are `count` of them; fails after `seconds`."""
        deadline = time.monotonic() + seconds
        while len(found := self.calls_to(method)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{method} was called {len(found)} times, not {count}")
            time.sleep(0.02)
        return found

    def asgi(self) -> Starlette:
        return Starlette(routes=[Route("/api/{method}", self._call, methods=["GET", "POST"])])

    async def _call(self, request: Request) -> JSONResponse:
        method = request.path_params["method"]
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

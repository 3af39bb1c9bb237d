"""Answers to a command's `response_url`, only ever on hooks.slack.com.

A response_url arrives inside the request. The signature proves Slack sent the request,
but the URL is still checked before we call it: this process never posts anywhere but
Slack's own webhook host, whatever a payload says. Calls go through httpx, like every
outbound call of the service; a 429 is waited out as Slack's Retry-After asks.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import httpx

log = logging.getLogger(__name__)

SLACK_HOOKS = "hooks.slack.com"
_ATTEMPTS = 3


def is_slack_hook(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "https" and parts.hostname == SLACK_HOOKS and parts.port is None


class Replier:
    def __init__(
        self,
        http: httpx.AsyncClient,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._http = http
        self._sleep = sleep

    async def __call__(self, response_url: str | None, message: dict[str, Any]) -> bool:
        """True when Slack took the message; False (and a log line) otherwise."""
        if not response_url:
            return False
        if not is_slack_hook(response_url):
            log.warning(
                "refused to call a response_url that is not on hooks.slack.com",
                extra={"host": urlsplit(response_url).hostname},
            )
            return False
        for _ in range(_ATTEMPTS):
            try:
                answer = await self._http.post(response_url, json=message, timeout=10)
            except httpx.HTTPError as error:
                log.warning("a Slack reply failed", extra={"error": type(error).__name__})
                return False
            if answer.status_code == 429:
                await self._sleep(float(answer.headers.get("Retry-After", "1")))
                continue
            if answer.is_success:
                return True
            log.warning("Slack refused a reply", extra={"status": answer.status_code})
            return False
        return False

"""The Slack request's edge: its signature checked, then its body readable, before Bolt.

Bolt parses a request's body before it checks the signature, and reads the timestamp
header with `int()`: an unsigned `payload=%7Bnot json` or a timestamp of `abc` would
raise inside it. Here both are refused first, with 401 (the signature does not hold)
or 400 (a signed body Slack would never send), so Bolt only ever sees what it can read.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from urllib.parse import parse_qs

MAX_AGE_SECONDS = 5 * 60
"""Slack's advice: a request older than five minutes may be a replay."""


class SlackRequestRefused(Exception):
    """The request cannot go to Bolt; `status` is the HTTP answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def check_request(
    body: bytes, headers: Mapping[str, str], signing_secret: str, now: float | None = None
) -> None:
    """Raises SlackRequestRefused unless the request is signed, fresh and readable."""
    _check_signature(body, headers, signing_secret, time.time() if now is None else now)
    _check_body(body, headers.get("content-type", ""))


def _check_signature(
    body: bytes, headers: Mapping[str, str], signing_secret: str, now: float
) -> None:
    stamp = headers.get("x-slack-request-timestamp", "")
    given = headers.get("x-slack-signature", "")
    # isdigit() alone accepts "²"; ASCII digits are what Slack sends.
    if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 12):
        raise SlackRequestRefused(401, "X-Slack-Request-Timestamp is missing or not a number")
    if abs(now - int(stamp)) > MAX_AGE_SECONDS:
        raise SlackRequestRefused(401, "X-Slack-Request-Timestamp is older than five minutes")
    base = b"v0:" + stamp.encode() + b":" + body
    expected = "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()
    # compare_digest on bytes: a header with non-ASCII characters must not raise.
    if not hmac.compare_digest(given.encode(errors="replace"), expected.encode()):
        raise SlackRequestRefused(401, "X-Slack-Signature is missing or does not match")


def _check_body(body: bytes, content_type: str) -> None:
    """A signed body still has to be what Slack sends: a form, or a JSON object."""
    try:
        text = body.decode()
        if content_type.startswith("application/json"):
            _json_object(text)
            return
        form = parse_qs(text)
        for payload in form.get("payload", []):
            _json_object(payload)
    except (ValueError, RecursionError) as error:
        raise SlackRequestRefused(400, "the request body is not a form or JSON") from error


def _json_object(text: str) -> None:
    if not isinstance(json.loads(text), dict):
        raise ValueError("not a JSON object")

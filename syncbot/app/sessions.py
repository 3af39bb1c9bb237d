"""Signing in to the console, the session a browser then holds, and signing out.

A session is a random 256-bit cookie; the database keeps only its SHA-256 and the user it
belongs to, read on every request (`session_of`). So signing out, disabling the user or
changing their role counts on the very next request: a cookie signed with a key but kept
nowhere could not be revoked before it expired.

Refused sign-ins are rate-limited per user name and client address: after
`MAX_FAILURES` refusals within `FAILURE_WINDOW`, that pair is refused, even with the right
password, until the oldest of them leaves the window. Another address, or the user's API
tokens, are not affected, so an attacker cannot lock the owner out from elsewhere.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from syncbot.app import users
from syncbot.app.actor import Actor
from syncbot.app.roles import Role
from syncbot.store import sessions as store

SESSION_LIFETIME = timedelta(hours=12)
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)


class SignInRefused(Exception):
    """A wrong name or password; the message never says which."""

    def __init__(self) -> None:
        super().__init__("the user name or password is wrong")


class TooManyAttempts(Exception):
    """Too many refusals for this user from this address: wait `retry_after`."""

    def __init__(self, retry_after: timedelta) -> None:
        self.retry_after = retry_after
        minutes = max(1, round(retry_after.total_seconds() / 60))
        super().__init__(
            f"too many failed sign-ins for this user from this address: try again in "
            f"{minutes} minute{'s' if minutes != 1 else ''}"
        )


@dataclass(frozen=True)
class SignedIn:
    """What a browser holds after signing in: the cookie (never stored) and its CSRF token."""

    cookie: str
    csrf: str
    expires_at: datetime


@dataclass(frozen=True)
class Session:
    """Who a session cookie acts for."""

    user: str
    role: Role
    csrf: str

    @property
    def actor(self) -> Actor:
        return Actor.web(self.user)

    def csrf_matches(self, given: str) -> bool:
        return csrf_matches(self.csrf, given)


def csrf_matches(expected: str, given: str) -> bool:
    """Compared in constant time: a near miss takes as long as a wild guess."""
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


def locked_for(failures: Sequence[datetime], now: datetime) -> timedelta | None:
    """How long a user and address stay refused after `failures` (oldest first), or None.

    Pure: MAX_FAILURES refusals inside FAILURE_WINDOW lock until the oldest of the last
    MAX_FAILURES leaves the window."""
    recent = [at for at in failures if now - at < FAILURE_WINDOW]
    if len(recent) < MAX_FAILURES:
        return None
    return recent[-MAX_FAILURES] + FAILURE_WINDOW - now


def _hash(cookie: str) -> str:
    return hashlib.sha256(cookie.encode()).hexdigest()


async def sign_in(name: str, password: str, address: str, now: datetime | None = None) -> SignedIn:
    """A new session for `name`; raises TooManyAttempts before checking the password, and
    SignInRefused (recording the refusal) when it is wrong or the user is disabled."""
    now = now or datetime.now(UTC)
    name, address = name.strip()[: users.MAX_NAME_LENGTH], address[:64]
    failures = await store.failures_since(name, address, now - FAILURE_WINDOW)
    wait = locked_for(failures, now)
    if wait is not None:
        raise TooManyAttempts(wait)
    if not await users.verify_password(name, password):
        await store.record_failure(name, address, now, keep_after=now - FAILURE_WINDOW)
        raise SignInRefused
    cookie, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires_at = now + SESSION_LIFETIME
    if not await store.create_session(name, _hash(cookie), csrf, expires_at):
        raise SignInRefused  # disabled between the check and now
    await store.clear_failures(name, address)
    await store.delete_expired(now)
    return SignedIn(cookie, csrf, expires_at)


async def session_of(cookie: str, now: datetime | None = None) -> Session | None:
    """The live session of a cookie, or None: unknown, expired, signed out, or its user
    disabled."""
    if not cookie:
        return None
    found = await store.holder(_hash(cookie), now or datetime.now(UTC))
    if found is None:
        return None
    return Session(found.user, Role(found.role), found.csrf)


async def sign_out(cookie: str) -> None:
    await store.delete_session(_hash(cookie))

"""The console's sessions and refused sign-ins: rows in, plain records out.

A session row holds the SHA-256 of its cookie, never the cookie. It is read with its user on
every request, so a disabled user, a changed role or a signed-out browser counts at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from syncbot.store import people_models


@dataclass(frozen=True)
class SessionHolder:
    """Who a live session's cookie acts for."""

    user: str
    role: str
    csrf: str


async def create_session(user_name: str, token_hash: str, csrf: str, expires_at: datetime) -> bool:
    """A session for the enabled user `user_name`; False when there is no such user."""
    owner = await people_models.User.get_or_none(name=user_name, disabled=False)
    if owner is None:
        return False
    await people_models.WebSession.create(
        token_hash=token_hash, user=owner, csrf=csrf, expires_at=expires_at
    )
    return True


async def holder(token_hash: str, now: datetime) -> SessionHolder | None:
    """The unexpired session of that hash and its enabled user, or None."""
    row = (
        await people_models.WebSession.filter(
            token_hash=token_hash, expires_at__gt=now, user__disabled=False
        )
        .select_related("user")
        .first()
    )
    if row is None:
        return None
    return SessionHolder(row.user.name, row.user.role, row.csrf)


async def delete_session(token_hash: str) -> None:
    await people_models.WebSession.filter(token_hash=token_hash).delete()


async def delete_sessions_of(user_name: str) -> None:
    await people_models.WebSession.filter(user__name=user_name).delete()


async def delete_expired(now: datetime) -> int:
    return await people_models.WebSession.filter(expires_at__lte=now).delete()


async def failures_since(user_name: str, address: str, since: datetime) -> list[datetime]:
    """When sign-ins as `user_name` from `address` were refused since `since`, oldest first."""
    rows = await people_models.SignInFailure.filter(
        user_name=user_name, address=address, at__gte=since
    ).order_by("at")
    return [row.at for row in rows]


async def record_failure(user_name: str, address: str, at: datetime, keep_after: datetime) -> None:
    """Records one refusal, and forgets that pair's refusals older than `keep_after`."""
    await people_models.SignInFailure.filter(
        user_name=user_name, address=address, at__lt=keep_after
    ).delete()
    await people_models.SignInFailure.create(user_name=user_name, address=address, at=at)


async def clear_failures(user_name: str, address: str) -> None:
    await people_models.SignInFailure.filter(user_name=user_name, address=address).delete()

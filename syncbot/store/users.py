"""Users and their API tokens: rows in, plain records out. Only hashes are stored.

Refusals (a `UserRefusal`, its message fit to show a person):

    UnknownUser      no user of that name
    UnknownToken     no token of that name
    NameTaken        a user or token of that name exists
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise import connections
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from syncbot.ledger.limits import quoted
from syncbot.store import people_models


class UserRefusal(Exception):
    """A user or token command refused; nothing was written."""


class UnknownUser(UserRefusal):
    def __init__(self, name: str) -> None:
        super().__init__(f"no user named {quoted(name)}: see `syncbot user list`")


class UnknownToken(UserRefusal):
    def __init__(self, name: str) -> None:
        super().__init__(f"no token named {quoted(name)}: see `syncbot token list`")


def _findable(name: str) -> bool:
    """Whether a row could be named `name`: PostgreSQL refuses a NUL even in a query's
    parameter, and no name holds one, so such a name is unknown without asking."""
    return "\x00" not in name


class NameTaken(UserRefusal):
    def __init__(self, what: str, name: str) -> None:
        super().__init__(f"a {what} named {name!r} exists already: choose another name")


@dataclass(frozen=True)
class UserRecord:
    name: str
    role: str
    disabled: bool
    created_at: datetime


@dataclass(frozen=True)
class TokenRecord:
    name: str
    user: str
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


@dataclass(frozen=True)
class TokenHolder:
    """Who a presented token acts for: read on every request, so a change counts at once."""

    token: str
    user: str
    role: str


def _user(row: people_models.User) -> UserRecord:
    return UserRecord(row.name, row.role, row.disabled, row.created_at)


async def add_user(name: str, role: str, password_hash: str) -> UserRecord:
    try:
        row = await people_models.User.create(name=name, role=role, password_hash=password_hash)
    except IntegrityError:
        raise NameTaken("user", name) from None
    return _user(row)


async def users() -> list[UserRecord]:
    return [_user(row) for row in await people_models.User.all().order_by("name")]


async def user(name: str) -> UserRecord:
    row = await people_models.User.get_or_none(name=name) if _findable(name) else None
    if row is None:
        raise UnknownUser(name)
    return _user(row)


async def password_hash(name: str) -> str:
    row = await people_models.User.get_or_none(name=name) if _findable(name) else None
    if row is None:
        raise UnknownUser(name)
    return row.password_hash


async def update_user(name: str, **changes: object) -> UserRecord:
    """Sets `changes` (role, disabled, password_hash) on the user named `name`."""
    if not _findable(name) or not await people_models.User.filter(name=name).update(**changes):
        raise UnknownUser(name)
    return await user(name)


async def update_user_checked(
    name: str, check: Callable[[list[str]], None], **changes: object
) -> UserRecord:
    """Sets `changes` on the user after `check` accepted the names of the enabled admins,
    read under lock in the same transaction: two admins demoting each other at once cannot
    both pass a check that one admin must remain. `check` raises to refuse."""
    async with in_transaction():
        query = people_models.User.filter(role="admin", disabled=False).order_by("id")
        if connections.get("default").capabilities.dialect == "postgres":
            query = query.select_for_update()  # SQLite has one writer: its lock is the file's
        check([row.name for row in await query])
        return await update_user(name, **changes)


async def add_token(name: str, user_name: str, token_hash: str) -> TokenRecord:
    async with in_transaction():
        owner = (
            await people_models.User.get_or_none(name=user_name) if _findable(user_name) else None
        )
        if owner is None:
            raise UnknownUser(user_name)
        if await people_models.ApiToken.exists(name=name):
            raise NameTaken("token", name)
        try:
            row = await people_models.ApiToken.create(name=name, user=owner, token_hash=token_hash)
        except IntegrityError:
            raise NameTaken("token", name) from None
    return TokenRecord(row.name, owner.name, row.created_at, None, None)


async def tokens() -> list[TokenRecord]:
    rows = await people_models.ApiToken.all().select_related("user").order_by("name")
    return [
        TokenRecord(row.name, row.user.name, row.created_at, row.revoked_at, row.last_used_at)
        for row in rows
    ]


async def revoke_token(name: str) -> None:
    """Revokes the token once; revoking it again keeps the first time."""
    now = datetime.now(UTC)
    if not _findable(name) or not await people_models.ApiToken.filter(name=name).exists():
        raise UnknownToken(name)
    await people_models.ApiToken.filter(name=name, revoked_at__isnull=True).update(revoked_at=now)


async def holder(token_hash: str) -> TokenHolder | None:
    """The live token of that hash and its enabled user, or None (unknown, revoked,
    disabled); marks it used."""
    row = (
        await people_models.ApiToken.filter(
            token_hash=token_hash, revoked_at__isnull=True, user__disabled=False
        )
        .select_related("user")
        .first()
    )
    if row is None:
        return None
    await people_models.ApiToken.filter(id=row.id).update(last_used_at=datetime.now(UTC))
    return TokenHolder(row.name, row.user.name, row.user.role)

"""Users, roles and API tokens: add, list, change, disable; create, list, revoke; and who a
presented token acts for. Passwords are hashed with argon2id and tokens with SHA-256 here,
so the store only ever sees hashes."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError

from syncbot.app.roles import Role, parse_role
from syncbot.ledger.limits import quoted
from syncbot.store import users
from syncbot.store.users import (
    NameTaken,
    TokenHolder,
    TokenRecord,
    UnknownToken,
    UnknownUser,
    UserRecord,
    UserRefusal,
)

__all__ = [
    "NameTaken",
    "TokenHolder",
    "TokenRecord",
    "UnknownToken",
    "UnknownUser",
    "UserRecord",
    "UserRefusal",
    "add_user",
    "create_token",
    "disable_user",
    "generate_password",
    "holder_of",
    "list_tokens",
    "list_users",
    "reset_password",
    "revoke_token",
    "set_role",
    "verify_password",
]

MAX_NAME_LENGTH = 64
MIN_PASSWORD_LENGTH = 8
_HASHER = PasswordHasher()


class BadInput(UserRefusal):
    """A name, role or password that breaks a rule; nothing was written."""


def _name(name: str, what: str) -> str:
    name = name.strip()
    if not name or len(name) > MAX_NAME_LENGTH or not name.isprintable() or ":" in name:
        raise BadInput(
            f"{what} name {quoted(name)} is not valid: use 1 to {MAX_NAME_LENGTH} printable "
            "characters without ':'"
        )
    return name


def _role(text: str) -> Role:
    try:
        return parse_role(text)
    except ValueError as problem:
        raise BadInput(str(problem)) from None


def _hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise BadInput(f"the password is too short: use at least {MIN_PASSWORD_LENGTH} characters")
    return _HASHER.hash(password)


@functools.cache
def _unknown_user_hash() -> str:
    return _HASHER.hash(secrets.token_urlsafe(18))


def token_hash(token: str) -> str:
    """What is stored of a token: its SHA-256, hex. A token is random, so no salt is needed."""
    return hashlib.sha256(token.encode()).hexdigest()


def generate_password() -> str:
    return secrets.token_urlsafe(18)


async def add_user(name: str, role: str, password: str) -> UserRecord:
    checked_name, checked_role = _name(name, "user"), _role(role)
    return await users.add_user(checked_name, checked_role, _hash_password(password))


async def list_users() -> list[UserRecord]:
    return await users.users()


async def set_role(name: str, role: str) -> UserRecord:
    return await users.update_user(name, role=_role(role).value)


async def disable_user(name: str) -> UserRecord:
    """Disables the user: their tokens stop working on the next request."""
    return await users.update_user(name, disabled=True)


async def reset_password(name: str, password: str) -> UserRecord:
    await users.user(name)  # an unknown user is refused before hashing
    return await users.update_user(name, password_hash=_hash_password(password))


async def verify_password(name: str, password: str) -> bool:
    """True when `password` is the enabled user's; False for anything else."""
    try:
        record = await users.user(name)
        stored = await users.password_hash(name)
    except UnknownUser:
        # Hash anyway: answering an unknown name faster would tell which names exist.
        with contextlib.suppress(VerificationError):
            _HASHER.verify(_unknown_user_hash(), password)
        return False
    try:
        return not record.disabled and _HASHER.verify(stored, password)
    except VerificationError:
        return False


async def create_token(name: str, user: str) -> tuple[TokenRecord, str]:
    """A new token for `user`: its record, and the token itself, which is never kept."""
    token = "sbt_" + secrets.token_urlsafe(32)
    return await users.add_token(_name(name, "token"), user, token_hash(token)), token


async def list_tokens() -> list[TokenRecord]:
    return await users.tokens()


async def revoke_token(name: str) -> None:
    await users.revoke_token(name)


async def holder_of(token: str) -> TokenHolder | None:
    """Who a presented token acts for, or None when it is unknown, revoked or its user is
    disabled. Read on every request, so a change takes effect at once."""
    return await users.holder(token_hash(token))

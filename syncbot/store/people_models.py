"""Tortoise models of the people who use syncbot: users, their API tokens, their console
sessions and refused sign-ins. Only hashes of passwords, tokens and cookies are kept."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class User(Model):
    """A person: a role and an argon2 hash of the password."""

    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=64, unique=True)
    role = fields.CharField(max_length=16)
    password_hash = fields.CharField(max_length=255)
    disabled = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "app_user"


class ApiToken(Model):
    """A user's API token: only its SHA-256 is kept."""

    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=64, unique=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "syncbot.User", related_name="tokens", on_delete=fields.RESTRICT
    )
    token_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    revoked_at = fields.DatetimeField(null=True)
    last_used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_token"


class WebSession(Model):
    """A signed-in browser: only the SHA-256 of its cookie is kept, so a copy of the
    database cannot sign anyone in; deleting the row signs that browser out."""

    id = fields.BigIntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "syncbot.User", related_name="sessions", on_delete=fields.CASCADE
    )
    csrf = fields.CharField(max_length=64)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()

    class Meta:
        table = "web_session"


class SignInFailure(Model):
    """One refused sign-in, kept for the rate limit: per user name and address."""

    id = fields.BigIntField(primary_key=True)
    user_name = fields.CharField(max_length=64)
    address = fields.CharField(max_length=64)
    at = fields.DatetimeField()

    class Meta:
        table = "sign_in_failure"
        indexes = (("user_name", "address", "at"),)

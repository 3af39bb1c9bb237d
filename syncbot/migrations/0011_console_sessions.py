"""The console's sessions (only the cookie's SHA-256 is kept) and refused sign-ins."""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("syncbot", "0010_users_and_tokens")]

    operations = [
        ops.CreateModel(
            name="WebSession",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("token_hash", fields.CharField(unique=True, max_length=64)),
                (
                    "user",
                    fields.ForeignKeyField(
                        "syncbot.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="sessions",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("csrf", fields.CharField(max_length=64)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("expires_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "web_session",
                "app": "syncbot",
                "pk_attr": "id",
                "table_description": "A signed-in browser: only the SHA-256 of its cookie is kept.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="SignInFailure",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("user_name", fields.CharField(max_length=64)),
                ("address", fields.CharField(max_length=64)),
                ("at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "sign_in_failure",
                "app": "syncbot",
                "pk_attr": "id",
                "indexes": [Index(fields=["user_name", "address", "at"])],
                "table_description": "One refused sign-in, kept for the rate limit.",
            },
            bases=["Model"],
        ),
    ]

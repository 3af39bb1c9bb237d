"""Users and API tokens on a real database: only hashes are stored, and a token stops
working the moment its user is disabled or it is revoked."""

from __future__ import annotations

import pytest
from tortoise import connections

from syncbot.app import users
from syncbot.app.users import BadInput, KeepsAnAdmin, NameTaken, UnknownUser

PASSWORD = "correct horse battery"


async def _rows(statement: str) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = await connections.get("default").execute_query_dict(statement)
    return rows


class TestPasswords:
    async def test_a_password_is_stored_as_an_argon2_hash_never_as_given(
        self, database: str
    ) -> None:
        """The user row holds an argon2id hash; the password appears nowhere in it."""
        await users.add_user("alice", "clerk", PASSWORD)

        (row,) = await _rows("SELECT * FROM app_user")

        assert str(row["password_hash"]).startswith("$argon2id$")
        assert not any(PASSWORD in str(value) for value in row.values())
        assert await users.verify_password("alice", PASSWORD)
        assert not await users.verify_password("alice", PASSWORD + "x")

    async def test_a_reset_password_replaces_the_old_one(self, database: str) -> None:
        """After reset-password only the new password verifies."""
        await users.add_user("alice", "clerk", PASSWORD)

        await users.reset_password("alice", "another long one")

        assert await users.verify_password("alice", "another long one")
        assert not await users.verify_password("alice", PASSWORD)

    async def test_refusals_write_nothing(self, database: str) -> None:
        """A bad role, a short password or a duplicate name is refused and adds no row; a
        bad input names the field it concerns, for forms."""
        await users.add_user("alice", "clerk", PASSWORD)

        with pytest.raises(BadInput, match="viewer, clerk, manager, admin") as bad_role:
            await users.add_user("bob", "boss", PASSWORD)
        with pytest.raises(BadInput, match="too short") as bad_password:
            await users.add_user("bob", "clerk", "short")
        with pytest.raises(BadInput, match="not valid") as bad_name:
            await users.add_user("bob:1", "clerk", PASSWORD)
        fields = (bad_role.value.field, bad_password.value.field, bad_name.value.field)
        assert fields == ("role", "password", "name")
        with pytest.raises(NameTaken):
            await users.add_user("alice", "viewer", PASSWORD)
        with pytest.raises(UnknownUser):
            await users.set_role("nobody", "admin")

        assert [(row.name, row.role) for row in await users.list_users()] == [("alice", "clerk")]


class TestTokens:
    async def test_a_token_is_stored_as_its_sha256_only(self, database: str) -> None:
        """The token row holds the SHA-256 of the token, and the token nowhere."""
        await users.add_user("alice", "clerk", PASSWORD)

        _, token = await users.create_token("scanner", "alice")

        (row,) = await _rows("SELECT * FROM api_token")
        assert row["token_hash"] == users.token_hash(token)
        assert not any(token in str(value) for value in row.values())
        holder = await users.holder_of(token)
        assert holder is not None
        assert (holder.token, holder.user, holder.role) == ("scanner", "alice", "clerk")

    async def test_a_disabled_users_token_is_refused_at_once(self, database: str) -> None:
        """Disabling the user makes their token's next lookup answer no one."""
        await users.add_user("alice", "clerk", PASSWORD)
        _, token = await users.create_token("scanner", "alice")

        await users.disable_user("alice")

        assert await users.holder_of(token) is None
        assert not await users.verify_password("alice", PASSWORD)

    async def test_a_revoked_token_is_refused_and_others_still_work(self, database: str) -> None:
        """Revoking one token leaves the user's other tokens working."""
        await users.add_user("alice", "manager", PASSWORD)
        _, revoked = await users.create_token("old", "alice")
        _, kept = await users.create_token("new", "alice")

        await users.revoke_token("old")

        assert await users.holder_of(revoked) is None
        assert await users.holder_of(kept) is not None
        listed = {record.name: record.revoked_at for record in await users.list_tokens()}
        assert listed["old"] is not None
        assert listed["new"] is None

    async def test_a_role_change_applies_to_the_next_request(self, database: str) -> None:
        """The holder's role is read on each lookup, not when the token was made."""
        await users.add_user("alice", "viewer", PASSWORD)
        _, token = await users.create_token("t", "alice")

        await users.set_role("alice", "manager")

        holder = await users.holder_of(token)
        assert holder is not None
        assert holder.role == "manager"

    async def test_a_token_for_an_unknown_user_or_a_taken_name_is_refused(
        self, database: str
    ) -> None:
        """Nothing is written when the user is unknown or the name is taken."""
        await users.add_user("alice", "viewer", PASSWORD)
        await users.create_token("t", "alice")

        with pytest.raises(UnknownUser):
            await users.create_token("u", "nobody")
        with pytest.raises(NameTaken):
            await users.create_token("t", "alice")

        assert [record.name for record in await users.list_tokens()] == ["t"]


class TestKeepingAnAdmin:
    async def test_the_last_admin_can_be_neither_demoted_nor_disabled(self, database: str) -> None:
        """One enabled admin always remains: demoting or disabling the last one is refused
        and writes nothing."""
        await users.add_user("root", "admin", PASSWORD)

        with pytest.raises(KeepsAnAdmin, match="last admin"):
            await users.set_role("root", "manager")
        with pytest.raises(KeepsAnAdmin, match="last admin"):
            await users.disable_user("root")

        (record,) = await users.list_users()
        assert (record.role, record.disabled) == ("admin", False)

    async def test_an_admin_may_be_demoted_while_another_remains(self, database: str) -> None:
        """With a second enabled admin, the first may be made a manager, and then the
        second is the last one."""
        await users.add_user("root", "admin", PASSWORD)
        await users.add_user("ops", "admin", PASSWORD)

        await users.set_role("root", "manager")

        with pytest.raises(KeepsAnAdmin):
            await users.disable_user("ops")
        assert {r.name: r.role for r in await users.list_users()} == {
            "ops": "admin",
            "root": "manager",
        }

    async def test_a_disabled_admin_does_not_count_as_the_one_remaining(
        self, database: str
    ) -> None:
        """A disabled admin cannot manage anyone, so the last enabled one stays."""
        await users.add_user("root", "admin", PASSWORD)
        await users.add_user("gone", "admin", PASSWORD)
        await users.disable_user("gone")

        with pytest.raises(KeepsAnAdmin):
            await users.set_role("root", "viewer")

    async def test_an_admin_cannot_disable_themself(self, database: str) -> None:
        """Disabling the account that asks is refused even when other admins remain."""
        await users.add_user("root", "admin", PASSWORD)
        await users.add_user("ops", "admin", PASSWORD)

        with pytest.raises(KeepsAnAdmin, match="yourself"):
            await users.disable_user("root", by="root")

        await users.disable_user("ops", by="root")
        assert {r.name: r.disabled for r in await users.list_users()} == {
            "ops": True,
            "root": False,
        }

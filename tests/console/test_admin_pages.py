"""The admin pages over HTTP, on a real database: only admins reach them; users are added,
changed, disabled and given new passwords; tokens are created (shown once) and revoked;
a refusal keeps what was typed and writes nothing."""

from __future__ import annotations

import re

import httpx
import pytest

from syncbot.app import users

from .conftest import console_app, csrf_of, sign_in

PAGES = ("/admin", "/admin/users", "/admin/tokens")
POSTS = (
    "/admin/users",
    "/admin/users/role",
    "/admin/users/disable",
    "/admin/users/password",
    "/admin/tokens",
    "/admin/tokens/revoke",
)
_SECRET = re.compile(r'<code id="secret" class="secret-value">([^<]+)</code>')


def secret_in(html: str) -> str:
    found = _SECRET.search(html)
    assert found, "the page shows no secret"
    return found.group(1)


async def _post(client: httpx.AsyncClient, path: str, **fields: str) -> httpx.Response:
    return await client.post(path, data={"csrf": await csrf_of(client), **fields})


@pytest.fixture
async def admin(console: httpx.AsyncClient) -> httpx.AsyncClient:
    await sign_in(console, "root", "admin")
    return console


async def _roles() -> dict[str, tuple[str, bool]]:
    return {record.name: (record.role, record.disabled) for record in await users.list_users()}


class TestOnlyAdmins:
    @pytest.mark.parametrize("role", ["viewer", "clerk", "manager"])
    async def test_below_admin_every_page_and_form_is_refused(
        self, console: httpx.AsyncClient, role: str
    ) -> None:
        """A manager (or lower) gets a 403 page on every admin page and post; nothing is
        written."""
        await sign_in(console, "mona", role)
        csrf = await csrf_of(console)
        for path in PAGES:
            assert (await console.get(path)).status_code == 403, path
        for path in POSTS:
            fields = {"csrf": csrf, "name": "mona", "role": "admin", "user": "mona"}
            assert (await console.post(path, data=fields)).status_code == 403, path
        assert await _roles() == {"mona": (role, False)}
        assert await users.list_tokens() == []

    async def test_the_nav_shows_admin_to_admins_only(self, admin: httpx.AsyncClient) -> None:
        page = await admin.get("/admin")
        assert page.status_code == 200
        assert 'href="/admin/users"' in page.text


class TestUsers:
    async def test_an_added_users_generated_password_is_shown_once_and_works(
        self, admin: httpx.AsyncClient
    ) -> None:
        """With the password left empty one is generated, shown in the answer only, and
        the new user signs in with it."""
        answer = await _post(admin, "/admin/users", name="carl", role="clerk", password="")

        assert answer.status_code == 200
        assert "User carl added as clerk." in answer.text
        password = secret_in(answer.text)
        assert await users.verify_password("carl", password)
        assert password not in (await admin.get("/admin/users")).text
        assert await _roles() == {"carl": ("clerk", False), "root": ("admin", False)}

    async def test_a_typed_password_is_used_and_never_shown(self, admin: httpx.AsyncClient) -> None:
        answer = await _post(
            admin, "/admin/users", name="vera", role="viewer", password="a long password"
        )
        assert "a long password" not in answer.text
        assert 'id="secret"' not in answer.text
        assert await users.verify_password("vera", "a long password")

    async def test_a_refused_add_keeps_name_and_role_beside_the_error(
        self, admin: httpx.AsyncClient
    ) -> None:
        """A short password is refused beside the password field with name and role kept;
        a taken name beside the name field; nothing is added."""
        short = await _post(admin, "/admin/users", name="carl", role="manager", password="short")
        taken = await _post(admin, "/admin/users", name="root", role="viewer", password="")
        bad_role = await _post(admin, "/admin/users", name="carl", role="boss", password="")

        assert short.status_code == 422
        assert 'id="e-password"' in short.text
        assert 'value="carl"' in short.text
        assert '<option value="manager" selected>' in short.text
        assert taken.status_code == 409
        assert 'id="e-name"' in taken.text
        assert bad_role.status_code == 422
        assert 'id="e-role"' in bad_role.text
        assert await _roles() == {"root": ("admin", False)}

    async def test_change_role_and_disable_say_what_changed(self, admin: httpx.AsyncClient) -> None:
        """The answer names the change; a disabled user's session stops at once."""
        await users.add_user("carl", "clerk", "password-carl")
        transport = httpx.ASGITransport(app=console_app())
        async with httpx.AsyncClient(transport=transport, base_url="http://console.test") as carl:
            await sign_in(carl, "carl")

            promoted = await _post(admin, "/admin/users/role", name="carl", role="manager")
            disabled = await _post(admin, "/admin/users/disable", name="carl")

            assert "carl is now manager" in promoted.text
            assert "carl is disabled" in disabled.text
            assert (await carl.get("/")).status_code == 303
        assert (await _roles())["carl"] == ("manager", True)

    async def test_an_admin_cannot_disable_themself_or_demote_the_last_admin(
        self, admin: httpx.AsyncClient
    ) -> None:
        """Both are refused with a 409 beside the row, and root stays an enabled admin."""
        demoted = await _post(admin, "/admin/users/role", name="root", role="viewer")
        disabled = await _post(admin, "/admin/users/disable", name="root")

        assert demoted.status_code == 409
        assert "last admin" in demoted.text
        assert 'id="e-row-1"' in demoted.text
        assert '<option value="viewer" selected>' in demoted.text  # what was chosen, kept
        assert disabled.status_code == 409
        assert "cannot disable yourself" in disabled.text
        assert await _roles() == {"root": ("admin", False)}

    async def test_a_reset_password_is_generated_and_shown_once(
        self, admin: httpx.AsyncClient
    ) -> None:
        await users.add_user("carl", "clerk", "password-carl")

        answer = await _post(admin, "/admin/users/password", name="carl")

        new = secret_in(answer.text)
        assert await users.verify_password("carl", new)
        assert not await users.verify_password("carl", "password-carl")
        unknown = await _post(admin, "/admin/users/password", name="nobody")
        assert unknown.status_code == 404
        assert "no user named" in unknown.text


class TestTokens:
    async def test_a_created_token_is_shown_once_works_and_is_revoked(
        self, admin: httpx.AsyncClient
    ) -> None:
        """The token is in the create answer only; it acts on /api until revoked."""
        await users.add_user("carl", "clerk", "password-carl")

        created = await _post(admin, "/admin/tokens", name="scanner", user="carl")

        token = secret_in(created.text)
        assert "it is not shown again" in created.text
        listed = await admin.get("/admin/tokens")
        assert "scanner" in listed.text
        assert token not in listed.text
        bearer = {"Authorization": f"Bearer {token}"}
        assert (await admin.get("/api/inbox", headers=bearer)).status_code == 200

        revoked = await _post(admin, "/admin/tokens/revoke", name="scanner")

        assert "Token scanner is revoked" in revoked.text
        assert (await admin.get("/api/inbox", headers=bearer)).status_code == 401

    async def test_a_refused_token_keeps_its_input_beside_the_error(
        self, admin: httpx.AsyncClient
    ) -> None:
        """An unknown user is refused beside the user field, a taken name beside the name;
        no token is made."""
        await users.create_token("taken", "root")

        unknown = await _post(admin, "/admin/tokens", name="scanner", user="nobody")
        taken = await _post(admin, "/admin/tokens", name="taken", user="root")

        assert unknown.status_code == 404
        assert 'id="e-user"' in unknown.text
        assert 'value="scanner"' in unknown.text
        assert taken.status_code == 409
        assert 'id="e-name"' in taken.text
        assert [record.name for record in await users.list_tokens()] == ["taken"]


class TestNoServerError:
    @pytest.mark.parametrize(
        ("path", "fields"),
        [
            ("/admin/users/role", {"name": "a\x00b", "role": "viewer"}),
            ("/admin/users/disable", {"name": "a\x00b"}),
            ("/admin/users/password", {"name": "a\x00b"}),
            ("/admin/tokens", {"name": "t", "user": "a\x00b"}),
            ("/admin/tokens/revoke", {"name": "a\x00b"}),
        ],
    )
    async def test_a_name_no_row_can_hold_is_unknown_not_a_500(
        self, admin: httpx.AsyncClient, path: str, fields: dict[str, str]
    ) -> None:
        """A NUL (which PostgreSQL refuses even in a query) names no user or token: 404."""
        answer = await _post(admin, path, **fields)
        assert answer.status_code == 404
        assert "no user named" in answer.text or "no token named" in answer.text

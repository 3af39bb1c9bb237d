"""`/api/users` and `/api/tokens` over real HTTP: an admin manages people and tokens, a new
token works at once with its user's role, and every refusal is a 4xx that writes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import BOOTSTRAP_TOKEN, SKU, Api


def _listed(api: Api) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    users = api.call("GET", "/api/users", BOOTSTRAP_TOKEN)
    tokens = api.call("GET", "/api/tokens", BOOTSTRAP_TOKEN)
    assert users.status_code == tokens.status_code == 200, users.text + tokens.text
    return users.json(), tokens.json()


class TestUsers:
    def test_an_added_user_gets_a_generated_password_shown_once(self, api: Api) -> None:
        """Without a password in the body one is generated, answered once, never listed."""
        added = api.call(
            "POST", "/api/users", BOOTSTRAP_TOKEN, json={"name": "dana", "role": "clerk"}
        )

        assert added.status_code == 201, added.text
        body = added.json()
        assert body["name"] == "dana"
        assert body["role"] == "clerk"
        assert not body["disabled"]
        assert len(body["password"]) >= 16
        (dana,) = [user for user in _listed(api)[0] if user["name"] == "dana"]
        assert "password" not in dana
        assert body["password"] not in str(_listed(api))

    def test_a_given_password_is_not_echoed(self, api: Api) -> None:
        """A password the admin chose is answered as null: it is theirs to know already."""
        body = {"name": "eve", "role": "viewer", "password": "eve's long password"}
        added = api.call("POST", "/api/users", api.tokens["admin"], json=body)

        assert added.status_code == 201, added.text
        assert added.json()["password"] is None
        assert "eve's long password" not in added.text

    def test_a_role_change_counts_from_the_next_request(self, api: Api) -> None:
        """A clerk made manager may adjust at once; made viewer, may no longer receive."""
        adjust = {"sku": SKU, "kind": "adjust", "quantity": 2, "reason": "found"}
        clerk = api.tokens["clerk"]
        assert api.call("POST", "/api/movements", clerk, json=adjust).status_code == 403

        promoted = api.call(
            "PATCH", "/api/users/clerk-user", BOOTSTRAP_TOKEN, json={"role": "manager"}
        )
        assert promoted.status_code == 200, promoted.text
        assert promoted.json()["role"] == "manager"
        assert api.call("POST", "/api/movements", clerk, json=adjust).status_code == 201

        api.call("PATCH", "/api/users/clerk-user", BOOTSTRAP_TOKEN, json={"role": "viewer"})
        receive = {"sku": SKU, "kind": "receive", "quantity": 1}
        assert api.call("POST", "/api/movements", clerk, json=receive).status_code == 403

    def test_disabling_stops_the_users_tokens_at_once_and_enabling_restores_them(
        self, api: Api
    ) -> None:
        """`disabled: true` refuses the next request 401; `disabled: false` lets it in again."""
        clerk = api.tokens["clerk"]
        assert api.call("GET", "/api/parked", clerk).status_code == 200

        disabled = api.call(
            "PATCH", "/api/users/clerk-user", BOOTSTRAP_TOKEN, json={"disabled": True}
        )
        assert disabled.status_code == 200
        assert disabled.json()["disabled"] is True
        assert api.call("GET", "/api/parked", clerk).status_code == 401

        api.call("PATCH", "/api/users/clerk-user", BOOTSTRAP_TOKEN, json={"disabled": False})
        assert api.call("GET", "/api/parked", clerk).status_code == 200

    def test_a_reset_password_is_generated_or_given(self, api: Api) -> None:
        """Reset without a body field answers a new password once; with one, answers null."""
        generated = api.call("POST", "/api/users/viewer-user/password", BOOTSTRAP_TOKEN, json={})
        given = api.call(
            "POST",
            "/api/users/viewer-user/password",
            BOOTSTRAP_TOKEN,
            json={"password": "a new long password"},
        )

        assert generated.status_code == 200, generated.text
        assert len(generated.json()["password"]) >= 16
        assert given.status_code == 200
        assert given.json()["password"] is None


class TestTokens:
    def test_a_created_token_is_shown_once_acts_as_its_user_and_is_revoked(self, api: Api) -> None:
        """The answer holds the token; the list never does; DELETE refuses its next request."""
        created = api.call(
            "POST", "/api/tokens", BOOTSTRAP_TOKEN, json={"name": "scanner", "user": "clerk-user"}
        )
        assert created.status_code == 201, created.text
        token = created.json()["token"]
        assert token.startswith("sbt_")

        receive = {"sku": SKU, "kind": "receive", "quantity": 3}
        assert api.call("POST", "/api/movements", token, json=receive).status_code == 201
        (row,) = api.call("GET", "/api/movements", token).json()
        assert row["actor"] == "api:scanner"
        listed = [t for t in _listed(api)[1] if t["name"] == "scanner"]
        assert listed[0]["user"] == "clerk-user"
        assert token not in str(listed)

        assert api.call("DELETE", "/api/tokens/scanner", BOOTSTRAP_TOKEN).status_code == 204
        assert api.call("GET", "/api/parked", token).status_code == 401
        assert api.call("DELETE", "/api/tokens/scanner", BOOTSTRAP_TOKEN).status_code == 204
        (revoked,) = [t for t in _listed(api)[1] if t["name"] == "scanner"]
        assert revoked["revoked_at"] is not None


REFUSALS: list[tuple[str, str, dict[str, Any] | None, int, str]] = [
    ("POST", "/api/users", {"name": "viewer-user", "role": "clerk"}, 409, "exists already"),
    ("POST", "/api/users", {"name": "gil", "role": "owner"}, 422, "role"),
    ("POST", "/api/users", {"name": "gil", "role": "clerk", "password": "short"}, 422, "8"),
    ("POST", "/api/users", {"name": "a:b", "role": "clerk"}, 422, "without ':'"),
    ("POST", "/api/users", {"name": "gil\x00", "role": "clerk"}, 422, "NUL"),
    ("POST", "/api/users", {"name": "gil\x01", "role": "clerk"}, 422, "not valid"),
    ("POST", "/api/users", {"name": "  ", "role": "clerk"}, 422, "not valid"),
    ("POST", "/api/users", {"name": "x" * 65, "role": "clerk"}, 422, "64"),
    ("POST", "/api/users", {"name": "gil", "role": "clerk", "admin": True}, 422, "admin"),
    ("POST", "/api/users", {"name": "gil"}, 422, "role"),
    ("POST", "/api/users", None, 422, "body"),
    ("PATCH", "/api/users/viewer-user", {}, 422, "nothing to change"),
    ("PATCH", "/api/users/viewer-user", {"disabled": "yes"}, 422, "disabled"),
    ("PATCH", "/api/users/viewer-user", {"disable": True}, 422, "disable"),
    ("PATCH", "/api/users/viewer-user", {"role": "boss"}, 422, "role"),
    ("PATCH", "/api/users/nobody", {"disabled": True}, 404, "no user named 'nobody'"),
    ("POST", "/api/users/nobody/password", {}, 404, "no user named"),
    ("POST", "/api/users/viewer-user/password", {"password": "short"}, 422, "8"),
    ("POST", "/api/tokens", {"name": "t2", "user": "nobody"}, 404, "no user named"),
    ("POST", "/api/tokens", {"name": "viewer", "user": "clerk-user"}, 409, "exists already"),
    ("POST", "/api/tokens", {"name": "t:2", "user": "clerk-user"}, 422, "without ':'"),
    ("POST", "/api/tokens", {"name": "t2", "user": "clerk\x00"}, 422, "NUL"),
    ("PATCH", "/api/users/clerk%00user", {"disabled": True}, 422, "NUL"),
    ("POST", "/api/users/clerk%00user/password", {}, 422, "NUL"),
    ("DELETE", "/api/tokens/view%00er", None, 422, "NUL"),
    ("DELETE", "/api/tokens/" + "v" * 65, None, 422, "over the limit of 64"),
    ("DELETE", "/api/tokens/nothing", None, 404, "no token named"),
    ("PATCH", "/api/users/admin-user", {"role": "clerk"}, 409, "the last admin"),
    ("PATCH", "/api/users/admin-user", {"disabled": True, "role": "clerk"}, 409, "last admin"),
]


@pytest.mark.parametrize(("method", "path", "body", "status", "says"), REFUSALS)
def test_a_refusal_is_a_4xx_that_says_why_and_writes_nothing(
    api: Api, method: str, path: str, body: dict[str, Any] | None, status: int, says: str
) -> None:
    """Bad input is answered with its status and a message naming the problem; the users
    and tokens are as they were."""
    before = _listed(api)

    answer = api.call(method, path, BOOTSTRAP_TOKEN, **({} if body is None else {"json": body}))

    assert answer.status_code == status, answer.text
    assert says in answer.json()["error"], answer.text
    assert _listed(api) == before


def test_below_admin_every_users_and_tokens_route_is_refused(api: Api) -> None:
    """A manager may not even list users; the message names the admin role."""
    for method, path in [("GET", "/api/users"), ("GET", "/api/tokens")]:
        answer = api.call(method, path, api.tokens["manager"])
        assert answer.status_code == 403
        assert "managing users and tokens needs the admin role" in answer.json()["error"]
    answer = api.call(
        "POST", "/api/tokens", api.tokens["manager"], json={"name": "mine", "user": "manager-user"}
    )
    assert answer.status_code == 403
    assert "mine" not in str(_listed(api)[1])


def test_an_admin_token_may_not_disable_its_own_user(api: Api) -> None:
    """A token cannot lock its own user out, even with another admin to spare; the role
    sent with it is not changed either."""
    api.call("POST", "/api/users", BOOTSTRAP_TOKEN, json={"name": "zed", "role": "admin"})
    change = {"disabled": True, "role": "viewer"}

    answer = api.call("PATCH", "/api/users/admin-user", api.tokens["admin"], json=change)

    assert answer.status_code == 409, answer.text
    assert "cannot disable yourself" in answer.json()["error"]
    (me,) = [u for u in _listed(api)[0] if u["name"] == "admin-user"]
    assert me["role"] == "admin"
    assert me["disabled"] is False

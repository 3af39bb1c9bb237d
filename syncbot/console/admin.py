"""The console's admin pages: users (add, change role, disable, reset password) and API
tokens (create, revoke). Admins only.

Each change answers the page again with what changed; a password or token made here is
shown once, in that answer only, and is never put in a URL or kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from syncbot.app import users
from syncbot.app.roles import Role
from syncbot.console.pages import Console, ConsoleUser

ROLES = [role.value for role in Role]


@dataclass
class Outcome:
    """What a change did, for the page that answers it: a notice, a secret shown once, or
    errors by field (with what was typed, to fill the form again) and the status."""

    notice: str | None = None
    secret: str | None = None
    secret_label: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    typed: dict[str, str] = field(default_factory=dict)
    status: int = 200


def _refused(refusal: users.UserRefusal, typed: dict[str, str], default_field: str) -> Outcome:
    """The refusal beside the field it concerns, with its status: 422 bad input, 404 an
    unknown name, 409 a taken name or a change that would leave no admin."""
    if isinstance(refusal, users.BadInput):
        return Outcome(errors={refusal.field: str(refusal)}, typed=typed, status=422)
    if isinstance(refusal, users.UnknownUser | users.UnknownToken):
        return Outcome(errors={default_field: str(refusal)}, typed=typed, status=404)
    return Outcome(errors={default_field: str(refusal)}, typed=typed, status=409)


def _text(form: Any, name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


def routes(console: Console) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    admin = console.user(Role.ADMIN)

    async def users_page(request: Request, user: ConsoleUser, outcome: Outcome) -> HTMLResponse:
        return console.render(
            request,
            "admin_users.html",
            user,
            page="admin",
            status=outcome.status,
            users=await users.list_users(),
            roles=ROLES,
            outcome=outcome,
        )

    async def tokens_page(request: Request, user: ConsoleUser, outcome: Outcome) -> HTMLResponse:
        everyone = await users.list_users()
        return console.render(
            request,
            "admin_tokens.html",
            user,
            page="admin",
            status=outcome.status,
            tokens=await users.list_tokens(),
            holders=[record.name for record in everyone if not record.disabled],
            outcome=outcome,
        )

    @router.get("/admin")
    async def admin_index(
        request: Request,
        user: ConsoleUser = Depends(admin),  # noqa: B008 (see pages.Console.user)
    ) -> HTMLResponse:
        everyone, tokens = await users.list_users(), await users.list_tokens()
        return console.render(
            request,
            "admin.html",
            user,
            page="admin",
            users=everyone,
            admins=sum(r.role == Role.ADMIN and not r.disabled for r in everyone),
            live_tokens=sum(t.revoked_at is None for t in tokens),
        )

    @router.get("/admin/users")
    async def list_users(
        request: Request,
        user: ConsoleUser = Depends(admin),  # noqa: B008 (see pages.Console.user)
    ) -> HTMLResponse:
        return await users_page(request, user, Outcome())

    @router.post("/admin/users")
    async def add_user(
        request: Request,
        user: ConsoleUser = Depends(admin),  # noqa: B008 (see pages.Console.user)
    ) -> HTMLResponse:
        """Adds a user with the password typed, or a generated one shown once."""
        form = await console.form(request, user)
        name, role, typed_password = (
            _text(form, "name"),
            _text(form, "role"),
            _text(form, "password"),
        )
        password = typed_password or users.generate_password()
        try:
            record = await users.add_user(name, role, password)
        except users.UserRefusal as refusal:
            # The password is never sent back: it is typed again.
            outcome = _refused(refusal, {"name": name, "role": role}, "name")
            return await users_page(request, user, outcome)
        outcome = Outcome(notice=f"User {record.name} added as {record.role}.")
        if not typed_password:
            outcome.secret, outcome.secret_label = password, f"Password of {record.name}"
        return await users_page(request, user, outcome)

    @router.post("/admin/users/role")
    async def set_role(
        request: Request,
        user: ConsoleUser = Depends(admin),  # noqa: B008 (see pages.Console.user)
    ) -> HTMLResponse:
        form = await console.form(request, user)
        name, role = _text(form, "name"), _text(form, "role")
        try:
            record = await users.set_role(name, role)
        except users.UserRefusal as refusal:
            outcome = _refused(refusal, {"row": name, "role": role}, "row")
            return await users_page(request, user, outcome)
        notice = f"{record.name} is now {record.role}; their sessions and tokens act with it now."
        return await users_page(request, user, Outcome(notice=notice))

    @router.post("/admin/users/disable")
    async def disable_user(
        request: Request,
        user: ConsoleUser = Depends(admin),  # noqa: B008 (see pages.Console.user)
    ) -> HTMLResponse:
        form = await console.form(request, user)
        name = _text(form, "name")
        try:
            record = await users.disable_user(name, by=user.name)
        except users.UserRefusal as refusal:
            return await users_page(request, user, _refused(refusal, {"row": name}, "row"))
        notice = f"{record.name} is disabled: their sessions and tokens stopped working."
        return await users_page(request, user, Outcome(notice=notice))

    @router.post("/admin/users/password")
    async def reset_password(
        request: Request,
        user: ConsoleUser = Depends(admin),  # noqa: B008 (see pages.Console.user)
    ) -> HTMLResponse:
        """Sets a generated password, shown once."""
        form = await console.form(request, user)
        name, password = _text(form, "name"), users.generate_password()
        try:
            record = await users.reset_password(name, password)
        except users.UserRefusal as refusal:
            return await users_page(request, user, _refused(refusal, {"row": name}, "row"))
        outcome = Outcome(
            notice=f"The password of {record.name} is reset; the old one no longer works.",
            secret=password,
            secret_label=f"New password of {record.name}",
        )
        return await users_page(request, user, outcome)

    @router.get("/admin/tokens")
    async def list_tokens(
        request: Request,
        user: ConsoleUser = Depends(admin),  # noqa: B008 (see pages.Console.user)
    ) -> HTMLResponse:
        return await tokens_page(request, user, Outcome())

    @router.post("/admin/tokens")
    async def create_token(
        request: Request,
        user: ConsoleUser = Depends(admin),  # noqa: B008 (see pages.Console.user)
    ) -> HTMLResponse:
        """Creates a token for a user; the token is in this answer and nowhere else."""
        form = await console.form(request, user)
        name, holder = _text(form, "name"), _text(form, "user")
        try:
            record, token = await users.create_token(name, holder)
        except users.UnknownUser as refusal:
            outcome = _refused(refusal, {"name": name, "user": holder}, "user")
            return await tokens_page(request, user, outcome)
        except users.UserRefusal as refusal:
            outcome = _refused(refusal, {"name": name, "user": holder}, "name")
            return await tokens_page(request, user, outcome)
        outcome = Outcome(
            notice=f"Token {record.name} created for {record.user}; it acts with their role.",
            secret=token,
            secret_label=f"Token {record.name}",
        )
        return await tokens_page(request, user, outcome)

    @router.post("/admin/tokens/revoke")
    async def revoke_token(
        request: Request,
        user: ConsoleUser = Depends(admin),  # noqa: B008 (see pages.Console.user)
    ) -> HTMLResponse:
        form = await console.form(request, user)
        name = _text(form, "name")
        try:
            await users.revoke_token(name)
        except users.UserRefusal as refusal:
            return await tokens_page(request, user, _refused(refusal, {"row": name}, "row"))
        notice = f"Token {name} is revoked: it stopped working."
        return await tokens_page(request, user, Outcome(notice=notice))

    return router

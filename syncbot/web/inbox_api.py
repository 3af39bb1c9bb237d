"""`/api/inbox`: deliveries not applied and why (viewer), and skipping one by hand (manager)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from syncbot.app import inbox
from syncbot.app.roles import Role
from syncbot.ledger.limits import MAX_REASON_LENGTH
from syncbot.web.auth import AUTH_RESPONSES, Access, Caller
from syncbot.web.errors import responses
from syncbot.web.fields import DeliveryId, documented, stored


class SkipRequest(BaseModel):
    reason: Annotated[
        str,
        Field(min_length=1, json_schema_extra=documented(MAX_REASON_LENGTH)),
        stored("reason", MAX_REASON_LENGTH),
    ]
    """Why the delivery is closed by hand: kept on it and shown in the list."""


def inbox_router(access: Access) -> APIRouter:
    """Reading needs a viewer's token, skipping a manager's."""
    router = APIRouter(
        prefix="/api",
        tags=["inbox"],
        dependencies=[Depends(access.caller)],
        responses=AUTH_RESPONSES,
    )

    @router.get("/inbox", responses=responses(401))
    async def get_inbox(
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> list[inbox.InboxEntry]:
        """Deliveries not applied, oldest first, as `syncbot inbox list` shows them.

        200 the list (empty when every delivery is processed); 401 without the token;
        422 a limit outside 1..1000.
        """
        return await inbox.unfinished(limit)

    @router.post(
        "/inbox/{delivery_id}/skip",
        responses=responses(400, 401, 403, 404, 409),
    )
    async def skip_delivery(
        delivery_id: DeliveryId,
        body: SkipRequest,
        caller: Caller = Depends(access.require(Role.MANAGER)),  # noqa: B008 (see auth.Access.require)
    ) -> inbox.InboxEntry:
        """Closes one delivery by hand with a reason; it is never retried.

        200 the delivery as closed; 401 without the token; 403 below manager; 404 unknown
        id; 409 already applied, ignored or skipped; 422 a missing, blank or over-long reason.
        """
        try:
            entry = await inbox.skip(delivery_id, caller.actor, body.reason)
        except inbox.UnknownDelivery as refusal:
            raise HTTPException(404, str(refusal)) from refusal
        except inbox.AlreadyClosed as refusal:
            raise HTTPException(409, str(refusal)) from refusal
        except inbox.InboxRefusal as refusal:  # a reason of blanks only
            raise HTTPException(422, str(refusal)) from refusal
        assert entry is not None  # it was just closed, and rows are never deleted
        return entry

    return router

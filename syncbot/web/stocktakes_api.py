"""`/api/stocktakes`: what `syncbot stocktake` does, over HTTP, with the console's roles.

    viewer   lists sessions; reads one as a counter sees it
    clerk    + counts
    manager  + starts, approves, posts and cancels; reads one as its review (expected,
               variance, percent and value on every line, blind or not)

Refusals (`web.errors`): 404 an unknown session, SKU, barcode or location, or a SKU not in
the session; 409 a closed session, a count at another location than the session's, an
overlap with another open session, lines awaiting approval, a count's key used for
another count; 422 a bad name, quantity or threshold. A refused request writes nothing.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response

from syncbot.app import stocktakes
from syncbot.app.roles import Role
from syncbot.ledger.stocktake import MAX_NAME
from syncbot.web.auth import AUTH_RESPONSES, Access, Caller
from syncbot.web.errors import responses
from syncbot.web.fields import documented, stored
from syncbot.web.stocktake_schemas import (
    ApprovedOut,
    ApproveRequest,
    CancelledOut,
    CountedOut,
    CountOut,
    CountRequest,
    LineOut,
    PostedOut,
    PostRequest,
    StartRequest,
    StocktakeOut,
    SummaryOut,
)

# `:path`: a session's name may hold "/".
SessionInPath = Annotated[
    str,
    Path(
        min_length=1,
        json_schema_extra=documented(MAX_NAME),
        description="The session's id or its name.",
    ),
    stored("session", MAX_NAME),
]
_CHANGE = responses(400, 404, 409)


def _replayed(model: type[Any], what: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"model": model, "description": what}, **_CHANGE}


def stocktakes_router(access: Access, currency: str) -> APIRouter:
    """Reads need a viewer's token, counts a clerk's, every other change a manager's."""
    router = APIRouter(
        prefix="/api/stocktakes",
        tags=["stocktakes"],
        dependencies=[Depends(access.caller)],
        responses=AUTH_RESPONSES,
    )
    _reads(router, access, currency)
    _counts(router, access.require(Role.CLERK), currency)
    _changes(router, access.require(Role.MANAGER))
    return router


def _reads(router: APIRouter, access: Access, currency: str) -> None:
    @router.get("")
    async def list_sessions(
        open_only: Annotated[bool, Query(alias="open", description="only open sessions")] = False,
    ) -> list[SummaryOut]:
        """Every session newest first, with how many lines are counted."""
        return [SummaryOut.of(row) for row in await stocktakes.sessions(open_only=open_only)]

    @router.get("/{session:path}", responses=responses(404))
    async def show_session(
        session: SessionInPath,
        caller: Caller = Depends(access.caller),  # noqa: B008 (see auth.Access.require)
    ) -> StocktakeOut:
        """A manager reads the review: each line's expected at its count, counted,
        variance, percent and value, and whether it awaits approval. Anyone else reads
        what a counter sees: in a blind session no expected, variance or value
        (`expected_shown` false). 404 an unknown session."""
        if caller.role.allows(Role.MANAGER):
            view = await stocktakes.review(session)
        else:
            view = await stocktakes.counter_view(session)
        return StocktakeOut.of(view, currency)


def _counts(router: APIRouter, clerk: Any, currency: str) -> None:
    @router.post(
        "/{session:path}/counts",
        status_code=201,
        responses=_replayed(CountedOut, "the key was used before for this count"),
    )
    async def count(
        session: SessionInPath,
        body: CountRequest,
        response: Response,
        caller: Caller = Depends(clerk),  # noqa: B008 (see auth.Access.require)
    ) -> CountedOut:
        """Records a count: your count in that area is `quantity` (`set`, a recount
        replaces it, both stay in the line's history) or grows by it (`add`). Counts of
        several counters and areas are summed. 201 recorded; 200 a key used before for the
        same count; 404 an unknown SKU or barcode, or one not in the session; 409 a
        closed session, another location, a key used for another count."""
        counted = await stocktakes.count(
            session, body.sku, body.quantity, caller.actor, area=body.area, key=body.key,
            mode=body.mode, location=body.location,
        )  # fmt: skip
        if not counted.applied:
            response.status_code = 200
        return CountedOut(
            session=counted.session,
            applied=counted.applied,
            count=CountOut.of(counted.count),
            line=LineOut.of(counted.line, currency),
        )


def _changes(router: APIRouter, manager: Any) -> None:
    @router.post("", status_code=201, responses=_CHANGE)
    async def start(
        body: StartRequest,
        caller: Caller = Depends(manager),  # noqa: B008 (see auth.Access.require)
    ) -> SummaryOut:
        """Opens a session over the SKUs named, those matching `pattern`, or every SKU,
        and snapshots their on hand at `location`. 404 an unknown SKU or location; 409
        some SKU is already in an open session there; 422 a bad name or threshold."""
        limits = stocktakes.thresholds(
            body.approve_over_units,
            None if body.approve_over_percent is None else str(body.approve_over_percent),
            None if body.approve_over_value is None else str(body.approve_over_value),
        )
        summary = await stocktakes.start(
            caller.actor, location=body.location, pattern=body.pattern, skus=body.skus,
            blind=body.blind, name=body.name, limits=limits,
        )  # fmt: skip
        return SummaryOut.of(summary)

    @router.post("/{session:path}/approve", responses=_CHANGE)
    async def approve(
        session: SessionInPath,
        caller: Caller = Depends(manager),  # noqa: B008 (see auth.Access.require)
        body: ApproveRequest | None = None,
    ) -> ApprovedOut:
        """Approves one line's variance (`sku`) or, with no body, every line over a
        threshold. An approval holds for the line's latest count. 409 a closed session;
        422 a line not counted yet."""
        sku = None if body is None else body.sku
        approved = await stocktakes.approve(session, sku, caller.actor, caller.role)
        return ApprovedOut(session=approved.session, skus=list(approved.skus))

    @router.post(
        "/{session:path}/post",
        status_code=201,
        responses=_replayed(PostedOut, "posted before: nothing new recorded"),
    )
    async def post(
        session: SessionInPath,
        response: Response,
        caller: Caller = Depends(manager),  # noqa: B008 (see auth.Access.require)
        body: PostRequest | None = None,
    ) -> PostedOut:
        """Posts every variance once, as count movements whose document is
        `stocktakes/<id>`, and closes the session. 201 posted; 200 posted before (nothing
        new); 409 lines over a threshold await approval, or the session was cancelled."""
        uncounted = "leave" if body is None else body.uncounted
        posted = await stocktakes.post(session, caller.actor, uncounted=uncounted)
        if not posted.applied:
            response.status_code = 200
        return PostedOut(
            session=posted.session,
            applied=posted.applied,
            posting=posted.posting,
            movements=posted.movements,
        )

    @router.post("/{session:path}/cancel", responses=_CHANGE)
    async def cancel(
        session: SessionInPath,
        caller: Caller = Depends(manager),  # noqa: B008 (see auth.Access.require)
    ) -> CancelledOut:
        """Closes an open session without touching any balance; 409 once posted."""
        cancelled = await stocktakes.cancel(session, caller.actor)
        return CancelledOut(session=cancelled.session, applied=cancelled.applied)

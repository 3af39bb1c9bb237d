"""Stock-take use cases for every surface (CLI, API, Slack `/count`, the console's scan page).

Plain values in; frozen read models out (`stocktake_views`). A session is named by its id
or its name (`session`); wherever a SKU is taken, one of its barcodes will do
(`barcodes.resolve`: a SKU code wins over a barcode). Refusals are LedgerErrors and
nothing is written when one is raised: `ledger.stocktake.StocktakeError`s (its tree is
drawn there), UnknownSku, UnknownLocation, IdempotencyConflict (a count's key reused for
another count).

Blind sessions: `counter_view` and `count`'s answer never carry the expected quantity
(nor the variance, which would give it away); only `review`, for whoever approves, does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation

from tortoise.transactions import in_transaction

from syncbot.app import bundles
from syncbot.app.actor import Actor
from syncbot.app.barcodes import resolve
from syncbot.app.roles import Role
from syncbot.app.stocktake_views import (
    Approved,
    Cancelled,
    Counted,
    CountView,
    LineView,
    Posted,
    StocktakeSummary,
    StocktakeView,
)
from syncbot.ledger import DEFAULT_LOCATION
from syncbot.ledger.costing import parse_cost, value_of
from syncbot.ledger.stocktake import (
    ApprovalNeeded,
    ApprovalRefused,
    StocktakeError,
    StocktakeInputError,
    Thresholds,
    check_area,
    check_count,
    check_key,
    check_name,
    parse_uncounted,
)
from syncbot.store import stocktake_posting, stocktake_reads, stocktakes
from syncbot.store.stocktake_reads import SessionRecord

__all__ = [
    "Approved",
    "Cancelled",
    "CountView",
    "Counted",
    "LineView",
    "Posted",
    "StocktakeError",
    "StocktakeSummary",
    "StocktakeView",
    "approve",
    "cancel",
    "count",
    "counter_view",
    "post",
    "review",
    "sessions",
    "start",
    "thresholds",
]

Session = str | int
NO_THRESHOLDS = Thresholds()


def thresholds(
    units: int | None = None,
    percent: str | Decimal | None = None,
    value: str | Decimal | None = None,
) -> Thresholds:
    """Approval thresholds as a person gives them: units, a percent ("5"), a value ("20.00")."""
    parsed_percent = None
    if percent is not None:
        try:
            parsed_percent = Decimal(str(percent).strip()).quantize(Decimal("0.01"))
        except InvalidOperation:
            raise StocktakeInputError(
                f"--approve-over-percent is a number, not {percent!r}"
            ) from None
    limit = None if value is None else value_of(1, parse_cost(value))
    return Thresholds(units, parsed_percent, limit)


async def start(
    actor: Actor,
    *,
    location: str = DEFAULT_LOCATION,
    pattern: str | None = None,
    skus: Sequence[str] | None = None,
    blind: bool = False,
    name: str | None = None,
    limits: Thresholds = NO_THRESHOLDS,
    progress: Callable[[int, int], None] | None = None,
) -> StocktakeSummary:
    """Opens a session over the SKUs named (or their barcodes), those matching `pattern`,
    or all of them, and snapshots their on-hand at `location`. Raises
    OverlappingStocktake, UnknownSku, ..."""
    if pattern is not None and skus is not None:
        raise StocktakeInputError("give a pattern or a list of SKUs, not both")
    checked_name = None if name is None else check_name(name)
    chosen = await stocktakes.scope_of(pattern, skus)
    if skus is not None:
        await bundles.refuse_stock(chosen, "stock-take count")
    else:  # a bundle holds no stock: a pattern or "all SKUs" counts its components only
        among = await bundles.bundle_codes()
        chosen = [code for code in chosen if code not in among]
    scope = f"pattern {pattern}" if pattern else f"{len(chosen)} SKUs named" if skus else "all SKUs"
    session = await stocktakes.start(
        location, chosen, name=checked_name, scope=scope, blind=blind, thresholds=limits,
        actor=actor.encode(), progress=progress,
    )  # fmt: skip
    async with in_transaction() as connection:
        rows = await stocktake_reads.summaries(connection, open_only=False, session=session)
    return StocktakeSummary.of(rows[0])


async def count(
    session: Session,
    sku: str,
    quantity: int,
    actor: Actor,
    *,
    area: str = "",
    key: str | None = None,
    mode: str = "set",
    location: str | None = None,
) -> Counted:
    """Records one count of `sku` (a SKU code or a barcode): `set` the counter's quantity
    in that area, or `add` to it (a scan is `add` 1); a count with a key used before counts
    once. The answer is the counter's view of the line."""
    checked_quantity, checked_mode = check_count(quantity, mode)
    checked_area = check_area(area)
    checked_key = None if key is None else check_key(key)
    code = await resolve(sku)
    await bundles.refuse_stock([code], "stock-take count")
    counted = await stocktakes.count(
        str(session), code, checked_quantity, actor.encode(), mode=checked_mode,
        area=checked_area, key=checked_key, location=location,
    )  # fmt: skip
    view = await _view(str(counted.session), {counted.sku}, for_counter=True)
    return Counted(view.id, counted.applied, CountView.of(counted.count), view.lines[0])


async def counter_view(session: Session) -> StocktakeView:
    """What a counter sees: in a blind session, no expected quantity and no variance."""
    return await _view(str(session), None, for_counter=True)


async def review(session: Session) -> StocktakeView:
    """Every line for whoever reviews and approves: expected at its count, counted,
    variance in units, percent and value, and whether it needs approval."""
    return await _view(str(session), None, for_counter=False)


async def approve(session: Session, sku: str | None, actor: Actor, role: Role) -> Approved:
    """A manager approves one line (`sku`, or its barcode) or, with None, every line over
    a threshold."""
    if not role.allows(Role.MANAGER):
        raise ApprovalRefused(role.value)
    line = None if sku is None else await resolve(sku)
    session_id, approved = await stocktakes.approve(str(session), line, actor.encode())
    return Approved(session_id, tuple(approved))


async def post(session: Session, actor: Actor, *, uncounted: str = "leave") -> Posted:
    """Posts the session's variances once, as count movements with the document
    `stocktakes/<id>`, and closes it; a second post records nothing (applied=False).
    Uncounted lines are left, or with `zero` counted as 0. Raises ApprovalNeeded."""
    policy = parse_uncounted(uncounted)
    posted = await stocktake_posting.post(str(session), actor.encode(), policy, _approved)
    return Posted(posted.session, posted.applied, posted.posting, len(posted.movements))


def _approved(record: SessionRecord) -> None:
    if waiting := [line.sku for line in record.lines if line.needs_approval]:
        raise ApprovalNeeded(record.id, waiting)


async def cancel(session: Session, actor: Actor) -> Cancelled:
    """Closes an open session without touching any balance."""
    session_id, applied = await stocktakes.cancel(str(session), actor.encode())
    return Cancelled(session_id, applied)


async def sessions(*, open_only: bool = False) -> list[StocktakeSummary]:
    """Every session, newest first; `open_only` for the open ones."""
    async with in_transaction() as connection:
        rows = await stocktake_reads.summaries(connection, open_only=open_only)
    return [StocktakeSummary.of(row) for row in rows]


async def _view(session: str, skus: set[str] | None, *, for_counter: bool) -> StocktakeView:
    async with in_transaction() as connection:
        row = await stocktake_reads.find(connection, session)
        record = await stocktake_reads.load(connection, row, skus)
    hide = for_counter and record.blind
    return StocktakeView.of(record, hide_expected=hide)

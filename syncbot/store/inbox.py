"""The inbox: raw deliveries stored before the storefront's 200, deduplicated per channel.

The intake processor claims and closes rows; people retry and skip them here, and list
them through the read model (`store.inbox_entries`). Rows are kept by `store.inbox_writer`.

A row's life: `pending` until a process claims it for a lease and closes it as `applied`
(it moved stock, or could have), `ignored` (a topic syncbot does not act on), `not_found`
(what it names is not on the store), `failed` (it can never be read, or its tries ran
out) or `skipped` (a person closed it). A failed try keeps it pending until
`next_attempt_at`, later after each try, so a sweep never waits behind one row.

Claims make several processes safe on one PostgreSQL database: one UPDATE takes due rows
that no live lease holds (`FOR UPDATE SKIP LOCKED`, so processes never queue on each
other's rows), stamps them with the claimer's token and returns them; closing a row is
guarded by that token, so a process never counts a try on a row it no longer holds. A
process that dies leaves its lease to expire, and the row is taken again. On SQLite the
same guarded UPDATE runs without the lock clause (SQLite has one writer process).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from tortoise import connections
from tortoise.expressions import Q

from syncbot.ledger.limits import MAX_REASON_LENGTH, text_problem
from syncbot.store import key_lists, models
from syncbot.store.models import InboxDelivery as InboxDelivery  # named by the processor
from syncbot.store.sku_list import with_placeholders

# A delivery that keeps failing is left for a person after this many tries; its error is
# on the row and in `syncbot inbox list` (the storefront will not resend a delivery we took).
MAX_ATTEMPTS = 5
FIRST_BACKOFF_SECONDS = 5
MAX_BACKOFF_SECONDS = 3600
LEASE = timedelta(seconds=60)
"""How long a claim holds: far longer than a try takes (milliseconds, seconds with an
Admin API read-back), and short, because a process killed mid-claim holds its rows until
the lease runs out."""
MAX_ERROR_LENGTH = 2000

PENDING = "pending"
APPLIED = "applied"
IGNORED = "ignored"
NOT_FOUND = "not_found"
FAILED = "failed"
SKIPPED = "skipped"
DONE = (APPLIED, IGNORED)
"""Closed because processing succeeded: not listed, not retried, not skipped."""


class InboxRefusal(Exception):
    """A change to the inbox by hand that cannot be made; the message says why.

    InboxRefusal          the request itself is unusable (an empty or over-long reason)
    ├── UnknownDelivery   no delivery has that id
    └── AlreadyClosed     the delivery is applied, ignored or skipped already
    """


class UnknownDelivery(InboxRefusal):
    pass


class AlreadyClosed(InboxRefusal):
    pass


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed try: 10 s, 20 s, 40 s... at most an hour."""
    return timedelta(seconds=min(FIRST_BACKOFF_SECONDS * 2**attempts, MAX_BACKOFF_SECONDS))


def now() -> datetime:
    return datetime.now(UTC)


_CLAIM = """
UPDATE inbox_delivery SET claimed_by = ?, claimed_until = ?
WHERE id IN (
    SELECT id FROM inbox_delivery
    WHERE status = 'pending'
      AND (next_attempt_at IS NULL OR next_attempt_at <= ?)
      AND (claimed_until IS NULL OR claimed_until < ?)
    ORDER BY id LIMIT ?{lock}
)
RETURNING *
"""
_CLAIM_POSTGRES = with_placeholders(_CLAIM.format(lock="\n    FOR UPDATE SKIP LOCKED"), "postgres")
_CLAIM_SQLITE = _CLAIM.format(lock="")


async def claim(
    limit: int, moment: datetime, lease: timedelta = LEASE
) -> list[models.InboxDelivery]:
    """Takes up to `limit` due deliveries, oldest first, for `lease`; each row once.

    One statement takes the rows and returns them (RETURNING, in SQLite since 3.35), where
    a second read them back by the claim's token: each row becomes a model as Tortoise
    builds a selected one (`_init_from_db`)."""
    connection = connections.get("default")
    postgres = connection.capabilities.dialect == "postgres"
    until = models.InboxDelivery._meta.fields_map["claimed_until"]
    at = [until.to_db_value(when, models.InboxDelivery) for when in (moment + lease, moment)]
    params = [uuid.uuid4().hex, at[0], at[1], at[1], limit]
    found = await connection.execute_query_dict(
        _CLAIM_POSTGRES if postgres else _CLAIM_SQLITE, params
    )
    rows = [models.InboxDelivery._init_from_db(**row) for row in found]
    return sorted(rows, key=lambda row: row.id)  # RETURNING keeps no order


async def next_due() -> datetime | None:
    """When the earliest unclaimed waiting delivery falls due; None when none waits.

    Rows claimed by a live process are that process's to close; one that died is taken
    again by a later sweep once its lease has run out.
    """
    waiting = models.InboxDelivery.filter(status=PENDING, claimed_until=None)
    if await waiting.filter(next_attempt_at=None).exists():
        return now()
    earliest = await waiting.exclude(next_attempt_at=None).order_by("next_attempt_at").first()
    held = (
        await models.InboxDelivery.filter(status=PENDING)
        .exclude(claimed_until=None)
        .order_by("claimed_until")
        .first()
    )
    moments = [
        moment
        for moment in (
            None if earliest is None else earliest.next_attempt_at,
            None if held is None else held.claimed_until,  # a lease that runs out
        )
        if moment is not None
    ]
    return min(moments, default=None)


async def release_stale_claims() -> int:
    """At start on SQLite, frees every claim: one process writes a SQLite database (see
    the design's concurrency rule), so a claim found then is a dead process's, and its
    rows need not wait out the lease. On PostgreSQL other processes may be alive, so
    their claims are left to expire. Returns how many rows were freed."""
    connection = connections.get("default")
    if connection.capabilities.dialect == "postgres":
        return 0
    return await (
        models.InboxDelivery.filter(status=PENDING)
        .exclude(claimed_until=None)
        .update(claimed_by=None, claimed_until=None)
    )


def _held(row: models.InboxDelivery) -> Q:
    return Q(id=row.id, claimed_by=row.claimed_by, status=PENDING)


async def close(
    row: models.InboxDelivery, status: str, moment: datetime, reason: str | None = None
) -> bool:
    """Closes a claimed row after a try; False when the claim was lost (another has it)."""
    changed = await models.InboxDelivery.filter(_held(row)).update(
        status=status,
        processed_at=moment,
        attempts=row.attempts + 1,
        last_error=_clean(reason),
        next_attempt_at=None,
        claimed_by=None,
        claimed_until=None,
    )
    return changed == 1


_CLOSE_ALL = (
    "UPDATE inbox_delivery SET status = ?, processed_at = ?, attempts = attempts + 1, "
    "last_error = NULL, next_attempt_at = NULL, claimed_by = NULL, claimed_until = NULL "
    "WHERE claimed_by = ? AND status = 'pending' AND id "
)


async def close_all(rows: list[models.InboxDelivery], status: str, moment: datetime) -> int:
    """Closes claimed rows after a successful try, in one statement per claim; returns how
    many were still held (the others were skipped or taken by another process).

    On PostgreSQL the ids go as one array: one prepared statement for any number of rows,
    where a list of placeholders was a new statement to plan at each size."""
    connection = connections.get("default")
    postgres = connection.capabilities.dialect == "postgres"
    processed = models.InboxDelivery._meta.fields_map["processed_at"]
    at = processed.to_db_value(moment, models.InboxDelivery)
    closed = 0
    for token in {row.claimed_by for row in rows}:
        ids = [row.id for row in rows if row.claimed_by == token]
        if postgres:
            sql = with_placeholders(_CLOSE_ALL + "= ANY(?::bigint[])", "postgres")
            params: list[object] = [status, at, token, ids]
        else:
            sql = _CLOSE_ALL + f"IN ({', '.join('?' * len(ids))})"
            params = [status, at, token, *ids]
        changed, _ = await connection.execute_query(sql, params)
        closed += changed
    return closed


_RELEASE = (
    "UPDATE inbox_delivery SET claimed_by = NULL, claimed_until = NULL "
    "WHERE claimed_by = ? AND status = 'pending' AND "
)


async def release(rows: Sequence[models.InboxDelivery]) -> int:
    """Gives back claimed rows untried (no try counted), due again at once for whoever
    claims next; returns how many this process still held."""
    connection = connections.get("default")
    released = 0
    for token in {row.claimed_by for row in rows}:
        ids = [row.id for row in rows if row.claimed_by == token]
        condition, params = key_lists.among("id", ids, connection.capabilities.dialect, "bigint")
        sql = with_placeholders(_RELEASE + condition, connection.capabilities.dialect)
        changed, _ = await connection.execute_query(sql, [token, *params])
        released += changed
    return released


async def fail(
    row: models.InboxDelivery, error: str, moment: datetime, *, final: bool = False
) -> bool:
    """Records a failed try: final (or out of tries) closes the row, else it waits longer."""
    attempts = row.attempts + 1
    if final or attempts >= MAX_ATTEMPTS:
        changed = await models.InboxDelivery.filter(_held(row)).update(
            status=FAILED,
            processed_at=moment,
            attempts=attempts,
            last_error=_clean(error),
            next_attempt_at=None,
            claimed_by=None,
            claimed_until=None,
        )
    else:
        changed = await models.InboxDelivery.filter(_held(row)).update(
            attempts=attempts,
            last_error=_clean(error),
            next_attempt_at=moment + backoff(attempts),
            claimed_by=None,
            claimed_until=None,
        )
    return changed == 1


def _clean(text: str | None) -> str | None:
    """PostgreSQL cannot store a NUL, and an error may quote one from the payload."""
    return None if text is None else text.replace("\x00", "\\x00")[:MAX_ERROR_LENGTH]


async def retry(delivery_ids: list[int] | None = None, status: str | None = None) -> int:
    """Reopens deliveries not applied (all when no ids; only those in `status` when one is
    given) with their tries back, due now.

    A claim in progress is left alone: that process closes the row under its own token.
    """
    query = models.InboxDelivery.exclude(status__in=DONE)
    if delivery_ids is not None:
        query = query.filter(id__in=delivery_ids)
    if status is not None:
        query = query.filter(status=status)
    return await query.update(
        status=PENDING, attempts=0, next_attempt_at=None, processed_at=None, closed_by=None
    )


async def skip(delivery_id: int, actor: str, reason: str) -> None:
    """Closes one delivery by hand, naming who and why; raises InboxRefusal and writes
    nothing for an unknown id or one already closed as applied, ignored or skipped."""
    reason = reason.strip()
    if not reason:
        raise InboxRefusal("give a reason for skipping the delivery")
    if problem := text_problem(reason, "the reason", MAX_REASON_LENGTH):
        raise InboxRefusal(problem)
    changed = (
        await models.InboxDelivery.filter(id=delivery_id)
        .exclude(status__in=(*DONE, SKIPPED))
        .update(
            status=SKIPPED,
            processed_at=now(),
            last_error=_clean(reason),
            closed_by=actor,
            next_attempt_at=None,
        )
    )
    if changed:
        return
    row = await models.InboxDelivery.get_or_none(id=delivery_id)
    if row is None:
        raise UnknownDelivery(f"no delivery has id {delivery_id}: see `syncbot inbox list`")
    raise AlreadyClosed(f"delivery {delivery_id} is already {row.status}: nothing to skip")

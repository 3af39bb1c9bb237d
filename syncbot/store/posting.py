"""The one transactional path that records movements and moves balances, exactly once.

Inside one transaction, `post`:
1. claims the idempotency key (a unique row: a concurrent twin waits, then finds it taken);
2. finds and locks every balance row and SKU row it will touch, in one fixed order, so
   concurrent postings neither deadlock nor lose updates (`touched_rows`; on PostgreSQL
   one statement with step 1 when the rows all exist);
3. resolves counts against the locked quantities;
4. moves both legs of each movement: one guarded so that a manual movement may not take
   its source below zero in its own atomic UPDATE, the others as increments of the locked
   rows, sent with step 5; then values the movements that cross the on-hand boundary
   (`valuing`);
5. writes the increments, each SKU's totals and value, the day's demand, the movements
   and the events they imply (the outbox): `posting_writes`, one statement on PostgreSQL.
Nothing is written unless all of it is. Postings that wait for one in flight go together
in the next transaction (`group_commit`), each as if posted after the one before it. On
PostgreSQL that transaction is one of its own (`postgres_engine.OwnTransaction`): the
writes of step 5 carry its COMMIT, so a posting is three round trips.

Steps 2 to 5 are `recording.record_all`'s, over `touched_rows`, `balance_rows`, `valuing`
and `posting_writes`; this module holds the transaction, the idempotency key and the
grouping of concurrent calls. A caller that must change its own rows in the same
transaction (a purchase order's receipt) opens it, locks them, and calls `post_within`
for steps 1 to 5; `key_taken` and `replay_key` answer its retries.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from tortoise import connections, timezone
from tortoise.backends.base.client import BaseDBAsyncClient, TransactionalDBClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from syncbot import metrics
from syncbot.ledger import Entry, IdempotencyConflict, InvalidMovement
from syncbot.store import group_commit, models, touched_rows
from syncbot.store.recording import Posting, count_posting, record_all
from syncbot.store.recording import PostingResult as PostingResult  # `post`'s answer
from syncbot.store.recording import Provenance as Provenance  # `post`'s argument

log = logging.getLogger(__name__)
T = TypeVar("T")


def fingerprint(entries: Sequence[Entry], document: str = "") -> str:
    """A digest of what the posting records, to tell a retry from a different posting.

    It covers the entries and the source document, which every movement records. Not the
    actor, nor the time: a retry may come from another process, later. A posting with no
    document digests as it did before documents counted, so keys stored then still match.
    """
    content: list[object] = [entry.content() for entry in entries]
    if document:
        content.append({"document": document})
    canonical = json.dumps(content, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


async def post(
    entries: Sequence[Entry],
    *,
    idempotency_key: str | None = None,
    key_namespace: str = "",
    provenance: Provenance = Provenance(),
) -> PostingResult:
    """Records the entries atomically, or raises a LedgerError and writes nothing.

    `key_namespace` ("api:", "cli:", "slack:": `Actor.key_namespace`) is stored in front
    of the key, so a key a person or a client chooses can never claim one syncbot makes
    itself (`reversal-of:N`, which reverses each movement once); errors name the key as
    the caller gave it. Order postings carry no key: the order's locked record
    serialises them.

    Calls made while another is in flight in this process share the next transaction
    (`group_commit`): each is still recorded whole or not at all, and answered once
    committed. Inside a caller's transaction the posting joins that one instead.
    """
    if not entries:
        raise InvalidMovement("nothing to post")
    key = None if idempotency_key is None else key_namespace + idempotency_key
    if key is not None:
        if not 0 < len(key) <= 255:
            raise InvalidMovement("an idempotency key has 1 to 255 characters")
        models.IdempotencyKey._meta.fields_map["key"].validate(key)
    request = _Request(
        entries, key, idempotency_key, fingerprint(entries, provenance.document), provenance
    )
    if isinstance(connections.get("default"), TransactionalDBClient):
        return await _alone(request)  # in the caller's transaction, which is its to commit
    return await _group.submit(request)


@dataclass(frozen=True, slots=True)
class _Request:
    """A call of `post`, checked: `key` namespaced, `shown_key` as the caller gave it."""

    entries: Sequence[Entry]
    key: str | None
    shown_key: str | None
    digest: str
    provenance: Provenance
    posting: uuid.UUID = field(default_factory=uuid.uuid4)


async def _alone(request: _Request) -> PostingResult:
    """One posting in a transaction of its own; a key already taken is answered here."""
    key = request.key
    try:
        result = await _in_own_transaction(
            lambda connection: _post(
                connection,
                request.entries,
                key,
                request.digest,
                request.provenance,
                request.posting,
            )
        )
    except IntegrityError:
        if key is None or request.shown_key is None:
            raise
        try:
            return await _replay(key, request.digest, request.entries, request.provenance)
        except IdempotencyConflict as error:
            raise IdempotencyConflict(request.shown_key) from error
    count_posting(result)
    return result


async def _together(requests: list[_Request]) -> list[PostingResult]:
    """Postings that waited, in one transaction: recorded in order, as if one after the
    other. Any error takes all of them back, and `GroupCommit` runs each alone."""
    now = timezone.now()
    claims = [
        touched_rows.Claim(r.key, r.digest, r.posting, now) for r in requests if r.key is not None
    ]
    postings = [Posting(r.entries, r.provenance, r.posting, r.key) for r in requests]
    try:
        results = await _in_own_transaction(
            lambda connection: record_all(connection, postings, claims=claims)
        )
    except Exception:
        metrics.POSTING_GROUPS_REFUSED.inc()
        raise
    metrics.POSTING_GROUPS.inc()
    metrics.POSTINGS_GROUPED.inc(len(results))
    for result in results:
        count_posting(result)
    return results


async def _in_own_transaction(work: Callable[[BaseDBAsyncClient], Awaitable[T]]) -> T:
    """`work` (a posting or a lot) in a transaction of its own: on PostgreSQL one that its
    writes, the last statement, commit in the same round trip (`postgres_engine`)."""
    client = connections.get("default")
    if client.capabilities.dialect == "postgres":
        # Imported here: asyncpg is there only with the postgres extra.
        from syncbot.store.postgres_engine import PooledClient

        if isinstance(client, PooledClient):
            return await client.run_own_transaction(work)
    async with in_transaction() as connection:
        return await work(connection)


# A lot's postings are read, locked and written by the same few statements, so its size is
# bounded by entries, as a batch of orders is; a key twice in one lot would refuse it.
_LOT_ENTRIES = 500


def _fits(lot: list[_Request], request: _Request) -> bool:
    entries = sum(len(r.entries) for r in lot) + len(request.entries)
    twin = request.key is not None and any(r.key == request.key for r in lot)
    return entries <= _LOT_ENTRIES and not twin


_group = group_commit.GroupCommit(_alone, _together, _fits)


async def post_within(
    connection: BaseDBAsyncClient,
    entries: Sequence[Entry],
    *,
    key: str | None,
    digest: str,
    provenance: Provenance,
) -> PostingResult:
    """Claims `key` (already namespaced) and records the entries, inside the caller's
    transaction: for a caller that must check and change its own rows in the same
    transaction as the posting (a purchase order line, locked). A key already taken
    raises the database's IntegrityError, which rolls the caller back; it then answers
    with `replay_key` outside the transaction. `digest` tells a retry from a different
    request: `fingerprint` of the entries, or of the request when the entries depend on
    state the retry would find changed. Count the result with `count_posting`."""
    return await _post(connection, entries, key, digest, provenance)


async def key_taken(connection: BaseDBAsyncClient, key: str) -> bool:
    """Whether a (namespaced) key is claimed; under the caller's lock, a twin has committed."""
    return await models.IdempotencyKey.filter(key=key).using_db(connection).exists()


async def replay_key(
    key: str, shown_key: str, digest: str, attempted: list[dict[str, object]], actor: str
) -> PostingResult:
    """After `post_within` found `key` taken: the same digest is a no-op (applied=False),
    a different one is recorded and refused with IdempotencyConflict(`shown_key`)."""
    existing = await models.IdempotencyKey.get_or_none(key=key)
    if existing is None:  # the integrity error was something else: do not hide it
        raise InvalidMovement(f"posting refused by the database (key {shown_key!r})")
    if existing.fingerprint == digest:
        metrics.IDEMPOTENT_REPLAYS.inc()
        return PostingResult(posting=existing.posting, applied=False)
    metrics.IDEMPOTENCY_CONFLICTS.inc()
    log.warning(
        "idempotency key reused with different content",
        extra={"idempotency_key": key, "actor": actor, "attempted": attempted},
    )
    await models.IdempotencyConflict.create(key=key, attempted=attempted, actor=actor)
    raise IdempotencyConflict(shown_key)


async def _replay(
    key: str, digest: str, entries: Sequence[Entry], provenance: Provenance
) -> PostingResult:
    """The key was taken: the same content is a no-op, different content a refusal."""
    existing = await models.IdempotencyKey.get_or_none(key=key)
    if (
        existing is not None
        and existing.fingerprint != digest
        and await _same_before_documents_counted(existing, entries, provenance.document)
    ):
        metrics.IDEMPOTENT_REPLAYS.inc()
        return PostingResult(posting=existing.posting, applied=False)
    attempted: list[dict[str, object]] = [entry.content() for entry in entries]
    if provenance.document:
        attempted.append({"document": provenance.document})
    return await replay_key(key, key, digest, attempted, provenance.actor)


async def _same_before_documents_counted(
    existing: models.IdempotencyKey, entries: Sequence[Entry], document: str
) -> bool:
    """A key stored before the document was part of the fingerprint: the same entries
    and the document its movements recorded (a count that moved nothing recorded none)."""
    if not document or existing.fingerprint != fingerprint(entries):
        return False
    recorded = await models.Movement.filter(posting=existing.posting).first()
    return recorded is None or recorded.document == document


async def _post(
    connection: BaseDBAsyncClient,
    entries: Sequence[Entry],
    key: str | None,
    digest: str,
    provenance: Provenance,
    posting: uuid.UUID | None = None,
) -> PostingResult:
    posting = posting or uuid.uuid4()
    claims = []
    if key is not None:
        models.IdempotencyKey._meta.fields_map["key"].validate(key)
        claims.append(touched_rows.Claim(key, digest, posting, timezone.now()))
    one = Posting(entries, provenance, posting, key)
    [result] = await record_all(connection, [one], claims=claims)
    return result

"""Corrections: a recorded movement is never changed, it is reversed by a new one."""

from __future__ import annotations

from dataclasses import replace

from syncbot import ledger
from syncbot.ledger import UnknownMovement
from syncbot.ledger.errors import NotReversible
from syncbot.ledger.purchasing import DOCUMENT_PREFIX
from syncbot.store import models
from syncbot.store.posting import PostingResult, Provenance, post
from syncbot.store.recording import movement_from_row


def reversal_key(movement_id: int) -> str:
    """One reversal per movement, however often Undo is pressed or a request retried."""
    return f"reversal-of:{movement_id}"


async def reverse_movement(
    movement_id: int, provenance: Provenance, *, force: bool = False
) -> PostingResult:
    """Posts the reversal of one movement; `applied` is False if it was already reversed.

    Raises UnknownMovement, or InsufficientStock when the units have moved on since
    (a damage cannot be undone once the damaged units were written off) unless forced.
    """
    row = await models.Movement.get_or_none(id=movement_id)
    if row is None:
        raise UnknownMovement(movement_id)
    if row.document.startswith(DOCUMENT_PREFIX) and row.reverses is None:
        raise NotReversible(
            movement_id,
            row.document,
            "cancel what is still expected with `syncbot po cancel`, or correct the stock "
            "with `syncbot adjust`",
        )
    reversal = replace(ledger.reverse(movement_from_row(row), movement_id), forced=force)
    return await post([reversal], idempotency_key=reversal_key(movement_id), provenance=provenance)


async def reversal_of(movement_id: int) -> models.Movement | None:
    """The movement that reversed `movement_id`, if any: found by its key, which is indexed."""
    return (
        await models.Movement.filter(idempotency_key=reversal_key(movement_id))
        .order_by("id")
        .first()
    )

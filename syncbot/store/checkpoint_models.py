"""Verify's checkpoints: the balances and values a clean replay reached, to start from.

A checkpoint is trusted only while the movements it covers are unchanged: it keeps their
count and the sums of their ids, quantities and values, which one aggregate query
recomputes (see syncbot.store.verify).
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class LedgerCheckpoint(Model):
    """The balances and stock values a clean verify replayed, up to one movement id."""

    id = fields.BigIntField(primary_key=True)
    last_movement = fields.BigIntField()
    """The highest movement id the checkpoint covers."""
    movements = fields.BigIntField()
    id_sum = fields.BigIntField()
    quantity_sum = fields.BigIntField()
    value_sum = fields.BigIntField()
    # One compressed JSON document ({"balances": [[sku, location, bucket, quantity], ...],
    # "values": {sku: value}}) rather than a row per balance: written and read whole, in
    # one statement, even for hundreds of thousands of balances.
    state = fields.BinaryField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "ledger_checkpoint"

"""What one channel's sync did, and the clock it reads: shared by the pusher and sending."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class SyncReport:
    channel: str
    listings: int = 0
    pushed: int = 0
    in_sync: int = 0
    held: int = 0
    read: int = 0
    stale: int = 0
    quarantined: list[str] = field(default_factory=list)
    resumed: int = 0
    refused: int = 0
    """Listings in batches the channel refused whole in this sync (sent again later)."""
    abandoned: list[str] = field(default_factory=list)
    """SKUs of batches abandoned in this sync: read again and re-planned in the next."""
    drift: dict[str, int] = field(default_factory=dict)
    """Units recorded as drift when a hold ran out, by SKU."""
    error: str | None = None

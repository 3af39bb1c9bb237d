"""A channel's sync per UTC day: pushes, failed pushes, quarantines, drift and failed syncs,
counted where each is recorded (`store.pushes`, `store.listings`, `store.health`).

The listing and health rows hold only the latest state (a released quarantine, the last
drift check), so the history the sync health report draws is counted as it happens: one
upsert per event, in the same transaction as what it counts where there is one.

    pushes         pushes the channel answered (acknowledged, stale or failed) or that
                   were abandoned after repeated whole refusals
    failed_pushes  those failed (refused for the listing) or abandoned
    quarantines    listings quarantined by a failed push
    drift_checks   drift checks run
    drifting       the most listings one check of the day found drifting
    sync_failures  syncs that failed whole (the channel could not be reached or refused)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient

from syncbot.store.sku_list import with_placeholders

COUNTS = ("pushes", "failed_pushes", "quarantines", "drift_checks", "sync_failures")
_ALL = ", ".join((*COUNTS, "drifting"))
_MARKS = ", ".join("?" * (len(COUNTS) + 1))


@dataclass(frozen=True, slots=True)
class SyncDayRow:
    channel: str
    day: date
    pushes: int
    failed_pushes: int
    quarantines: int
    drift_checks: int
    drifting: int
    sync_failures: int


def _stored(day: date, dialect: str) -> date | str:
    return day if dialect == "postgres" else day.isoformat()


async def count(
    connection: BaseDBAsyncClient | None, channel: str, at: datetime, **added: int
) -> None:
    """Adds `added` (names from COUNTS) to the channel's row for `at`'s UTC day."""
    unknown = set(added) - set(COUNTS)
    if unknown:
        raise ValueError(f"not a sync day count: {sorted(unknown)}")
    if not any(added.values()):
        return
    client = connection or connections.get("default")
    dialect = client.capabilities.dialect
    names = [name for name in COUNTS if added.get(name)]
    sql = (
        f"INSERT INTO sync_day (channel, day, {_ALL}) VALUES (?, ?, {_MARKS}) "
        "ON CONFLICT (channel, day) DO UPDATE SET "
        + ", ".join(f"{name} = sync_day.{name} + excluded.{name}" for name in names)
    )
    day = _stored(at.astimezone(UTC).date(), dialect)
    values = [added.get(name, 0) for name in COUNTS]
    await client.execute_query(with_placeholders(sql, dialect), [channel, day, *values, 0])


async def count_drift_check(
    connection: BaseDBAsyncClient, channel: str, at: datetime, drifting: int
) -> None:
    """One drift check that found `drifting` listings off; the day keeps the most."""
    dialect = connection.capabilities.dialect
    most = "GREATEST" if dialect == "postgres" else "MAX"
    sql = (
        f"INSERT INTO sync_day (channel, day, {_ALL}) VALUES (?, ?, 0, 0, 0, 1, 0, ?) "
        "ON CONFLICT (channel, day) DO UPDATE SET drift_checks = sync_day.drift_checks + 1, "
        f"drifting = {most}(sync_day.drifting, excluded.drifting)"
    )
    day = _stored(at.astimezone(UTC).date(), dialect)
    await connection.execute_query(with_placeholders(sql, dialect), [channel, day, drifting])


async def days(start: date, end: date, channel: str | None = None) -> list[SyncDayRow]:
    """The rows of the days from `start` to `end` (both included), by day then channel."""
    client = connections.get("default")
    dialect = client.capabilities.dialect
    sql = (
        "SELECT channel, day, pushes, failed_pushes, quarantines, drift_checks, drifting, "
        "sync_failures FROM sync_day WHERE day >= ? AND day <= ?"
    )
    params: list[object] = [_stored(start, dialect), _stored(end, dialect)]
    if channel is not None:
        sql += " AND channel = ?"
        params.append(channel)
    sql += " ORDER BY day, channel"
    _, found = await client.execute_query(with_placeholders(sql, dialect), params)
    return [
        SyncDayRow(
            str(row["channel"]),
            row["day"] if isinstance(row["day"], date) else date.fromisoformat(row["day"]),
            *(int(row[name]) for name in (*COUNTS[:4], "drifting", "sync_failures")),
        )
        for row in found
    ]

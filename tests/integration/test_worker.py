"""`syncbot worker` in-process (`bootstrap.run_worker`): beside the scheduler it reconciles
what a web process stored, unless SYNCBOT_INTAKE is false."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from tortoise.exceptions import ConfigurationError

from connectors.base import Delivery
from syncbot.bootstrap import run_worker
from syncbot.channels_file import ChannelsFile, load_channels_file
from syncbot.config import Settings
from syncbot.store import inbox, inbox_writer, models
from syncbot.store.catalogue import add_sku
from syncbot.store.database import close_database, declare_locations, open_database
from syncbot.testing import eventually

CHANNELS = """locations = ["main"]

[[channels]]
name = "shop"
kind = "fake"
webhook_secret_env = "WORKER_TEST_WEBHOOK_SECRET"
"""
ORDER = {
    "order_id": "1001",
    "updated_at": "2026-11-01T12:00:00+00:00",
    "lines": [{"line_id": "L1", "sku": "MUG", "quantity": 2}],
}


@pytest.fixture
def channels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ChannelsFile:
    monkeypatch.setenv("WORKER_TEST_WEBHOOK_SECRET", "dummy-secret-for-tests")
    path = tmp_path / "syncbot.toml"
    path.write_text(CHANNELS, encoding="utf-8")
    return load_channels_file(path, explicit=True)


async def store_an_order(database_url: str) -> None:
    """What `serve --no-intake` does with a webhook: store it, and nothing more."""
    await open_database(database_url)
    try:
        await declare_locations(["main"])
        await add_sku("MUG")
        await inbox_writer.store("shop", Delivery("e1", "order"), json.dumps(ORDER).encode())
    finally:
        await close_database()


@asynccontextmanager
async def worker(settings: Settings, channels: ChannelsFile) -> AsyncIterator[None]:
    task = asyncio.create_task(run_worker(settings, channels))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):  # cancelled before it started
            await task


def settings_for(database_url: str, **overrides: object) -> Settings:
    return Settings.model_validate(
        {"database_url": database_url, "sync_sweep_seconds": 3600, **overrides}
    )


async def test_the_worker_applies_a_delivery_another_process_stored(
    database_url: str, channels: ChannelsFile
) -> None:
    await store_an_order(database_url)
    async with worker(settings_for(database_url, intake_poll_seconds=0.05), channels):
        # Read through the ORM the worker opens in this process, once it has opened it.
        async def applied() -> bool:
            try:
                row = await models.InboxDelivery.get_or_none(event_id="e1")
            except ConfigurationError:
                return False
            return row is not None and row.status == inbox.APPLIED

        await eventually(applied, 15, "e1 applied by the worker")


async def test_with_intake_off_the_worker_runs_the_scheduler_alone(
    database_url: str, channels: ChannelsFile, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="syncbot")
    async with worker(settings_for(database_url, intake=False), channels):
        await eventually(
            lambda: "leading: this process runs the scheduler" in caplog.text, 15, "leading"
        )
    assert "intake off in this process (SYNCBOT_INTAKE=false)" in caplog.text
    assert "intake polls the inbox" not in caplog.text

"""One `serve`-like process for test_inbox_processes.py: it opens the database, waits for
the go file, then runs IntakeProcessor.process_pending until no delivery is pending, and
prints how many deliveries it tried.

Usage: python inbox_worker.py DATABASE_URL READY_FILE GO_FILE
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

from connectors.fake import FakeConnector
from syncbot.intake.processor import IntakeProcessor
from syncbot.store import models
from syncbot.store.database import close_database, open_database

WAIT_SECONDS = 60


async def main(database_url: str, ready: Path, go: Path) -> int:
    await open_database(database_url)
    try:
        # Claims of 20 out of 300 deliveries, so three processes really share them (the
        # default claim would take them all at once).
        processor = IntakeProcessor({"shop": FakeConnector("shop", secret="dummy")}, batch=20)
        await asyncio.to_thread(ready.touch)
        deadline = time.monotonic() + WAIT_SECONDS
        # Every worker starts claiming at the same moment.
        while not await asyncio.to_thread(go.exists):
            if time.monotonic() > deadline:
                raise SystemExit("no go file")
            await asyncio.sleep(0.01)
        tried = 0
        while await models.InboxDelivery.filter(status="pending").exists():
            tried += await processor.process_pending()
            if time.monotonic() > deadline:
                raise SystemExit("deliveries still pending")
        return tried
    finally:
        await close_database()


if __name__ == "__main__":
    url, ready_file, go_file = sys.argv[1:]
    print(asyncio.run(main(url, Path(ready_file), Path(go_file))))

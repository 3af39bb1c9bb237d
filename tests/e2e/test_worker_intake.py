"""The flash-sale topology on PostgreSQL: `serve --no-intake --no-scheduler` verifies, stores
and answers webhooks; a separate `syncbot worker` process reconciles them."""

from __future__ import annotations

from typing import Any

import pytest

from syncbot.runtime.intake import IDLE_SECONDS
from syncbot.testing import wait_until

from .conftest import Service, StartService, StartWorker, Worker
from .test_webhooks import ORDER, deliver

WORKER_START_SECONDS = 30
# Under the 30 s an unpolled loop idles: the second order is found by the worker's polling.
POLLED_SECONDS = 10
assert POLLED_SECONDS < IDLE_SECONDS


def logged(process: Service | Worker, text: str) -> None:
    wait_until(lambda: text in process.log_text(), 10, f"{text!r} in the log", interval=0.1)


def committed_within(service: Service, expected: int, seconds: float) -> dict[str, Any]:
    def committed() -> dict[str, Any] | None:
        stock = service.stock()
        return stock if stock["total"]["committed"] == expected else None

    found: dict[str, Any] = wait_until(committed, seconds, f"committed {expected}", interval=0.1)
    return found


@pytest.mark.postgres
def test_a_worker_reconciles_what_a_no_intake_serve_stored(
    start_service: StartService, start_worker: StartWorker, database_url: str
) -> None:
    """The web process only acknowledges; the worker posts the orders: the one stored
    before it started, at its start-up sweep, and the next one by polling the inbox."""
    if not database_url.startswith("postgres"):
        pytest.skip("several processes need PostgreSQL; SQLite runs one process by design")
    web = start_service(flags=("--no-intake", "--no-scheduler"))
    logged(web, "intake off in this process (--no-intake)")
    assert deliver(web, ORDER, event_id="evt-1").json() == {"status": "accepted"}

    worker = start_worker(web)
    committed_within(web, 3, WORKER_START_SECONDS)
    second = {**ORDER, "order_id": "1002"}
    assert deliver(web, second, event_id="evt-2").json() == {"status": "accepted"}
    committed_within(web, 6, POLLED_SECONDS)

    logged(worker, "intake polls the inbox every 0.25 s")
    logged(worker, "leading: this process runs the scheduler")
    assert worker.process.poll() is None, worker.log_text()

"""Schemathesis against the running service, on SQLite and PostgreSQL, with all its checks:
no input answers 500, and every answer is one the OpenAPI description documents.

Bounded: EXAMPLES inputs per operation and generation mode (schema-valid and not), drawn
deterministically so a failure reproduces; about 20 s per backend.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS, load_all_checks

from connectors.fake import FakeConnector
from syncbot.bootstrap import create_app
from syncbot.channels_file import ChannelsFile
from syncbot.config import Settings
from syncbot.store.catalogue import add_sku
from syncbot.store.database import close_database, open_database
from syncbot.testing import serve_in_thread

TOKEN = "fuzz-tests-dummy-api-token-00000"  # for tests only
EXAMPLES = 25
# POST /api/movements refuses, with 422, bodies the schema cannot rule out: the ledger's
# rules (an adjustment needs a reason, a transfer a to_location, a quantity within
# MAX_QUANTITY) depend on the kind. Everywhere else a schema-valid input is accepted or
# answers 401/404/409 as documented.
CONFIG = f"""
# Every /api route needs a token: schemathesis sends it where the description asks for it,
# so a case it makes invalid by dropping the header really goes without one (and gets 401).
[auth.openapi.HTTPBearer]
bearer = "{TOKEN}"

[[operations]]
include-path = "/api/movements"
include-method = "POST"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "404", "409", "422"]

# A user's or token's name is refused with 422 beyond what a schema says: blank, with ":",
# or with a character that is not printable (users.add_user's rule, read by the CLI too).
[[operations]]
include-tag = "users"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "404", "409", "422"]

# A supplier's name, an order's number, a cost or a date is read by the purchasing rules
# (blank or unprintable names, "1e999", a date before year 1): 422 beyond the schema.
[[operations]]
include-tag = "purchasing"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "404", "409", "422"]

# A stock-take's name (not all digits), a threshold ("lots"), a count's mode with its
# quantity (add 0) or its key are read by the stock-take rules: 422 beyond the schema.
[[operations]]
include-tag = "stocktakes"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "404", "409", "422"]

# A report's dates are read by report_dates ("YYYY-MM-DD" or an ISO 8601 moment, a period
# whose end is after its start), which a query parameter's schema cannot say: 422 beyond it.
[[operations]]
include-tag = "reports"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "404", "409", "422"]

# A recipe is read by the bundle rules (a component listed twice, the bundle itself, a
# bundle as a component, a component made a bundle), which a schema cannot say: 422.
[[operations]]
include-tag = "bundles"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "404", "409", "422"]
"""


async def _seed(database_url: str) -> None:
    await open_database(database_url)
    try:
        await add_sku("MUG-1", name="Mug")
    finally:
        await close_database()


@pytest.fixture
def service_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    asyncio.run(_seed(database_url))
    settings = Settings(
        database_url=database_url,
        config=tmp_path / "absent.toml",
        api_token=TOKEN,
        slack_bot_token="xoxb-dummy-token-for-tests",
        slack_signing_secret="fuzz-tests-dummy-signing-secret",
        slack_api_url="http://127.0.0.1:9",  # nothing listens: no request may reach Slack
        sync_sweep_seconds=3600,
    )
    connectors = {"fake": FakeConnector("fake", "fuzz-tests-dummy-webhook-secret")}
    app = create_app(settings, ChannelsFile(locations=["main", "east"]), connectors)
    with serve_in_thread(app, "syncbot") as url:
        yield url


def test_no_input_answers_500_or_breaks_the_openapi_description(service_url: str) -> None:
    """Every check schemathesis has, over every operation, schema-valid and invalid input."""
    load_all_checks()
    checks = [CHECKS.get_one(name) for name in CHECKS.get_all_names()]
    config = schemathesis.Config.from_str(CONFIG)
    schema = schemathesis.openapi.from_url(f"{service_url}/openapi.json", config=config)
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10, [operation.label for operation in operations]
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def call(case: schemathesis.Case) -> None:
                case.call_and_validate(base_url=service_url, checks=checks)

            try:
                call()
            except Unsatisfiable:
                continue  # nothing to get wrong: an operation without inputs has no negatives
            except Exception as error:  # collected, to report every operation at once
                failures.append(f"{operation.label} ({mode.value}): {error}")
            except BaseExceptionGroup as group:  # schemathesis' FailureGroup
                failures.append(f"{operation.label} ({mode.value}): {group}")
    assert not failures, "\n\n".join(failures)
    # The fuzzing was not all refused at the door: schemathesis sent the token.
    metrics = httpx.get(f"{service_url}/metrics").text
    assert 'method="GET",route="/api/movements",status="200"' in metrics
    assert httpx.get(f"{service_url}/readyz").status_code == 200

"""`syncbot channels` and `syncbot parked` from the command line."""

from __future__ import annotations

from pathlib import Path

from .conftest import Cli, environment, table_rows

FAKE = """locations = ["main"]

[[channels]]
name = "demo"
kind = "fake"
webhook_secret_env = "DEMO_WEBHOOK_SECRET"
"""


def channel_cli(cli: Cli, tmp_path: Path, secret: str | None) -> Cli:
    config = tmp_path / "channels.toml"
    config.write_text(FAKE, encoding="utf-8")
    env = {**environment(cli.database_url, config), "DEMO_WEBHOOK_SECRET": secret}
    return Cli(env, cli.database_url)


def test_channels_list_shows_each_channel_and_its_missing_secrets(cli: Cli, tmp_path: Path) -> None:
    """The secret's variable is named, never its value."""
    rows = table_rows(channel_cli(cli, tmp_path, None).ok("channels", "list").stdout)
    assert rows[0][:2] == ["demo", "fake"]
    assert rows[0][3] == "missing: DEMO_WEBHOOK_SECRET"


def test_channels_check_reports_what_answered(cli: Cli, tmp_path: Path) -> None:
    result = channel_cli(cli, tmp_path, "dummy-secret").ok("channels", "check", "demo")
    assert result.stdout.startswith("demo: ok, fake storefront demo")


def test_a_channel_without_its_secret_fails_in_one_line(cli: Cli, tmp_path: Path) -> None:
    result = channel_cli(cli, tmp_path, None)("channels", "check", "demo")
    assert result.exit_code == 2
    assert "environment variable DEMO_WEBHOOK_SECRET is not set" in result.stderr


def test_an_unknown_channel_is_named(cli: Cli, tmp_path: Path) -> None:
    result = channel_cli(cli, tmp_path, "x")("channels", "check", "nope")
    assert result.exit_code == 2
    assert "no channel named 'nope'" in result.stderr


def test_parked_says_when_nothing_waits(cli: Cli) -> None:
    assert "no parked lines" in cli.ok("parked").stdout


def test_inbox_shows_a_failed_delivery_and_retry_gives_its_tries_back(cli: Cli) -> None:
    """An operator sees why a delivery was not applied, and can have it tried again."""
    cli.sql(
        "INSERT INTO inbox_delivery (channel, event_id, topic, headers, body, received_at, "
        "attempts, last_error, status) VALUES ('shop', 'e1', 'orders/create', '{}', '', "
        "'2026-11-01 12:00:00', 5, 'order 1 has more than 50 lines', 'failed')"
    )
    rows = table_rows(cli.ok("inbox", "list").stdout)
    assert rows[0][1:] == [
        "shop",
        "orders/create",
        "failed",
        "5/5",
        "",
        "order 1 has more than 50 lines",
    ]
    assert "1 deliveries will be retried" in cli.ok("inbox", "retry").stdout
    assert table_rows(cli.ok("inbox", "list").stdout)[0][3:6] == ["pending", "0/5", "now"]


def test_inbox_list_rewords_raw_key_error_text(cli: Cli) -> None:
    """An error stored as a KeyError's bare text reads as a sentence."""
    cli.sql(
        "INSERT INTO inbox_delivery (channel, event_id, topic, headers, body, received_at, "
        "attempts, last_error, next_attempt_at) VALUES ('shop', 'e1', 'refunds/create', '{}', "
        "'', '2026-11-01 12:00:00', 1, '''restock_type''', '2026-11-01 12:00:10')"
    )
    (row,) = table_rows(cli.ok("inbox", "list").stdout)
    assert row[3:] == [
        "pending",
        "1/5",
        "2026-11-01 12:00:10",
        "the payload has no 'restock_type'",
    ]


def test_inbox_skip_records_who_and_why(cli: Cli) -> None:
    cli.sql(
        "INSERT INTO inbox_delivery (channel, event_id, topic, headers, body, received_at, "
        "attempts, last_error) VALUES ('shop', 'e1', 'orders/create', '{}', '', "
        "'2026-11-01 12:00:00', 2, 'boom')"
    )
    delivery_id = cli.sql("SELECT id FROM inbox_delivery")[0]["id"]
    done = cli.ok("inbox", "skip", str(delivery_id), "--reason", "a test order")
    assert f"delivery {delivery_id} skipped by cli:" in done.stdout
    (row,) = cli.sql("SELECT status, closed_by, last_error FROM inbox_delivery")
    assert (row["status"], row["last_error"]) == ("skipped", "a test order")
    assert row["closed_by"].startswith("cli:")
    assert "skipped by cli:" in cli.ok("inbox", "list").stdout


def test_inbox_skip_of_an_unknown_or_applied_delivery_is_one_line_and_writes_nothing(
    cli: Cli,
) -> None:
    cli.sql(
        "INSERT INTO inbox_delivery (channel, event_id, topic, headers, body, received_at, "
        "attempts, status, processed_at) VALUES ('shop', 'e1', 'orders/create', '{}', '', "
        "'2026-11-01 12:00:00', 1, 'applied', '2026-11-01 12:00:01')"
    )
    delivery_id = cli.sql("SELECT id FROM inbox_delivery")[0]["id"]
    unknown = cli("inbox", "skip", "999", "--reason", "x")
    applied = cli("inbox", "skip", str(delivery_id), "--reason", "x")
    assert (unknown.exit_code, applied.exit_code) == (1, 1)
    assert unknown.stderr.strip() == "syncbot: no delivery has id 999: see `syncbot inbox list`"
    assert applied.stderr.strip() == (
        f"syncbot: delivery {delivery_id} is already applied: nothing to skip"
    )
    (row,) = cli.sql("SELECT status, closed_by FROM inbox_delivery")
    assert (row["status"], row["closed_by"]) == ("applied", None)


def test_inbox_says_when_everything_is_processed(cli: Cli) -> None:
    assert "every delivery is processed" in cli.ok("inbox", "list").stdout


def test_sync_without_channels_says_how_to_declare_them(cli: Cli) -> None:
    result = cli("sync", "--dry-run")
    assert result.exit_code == 2
    assert "no channels: declare them under [[channels]]" in result.stderr


def test_a_quarantined_listing_is_shown_with_its_error_and_released(
    cli: Cli, tmp_path: Path
) -> None:
    """The listing's error is visible until `channels release` lets it be pushed again."""
    demo = channel_cli(cli, tmp_path, "dummy-secret")
    demo.ok("sku", "add", "MUG-1")
    demo.sql(
        "INSERT INTO channel_listing (channel, sku, listing_id, inventory_id, discovered_at, "
        "push_watermark, quarantined_error, quarantined_at) VALUES ('demo', 'MUG-1', 'v1', "
        "'i1', CURRENT_TIMESTAMP, 0, 'INVALID_INVENTORY_ITEM: not found', CURRENT_TIMESTAMP)"
    )

    shown = demo.ok("channels", "listings", "demo", "--quarantined").stdout

    assert "quarantined: INVALID_INVENTORY_ITEM: not found" in " ".join(shown.split())
    refused = demo("channels", "release", "demo")
    assert refused.exit_code == 2
    assert "name the SKUs to release, or give --all" in refused.stderr
    assert "demo: 1 listing(s) released" in demo.ok("channels", "release", "demo", "--all").stdout
    assert (
        "demo: no listings quarantined"
        in demo.ok("channels", "listings", "demo", "--quarantined").stdout
    )


def test_an_abandoned_listing_is_shown_with_its_error(cli: Cli, tmp_path: Path) -> None:
    """A batch refused whole until abandoned: `channels listings` says so, with the error."""
    demo = channel_cli(cli, tmp_path, "dummy-secret")
    demo.ok("sku", "add", "MUG-1")
    demo.ok("sku", "add", "TEE-1")
    demo.sql(
        "INSERT INTO channel_listing (channel, sku, listing_id, inventory_id, discovered_at, "
        "push_watermark, abandoned_error, abandoned_at) VALUES ('demo', 'MUG-1', 'v1', 'i1', "
        "CURRENT_TIMESTAMP, 0, 'INVALID_VARIABLE: could not coerce value 3000000000 to Int', "
        "CURRENT_TIMESTAMP), ('demo', 'TEE-1', 'v2', 'i2', CURRENT_TIMESTAMP, 0, NULL, NULL)"
    )

    every = " ".join(demo.ok("channels", "listings", "demo").stdout.split())
    abandoned = demo.ok("channels", "listings", "demo", "--state", "abandoned").stdout

    assert "abandoned: INVALID_VARIABLE: could not coerce value 3000000000 to Int" in every
    assert "MUG-1" in abandoned
    assert "TEE-1" not in abandoned


def test_sync_pushes_nothing_on_a_channel_without_listings(cli: Cli, tmp_path: Path) -> None:
    """The fake channel lists nothing: the sync says so instead of guessing."""
    demo = channel_cli(cli, tmp_path, "dummy-secret")
    demo.ok("sku", "add", "MUG-1")
    result = demo.ok("sync", "demo", "--dry-run")
    assert "no listings: run `syncbot channels discover` first" in result.stdout
    assert "demo: 1 SKU(s) have no listing and are not pushed there: MUG-1" in result.stdout
    assert "demo: 0 listings: 0 pushed" in demo.ok("sync", "demo").stdout

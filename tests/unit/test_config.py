"""Settings and the channels file: defaults, and one clear line for each mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from syncbot.channels_file import load_channels_file
from syncbot.config import ConfigError, load_settings


def test_defaults_run_on_a_local_sqlite_file(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SYNCBOT_DATABASE_URL", "SYNCBOT_API_TOKEN", "SYNCBOT_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert settings.database_url == "sqlite://syncbot.db"
    assert settings.config == Path("syncbot.toml")
    assert settings.api_token is None


def test_a_postgresql_url_selects_postgres(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNCBOT_DATABASE_URL", "postgresql://u@db:5432/syncbot")
    assert load_settings().database_url == "postgres://u@db:5432/syncbot"


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("SYNCBOT_DATABASE_URL", "mysql://x", "SYNCBOT_DATABASE_URL"),
        ("SYNCBOT_API_TOKEN", "short", "SYNCBOT_API_TOKEN"),
        ("SYNCBOT_MAX_BODY_BYTES", "lots", "SYNCBOT_MAX_BODY_BYTES"),
        ("SYNCBOT_LOG_LEVEL", "LOUD", "SYNCBOT_LOG_LEVEL"),
    ],
)
def test_a_bad_setting_names_the_variable_to_fix(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, named: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError, match=named) as raised:
        load_settings()
    assert "\n" not in str(raised.value)


def test_a_missing_channels_file_means_one_location(tmp_path: Path) -> None:
    channels = load_channels_file(tmp_path / "absent.toml")
    assert channels.locations == ["main"]
    assert channels.channels == []


def test_locations_always_include_main(tmp_path: Path) -> None:
    path = tmp_path / "syncbot.toml"
    path.write_text('locations = ["east", "west"]\n')
    assert load_channels_file(path).locations == ["main", "east", "west"]


def test_a_channel_names_its_secrets_by_environment_variable(tmp_path: Path) -> None:
    path = tmp_path / "syncbot.toml"
    path.write_text(
        '[[channels]]\nname = "shop"\nkind = "shopify"\naccess_token_env = "SHOP_TOKEN"\n'
    )
    channel = load_channels_file(path).channels[0]
    assert channel.settings() == {"access_token_env": "SHOP_TOKEN"}


def test_a_secret_written_in_the_file_is_refused(tmp_path: Path) -> None:
    """Secrets belong in the environment, never in a file that may be committed."""
    path = tmp_path / "syncbot.toml"
    path.write_text('[[channels]]\nname = "shop"\nkind = "shopify"\naccess_token = "shpat_1"\n')
    with pytest.raises(ConfigError, match="access_token_env"):
        load_channels_file(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("locations = [", "not valid TOML"),
        ('locations = ["Main Hall"]', "locations"),
        ('[[channels]]\nname = "a"\nkind = "x"\n[[channels]]\nname = "a"\nkind = "y"', "twice"),
        ("colour = 1", "colour"),
    ],
)
def test_a_bad_channels_file_fails_in_one_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "syncbot.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message) as raised:
        load_channels_file(path)
    assert "\n" not in str(raised.value)

"""`syncbot init`: the files it writes are the ones syncbot reads, and nothing is overwritten."""

from __future__ import annotations

import asyncio
import stat
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner, Result

from connectors.registry import build_connectors
from syncbot.app.environment_template import variable_of
from syncbot.channels_file import load_channels_file
from syncbot.cli.main import app
from syncbot.config import Settings, load_settings

FLAGS = [
    "--location",
    "main",
    "--location",
    "east",
    "--shopify",
    "example.myshopify.com",
    "--woocommerce",
    "eu=https://eu.shop.example",
    "--bigcommerce",
    "abc123",
    "--public-url",
    "https://stock.example.com",
]


def init(tmp_path: Path, *args: str, stdin: str | None = None) -> Result:
    paths = ["--config", str(tmp_path / "syncbot.toml"), "--env-file", str(tmp_path / "s.env")]
    env = {"SYNCBOT_CONFIG": None}
    return CliRunner().invoke(app, ["init", *paths, *args], env=env, input=stdin)


def environment(path: Path) -> dict[str, str]:
    """The KEY=value lines of an env file, as `set -a; . ./file` would export them."""
    pairs = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            pairs[key] = value
    return pairs


class TestWrittenFromFlags:
    def test_the_channels_file_loads_and_every_connector_builds(self, tmp_path: Path) -> None:
        """The channels file passes the loader; with the secrets filled in, all three
        connectors build from it: the file is one syncbot will start with."""
        result = init(tmp_path, *FLAGS)
        assert result.exit_code == 0, result.output
        channels = load_channels_file(tmp_path / "syncbot.toml", explicit=True)
        assert list(channels.locations) == ["main", "east"]
        assert [(c.name, c.kind) for c in channels.channels] == [
            ("shop", "shopify"),
            ("eu", "woocommerce"),
            ("bc", "bigcommerce"),
        ]
        secrets = environment(tmp_path / "s.env")
        filled = {key: value or "dummy-secret-for-tests" for key, value in secrets.items()}

        async def build() -> list[str]:
            async with httpx.AsyncClient() as http:
                return sorted(build_connectors(channels, filled, http))

        assert asyncio.run(build()) == ["bc", "eu", "shop"]
        assert "fill in SHOP_ACCESS_TOKEN, SHOP_WEBHOOK_SECRET, EU_CONSUMER_KEY" in result.output

    def test_the_environment_lists_every_setting_and_loads(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Every Settings field has its line (set or commented with its default); the set
        ones load as settings; a fresh API token and WooCommerce secret are generated."""
        assert init(tmp_path, *FLAGS).exit_code == 0
        text = (tmp_path / "s.env").read_text(encoding="utf-8")
        for name in Settings.model_fields:
            assert f"{variable_of(name)}=" in text, name
        values = environment(tmp_path / "s.env")
        assert len(values["SYNCBOT_API_TOKEN"]) == 48
        assert len(values["EU_WEBHOOK_SECRET"]) == 48
        for key, value in values.items():
            monkeypatch.setenv(key, value)
        settings = load_settings()
        assert settings.public_url == "https://stock.example.com"
        assert settings.config == tmp_path / "syncbot.toml"

    def test_only_the_owner_may_read_the_environment(self, tmp_path: Path) -> None:
        """It holds secrets: mode 0600."""
        assert init(tmp_path, "--yes").exit_code == 0
        assert stat.S_IMODE((tmp_path / "s.env").stat().st_mode) == 0o600


class TestRefusals:
    def test_existing_files_are_kept_without_force(self, tmp_path: Path) -> None:
        """A second init changes nothing and says how to overwrite; --force overwrites."""
        assert init(tmp_path, "--yes").exit_code == 0
        (tmp_path / "syncbot.toml").write_text("# mine\n", encoding="utf-8")
        before = (tmp_path / "s.env").read_text(encoding="utf-8")
        result = init(tmp_path, *FLAGS)
        assert result.exit_code == 2
        assert "already exist: nothing written (--force overwrites)" in result.output
        assert (tmp_path / "syncbot.toml").read_text(encoding="utf-8") == "# mine\n"
        assert (tmp_path / "s.env").read_text(encoding="utf-8") == before
        assert init(tmp_path, *FLAGS, "--force").exit_code == 0
        assert "example.myshopify.com" in (tmp_path / "syncbot.toml").read_text(encoding="utf-8")

    @pytest.mark.parametrize(
        ("flags", "message"),
        [
            (["--shopify", "example.com"], "myshopify domain"),
            (["--woocommerce", "http://shop.example"], "https"),
            (["--location", "East Side"], "location 'East Side'"),
            (["--shopify", "Big Shop=x.myshopify.com"], "lower-case"),
        ],
    )
    def test_a_value_syncbot_would_refuse_writes_nothing(
        self, tmp_path: Path, flags: list[str], message: str
    ) -> None:
        """The checks `serve` makes at start are made first; no file is left behind."""
        result = init(tmp_path, *flags)
        assert result.exit_code == 2
        assert message in result.output
        assert list(tmp_path.iterdir()) == []


def test_the_questions_write_the_same_files(tmp_path: Path) -> None:
    """Without options it asks; blank answers skip a storefront."""
    answers = "main, east\nexample.myshopify.com\n\n\n\n\n"
    result = init(tmp_path, stdin=answers)
    assert result.exit_code == 0, result.output
    assert "Shopify store" in result.output
    channels = load_channels_file(tmp_path / "syncbot.toml", explicit=True)
    assert [c.name for c in channels.channels] == ["shop"]
    assert list(channels.locations) == ["main", "east"]

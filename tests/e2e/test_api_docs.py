"""`/docs` and `/redoc` work offline: every script, style and icon they load is served by
the service itself, over real HTTP, and nothing points at another host."""

from __future__ import annotations

import re

import pytest

from .conftest import Api


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_api_docs_load_nothing_from_another_host(api: Api, page: str) -> None:
    """Each src or href of the page is a path on this service, and answers 200."""
    answer = api.call("GET", page, None)
    assert answer.status_code == 200, answer.text
    html = answer.text

    assert "cdn" not in html.lower()
    assert "fonts.googleapis" not in html
    assert not re.findall(r"""(?:src|href|url)\s*[=:(]\s*['"]?(?:https?:)?//""", html)
    assets = re.findall(r"""(?:src|href)\s*=\s*['"]([^'"]+)['"]""", html)
    assert any(asset.endswith(".js") for asset in assets), assets
    for asset in assets:
        loaded = api.call("GET", asset, None)
        assert loaded.status_code == 200, asset
        assert len(loaded.content) > 1000, asset
    assert "/openapi.json" in html
    if page == "/docs":
        assert '"validatorUrl": null' in html
    assert api.call("GET", "/openapi.json", None).status_code == 200

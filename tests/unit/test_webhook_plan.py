"""What `channels subscribe` decides per topic, from what the storefront already holds."""

from __future__ import annotations

import pytest

from connectors.subscriptions import Subscription
from syncbot.app.webhook_setup import BadPublicUrl, plan, webhook_address

HERE = "https://stock.example.com/webhooks/shop"


class TestAddress:
    @pytest.mark.parametrize(
        ("public_url", "address"),
        [
            ("https://stock.example.com", HERE),
            ("https://stock.example.com/", HERE),
            ("https://example.com/syncbot/", "https://example.com/syncbot/webhooks/shop"),
            ("https://stock.example.com:8443", "https://stock.example.com:8443/webhooks/shop"),
        ],
    )
    def test_the_address_is_the_services_webhook_route(self, public_url: str, address: str) -> None:
        """POST /webhooks/{channel} under the public URL, whatever its trailing slash."""
        assert webhook_address(public_url, "shop") == address

    @pytest.mark.parametrize(
        "public_url",
        ["http://stock.example.com", "stock.example.com", "https://", "https://a.example/?x=1"],
    )
    def test_anything_but_a_plain_https_url_is_refused(self, public_url: str) -> None:
        """Storefronts deliver over https only; a query would be lost."""
        with pytest.raises(BadPublicUrl):
            webhook_address(public_url, "shop")


class TestPlan:
    def test_a_right_subscription_is_kept_and_a_missing_one_created(self) -> None:
        right = Subscription("1", "orders/create", HERE)
        (create, update) = plan(["orders/create", "orders/updated"], [right], HERE)
        assert (create.keep, create.fix, create.extra) == (right, None, ())
        assert (update.keep, update.fix, update.extra) == (None, None, ())

    def test_a_wrong_address_is_fixed_rather_than_duplicated(self) -> None:
        """The first subscription elsewhere is pointed back; any other on the topic goes."""
        old = Subscription("1", "orders/create", "https://old.example/webhooks/shop")
        older = Subscription("2", "orders/create", "https://older.example/webhooks/shop")
        (topic,) = plan(["orders/create"], [old, older], HERE)
        assert (topic.keep, topic.fix, topic.extra) == (None, old, (older,))

    def test_an_inactive_subscription_at_the_right_address_is_fixed(self) -> None:
        """A disabled webhook delivers nothing: it is reactivated, not kept as it is."""
        disabled = Subscription("1", "order.created", HERE, active=False)
        (topic,) = plan(["order.created"], [disabled], HERE)
        assert topic.fix == disabled

    def test_a_duplicate_beside_the_right_one_is_removed(self) -> None:
        right = Subscription("1", "orders/create", HERE)
        twice = Subscription("2", "orders/create", HERE)
        (topic,) = plan(["orders/create"], [right, twice], HERE)
        assert (topic.keep, topic.extra) == (right, (twice,))

    def test_other_topics_are_not_touched(self) -> None:
        """A subscription on a topic syncbot does not read is no business of subscribe."""
        other = Subscription("9", "products/update", "https://elsewhere.example/")
        (topic,) = plan(["orders/create"], [other], HERE)
        assert (topic.keep, topic.fix, topic.extra) == (None, None, ())

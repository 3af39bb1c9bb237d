"""Registering syncbot's webhooks on a storefront: read what is there, change only the difference.

`subscribe` is idempotent: per topic syncbot reads, a subscription that already delivers
to the channel's address is left alone (`exists`), one that delivers elsewhere or was
paused is pointed back and reactivated (`fixed`), and a missing one is created
(`created`); a second subscription on the same topic would deliver twice, so it is
removed. Running it again changes nothing. `audit` says the same without changing
anything (for `syncbot doctor`); `unsubscribe` removes every syncbot subscription.

    WebhookSetupError
    ├── BadPublicUrl        the address is not an https URL syncbot can be reached at
    └── NotSubscribable     the channel's kind registers no webhooks (the fake)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from connectors.base import Connector
from connectors.subscriptions import Subscribable, Subscription, WebhookSubscriptions

Outcome = Literal["exists", "created", "fixed", "missing", "wrong", "removed"]


class WebhookSetupError(Exception):
    pass


class BadPublicUrl(WebhookSetupError):
    pass


class NotSubscribable(WebhookSetupError):
    pass


@dataclass(frozen=True, slots=True)
class TopicState:
    """One topic's line: what was found or done, and the address it delivers to."""

    topic: str
    outcome: Outcome
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.topic}: {self.outcome}" + (f" ({self.detail})" if self.detail else "")


@dataclass(frozen=True, slots=True)
class TopicPlan:
    """What one topic needs: keep, create, or fix `fix`; and the duplicates to remove."""

    topic: str
    keep: Subscription | None
    fix: Subscription | None
    extra: tuple[Subscription, ...]


def webhook_address(public_url: str, channel: str) -> str:
    """Where the storefront delivers: the service's `POST /webhooks/{channel}`."""
    parts = urlsplit(public_url.strip())
    if parts.scheme != "https" or not parts.hostname:
        raise BadPublicUrl(
            f"{public_url!r} is not an https URL, like https://stock.example.com: storefronts "
            "deliver webhooks over https only"
        )
    if parts.query or parts.fragment or parts.username or parts.password:
        raise BadPublicUrl(f"{public_url!r}: give the service's base URL, without ?, # or user@")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}/webhooks/{channel}"


def plan(topics: Sequence[str], existing: Sequence[Subscription], address: str) -> list[TopicPlan]:
    """Per topic: the subscription to keep (right address, active), else one to fix, and
    every other one on that topic, which would deliver a second time."""
    plans = []
    for topic in topics:
        on_topic = [found for found in existing if found.topic == topic]
        right = [found for found in on_topic if found.address == address and found.active]
        keep = right[0] if right else None
        fix = None if keep or not on_topic else on_topic[0]
        extra = tuple(found for found in on_topic if found is not keep and found is not fix)
        plans.append(TopicPlan(topic, keep, fix, extra))
    return plans


def subscriptions_of(connector: Connector) -> WebhookSubscriptions:
    if not isinstance(connector, Subscribable):
        raise NotSubscribable(
            f"channel {connector.name!r}: its storefront registers no webhooks (a fake "
            "channel takes any delivery signed with its secret)"
        )
    return connector.webhook_subscriptions()


async def subscribe(connector: Connector, public_url: str) -> list[TopicState]:
    """Creates what is missing and fixes what delivers elsewhere; one state per topic."""
    address = webhook_address(public_url, connector.name)
    webhooks = subscriptions_of(connector)
    states = []
    for topic_plan in plan(webhooks.topics, await webhooks.list(), address):
        for duplicate in topic_plan.extra:
            await webhooks.delete(duplicate)
        removed = f", removed {len(topic_plan.extra)} duplicate(s)" if topic_plan.extra else ""
        if topic_plan.keep is not None:
            states.append(TopicState(topic_plan.topic, "exists", address + removed))
        elif topic_plan.fix is not None:
            await webhooks.update(topic_plan.fix, address)
            was = _where(topic_plan.fix)
            states.append(TopicState(topic_plan.topic, "fixed", f"{was} → {address}{removed}"))
        else:
            await webhooks.create(topic_plan.topic, address)
            states.append(TopicState(topic_plan.topic, "created", address))
    return states


async def audit(connector: Connector, public_url: str) -> list[TopicState]:
    """What `subscribe` would find, changing nothing: exists, missing or wrong per topic."""
    address = webhook_address(public_url, connector.name)
    webhooks = subscriptions_of(connector)
    states = []
    for topic_plan in plan(webhooks.topics, await webhooks.list(), address):
        if topic_plan.keep is not None and not topic_plan.extra:
            states.append(TopicState(topic_plan.topic, "exists", address))
        elif topic_plan.keep is not None:
            states.append(TopicState(topic_plan.topic, "wrong", "delivered twice"))
        elif topic_plan.fix is not None:
            states.append(TopicState(topic_plan.topic, "wrong", _where(topic_plan.fix)))
        else:
            states.append(TopicState(topic_plan.topic, "missing"))
    return states


async def unsubscribe(connector: Connector) -> list[TopicState]:
    """Removes syncbot's subscriptions: those on its topics or to its address; one state each."""
    webhooks = subscriptions_of(connector)
    suffix = f"/webhooks/{connector.name}"
    states = []
    for found in await webhooks.list():
        if found.topic in webhooks.topics or found.address.rstrip("/").endswith(suffix):
            await webhooks.delete(found)
            states.append(TopicState(found.topic, "removed", found.address))
    return states


def _where(subscription: Subscription) -> str:
    return subscription.address + ("" if subscription.active else ", inactive")

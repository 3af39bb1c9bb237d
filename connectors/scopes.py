"""What a channel's token is allowed to do, for `syncbot doctor`: a small optional port.

Only storefronts that report a token's permissions offer it (Shopify lists the app's
access scopes); WooCommerce keys and BigCommerce API accounts do not say what they may do,
so doctor reports their scopes as not checkable, and a missing permission shows as a
refused call instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class ScopeReport:
    granted: Sequence[str]
    missing: Sequence[str]
    """What syncbot needs that the token lacks; empty when all is granted."""


@runtime_checkable
class ReportsScopes(Protocol):
    async def access_scopes(self) -> ScopeReport: ...

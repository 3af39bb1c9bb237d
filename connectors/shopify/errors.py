"""The Admin API's error tree: each error says what went wrong and what to do, never the token.

ShopifyError (a connectors.base.ConnectorError)
├── ShopifyAuthError      HTTP 401/403 or ACCESS_DENIED: a wrong or revoked token, a missing scope
├── ShopifyThrottled      still throttled (THROTTLED in a 200, or HTTP 429) after every allowed wait
├── ShopifyUnavailable    HTTP 5xx or network errors after every allowed attempt
├── ShopifyQueryError     GraphQL `errors` in the answer: each message with its code and path
├── ShopifyBadResponse    an unexpected HTTP status, or a body that is not a GraphQL answer
└── ShopifyBulkFailed     a bulk operation that did not start, failed, or did not finish in time

Only ShopifyThrottled and ShopifyUnavailable are worth trying again later, as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

from connectors.base import ConnectorError


@dataclass(frozen=True, slots=True)
class QueryProblem:
    """One entry of a GraphQL answer's `errors`."""

    message: str
    code: str | None = None
    """`extensions.code`, such as BAD_REQUEST, INVALID_FIELD_ARGUMENTS, undefinedField."""
    path: tuple[str, ...] = ()

    def __str__(self) -> str:
        where = f" at {'.'.join(self.path)}" if self.path else ""
        return f"{self.code or 'ERROR'}{where}: {self.message}"


class ShopifyError(ConnectorError):
    """Base of every Admin API failure; the message is fit to show a merchant."""

    def __init__(self, shop: str, message: str) -> None:
        super().__init__(f"{shop}: {message}")
        self.shop = shop


class ShopifyAuthError(ShopifyError):
    """Retrying cannot help: a person must fix the token or the app's access scopes."""

    def __init__(self, shop: str, status: int, detail: str = "") -> None:
        if status == 401:
            advice = "the access token is wrong or was revoked; set a valid one"
        else:
            advice = "the access token lacks an access scope this call needs; grant it"
        super().__init__(
            shop, f"Shopify refused the access token ({detail or f'HTTP {status}'}): {advice}"
        )
        self.status = status
        self.detail = detail


class ShopifyThrottled(ShopifyError):
    def __init__(self, shop: str, attempts: int, detail: str) -> None:
        super().__init__(
            shop, f"Shopify throttled {attempts} attempt(s) ({detail}); try again later"
        )
        self.attempts = attempts
        self.detail = detail


class ShopifyUnavailable(ShopifyError):
    def __init__(self, shop: str, attempts: int, detail: str) -> None:
        super().__init__(
            shop, f"Shopify did not answer after {attempts} attempt(s) ({detail}); try again later"
        )
        self.attempts = attempts
        self.detail = detail


class ShopifyQueryError(ShopifyError):
    """Shopify refused the document or its variables; the same call will fail again."""

    def __init__(self, shop: str, problems: tuple[QueryProblem, ...]) -> None:
        super().__init__(shop, "Shopify refused the query: " + "; ".join(str(p) for p in problems))
        self.problems = problems

    @property
    def codes(self) -> tuple[str | None, ...]:
        return tuple(problem.code for problem in self.problems)


class ShopifyBadResponse(ShopifyError):
    def __init__(self, shop: str, detail: str) -> None:
        super().__init__(
            shop,
            f"unexpected answer from the Admin API ({detail}); "
            "check the shop, api_base_url and api_version",
        )
        self.detail = detail


class ShopifyBulkFailed(ShopifyError):
    """A bulk operation could not start, ended FAILED, CANCELED or EXPIRED, or outlasted
    the wait; the next sweep starts another."""

    def __init__(self, shop: str, detail: str) -> None:
        super().__init__(shop, f"the bulk read of inventory levels failed ({detail}); try again")
        self.detail = detail

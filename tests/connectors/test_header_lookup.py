"""Headers read once per delivery: a lookup answers what a scan of the headers answers.

`verify` reads a dozen header names per delivery; each used to be a scan of the request's
headers (which Starlette decodes anew on each). `by_name` and `shopify_headers` read them
in one pass, and must answer each name exactly as the scan did, whatever the case, the
prefix, blank values or repeated names (a request may carry a name twice).
"""

from __future__ import annotations

from collections.abc import Mapping

from hypothesis import given
from hypothesis import strategies as st
from starlette.datastructures import Headers

from connectors.base import by_name, header
from connectors.shopify.webhooks import shopify_headers

KEYS = (
    "X-Shopify-Topic",
    "x-shopify-topic",
    "Shopify-Topic",
    "X-Shopify-Event-Id",
    "shopify-event-id",
    "X-WC-Webhook-Topic",
    "x-shopify-x-shopify-topic",
    "Content-Type",
)
VALUES = ("a", " b ", "", "  ", "c\t")


@st.composite
def raw_headers(draw: st.DrawFn) -> Mapping[str, str]:
    """Headers as a server hands them on (lower-cased, a name maybe repeated), or as a
    dict a caller builds (any case, so one name may come in two spellings)."""
    pairs = draw(st.lists(st.tuples(st.sampled_from(KEYS), st.sampled_from(VALUES)), max_size=8))
    if draw(st.booleans()):
        return dict(pairs)
    return Headers(raw=[(key.lower().encode(), value.encode()) for key, value in pairs])


def scanned(headers: Mapping[str, str], name: str) -> str | None:
    """The Shopify rule as a scan: X-Shopify- before Shopify-, any case, blank is absent."""
    for prefix in ("x-shopify-", "shopify-"):
        for key, value in headers.items():
            if key.lower() == prefix + name and value.strip():
                return value.strip()
    return None


class TestByName:
    @given(raw_headers(), st.sampled_from(KEYS))
    def test_a_lookup_answers_what_header_answers(
        self, headers: Mapping[str, str], name: str
    ) -> None:
        """Any case, the first of a repeated name, a blank value kept as it is."""
        assert by_name(headers).get(name.lower()) == header(headers, name)

    def test_the_first_of_a_repeated_name_is_kept(self) -> None:
        """Two X-WC-Webhook-Topic headers: the first is the one read, as before."""
        headers = Headers(raw=[(b"x-wc-webhook-topic", b""), (b"x-wc-webhook-topic", b"b")])
        assert by_name(headers) == {"x-wc-webhook-topic": ""}


class TestShopifyHeaders:
    @given(raw_headers(), st.sampled_from(["topic", "event-id", "x-shopify-topic", "webhook-id"]))
    def test_a_lookup_answers_what_a_scan_answers(
        self, headers: Mapping[str, str], name: str
    ) -> None:
        """Whatever the prefix, case, blanks or repeats, the lookup and the scan agree."""
        assert shopify_headers(headers).get(name) == scanned(headers, name)

    def test_the_x_spelling_wins_wherever_it_comes(self) -> None:
        """Shopify-Topic before X-Shopify-Topic: X-Shopify-Topic is still the one read."""
        headers = {"Shopify-Topic": "orders/paid", "X-Shopify-Topic": "orders/create"}
        assert shopify_headers(headers)["topic"] == "orders/create"

    def test_a_blank_header_leaves_room_for_the_next(self) -> None:
        """A blank first X-Shopify-Event-Id is absent: the next non-blank one is read."""
        headers = Headers(raw=[(b"x-shopify-event-id", b"  "), (b"x-shopify-event-id", b" e ")])
        assert shopify_headers(headers) == {"event-id": "e"}

    def test_other_headers_are_left_out(self) -> None:
        headers = {"Content-Type": "application/json", "X-Shopify-Topic": " orders/create "}
        assert shopify_headers(headers) == {"topic": "orders/create"}

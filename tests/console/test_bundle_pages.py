"""The console's bundles: the list with each bundle's recipe and availability, and the
manager's recipe forms; refusals keep what was typed and write nothing."""

from __future__ import annotations

import re

import httpx

from syncbot import ledger
from syncbot.app import bundles
from syncbot.app import stock as use_stock
from syncbot.app.actor import Actor
from syncbot.ledger.bundles import Component
from syncbot.store import lookups
from syncbot.store.catalogue import add_sku

from .conftest import csrf_of, sign_in

CLERK = Actor.cli("clerk")


def _flat(html: str) -> str:
    return re.sub(r"\s+", " ", html)


async def _stock() -> None:
    for code in ("MUG-1", "TEE-1", "GIFT-1"):
        await add_sku(code)
    await use_stock.record(ledger.receive("MUG-1", 7), CLERK)
    await use_stock.record(ledger.receive("TEE-1", 10), CLERK)


async def _recipe(code: str) -> str | None:
    stored = await bundles.recipe_of(code)
    return None if stored is None else f"{stored.recipe} v{stored.version}"


async def test_the_list_shows_each_bundles_recipe_availability_and_limit(
    console: httpx.AsyncClient,
) -> None:
    """One row a bundle: its components, version, total and the component limiting it."""
    await _stock()
    await bundles.set_recipe("GIFT-1", [Component("MUG-1", 2), Component("TEE-1", 1)], CLERK)
    await sign_in(console, "vera", "viewer")

    page = await console.get("/bundles")

    assert page.status_code == 200
    text = _flat(page.text)
    [row] = re.findall(r'<tr class="bundle">(.*?)</tr>', text)
    assert '<a href="/skus/GIFT-1#bundle">GIFT-1</a>' in row
    assert '<a href="/skus/MUG-1"><code>MUG-1</code></a> × 2' in row
    assert '<td class="num">1</td>' in row  # the version
    assert "3, limited by MUG-1: 7 available / 2" in row
    assert 'href="/bundles" aria-current="page"' in text
    assert 'class="form bundle-new"' not in text  # a viewer gets no form
    assert "<tr" not in _flat((await console.get("/bundles?q=nothing")).text).split("<tbody>")[-1]
    assert "GIFT-1" in (await console.get("/bundles?q=tee")).text  # by component code


async def test_a_manager_defines_a_new_bundle_adding_its_sku(console: httpx.AsyncClient) -> None:
    """`add`: the SKU joins the catalogue as a bundle; the card says what was recorded."""
    await _stock()
    await sign_in(console, "mona", "manager")
    form = {"bundle": "KIT-9", "components": "MUG-1:2\r\n\r\nTEE-1:1\r\n", "add": "on"}

    answer = await console.post("/bundles", data={**form, "csrf": await csrf_of(console)})

    assert answer.status_code == 303
    assert answer.headers["location"] == "/skus/KIT-9?bundle=saved#bundle"
    assert await _recipe("KIT-9") == "MUG-1:2 TEE-1:1 v1"
    card = _flat((await console.get(answer.headers["location"])).text)
    assert "Recorded: KIT-9 is a bundle of MUG-1:2 TEE-1:1 (recipe version 1)." in card
    assert "<td>3, limited by MUG-1: 7 available / 2</td>" in card


async def test_a_manager_sets_then_replaces_a_recipe_on_the_card(
    console: httpx.AsyncClient,
) -> None:
    """The card's form makes a SKU a bundle, then replaces its recipe (version 2)."""
    await _stock()
    await sign_in(console, "mona", "manager")
    csrf = await csrf_of(console, "/skus/GIFT-1")
    assert "Make GIFT-1 a bundle" in (await console.get("/skus/GIFT-1")).text

    first = {"action": "set", "components": "MUG-1:2\nTEE-1:1", "csrf": csrf}
    assert (await console.post("/bundles/GIFT-1", data=first)).status_code == 303
    second = {"action": "set", "components": "TEE-1:5", "csrf": csrf}
    answer = await console.post("/bundles/GIFT-1", data=second)

    assert answer.status_code == 303
    assert await _recipe("GIFT-1") == "TEE-1:5 v2"
    card = _flat((await console.get("/skus/GIFT-1")).text)
    assert "Change the recipe" in card
    assert '<textarea id="f-components" name="components"' in card
    assert ">TEE-1:5</textarea>" in card  # the form starts from the stored recipe
    assert "<td>2, limited by TEE-1: 10 available / 5</td>" in card


async def test_refusals_keep_what_was_typed_and_write_nothing(
    console: httpx.AsyncClient,
) -> None:
    """Unknown component, nested bundle, a SKU holding stock, a bad quantity: 422, the
    error beside the form, the typed text kept, the stored recipe unchanged."""
    await _stock()
    await add_sku("BOX-1")
    await bundles.set_recipe("BOX-1", [Component("TEE-1", 2)], CLERK)
    await sign_in(console, "mona", "manager")
    csrf = await csrf_of(console, "/skus/GIFT-1")
    cases = (
        ("GIFT-1", "MUG-1:2\nNOPE-1:1", "unknown SKU &#39;NOPE-1&#39;"),
        ("GIFT-1", "BOX-1:1", "is a bundle itself"),
        ("GIFT-1", "MUG-1:two", "is not a whole number"),
        ("GIFT-1", "MUG-1:0", "must be from 1 to 10000"),
        ("MUG-1", "TEE-1:1", "holds stock of its own"),
    )
    for code, typed, error in cases:
        answer = await console.post(
            f"/bundles/{code}", data={"action": "set", "components": typed, "csrf": csrf}
        )
        assert answer.status_code == 422, typed
        text = answer.text
        assert error in text, (typed, text)
        assert f">{typed}</textarea>" in text
        assert "Nothing was recorded" in text
        assert '<details class="bundle-edit" open>' in text
    assert (await _recipe("GIFT-1"), await _recipe("MUG-1")) == (None, None)

    unknown = {"bundle": "NEW-1", "components": "MUG-1:1", "csrf": csrf}  # `add` unticked
    answer = await console.post("/bundles", data=unknown)
    assert answer.status_code == 422
    assert 'id="e-bundle">unknown SKU &#39;NEW-1&#39;' in answer.text
    assert "or tick “Add the SKU to the catalogue”" in answer.text
    assert 'value="NEW-1"' in answer.text
    assert not await lookups.sku_exists("NEW-1")
    bad_code = {**unknown, "bundle": "-bad", "add": "on"}
    answer = await console.post("/bundles", data=bad_code)
    assert answer.status_code == 422
    assert "is not valid" in answer.text
    assert not await lookups.sku_exists("-bad")


async def test_make_plain_again_needs_the_confirmation(console: httpx.AsyncClient) -> None:
    """Without the box ticked nothing changes; with it the recipe goes, the SKU stays."""
    await _stock()
    await bundles.set_recipe("GIFT-1", [Component("MUG-1", 2)], CLERK)
    await sign_in(console, "mona", "manager")
    csrf = await csrf_of(console, "/skus/GIFT-1")

    unconfirmed = await console.post("/bundles/GIFT-1", data={"action": "remove", "csrf": csrf})
    assert unconfirmed.status_code == 422
    assert await _recipe("GIFT-1") == "MUG-1:2 v1"

    removal = {"action": "remove", "confirm": "on", "csrf": csrf}
    answer = await console.post("/bundles/GIFT-1", data=removal)
    assert answer.status_code == 303
    assert await _recipe("GIFT-1") is None
    card = _flat((await console.get(answer.headers["location"])).text)
    assert "Recorded: GIFT-1 is a plain SKU again" in card
    assert "Make GIFT-1 a bundle" in card
    again = await console.post("/bundles/GIFT-1", data=removal)
    assert again.status_code == 404


async def test_viewers_and_clerks_see_the_recipe_but_may_not_change_it(
    console: httpx.AsyncClient,
) -> None:
    """No form on their pages; a POST from them is refused with 403 and writes nothing."""
    await _stock()
    await bundles.set_recipe("GIFT-1", [Component("MUG-1", 2)], CLERK)
    for name, role in (("vera", "viewer"), ("carl", "clerk")):
        await sign_in(console, name, role)
        card = (await console.get("/skus/GIFT-1")).text
        assert '<h2 id="bundle">Bundle</h2>' in card
        assert "bundle-edit" not in card
        csrf = await csrf_of(console, "/skus/GIFT-1")
        posts = (
            ("/bundles", {"bundle": "TEE-1", "components": "MUG-1:1"}),
            ("/bundles/GIFT-1", {"action": "set", "components": "TEE-1:1"}),
            ("/bundles/GIFT-1", {"action": "remove", "confirm": "on"}),
        )
        for path, form in posts:
            answer = await console.post(path, data={**form, "csrf": csrf})
            assert answer.status_code == 403, (role, path)
            assert "This needs the manager role" in answer.text
    assert (await _recipe("GIFT-1"), await _recipe("TEE-1")) == ("MUG-1:2 v1", None)


async def test_a_recipe_form_without_the_sessions_csrf_token_is_refused(
    console: httpx.AsyncClient,
) -> None:
    await _stock()
    await sign_in(console, "mona", "manager")
    answer = await console.post(
        "/bundles/GIFT-1", data={"action": "set", "components": "MUG-1:1", "csrf": "forged"}
    )
    assert answer.status_code == 403
    assert await _recipe("GIFT-1") is None

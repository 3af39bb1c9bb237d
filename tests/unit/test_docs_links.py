"""The README and docs/ hold together: every relative link and anchor resolves, and every
page under docs/ is one click from the README."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def without_code_blocks(page: Path) -> str:
    return re.sub(r"^```.*?^```", "", page.read_text(encoding="utf-8"), flags=re.M | re.S)


def anchors(page: Path) -> set[str]:
    """GitHub's heading ids: lower case, punctuation dropped, spaces to hyphens, -1 on repeats.
    A code span in a heading keeps its text: "Slack `/stock`" is #slack-stock."""
    seen: dict[str, int] = {}
    for heading in re.findall(r"^#{1,6} +(.+?) *$", without_code_blocks(page), flags=re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        seen[slug] = seen.get(slug, -1) + 1
        if seen[slug]:
            seen[f"{slug}-{seen[slug]}"] = 0
    return set(seen)


def links(page: Path) -> list[str]:
    return [
        target
        # Brackets in code spans are not links: `[--host 127.0.0.1]`.
        for target in LINK.findall(re.sub(r"`[^`\n]*`", "", without_code_blocks(page)))
        if not re.match(r"[a-z][a-z+.-]*:", target)  # https:, mailto: ...
    ]


def broken_links(page: Path) -> list[str]:
    """The page's relative links whose file, or whose #anchor in that file, does not exist."""
    broken = []
    for target in links(page):
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.is_file() and not linked.is_dir():
            broken.append(f"{target}: no such file")
        elif anchor and (linked.is_dir() or anchor not in anchors(linked)):
            broken.append(f"{target}: no heading #{anchor} there")
    return broken


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.relative_to(ROOT).as_posix())
def test_every_relative_link_and_anchor_resolves(page: Path) -> None:
    """A link names a file that exists, and its #anchor a heading of that file."""
    broken = broken_links(page)
    assert not broken, f"{page.relative_to(ROOT)}:\n" + "\n".join(broken)


def test_a_broken_link_or_anchor_is_named(tmp_path: Path) -> None:
    """The check fails on a missing page, a missing heading, and only on those."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "api.md").write_text("# HTTP API\n\n## Limits of the store\n")
    page = tmp_path / "README.md"
    page.write_text(
        "[ok](docs/api.md#limits-of-the-store) [gone](docs/cli.md) [typo](docs/api.md#limits)\n"
        "[self](#intro) `[not a link](nowhere.md)` [web](https://example.com/x.md)\n"
        "```\n[in a block](nowhere.md)\n```\n# Intro\n"
    )
    assert broken_links(page) == [
        "docs/cli.md: no such file",
        "docs/api.md#limits: no heading #limits there",
    ]


def test_every_docs_page_is_linked_from_the_readme() -> None:
    """A newcomer finds every page from the front page."""
    linked = {(ROOT / target.partition("#")[0]).resolve() for target in links(ROOT / "README.md")}
    assert [page.name for page in PAGES[1:] if page.resolve() not in linked] == []


def test_the_anchor_rule_matches_github() -> None:
    """Code, punctuation and repeats turn into ids as GitHub turns them."""
    page = ROOT / "docs" / "benchmarks.md"
    assert {"slack-stock", "webhook-intake", "connector-pushes"} <= anchors(page)


def test_the_readme_test_command_is_the_one_ci_runs() -> None:
    """The front page's test command is exactly what .ci/run calls."""
    command = "pip install -c constraints.txt -e '.[test,postgres]' && pytest -n 2 --dist loadfile"
    assert command in (ROOT / "README.md").read_text(encoding="utf-8")
    assert command in (ROOT / ".ci" / "run").read_text(encoding="utf-8")

"""The console's inbox pages. (Filled by the inbox work of issue 13.)"""

from __future__ import annotations

from fastapi import APIRouter

from syncbot.console.pages import Console


def routes(console: Console) -> APIRouter:
    return APIRouter(include_in_schema=False)

"""Whether Slack accepts syncbot's tokens, for `syncbot doctor`: one cheap call each."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient


async def bot_identity(bot_token: str, api_url: str) -> str:
    """auth.test with the bot token: who the bot is, in which workspace."""
    answer = await AsyncWebClient(bot_token, base_url=api_url).auth_test()
    return f"bot {answer.get('user')} in {answer.get('team')} ({answer.get('team_id')})"


async def socket_mode_opens(app_token: str, api_url: str) -> str:
    """apps.connections.open with the app-level token: Socket Mode would connect."""
    await AsyncWebClient(base_url=api_url).apps_connections_open(app_token=app_token)
    return "the app token opens a Socket Mode connection"

"""The demo's database before syncbot starts: migrated, the catalogue seeded once, an
admin with a fresh password, and each channel's listings discovered from its emulator."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from syncbot import bootstrap
from syncbot.app import users
from syncbot.app.actor import Actor
from syncbot.channels_file import ChannelsFile
from syncbot.config import Settings
from syncbot.demo import catalogue
from syncbot.store.database import close_database, declare_locations, migrate, open_database
from syncbot.sync.listings import discover

ADMIN = "admin"


@dataclass(frozen=True)
class SignIn:
    name: str
    password: str


async def prepare(
    settings: Settings, channels: ChannelsFile, products: list[catalogue.Product]
) -> SignIn:
    """Migrates, seeds (unless a `--dir` holds a catalogue already), sets the admin's
    password and discovers the listings; the emulators must be serving."""
    await migrate(settings.database_url)
    await open_database(settings.database_url)
    try:
        await declare_locations(channels.locations)
        if not await catalogue.seeded():
            await catalogue.seed(products, Actor.cli("demo"))
        password = users.generate_password()
        if any(user.name == ADMIN for user in await users.list_users()):
            await users.reset_password(ADMIN, password)
        else:
            await users.add_user(ADMIN, "admin", password)
        async with httpx.AsyncClient() as http:
            for channel in bootstrap.build_sync_channels(channels, http).values():
                await discover(channel.connector)
        return SignIn(ADMIN, password)
    finally:
        await close_database()

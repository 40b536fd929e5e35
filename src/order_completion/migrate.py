"""Bring a database to the latest schema with the bundled Alembic migrations.

The settings the caller built travel to the migrations in Alembic's config attributes, so a
migration that needs one (the keys sealing hub secrets) uses the very value the service
runs with, wherever the command runs and however the settings were built. Run by
``alembic`` itself, a migration reads the environment instead.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

from order_completion.settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"
# The key of the caller's Settings in Config.attributes.
SETTINGS = "order_completion.settings"


def alembic_config(database_url: str, settings: Settings | None = None) -> Config:
    """The config of ``database_url``; ``settings`` given reach the migrations that read
    settings, else those read the environment."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    if settings is not None:
        config.attributes[SETTINGS] = settings
    return config


def settings_of(config: Config) -> Settings:
    """The settings migrate was called with, or the environment's when Alembic runs alone."""
    given = config.attributes.get(SETTINGS)
    return given if isinstance(given, Settings) else Settings()


def upgrade(settings: Settings) -> None:
    """Run every pending migration on the settings' database (safe on every start)."""
    command.upgrade(alembic_config(settings.database_url, settings), "head")


async def upgrade_async(settings: Settings) -> None:
    """The same from async code: Alembic runs its own event loop, so use a thread."""
    await asyncio.to_thread(upgrade, settings)

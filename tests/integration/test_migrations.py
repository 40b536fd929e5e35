"""The Alembic migrations build exactly the schema the code declares, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection

from order_completion.bootstrap import Services
from order_completion.tables import metadata


async def test_migrated_schema_matches_the_tables(services: Services) -> None:
    def diff(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))

    async with services.db.engine.connect() as connection:
        assert await connection.run_sync(diff) == []

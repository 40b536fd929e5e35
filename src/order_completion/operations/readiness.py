"""Whether this process can serve: its database answers and has the schema this code needs.

``/health`` says only that the process is alive (a restart would not help otherwise);
``/ready`` is what a load balancer asks before sending traffic, and it is false while a
migration is still to run or the database is out of reach.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from alembic.script import ScriptDirectory
from sqlalchemy import text

from order_completion.database import Database
from order_completion.migrate import MIGRATIONS


@dataclass(frozen=True)
class Readiness:
    ready: bool
    reason: str
    message: str


@cache
def head_revisions() -> frozenset[str]:
    """The revisions the bundled migrations end at: the schema this code was written for."""
    return frozenset(ScriptDirectory(str(MIGRATIONS)).get_heads())


@cache
def known_revisions() -> frozenset[str]:
    """Every revision the bundled migrations hold: one outside them was written by a newer
    version of the service, which migrating with this one cannot undo."""
    return frozenset(
        script.revision for script in ScriptDirectory(str(MIGRATIONS)).walk_revisions()
    )


async def check(db: Database, heads: frozenset[str]) -> Readiness:
    """Ask the database for its schema revision; never raises."""
    try:
        async with db.read_engine.connect() as connection:
            rows = await connection.execute(text("SELECT version_num FROM alembic_version"))
            current = frozenset(str(row[0]) for row in rows)
    except Exception as error:  # unreachable, or never migrated: either way not ready
        return Readiness(
            False,
            "Database unavailable",
            f"the database did not answer the schema query ({type(error).__name__})",
        )
    unknown = current - known_revisions()
    if unknown:
        return Readiness(
            False,
            "Database newer than this version",
            f"the database schema is at {_names(unknown)}, which this version does not know "
            f"(it needs {_names(heads)}): the database was migrated by a newer version; "
            "upgrade the service",
        )
    if current != heads:
        return Readiness(
            False,
            "Migrations pending",
            f"the database schema is at {_names(current)}, this version needs {_names(heads)}: "
            "run `order-completion migrate`",
        )
    return Readiness(True, "Ready", f"database reachable, schema at {_names(heads)}")


def _names(revisions: frozenset[str]) -> str:
    return ", ".join(sorted(revisions)) or "no revision"

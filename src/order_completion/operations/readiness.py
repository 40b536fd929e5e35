"""Whether this process can serve: its database answers and has the schema this code needs.

``/health`` says only that the process is alive (a restart would not help otherwise);
``/ready`` is what a load balancer asks before sending traffic, and it is false while a
migration is still to run, the database is out of reach, or hub secrets are sealed under a
key this process was not given (their events would wait undelivered).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from alembic.script import ScriptDirectory
from sqlalchemy import select, text

from order_completion.database import Database
from order_completion.events.sealing import SecretBox
from order_completion.events.subscriptions import Subscription
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


async def check(db: Database, heads: frozenset[str], box: SecretBox | None = None) -> Readiness:
    """Ask the database for its schema revision and, given the ``box`` of the configured
    keys, whether they open every enabled hub's secret; never raises."""
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
    try:
        unopened = await _unopened_secrets(db, box) if box is not None else 0
    except Exception as error:  # the database went away between the two questions
        return Readiness(
            False,
            "Database unavailable",
            f"the database did not answer the hub query ({type(error).__name__})",
        )
    if unopened:
        return Readiness(
            False,
            "Hub secrets unreadable",
            f"{unopened} of the enabled hubs' secrets cannot be opened with any configured key: "
            "their events wait undelivered until the key that sealed them is configured "
            "(ORDER_COMPLETION_SECRET_KEYS, or the key file ORDER_COMPLETION_SECRET_KEY_FILE)",
        )
    return Readiness(True, "Ready", f"database reachable, schema at {_names(heads)}")


async def _unopened_secrets(db: Database, box: SecretBox) -> int:
    """How many enabled hubs hold a secret none of the configured keys opens. Each secret is
    checked (a keyed digest, microseconds), so a probe stays cheap with many hubs."""
    async with db.read() as session:
        sealed = await session.scalars(
            select(Subscription.sealed_secret).where(Subscription.disabled_at.is_(None))
        )
        return sum(1 for secret in sealed if not box.opens(secret))


def _names(revisions: frozenset[str]) -> str:
    return ", ".join(sorted(revisions)) or "no revision"

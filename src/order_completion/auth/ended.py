"""Sessions that signed out. A session lives in its signed cookie, so signing out in one
browser would leave every copy of that cookie valid until it expires; instead the sign-out
records the session's id, and every visit of a signed-in session looks it up (one lookup by
primary key). The id is kept until the cookie's lifetime from the sign-out is over, when no
cookie of it can be presented any more; the worker's retention round then forgets it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite

from order_completion.auth.tables import EndedSession
from order_completion.clock import Clock
from order_completion.database import Database


@dataclass(frozen=True)
class EndSession:
    """End the session ``id``; its cookies, signed at the latest now, expire within
    ``lifetime``."""

    id: str
    lifetime: timedelta


class SessionEnds:
    """End a session (its own unit of work), and tell whether one ended."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def end(self, cmd: EndSession) -> None:
        """Record the session as ended; ending it again (two tabs signing out at once)
        changes nothing."""
        expires_at = self.clock.now() + cmd.lifetime
        async with self.db.transaction() as session:
            dialect = session.get_bind().dialect.name
            insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
            statement = insert(EndedSession).values(id=cmd.id, expires_at=expires_at)
            await session.execute(statement.on_conflict_do_nothing(index_elements=["id"]))

    async def ended(self, session_id: str) -> bool:
        async with self.db.read() as session:
            found = await session.scalar(
                select(EndedSession.id).where(EndedSession.id == session_id)
            )
        return found is not None


async def forget_expired(db: Database, now: datetime) -> int:
    """Forget the ended sessions whose every cookie has expired; how many went. A job of
    the worker's retention round."""
    async with db.transaction() as session:
        done = await session.execute(delete(EndedSession).where(EndedSession.expires_at <= now))
        return int(getattr(done, "rowcount", 0) or 0)

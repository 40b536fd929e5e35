"""Outbound call rows: enqueue (idempotent per case and purpose), claim under a lease,
record what an attempt came to, and let an operator retry or settle them."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from order_completion.outbound.rules import (
    FINISHED,
    UNFINISHED,
    AttemptOutcome,
    CallKind,
    CallState,
    Verdict,
)
from order_completion.outbound.tables import OutboundCall

ERROR_LENGTH = 2000


@dataclass(frozen=True)
class ClaimedCall:
    """One attempt a worker holds: everything the performer needs, fixed at the claim."""

    id: str
    case_id: str
    kind: str
    purpose: str
    payload: dict[str, Any]
    attempt: int
    # The claim's own token: the row takes this attempt's answer only while it holds it.
    token: str


def new_call(
    *, case_id: str, kind: CallKind, purpose: str, payload: dict[str, Any], now: datetime
) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "case_id": case_id,
        "kind": kind.value,
        "purpose": purpose,
        "payload": payload,
        "state": CallState.PENDING.value,
        "attempts": 0,
        "next_attempt_at": now,
        "claimed_until": None,
        "claim_token": None,
        "last_error": None,
        "result": None,
        "created_at": now,
        "updated_at": now,
    }


async def enqueue(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Insert the calls; one a case already owes for the same purpose is left as it is."""
    if not rows:
        return
    insert = postgresql.insert if _dialect(session) == "postgresql" else sqlite.insert
    statement = insert(OutboundCall).on_conflict_do_nothing(index_elements=["case_id", "purpose"])
    await session.execute(statement, list(rows))


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def _claimable(now: datetime) -> ColumnElement[bool]:
    return and_(
        OutboundCall.state == CallState.PENDING.value,
        OutboundCall.next_attempt_at <= now,
        or_(OutboundCall.claimed_until.is_(None), OutboundCall.claimed_until < now),
    )


async def claim(
    session: AsyncSession,
    now: datetime,
    *,
    lease: timedelta,
    limit: int,
    kinds: Collection[str] | None = None,
    excluding: Collection[str] = (),
) -> list[ClaimedCall]:
    """Take up to ``limit`` due calls (of ``kinds``, not of ``excluding``), earliest first,
    counting the attempt; calls another worker is claiming at the same moment are skipped
    (PostgreSQL)."""
    query = (
        select(OutboundCall)
        .where(_claimable(now))
        .order_by(OutboundCall.next_attempt_at)
        .limit(limit)
    )
    if kinds is not None:
        query = query.where(OutboundCall.kind.in_(list(kinds)))
    if excluding:
        query = query.where(OutboundCall.kind.not_in(list(excluding)))
    if _dialect(session) == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = (await session.execute(query)).scalars().all()
    claimed = []
    for row in rows:
        token = str(uuid.uuid4())
        row.attempts += 1
        row.claimed_until = now + lease
        row.claim_token = token
        row.updated_at = now
        claimed.append(
            ClaimedCall(
                id=row.id,
                case_id=row.case_id,
                kind=row.kind,
                purpose=row.purpose,
                payload=dict(row.payload),
                attempt=row.attempts,
                token=token,
            )
        )
    await session.flush()
    return claimed


async def record(
    session: AsyncSession,
    call: ClaimedCall,
    outcome: AttemptOutcome,
    verdict: Verdict,
    now: datetime,
) -> bool:
    """Write what the attempt came to; False when the call has moved on since it was
    claimed (settled or retried by hand, or claimed again after its lease ran out)."""
    values: dict[str, Any] = {
        "state": verdict.state.value,
        "claimed_until": None,
        "claim_token": None,
        "updated_at": now,
        "last_error": (outcome.error or "")[:ERROR_LENGTH] or None,
        "result": outcome.result,
    }
    if verdict.next_attempt_at is not None:
        values["next_attempt_at"] = verdict.next_attempt_at
    done = await session.execute(
        update(OutboundCall)
        .where(
            OutboundCall.id == call.id,
            OutboundCall.claim_token == call.token,
            OutboundCall.state == CallState.PENDING.value,
        )
        .values(**values)
    )
    return bool(getattr(done, "rowcount", 0))


async def calls_of(session: AsyncSession, case_id: str) -> list[OutboundCall]:
    query = (
        select(OutboundCall)
        .where(OutboundCall.case_id == case_id)
        .order_by(OutboundCall.created_at, OutboundCall.purpose)
    )
    return list((await session.execute(query)).scalars().all())


async def retry(
    session: AsyncSession, case_id: str, now: datetime, *, kinds: Collection[str] | None = None
) -> int:
    """Failed calls of the case start over, due now, with a fresh schedule (an answer
    still out from an earlier claim no longer counts)."""
    query = update(OutboundCall).where(
        OutboundCall.case_id == case_id, OutboundCall.state == CallState.FAILED.value
    )
    if kinds is not None:
        query = query.where(OutboundCall.kind.in_(list(kinds)))
    done = await session.execute(
        query.values(
            state=CallState.PENDING.value,
            attempts=0,
            next_attempt_at=now,
            claimed_until=None,
            claim_token=None,
            updated_at=now,
        )
    )
    return int(getattr(done, "rowcount", 0))


async def settle(
    session: AsyncSession,
    case_id: str,
    reason: str,
    now: datetime,
    *,
    kinds: Collection[str] | None = None,
) -> int:
    """Open or failed calls of the case are marked done by other means, with the reason."""
    query = update(OutboundCall).where(
        OutboundCall.case_id == case_id,
        OutboundCall.state.in_([state.value for state in UNFINISHED]),
    )
    if kinds is not None:
        query = query.where(OutboundCall.kind.in_(list(kinds)))
    done = await session.execute(
        query.values(
            state=CallState.SETTLED.value,
            claimed_until=None,
            claim_token=None,
            updated_at=now,
            result={"settledBy": "operator", "reason": reason},
        )
    )
    return int(getattr(done, "rowcount", 0))


async def prune(session: AsyncSession, cutoff: datetime, *, ended_cases: Select[Any]) -> int:
    """Forget calls that ended (done or settled) before ``cutoff``, of the cases
    ``ended_cases`` names: what they came to is on their case; failed ones stay until an
    operator deals with them.

    The row is what makes owing the same work twice a no-op (one per case and purpose):
    while its case may still change, a late event owing that work again would find no
    row and make the call a second time (a second e-mail, a second product). A case in a
    final state owes nothing more, so only its calls are forgotten.
    """
    gone = await session.execute(
        delete(OutboundCall).where(
            OutboundCall.state.in_([state.value for state in FINISHED]),
            OutboundCall.updated_at < cutoff,
            OutboundCall.case_id.in_(ended_cases),
        )
    )
    return int(getattr(gone, "rowcount", 0) or 0)

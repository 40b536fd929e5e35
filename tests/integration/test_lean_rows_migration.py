"""Migration 0009 carries rows written in the old layout (one row per event, per history
entry, per milestone) into the gathered one, and the product reads and delivers them."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from order_completion import migrate
from order_completion.bootstrap import DERIVATIONS, build_services
from order_completion.cases.ports import read_case
from order_completion.clock import FixedClock
from order_completion.database import UTCDateTime, normalise_url, unpack
from order_completion.events.deliveries import Delivery
from order_completion.events.outbox import OutboxBatch, envelopes_of
from tests.conftest import ADMIN_URL, _asyncpg_dsn, _postgres_problem, settings_for, unavailable

AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
JSON = sa.JSON(none_as_null=True)


def _table(name: str, *columns: tuple[str, Any]) -> sa.TableClause:
    return sa.table(name, *(sa.column(column, kind) for column, kind in columns))


OLD_CASE = _table(
    "completion_case",
    *[(name, sa.String()) for name in ("id", "product_order_id", "order_fingerprint")],
    *[(name, sa.String()) for name in ("customer_id", "policy_id", "policy_name", "state")],
    ("jeopardy", sa.String()),
    ("product_order", JSON),
    ("learned_contacts", JSON),
    ("policy_version", sa.Integer()),
    ("history_seq", sa.Integer()),
    ("event_seq", sa.Integer()),
    ("version", sa.Integer()),
    ("created_at", UTCDateTime()),
    ("updated_at", UTCDateTime()),
)
OLD_MILESTONE = _table(
    "case_milestone",
    ("case_id", sa.String()),
    ("seq", sa.Integer()),
    ("name", sa.String()),
    ("date", UTCDateTime()),
)
OLD_HISTORY = _table(
    "case_history",
    ("case_id", sa.String()),
    ("seq", sa.Integer()),
    ("date", UTCDateTime()),
    ("action", sa.String()),
    ("step_id", sa.String()),
    ("actor", sa.String()),
    ("detail", JSON),
)
OLD_OUTBOX = _table(
    "outbox_event",
    ("event_id", sa.String()),
    ("sequence", sa.Integer()),
    ("event_type", sa.String()),
    ("event_time", UTCDateTime()),
    ("case_id", sa.String()),
    ("payload", JSON),
    ("published_at", UTCDateTime()),
)
OLD_SUBSCRIPTION = _table(
    "hub_subscription",
    ("id", sa.String()),
    ("api", sa.String()),
    ("callback", sa.String()),
    ("created_at", UTCDateTime()),
    ("style", sa.String()),
    ("secret", sa.String()),
    ("max_in_flight", sa.Integer()),
)
OLD_DELIVERY = _table(
    "delivery",
    ("id", sa.String()),
    ("event_id", sa.String()),
    ("event_type", sa.String()),
    ("subscription_id", sa.String()),
    ("status", sa.String()),
    ("attempts", sa.Integer()),
    ("next_attempt_at", UTCDateTime()),
    ("created_at", UTCDateTime()),
)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no schema yet, of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    problem = _postgres_problem()
    if problem:
        unavailable(f"PostgreSQL suite skipped: {problem}")
    name = f"order_completion_migration_{uuid.uuid4().hex[:10]}"

    async def run(sql: str) -> None:
        connection = await asyncpg.connect(_asyncpg_dsn(ADMIN_URL))
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    yield make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _envelope(event_id: str, event_type: str) -> dict[str, Any]:
    return {
        "eventId": event_id,
        "eventTime": "2026-11-20T09:00:00Z",
        "eventType": event_type,
        "domain": "orderCompletion",
        "event": {"completionCase": {"id": "case-1"}},
        "correlationId": "case-1",
    }


async def _write_old_rows(url: str) -> None:
    engine = create_async_engine(normalise_url(url))
    async with engine.begin() as connection:
        await connection.execute(
            sa.insert(OLD_CASE),
            [
                {
                    "id": "case-1",
                    "product_order_id": "PO-OLD-1",
                    "order_fingerprint": "f",
                    "customer_id": "CUST-1",
                    "policy_id": "consumer-standard",
                    "policy_name": "Consumer",
                    "state": "active",
                    "jeopardy": "none",
                    "product_order": {"id": "PO-OLD-1"},
                    "learned_contacts": [],
                    "policy_version": 1,
                    "history_seq": 2,
                    "event_seq": 2,
                    "version": 3,
                    "created_at": AT,
                    "updated_at": AT,
                }
            ],
        )
        await connection.execute(
            sa.insert(OLD_MILESTONE),
            [
                {"case_id": "case-1", "seq": 1, "name": "readyForServiceNotified", "date": AT},
                {
                    "case_id": "case-1",
                    "seq": 2,
                    "name": "customerAccepted",
                    "date": AT + timedelta(hours=1),
                },
            ],
        )
        await connection.execute(
            sa.insert(OLD_HISTORY),
            [
                {
                    "case_id": "case-1",
                    "seq": 1,
                    "date": AT,
                    "action": "caseOpened",
                    "step_id": None,
                    "actor": "om",
                    "detail": {"policy": "consumer-standard"},
                },
                {
                    "case_id": "case-1",
                    "seq": 2,
                    "date": AT + timedelta(minutes=5),
                    "action": "stepStarted",
                    "step_id": "step-1",
                    "actor": None,
                    "detail": {},
                },
            ],
        )
        await connection.execute(
            sa.insert(OLD_OUTBOX),
            [
                {
                    "event_id": event_id,
                    "sequence": sequence,
                    "event_type": "completionCaseCreateEvent",
                    "event_time": AT,
                    "case_id": "case-1",
                    "payload": _envelope(event_id, "completionCaseCreateEvent"),
                    "published_at": AT,
                }
                for sequence, event_id in ((1, "event-1"), (2, "event-2"))
            ],
        )
        await connection.execute(
            sa.insert(OLD_SUBSCRIPTION),
            [
                {
                    "id": "hub-1",
                    "api": "orderCompletion",
                    "callback": "http://127.0.0.1:9/hook",
                    "created_at": AT,
                    "style": "callback",
                    "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                    "max_in_flight": 10,
                }
            ],
        )
        await connection.execute(
            sa.insert(OLD_DELIVERY),
            [
                {
                    "id": "delivery-1",
                    "event_id": "event-2",
                    "event_type": "completionCaseCreateEvent",
                    "subscription_id": "hub-1",
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": AT,
                    "created_at": AT,
                }
            ],
        )
    await engine.dispose()


async def test_old_rows_are_gathered_and_still_read_and_delivered(empty_database: str) -> None:
    config = migrate.alembic_config(empty_database, settings_for(empty_database))
    await asyncio.to_thread(command.upgrade, config, "0008")
    await _write_old_rows(empty_database)
    await migrate.upgrade_async(settings_for(empty_database))

    services = build_services(
        settings_for(empty_database), clock=FixedClock(AT + timedelta(days=1))
    )
    try:
        case = await read_case(services, "case-1", with_history=True)
        assert case["history"] == [
            {
                "date": "2026-11-20T09:00:00Z",
                "action": "caseOpened",
                "actor": "om",
                "detail": {"policy": "consumer-standard"},
            },
            {"date": "2026-11-20T09:05:00Z", "action": "stepStarted", "stepId": "step-1"},
        ]
        reached = [m["name"] for m in case["milestone"]]
        assert reached == ["readyForServiceNotified", "customerAccepted"]

        async with services.db.read() as session:
            delivery = await session.get(Delivery, "delivery-1")
            assert delivery is not None
            found = await envelopes_of(
                session, [(delivery.batch_id, delivery.event_id)], DERIVATIONS
            )
            # the pending delivery still finds its event
            assert found == {"event-2": _envelope("event-2", "completionCaseCreateEvent")}
            batches = (await session.execute(sa.select(sa.func.count(OutboxBatch.id)))).scalar()
            assert batches == 2
    finally:
        await services.close()


async def _scalar(url: str, query: sa.Select[Any]) -> Any:
    """One value read on a fresh engine (a schema change invalidates cached statements)."""
    engine = create_async_engine(normalise_url(url))
    try:
        async with engine.connect() as connection:
            return (await connection.execute(query)).scalar_one()
    finally:
        await engine.dispose()


async def test_history_is_packed_and_unpacked_both_ways(empty_database: str) -> None:
    """0013 compresses the history entries in place; its downgrade gives back JSON that
    0012's readers understand, and upgrading again reads the same history."""
    config = migrate.alembic_config(empty_database, settings_for(empty_database))
    await asyncio.to_thread(command.upgrade, config, "0008")
    await _write_old_rows(empty_database)
    await asyncio.to_thread(command.upgrade, config, "0012")
    as_json = sa.select(_table("case_history", ("entries", JSON)).c.entries)
    before = await _scalar(empty_database, as_json)
    await migrate.upgrade_async(settings_for(empty_database))
    packed = sa.select(_table("case_history", ("entries", sa.LargeBinary())).c.entries)
    assert unpack(await _scalar(empty_database, packed)) == before
    await asyncio.to_thread(command.downgrade, config, "0012")
    assert await _scalar(empty_database, as_json) == before
    await migrate.upgrade_async(settings_for(empty_database))
    services = build_services(settings_for(empty_database))
    try:
        case = await read_case(services, "case-1", with_history=True)
        assert [entry["action"] for entry in case["history"]] == ["caseOpened", "stepStarted"]
    finally:
        await services.close()


def test_going_back_before_the_lean_rows_is_refused_with_what_to_do(tmp_path: Path) -> None:
    config = migrate.alembic_config(f"sqlite:///{tmp_path / 'lean.db'}")
    command.upgrade(config, "0009")
    with pytest.raises(RuntimeError, match="restore a backup instead"):
        command.downgrade(config, "0008")

"""The bench's seeder writes clones of a case the handlers opened with the driver alone; the
service reads every clone back as the template with the clone's own ids and dates."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import Table, select

from order_completion.bench import raw, seeding
from order_completion.bench.reads import CASE_TABLES
from order_completion.bootstrap import Services
from order_completion.cases.tables import CASES, HISTORY, ITEMS, STEPS
from order_completion.database import UTCDateTime
from tests.conftest import START
from tests.orders import BASE, business_order
from tests.support import open_case

ORDER = "TEMPLATE-ORDER-1"
CUSTOMER = "TEMPLATE-CUSTOMER-1"
# Each table's rows in a stable order, and the column that names their case.
ORDERED: dict[Table, tuple[str, str]] = {
    CASES: ("id", "id"),
    STEPS: ("case_id", "position"),
    ITEMS: ("case_id", "position"),
    HISTORY: ("case_id", "seq"),
}


def identity(index: int) -> seeding.Identity:
    created = START.replace(tzinfo=None) + timedelta(days=3, minutes=index)
    return seeding.Identity(str(uuid.UUID(int=index + 1)), f"SEEDED-{index}", "C-9", created)


async def rows_of(services: Services, case_id: str) -> dict[str, list[dict[str, Any]]]:
    """The case's rows as the service reads them (dates parsed, JSON decoded)."""
    found = {}
    async with services.db.read() as session:
        for table, (key, order) in ORDERED.items():
            statement = select(table).where(table.c[key] == case_id).order_by(table.c[order])
            found[table.name] = [dict(row) for row in (await session.execute(statement)).mappings()]
    return found


def date_shapes(case: list[raw.TableRows]) -> dict[str, list[list[str]]]:
    """How each stored date of a case is written, digits aside (SQLite compares dates as
    text, so a clone must write them exactly as the service does)."""
    dates = {
        table.name: [c.name for c in table.c if isinstance(c.type, UTCDateTime)]
        for table in ORDERED
    }
    return {
        part.table: [
            [
                re.sub(r"\d", "9", value) if isinstance(value, str) else type(value).__name__
                for column, value in zip(part.columns, row, strict=True)
                if column in dates[part.table]
            ]
            for row in part.rows
        ]
        for part in case
        if part.table in dates
    }


def as_clone(value: Any, tokens: dict[str, str], shift: timedelta) -> Any:
    """A template's value as the clone should hold it: dates moved, its ids replaced."""
    if isinstance(value, datetime):
        return value + shift
    if isinstance(value, str | list | dict):
        text = json.dumps(value)
        for old, new in tokens.items():
            text = text.replace(old, new)
        return json.loads(text)
    return value


async def test_clones_read_back_as_the_template_with_their_own_ids_and_dates(
    services: Services, client: httpx.AsyncClient
) -> None:
    order = business_order(ORDER, customer_id=CUSTOMER)
    template_id = await open_case(services, order, "business-managed")
    (stored,) = await raw.capture(services.settings.database_url)
    template = seeding.compile_template([part for part in stored if part.table in CASE_TABLES])
    said: list[str] = []

    await seeding.seed(services.settings.database_url, [template], identity, 3, said.append)

    assert said[-1].startswith("seeding: seeded 3 of 3 cases")
    original = await rows_of(services, template_id)
    step_ids = template.step_ids  # the n-th becomes each clone's step_id(n)
    for index in range(3):
        clone = identity(index)
        tokens = {template_id: clone.case_id, ORDER: clone.order_id, CUSTOMER: clone.customer_id}
        tokens.update((step, clone.step_id(n)) for n, step in enumerate(step_ids))
        shift = clone.created_at - START.replace(tzinfo=None)
        expected = {
            table: [{k: as_clone(v, tokens, shift) for k, v in row.items()} for row in rows]
            for table, rows in original.items()
        }
        assert await rows_of(services, clone.case_id) == expected
        # The report's dates move with the clone: the business case is notified ready
        # for service as it opens.
        (case_row,) = expected["completion_case"]
        assert case_row["ready_for_service_at"] == clone.created_at.replace(tzinfo=UTC)
        answer = await client.get(f"{BASE}/completionCase/{clone.case_id}")
        assert answer.status_code == 200, answer.text
        assert answer.json()["productOrder"]["id"] == clone.order_id
    listing = await client.get(f"{BASE}/completionCase", params={"relatedParty.id": "C-9"})
    assert listing.headers["X-Total-Count"] == "3"
    (written, *clones) = await raw.capture(services.settings.database_url)
    assert [date_shapes(clone) for clone in clones] == [date_shapes(written)] * 3


async def test_a_template_whose_ids_overlap_is_refused(services: Services) -> None:
    # The customer's id is part of the order's: replacing one would change the other.
    order = business_order(f"{ORDER}-{CUSTOMER}", customer_id=CUSTOMER)
    await open_case(services, order, "business-managed")
    (stored,) = await raw.capture(services.settings.database_url)
    with pytest.raises(ValueError, match="part of another one"):
        seeding.compile_template([part for part in stored if part.table in CASE_TABLES])

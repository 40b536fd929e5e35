"""A statement the database refuses is logged by its class and statement, never with the
values it carried (webhook secrets, token hashes, customers' personal data)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from order_completion.bootstrap import Services

SECRET = "whsec_ThisMustNeverReachALogLine0123456789"


async def test_a_refused_statement_does_not_carry_its_values(services: Services) -> None:
    with pytest.raises(DBAPIError) as refused:
        async with services.db.transaction() as session:
            await session.execute(
                text("INSERT INTO no_such_table (secret) VALUES (:secret)"), {"secret": SECRET}
            )
    described = str(refused.value)
    assert "no_such_table" in described
    assert SECRET not in described

"""``serve --demo`` prints an admin token at every start; only the last one printed is
valid, so restarts on the same data folder do not pile up admin tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest

from order_completion.auth.handlers import TokenCommands
from order_completion.bootstrap import Services
from order_completion.cli.serve import demo_admin_token
from order_completion.clock import FixedClock
from order_completion.errors import Unauthenticated


async def test_a_new_start_of_the_demo_revokes_the_token_of_the_last(
    services: Services, clock: FixedClock
) -> None:
    first = await demo_admin_token(services)
    clock.advance(timedelta(minutes=1))  # started again later on the same data
    second = await demo_admin_token(services)

    assert first != second
    principal = await services.auth.authenticate(f"Bearer {second}")
    assert principal.name.startswith("demo-admin")
    with pytest.raises(Unauthenticated):
        await services.auth.authenticate(f"Bearer {first}")
    valid = [
        token.name
        for token in await TokenCommands(services.db, services.clock).list()
        if token.name.startswith("demo-admin") and token.revoked_at is None
    ]
    assert valid == [principal.name]


async def test_other_admin_tokens_stay_valid_when_the_demo_starts_again(
    services: Services, clock: FixedClock
) -> None:
    tokens = TokenCommands(services.db, services.clock)
    kept = await tokens.create(name="demo-administrator", role="admin")
    await demo_admin_token(services)
    clock.advance(timedelta(minutes=1))
    await demo_admin_token(services)
    assert (await services.auth.authenticate(f"Bearer {kept}")).name == "demo-administrator"

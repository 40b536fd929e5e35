"""Hub signing secrets at rest: sealed with the configured keys, resealed under a new key by
``order-completion secrets rotate`` so the old key can go, sealed by migration 0015 and
opened again by its downgrade, a key generated once when none is configured, and never in a
log line."""

from __future__ import annotations

import asyncio
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from alembic import command
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy.ext.asyncio import create_async_engine
from standardwebhooks.webhooks import Webhook
from typer.testing import CliRunner

from order_completion import migrate
from order_completion.app import create_app
from order_completion.bootstrap import Services, build_services
from order_completion.cli import app
from order_completion.clock import FixedClock
from order_completion.database import UTCDateTime, normalise_url
from order_completion.events.catalog import BASE_PATHS, Api
from order_completion.events.claims import SECRET_RETRY, UNREADABLE_SECRET
from order_completion.events.deliveries import Delivery
from order_completion.events.sealing import secret_box
from order_completion.settings import Settings
from tests.conftest import SECRET_KEY
from tests.integration.test_lean_rows_migration import empty_database  # noqa: F401
from tests.logged import captured_logs
from tests.orders import product_order
from tests.receiver import Receiver
from tests.support import open_case

NEW_KEY = "uBq6Q-oS1RLmBrfNMrP9nvSEpqIFlUbinRt9i3oasB0="
HUB = f"{BASE_PATHS[Api.ORDER_COMPLETION]}/hub"


async def stored(database_url: str, hub_id: str) -> tuple[str, str | None]:
    """The secret columns of a hub as they are at rest."""
    engine = create_async_engine(normalise_url(database_url))
    try:
        async with engine.connect() as connection:
            row = await connection.execute(
                sa.text(
                    "SELECT sealed_secret, previous_sealed_secret FROM hub_subscription "
                    "WHERE id = :id"
                ),
                {"id": hub_id},
            )
            sealed, previous = row.one()
            return str(sealed), previous
    finally:
        await engine.dispose()


async def drain(services: Services) -> None:
    while await services.worker.run_once():
        pass


async def test_a_secret_is_stored_only_sealed(
    client: httpx.AsyncClient, services: Services, database_url: str
) -> None:
    created = (await client.post(HUB, json={"callback": "http://127.0.0.1:9/a"})).json()
    sealed, _ = await stored(database_url, created["id"])
    assert created["secret"] not in sealed
    assert Fernet(SECRET_KEY).decrypt(sealed.encode()).decode() == created["secret"]


async def test_after_rotating_the_key_the_old_one_can_go(
    services: Services, database_url: str, receiver: Receiver, clock: FixedClock
) -> None:
    hubs = services.hubs()
    hub = await hubs.register(
        Api.ORDER_COMPLETION,
        callback=receiver.url,
        query="eventType=completionCaseCreateEvent",
        style="callback",
    )
    # A signing secret being rotated: both the new and the previous one are resealed.
    rotated = await hubs.rotate_secret(Api.ORDER_COMPLETION, hub.id, timedelta(hours=1), None)

    env = {"ORDER_COMPLETION_DATABASE_URL": database_url}
    for _ in range(2):  # safe to run again
        result = await asyncio.to_thread(
            CliRunner().invoke,
            app,
            ["secrets", "rotate"],
            env={**env, "ORDER_COMPLETION_SECRET_KEYS": f"{NEW_KEY},{SECRET_KEY}"},
        )
        assert result.exit_code == 0, result.output
        assert "Resealed the secrets of 1 subscriptions under the first key." in result.output
    for sealed in await stored(database_url, hub.id):
        assert sealed is not None
        with pytest.raises(InvalidToken):
            Fernet(SECRET_KEY).decrypt(sealed.encode())

    settings = Settings(
        database_url=database_url, secret_keys=NEW_KEY, callback_allowlist="127.0.0.1"
    )
    only_new = build_services(settings, clock=clock)
    try:
        await open_case(only_new, product_order())
        await drain(only_new)
    finally:
        await only_new.close()
    [request] = receiver.received
    assert Webhook(rotated.secret).verify(request.body, request.headers)
    assert Webhook(hub.secret).verify(request.body, request.headers)  # still in its grace


async def test_a_key_that_opens_nothing_stops_the_rotation_by_name(
    services: Services, database_url: str
) -> None:
    await services.hubs().register(
        Api.ORDER_COMPLETION, callback="http://127.0.0.1:9/a", query=None, style="callback"
    )
    result = await asyncio.to_thread(
        CliRunner().invoke,
        app,
        ["secrets", "rotate"],
        env={
            "ORDER_COMPLETION_DATABASE_URL": database_url,
            "ORDER_COMPLETION_SECRET_KEYS": NEW_KEY,
        },
    )
    assert result.exit_code == 2
    assert "cannot be opened with any configured key" in result.output


def test_without_a_configured_key_one_is_generated_once_for_its_owner_only(
    tmp_path: Path,
) -> None:
    key_file = tmp_path / "data" / "hub-secret.key"
    with captured_logs() as logs:
        first = secret_box("", key_file)
        sealed = first.seal("whsec_c2VjcmV0")
        again = secret_box("", key_file)
    assert again.open(sealed) == "whsec_c2VjcmV0"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    lines = logs.all()
    assert [entry["event"] for entry in lines] == ["hub_secrets.key_generated"]
    assert lines[0]["path"] == str(key_file)
    assert key_file.read_text().strip() not in logs.stream.getvalue()


@pytest.mark.parametrize("keys", ["not-a-key", f"{SECRET_KEY},short"])
def test_a_bad_key_is_named_in_the_settings(keys: str) -> None:
    with pytest.raises(ValueError, match="is not a Fernet key"):
        Settings(secret_keys=keys)


async def test_migration_0015_seals_old_secrets_and_its_downgrade_opens_them(
    empty_database: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With the keys of the settings migrate is given, not those of the environment: the
    service built from the same settings opens what the migration sealed."""
    monkeypatch.setenv("ORDER_COMPLETION_SECRET_KEYS", SECRET_KEY)
    given = Settings(database_url=empty_database, secret_keys=NEW_KEY)
    config = migrate.alembic_config(empty_database, given)
    await asyncio.to_thread(command.upgrade, config, "0014")
    plain, previous = "whsec_b2xkIHNlY3JldA==", "whsec_cHJldmlvdXM="
    engine = create_async_engine(normalise_url(empty_database))
    insert = sa.text(
        "INSERT INTO hub_subscription (id, api, callback, created_at, style, secret, "
        "previous_secret, max_in_flight) VALUES ('hub-1', 'orderCompletion', "
        "'http://127.0.0.1:9/a', :at, 'callback', :secret, :previous, 10)"
    ).bindparams(sa.bindparam("at", type_=UTCDateTime()))
    try:
        async with engine.begin() as connection:
            await connection.execute(
                insert,
                {
                    "at": datetime(2026, 11, 20, 9, tzinfo=UTC),
                    "secret": plain,
                    "previous": previous,
                },
            )
    finally:
        await engine.dispose()

    await migrate.upgrade_async(given)
    sealed = await stored(empty_database, "hub-1")
    assert [Fernet(NEW_KEY).decrypt(str(s).encode()).decode() for s in sealed] == [
        plain,
        previous,
    ]

    await asyncio.to_thread(command.downgrade, config, "0014")
    engine = create_async_engine(normalise_url(empty_database))
    try:
        async with engine.connect() as connection:
            row = await connection.execute(
                sa.text("SELECT secret, previous_secret FROM hub_subscription")
            )
            assert tuple(row.one()) == (plain, previous)
    finally:
        await engine.dispose()


async def test_no_log_line_holds_a_secret(
    client: httpx.AsyncClient, services: Services, receiver: Receiver, database_url: str
) -> None:
    with captured_logs() as logs:
        created = (await client.post(HUB, json={"callback": receiver.url})).json()
        rotated = (await client.post(f"{created['href']}/rotateSecret", json={})).json()
        await client.post(HUB, json={"callback": "http://127.0.0.1:9/nobody-listens"})
        receiver.script(410)
        await open_case(services, product_order())
        await drain(services)
    sealed = await stored(database_url, created["id"])
    written = logs.stream.getvalue()
    events = {entry["event"] for entry in logs.all()}
    assert {"delivery.attempt_failed", "subscription.disabled"} <= events
    for secret in (created["secret"], rotated["secret"], *sealed):
        assert secret
        assert str(secret) not in written


async def test_a_secret_no_key_opens_waits_for_its_key_and_then_goes_out(
    services: Services, database_url: str, receiver: Receiver, clock: FixedClock
) -> None:
    """Started with the wrong key, the service keeps the deliveries of the hub it cannot
    sign for pending (logging it once a round, not once a delivery), says so on /ready,
    and sends them once it is started with the key that sealed the secret."""
    lost = await services.hubs().register(
        Api.ORDER_COMPLETION, callback=f"{receiver.url}/lost", query=None, style="callback"
    )
    wrong_key = Settings(
        database_url=database_url, secret_keys=NEW_KEY, callback_allowlist="127.0.0.1"
    )
    other_keys = build_services(wrong_key, clock=clock)
    try:
        kept = await other_keys.hubs().register(
            Api.ORDER_COMPLETION, callback=f"{receiver.url}/kept", query=None, style="callback"
        )
        await open_case(other_keys, product_order())
        await open_case(other_keys, product_order("PO-2"))
        with captured_logs() as logs:
            await drain(other_keys)
        by_hub = await deliveries_by_hub(other_keys)
        ready = await ready_answer(other_keys)
    finally:
        await other_keys.close()
    assert {request.path for request in receiver.received} == {"/kept"}
    waiting = [(status, error) for hub, status, error in by_hub if hub == lost.id]
    assert len(waiting) >= 2
    assert set(waiting) == {("pending", UNREADABLE_SECRET)}
    assert all(status == "delivered" for hub, status, _ in by_hub if hub == kept.id)
    unreadable = [entry for entry in logs.all() if entry["event"] == "delivery.secret_unreadable"]
    assert [(entry["subscription_id"], entry["level"]) for entry in unreadable] == [
        (lost.id, "error")
    ]
    assert ready.status_code == 503
    assert ready.json()["reason"] == "Hub secrets unreadable"
    assert ready.json()["message"].startswith(
        "1 of the enabled hubs' secrets cannot be opened with any configured key"
    )

    clock.advance(SECRET_RETRY)
    both_keys = Settings(
        database_url=database_url,
        secret_keys=f"{NEW_KEY},{SECRET_KEY}",
        callback_allowlist="127.0.0.1",
    )
    mended = build_services(both_keys, clock=clock)
    try:
        assert (await ready_answer(mended)).status_code == 200
        await drain(mended)
        by_hub = await deliveries_by_hub(mended)
    finally:
        await mended.close()
    assert {status for hub, status, _ in by_hub if hub == lost.id} == {"delivered"}
    paths = [request.path for request in receiver.received]
    assert paths.count("/lost") == len(waiting)


async def deliveries_by_hub(services: Services) -> list[tuple[str, str, str | None]]:
    async with services.db.read() as session:
        rows = await session.scalars(sa.select(Delivery))
        return [(row.subscription_id, row.status, row.last_error) for row in rows]


async def ready_answer(services: Services) -> httpx.Response:
    transport = httpx.ASGITransport(app=create_app(services))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        return await http.get("/ready")


def test_the_generated_key_file_is_logged_by_its_absolute_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The default key file is relative to the working directory; the log says which
    file that was."""
    monkeypatch.chdir(tmp_path)
    with captured_logs() as logs:
        secret_box("", Path("./data/hub-secret.key"))
    [line] = logs.all()
    assert line["path"] == str(tmp_path / "data" / "hub-secret.key")

"""The command line: policy check, import-orders and migrate."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from order_completion.bootstrap import build_services
from order_completion.cli import app
from tests.conftest import SECRET_KEY, settings_for
from tests.orders import business_order, product_order

runner = CliRunner()


def env_of(database_url: str) -> dict[str, str]:
    """The environment of a command on ``database_url``, with the tests' key, so no
    command generates a key file in the working folder."""
    return {
        "ORDER_COMPLETION_DATABASE_URL": database_url,
        "ORDER_COMPLETION_SECRET_KEYS": SECRET_KEY,
    }


BAD_POLICY = """id: broken
version: 1
name: Broken
steps:
  - kind: acceptance
    window: {businessDays: 5, days: 2}
"""


def test_policy_check_accepts_good_files_and_names_problems_in_bad_ones(tmp_path: Path) -> None:
    bundled = Path(__file__).parents[2] / "src/order_completion/policies/bundled/default.yaml"
    good = runner.invoke(app, ["policy", "check", str(bundled)])
    assert good.exit_code == 0
    assert "default v1" in good.output
    bad_file = tmp_path / "broken.yaml"
    bad_file.write_text(BAD_POLICY)
    bad = runner.invoke(app, ["policy", "check", str(bad_file)])
    assert bad.exit_code == 1
    assert f"{bad_file}: steps[0].window: give exactly one of" in bad.output


def test_import_orders_reports_created_duplicate_and_rejected(
    tmp_path: Path, sqlite_url: str
) -> None:
    lines = [
        json.dumps(product_order("IMP-1")),
        json.dumps(business_order("IMP-2")),
        json.dumps(product_order("IMP-1")),
        "{not json",
        json.dumps({**product_order("IMP-4"), "productOrderItem": []}),
        json.dumps(product_order("IMP-2")),
    ]
    source = tmp_path / "orders.ndjson"
    source.write_text("\n".join(lines) + "\n")
    result = runner.invoke(
        app,
        ["import-orders", str(source)],
        env=env_of(sqlite_url),
    )
    assert result.exit_code == 1, result.output
    assert "created 2, duplicate 1, rejected 3" in result.output
    assert "line 4" in result.output
    assert "productOrderItem" in result.output
    assert "different items" in result.output


def test_import_orders_names_each_rejected_order_by_its_id_and_takes_only_trigger_states(
    tmp_path: Path, sqlite_url: str
) -> None:
    run = uuid.uuid4().hex[:8]
    in_progress = f"IMP-{run}-" + "W" * 60  # longer than a narrow terminal's table column
    lines = [
        json.dumps(product_order(f"IMP-{run}-1")),
        json.dumps(product_order(in_progress, state="inProgress")),
        json.dumps({**product_order(f"IMP-{run}-3"), "productOrderItem": []}),
    ]
    source = tmp_path / "orders.ndjson"
    source.write_text("\n".join(lines) + "\n")
    env = {**env_of(sqlite_url), "COLUMNS": "60"}
    result = runner.invoke(app, ["import-orders", str(source)], env=env)
    assert result.exit_code == 1, result.output
    assert "created 1, duplicate 0, rejected 2" in result.output
    assert f"rejected line 2 (order {in_progress}): productOrder.state is inProgress" in (
        result.output
    )
    assert f"rejected line 3 (order IMP-{run}-3): productOrderItem" in result.output
    forced = runner.invoke(app, ["import-orders", "--force", str(source)], env=env)
    assert "created 1, duplicate 1, rejected 1" in forced.output


def test_import_orders_takes_a_json_list(tmp_path: Path, sqlite_url: str) -> None:
    source = tmp_path / "orders.json"
    source.write_text(json.dumps([product_order("IMP-L1"), product_order("IMP-L2")]))
    result = runner.invoke(
        app,
        ["import-orders", str(source)],
        env=env_of(sqlite_url),
    )
    assert result.exit_code == 0, result.output
    assert "created 2, duplicate 0, rejected 0" in result.output


def test_migrate_creates_the_schema_on_a_new_database(tmp_path: Path) -> None:
    database = tmp_path / "fresh" / "new.db"
    result = runner.invoke(
        app, ["migrate"], env={"ORDER_COMPLETION_DATABASE_URL": f"sqlite:///{database}"}
    )
    assert result.exit_code == 0, result.output
    assert database.exists()


def test_a_bad_policy_folder_stops_the_service_with_the_problem(
    tmp_path: Path, sqlite_url: str
) -> None:
    (tmp_path / "broken.yaml").write_text(BAD_POLICY)
    source = tmp_path / "orders.json"
    source.write_text(json.dumps(product_order()))
    result = runner.invoke(
        app,
        ["import-orders", str(source)],
        env={
            "ORDER_COMPLETION_DATABASE_URL": sqlite_url,
            "ORDER_COMPLETION_POLICY_DIR": str(tmp_path),
        },
    )
    assert result.exit_code == 2
    assert "broken.yaml: steps[0].window" in result.output


def test_a_bad_setting_is_named_and_stops_the_command() -> None:
    result = runner.invoke(app, ["migrate"], env={"ORDER_COMPLETION_DATABASE_URL": "mysql://x/y"})
    assert result.exit_code == 2
    assert "Invalid setting ORDER_COMPLETION_DATABASE_URL" in result.output


def test_a_half_configured_transport_names_the_settings_it_needs() -> None:
    """A check over several settings names each variable to set, as one of a single does."""
    result = runner.invoke(app, ["migrate"], env={"ORDER_COMPLETION_MESSAGE_TRANSPORT": "smtp"})
    assert result.exit_code == 2
    assert (
        "Invalid settings: smtp needs ORDER_COMPLETION_MAIL_FROM and ORDER_COMPLETION_SMTP_URL"
        in result.output
    )


def test_a_bad_smtp_url_is_named_without_its_password() -> None:
    """The message says what to fix in the SMTP URL and masks the password it was given."""
    result = runner.invoke(
        app,
        ["migrate"],
        env={
            "ORDER_COMPLETION_MESSAGE_TRANSPORT": "smtp",
            "ORDER_COMPLETION_MAIL_FROM": "orders@op.example",
            "ORDER_COMPLETION_SMTP_URL": "smtp://mailer:hunter2@mail.example.com:twentyfive",
        },
    )
    assert result.exit_code == 2
    assert "Invalid setting ORDER_COMPLETION_SMTP_URL: smtp://mailer:***@" in result.output
    assert "port must be a number" in result.output
    assert "hunter2" not in result.output


def test_an_unreachable_database_is_reported_without_its_password() -> None:
    url = "postgresql://someone:secret@127.0.0.1:1/nowhere"
    result = runner.invoke(app, ["migrate"], env={"ORDER_COMPLETION_DATABASE_URL": url})
    assert result.exit_code == 2
    assert "Cannot use the database postgresql://someone:***@127.0.0.1:1/nowhere" in result.output
    assert "secret" not in result.output


def test_tokens_are_created_listed_and_revoked(sqlite_url: str) -> None:
    env = env_of(sqlite_url)
    created = runner.invoke(
        app, ["token", "create", "--role", "engineer", "--name", "field", "--quiet"], env=env
    )
    assert created.exit_code == 0, created.output
    assert created.output.strip().startswith("oct_")
    again = runner.invoke(
        app, ["token", "create", "--role", "engineer", "--name", "field"], env=env
    )
    assert again.exit_code == 2
    assert "already exists" in again.output
    bad_role = runner.invoke(app, ["token", "create", "--role", "boss", "--name", "x"], env=env)
    assert bad_role.exit_code == 2
    assert "unknown role 'boss'" in bad_role.output
    listed = runner.invoke(app, ["token", "list"], env=env)
    assert "field" in listed.output
    assert created.output.strip() not in listed.output
    assert runner.invoke(app, ["token", "revoke", "field"], env=env).exit_code == 0
    assert runner.invoke(app, ["token", "revoke", "nobody"], env=env).exit_code == 2


def test_token_list_shows_whole_names_and_when_each_was_last_used(sqlite_url: str) -> None:
    env = {**env_of(sqlite_url), "COLUMNS": "60"}
    used_name = "nightly order feed from the billing platform, production " + "x" * 20
    create = ["token", "create", "--role", "integration", "--quiet", "--name"]
    used = runner.invoke(app, [*create, used_name], env=env).output.strip()
    assert runner.invoke(app, [*create, "spare"], env=env).exit_code == 0

    async def call_with(token: str) -> None:
        services = build_services(settings_for(sqlite_url))
        try:
            await services.auth.authenticate(f"Bearer {token}")
        finally:
            await services.close()

    asyncio.run(call_with(used))
    listed = runner.invoke(app, ["token", "list"], env=env)
    assert listed.exit_code == 0, listed.output
    rows = {
        fields[0]: fields
        for fields in (re.split(r"\s{2,}", line.strip()) for line in listed.output.splitlines())
    }
    assert rows["name"][:4] == ["name", "role", "created", "last used"]
    assert rows[used_name][3].startswith(datetime.now(UTC).date().isoformat())
    assert rows["spare"][3] == "never"


def test_import_orders_reads_past_a_byte_order_mark_and_a_line_nested_too_deeply(
    tmp_path: Path, sqlite_url: str
) -> None:
    source = tmp_path / "orders.ndjson"
    lines = [
        json.dumps(product_order("IMP-B1")),
        "[" * 100_000,
        json.dumps(product_order("IMP-B2")),
    ]
    source.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(
        app,
        ["import-orders", str(source)],
        env=env_of(sqlite_url),
    )
    assert result.exit_code == 1, result.output
    assert "created 2, duplicate 0, rejected 1" in result.output
    assert "line 2" in result.output
    assert "nested too deeply" in result.output


@pytest.mark.postgres
def test_an_order_the_database_refuses_is_rejected_alone(tmp_path: Path, postgres_url: str) -> None:
    """A value PostgreSQL refuses (a NUL character, which no schema check catches on this
    path) rejects that order with the reason, and every other order of the file is
    imported."""
    run = uuid.uuid4().hex[:8]
    refused = {**product_order(f"IMP-{run}-X"), "category": "C\x00C"}
    lines = [json.dumps(product_order(f"IMP-{run}-{n}")) for n in range(20)]
    lines.insert(7, json.dumps(refused))
    source = tmp_path / "orders.ndjson"
    source.write_text("\n".join(lines) + "\n")
    result = runner.invoke(
        app,
        ["import-orders", str(source)],
        env=env_of(postgres_url),
    )
    assert result.exit_code == 1, result.output
    assert "created 20, duplicate 0, rejected 1" in result.output
    assert "line 8" in result.output
    assert "refused by the database" in result.output
    assert "INSERT" not in result.output  # the driver's words, not the statement

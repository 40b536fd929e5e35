"""Hub subscriptions get an owner (the key of the credential that registered them), and
their signing secrets are sealed at rest.

Hubs registered before owners existed keep no owner: only administrators see and manage
them. Every plaintext secret (current and previous) is sealed into new columns with the keys
the service is configured with (``ORDER_COMPLETION_SECRET_KEYS``, else the generated key
file), taken from the settings ``migrate.upgrade`` was given (the environment's when Alembic
runs alone); the plaintext columns are then dropped. Going back opens them again into
plaintext columns, with the same keys.

The columns are added and dropped in place (no table rebuild on SQLite, which would cascade
the deletion of the old table to every delivery), so SQLite 3.35 or later is needed.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-27 15:40:00
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import context, op

from order_completion.events.sealing import SecretBox, secret_box

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Each plaintext column of 0014, and the sealed column that replaces it.
SEALED = {"secret": "sealed_secret", "previous_secret": "previous_sealed_secret"}


def _configured_box() -> SecretBox:
    """The keys of the settings migrate was called with, so the service opens what is
    sealed here."""
    from order_completion.migrate import settings_of

    settings = settings_of(context.config)
    return secret_box(settings.secret_keys, settings.secret_key_file)


def _with_configured_box(use: Callable[[SecretBox, str], str]) -> Callable[[str], str]:
    """``use`` with the configured box, loaded only when there is something to convert."""
    box: SecretBox | None = None

    def change(value: str) -> str:
        nonlocal box
        box = box or _configured_box()
        return use(box, value)

    return change


def _convert(source: str, target: str, change: Callable[[str], str]) -> None:
    """Write ``change(value)`` of every non-empty ``source`` into ``target``."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(f"SELECT id, {source} FROM hub_subscription WHERE {source} <> ''")
    ).all()
    if not rows:
        return
    bind.execute(
        sa.text(f"UPDATE hub_subscription SET {target} = :value WHERE id = :id"),
        [{"id": row_id, "value": change(value)} for row_id, value in rows],
    )


def upgrade() -> None:
    op.add_column("hub_subscription", sa.Column("owner", sa.String(length=80), nullable=True))
    op.create_index("ix_hub_subscription_owner", "hub_subscription", ["owner"])
    op.add_column(
        "hub_subscription",
        sa.Column("sealed_secret", sa.Text(), nullable=False, server_default=""),
    )
    op.add_column("hub_subscription", sa.Column("previous_sealed_secret", sa.Text()))
    seal = _with_configured_box(SecretBox.seal)
    for plain, sealed in SEALED.items():
        _convert(plain, sealed, seal)
        op.drop_column("hub_subscription", plain)


def downgrade() -> None:
    op.add_column(
        "hub_subscription",
        sa.Column("secret", sa.String(length=100), nullable=False, server_default=""),
    )
    op.add_column("hub_subscription", sa.Column("previous_secret", sa.String(length=100)))
    unseal = _with_configured_box(SecretBox.open)
    for plain, sealed in SEALED.items():
        _convert(sealed, plain, unseal)
        op.drop_column("hub_subscription", sealed)
    op.drop_index("ix_hub_subscription_owner", table_name="hub_subscription")
    op.drop_column("hub_subscription", "owner")

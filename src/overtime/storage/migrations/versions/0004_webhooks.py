"""Enterprise webhooks: one subscription per corp, and the delivery state of every callback.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhook_configs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("corp_id", sa.String(64), nullable=False, unique=True),
        sa.Column("subscriber_id", sa.String(128), nullable=False),
        sa.Column("subscriber_key", sa.String(255), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("cursor", sa.BigInteger, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("config_id", sa.String(32), nullable=False),
        sa.Column("ledger_id", sa.BigInteger, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("conference_id", sa.String(20), nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("event_info", sa.Text, nullable=False),
        sa.Column("idempotency_key", sa.String(128), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.BigInteger, nullable=False),
        sa.Column("first_attempt_at", sa.BigInteger, nullable=True),
        sa.Column("done_at", sa.BigInteger, nullable=True),
        sa.Column("last_error", sa.String(255), nullable=False),
        sa.UniqueConstraint("config_id", "ledger_id", "seq", name="uq_webhook_deliveries_event"),
    )
    op.create_index("ix_webhook_deliveries_due", "webhook_deliveries", ["state", "next_attempt_at"])
    op.create_index(
        "ix_webhook_deliveries_meeting",
        "webhook_deliveries",
        ["config_id", "conference_id", "state", "ledger_id"],
    )


def downgrade() -> None:
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_configs")

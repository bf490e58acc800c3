"""Initial schema: accounts, apps, tokens, throttles, meetings and their ledger.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("account", sa.String(255), nullable=False, unique=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("corp_id", sa.String(64), nullable=False),
        sa.Column("is_admin", sa.Boolean, nullable=False),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("app_id", sa.String(128), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "apps",
        sa.Column("app_id", sa.String(128), primary_key=True),
        sa.Column("app_key", sa.String(255), nullable=False),
        sa.Column("corp_id", sa.String(64), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "app_nonces",
        sa.Column("app_id", sa.String(128), primary_key=True),
        sa.Column("nonce", sa.String(128), primary_key=True),
        sa.Column("keep_until", sa.BigInteger, nullable=True),
    )
    op.create_table(
        "access_tokens",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("refresh_digest", sa.String(64), nullable=False, unique=True),
        sa.Column("account_id", sa.String(32), nullable=False),
        sa.Column("client_type", sa.Integer, nullable=False),
        sa.Column("client_ip", sa.String(64), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("expires_at", sa.BigInteger, nullable=False),
        sa.Column("refresh_expires_at", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_access_tokens_account_id", "access_tokens", ["account_id"])
    op.create_table(
        "throttles",
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("window_start", sa.BigInteger, nullable=False),
        sa.Column("locked_until", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "meetings",
        sa.Column("conference_id", sa.String(20), primary_key=True),
        sa.Column("owner_id", sa.String(32), nullable=False),
        sa.Column("corp_id", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(128), nullable=False),
        sa.Column("media_types", sa.String(64), nullable=False),
        sa.Column("length", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("scheduled_start", sa.BigInteger, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("chair_password", sa.String(16), nullable=False),
        sa.Column("guest_password", sa.String(16), nullable=False),
        sa.Column("allow_guest_start", sa.Boolean, nullable=False),
        sa.Column("prolong_step", sa.Integer, nullable=False),
        sa.Column("conf_uuid", sa.String(32), nullable=False),
        sa.Column("started_at", sa.BigInteger, nullable=True),
        sa.Column("end_at", sa.BigInteger, nullable=True),
        sa.Column("ended_reason", sa.String(32), nullable=False),
        sa.Column("deadline_at", sa.BigInteger, nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("details", sa.Text, nullable=False),
    )
    op.create_index("ix_meetings_owner_id", "meetings", ["owner_id"])
    op.create_index("ix_meetings_corp_id", "meetings", ["corp_id"])
    op.create_index("ix_meetings_deadline_at", "meetings", ["deadline_at"])
    op.create_index("ix_meetings_state_start", "meetings", ["state", "scheduled_start"])
    op.create_table(
        "control_tokens",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("conference_id", sa.String(20), nullable=False),
        sa.Column("conf_uuid", sa.String(32), nullable=False),
        sa.Column("role", sa.Integer, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("expires_at", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_control_tokens_conference_id", "control_tokens", ["conference_id"])
    op.create_table(
        "meeting_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("conference_id", sa.String(20), nullable=False),
        sa.Column("conf_uuid", sa.String(32), nullable=False),
        sa.Column("at", sa.BigInteger, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("old_end", sa.BigInteger, nullable=True),
        sa.Column("new_end", sa.BigInteger, nullable=True),
        sa.Column("detail", sa.String(255), nullable=False),
    )
    op.create_index("ix_meeting_events_conference", "meeting_events", ["conference_id", "id"])


def downgrade() -> None:
    for table in (
        "meeting_events",
        "control_tokens",
        "meetings",
        "throttles",
        "access_tokens",
        "app_nonces",
        "apps",
        "accounts",
    ):
        op.drop_table(table)

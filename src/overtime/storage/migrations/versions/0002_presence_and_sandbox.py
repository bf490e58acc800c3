"""Participants of meeting runs, and the sandbox clock's stored offset.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "participants",
        sa.Column("participant_id", sa.String(32), primary_key=True),
        sa.Column("conference_id", sa.String(20), nullable=False),
        sa.Column("conf_uuid", sa.String(32), nullable=False),
        sa.Column("name", sa.String(96), nullable=False),
        sa.Column("role", sa.Integer, nullable=False),
        sa.Column("joined_at", sa.BigInteger, nullable=False),
        sa.Column("left_at", sa.BigInteger, nullable=True),
    )
    op.create_index("ix_participants_run", "participants", ["conference_id", "conf_uuid"])
    op.create_table(
        "sandbox_state",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("clock_offset_ms", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("sandbox_state")
    op.drop_table("participants")

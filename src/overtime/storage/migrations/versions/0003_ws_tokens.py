"""One-minute, single-use tokens for the meeting-control WebSocket.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ws_tokens",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("conference_id", sa.String(20), nullable=False),
        sa.Column("conf_uuid", sa.String(32), nullable=False),
        sa.Column("role", sa.Integer, nullable=False),
        sa.Column("expires_at", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("ws_tokens")

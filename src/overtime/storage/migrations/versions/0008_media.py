"""Janus video rooms under the meetings (issue 16): each running meeting's room and who joined it
as which site.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "media_rooms",
        sa.Column("conference_id", sa.String(20), primary_key=True),
        sa.Column("conf_uuid", sa.String(32), nullable=False),
        sa.Column("secret", sa.String(64), nullable=False),
        sa.Column("lock_pin", sa.String(64), nullable=False),
        sa.Column("pin_applied", sa.String(8), nullable=False),
        sa.Column("last_error", sa.String(255), nullable=False),
    )
    op.create_table(
        "media_participants",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("conference_id", sa.String(20), nullable=False),
        sa.Column("conf_uuid", sa.String(32), nullable=False),
        sa.Column("janus_id", sa.String(24), nullable=False),
        sa.Column("session_id", sa.String(24), nullable=False),
        sa.Column("participant_id", sa.String(32), nullable=False),
        sa.Column("display", sa.String(96), nullable=False),
        sa.Column("audio_mid", sa.String(16), nullable=False),
        sa.Column("mute_applied", sa.Integer, nullable=False),
        sa.Column("state", sa.String(8), nullable=False),
        sa.UniqueConstraint("conf_uuid", "janus_id", name="uq_media_participants_feed"),
        sa.Index("ix_media_participants_session", "session_id"),
    )


def downgrade() -> None:
    op.drop_table("media_participants")
    op.drop_table("media_rooms")

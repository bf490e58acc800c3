"""People in a running meeting (BEHAVIOUR §8): each site's state, number and flags, the
meeting-wide control state of the run, and one attendance row per join/leave session.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

FLAGS = ("mute", "hand", "video", "cohost", "broadcast", "rollcall", "invited")


def upgrade() -> None:
    with op.batch_alter_table("participants") as batch:
        batch.add_column(sa.Column("phone", sa.String(32), nullable=False, server_default=""))
        batch.add_column(sa.Column("state", sa.Integer, nullable=False, server_default="0"))
        for flag in FLAGS:
            batch.add_column(sa.Column(flag, sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("call_expires", sa.BigInteger, nullable=True))
        batch.create_index("ix_participants_phone", ["phone"])
    with op.batch_alter_table("meetings") as batch:
        batch.add_column(sa.Column("room", sa.Text, nullable=False, server_default="{}"))
    op.create_table(
        "attendance",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("conference_id", sa.String(20), nullable=False),
        sa.Column("conf_uuid", sa.String(32), nullable=False),
        sa.Column("participant_id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(96), nullable=False),
        sa.Column("phone", sa.String(32), nullable=False),
        sa.Column("joined_at", sa.BigInteger, nullable=False),
        sa.Column("left_at", sa.BigInteger, nullable=True),
        sa.Index("ix_attendance_run", "conf_uuid", "id"),
        sa.Index("ix_attendance_open", "participant_id", "left_at"),
    )


def downgrade() -> None:
    op.drop_table("attendance")
    with op.batch_alter_table("meetings") as batch:
        batch.drop_column("room")
    with op.batch_alter_table("participants") as batch:
        batch.drop_index("ix_participants_phone")
        for column in ("call_expires", *reversed(FLAGS), "state", "phone"):
            batch.drop_column(column)

"""Recurring meetings (BEHAVIOUR §9): a meeting's series and current sub-meeting, the
sub-meeting of each ledger entry, and the archived runs of series that moved on.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("meetings") as batch:
        batch.add_column(sa.Column("cycle_sub_id", sa.String(32), nullable=False, server_default=""))
        batch.add_column(sa.Column("series", sa.Text, nullable=True))
    with op.batch_alter_table("meeting_events") as batch:
        batch.add_column(sa.Column("cycle_sub_id", sa.String(32), nullable=False, server_default=""))
    op.create_table(
        "meeting_runs",
        sa.Column("conference_id", sa.String(20), nullable=False),
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
        sa.Column("conf_uuid", sa.String(32), primary_key=True),
        sa.Column("started_at", sa.BigInteger, nullable=True),
        sa.Column("end_at", sa.BigInteger, nullable=True),
        sa.Column("ended_reason", sa.String(32), nullable=False),
        sa.Column("deadline_at", sa.BigInteger, nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("details", sa.Text, nullable=False),
        sa.Column("room", sa.Text, nullable=False, server_default="{}"),
        sa.Column("cycle_sub_id", sa.String(32), nullable=False, server_default=""),
        sa.Column("series", sa.Text, nullable=True),
    )
    op.create_index("ix_meeting_runs_corp_start", "meeting_runs", ["corp_id", "scheduled_start"])
    op.create_index("ix_meeting_runs_conference", "meeting_runs", ["conference_id"])


def downgrade() -> None:
    op.drop_index("ix_meeting_runs_conference", table_name="meeting_runs")
    op.drop_index("ix_meeting_runs_corp_start", table_name="meeting_runs")
    op.drop_table("meeting_runs")
    with op.batch_alter_table("meeting_events") as batch:
        batch.drop_column("cycle_sub_id")
    with op.batch_alter_table("meetings") as batch:
        batch.drop_column("series")
        batch.drop_column("cycle_sub_id")

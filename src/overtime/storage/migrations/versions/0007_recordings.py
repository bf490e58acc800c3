"""Recordings (BEHAVIOUR §10): one entry per run that recorded, and the single-use download
tokens of their files.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "recordings",
        sa.Column("conf_uuid", sa.String(32), primary_key=True),
        sa.Column("conference_id", sa.String(20), nullable=False),
        sa.Column("corp_id", sa.String(64), nullable=False),
        sa.Column("owner_id", sa.String(32), nullable=False),
        sa.Column("subject", sa.String(128), nullable=False),
        sa.Column("meeting_start", sa.BigInteger, nullable=False),
        sa.Column("rec_start", sa.BigInteger, nullable=False),
        sa.Column("rec_end", sa.BigInteger, nullable=False),
        sa.Column("rec_ms", sa.BigInteger, nullable=False),
        sa.Column("record_auth_type", sa.Integer, nullable=False),
        sa.Index("ix_recordings_corp_start", "corp_id", "rec_start"),
    )
    op.create_table(
        "download_tokens",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("conf_uuid", sa.String(32), nullable=False),
        sa.Column("file_type", sa.String(8), nullable=False),
        sa.Column("expires_at", sa.BigInteger, nullable=False),
        sa.Index("ix_download_tokens_conf_uuid", "conf_uuid"),
    )


def downgrade() -> None:
    op.drop_table("download_tokens")
    op.drop_table("recordings")

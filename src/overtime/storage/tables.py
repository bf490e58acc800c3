"""The schema. Times are epoch milliseconds (UTC) in BIGINT columns, portable and index-friendly.
Alembic migrations under `migrations/` create exactly this; `tests/storage` checks they agree."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

accounts = Table(
    "accounts",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("account", String(255), nullable=False, unique=True),
    Column("name", String(255), nullable=False),
    Column("corp_id", String(64), nullable=False),
    Column("is_admin", Boolean, nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("app_id", String(128), nullable=False),
    Column("created_at", BigInteger, nullable=False),
)

apps = Table(
    "apps",
    metadata,
    Column("app_id", String(128), primary_key=True),
    Column("app_key", String(255), nullable=False),
    Column("corp_id", String(64), nullable=False),
    Column("created_at", BigInteger, nullable=False),
)

app_nonces = Table(
    "app_nonces",
    metadata,
    Column("app_id", String(128), primary_key=True),
    Column("nonce", String(128), primary_key=True),
    Column("keep_until", BigInteger, nullable=True),
)

access_tokens = Table(
    "access_tokens",
    metadata,
    Column("digest", String(64), primary_key=True),
    Column("refresh_digest", String(64), nullable=False, unique=True),
    Column("account_id", String(32), nullable=False, index=True),
    Column("client_type", Integer, nullable=False),
    Column("client_ip", String(64), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Column("refresh_expires_at", BigInteger, nullable=False),
)

throttles = Table(
    "throttles",
    metadata,
    Column("key", String(255), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("window_start", BigInteger, nullable=False),
    Column("locked_until", BigInteger, nullable=False),
)

meetings = Table(
    "meetings",
    metadata,
    Column("conference_id", String(20), primary_key=True),
    Column("owner_id", String(32), nullable=False, index=True),
    Column("corp_id", String(64), nullable=False, index=True),
    Column("subject", String(128), nullable=False),
    Column("media_types", String(64), nullable=False),
    Column("length", Integer, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("state", String(16), nullable=False),
    Column("scheduled_start", BigInteger, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("chair_password", String(16), nullable=False),
    Column("guest_password", String(16), nullable=False),
    Column("allow_guest_start", Boolean, nullable=False),
    Column("prolong_step", Integer, nullable=False),
    Column("conf_uuid", String(32), nullable=False),
    Column("started_at", BigInteger, nullable=True),
    Column("end_at", BigInteger, nullable=True),
    Column("ended_reason", String(32), nullable=False),
    Column("deadline_at", BigInteger, nullable=True),
    Column("version", Integer, nullable=False),
    Column("details", Text, nullable=False),
    Column("room", Text, nullable=False, server_default="{}"),
    Column("cycle_sub_id", String(32), nullable=False, server_default=""),
    Column("series", Text, nullable=True),
    Index("ix_meetings_deadline_at", "deadline_at"),
    Index("ix_meetings_state_start", "state", "scheduled_start"),
)

meeting_runs = Table(
    "meeting_runs",
    metadata,
    *[
        Column(
            c.name,
            c.type,
            primary_key=c.name == "conf_uuid",
            nullable=c.nullable,
            server_default=getattr(c.server_default, "arg", None),
        )
        for c in meetings.columns
    ],
    Index("ix_meeting_runs_corp_start", "corp_id", "scheduled_start"),
    Index("ix_meeting_runs_conference", "conference_id"),
)
"""Ended runs of recurring meetings, once the series has moved on to its next sub-meeting:
the columns of `meetings` in the same order, keyed by conf_uuid, so history UNIONs the two."""

control_tokens = Table(
    "control_tokens",
    metadata,
    Column("digest", String(64), primary_key=True),
    Column("conference_id", String(20), nullable=False, index=True),
    Column("conf_uuid", String(32), nullable=False),
    Column("role", Integer, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
)

meeting_events = Table(
    "meeting_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("conference_id", String(20), nullable=False),
    Column("conf_uuid", String(32), nullable=False),
    Column("at", BigInteger, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("old_end", BigInteger, nullable=True),
    Column("new_end", BigInteger, nullable=True),
    Column("detail", String(255), nullable=False),
    Column("cycle_sub_id", String(32), nullable=False, server_default=""),
    Index("ix_meeting_events_conference", "conference_id", "id"),
)

participants = Table(
    "participants",
    metadata,
    Column("participant_id", String(32), primary_key=True),
    Column("conference_id", String(20), nullable=False),
    Column("conf_uuid", String(32), nullable=False),
    Column("name", String(96), nullable=False),
    Column("role", Integer, nullable=False),
    Column("joined_at", BigInteger, nullable=False),
    Column("left_at", BigInteger, nullable=True),
    Column("phone", String(32), nullable=False, server_default=""),
    Column("state", Integer, nullable=False, server_default="0"),
    Column("mute", Integer, nullable=False, server_default="0"),
    Column("hand", Integer, nullable=False, server_default="0"),
    Column("video", Integer, nullable=False, server_default="0"),
    Column("cohost", Integer, nullable=False, server_default="0"),
    Column("broadcast", Integer, nullable=False, server_default="0"),
    Column("rollcall", Integer, nullable=False, server_default="0"),
    Column("invited", Integer, nullable=False, server_default="0"),
    Column("call_expires", BigInteger, nullable=True),
    Index("ix_participants_run", "conference_id", "conf_uuid"),
    Index("ix_participants_phone", "phone"),
)

attendance = Table(
    "attendance",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("conference_id", String(20), nullable=False),
    Column("conf_uuid", String(32), nullable=False),
    Column("participant_id", String(32), nullable=False),
    Column("name", String(96), nullable=False),
    Column("phone", String(32), nullable=False),
    Column("joined_at", BigInteger, nullable=False),
    Column("left_at", BigInteger, nullable=True),
    Index("ix_attendance_run", "conf_uuid", "id"),
    Index("ix_attendance_open", "participant_id", "left_at"),
)

sandbox_state = Table(
    "sandbox_state",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("clock_offset_ms", BigInteger, nullable=False),
)

ws_tokens = Table(
    "ws_tokens",
    metadata,
    Column("digest", String(64), primary_key=True),
    Column("conference_id", String(20), nullable=False),
    Column("conf_uuid", String(32), nullable=False),
    Column("role", Integer, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
)

webhook_configs = Table(
    "webhook_configs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("corp_id", String(64), nullable=False, unique=True),
    Column("subscriber_id", String(128), nullable=False),
    Column("subscriber_key", String(255), nullable=False),
    Column("url", Text, nullable=False),
    Column("status", Integer, nullable=False),
    Column("cursor", BigInteger, nullable=False),
    Column("created_at", BigInteger, nullable=False),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("config_id", String(32), nullable=False),
    Column("ledger_id", BigInteger, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("conference_id", String(20), nullable=False),
    Column("event", String(32), nullable=False),
    Column("event_info", Text, nullable=False),
    Column("idempotency_key", String(128), nullable=False),
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", BigInteger, nullable=False),
    Column("first_attempt_at", BigInteger, nullable=True),
    Column("done_at", BigInteger, nullable=True),
    Column("last_error", String(255), nullable=False),
    UniqueConstraint("config_id", "ledger_id", "seq", name="uq_webhook_deliveries_event"),
    Index("ix_webhook_deliveries_due", "state", "next_attempt_at"),
    Index("ix_webhook_deliveries_meeting", "config_id", "conference_id", "state", "ledger_id"),
)

recordings = Table(
    "recordings",
    metadata,
    Column("conf_uuid", String(32), primary_key=True),
    Column("conference_id", String(20), nullable=False),
    Column("corp_id", String(64), nullable=False),
    Column("owner_id", String(32), nullable=False),
    Column("subject", String(128), nullable=False),
    Column("meeting_start", BigInteger, nullable=False),
    Column("rec_start", BigInteger, nullable=False),
    Column("rec_end", BigInteger, nullable=False),
    Column("rec_ms", BigInteger, nullable=False),
    Column("record_auth_type", Integer, nullable=False),
    Index("ix_recordings_corp_start", "corp_id", "rec_start"),
)

download_tokens = Table(
    "download_tokens",
    metadata,
    Column("digest", String(64), primary_key=True),
    Column("conf_uuid", String(32), nullable=False, index=True),
    Column("file_type", String(8), nullable=False),
    Column("expires_at", BigInteger, nullable=False),
)

media_rooms = Table(
    "media_rooms",
    metadata,
    Column("conference_id", String(20), primary_key=True),
    Column("conf_uuid", String(32), nullable=False),
    Column("secret", String(64), nullable=False),
    Column("lock_pin", String(64), nullable=False),
    Column("pin_applied", String(8), nullable=False),
    Column("last_error", String(255), nullable=False),
)
"""The Janus video room of each running meeting (issue 16): its run, its per-run secret (never
shown), the pin a locked meeting rotates to, which pin Janus has (`` none yet, `guest`, `lock`),
and the last failure of a Janus call about it (written to the ledger once)."""

media_participants = Table(
    "media_participants",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("conference_id", String(20), nullable=False),
    Column("conf_uuid", String(32), nullable=False),
    Column("janus_id", String(24), nullable=False),
    Column("session_id", String(24), nullable=False),
    Column("participant_id", String(32), nullable=False),
    Column("display", String(96), nullable=False),
    Column("audio_mid", String(16), nullable=False),
    Column("mute_applied", Integer, nullable=False),
    Column("state", String(8), nullable=False),
    UniqueConstraint("conf_uuid", "janus_id", name="uq_media_participants_feed"),
    Index("ix_media_participants_session", "session_id"),
)
"""Who joined a Janus room as which Overtime site (`participant_id`): `in`, `gone` (left Janus)
or `kicked` (Overtime removed them from Janus)."""

"""The meeting-control WebSocket's frames (reference §6): Huawei's field names, flat payloads."""

from __future__ import annotations

import json
import uuid
from typing import Any

from overtime.domain.clock import to_ms
from overtime.domain.meeting import Meeting
from overtime.domain.presence import Participant
from overtime.domain.tokens import Role

BASIC = "ConfBasicInfoNotify"
DYNAMIC = "ConfDynamicInfoNotify"
PARTICIPANTS = "ParticipantsNotify"
ENDING_SOON = "ConfEndingSoonNotify"
"""Our own addition: sent 10, 5 and 1 minutes before an end that no auto-extension will move."""
SUPPORTED = (BASIC, DYNAMIC, PARTICIPANTS, ENDING_SOON)


def _frame(action: str, m: Meeting, version: int, now_ms: int, payload: dict[str, Any]) -> str:
    return json.dumps(
        {
            "action": action,
            "version": version,
            "createTime": now_ms,
            "msgID": uuid.uuid4().hex,
            "msgMode": 0,
            "confID": m.conference_id,
            **payload,
        },
        separators=(",", ":"),
    )


def basic(m: Meeting, role: Role, version: int, now_ms: int) -> str:
    pwds = [{"role": "general", "pwd": m.guest_password}]
    if role is Role.CHAIR:
        pwds.insert(0, {"role": "chair", "pwd": m.chair_password})
    return _frame(
        BASIC,
        m,
        version,
        now_ms,
        {
            "displayID": m.conference_id,
            "title": m.subject,
            "startTime": str(to_ms(m.start_time)),
            "scheduledStartTime": str(to_ms(m.scheduled_start)),
            "pwds": pwds,
            "recType": 0,
            "media": 1 if m.media_types.strip().lower() == "voice" else 2,
            "ownerID": m.owner_id,
            "supportWatermark": 0,
            "callInRestriction": 0,
            "confMode": "RTC",
            "realTimeSubtitle": 0,
        },
    )


def dynamic(m: Meeting, version: int, now_ms: int) -> str:
    return _frame(
        DYNAMIC,
        m,
        version,
        now_ms,
        {
            "endTime": str(to_ms(m.end_time)),
            "state": m.state.value if m.is_open else "Destroyed",
            "mode": "FREE",
            "vas": 0,
            "lock": 0,
            "mute": 0,
            "lockSharing": 0,
            "canUnmute": 1,
            "chairView": 0,
            "recState": 0,
            "forbiddenChat": 0,
            "recOccurred": 0,
            "realTimeSubtitle": 0,
        },
    )


def participants(m: Meeting, present: list[Participant], version: int, now_ms: int) -> str:
    return _frame(
        PARTICIPANTS,
        m,
        version,
        now_ms,
        {
            "participants": [
                {
                    "pid": p.participant_id,
                    "name": p.name,
                    "role": int(p.role),
                    "state": 0,
                    "joinTime": str(to_ms(p.joined_at)),
                }
                for p in present
            ],
        },
    )


def ending_soon(m: Meeting, minutes_left: int, version: int, now_ms: int) -> str:
    return _frame(
        ENDING_SOON, m, version, now_ms, {"endTime": str(to_ms(m.end_time)), "minutesLeft": minutes_left}
    )


def subscribe_reply(sequence: str, code: int, description: str) -> str:
    return json.dumps(
        {"action": "Subscribe", "sequence": sequence, "data": {"returnCode": code, "returnDesc": description}}
    )

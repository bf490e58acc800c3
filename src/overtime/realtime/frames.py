"""The meeting-control WebSocket's frames (reference §6): Huawei's field names, flat payloads."""

from __future__ import annotations

import json
import uuid
from typing import Any

from overtime.domain.clock import to_ms
from overtime.domain.meeting import Meeting
from overtime.domain.presence import Participant
from overtime.domain.room_state import Invitee
from overtime.domain.tokens import Role

BASIC = "ConfBasicInfoNotify"
DYNAMIC = "ConfDynamicInfoNotify"
PARTICIPANTS = "ParticipantsNotify"
ATTENDEES = "AttendeesNotify"
WAITING_LIST = "WaitingListNotify"
INVITE_RESULT = "InviteResultNotify"
ENDING_SOON = "ConfEndingSoonNotify"
"""Our own addition: sent 10, 5 and 1 minutes before an end that no auto-extension will move."""
SUPPORTED = (BASIC, DYNAMIC, PARTICIPANTS, ATTENDEES, WAITING_LIST, INVITE_RESULT, ENDING_SOON)
FULL, INCREMENTAL = 0, 1
"""`msgMode`: the whole list, or only what changed."""
UPSERT, REMOVE = 0, 1
"""An item's `mode`: refresh (add or change) this entry, or remove it."""

# `InviteResultNotify` result codes (reference §5.3).
CALL_OK = "0"
NO_ANSWER = "11111003"
"""SIP signalling timeout: nobody answered."""
LEFT_BY_ITSELF = "11076010"
HUNG_UP_BY_PORTAL = "11076016"


def _frame(
    action: str, m: Meeting, version: int, now_ms: int, payload: dict[str, Any], mode: int = FULL
) -> str:
    return json.dumps(
        {
            "action": action,
            "version": version,
            "createTime": now_ms,
            "msgID": uuid.uuid4().hex,
            "msgMode": mode,
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
    room = m.room
    return _frame(
        DYNAMIC,
        m,
        version,
        now_ms,
        {
            "endTime": str(to_ms(m.end_time)),
            "state": m.state.value if m.is_open else "Destroyed",
            "mode": room.mode,
            "vas": 0,
            "lock": room.lock,
            "mute": room.mute,
            "lockSharing": room.lock_sharing,
            "canUnmute": room.can_unmute,
            "callInRestriction": room.call_in_restriction,
            "audienceCallInRestriction": room.audience_call_in_restriction,
            "chairView": 0,
            "recState": room.rec_state,
            "forbiddenChat": 1 if room.chat_permission == 1 else 0,
            "enableShareSetting": room.free_share,
            "clientRecMode": room.client_rec_mode,
            "recOccurred": room.rec_occurred,
            "pause": room.pause,
            "waitingRoomState": room.waiting_room,
            "realTimeSubtitle": 0,
        },
    )


def _flag(value: bool) -> str:
    return "1" if value else "0"


def pinfo(p: Participant) -> dict[str, str]:
    """A site's `pinfoMap` (reference §3.2): every value a string."""
    return {
        "NAME": p.name,
        "TEL": p.phone,
        "ROLE": "1" if p.role is Role.CHAIR else "0",
        "STATE": str(int(p.state)),
        "MUTE": _flag(p.mute),
        "HAND": _flag(p.hand),
        "VIDEO": _flag(p.video),
        "BROADCAST": _flag(p.broadcast),
        "ROLLCALL": _flag(p.rollcall),
        "IS_COHOST": _flag(p.cohost),
        "SHARE": "0",
        "ANONYMOUS": "0",
        "ADDTIME": str(to_ms(p.joined_at)),
        "CLICENT_LOGIN_TYPE": "OtherType",
        "CLIENT_LOGIN_TYPE": "OtherType",
    }


def waiting_info(p: Participant) -> dict[str, str]:
    """A waiting site's `pinfoMap` (reference §5.2)."""
    return {
        "NAME": p.name,
        "TEL": p.phone,
        "ADDTIME": str(to_ms(p.joined_at)),
        "ANONYMOUS": "0",
        "WAITINGSTATE": "0",
        "CLICENT_LOGIN_TYPE": "OtherType",
        "CLIENT_LOGIN_TYPE": "OtherType",
    }


def items(
    action: str, m: Meeting, entries: list[dict[str, Any]], version: int, now_ms: int, mode: int
) -> str:
    """A list frame (`ParticipantsNotify`, `WaitingListNotify`, `AttendeesNotify`,
    `InviteResultNotify`): `data` is the whole list (`FULL`) or the entries that changed."""
    return _frame(action, m, version, now_ms, {"data": entries}, mode)


def site_entry(pid: str, fields: dict[str, str], mode: int = UPSERT) -> dict[str, Any]:
    return {"pid": pid, "mode": mode, "pinfoMap": fields}


def attendee_entry(i: Invitee, mode: int = UPSERT) -> dict[str, Any]:
    """`AttendeeNotifyDTO` (reference §5.1)."""
    return {
        "mode": mode,
        "participantID": "",
        "userUUID": i.user_uuid,
        "accountId": i.account_id,
        "name": i.name,
        "phone": i.phone,
        "role": i.role,
        "type": i.type,
        "isMute": 0,
        "isAutoInvite": 0,
    }


def invite_result(number: str, code: str) -> dict[str, Any]:
    return {"callNumber": number, "resultCode": code}


def ending_soon(m: Meeting, minutes_left: int, version: int, now_ms: int) -> str:
    return _frame(
        ENDING_SOON, m, version, now_ms, {"endTime": str(to_ms(m.end_time)), "minutesLeft": minutes_left}
    )


def subscribe_reply(sequence: str, code: int, description: str) -> str:
    return json.dumps(
        {"action": "Subscribe", "sequence": sequence, "data": {"returnCode": code, "returnDesc": description}}
    )

"""Huawei's wire format, outbound: the camelCase answers built from domain objects (token
objects, `ConferenceInfo`, pages, control records). Requests are parsed in `api/wire.py`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from overtime.api.wire import fmt_time
from overtime.domain.accounts import Account
from overtime.domain.clock import to_ms
from overtime.domain.meeting import Meeting, MeetingKind, MeetingState
from overtime.domain.presence import Participant, SiteState
from overtime.domain.recording import Recording
from overtime.domain.tokens import AccessToken, IssuedControlToken
from overtime.storage.rows import AttendanceRow
from overtime.storage.sql import LedgerEntry

SUPPORTED_NOTIFY_TYPES = (
    "ConfBasicInfoNotify",
    "ConfDynamicInfoNotify",
    "ParticipantsNotify",
    "ConfEndingSoonNotify",
)


def _user_info(account: Account) -> dict[str, Any]:
    return {
        "userId": account.id,
        "ucloginAccount": account.account,
        "name": account.name,
        "companyId": account.corp_id,
        "corpType": 0,
        "userType": 2,
        "adminType": 1 if account.is_admin else 2,
        "status": 0,
        "realm": "overtime.local",
        "appId": account.app_id or None,
        "freeUser": False,
        "paidAccount": "",
        "isBindPhone": False,
    }


def token_object(
    token: str, record: AccessToken, account: Account, now: datetime, *, refresh_token: str | None
) -> dict[str, Any]:
    """The USG token object (reference §3.6)."""
    body: dict[str, Any] = {
        "accessToken": token,
        "tokenIp": record.client_ip,
        "validPeriod": max(0, int((record.expires_at - now).total_seconds())),
        "expireTime": int(record.expires_at.timestamp()),
        "createTime": to_ms(record.created_at),
        "user": _user_info(account),
        "clientType": record.client_type,
        "forceLoginInd": 0,
        "firstLogin": False,
        "pwdExpired": False,
        "daysPwdAvailable": 0,
        "delayDelete": False,
        "tokenType": 0,
    }
    if refresh_token is not None:
        body["refreshToken"] = refresh_token
        body["refreshValidPeriod"] = max(0, int((record.refresh_expires_at - now).total_seconds()))
        body["refreshExpireTime"] = int(record.refresh_expires_at.timestamp())
        body["refreshCreateTime"] = to_ms(record.created_at)
    return body


def _invited(m: Meeting) -> list[dict[str, Any]]:
    """The meeting's invitees: as scheduled, or while it runs its run's list (invitations made in
    the meeting added, deleted attendees gone: reference §1.4), in the scheduling shape."""
    scheduled: list[dict[str, Any]] = list(m.details.get("attendees", []) or [])  # type: ignore[call-overload]
    if m.state is not MeetingState.RUNNING:
        return scheduled
    by_phone = {a.get("phone"): a for a in scheduled if a.get("phone")}
    return [
        {
            **by_phone.get(i.phone, {}),
            "name": i.name,
            "phone": i.phone,
            "userUUID": i.user_uuid,
            "accountId": i.account_id,
            "type": i.type,
            "role": i.role,
        }
        for i in m.room.invitees
    ]


def _attendee_summary(attendees: list[dict[str, Any]]) -> list[dict[str, Any]]:
    keep = ("name", "phone", "phone2", "phone3", "type", "role", "isMute")
    return [{k: a[k] for k in keep if k in a} for a in attendees[:20]]


def conference_info(
    m: Meeting,
    *,
    owner_name: str,
    caller: Account | None,
    with_role: bool = False,
    online_amount: int | None = None,
) -> dict[str, Any]:
    """`ConferenceInfo` (reference §4.13)."""
    details = dict(m.details)
    details.pop("attendees", None)
    attendees = _invited(m)
    config: dict[str, Any] = dict(details.pop("confConfigInfo", {}) or {})  # type: ignore[call-overload]
    config["prolongLength"] = m.prolong_step
    config["allowGuestStartConf"] = m.allow_guest_start
    privileged = caller is None or caller.can_see(m)
    info: dict[str, Any] = {
        "conferenceID": m.conference_id,
        "subject": m.subject,
        "size": len(attendees),
        "timeZoneID": details.get("timeZoneID", "56"),
        "startTime": fmt_time(m.start_time),
        "endTime": fmt_time(m.end_time),
        "mediaTypes": m.media_types,
        "conferenceState": m.state.value,
        "language": details.get("language", "zh-CN"),
        "userUUID": m.owner_id,
        "scheduserName": owner_name,
        "conferenceType": 0,
        "confType": m.kind.value,
        "isAutoMute": 1 if config.get("isAutoMute") else 0,
        "isAutoRecord": details.get("isAutoRecord", 0),
        "recordType": details.get("recordType", 0),
        "recordAuxStream": details.get("recordAuxStream", 0),
        "recordAuthType": details.get("recordAuthType", 0),
        "confConfigInfo": config,
        "vmrFlag": details.get("vmrFlag", 0),
        "partAttendeeInfo": _attendee_summary(attendees),
        "terminlCount": sum(1 for a in attendees if a.get("type") == "terminal"),
        "normalCount": sum(1 for a in attendees if a.get("type") != "terminal"),
        "deptName": m.corp_id,
        "concurrentParticipants": details.get("concurrentParticipants", 0),
        "supportSimultaneousInterpretation": details.get("supportSimultaneousInterpretation", False),
        "multiStreamFlag": 1,
        "confMode": "RTC",
        "webinar": False,
    }
    for name in ("liveAddress", "auxAddress", "vmrID", "groupuri", "confResType", "encryptMode"):
        if name in details:
            info[name] = details[name]
    if privileged:
        info["passwordEntry"] = [
            {"conferenceRole": "chair", "password": m.chair_password},
            {"conferenceRole": "general", "password": m.guest_password},
        ]
    if m.conf_uuid:
        info["confUUID"] = m.conf_uuid
    if m.state is MeetingState.ENDED:
        info["isHasRecordFile"] = m.room.has_record_file
    if m.kind is MeetingKind.CYCLE:
        _series_info(info, m)
    if with_role:
        info["role"] = "chair" if privileged else "general"
    if online_amount is not None:
        info["onlineAttendeeAmount"] = online_amount
    return info


def _series_info(info: dict[str, Any], m: Meeting) -> None:
    """A recurring meeting (reference control §8.2): its cycle and the sub-meetings not yet
    run; an archived run (history) names only its own sub-meeting."""
    info["conferenceType"] = 2
    info["cycleSubConfID"] = m.cycle_sub_id
    if m.series is None:
        return
    info["cycleParams"] = m.series.cycle
    subs = []
    for sub in m.series.subs:
        if not sub.listed:
            continue
        current = sub.sub_id == m.cycle_sub_id
        entry: dict[str, Any] = {
            "cycleSubConfID": sub.sub_id,
            "conferenceID": m.conference_id,
            "mediaType": sub.media_types or m.media_types,
            "startTime": fmt_time(m.start_time if current else sub.start),
            "endTime": fmt_time(m.end_time if current else sub.end),
        }
        entry.update(sub.details)
        subs.append(entry)
    info["subConfs"] = subs


def participants_page(m: Meeting, offset: int, limit: int) -> dict[str, Any]:
    """`data` of the detail responses: the invited participants, paged."""
    attendees = _invited(m)
    rows = [
        {
            "participantID": a.get("phone") or a.get("accountId") or str(i),
            "name": a.get("name", ""),
            "subscriberID": a.get("phone", ""),
            "role": a.get("role", 0),
            "state": "MEETTING",
            "address": a.get("address", ""),
            "attendeeType": a.get("type", "normal"),
            "accountId": a.get("accountId", ""),
            "email": a.get("email", ""),
            "sms": a.get("sms", ""),
            "userUUID": a.get("userUUID", ""),
        }
        for i, a in enumerate(attendees)
    ]
    return {"offset": offset, "limit": limit, "count": len(rows), "data": rows[offset : offset + limit]}


def conf_token(issued: IssuedControlToken, m: Meeting, *, ws_token: str, ws_url: str) -> dict[str, Any]:
    record = issued.record
    return {
        "data": {
            "token": issued.token,
            "tmpWsToken": ws_token,
            "wsURL": ws_url,
            "role": int(record.role),
            "expireTime": to_ms(record.expires_at),
            "userID": m.owner_id,
            "orgID": m.corp_id,
            "participantID": "",
            "confTokenExpireTime": int((record.expires_at - record.created_at).total_seconds()),
            "vmrCurrentConfID": "",
            "supportNotifyType": list(SUPPORTED_NOTIFY_TYPES),
        },
        "addressToken": "",
        "gloablPublicIP": "",
    }


def real_time_info(m: Meeting, present: list[Participant]) -> dict[str, Any]:
    """`realTimeInfo` (reference §3.1): the invitees, the sites in the meeting or being called
    (the waiting room is not listed), the host and co-hosts among those in the meeting."""
    listed = [p for p in present if p.state in (SiteState.IN_MEETING, SiteState.CALLING)]
    inside = [p for p in listed if p.state is SiteState.IN_MEETING]
    return {
        "attendees": [
            {"accountID": i.account_id, "userUUID": i.user_uuid, "name": i.name, "phone": i.phone}
            for i in m.room.invitees
        ],
        "participants": [
            {
                "pid": p.participant_id,
                "name": p.name,
                "phone": p.phone,
                "state": int(p.state),
                "video": int(p.video),
                "mute": int(p.mute),
                "hand": int(p.hand),
            }
            for p in listed
        ],
        "confInfo": {
            "chairID": next((p.participant_id for p in inside if p.is_host), ""),
            "coHosts": [p.participant_id for p in inside if p.cohost],
        },
    }


def recording(r: Recording, owner_name: str) -> dict[str, Any]:
    """`RecordResultDO` (reference §9.1): no media exists, so no playback URL."""
    return {
        "confUUID": r.conf_uuid,
        "confID": r.conference_id,
        "url": [],
        "rcdTime": r.seconds,
        "rcdSize": r.size_mb,
        "subject": r.subject,
        "scheduserName": owner_name,
        "startTime": fmt_time(r.meeting_start),
        "isDecodeFinish": True,
        "decodeEndTime": to_ms(r.rec_end),
        "available": True,
        "recordAuthType": r.record_auth_type,
    }


def online_attendee(p: Participant) -> dict[str, Any]:
    """`OnlineAttendeeRecordInfo` (reference §8.7, snake_case on the wire)."""
    return {
        "participant_id": p.participant_id,
        "name": p.name,
        "call_number": p.phone,
        "role": 1 if p.is_host else 0,
        "third_account": "",
        "account": "",
        "user_id": "",
    }


def attendance_record(r: AttendanceRow) -> dict[str, Any]:
    """`ConfAttendeeRecordInfo` (reference §8.8): one join/leave session."""
    return {
        "displayName": r.name,
        "callNumber": r.phone,
        "deviceType": "SANDBOX",
        "joinTime": to_ms(r.joined_at),
        "leftTime": _ms_or_none(r.left_at) or 0,
        "mediaType": "",
        "deptName": "",
    }


def _ms_or_none(at: datetime | None) -> int | None:
    return None if at is None else to_ms(at)


def ledger_entry(conference_id: str, entry: LedgerEntry) -> dict[str, Any]:
    """One ledger entry as the sandbox events route shows it (our own format)."""
    e = entry.event
    return {
        "conferenceID": conference_id,
        "confUUID": entry.conf_uuid,
        "at": to_ms(e.at),
        "kind": e.kind.value,
        "actor": e.actor,
        "oldEndTime": _ms_or_none(e.old_end),
        "newEndTime": _ms_or_none(e.new_end),
        "detail": e.detail,
    }


def control_record(conference_id: str, entry: LedgerEntry) -> dict[str, Any]:
    """`ConfCtlRecordInfo`: a ledger entry as a history control record."""
    e = entry.event
    detail = e.detail
    if e.old_end != e.new_end and e.old_end is not None and e.new_end is not None:
        detail = f"{detail}; endTime {fmt_time(e.old_end)} -> {fmt_time(e.new_end)}".lstrip("; ")
    return {
        "operateTime": to_ms(e.at),
        "operateSource": "system" if e.actor == "system" else "API",
        "operator": e.actor,
        "operateCode": e.kind.effects.control_code,
        "operationObject": conference_id,
        "operateResult": "success",
        "detail": detail,
    }

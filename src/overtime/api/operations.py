"""Every HTTP operation Overtime serves, in one table: method, path, the official SDK's method
name, handler, request structs and how the caller authenticates. Starlette's routes, the OpenAPI
document (`api/openapi.py`) and docs/reference/compat.md are generated from it, so they cannot
drift. Adding an operation is one row here (docs/howto/add-an-operation.md)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from overtime.api import (
    faults,
    janus_events,
    journal,
    meta,
    mmc_control,
    mmc_management,
    mmc_people,
    mmc_recordings,
    observability,
    query,
    sandbox,
    sandbox_seed,
    sandbox_snapshots,
    sandbox_toolkit,
    sandbox_webhooks,
    usg_auth,
    webhook_wire,
    webhooks,
    wire,
)
from overtime.api import people_wire as pw

Handler = Callable[[Request], Awaitable[Response]]


class Auth(Enum):
    """How a caller proves who it is; the OpenAPI document lists the matching headers."""

    NONE = ()
    BASIC = (("Authorization", True),)
    APP_SIGNATURE = (("Authorization", True),)
    ACCESS_TOKEN = (("X-Access-Token", True),)
    CONTROL_TOKEN = (("X-Conference-Authorization", True),)
    CONTROL_LOGIN = (("X-Password", False), ("X-Login-Type", False), ("X-Conference-Authorization", False))
    """A chair/guest password, or an existing control token to renew."""

    @property
    def headers(self) -> tuple[tuple[str, bool], ...]:
        headers: tuple[tuple[str, bool], ...] = self.value
        return headers


OBJECT: dict[str, Any] = {"type": "object"}
LIST: dict[str, Any] = {"type": "array", "items": {"type": "object"}}
JOURNAL_PAGE: dict[str, Any] = {
    "type": "object",
    "required": ["count", "data"],
    "properties": {"count": {"type": "integer"}, "data": {"type": "array", "items": {"type": "object"}}},
}
SSE: dict[str, Any] = {"type": "string", "description": "text/event-stream"}
PAGE: dict[str, Any] = {
    "type": "object",
    "required": ["offset", "limit", "count", "data"],
    "properties": {
        "offset": {"type": "integer"},
        "limit": {"type": "integer"},
        "count": {"type": "integer"},
        "data": {"type": "array", "items": {"type": "object"}},
    },
}


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    name: str
    """The official SDK's method name (`prolong_meeting`); for routes the SDK does not call
    itself, Huawei's API name in the same style, and `sdk=False`."""
    handler: Handler
    summary: str
    auth: Auth = Auth.NONE
    body: type[msgspec.Struct] | None = None
    query: type[msgspec.Struct] | None = None
    required_query: tuple[str, ...] = ()
    success: dict[str, Any] = field(default_factory=lambda: OBJECT)
    sdk: bool = True
    """Whether `huaweicloudsdkmeeting.MeetingClient` has this operation (checked by a test)."""
    sandbox: bool = False
    """Served only with `overtime serve --sandbox`."""
    status: str = "done"
    """`done` (wire-compatible, tested through the official SDK where it has the operation) or
    `partial` (works; what is missing is in `notes`): docs/reference/compat.md."""
    notes: str = ""
    media_type: str = "application/json"
    """Of the success answer (the error envelope is always JSON)."""


CID = ("conferenceID",)

OPERATIONS: tuple[Operation, ...] = (
    # -- authentication (reference §3) ----------------------------------------------------------
    Operation("POST", "/v1/usg/acs/auth/account", "create_token", usg_auth.create_token,
              "Account/password authentication", Auth.BASIC, wire.AccountAuthBody, sdk=False,
              notes="`clientType` 72: 64 live tokens per account, oldest evicted; others: one. `HA2`, `createTokenType` accepted, not used"),
    Operation("POST", "/v2/usg/acs/auth/appauth", "create_app_id_token", usg_auth.create_app_id_token,
              "App ID authentication", Auth.APP_SIGNATURE, wire.AppAuthBody, sdk=False,
              notes="single- and multi-tenant data strings, upper/lower-case hex, with or without `,access=`, expiry, each nonce once; `userId` users are created as members on first use, no `userId` = enterprise admin"),
    Operation("POST", "/v1/usg/acs/token/validate", "check_token", usg_auth.check_token,
              "Validate an access token", body=wire.ValidateTokenBody,
              notes="`needGenNewToken`; `needAccountInfo` ignored (the `user` object is always there)"),
    Operation("PUT", "/v1/usg/acs/token", "update_token", usg_auth.update_token,
              "Refresh an access token", Auth.ACCESS_TOKEN,
              notes="accepts the access token or its refresh token; the old access token stops working"),
    Operation("DELETE", "/v1/usg/acs/token", "delete_token", usg_auth.delete_token,
              "Log out", Auth.ACCESS_TOKEN),
    # -- meeting management (reference §4) --------------------------------------------------------
    Operation("POST", "/v1/mmc/management/conferences", "create_meeting", mmc_management.create_meeting,
              "Create a meeting", Auth.ACCESS_TOKEN, wire.ScheduleConf, success=LIST,
              status="partial",
              notes="instant and scheduled; with `cycleParams` a recurring meeting, as `create_recurring_meeting`; attendees stored and echoed, no notifications sent"),
    Operation("PUT", "/v1/mmc/management/conferences", "update_meeting", mmc_management.update_meeting,
              "Edit a scheduled meeting", Auth.ACCESS_TOKEN, wire.ScheduleConf, success=LIST, query=query.Conference, required_query=CID,
              notes="scheduled meetings only; full replacement of the editable fields; a series only with `cycleParams` (as `update_recurring_meeting`)"),
    Operation("DELETE", "/v1/mmc/management/conferences", "cancel_meeting", mmc_management.cancel_meeting,
              "Cancel a meeting", Auth.ACCESS_TOKEN, query=query.Cancel, required_query=CID,
              notes="`type=1` ends a running meeting"),
    Operation("GET", "/v1/mmc/management/conferences", "search_meetings", mmc_management.search_meetings,
              "Meetings not ended", Auth.ACCESS_TOKEN, query=query.Search, success=PAGE,
              status="partial",
              notes="offset/limit/searchKey/queryAll/sortType; `queryConfMode` ignored; invitees don't see meetings they were only invited to"),
    Operation("GET", "/v1/mmc/management/conferences/confDetail", "show_meeting_detail",
              mmc_management.show_meeting_detail, "Meeting detail", Auth.ACCESS_TOKEN,
              query=query.ConferencePage, required_query=CID,
              status="partial",
              notes="`data` pages the invited attendees (while it runs: the run's, with in-meeting invitations and deletions); `X-Type`/`X-Query-Type` accepted, ignored"),
    Operation("GET", "/v1/mmc/management/conferences/online", "search_online_meetings",
              mmc_management.search_online_meetings, "Meetings in progress", Auth.ACCESS_TOKEN,
              query=query.Search, success=PAGE,
              notes="`onlineAttendeeAmount`: the sites in the meeting itself"),
    Operation("GET", "/v1/mmc/management/conferences/online/confDetail", "show_online_meeting_detail",
              mmc_management.show_online_meeting_detail, "Detail of a meeting in progress",
              Auth.ACCESS_TOKEN, query=query.ConferencePage, required_query=CID),
    # -- recurring meetings (reference control §8, BEHAVIOUR §9) -----------------------------------
    Operation("POST", "/v1/mmc/management/cycleconferences", "create_recurring_meeting",
              mmc_management.create_recurring_meeting, "Create a recurring meeting", Auth.ACCESS_TOKEN,
              wire.ScheduleConf, success=LIST,
              notes="Day/Week/Month cycles in the `timeZoneID` zone (DST-correct); at most 50 sub-meetings, `cycleParams.endDate` moved when cut; no notifications sent"),
    Operation("PUT", "/v1/mmc/management/cycleconferences", "update_recurring_meeting",
              mmc_management.update_recurring_meeting, "Edit a recurring meeting", Auth.ACCESS_TOKEN,
              wire.ScheduleConf, success=LIST, query=query.Conference, required_query=CID,
              notes="before its first sub-meeting starts; the sub-meetings are planned anew (new `cycleSubConfID`s)"),
    Operation("DELETE", "/v1/mmc/management/cycleconferences", "cancel_recurring_meeting",
              mmc_management.cancel_recurring_meeting, "Cancel a recurring meeting", Auth.ACCESS_TOKEN,
              query=query.Cancel, required_query=CID,
              notes="`type=1` ends a running sub-meeting; sub-meetings that ran stay in history"),
    Operation("PUT", "/v1/mmc/management/conferences/cyclesubconf", "update_recurring_sub_meeting",
              mmc_management.update_recurring_sub_meeting, "Edit one sub-meeting of a recurring meeting",
              Auth.ACCESS_TOKEN, wire.CycleSubConf, query=query.Conference, required_query=CID,
              notes="before it starts; within the series window and onto no other sub-meeting"),
    Operation("DELETE", "/v1/mmc/management/conferences/cyclesubconf", "cancel_recurring_sub_meeting",
              mmc_management.cancel_recurring_sub_meeting, "Cancel sub-meetings of a recurring meeting",
              Auth.ACCESS_TOKEN, wire.CancelSubConfs, query=query.Cancel, required_query=CID,
              notes="body `cycleSubConfIDs`; `type=1` ends a running one; cancelling the last one cancels the series"),
    Operation("POST", "/v1/mmc/management/conferences/start", "start_meeting", mmc_management.start_meeting,
              "Activate a meeting", Auth.ACCESS_TOKEN, wire.StartBody,
              notes="chair password, or guest password with `allowGuestStartConf`"),
    Operation("GET", "/v1/mmc/management/conferences/history", "search_his_meetings",
              mmc_management.search_his_meetings, "Ended meetings", Auth.ACCESS_TOKEN,
              query=query.History, required_query=("startDate", "endDate"), success=PAGE,
              notes="runs overlapping `[startDate, endDate]` (epoch ms, both required)"),
    Operation("GET", "/v1/mmc/management/conferences/history/confDetail", "show_his_meeting_detail",
              mmc_management.show_his_meeting_detail, "Detail of an ended meeting", Auth.ACCESS_TOKEN,
              query=query.HistoryRun, required_query=("confUUID",),
              notes="by `confUUID`"),
    Operation("GET", "/v1/mmc/management/conferences/history/confCtlRecord",
              "search_ctl_records_of_his_meeting", mmc_management.search_ctl_records_of_his_meeting,
              "Control records of an ended meeting", Auth.ACCESS_TOKEN, query=query.HistoryRun,
              required_query=("confUUID",), success=PAGE,
              notes="the run's ledger as `ConfCtlRecordInfo`; `operateCode` values are ours (`PROLONG_CONF`, `AUTO_PROLONG_CONF`, ...), one per event kind (`domain/events.py`)"),
    # -- webhooks (reference §7) -------------------------------------------------------------------
    Operation("POST", "/v1/mmc/management/webhook/link-config", "set_web_hook_config",
              webhooks.set_web_hook_config, "Subscribe to meeting events", Auth.ACCESS_TOKEN,
              webhook_wire.LinkConfigBody,
              notes="enterprise admins only (members 403 `MMC.111070002`), own corp only; `url` must be `https://`; one subscription per corp, setting again replaces it (and drops its pending callbacks); starts disabled (`status` 1); `spId` accepted, ignored"),
    Operation("GET", "/v1/mmc/management/webhook/link-config", "show_web_hook_config",
              webhooks.show_web_hook_config, "The enterprise's webhook subscription", Auth.ACCESS_TOKEN,
              query=webhook_wire.ShowQuery,
              notes="`returnCode` 0, `id`, `subscriberId`, `url`, `status`; never the key; no subscription: 400 `MMC.111070005`"),
    Operation("DELETE", "/v1/mmc/management/webhook/link-config", "delete_web_hook_config",
              webhooks.delete_web_hook_config, "Delete the webhook subscription", Auth.ACCESS_TOKEN,
              query=webhook_wire.DeleteQuery, required_query=("id",),
              notes="pending callbacks go with it"),
    Operation("PUT", "/v1/mmc/management/webhook/change-status", "update_web_hook_config_status",
              webhooks.update_web_hook_config_status, "Enable or disable the webhook subscription",
              Auth.ACCESS_TOKEN, query=webhook_wire.StatusQuery, required_query=("id", "status"),
              notes="`status=0` runs the `meeting.verify` handshake first (200 echoing the nonce, else 400 `MMC.111070001` and it stays disabled); 1 disables, 2 locks (no callbacks)"),
    # -- meeting control (reference §5) ------------------------------------------------------------
    Operation("GET", "/v1/mmc/control/conferences/token", "create_conf_token", mmc_control.create_conf_token,
              "Meeting control token", Auth.CONTROL_LOGIN, query=query.Conference, required_query=CID,
              notes="chair → role 1, guest → role 0; keep-alive with `X-Conference-Authorization`; `tmpWsToken` (1 minute, single use) and `wsURL` (`wss://` + the host the client used); `X-Nonce` not supported"),
    Operation("PUT", "/v1/mmc/control/conferences/duration", "prolong_meeting", mmc_control.prolong_meeting,
              "Extend a meeting", Auth.CONTROL_TOKEN, wire.ProlongBody, query=query.Conference, required_query=CID,
              notes="every rule of BEHAVIOUR §4"),
    Operation("PUT", "/v1/mmc/control/conferences/stop", "stop_meeting", mmc_control.stop_meeting,
              "End a meeting", Auth.CONTROL_TOKEN, query=query.Conference, required_query=CID),
    Operation("GET", "/v1/mmc/control/conferences/realTimeInfo", "show_real_time_info_of_meeting",
              mmc_control.show_real_time_info_of_meeting, "Real-time information", Auth.CONTROL_TOKEN,
              query=query.Conference, required_query=CID,
              notes="`participants`: sites in the meeting or being called; `attendees`: the invitees; `chairID`, `coHosts`"),
    Operation("GET", "/v1/mmc/control/conferences/wsToken", "create_web_socket_token",
              mmc_control.create_web_socket_token, "WebSocket token", Auth.CONTROL_TOKEN, query=query.Conference, required_query=CID,
              notes="any live control token of the running meeting; 1 minute, single use, bound to the meeting's run and the token's role"),
    # -- the people in a running meeting (BEHAVIOUR §8, reference §6-§7): host token ---------------
    Operation("POST", "/v1/mmc/control/conferences/participants", "invite_participant",
              mmc_people.invite_participant, "Invite participants", Auth.CONTROL_TOKEN, pw.InviteBody,
              query=query.Conference, required_query=CID,
              notes="each invitee joins `attendees` and is called (`state` 1) unless already a site; 60 s unanswered ends the call; the sandbox answers or declines"),
    Operation("POST", "/v1/mmc/control/conferences/participants/delete", "hang_up", mmc_people.hang_up,
              "Hang up participants", Auth.CONTROL_TOKEN, pw.HangUpBody, query=query.Conference, required_query=CID,
              notes="unknown ids ignored; they stay invitees"),
    Operation("POST", "/v1/mmc/control/conferences/attendees/delete", "delete_attendees",
              mmc_people.delete_attendees, "Remove invitees", Auth.CONTROL_TOKEN, pw.DeleteAttendeesBody,
              query=query.Conference, required_query=CID,
              notes="a number not invited: `MMC.111072017`, nothing changed; online sites of the number are dropped"),
    Operation("PUT", "/v1/mmc/control/conferences/participants/name", "rename_participant",
              mmc_people.rename_participant, "Rename a participant", Auth.CONTROL_TOKEN, pw.RenameBody,
              query=query.Conference, required_query=CID),
    Operation("PUT", "/v1/mmc/control/conferences/participants/role", "set_role", mmc_people.set_role,
              "Give or release the host role", Auth.CONTROL_TOKEN, pw.SetRoleBody, query=pw.Site,
              required_query=(*CID, "participantID"),
              notes="`applyChair` 1 moves the host role to the participant, 0 releases it"),
    Operation("PUT", "/v1/mmc/control/conferences/participants/cohost", "set_cohost", mmc_people.set_cohost,
              "Make or revoke a co-host", Auth.CONTROL_TOKEN, pw.CohostBody, query=pw.Site,
              required_query=(*CID, "participantID"), notes="at most 100; never the host"),
    Operation("PUT", "/v1/mmc/control/conferences/participants/mute", "mute_participant",
              mmc_people.mute_participant, "Mute or unmute a participant", Auth.CONTROL_TOKEN, pw.MuteBody,
              query=pw.Site, required_query=(*CID, "participantID")),
    Operation("PUT", "/v1/mmc/control/conferences/mute", "mute_meeting", mmc_people.mute_meeting,
              "Mute or unmute the meeting", Auth.CONTROL_TOKEN, pw.MuteMeetingBody, query=query.Conference,
              required_query=CID, notes="everyone but the host; later joiners muted until un-muted"),
    Operation("PUT", "/v1/mmc/control/conferences/mute/guestUnMute", "allow_guest_unmute",
              mmc_people.allow_guest_unmute, "Allow participants to unmute themselves", Auth.CONTROL_TOKEN,
              pw.GuestUnmuteBody, query=query.Conference, required_query=CID),
    Operation("PUT", "/v1/mmc/control/conferences/participants/hands", "hand", mmc_people.hand,
              "Raise or lower a hand", Auth.CONTROL_TOKEN, pw.HandBody, query=pw.Site,
              required_query=(*CID, "participantID")),
    Operation("PUT", "/v1/mmc/control/conferences/participants/batch/hands", "batch_hand",
              mmc_people.batch_hand, "Raise or lower hands", Auth.CONTROL_TOKEN, pw.BatchHandBody,
              query=query.Conference, required_query=CID, notes="unknown ids ignored"),
    Operation("PUT", "/v1/mmc/control/conferences/lock", "lock_meeting", mmc_people.lock_meeting,
              "Lock or unlock the meeting", Auth.CONTROL_TOKEN, pw.LockBody, query=query.Conference,
              required_query=CID, notes="while locked only the chair password and invitees join"),
    Operation("PUT", "/v1/mmc/control/conferences/updateStartedConfConfig", "update_started_conf_config",
              mmc_people.update_started_conf_config, "Change a running meeting's settings",
              Auth.CONTROL_TOKEN, pw.StartedConfigBody, query=query.Conference, required_query=CID,
              notes="stored and pushed (`ConfDynamicInfoNotify`); no media to apply them to"),
    Operation("PUT", "/v1/mmc/control/conferences/pause", "pause_conference", mmc_people.pause_conference,
              "Pause or resume the meeting", Auth.CONTROL_TOKEN, pw.PauseBody, query=query.Conference,
              required_query=CID, notes="`pause` pushed; the clock runs on"),
    Operation("PUT", "/v1/mmc/control/conferences/participants/video", "invite_operate_video",
              mmc_people.invite_operate_video, "Ask a participant to turn the camera on or off",
              Auth.CONTROL_TOKEN, pw.VideoBody, query=pw.Site, required_query=(*CID, "participantID"),
              notes="recorded; a client's business, no state"),
    Operation("PUT", "/v1/mmc/control/conferences/participants/broadcast", "broadcast_participant",
              mmc_people.broadcast_participant, "Broadcast a participant", Auth.CONTROL_TOKEN, query=pw.Site,
              required_query=(*CID, "participantID")),
    Operation("PUT", "/v1/mmc/control/conferences/cancelBroadcast", "cancel_broadcast",
              mmc_people.cancel_broadcast, "Cancel broadcast and roll call", Auth.CONTROL_TOKEN,
              query=query.Conference, required_query=CID),
    Operation("PUT", "/v1/mmc/control/conferences/participants/rollCall", "rollcall_participant",
              mmc_people.rollcall_participant, "Roll-call a participant", Auth.CONTROL_TOKEN, query=pw.Site,
              required_query=(*CID, "participantID")),
    Operation("PUT", "/v1/mmc/control/conferences/moveToWaitingRoom", "move_to_waiting_room",
              mmc_people.move_to_waiting_room, "Move a participant to the waiting room", Auth.CONTROL_TOKEN,
              pw.MoveToWaitingRoomBody, query=query.Conference, required_query=CID),
    Operation("PUT", "/v1/mmc/control/conferences/batchMoveToWaitingRoom", "batch_move_to_waiting_room",
              mmc_people.batch_move_to_waiting_room, "Move participants to the waiting room",
              Auth.CONTROL_TOKEN, pw.BatchMoveToWaitingRoomBody, query=query.Conference, required_query=CID,
              notes="unknown ids ignored"),
    Operation("PUT", "/v1/mmc/control/conferences/allowWaitingParticipant", "allow_waiting_participant",
              mmc_people.allow_waiting_participant, "Admit from the waiting room", Auth.CONTROL_TOKEN,
              pw.AllowWaitingBody, query=query.Conference, required_query=CID),
    Operation("PUT", "/v1/mmc/control/conferences/record", "record", mmc_people.record,
              "Start or stop cloud recording", Auth.CONTROL_TOKEN, pw.RecordBody, query=query.Conference,
              required_query=CID,
              notes="needs `recordType` 2 or 3 (else `MMC.111072020`); `recState`/`recOccurred` pushed; the run's recording exists when it ends (`record.finish`)"),
    Operation("PUT", "/v1/mmc/control/conferences/live", "live", mmc_people.live,
              "Start or stop live streaming", Auth.CONTROL_TOKEN, pw.LiveBody, query=query.Conference,
              required_query=CID,
              notes="needs `recordType` 1 or 3 and a `liveAddress` (else `MMC.111072068`); kept, not pushed (Huawei documents no field)"),
    # -- recordings (BEHAVIOUR §10, reference §9): access token ----------------------------------------
    Operation("GET", "/v1/mmc/management/record/files", "search_recordings", mmc_recordings.search_recordings,
              "Recordings", Auth.ACCESS_TOKEN, query=mmc_recordings.SearchRecordings,
              required_query=("startDate", "endDate"), success=PAGE,
              notes="recordings started in `[startDate, endDate]`; `queryAll` for admins; `url` empty (no media); `userUUID` ignored"),
    Operation("GET", "/v1/mmc/management/conferences/record/files", "show_recording_detail",
              mmc_recordings.show_recording_detail, "One recording", Auth.ACCESS_TOKEN,
              query=mmc_recordings.RecordingRun, required_query=("confUUID",)),
    Operation("GET", "/v1/mmc/management/record/downloadurls", "show_recording_file_download_urls",
              mmc_recordings.show_recording_file_download_urls, "Download URLs of a recording",
              Auth.ACCESS_TOKEN, query=mmc_recordings.DownloadUrls, required_query=("confUUID",),
              notes="enterprise admins only (403 `MMC.111070002`); `Hd`, `Sd`, `Aux` on this server, each token one hour and single use; the file is a generated JSON description"),
    Operation("DELETE", "/v1/mmc/management/record/files", "delete_recordings", mmc_recordings.delete_recordings,
              "Delete recordings", Auth.ACCESS_TOKEN, query=mmc_recordings.DeleteRecordings,
              required_query=("confUUIDs",),
              notes="all or nothing: one not visible and none is deleted; history `isHasRecordFile` false again"),
    Operation("GET", mmc_recordings.DOWNLOAD_PATH, "download_recording_file", mmc_recordings.download_recording_file,
              "A recording's file, by its download token", query=mmc_recordings.Download, sdk=False,
              notes="`Authorization: <token>` (or `?token=`) from the download URLs; single use"),
    # -- who is and was there (reference §8.7-§8.9): access token --------------------------------------
    Operation("GET", "/v1/mmc/management/conferences/online/conf-attendee", "list_online_conf_attendee",
              mmc_people.list_online_conf_attendee, "Participants of a meeting in progress",
              Auth.ACCESS_TOKEN, query=pw.OnlineAttendees, required_query=("conf_id",), success=PAGE,
              notes="owner or enterprise admin; `third_account`, `account`, `user_id` empty"),
    Operation("GET", "/v1/mmc/management/conferences/history/confAttendeeRecord",
              "search_attendance_records_of_his_meeting", mmc_people.search_attendance_records_of_his_meeting,
              "Attendance of an ended meeting", Auth.ACCESS_TOKEN, query=pw.AttendanceQuery,
              required_query=("confUUID",), success=PAGE,
              notes="one row per join/leave session; `deviceType` `SANDBOX`, `mediaType` and `deptName` empty"),
    Operation("GET", "/v2/mms/ncms/conferences/online/check-callnumber-in-conf", "check_call_number_in_conf",
              mmc_people.check_call_number_in_conf, "Is a number in a meeting?", Auth.ACCESS_TOKEN,
              query=pw.CallNumber, required_query=("call_number",),
              notes="running meetings of the caller's enterprise; `conf_id` empty when not"),
    # -- our own -----------------------------------------------------------------------------------
    Operation("GET", "/health", "health", meta.health, "Ready to serve (?deep=1 also reads the database)",
              query=meta.HealthQuery, sdk=False,
              notes="with `--media janus`, `?deep=1` also asks Janus for its `info` (`janus`: `ok` or 503)"),
    Operation("POST", janus_events.PATH, "janus_events", janus_events.janus_events,
              "Janus' event handler posts joins and leaves (issue 16)", Auth.BASIC, sdk=False,
              notes="HTTP Basic `janus`:events secret, else 401; a JSON event or array of them as Janus' sample event handler sends; also on the plain-HTTP `--janus-events-listen`; 401 without `--media janus`"),
    Operation("GET", "/openapi.json", "openapi", meta.openapi_json, "This document", sdk=False),
    Operation("GET", "/metrics", "metrics", observability.metrics,
              "Prometheus metrics of this server process", sdk=False, success={"type": "string"},
              media_type="text/plain",
              notes="text format; counts and timings by operation, never a secret; 404 with `--metrics-listen` elsewhere or `off`"),
    # -- the sandbox (BEHAVIOUR §6), only with --sandbox --------------------------------------------
    Operation("GET", "/sandbox/v1/clock", "show_clock", sandbox.show_clock, "The sandbox clock",
              sdk=False, sandbox=True),
    Operation("POST", "/sandbox/v1/clock/advance", "advance_clock", sandbox.advance_clock,
              "Move the sandbox clock forward", body=sandbox.AdvanceBody, sdk=False, sandbox=True),
    Operation("POST", "/sandbox/v1/conferences/{conference_id}/participants", "join", sandbox.join,
              "A simulated participant joins", body=sandbox.JoinBody, sdk=False, sandbox=True),
    Operation("DELETE", "/sandbox/v1/conferences/{conference_id}/participants/{participant_id}", "leave",
              sandbox.leave, "A simulated participant leaves", sdk=False, sandbox=True),
    Operation("POST", "/sandbox/v1/conferences/{conference_id}/participants/{participant_id}/answer",
              "answer", sandbox.answer, "A called participant answers", sdk=False, sandbox=True),
    Operation("POST", "/sandbox/v1/conferences/{conference_id}/participants/{participant_id}/decline",
              "decline", sandbox.decline, "A called participant declines", sdk=False, sandbox=True),
    Operation("GET", "/sandbox/v1/conferences/{conference_id}/events", "events", sandbox.events,
              "A meeting's ledger", sdk=False, sandbox=True),
    Operation("POST", "/sandbox/v1/reset", "reset", sandbox.reset, "Forget everything", sdk=False,
              sandbox=True),
    Operation("POST", "/sandbox/v1/wipe", "wipe", sandbox_toolkit.wipe,
              "Delete everything: accounts, apps, meetings, webhooks, clock offset, journal, fault rules",
              sdk=False, sandbox=True),
    Operation("GET", "/sandbox/v1/requests", "list_requests", sandbox_toolkit.list_requests,
              "The request journal", query=journal.Filter, success=JOURNAL_PAGE, sdk=False, sandbox=True),
    Operation("GET", "/sandbox/v1/requests/stream", "stream_requests", sandbox_toolkit.stream_requests,
              "The request journal, live (Server-Sent Events)", query=journal.StreamFilter, success=SSE,
              sdk=False, sandbox=True),
    Operation("POST", "/sandbox/v1/faults", "add_fault", sandbox_toolkit.add_fault, "Add a fault rule",
              body=faults.RuleBody, sdk=False, sandbox=True),
    Operation("GET", "/sandbox/v1/faults", "list_faults", sandbox_toolkit.list_faults, "The fault rules",
              success=LIST, sdk=False, sandbox=True),
    Operation("DELETE", "/sandbox/v1/faults/{fault_id}", "delete_fault", sandbox_toolkit.delete_fault,
              "Delete one fault rule", sdk=False, sandbox=True),
    Operation("DELETE", "/sandbox/v1/faults", "clear_faults", sandbox_toolkit.clear_faults,
              "Delete every fault rule", sdk=False, sandbox=True),
    Operation("POST", "/sandbox/v1/seed", "seed", sandbox_seed.set_seed,
              "Draw ids, passwords and uuids from a seed from now on (null: real randomness)",
              body=sandbox_seed.SeedBody, sdk=False, sandbox=True),
    Operation("POST", "/sandbox/v1/snapshots", "take_snapshot", sandbox_snapshots.take_snapshot,
              "The whole state as one JSON document", sdk=False, sandbox=True),
    Operation("POST", "/sandbox/v1/snapshots/restore", "restore_snapshot", sandbox_snapshots.restore_snapshot,
              "Replace the whole state with a snapshot's", body=sandbox_snapshots.SnapshotBody, sdk=False,
              sandbox=True),
    Operation("GET", "/sandbox/v1/webhooks/deliveries", "list_deliveries", sandbox_webhooks.list_deliveries,
              "Webhook deliveries", query=sandbox_webhooks.DeliveriesQuery, success=JOURNAL_PAGE, sdk=False,
              sandbox=True),
    Operation("POST", "/sandbox/v1/webhooks/deliveries/{delivery_id}/resend", "resend_delivery",
              sandbox_webhooks.resend_delivery, "Send a webhook delivery again", sdk=False, sandbox=True),
    Operation("POST", "/sandbox/v1/webhooks/trigger", "trigger_webhook", sandbox_webhooks.trigger,
              "Queue a webhook event about a meeting", body=sandbox_webhooks.TriggerBody, sdk=False,
              sandbox=True),
)  # fmt: skip


def served(*, sandbox: bool) -> list[Operation]:
    return [op for op in OPERATIONS if sandbox or not op.sandbox]


def routes(*, sandbox: bool) -> list[BaseRoute]:
    """Starlette routes for the table (Starlette answers 405 with an Allow header for a known
    path and an unknown method)."""
    return [Route(op.path, op.handler, methods=[op.method]) for op in served(sandbox=sandbox)]

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
    journal,
    meta,
    mmc_control,
    mmc_management,
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
              notes="instant and scheduled; recurring (`cycleParams`) not yet; attendees stored and echoed, no notifications sent"),
    Operation("PUT", "/v1/mmc/management/conferences", "update_meeting", mmc_management.update_meeting,
              "Edit a scheduled meeting", Auth.ACCESS_TOKEN, wire.ScheduleConf, success=LIST, query=query.Conference, required_query=CID,
              notes="scheduled meetings only; full replacement of the editable fields"),
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
              notes="`data` pages the invited attendees; `X-Type`/`X-Query-Type` accepted, ignored"),
    Operation("GET", "/v1/mmc/management/conferences/online", "search_online_meetings",
              mmc_management.search_online_meetings, "Meetings in progress", Auth.ACCESS_TOKEN,
              query=query.Search, success=PAGE,
              notes="`onlineAttendeeAmount` is 0 (participants live in the sandbox only)"),
    Operation("GET", "/v1/mmc/management/conferences/online/confDetail", "show_online_meeting_detail",
              mmc_management.show_online_meeting_detail, "Detail of a meeting in progress",
              Auth.ACCESS_TOKEN, query=query.ConferencePage, required_query=CID),
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
              notes="`participants` are the sandbox's participants"),
    Operation("GET", "/v1/mmc/control/conferences/wsToken", "create_web_socket_token",
              mmc_control.create_web_socket_token, "WebSocket token", Auth.CONTROL_TOKEN, query=query.Conference, required_query=CID,
              notes="any live control token of the running meeting; 1 minute, single use, bound to the meeting's run and the token's role"),
    # -- our own -----------------------------------------------------------------------------------
    Operation("GET", "/health", "health", meta.health, "Ready to serve (?deep=1 also reads the database)",
              query=meta.HealthQuery, sdk=False),
    Operation("GET", "/openapi.json", "openapi", meta.openapi_json, "This document", sdk=False),
    # -- the sandbox (BEHAVIOUR §6), only with --sandbox --------------------------------------------
    Operation("GET", "/sandbox/v1/clock", "show_clock", sandbox.show_clock, "The sandbox clock",
              sdk=False, sandbox=True),
    Operation("POST", "/sandbox/v1/clock/advance", "advance_clock", sandbox.advance_clock,
              "Move the sandbox clock forward", body=sandbox.AdvanceBody, sdk=False, sandbox=True),
    Operation("POST", "/sandbox/v1/conferences/{conference_id}/participants", "join", sandbox.join,
              "A simulated participant joins", body=sandbox.JoinBody, sdk=False, sandbox=True),
    Operation("DELETE", "/sandbox/v1/conferences/{conference_id}/participants/{participant_id}", "leave",
              sandbox.leave, "A simulated participant leaves", sdk=False, sandbox=True),
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

"""The OpenAPI document of the routes Overtime serves, generated from the same msgspec structs
that validate the requests, so it cannot drift from the code. Served at GET /openapi.json."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import msgspec

from overtime.api import query, wire

_ERROR = {
    "type": "object",
    "required": ["error_code", "error_msg"],
    "properties": {"error_code": {"type": "string"}, "error_msg": {"type": "string"}},
}
_OBJECT = {"type": "object"}
_LIST = {"type": "array", "items": {"type": "object"}}
_PAGE = {
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
class Op:
    method: str
    path: str
    operation_id: str
    summary: str
    query: type[msgspec.Struct] | None = None
    required_query: tuple[str, ...] = ()
    headers: tuple[tuple[str, bool], ...] = ()
    body: type[msgspec.Struct] | None = None
    success: dict[str, Any] = field(default_factory=lambda: _OBJECT)


ACCESS = ("X-Access-Token", True)
CONTROL = ("X-Conference-Authorization", True)

OPERATIONS = (
    Op(
        "post",
        "/v1/usg/acs/auth/account",
        "CreateToken",
        "Account/password authentication",
        headers=(("Authorization", True),),
        body=wire.AccountAuthBody,
    ),
    Op(
        "post",
        "/v2/usg/acs/auth/appauth",
        "CreateAppIdToken",
        "App ID authentication",
        headers=(("Authorization", True),),
        body=wire.AppAuthBody,
    ),
    Op(
        "post",
        "/v1/usg/acs/token/validate",
        "CheckToken",
        "Validate an access token",
        body=wire.ValidateTokenBody,
    ),
    Op("put", "/v1/usg/acs/token", "UpdateToken", "Refresh an access token", headers=(ACCESS,)),
    Op("delete", "/v1/usg/acs/token", "DeleteToken", "Log out", headers=(ACCESS,)),
    Op(
        "post",
        "/v1/mmc/management/conferences",
        "CreateMeeting",
        "Create a meeting",
        headers=(ACCESS,),
        body=wire.ScheduleConf,
        success=_LIST,
    ),
    Op(
        "put",
        "/v1/mmc/management/conferences",
        "UpdateMeeting",
        "Edit a scheduled meeting",
        query=query.Conference,
        required_query=("conferenceID",),
        headers=(ACCESS,),
        body=wire.ScheduleConf,
        success=_LIST,
    ),
    Op(
        "delete",
        "/v1/mmc/management/conferences",
        "CancelMeeting",
        "Cancel a meeting",
        query=query.Cancel,
        required_query=("conferenceID",),
        headers=(ACCESS,),
    ),
    Op(
        "get",
        "/v1/mmc/management/conferences",
        "SearchMeetings",
        "Meetings not ended",
        query=query.Search,
        headers=(ACCESS,),
        success=_PAGE,
    ),
    Op(
        "get",
        "/v1/mmc/management/conferences/confDetail",
        "ShowMeetingDetail",
        "Meeting detail",
        query=query.ConferencePage,
        required_query=("conferenceID",),
        headers=(ACCESS,),
    ),
    Op(
        "get",
        "/v1/mmc/management/conferences/online",
        "SearchOnlineMeetings",
        "Meetings in progress",
        query=query.Search,
        headers=(ACCESS,),
        success=_PAGE,
    ),
    Op(
        "get",
        "/v1/mmc/management/conferences/online/confDetail",
        "ShowOnlineMeetingDetail",
        "Detail of a meeting in progress",
        query=query.ConferencePage,
        required_query=("conferenceID",),
        headers=(ACCESS,),
    ),
    Op(
        "get",
        "/v1/mmc/management/conferences/history",
        "SearchHisMeetings",
        "Ended meetings",
        query=query.History,
        required_query=("startDate", "endDate"),
        headers=(ACCESS,),
        success=_PAGE,
    ),
    Op(
        "get",
        "/v1/mmc/management/conferences/history/confDetail",
        "ShowHisMeetingDetail",
        "Detail of an ended meeting",
        query=query.HistoryRun,
        required_query=("confUUID",),
        headers=(ACCESS,),
    ),
    Op(
        "get",
        "/v1/mmc/management/conferences/history/confCtlRecord",
        "SearchCtlRecordsOfHisMeeting",
        "Control records of an ended meeting",
        query=query.HistoryRun,
        required_query=("confUUID",),
        headers=(ACCESS,),
        success=_PAGE,
    ),
    Op(
        "post",
        "/v1/mmc/management/conferences/start",
        "StartMeeting",
        "Activate a meeting",
        headers=(ACCESS,),
        body=wire.StartBody,
    ),
    Op(
        "get",
        "/v1/mmc/control/conferences/token",
        "CreateConfToken",
        "Meeting control token",
        query=query.Conference,
        required_query=("conferenceID",),
        headers=(("X-Password", False), ("X-Login-Type", False), ("X-Conference-Authorization", False)),
    ),
    Op(
        "put",
        "/v1/mmc/control/conferences/duration",
        "ProlongMeeting",
        "Extend a meeting",
        query=query.Conference,
        required_query=("conferenceID",),
        headers=(CONTROL,),
        body=wire.ProlongBody,
    ),
    Op(
        "put",
        "/v1/mmc/control/conferences/stop",
        "StopMeeting",
        "End a meeting",
        query=query.Conference,
        required_query=("conferenceID",),
        headers=(CONTROL,),
    ),
    Op(
        "get",
        "/v1/mmc/control/conferences/realTimeInfo",
        "ShowRealTimeInfoOfMeeting",
        "Real-time information",
        query=query.Conference,
        required_query=("conferenceID",),
        headers=(CONTROL,),
    ),
    Op(
        "get",
        "/v1/mmc/control/conferences/wsToken",
        "CreateWebSocketToken",
        "WebSocket token",
        query=query.Conference,
        required_query=("conferenceID",),
        headers=(CONTROL,),
    ),
    Op("get", "/health", "Health", "Ready to serve"),
)


def _query_parameters(op: Op) -> list[dict[str, Any]]:
    if op.query is None:
        return []
    schema = msgspec.json.schema(op.query)
    properties = schema["$defs"][op.query.__name__]["properties"]
    parameters = []
    for name, prop in properties.items():
        prop = dict(prop)
        prop.pop("default", None)
        if "anyOf" in prop:  # `X | None`: absent is the None
            prop = next(p for p in prop["anyOf"] if p.get("type") != "null")
        parameters.append(
            {"name": name, "in": "query", "required": name in op.required_query, "schema": prop}
        )
    return parameters


def document() -> dict[str, Any]:
    bodies = sorted({op.body for op in OPERATIONS if op.body is not None}, key=lambda t: t.__name__)
    _, components = msgspec.json.schema_components(bodies, ref_template="#/components/schemas/{name}")
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        parameters = _query_parameters(op) + [
            {"name": name, "in": "header", "required": required, "schema": {"type": "string"}}
            for name, required in op.headers
        ]
        operation: dict[str, Any] = {
            "operationId": op.operation_id,
            "summary": op.summary,
            "parameters": parameters,
            "responses": {
                "200": {"description": "OK", "content": {"application/json": {"schema": op.success}}},
                "default": {"description": "Error", "content": {"application/json": {"schema": _ERROR}}},
            },
        }
        if op.body is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": f"#/components/schemas/{op.body.__name__}"}}
                },
            }
        paths.setdefault(op.path, {})[op.method] = operation
    return {
        "openapi": "3.0.3",
        "info": {"title": "Overtime: Huawei Cloud Meeting control API subset", "version": "1"},
        "paths": paths,
        "components": {"schemas": components},
    }

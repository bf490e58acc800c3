"""SDK one-liners for the lifecycle tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from huaweicloudsdkmeeting.v1 import (
    CreateConfTokenRequest,
    CreateMeetingRequest,
    MeetingClient,
    ProlongMeetingRequest,
    RestConfConfigDTO,
    RestProlongDurReqBody,
    RestScheduleConfDTO,
    SearchCtlRecordsOfHisMeetingRequest,
    SearchHisMeetingsRequest,
    ShowMeetingDetailRequest,
    StartMeetingRequest,
    StartRequest,
)

WIRE = "%Y-%m-%d %H:%M"


def wire_time(value: str) -> datetime:
    return datetime.strptime(value, WIRE).replace(tzinfo=UTC)


def create(
    client: MeetingClient,
    *,
    length: int = 30,
    start: datetime | None = None,
    prolong_length: int | None = None,
) -> Any:
    body = RestScheduleConfDTO(media_types="Voice", subject="lifecycle", length=length)
    if start is not None:
        body.start_time = start.strftime(WIRE)
    if prolong_length is not None:
        body.conf_config_info = RestConfConfigDTO(prolong_length=prolong_length)
    return client.create_meeting(CreateMeetingRequest(body=body)).body[0]


def detail(client: MeetingClient, conference_id: str) -> Any:
    return client.show_meeting_detail(ShowMeetingDetailRequest(conference_id=conference_id)).conference_data


def password(meeting: Any, role: str = "chair") -> str:
    return next(p.password for p in meeting.password_entry if p.conference_role == role)


def chair_token(client: MeetingClient, meeting: Any) -> str:
    response = client.create_conf_token(
        CreateConfTokenRequest(
            conference_id=meeting.conference_id, x_password=password(meeting), x_login_type=1
        )
    )
    token: str = response.data.token
    return token


def prolong(
    client: MeetingClient, meeting: Any, token: str, *, auto: int, duration: int | None = None
) -> None:
    client.prolong_meeting(
        ProlongMeetingRequest(
            conference_id=meeting.conference_id,
            x_conference_authorization=token,
            body=RestProlongDurReqBody(auto=auto, duration=duration),
        )
    )


def activate(client: MeetingClient, meeting: Any) -> None:
    client.start_meeting(
        StartMeetingRequest(
            body=StartRequest(conference_id=meeting.conference_id, password=password(meeting))
        )
    )


def history(client: MeetingClient, around: datetime) -> list[Any]:
    day = timedelta(days=2)
    response = client.search_his_meetings(
        SearchHisMeetingsRequest(
            start_date=int((around - day).timestamp() * 1000),
            end_date=int((around + day).timestamp() * 1000),
            limit=500,
        )
    )
    return list(response.data or [])


def control_records(client: MeetingClient, conf_uuid: str) -> list[Any]:
    response = client.search_ctl_records_of_his_meeting(
        SearchCtlRecordsOfHisMeetingRequest(conf_uuid=conf_uuid, limit=500)
    )
    return list(response.data or [])

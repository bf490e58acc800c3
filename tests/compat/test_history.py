"""The official SDK's history operations against Overtime: search_his_meetings and
show_his_meeting_detail."""

from __future__ import annotations

from huaweicloudsdkmeeting.v1 import (
    MeetingClient,
    SearchHisMeetingsRequest,
    ShowHisMeetingDetailRequest,
)

from support.formats import now_ms
from support.sdk import (
    control_token,
    create,
    stop,
)


def test_history_after_stop(client: MeetingClient) -> None:
    conf = create(client)
    token = control_token(client, conf).token
    stop(client, conf.conference_id, token)
    now = now_ms()
    response = client.search_his_meetings(
        SearchHisMeetingsRequest(start_date=now - 3_600_000, end_date=now + 60_000)
    )
    runs = [c for c in response.data or [] if c.conference_id == conf.conference_id]
    assert len(runs) == 1
    assert runs[0].conf_uuid
    assert runs[0].subject == conf.subject
    his = client.show_his_meeting_detail(ShowHisMeetingDetailRequest(conf_uuid=runs[0].conf_uuid))
    assert his.conference_data is not None
    assert his.conference_data.conference_id == conf.conference_id

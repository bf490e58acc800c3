"""The official SDK's meeting management against Overtime: create_meeting, show_meeting_detail,
search_meetings, search_online_meetings, show_online_meeting_detail, start_meeting,
update_meeting, cancel_meeting, and their failure codes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkmeeting.v1 import (
    CancelMeetingRequest,
    MeetingClient,
    RestScheduleConfDTO,
    SearchMeetingsRequest,
    SearchOnlineMeetingsRequest,
    ShowOnlineMeetingDetailRequest,
    StartMeetingRequest,
    StartRequest,
    UpdateMeetingRequest,
)

from support import Server, unique
from support.formats import parse_wire_time, this_minute, wire_time
from support.sdk import (
    SdkFactory,
    control_token,
    create,
    detail,
    listed_ids,
    online_ids,
    password,
    prolong,
    scheduled,
    sdk_error,
)


def test_create_instant_meeting(client: MeetingClient) -> None:
    subject = unique("Überstunden 会议")
    before = this_minute()
    conf = create(client, subject=subject, length=45)
    after = this_minute()
    assert conf.conference_id.isdigit()
    assert len(conf.conference_id) == 9
    assert conf.subject == subject
    assert conf.conference_state == "Created"
    assert conf.conf_type == "IMMEDIATELY"
    assert "Voice" in conf.media_types.split(",")
    start = parse_wire_time(conf.start_time)
    assert before <= start <= after
    assert parse_wire_time(conf.end_time) - start == timedelta(minutes=45)
    assert conf.conf_uuid
    chair = password(conf, "chair")
    assert chair.isdigit()
    assert len(chair) == 6
    guest = password(conf, "general")
    assert guest.isdigit()
    assert len(guest) == 6


def test_create_meeting_default_length_is_30(client: MeetingClient) -> None:
    conf = create(client)
    assert parse_wire_time(conf.end_time) - parse_wire_time(conf.start_time) == timedelta(minutes=30)


def test_create_meeting_with_guest_password(client: MeetingClient) -> None:
    conf = create(client, guest_pwd="2468")
    assert password(conf, "general") == "2468"
    assert password(conf, "chair") != "2468"


def test_create_scheduled_meeting(client: MeetingClient) -> None:
    start = this_minute() + timedelta(minutes=10)
    conf = create(client, start=start, length=60)
    assert conf.conference_state == "Schedule"
    assert conf.conf_type == "FUTURE"
    assert conf.start_time == wire_time(start)
    assert conf.end_time == wire_time(start + timedelta(minutes=60))
    assert len(password(conf, "chair")) == 6


def test_create_meeting_in_the_past_is_refused(client: MeetingClient) -> None:
    with sdk_error(400, "MMC.111071013", "Start time is earlier than the current time."):
        create(client, start=this_minute() - timedelta(minutes=5))


def test_show_meeting_detail(client: MeetingClient) -> None:
    created = create(client, length=45)
    conf = detail(client, created.conference_id)
    assert conf.subject == created.subject
    assert conf.conference_state == "Created"
    assert conf.conf_type == "IMMEDIATELY"
    assert (conf.start_time, conf.end_time) == (created.start_time, created.end_time)
    assert password(conf, "chair") == password(created, "chair")
    assert password(conf, "general") == password(created, "general")


def test_show_meeting_detail_of_scheduled_meeting(client: MeetingClient) -> None:
    created = scheduled(client)
    conf = detail(client, created.conference_id)
    assert conf.conference_state == "Schedule"
    assert conf.conf_type == "FUTURE"
    assert (conf.start_time, conf.end_time) == (created.start_time, created.end_time)


def test_search_meetings(client: MeetingClient) -> None:
    instant = create(client)
    future = scheduled(client)
    response = client.search_meetings(SearchMeetingsRequest())
    assert response.count == 2
    states = {conf.conference_id: conf.conference_state for conf in response.data}
    assert states == {
        instant.conference_id: "Created",
        future.conference_id: "Schedule",
    }


def test_search_meetings_by_search_key(client: MeetingClient) -> None:
    wanted = create(client, subject=unique("needle"))
    create(client, subject=unique("haystack"))
    response = client.search_meetings(SearchMeetingsRequest(search_key=wanted.subject))
    assert [conf.conference_id for conf in response.data] == [wanted.conference_id]
    assert response.count == 1


def test_search_meetings_key_with_reserved_characters(client: MeetingClient) -> None:
    """The SDK percent-encodes query values (space -> %20, & -> %26)."""
    wanted = create(client, subject=unique("Plan A & B 100%"))
    create(client, subject=unique("Plan C"))
    response = client.search_meetings(SearchMeetingsRequest(search_key=wanted.subject))
    assert [conf.conference_id for conf in response.data] == [wanted.conference_id]


def test_search_meetings_paging(client: MeetingClient) -> None:
    ids = {create(client).conference_id for _ in range(3)}
    first = client.search_meetings(SearchMeetingsRequest(offset=0, limit=2))
    assert (first.offset, first.limit, first.count) == (0, 2, 3)
    assert len(first.data) == 2
    rest = client.search_meetings(SearchMeetingsRequest(offset=2, limit=2))
    assert (rest.offset, rest.count) == (2, 3)
    assert len(rest.data) == 1
    assert {conf.conference_id for conf in first.data + rest.data} == ids


def test_admin_query_all(sdk: SdkFactory, server: Server) -> None:
    corp = unique("corp")
    admin = sdk.account(server.add_user(admin=True, corp=corp))
    owner = sdk.account(server.add_user(corp=corp))
    theirs = create(owner)
    mine = create(admin)
    everything = admin.search_meetings(SearchMeetingsRequest(query_all=True))
    client_ids = {conf.conference_id for conf in everything.data}
    assert client_ids == {theirs.conference_id, mine.conference_id}
    own = admin.search_meetings(SearchMeetingsRequest(query_all=False))
    assert [conf.conference_id for conf in own.data] == [mine.conference_id]
    assert detail(admin, theirs.conference_id).subject == theirs.subject


def test_search_online_meetings(client: MeetingClient) -> None:
    instant = create(client)
    scheduled(client)
    response = client.search_online_meetings(SearchOnlineMeetingsRequest())
    assert response.count == 1
    assert [conf.conference_id for conf in response.data] == [instant.conference_id]
    assert response.data[0].conference_state == "Created"


def test_show_online_meeting_detail(client: MeetingClient) -> None:
    created = create(client)
    response = client.show_online_meeting_detail(
        ShowOnlineMeetingDetailRequest(conference_id=created.conference_id)
    )
    conf = response.conference_data
    assert conf is not None
    assert conf.conference_id == created.conference_id
    assert conf.subject == created.subject
    assert conf.conference_state == "Created"


def test_start_meeting(client: MeetingClient) -> None:
    conf = scheduled(client, minutes_ahead=30)
    assert conf.conference_id not in online_ids(client)
    response = client.start_meeting(
        StartMeetingRequest(
            body=StartRequest(conference_id=conf.conference_id, password=password(conf, "chair"))
        )
    )
    assert response.status_code == 200
    assert detail(client, conf.conference_id).conference_state == "Created"
    assert conf.conference_id in online_ids(client)
    assert control_token(client, conf).role == 1


def test_start_meeting_with_wrong_password(client: MeetingClient) -> None:
    conf = scheduled(client)
    with pytest.raises(ClientRequestException) as info:
        client.start_meeting(
            StartMeetingRequest(body=StartRequest(conference_id=conf.conference_id, password="000000x"))
        )
    assert info.value.status_code == 400
    assert detail(client, conf.conference_id).conference_state == "Schedule"


def test_update_scheduled_meeting(client: MeetingClient) -> None:
    conf = scheduled(client, length=60)
    start = parse_wire_time(conf.start_time) + timedelta(minutes=5)
    subject = unique("renamed")
    response = client.update_meeting(
        UpdateMeetingRequest(
            conference_id=conf.conference_id,
            body=RestScheduleConfDTO(
                media_types="Voice", subject=subject, start_time=wire_time(start), length=90
            ),
        )
    )
    assert isinstance(response.body, list)
    assert len(response.body) == 1
    updated = response.body[0]
    assert updated.conference_id == conf.conference_id
    assert updated.subject == subject
    assert updated.start_time == wire_time(start)
    assert updated.end_time == wire_time(start + timedelta(minutes=90))
    assert detail(client, conf.conference_id).subject == subject


def test_cancel_scheduled_meeting(client: MeetingClient) -> None:
    conf = scheduled(client)
    response = client.cancel_meeting(CancelMeetingRequest(conference_id=conf.conference_id))
    assert response.status_code == 200
    assert conf.conference_id not in listed_ids(client)
    with sdk_error(400, "MMC.111070005", "Meeting does not exist."):
        detail(client, conf.conference_id)


def test_update_running_meeting_is_refused(client: MeetingClient) -> None:
    conf = create(client)
    with sdk_error(400, "MMC.111071065", "The meeting has started and can no longer be edited."):
        client.update_meeting(
            UpdateMeetingRequest(
                conference_id=conf.conference_id,
                body=RestScheduleConfDTO(media_types="Voice", subject="changed"),
            )
        )
    assert detail(client, conf.conference_id).subject == conf.subject


def test_cancel_running_meeting_without_type_is_refused(client: MeetingClient) -> None:
    conf = create(client)
    with sdk_error(400, "MMC.111071067", "The meeting is in progress; cancel it with type=1 to end it."):
        client.cancel_meeting(CancelMeetingRequest(conference_id=conf.conference_id))
    assert detail(client, conf.conference_id).conference_state == "Created"


def test_cancel_running_meeting_with_type_1_ends_it(client: MeetingClient) -> None:
    conf = create(client)
    token = control_token(client, conf).token
    response = client.cancel_meeting(CancelMeetingRequest(conference_id=conf.conference_id, type=1))
    assert response.status_code == 200
    assert conf.conference_id not in listed_ids(client)
    assert conf.conference_id not in online_ids(client)
    with sdk_error(400, "MMC.111070005", "Meeting does not exist."):
        detail(client, conf.conference_id)
    with sdk_error(400, "MMC.111072006", "The meeting has ended."):
        prolong(client, conf.conference_id, token, auto=0, duration=15)


def test_detail_of_another_members_meeting(sdk: SdkFactory, server: Server) -> None:
    owner = sdk.account(server.add_user())
    other = sdk.account(server.add_user())
    conf = create(owner)
    with sdk_error(400, "MMC.111070005", "Meeting does not exist."):
        detail(other, conf.conference_id)
    assert conf.conference_id not in listed_ids(other)
    assert conf.conference_id not in online_ids(other)


def test_detail_of_unknown_meeting(client: MeetingClient) -> None:
    with sdk_error(400, "MMC.111070005", "Meeting does not exist."):
        detail(client, "000000001")

"""The official SDK's meeting control against Overtime: create_conf_token, prolong_meeting,
stop_meeting, show_real_time_info_of_meeting, and their failure codes and lockout."""

from __future__ import annotations

from datetime import timedelta

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkmeeting.v1 import (
    CreateConfTokenRequest,
    MeetingClient,
    ShowRealTimeInfoOfMeetingRequest,
)

from support import Server, expire_tokens
from support.formats import basic, now_ms
from support.sdk import (
    SdkFactory,
    control_token,
    create,
    detail,
    end_moved,
    listed_ids,
    online_ids,
    password,
    prolong,
    scheduled,
    sdk_error,
    stop,
)


def test_conf_token_with_chair_password(client: MeetingClient) -> None:
    conf = create(client)
    before_ms = now_ms()
    info = control_token(client, conf, "chair")
    assert info.role == 1
    # Valid half an hour; expireTime is epoch milliseconds.
    assert before_ms + 29 * 60_000 <= info.expire_time <= before_ms + 31 * 60_000


def test_conf_token_with_guest_password(client: MeetingClient) -> None:
    conf = create(client)
    info = control_token(client, conf, "general")
    assert info.role == 0


def test_conf_token_keep_alive(client: MeetingClient) -> None:
    conf = create(client)
    first = control_token(client, conf)
    response = client.create_conf_token(
        CreateConfTokenRequest(
            conference_id=conf.conference_id,
            x_conference_authorization=first.token,
            x_login_type=1,
        )
    )
    assert response.data is not None
    assert response.data.role == 1
    assert response.data.expire_time >= first.expire_time
    prolong(client, conf.conference_id, response.data.token, auto=0, duration=15)


def test_conf_token_wrong_password(client: MeetingClient) -> None:
    conf = create(client)
    wrong = "9" + password(conf, "chair")
    with sdk_error(400, "MMC.111072065", "CONF_NOT_FOUND_OR_AUTH_FAILED"):
        client.create_conf_token(
            CreateConfTokenRequest(conference_id=conf.conference_id, x_password=wrong, x_login_type=1)
        )


def test_conf_token_for_unstarted_meeting(client: MeetingClient) -> None:
    conf = scheduled(client)
    with sdk_error(400, "MMC.111072005", "The meeting has not started or has already ended."):
        control_token(client, conf)


def test_prolong_meeting(client: MeetingClient) -> None:
    conf = create(client, length=30)
    token = control_token(client, conf).token
    prolong(client, conf.conference_id, token, auto=0, duration=40)
    after = detail(client, conf.conference_id)
    assert end_moved(conf, after) == timedelta(minutes=40)
    assert after.start_time == conf.start_time


def test_prolong_meeting_twice_adds_up(client: MeetingClient) -> None:
    conf = create(client, length=30)
    token = control_token(client, conf).token
    prolong(client, conf.conference_id, token, auto=0, duration=15)
    prolong(client, conf.conference_id, token, auto=0, duration=20)
    after = detail(client, conf.conference_id)
    assert end_moved(conf, after) == timedelta(minutes=35)


def test_prolong_meeting_with_basic_token(client: MeetingClient) -> None:
    conf = create(client)
    token = control_token(client, conf).token
    prolong(client, conf.conference_id, basic(token), auto=0, duration=15)
    after = detail(client, conf.conference_id)
    assert end_moved(conf, after) == timedelta(minutes=15)


def test_prolong_auto_mode(client: MeetingClient) -> None:
    conf = create(client)
    token = control_token(client, conf).token
    prolong(client, conf.conference_id, token, auto=1, duration=10)
    assert detail(client, conf.conference_id).end_time == conf.end_time


def test_prolong_with_garbled_token(client: MeetingClient) -> None:
    conf = create(client)
    token = control_token(client, conf).token
    with sdk_error(401, "MMC.111070004", "Meeting control token is invalid or expired."):
        prolong(client, conf.conference_id, token[::-1] + "x", auto=0, duration=15)
    assert detail(client, conf.conference_id).end_time == conf.end_time


def test_prolong_with_another_meetings_token(client: MeetingClient) -> None:
    conf = create(client)
    other = create(client)
    token = control_token(client, other).token
    with sdk_error(401, "MMC.111070004", "Meeting control token is invalid or expired."):
        prolong(client, conf.conference_id, token, auto=0, duration=15)
    assert detail(client, conf.conference_id).end_time == conf.end_time


def test_prolong_without_control_token(client: MeetingClient) -> None:
    """The SDK still sends X-Access-Token; it must not stand in for the control token."""
    conf = create(client)
    with sdk_error(401, "MMC.111070111", "Meeting control token is empty."):
        prolong(client, conf.conference_id, None, auto=0, duration=15)
    assert detail(client, conf.conference_id).end_time == conf.end_time


def test_prolong_with_guest_token(client: MeetingClient) -> None:
    conf = create(client)
    token = control_token(client, conf, "general").token
    with sdk_error(403, "MMC.111072070", "This operation is not allowed for an attendee."):
        prolong(client, conf.conference_id, token, auto=0, duration=15)
    assert detail(client, conf.conference_id).end_time == conf.end_time


def test_prolong_past_the_limit(client: MeetingClient) -> None:
    conf = create(client)
    token = control_token(client, conf).token
    with sdk_error(400, "MMC.111071015", "duration must be between 1 and 1440 minutes."):
        prolong(client, conf.conference_id, token, auto=0, duration=1441)
    assert detail(client, conf.conference_id).end_time == conf.end_time


def test_prolong_auto_step_out_of_range(client: MeetingClient) -> None:
    conf = create(client)
    token = control_token(client, conf).token
    with sdk_error(400, "MMC.111071015", "duration must be between 0 and 60 minutes with auto=1."):
        prolong(client, conf.conference_id, token, auto=1, duration=61)


def test_stop_meeting(client: MeetingClient) -> None:
    conf = create(client)
    token = control_token(client, conf).token
    stop(client, conf.conference_id, token)
    assert conf.conference_id not in listed_ids(client)
    assert conf.conference_id not in online_ids(client)
    with sdk_error(400, "MMC.111070005", "Meeting does not exist."):
        detail(client, conf.conference_id)


def test_prolong_after_stop(client: MeetingClient) -> None:
    conf = create(client)
    token = control_token(client, conf).token
    stop(client, conf.conference_id, token)
    with sdk_error(400, "MMC.111072006", "The meeting has ended."):
        prolong(client, conf.conference_id, token, auto=0, duration=15)


def test_real_time_info(client: MeetingClient) -> None:
    conf = create(client)
    token = control_token(client, conf).token
    response = client.show_real_time_info_of_meeting(
        ShowRealTimeInfoOfMeetingRequest(conference_id=conf.conference_id, x_conference_authorization=token)
    )
    assert response.status_code == 200
    assert not response.participants  # nobody has joined


def test_expired_control_token(own_sdk: SdkFactory, own_server: Server) -> None:
    client = own_sdk.account(own_server.add_user())
    conf = create(client)
    token = control_token(client, conf).token
    expire_tokens(own_server, "control_tokens")
    with sdk_error(401, "MMC.111070004", "Meeting control token is invalid or expired."):
        prolong(client, conf.conference_id, token, auto=0, duration=15)
    # An expired token together with a valid password gets a fresh one.
    response = client.create_conf_token(
        CreateConfTokenRequest(
            conference_id=conf.conference_id,
            x_conference_authorization=token,
            x_password=password(conf, "chair"),
            x_login_type=1,
        )
    )
    assert response.data is not None
    assert response.data.role == 1
    prolong(client, conf.conference_id, response.data.token, auto=0, duration=15)
    assert end_moved(conf, detail(client, conf.conference_id)) == timedelta(minutes=15)


def test_control_password_guessing_is_throttled(own_sdk: SdkFactory, own_server: Server) -> None:
    client = own_sdk.account(own_server.add_user())
    conf = create(client)
    wrong = "9" + password(conf, "chair")
    for _ in range(5):
        with sdk_error(400, "MMC.111072065", "CONF_NOT_FOUND_OR_AUTH_FAILED"):
            client.create_conf_token(
                CreateConfTokenRequest(conference_id=conf.conference_id, x_password=wrong, x_login_type=1)
            )
    # The server answers 429 MMC.111072064, but for a GET the SDK's urllib3 Retry(total=0,
    # status_forcelist=[429]) raises before the body is read: the SDK reports code "429".
    with pytest.raises(ClientRequestException) as info:
        control_token(client, conf)
    assert info.value.status_code == 429

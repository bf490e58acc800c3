"""The official Huawei Cloud Meeting SDK (`huaweicloudsdkmeeting`), unchanged, against a live
Overtime server: authentication, meeting management, meeting control and their failure codes."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkmeeting.v1 import (
    CancelMeetingRequest,
    CheckTokenRequest,
    ConferenceInfo,
    CreateConfTokenRequest,
    CreateMeetingRequest,
    DeleteTokenRequest,
    MeetingClient,
    ProlongMeetingRequest,
    RestConfConfigDTO,
    RestProlongDurReqBody,
    RestScheduleConfDTO,
    SearchHisMeetingsRequest,
    SearchMeetingsRequest,
    SearchOnlineMeetingsRequest,
    ShowHisMeetingDetailRequest,
    ShowMeetingDetailRequest,
    ShowOnlineMeetingDetailRequest,
    ShowRealTimeInfoOfMeetingRequest,
    StartMeetingRequest,
    StartRequest,
    StopMeetingRequest,
    TokenInfo,
    UpdateMeetingRequest,
    UpdateTokenRequest,
    ValidateTokenReqDTO,
)

from sdk_support import SdkFactory
from support import Account, Server, expire_tokens, unique

WIRE_TIME = "%Y-%m-%d %H:%M"


# -- helpers -------------------------------------------------------------------------------


def parse_wire(value: str) -> datetime:
    return datetime.strptime(value, WIRE_TIME).replace(tzinfo=UTC)


def wire(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(WIRE_TIME)


def end_moved(before: ConferenceInfo, after: ConferenceInfo) -> timedelta:
    return parse_wire(after.end_time) - parse_wire(before.end_time)


def this_minute() -> datetime:
    return datetime.now(UTC).replace(second=0, microsecond=0)


def create(
    client: MeetingClient,
    *,
    subject: str | None = None,
    start: datetime | None = None,
    length: int | None = None,
    guest_pwd: str | None = None,
) -> ConferenceInfo:
    body = RestScheduleConfDTO(
        media_types="Voice",
        subject=subject or unique("subject"),
        start_time=wire(start) if start else None,
        length=length,
        conf_config_info=RestConfConfigDTO(guest_pwd=guest_pwd) if guest_pwd else None,
    )
    response = client.create_meeting(CreateMeetingRequest(body=body))
    assert response.status_code == 200
    assert isinstance(response.body, list)
    assert len(response.body) == 1
    conf: ConferenceInfo = response.body[0]
    return conf


def scheduled(client: MeetingClient, *, minutes_ahead: int = 10, length: int = 60) -> ConferenceInfo:
    return create(client, start=this_minute() + timedelta(minutes=minutes_ahead), length=length)


def password(conf: ConferenceInfo, role: str) -> str:
    """The password of `role` ("chair" or "general") from the meeting's `passwordEntry`."""
    found = [entry.password for entry in conf.password_entry or [] if entry.conference_role == role]
    assert len(found) == 1, conf.password_entry
    value: str = found[0]
    return value


def control_token(client: MeetingClient, conf: ConferenceInfo, role: str = "chair") -> TokenInfo:
    response = client.create_conf_token(
        CreateConfTokenRequest(
            conference_id=conf.conference_id,
            x_password=password(conf, role),
            x_login_type=1,
        )
    )
    assert response.data is not None
    info: TokenInfo = response.data
    assert info.token
    return info


def detail(client: MeetingClient, conference_id: str) -> ConferenceInfo:
    response = client.show_meeting_detail(ShowMeetingDetailRequest(conference_id=conference_id))
    assert response.conference_data is not None
    conf: ConferenceInfo = response.conference_data
    assert conf.conference_id == conference_id
    return conf


def listed_ids(client: MeetingClient) -> list[str]:
    response = client.search_meetings(SearchMeetingsRequest())
    return [conf.conference_id for conf in response.data or []]


def online_ids(client: MeetingClient) -> list[str]:
    response = client.search_online_meetings(SearchOnlineMeetingsRequest())
    return [conf.conference_id for conf in response.data or []]


def prolong(
    client: MeetingClient,
    conference_id: str,
    token: str | None,
    *,
    auto: int,
    duration: int,
) -> None:
    client.prolong_meeting(
        ProlongMeetingRequest(
            conference_id=conference_id,
            x_conference_authorization=token,
            body=RestProlongDurReqBody(auto=auto, duration=duration),
        )
    )


def stop(client: MeetingClient, conference_id: str, token: str) -> None:
    client.stop_meeting(StopMeetingRequest(conference_id=conference_id, x_conference_authorization=token))


@contextmanager
def sdk_error(status: int, code: str) -> Iterator[None]:
    """Expects the block to raise the SDK's `ClientRequestException` with this status and code."""
    with pytest.raises(ClientRequestException) as info:
        yield
    error = info.value
    assert (error.status_code, error.error_code) == (status, code), error.error_msg
    assert error.error_msg
    assert error.request_id, "every response carries X-Request-Id"


# -- authentication ------------------------------------------------------------------------


def test_account_password_auth(sdk: SdkFactory, member: Account) -> None:
    client = sdk.account(member)
    response = client.search_meetings(SearchMeetingsRequest())
    assert response.status_code == 200
    assert (response.offset, response.limit, response.count) == (0, 20, 0)
    assert response.data == []
    assert client.get_credentials()._token


def test_account_auth_token_is_reused(sdk: SdkFactory, member: Account) -> None:
    client = sdk.account(member)
    conf = create(client)
    token = client.get_credentials()._token
    assert detail(client, conf.conference_id).subject == conf.subject
    assert client.get_credentials()._token == token


def test_app_id_auth_single_tenant(sdk: SdkFactory, server: Server) -> None:
    app = server.add_app(corp=unique("corp"))
    client = sdk.app(app)
    conf = create(client)
    assert conf.conference_state == "Created"
    response = client.search_meetings(SearchMeetingsRequest())
    assert response.count == 1
    assert [c.conference_id for c in response.data] == [conf.conference_id]


def test_app_id_auth_multi_tenant(sdk: SdkFactory, server: Server) -> None:
    app = server.add_app(corp=unique("corp"))
    client = sdk.app(app, multi_tenant=True)
    conf = create(client)
    assert listed_ids(client) == [conf.conference_id]


def test_app_id_admin_sees_members_meetings(sdk: SdkFactory, server: Server) -> None:
    corp = unique("corp")
    app = server.add_app(corp=corp)
    owner = server.add_user(corp=corp)
    conf = create(sdk.account(owner))
    admin = sdk.app(app)
    assert detail(admin, conf.conference_id).subject == conf.subject


def test_wrong_account_password(own_sdk: SdkFactory, own_server: Server) -> None:
    who = own_server.add_user()
    client = own_sdk.account(Account(who.account, who.password + "-wrong", who.corp))
    with sdk_error(401, "USG.006010000"):
        client.search_meetings(SearchMeetingsRequest())


def test_unknown_account(own_sdk: SdkFactory) -> None:
    client = own_sdk.account(Account(unique("nobody"), "Pw-not-a-real-one", "corp-test"))
    with sdk_error(401, "USG.006010000"):
        client.search_meetings(SearchMeetingsRequest())


def test_app_id_wrong_key(own_sdk: SdkFactory, own_server: Server) -> None:
    app = own_server.add_app()
    client = own_sdk.app(app, key=app.app_key + "x")
    with sdk_error(401, "USG.006010025"):
        client.search_meetings(SearchMeetingsRequest())


# -- meeting management --------------------------------------------------------------------


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
    start = parse_wire(conf.start_time)
    assert before <= start <= after
    assert parse_wire(conf.end_time) - start == timedelta(minutes=45)
    assert conf.conf_uuid
    chair = password(conf, "chair")
    assert chair.isdigit()
    assert len(chair) == 6
    guest = password(conf, "general")
    assert guest.isdigit()
    assert len(guest) == 6


def test_create_meeting_default_length_is_30(client: MeetingClient) -> None:
    conf = create(client)
    assert parse_wire(conf.end_time) - parse_wire(conf.start_time) == timedelta(minutes=30)


def test_create_meeting_with_guest_password(client: MeetingClient) -> None:
    conf = create(client, guest_pwd="2468")
    assert password(conf, "general") == "2468"
    assert password(conf, "chair") != "2468"


def test_create_scheduled_meeting(client: MeetingClient) -> None:
    start = this_minute() + timedelta(minutes=10)
    conf = create(client, start=start, length=60)
    assert conf.conference_state == "Schedule"
    assert conf.conf_type == "FUTURE"
    assert conf.start_time == wire(start)
    assert conf.end_time == wire(start + timedelta(minutes=60))
    assert len(password(conf, "chair")) == 6


def test_create_meeting_in_the_past_is_refused(client: MeetingClient) -> None:
    with sdk_error(400, "MMC.111071013"):
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
    start = parse_wire(conf.start_time) + timedelta(minutes=5)
    subject = unique("renamed")
    response = client.update_meeting(
        UpdateMeetingRequest(
            conference_id=conf.conference_id,
            body=RestScheduleConfDTO(media_types="Voice", subject=subject, start_time=wire(start), length=90),
        )
    )
    assert isinstance(response.body, list)
    assert len(response.body) == 1
    updated = response.body[0]
    assert updated.conference_id == conf.conference_id
    assert updated.subject == subject
    assert updated.start_time == wire(start)
    assert updated.end_time == wire(start + timedelta(minutes=90))
    assert detail(client, conf.conference_id).subject == subject


def test_cancel_scheduled_meeting(client: MeetingClient) -> None:
    conf = scheduled(client)
    response = client.cancel_meeting(CancelMeetingRequest(conference_id=conf.conference_id))
    assert response.status_code == 200
    assert conf.conference_id not in listed_ids(client)
    with sdk_error(400, "MMC.111070005"):
        detail(client, conf.conference_id)


def test_update_running_meeting_is_refused(client: MeetingClient) -> None:
    conf = create(client)
    with sdk_error(400, "MMC.111071065"):
        client.update_meeting(
            UpdateMeetingRequest(
                conference_id=conf.conference_id,
                body=RestScheduleConfDTO(media_types="Voice", subject="changed"),
            )
        )
    assert detail(client, conf.conference_id).subject == conf.subject


def test_cancel_running_meeting_without_type_is_refused(client: MeetingClient) -> None:
    conf = create(client)
    with sdk_error(400, "MMC.111071067"):
        client.cancel_meeting(CancelMeetingRequest(conference_id=conf.conference_id))
    assert detail(client, conf.conference_id).conference_state == "Created"


def test_cancel_running_meeting_with_type_1_ends_it(client: MeetingClient) -> None:
    conf = create(client)
    token = control_token(client, conf).token
    response = client.cancel_meeting(CancelMeetingRequest(conference_id=conf.conference_id, type=1))
    assert response.status_code == 200
    assert conf.conference_id not in listed_ids(client)
    assert conf.conference_id not in online_ids(client)
    with sdk_error(400, "MMC.111070005"):
        detail(client, conf.conference_id)
    with sdk_error(400, "MMC.111072006"):
        prolong(client, conf.conference_id, token, auto=0, duration=15)


def test_detail_of_another_members_meeting(sdk: SdkFactory, server: Server) -> None:
    owner = sdk.account(server.add_user())
    other = sdk.account(server.add_user())
    conf = create(owner)
    with sdk_error(400, "MMC.111070005"):
        detail(other, conf.conference_id)
    assert conf.conference_id not in listed_ids(other)
    assert conf.conference_id not in online_ids(other)


def test_detail_of_unknown_meeting(client: MeetingClient) -> None:
    with sdk_error(400, "MMC.111070005"):
        detail(client, "000000001")


# -- meeting control -----------------------------------------------------------------------


def test_conf_token_with_chair_password(client: MeetingClient) -> None:
    conf = create(client)
    before_ms = int(time.time() * 1000)
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
    with sdk_error(400, "MMC.111072065"):
        client.create_conf_token(
            CreateConfTokenRequest(conference_id=conf.conference_id, x_password=wrong, x_login_type=1)
        )


def test_conf_token_for_unstarted_meeting(client: MeetingClient) -> None:
    conf = scheduled(client)
    with sdk_error(400, "MMC.111072005"):
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
    basic = "Basic " + base64.b64encode(token.encode()).decode()
    prolong(client, conf.conference_id, basic, auto=0, duration=15)
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
    with sdk_error(401, "MMC.111070004"):
        prolong(client, conf.conference_id, token[::-1] + "x", auto=0, duration=15)
    assert detail(client, conf.conference_id).end_time == conf.end_time


def test_prolong_with_another_meetings_token(client: MeetingClient) -> None:
    conf = create(client)
    other = create(client)
    token = control_token(client, other).token
    with sdk_error(401, "MMC.111070004"):
        prolong(client, conf.conference_id, token, auto=0, duration=15)
    assert detail(client, conf.conference_id).end_time == conf.end_time


def test_prolong_without_control_token(client: MeetingClient) -> None:
    """The SDK still sends X-Access-Token; it must not stand in for the control token."""
    conf = create(client)
    with sdk_error(401, "MMC.111070111"):
        prolong(client, conf.conference_id, None, auto=0, duration=15)
    assert detail(client, conf.conference_id).end_time == conf.end_time


def test_prolong_with_guest_token(client: MeetingClient) -> None:
    conf = create(client)
    token = control_token(client, conf, "general").token
    with sdk_error(403, "MMC.111072070"):
        prolong(client, conf.conference_id, token, auto=0, duration=15)
    assert detail(client, conf.conference_id).end_time == conf.end_time


def test_prolong_past_the_limit(client: MeetingClient) -> None:
    conf = create(client)
    token = control_token(client, conf).token
    with sdk_error(400, "MMC.111071015"):
        prolong(client, conf.conference_id, token, auto=0, duration=1441)
    assert detail(client, conf.conference_id).end_time == conf.end_time


def test_prolong_auto_step_out_of_range(client: MeetingClient) -> None:
    conf = create(client)
    token = control_token(client, conf).token
    with sdk_error(400, "MMC.111071015"):
        prolong(client, conf.conference_id, token, auto=1, duration=61)


def test_stop_meeting(client: MeetingClient) -> None:
    conf = create(client)
    token = control_token(client, conf).token
    stop(client, conf.conference_id, token)
    assert conf.conference_id not in listed_ids(client)
    assert conf.conference_id not in online_ids(client)
    with sdk_error(400, "MMC.111070005"):
        detail(client, conf.conference_id)


def test_prolong_after_stop(client: MeetingClient) -> None:
    conf = create(client)
    token = control_token(client, conf).token
    stop(client, conf.conference_id, token)
    with sdk_error(400, "MMC.111072006"):
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
    with sdk_error(401, "MMC.111070004"):
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
        with sdk_error(400, "MMC.111072065"):
            client.create_conf_token(
                CreateConfTokenRequest(conference_id=conf.conference_id, x_password=wrong, x_login_type=1)
            )
    # The server answers 429 MMC.111072064, but for a GET the SDK's urllib3 Retry(total=0,
    # status_forcelist=[429]) raises before the body is read: the SDK reports code "429".
    with pytest.raises(ClientRequestException) as info:
        control_token(client, conf)
    assert info.value.status_code == 429


# -- access tokens -------------------------------------------------------------------------


def access_token(client: MeetingClient) -> str:
    """The SDK's cached access token, authenticating first if it has not yet."""
    if client.get_credentials()._token is None:
        client.search_meetings(SearchMeetingsRequest())
    token: str = client.get_credentials()._token
    assert token
    return token


def test_check_token(client: MeetingClient, member: Account) -> None:
    token = access_token(client)
    now = int(time.time())
    response = client.check_token(
        CheckTokenRequest(
            body=ValidateTokenReqDTO(token=token, need_gen_new_token=False, need_account_info=True)
        )
    )
    assert response.access_token == token
    # expireTime in epoch seconds, validPeriod in seconds; never under the SDK's 12 hours.
    assert now + 12 * 3600 <= response.expire_time <= now + 25 * 3600
    assert 12 * 3600 - 60 <= response.valid_period <= 24 * 3600 + 60
    assert response.client_type == 72
    assert response.user is not None
    assert response.user.uclogin_account == member.account


def test_check_unknown_token(client: MeetingClient) -> None:
    with sdk_error(401, "USG.000000004"):
        client.check_token(
            CheckTokenRequest(body=ValidateTokenReqDTO(token="not-a-token", need_gen_new_token=False))
        )


def test_update_token(client: MeetingClient) -> None:
    old = access_token(client)
    response = client.update_token(UpdateTokenRequest())
    assert response.access_token
    assert response.access_token != old
    check = client.check_token(
        CheckTokenRequest(body=ValidateTokenReqDTO(token=response.access_token, need_gen_new_token=False))
    )
    assert check.access_token == response.access_token


def test_delete_token(client: MeetingClient) -> None:
    access_token(client)
    response = client.delete_token(DeleteTokenRequest())
    assert response.status_code == 200
    # The SDK keeps using its cached token, which the server no longer knows.
    with sdk_error(401, "USG.000000004"):
        client.search_meetings(SearchMeetingsRequest())


def test_expired_access_token(own_sdk: SdkFactory, own_server: Server) -> None:
    client = own_sdk.account(own_server.add_user())
    access_token(client)
    expire_tokens(own_server, "access_tokens")
    with sdk_error(401, "USG.000000004"):
        client.search_meetings(SearchMeetingsRequest())


def test_account_password_guessing_is_throttled(own_sdk: SdkFactory, own_server: Server) -> None:
    who = own_server.add_user()
    for _ in range(5):
        wrong = own_sdk.account(Account(who.account, who.password + "x", who.corp))
        with sdk_error(401, "USG.006010000"):
            wrong.search_meetings(SearchMeetingsRequest())
    with pytest.raises(ClientRequestException) as info:
        own_sdk.account(who).search_meetings(SearchMeetingsRequest())
    assert info.value.status_code == 429


# -- history -------------------------------------------------------------------------------


def test_history_after_stop(client: MeetingClient) -> None:
    conf = create(client)
    token = control_token(client, conf).token
    stop(client, conf.conference_id, token)
    now_ms = int(time.time() * 1000)
    response = client.search_his_meetings(
        SearchHisMeetingsRequest(start_date=now_ms - 3_600_000, end_date=now_ms + 60_000)
    )
    runs = [c for c in response.data or [] if c.conference_id == conf.conference_id]
    assert len(runs) == 1
    assert runs[0].conf_uuid
    assert runs[0].subject == conf.subject
    his = client.show_his_meeting_detail(ShowHisMeetingDetailRequest(conf_uuid=runs[0].conf_uuid))
    assert his.conference_data is not None
    assert his.conference_data.conference_id == conf.conference_id

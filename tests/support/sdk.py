"""The official SDK against a test server: `SdkFactory` builds `MeetingClient`s the way an SDK
user would, and the one-liners below drive them (shared by tests/compat and tests/lifecycle)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkmeeting.v1 import (
    ConferenceInfo,
    CreateConfTokenRequest,
    CreateMeetingRequest,
    MeetingClient,
    ProlongMeetingRequest,
    RestConfConfigDTO,
    RestProlongDurReqBody,
    RestScheduleConfDTO,
    SearchCtlRecordsOfHisMeetingRequest,
    SearchHisMeetingsRequest,
    SearchMeetingsRequest,
    SearchOnlineMeetingsRequest,
    ShowMeetingDetailRequest,
    StartMeetingRequest,
    StartRequest,
    StopMeetingRequest,
    TokenInfo,
)
from huaweicloudsdkmeeting.v1.meeting_credentials import (
    AuthTypeEnum,
    MeetingCredentials,
    TenantSceneEnum,
)

from support import Account, App, Server, unique
from support.formats import parse_wire_time, this_minute, wire_time


class SdkFactory:
    """Builds `MeetingClient`s for one server the way an SDK user would: `with_endpoints` plus
    `HttpConfig.ssl_ca_cert`; closes their connection pools and worker threads afterwards."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self._built: list[MeetingClient] = []

    def build(self, credentials: MeetingCredentials) -> MeetingClient:
        config = HttpConfig.get_default_config()
        config.ssl_ca_cert = str(self.server.ca_path)
        client: MeetingClient = (
            MeetingClient.new_builder()
            .with_http_config(config)
            .with_credentials(credentials)
            .with_endpoints([self.server.url])
            .build()
        )
        self._built.append(client)
        return client

    def account(self, who: Account) -> MeetingClient:
        return self.build(MeetingCredentials(who.account, who.password))

    def app(self, app: App, *, key: str | None = None, multi_tenant: bool = False) -> MeetingClient:
        credentials = (
            MeetingCredentials()
            .with_auth_type_enum(AuthTypeEnum.APP_ID)
            .with_app_id(app.app_id)
            .with_app_key(key if key is not None else app.app_key)
        )
        if multi_tenant:
            credentials = credentials.with_tenant_scene_enum(TenantSceneEnum.MULTI_TENANT).with_corp_id(
                app.corp
            )
        return self.build(credentials)

    def close(self) -> None:
        for client in self._built:
            http = client.get_http_client()
            http.close()
            http.executor.shutdown(wait=False)


# -- one-liners -------------------------------------------------------------------------------


def create(
    client: MeetingClient,
    *,
    subject: str | None = None,
    start: datetime | None = None,
    length: int | None = None,
    guest_pwd: str | None = None,
    prolong_length: int | None = None,
) -> ConferenceInfo:
    """Creates one meeting (instant unless `start`); asserts the SDK's answer has its shape."""
    config = None
    if guest_pwd is not None or prolong_length is not None:
        config = RestConfConfigDTO(guest_pwd=guest_pwd, prolong_length=prolong_length)
    body = RestScheduleConfDTO(
        media_types="Voice",
        subject=subject or unique("subject"),
        start_time=wire_time(start) if start else None,
        length=length,
        conf_config_info=config,
    )
    response = client.create_meeting(CreateMeetingRequest(body=body))
    assert response.status_code == 200
    assert isinstance(response.body, list)
    assert len(response.body) == 1
    conf: ConferenceInfo = response.body[0]
    return conf


def scheduled(client: MeetingClient, *, minutes_ahead: int = 10, length: int = 60) -> ConferenceInfo:
    """A meeting scheduled `minutes_ahead` after the wall clock's current minute."""
    return create(client, start=this_minute() + timedelta(minutes=minutes_ahead), length=length)


def password(conf: ConferenceInfo, role: str = "chair") -> str:
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


def end_moved(before: ConferenceInfo, after: ConferenceInfo) -> timedelta:
    return parse_wire_time(after.end_time) - parse_wire_time(before.end_time)


def listed_ids(client: MeetingClient) -> list[str]:
    response = client.search_meetings(SearchMeetingsRequest())
    return [conf.conference_id for conf in response.data or []]


def online_ids(client: MeetingClient) -> list[str]:
    response = client.search_online_meetings(SearchOnlineMeetingsRequest())
    return [conf.conference_id for conf in response.data or []]


def activate(client: MeetingClient, conf: ConferenceInfo) -> None:
    """Starts a scheduled meeting early with its chair password."""
    client.start_meeting(
        StartMeetingRequest(body=StartRequest(conference_id=conf.conference_id, password=password(conf)))
    )


def prolong(
    client: MeetingClient,
    conference_id: str,
    token: str | None,
    *,
    auto: int,
    duration: int | None = None,
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


def history(client: MeetingClient, around: datetime) -> list[Any]:
    """History records of the two days either side of `around`."""
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


def access_token(client: MeetingClient) -> str:
    """The SDK's cached access token, authenticating first if it has not yet."""
    if client.get_credentials()._token is None:
        client.search_meetings(SearchMeetingsRequest())
    token: str = client.get_credentials()._token
    assert token
    return token


@contextmanager
def sdk_error(status: int, code: str, msg: str) -> Iterator[None]:
    """Expects the block to raise the SDK's `ClientRequestException` with this status, code and
    message (`error_msg`)."""
    with pytest.raises(ClientRequestException) as info:
        yield
    error = info.value
    assert (error.status_code, error.error_code, error.error_msg) == (status, code, msg), error
    assert error.request_id, "every response carries X-Request-Id"

"""The official SDK's authentication against Overtime: account/password and app ID logins,
their failures and lockout, and the access-token operations (check_token, update_token,
delete_token)."""

from __future__ import annotations

import time

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkmeeting.v1 import (
    CheckTokenRequest,
    DeleteTokenRequest,
    MeetingClient,
    SearchMeetingsRequest,
    UpdateTokenRequest,
    ValidateTokenReqDTO,
)

from support import Account, Server, expire_tokens, unique
from support.sdk import (
    SdkFactory,
    access_token,
    create,
    detail,
    listed_ids,
    sdk_error,
)


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
    with sdk_error(401, "USG.006010000", "Wrong account or password."):
        client.search_meetings(SearchMeetingsRequest())


def test_unknown_account(own_sdk: SdkFactory) -> None:
    client = own_sdk.account(Account(unique("nobody"), "Pw-not-a-real-one", "corp-test"))
    with sdk_error(401, "USG.006010000", "Wrong account or password."):
        client.search_meetings(SearchMeetingsRequest())


def test_app_id_wrong_key(own_sdk: SdkFactory, own_server: Server) -> None:
    app = own_server.add_app()
    client = own_sdk.app(app, key=app.app_key + "x")
    with sdk_error(401, "USG.006010025", "App ID authentication failed."):
        client.search_meetings(SearchMeetingsRequest())


# -- access tokens -------------------------------------------------------------------------


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
    with sdk_error(
        401, "USG.000000004", "Illegal request: the X-Access-Token is missing, invalid or expired."
    ):
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
    with sdk_error(
        401, "USG.000000004", "Illegal request: the X-Access-Token is missing, invalid or expired."
    ):
        client.search_meetings(SearchMeetingsRequest())


def test_expired_access_token(own_sdk: SdkFactory, own_server: Server) -> None:
    client = own_sdk.account(own_server.add_user())
    access_token(client)
    expire_tokens(own_server, "access_tokens")
    with sdk_error(
        401, "USG.000000004", "Illegal request: the X-Access-Token is missing, invalid or expired."
    ):
        client.search_meetings(SearchMeetingsRequest())


def test_account_password_guessing_is_throttled(own_sdk: SdkFactory, own_server: Server) -> None:
    who = own_server.add_user()
    for _ in range(5):
        wrong = own_sdk.account(Account(who.account, who.password + "x", who.corp))
        with sdk_error(401, "USG.006010000", "Wrong account or password."):
            wrong.search_meetings(SearchMeetingsRequest())
    with pytest.raises(ClientRequestException) as info:
        own_sdk.account(who).search_meetings(SearchMeetingsRequest())
    assert info.value.status_code == 429

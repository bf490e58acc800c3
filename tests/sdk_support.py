"""Building the official SDK's `MeetingClient` against a test server."""

from __future__ import annotations

from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkmeeting.v1 import MeetingClient
from huaweicloudsdkmeeting.v1.meeting_credentials import (
    AuthTypeEnum,
    MeetingCredentials,
    TenantSceneEnum,
)

from support import Account, App, Server


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

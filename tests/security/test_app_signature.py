"""App ID logins (issue 9, finding 10 and part of 3): the signed string is unambiguous, so a
multi-tenant signature cannot be replayed as a single-tenant login of another userId, and parts
longer than we store are refused in the envelope (never a 500 on PostgreSQL). The official SDK's
signing, reproduced here as `MeetingCredentials._sign_hmac256` writes it, still logs in."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import uuid
from typing import Any

import httpx

from api.helpers import assert_error, ok
from support import App, Server

APP_AUTH = "/v2/usg/acs/auth/appauth"
MALFORMED = "USG.000000003"


def sdk_signature(app: App, *parts: str) -> str:
    data = ":".join(parts)
    sig = hmac.new(app.app_key.encode("utf-8"), data.encode("utf-8"), hashlib.sha256).hexdigest().upper()
    return f"HMAC-SHA256 signature={sig},access={base64.b64encode(app.app_id.encode()).decode()}"


def app_login(server: Server, app: App, authorization: str, **body: Any) -> httpx.Response:
    with server.client() as c:
        return c.post(
            APP_AUTH,
            headers={"Authorization": authorization},
            json={"appId": app.app_id, "clientType": 72, **body},
        )


def soon() -> int:
    return int(time.time()) + 600


def test_the_sdks_single_and_multi_tenant_signatures_log_in(server: Server) -> None:
    app = server.add_app()
    exp, nonce = soon(), str(uuid.uuid4())
    single = sdk_signature(app, app.app_id, "alice", str(exp), nonce)
    r = ok(app_login(server, app, single, userId="alice", expireTime=exp, nonce=nonce))
    assert r.json()["accessToken"]

    nonce = str(uuid.uuid4())
    multi = sdk_signature(app, app.app_id, app.corp, "bob", str(exp), nonce)
    ok(app_login(server, app, multi, corpId=app.corp, userId="bob", expireTime=exp, nonce=nonce))


def test_a_multi_tenant_signature_is_not_a_login_of_userid_corp_colon_user(server: Server) -> None:
    app = server.add_app()
    exp, nonce = soon(), str(uuid.uuid4())
    # Signed for (corp, "bob") in the multi-tenant form ...
    signed = sdk_signature(app, app.app_id, app.corp, "bob", str(exp), nonce)
    # ... and sent as a single-tenant login of the user "corp:bob": the same signed string.
    r = app_login(server, app, signed, userId=f"{app.corp}:bob", expireTime=exp, nonce=nonce)
    assert_error(r, 400, MALFORMED, "userId must not contain ':'.")


def test_colons_are_refused_in_every_signed_part(server: Server) -> None:
    app = server.add_app()
    exp = soon()
    for field, body in [
        ("nonce", {"nonce": "a:b", "userId": "u"}),
        ("corpId", {"nonce": str(uuid.uuid4()), "corpId": "x:y", "userId": "u"}),
        ("userId", {"nonce": str(uuid.uuid4()), "userId": ":"}),
    ]:
        r = app_login(server, app, sdk_signature(app, "whatever"), expireTime=exp, **body)
        assert_error(r, 400, MALFORMED, f"{field} must not contain ':'.")


def test_a_user_id_longer_than_stored_is_refused(server: Server) -> None:
    app = server.add_app()
    exp, nonce = soon(), str(uuid.uuid4())
    user = "u" * 300
    signed = sdk_signature(app, app.app_id, user, str(exp), nonce)
    r = app_login(server, app, signed, userId=user, expireTime=exp, nonce=nonce)
    assert_error(r, 400, MALFORMED)
    assert "userId" in r.json()["error_msg"], r.json()

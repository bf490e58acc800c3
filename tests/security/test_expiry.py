"""Expired tokens open nothing (BEHAVIOUR §5): access tokens answer 401 USG.000000004 on every
route that takes one, control tokens 401 MMC.111070004 on every control operation. Expiry is
forced in the test server's own database."""

from __future__ import annotations

from api.helpers import DETAIL, HISTORY, MEETINGS, TOKEN, VALIDATE, MakeMember, assert_error, now_ms, ok
from security.wire import ACCESS_TOKEN_INVALID, CONTROL_OPERATIONS, CONTROL_TOKEN_INVALID, control_call
from support import Server, expire_tokens


def test_expired_access_token_opens_nothing(own_server: Server, make_own_member: MakeMember) -> None:
    member = make_own_member()
    cid = member.create()["conferenceID"]
    ok(member.list_raw())
    expire_tokens(own_server, "access_tokens")

    with own_server.client(headers={"X-Access-Token": member.access_token}) as c:
        day = 24 * 3600 * 1000
        responses = {
            "list": c.get(MEETINGS),
            "detail": c.get(DETAIL, params={"conferenceID": cid}),
            "create": c.post(MEETINGS, json={"mediaTypes": "Voice"}),
            "cancel": c.delete(MEETINGS, params={"conferenceID": cid, "type": 1}),
            "history": c.get(HISTORY, params={"startDate": now_ms() - day, "endDate": now_ms() + day}),
            "refresh": c.put(TOKEN),
            "logout": c.delete(TOKEN),
            "validate": c.post(VALIDATE, json={"token": member.access_token, "needGenNewToken": True}),
        }
    for name, r in responses.items():
        assert r.status_code == 401, f"{name}: {r.status_code} {r.text}"
        assert_error(
            r,
            401,
            ACCESS_TOKEN_INVALID,
            "Illegal request: the X-Access-Token is missing, invalid or expired.",
        )

    # Nothing was done with it: a fresh login sees the meeting still running.
    fresh = own_server.login(member.account)
    with own_server.client(headers={"X-Access-Token": fresh}) as c:
        info = ok(c.get(DETAIL, params={"conferenceID": cid})).json()["conferenceData"]
    assert info["conferenceState"] == "Created"


def test_expired_control_token_controls_nothing(own_server: Server, make_own_member: MakeMember) -> None:
    host = make_own_member()
    meeting = host.create()
    cid = meeting["conferenceID"]
    token = host.control_token(meeting)
    guest = host.control_token(meeting, role="general")
    before = host.detail(cid)
    expire_tokens(own_server, "control_tokens")

    for operation in CONTROL_OPERATIONS:
        for expired in (token, guest):
            r = control_call(own_server, operation, cid, {"X-Conference-Authorization": expired})
            assert_error(r, 401, CONTROL_TOKEN_INVALID, "Meeting control token is invalid or expired.")
    # Keep-alive does not revive an expired token without the password.
    assert_error(
        host.token_raw(cid, token=token),
        401,
        CONTROL_TOKEN_INVALID,
        "Meeting control token is invalid or expired.",
    )

    after = host.detail(cid)
    assert (after["conferenceState"], after["endTime"]) == ("Created", before["endTime"])
    # The password still gets a new token (the expired one is not it).
    fresh = host.control_token(meeting)
    assert fresh != token
    ok(control_call(own_server, "realTimeInfo", cid, {"X-Conference-Authorization": fresh}))

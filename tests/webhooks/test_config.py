"""The subscription routes (reference §7.1–7.4): who may use them, what they accept and show,
and the `meeting.verify` handshake."""

from __future__ import annotations

from api.helpers import assert_error, new_member, ok
from support import Server
from webhooks.flows import LINK, STATUS, Admin
from webhooks.receiver import Receiver


def test_a_member_is_refused_every_route(hook_server: Server, receiver: Receiver) -> None:
    admin = Admin(hook_server)
    admin.subscribe(receiver, enable=False)
    member = new_member(hook_server, corp=admin.corp)
    try:
        body = {"subscriberId": "s", "subscriberKey": "k", "url": receiver.url}
        assert_error(
            member.http.post(LINK, json=body),
            403,
            "MMC.111070002",
            "Only an enterprise administrator may manage the enterprise's webhook subscription.",
        )
        assert_error(
            member.http.get(LINK),
            403,
            "MMC.111070002",
            "Only an enterprise administrator may manage the enterprise's webhook subscription.",
        )
        assert_error(
            member.http.delete(LINK, params={"id": admin.config_id}),
            403,
            "MMC.111070002",
            "Only an enterprise administrator may manage the enterprise's webhook subscription.",
        )
        r = member.http.put(STATUS, params={"id": admin.config_id, "status": 0})
        assert_error(
            r,
            403,
            "MMC.111070002",
            "Only an enterprise administrator may manage the enterprise's webhook subscription.",
        )
        assert admin.show()["status"] == 1
        assert receiver.snapshot() == []
    finally:
        member.close()
        admin.close()


def test_an_admin_of_another_corp_sees_nothing_of_ours(hook_server: Server, receiver: Receiver) -> None:
    ours, theirs = Admin(hook_server), Admin(hook_server)
    try:
        ours.subscribe(receiver, enable=False)
        assert_error(theirs.http.get(LINK), 400, "MMC.111070005", "Webhook configuration does not exist.")
        assert_error(
            theirs.http.get(LINK, params={"corpId": ours.corp}),
            403,
            "MMC.111070002",
            "Only an enterprise administrator may manage the enterprise's webhook subscription.",
        )
        assert_error(
            theirs.http.delete(LINK, params={"id": ours.config_id}),
            400,
            "MMC.111070005",
            "Webhook configuration does not exist.",
        )
        assert_error(
            theirs.http.put(STATUS, params={"id": ours.config_id, "status": 0}),
            400,
            "MMC.111070005",
            "Webhook configuration does not exist.",
        )
        assert ours.show()["id"] == ours.config_id
    finally:
        ours.close()
        theirs.close()


def test_set_show_replace_delete(hook_server: Server, receiver: Receiver) -> None:
    admin = Admin(hook_server)
    try:
        assert_error(admin.http.get(LINK), 400, "MMC.111070005", "Webhook configuration does not exist.")
        assert_error(
            admin.set_config("http://127.0.0.1/hook"), 400, "MMC.111071061", "url must be an https:// URL."
        )
        assert_error(admin.set_config("not a url"), 400, "MMC.111071061", "url must be an https:// URL.")
        r = admin.http.post(LINK, json={"subscriberId": "s", "url": receiver.url})
        assert_error(
            r,
            400,
            "MMC.111071061",
            "Parameter validation failed: Object missing required field `subscriberKey`",
        )
        assert ok(admin.set_config(receiver.url)).json() == {}
        shown = admin.show()
        assert shown["status"] == 1, "a new subscription starts disabled"
        assert shown["subscriberId"] == admin.subscriber and shown["url"] == receiver.url
        assert len(shown["id"]) == 32 and int(shown["id"], 16) >= 0
        assert admin.key not in ok(admin.http.get(LINK)).text, "the key is never shown"
        assert "subscriberKey" not in shown
        ok(admin.set_config(receiver.url + "/v2"))
        replaced = admin.show()
        assert replaced["id"] != shown["id"] and replaced["url"] == receiver.url + "/v2"
        assert_error(
            admin.http.put(STATUS, params={"id": shown["id"], "status": 1}),
            400,
            "MMC.111070005",
            "Webhook configuration does not exist.",
        )
        assert_error(
            admin.http.put(STATUS, params={"id": replaced["id"], "status": 7}),
            400,
            "MMC.111071061",
            "Parameter validation failed: Expected `int` <= 2 - at `$.status`",
        )
        assert_error(
            admin.http.delete(LINK),
            400,
            "MMC.111071061",
            "Parameter validation failed: Object missing required field `id`",
        )
        assert ok(admin.http.delete(LINK, params={"id": replaced["id"]})).json() == {}
        assert_error(admin.http.get(LINK), 400, "MMC.111070005", "Webhook configuration does not exist.")
    finally:
        admin.close()


def test_enabling_runs_the_verify_handshake(hook_server: Server, receiver: Receiver) -> None:
    admin = Admin(hook_server)
    try:
        admin.subscribe(receiver, enable=False)
        receiver.mode = "wrong-nonce"
        assert_error(
            admin.change_status(0),
            400,
            "MMC.111070001",
            "The subscriber did not answer the meeting.verify handshake correctly; the server log says why.",
        )
        assert admin.show()["status"] == 1, "a wrong nonce keeps it disabled"
        receiver.mode = "fail"
        assert_error(
            admin.change_status(0),
            400,
            "MMC.111070001",
            "The subscriber did not answer the meeting.verify handshake correctly; the server log says why.",
        )
        assert admin.show()["status"] == 1
        receiver.mode = "ok"
        ok(admin.change_status(0))
        assert admin.show()["status"] == 0
        calls = receiver.snapshot()
        assert len(calls) == 3
        for call in calls:
            assert call.event == "meeting.verify"
            assert call.signature_ok(admin.key)
            assert not call.signature_ok(admin.key + "x")
            assert call.body["appID"] == admin.subscriber
            assert len(call.body["nonce"]) == 8 and call.body["nonce"].isdigit()
            assert isinstance(call.body["timestamp"], int)
            assert "payload" not in call.body["eventInfo"]
            assert call.headers["x-request-id"]
            assert call.headers["content-type"].startswith("application/json")
        assert len({c.headers["x-request-id"] for c in calls}) == 3
        ok(admin.change_status(1))
        assert admin.show()["status"] == 1
    finally:
        admin.close()


def test_an_unreachable_subscriber_cannot_be_enabled(hook_server: Server, receiver: Receiver) -> None:
    admin = Admin(hook_server)
    try:
        admin.subscribe(receiver, enable=False)
        receiver.stop()
        assert_error(
            admin.change_status(0),
            400,
            "MMC.111070001",
            # the same generic answer whatever failed: no port-scanning oracle (issue 9, finding 7)
            "The subscriber did not answer the meeting.verify handshake correctly; the server log says why.",
        )
        assert admin.show()["status"] == 1
    finally:
        admin.close()

"""Webhook subscriptions under hostile input (issue 9, finding 7): URLs are checked as sent
(absolute https, a real host, no whitespace or control characters, bounded), every field and
query value has a bound, and a failed `meeting.verify` handshake answers one generic message,
the reason only in the server log, so the enable route cannot map internal hosts and ports."""

from __future__ import annotations

import socket

import pytest

from api.helpers import assert_error, ok
from support import Server
from webhooks.flows import LINK, STATUS, Admin
from webhooks.receiver import Receiver

PARAMETER_INVALID = "MMC.111071061"
VERIFY_FAILED = "MMC.111070001"
GENERIC = "The subscriber did not answer the meeting.verify handshake correctly; the server log says why."


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://{host}/hook with space", "url must not contain spaces or control characters."),
        ("https://{host}/hook\r\nX-Injected: 1", "url must not contain spaces or control characters."),
        ("https://{host}/hook\t", "url must not contain spaces or control characters."),
        ("https://user:secret@{host}/hook", "url must not contain a user name or password."),
        ("https://bad_host!/hook", "url does not name a valid host."),
        ("https://1.2.3.999/hook", "url does not name a valid host."),
        ("ftp://{host}/hook", "url must be an https:// URL."),
    ],
)
def test_bad_urls_are_refused(hook_server: Server, receiver: Receiver, url: str, message: str) -> None:
    host = receiver.url.split("/")[2]
    admin = Admin(hook_server)
    try:
        assert_error(admin.set_config(url.format(host=host)), 400, PARAMETER_INVALID, message)
        assert_error(admin.http.get(LINK), 400, "MMC.111070005")
    finally:
        admin.close()


def test_every_field_has_a_bound(hook_server: Server, receiver: Receiver) -> None:
    admin = Admin(hook_server)
    try:
        base = {"subscriberId": "s", "subscriberKey": "k", "url": receiver.url}
        for field, size in [
            ("subscriberId", 129),
            ("subscriberKey", 256),
            ("url", 2049),
            ("corpId", 65),
            ("spId", 65),
        ]:
            value = receiver.url + "/" + "a" * size if field == "url" else "a" * size
            r = admin.http.post(LINK, json={**base, field: value})
            assert_error(r, 400, PARAMETER_INVALID)
            assert f"$.{field}" in r.json()["error_msg"], r.json()
        for params in [
            {"id": "a" * 10_000, "status": 0},
            {"id": "a\x00", "status": 0},
            {"id": "x", "status": 9},
        ]:
            r = admin.http.put(STATUS, params=params)
            assert_error(r, 400, PARAMETER_INVALID)
            assert r.json()["error_msg"].startswith("Parameter validation failed"), r.json()
        assert_error(admin.http.delete(LINK, params={"id": "a" * 10_000}), 400, PARAMETER_INVALID)
        assert_error(admin.http.get(LINK, params={"corpId": "c" * 10_000}), 400, PARAMETER_INVALID)
        assert_error(admin.http.delete(LINK, params={"id": "f" * 40}), 400, "MMC.111070005")
    finally:
        admin.close()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def test_a_failed_handshake_says_one_generic_thing(hook_server: Server, receiver: Receiver) -> None:
    """A closed port, an open port that answers wrongly, an unresolvable host: one answer."""
    admin = Admin(hook_server)
    port = closed_port()
    try:
        answers = []
        for url in [
            f"https://127.0.0.1:{port}/hook",
            "https://no-such-host.invalid/hook",
        ]:
            ok(admin.set_config(url))
            admin.config_id = admin.show()["id"]
            answers.append(admin.change_status(0))
        admin.subscribe(receiver, enable=False)
        receiver.mode = "fail"
        answers.append(admin.change_status(0))
        receiver.mode = "wrong-nonce"
        answers.append(admin.change_status(0))
        for r in answers:
            assert_error(r, 400, VERIFY_FAILED, GENERIC)
        assert admin.show()["status"] == 1
        log = (hook_server.data_dir / "server.log").read_text(errors="replace")
        assert f"127.0.0.1:{port}" in log and "no-such-host.invalid" in log, "the reason is logged"
    finally:
        admin.close()

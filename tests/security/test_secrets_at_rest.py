"""Secrets at rest (BEHAVIOUR §5): the database keeps a slow salted hash of account passwords
and SHA-256 digests of tokens, never a raw secret. The server's log holds none either."""

from __future__ import annotations

import base64
import hashlib

from api.helpers import CONTROL_TOKEN, MEETINGS, TOKEN, ok, password_of
from security.wire import login
from support import Server


def test_no_raw_secret_is_stored(own_server: Server) -> None:
    who = own_server.add_user(password="Clear-Text-Password-4711")
    first = ok(login(own_server, who.account, who.password)).json()
    access, refresh = first["accessToken"], first["refreshToken"]
    with own_server.client(headers={"X-Access-Token": access}) as c:
        meeting = ok(c.post(MEETINGS, json={"mediaTypes": "Voice"})).json()[0]
        control = {}
        for role in ("chair", "general"):
            r = c.get(
                CONTROL_TOKEN,
                params={"conferenceID": meeting["conferenceID"]},
                headers={"X-Password": password_of(meeting, role), "X-Login-Type": "1"},
            )
            control[role] = ok(r).json()["data"]["token"]
    # A refreshed pair too: the refresh token of the new pair is live in the database.
    with own_server.client(headers={"X-Access-Token": refresh}) as c:
        second = ok(c.put(TOKEN)).json()
    live = {
        "account password": who.password,
        "access token": second["accessToken"],
        "refresh token": second["refreshToken"],
        "chair control token": control["chair"],
        "guest control token": control["general"],
    }
    spent = {"first access token": access, "first refresh token": refresh}
    own_server.stop()  # everything flushed to the database files

    stored = own_server.stored_bytes()
    assert who.account.encode() in stored, "the dump holds the accounts"
    for name, secret in {**live, **spent}.items():
        for form in (secret.encode(), base64.b64encode(secret.encode())):
            assert form not in stored, f"the {name} ({secret[:6]}...) is stored in clear"
    for name in ("access token", "refresh token", "chair control token", "guest control token"):
        digest = hashlib.sha256(live[name].encode()).hexdigest()
        assert digest.encode() in stored, f"the {name} is kept as its SHA-256 digest"


def test_no_raw_secret_is_logged(own_server: Server) -> None:
    who = own_server.add_user(password="Logged-Password-0815")
    body = ok(login(own_server, who.account, who.password)).json()
    login(own_server, who.account, "Wrong-Password-0815")
    with own_server.client(headers={"X-Access-Token": body["accessToken"]}) as c:
        meeting = ok(c.post(MEETINGS, json={"mediaTypes": "Voice"})).json()[0]
        r = c.get(
            CONTROL_TOKEN,
            params={"conferenceID": meeting["conferenceID"]},
            headers={"X-Password": password_of(meeting, "chair"), "X-Login-Type": "1"},
        )
        control = ok(r).json()["data"]["token"]
    own_server.stop()

    log = (own_server.data_dir / "server.log").read_bytes()
    for secret in (who.password, "Wrong-Password-0815", body["accessToken"], body["refreshToken"], control):
        assert secret.encode() not in log, f"{secret[:6]}... is in the server log"

"""Janus' events endpoint (issue 16): HTTP Basic or 401 in the API's envelope, on the plain-HTTP
listener and the HTTPS one; duplicated and retransmitted events change nothing twice; events for
rooms that are no meeting's are ignored; `/health?deep=1` asks Janus."""

from __future__ import annotations

from typing import Any

import httpx
from huaweicloudsdkmeeting.v1 import MeetingClient, ShowRealTimeInfoOfMeetingRequest

from support import Server
from support.formats import basic
from support.janus import Janus, running_room
from support.sandbox import Sandbox

PATH = "/integrations/janus/events"


def joined(room: str, janus_id: int, display: str) -> dict[str, Any]:
    return {"emitter": "MyJanusInstance", "type": 64, "timestamp": 1, "session_id": 77, "handle_id": 88,
            "event": {"plugin": "janus.plugin.videoroom",
                      "data": {"event": "joined", "room": int(room), "id": janus_id, "private_id": 9,
                               "display": display}}}  # fmt: skip


def leaving(room: str, janus_id: int) -> dict[str, Any]:
    return {"emitter": "MyJanusInstance", "type": 64, "timestamp": 2,
            "event": {"plugin": "janus.plugin.videoroom", "data": {"event": "leaving", "room": int(room),
                                                                    "id": janus_id}}}  # fmt: skip


def test_events_without_the_secret_are_refused_on_both_listeners(
    sandbox_server: Server, events_port: int, events_secret: str
) -> None:
    plain = f"http://127.0.0.1:{events_port}{PATH}"
    refused = {"error_code": "USG.006010000",
               "error_msg": "Janus events need HTTP Basic: user janus, password the events secret."}  # fmt: skip
    for auth in (None, basic("janus:wrong-secret-wrong"), basic(f"other:{events_secret}"), "Basic !!"):
        headers = {"Authorization": auth} if auth else {}
        r = httpx.post(plain, json=[], headers=headers)
        assert (r.status_code, r.json()) == (401, refused)
        with sandbox_server.client() as https:
            r = https.post(PATH, json=[], headers=headers)
            assert (r.status_code, r.json()) == (401, refused)
    ok = httpx.post(plain, json=[], headers={"Authorization": basic(f"janus:{events_secret}")})
    assert (ok.status_code, ok.json()) == (200, {"changed": 0})
    bad = httpx.post(plain, content=b"{", headers={"Authorization": basic(f"janus:{events_secret}")})
    assert bad.status_code == 400 and bad.json()["error_code"] == "MMC.111071061"
    assert httpx.get(plain).status_code == 404


def test_duplicated_events_change_nothing_twice(
    client: MeetingClient, janus: Janus, sandbox: Sandbox, events_port: int, events_secret: str
) -> None:
    room = running_room(client, janus)
    cid, token = room.cid, room.token
    plain = f"http://127.0.0.1:{events_port}{PATH}"
    auth = {"Authorization": basic(f"janus:{events_secret}")}

    def names() -> list[str]:
        info = client.show_real_time_info_of_meeting(
            ShowRealTimeInfoOfMeetingRequest(conference_id=cid, x_conference_authorization=token)
        )
        return sorted(p.name for p in info.participants or [])

    def kinds() -> list[str]:
        return [e["kind"] for e in sandbox.events(cid) if e["kind"] in ("joined", "left")]

    first = httpx.post(plain, json=[joined(cid, 4242, "Gus")] * 200, headers=auth)
    assert (first.status_code, first.json()) == (200, {"changed": 1})
    again = httpx.post(plain, json=joined(cid, 4242, "Gus"), headers=auth)  # a retransmission
    assert (again.status_code, again.json()) == (200, {"changed": 0})
    assert names() == ["Gus"] and kinds() == ["joined"]

    gone = httpx.post(plain, json=[leaving(cid, 4242)] * 200, headers=auth)
    assert (gone.status_code, gone.json()) == (200, {"changed": 1})
    assert httpx.post(plain, json=[leaving(cid, 4242)], headers=auth).json() == {"changed": 0}
    assert names() == [] and kinds() == ["joined", "left"]

    # A room that is no meeting's: ignored.
    stray = httpx.post(plain, json=[joined("999999999999", 5, "Nobody")], headers=auth)
    assert (stray.status_code, stray.json()) == (200, {"changed": 0})


def test_deep_health_asks_janus_and_the_media_loop_has_its_metric(sandbox_server: Server) -> None:
    with sandbox_server.client() as https:
        r = https.get("/health", params={"deep": 1})
        metrics = https.get("/metrics").text
    assert (r.status_code, r.json()) == (200, {"status": "ok", "database": "ok", "janus": "ok"})
    assert 'overtime_loop_failures_total{loop="media loop"} 0.0' in metrics


def test_a_display_name_janus_does_not_bound_is_cut_not_refused(
    client: MeetingClient, janus: Janus, events_port: int, events_secret: str
) -> None:
    """Janus bounds no display name; refusing the POST would have Janus resend it for ever."""
    room = running_room(client, janus)
    cid, token = room.cid, room.token
    plain = f"http://127.0.0.1:{events_port}{PATH}"
    auth = {"Authorization": basic(f"janus:{events_secret}")}
    r = httpx.post(
        plain, json=[joined(cid, 5151, "Ann\x00\x07" + "x" * 300), joined(cid, 5252, "\x00")], headers=auth
    )
    assert (r.status_code, r.json()) == (200, {"changed": 2})
    info = client.show_real_time_info_of_meeting(
        ShowRealTimeInfoOfMeetingRequest(conference_id=cid, x_conference_authorization=token)
    )
    assert sorted(p.name for p in info.participants or []) == ["Ann" + "x" * 93, "Janus 5252"]

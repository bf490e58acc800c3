"""Overtime governs Janus video rooms (issue 16), through the official SDK on one side and
Janus' own HTTP API on the other, with a real Janus: rooms follow meetings, presence comes from
Janus' events, control reaches the media."""

from __future__ import annotations

import os
import signal
import time

from huaweicloudsdkmeeting.v1 import (
    CancelMeetingRequest,
    HangUpRequest,
    LockMeetingRequest,
    MeetingClient,
    MuteParticipantRequest,
    RestBulkHangUpReqBody,
    RestLockReqBody,
    RestMuteParticipantReqBody,
    ShowRealTimeInfoOfMeetingRequest,
)
from huaweicloudsdkmeeting.v1.model.conference_info import ConferenceInfo

from support.janus import AudioPublisher, Janus, Peer, eventually, running_room
from support.sandbox import Sandbox
from support.sdk import control_token, detail, online_ids, stop


def people(client: MeetingClient, conf: ConferenceInfo, token: str) -> list[str]:
    info = client.show_real_time_info_of_meeting(
        ShowRealTimeInfoOfMeetingRequest(conference_id=conf.conference_id, x_conference_authorization=token)
    )
    return sorted(p.name for p in info.participants or [])


def media_log(sandbox: Sandbox, conference_id: str) -> list[str]:
    return [e["detail"] for e in sandbox.events(conference_id) if e["kind"] == "media"]


def test_a_meeting_s_room_lives_with_its_run_and_janus_presence_drives_it(
    client: MeetingClient, janus: Janus, sandbox: Sandbox
) -> None:
    room = running_room(client, janus)
    conf, cid, guest, token = room.conf, room.cid, room.guest, room.token

    with Peer(janus) as alice, Peer(janus) as bob, Peer(janus) as carol:
        assert alice.join(cid, guest, "Alice")["videoroom"] == "joined"
        assert bob.join(cid, guest, "Bob")["videoroom"] == "joined"
        eventually(lambda: people(client, conf, token) == ["Alice", "Bob"], timeout=1.0)

        # The host hangs Bob up over the SDK: Janus kicks him, realTimeInfo no longer lists him.
        bob_pid = next(
            p.pid
            for p in client.show_real_time_info_of_meeting(
                ShowRealTimeInfoOfMeetingRequest(conference_id=cid, x_conference_authorization=token)
            ).participants
            if p.name == "Bob"
        )
        client.hang_up(HangUpRequest(conference_id=cid, x_conference_authorization=token,
                                     body=RestBulkHangUpReqBody(bulk_hang_up_participants=[bob_pid])))  # fmt: skip
        assert people(client, conf, token) == ["Alice"]
        eventually(lambda: janus.displays(cid) == ["Alice"])
        eventually(lambda: "kicked Bob" in media_log(sandbox, cid))
        assert media_log(sandbox, cid).count("kicked Bob") == 1

        # Locked: Janus refuses a new join with the guest pin; Alice stays.
        client.lock_meeting(LockMeetingRequest(conference_id=cid, x_conference_authorization=token,
                                               body=RestLockReqBody(is_lock=1)))  # fmt: skip
        eventually(lambda: any("pin rotated" in d for d in media_log(sandbox, cid)))
        refused = carol.join(cid, guest, "Carol")
        assert refused.get("error_code") == 433, refused  # Janus: wrong pin
        assert janus.displays(cid) == ["Alice"]
        assert people(client, conf, token) == ["Alice"]

        # Alice leaves Janus: the meeting ends at its deadline and the room goes with it.
        alice.leave()
        eventually(lambda: people(client, conf, token) == [])
    sandbox.advance(minutes=31)
    assert cid not in online_ids(client)  # ended at its deadline
    eventually(lambda: not janus.exists(cid))
    assert media_log(sandbox, cid)[-1] == "room destroyed"


def test_someone_in_the_janus_room_at_the_end_auto_extends_it_and_stop_destroys_it(
    client: MeetingClient, janus: Janus, sandbox: Sandbox
) -> None:
    room = running_room(client, janus)
    conf, cid, guest, token = room.conf, room.cid, room.guest, room.token
    with Peer(janus) as dan:
        dan.join(cid, guest, "Dan")
        eventually(lambda: people(client, conf, token) == ["Dan"])
        end = detail(client, cid).end_time
        sandbox.advance(minutes=31)
        after = detail(client, cid)
        assert after.conference_state == "Created" and after.end_time > end  # auto-extended
        time.sleep(0.5)
        assert janus.exists(cid) and janus.displays(cid) == ["Dan"]

        stop(client, cid, control_token(client, conf).token)
        eventually(lambda: not janus.exists(cid))


def test_a_host_s_mute_reaches_the_published_audio(
    client: MeetingClient, janus: Janus, sandbox: Sandbox
) -> None:
    """A participant publishing real audio over WebRTC (aiortc on loopback, in place of a
    browser): the host's mute over the SDK becomes Janus' moderation of that audio stream."""
    room = running_room(client, janus)
    conf, cid, guest, token = room.conf, room.cid, room.guest, room.token
    with AudioPublisher(janus) as ivy:
        assert ivy.join(cid, guest, "Ivy")["videoroom"] == "joined"
        ivy.publish()
        eventually(lambda: people(client, conf, token) == ["Ivy"])
        pid = (
            client.show_real_time_info_of_meeting(
                ShowRealTimeInfoOfMeetingRequest(conference_id=cid, x_conference_authorization=token)
            )
            .participants[0]
            .pid
        )
        for mute, said in ((1, "muted"), (0, "unmuted")):
            client.mute_participant(MuteParticipantRequest(conference_id=cid, x_conference_authorization=token,
                                    participant_id=pid, body=RestMuteParticipantReqBody(is_mute=mute)))  # fmt: skip
            event = ivy.events_until(lambda e: "moderation" in str(e))
            assert event["plugindata"]["data"] == {"videoroom": "event", "room": int(cid), "id": ivy.id,
                                                   "mid": "0", "moderation": said}  # fmt: skip
        wanted = ["muted Ivy's audio", "unmuted Ivy's audio"]  # written just after Janus answered
        eventually(lambda: [d for d in media_log(sandbox, cid) if "audio" in d] == wanted)


def test_a_hang_up_while_janus_hangs_commits_and_reaches_janus_once_it_answers(
    client: MeetingClient, janus: Janus, sandbox: Sandbox
) -> None:
    room = running_room(client, janus)
    conf, cid, guest, token = room.conf, room.cid, room.guest, room.token
    with Peer(janus) as kim:
        kim.join(cid, guest, "Kim")
        eventually(lambda: people(client, conf, token) == ["Kim"])
        pid = (
            client.show_real_time_info_of_meeting(
                ShowRealTimeInfoOfMeetingRequest(conference_id=cid, x_conference_authorization=token)
            )
            .participants[0]
            .pid
        )
        assert janus.proc is not None
        os.kill(janus.proc.pid, signal.SIGSTOP)  # Janus stops answering: calls time out
        try:
            client.hang_up(HangUpRequest(conference_id=cid, x_conference_authorization=token,
                                         body=RestBulkHangUpReqBody(bulk_hang_up_participants=[pid])))  # fmt: skip
            assert people(client, conf, token) == []  # the control operation committed
            failed = eventually(lambda: [d for d in media_log(sandbox, cid) if "failed" in d], timeout=15)
            assert "ReadTimeout" in failed[0], failed
        finally:
            os.kill(janus.proc.pid, signal.SIGCONT)
        eventually(lambda: "kicked Kim" in media_log(sandbox, cid), timeout=15)  # retried from the database
        assert janus.displays(cid) == []
        assert media_log(sandbox, cid).count("kicked Kim") == 1


def test_janus_restarted_mid_meeting_gets_the_room_back(
    client: MeetingClient, janus: Janus, sandbox: Sandbox
) -> None:
    room = running_room(client, janus)
    conf, cid, guest, token = room.conf, room.cid, room.guest, room.token
    with Peer(janus) as erin:
        erin.join(cid, guest, "Erin")
        eventually(lambda: people(client, conf, token) == ["Erin"])
        janus.kill()  # no event about Erin: Janus is gone
        with sandbox.server.client() as https:
            down = https.get("/health", params={"deep": 1})
        assert (down.status_code, down.json()) == (
            503, {"error_code": "MMC.111070003", "error_msg": "Janus does not answer."})  # fmt: skip
        janus.start()
    eventually(lambda: janus.exists(cid), timeout=10)
    eventually(lambda: people(client, conf, token) == [])  # whoever was in the lost room left
    with Peer(janus) as fay:
        assert fay.join(cid, guest, "Fay")["videoroom"] == "joined"
        eventually(lambda: people(client, conf, token) == ["Fay"], timeout=1.0)
    assert "room lost by Janus" in media_log(sandbox, cid)


def test_cancelling_a_running_meeting_destroys_its_room_and_drops_everyone(
    client: MeetingClient, janus: Janus, sandbox: Sandbox
) -> None:
    room = running_room(client, janus)
    conf, cid, guest, token = room.conf, room.cid, room.guest, room.token
    with Peer(janus) as jo:
        jo.join(cid, guest, "Jo")
        eventually(lambda: people(client, conf, token) == ["Jo"])
        client.cancel_meeting(CancelMeetingRequest(conference_id=cid, type=1))
        eventually(lambda: not janus.exists(cid))
        gone = jo.events_until(lambda e: "destroyed" in str(e))  # Janus tells Jo the room is gone
        assert gone["plugindata"]["data"]["videoroom"] == "destroyed"
    assert cid not in online_ids(client)


def test_a_mute_of_someone_publishing_no_audio_is_overtime_s_state_only(
    client: MeetingClient, janus: Janus, sandbox: Sandbox
) -> None:
    room = running_room(client, janus)
    conf, cid, guest, token = room.conf, room.cid, room.guest, room.token
    with Peer(janus) as hal:
        hal.join(cid, guest, "Hal")
        eventually(lambda: people(client, conf, token) == ["Hal"])
        info = client.show_real_time_info_of_meeting(
            ShowRealTimeInfoOfMeetingRequest(conference_id=cid, x_conference_authorization=token)
        )
        client.mute_participant(MuteParticipantRequest(conference_id=cid, x_conference_authorization=token,
                                participant_id=info.participants[0].pid, body=RestMuteParticipantReqBody(is_mute=1)))  # fmt: skip
        time.sleep(1.5)  # a pass of the media loop
        after = client.show_real_time_info_of_meeting(
            ShowRealTimeInfoOfMeetingRequest(conference_id=cid, x_conference_authorization=token)
        )
        assert [(p.name, p.mute) for p in after.participants] == [("Hal", 1)]
        assert janus.displays(cid) == ["Hal"]  # still in the room, nothing moderated
        assert media_log(sandbox, cid) == ["room created"]

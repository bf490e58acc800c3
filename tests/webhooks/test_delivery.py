"""Callbacks (reference §7.5): which ledger entries become which events, in order, signed, with
a stable idempotency key; retried until the subscriber takes them, across server restarts."""

from __future__ import annotations

import time
from datetime import timedelta
from zoneinfo import ZoneInfo

from support import Server
from support.formats import wire_time
from webhooks.flows import Admin
from webhooks.receiver import Callback, Receiver


def _names(calls: list[Callback]) -> list[str]:
    return [c.event for c in calls]


def _ledger_order(calls: list[Callback]) -> list[int]:
    """The ledger id in each idempotency key (`<config>-<ledger id>-<event>`)."""
    return [int(c.key.split("-")[1]) for c in calls]


def test_a_meetings_life_arrives_in_order_and_signed(hook_server: Server, receiver: Receiver) -> None:
    admin = Admin(hook_server)
    try:
        before = admin.schedule(subject="before the subscription")
        admin.subscribe(receiver)
        meeting, expected = admin.full_life()
        cid = meeting["conferenceID"]
        calls = receiver.wait_events(cid, len(expected))
        time.sleep(0.5)
        calls = receiver.accepted(meeting=cid)
        assert _names(calls) == expected
        assert receiver.accepted(meeting=before["conferenceID"]) == [], "only what happened after enabling"
        for call in calls:
            assert call.signature_ok(admin.key), call.raw
            assert call.body["appID"] == admin.subscriber
            info = call.body["eventInfo"]
            assert info["eventID"] == call.key, "the idempotency key is in the signed body too"
            assert call.headers["x-request-id"]
            meeting_info = info["payload"]["meetingInfo"]
            assert meeting_info["meetingID"] == cid and meeting_info["meetingCycleSubID"] == ""
        assert len({c.key for c in calls}) == len(calls)
        assert _ledger_order(calls) == sorted(_ledger_order(calls))
        by_name = {c.event: c.body["eventInfo"]["payload"] for c in calls}
        run = by_name["meeting.started"]["meetingInfo"]["meetingUUID"]
        assert len(run) == 32 and by_name["meeting.end"]["meetingInfo"]["meetingUUID"] == run
        join, left = by_name["meeting.join"]["attendeeInfo"], by_name["meeting.left"]["attendeeInfo"]
        assert join["displayName"] == left["displayName"] == "Ada Lovelace"
        assert join["participantID"] == left["participantID"] and len(join["participantID"]) == 32
        assert join["role"] == left["role"] == "CHAIR"
        assert join["leftTime"] == 0 and left["leftTime"] >= left["joinTime"] == join["joinTime"] > 0
        prolong = by_name["meeting.prolong"]["prolongInfo"]
        assert prolong["newEndTime"] - prolong["oldEndTime"] == 15 * 60 * 1000 and prolong["auto"] is False
    finally:
        admin.close()


def test_instant_meetings_and_other_corps(hook_server: Server, receiver: Receiver) -> None:
    admin, other = Admin(hook_server), Admin(hook_server)
    try:
        admin.subscribe(receiver)
        theirs = other.member.create(subject="not ours")
        instant = admin.member.create(subject="instant")
        admin.stop(instant)
        calls = receiver.wait_events(instant["conferenceID"], 3)
        assert _names(calls) == ["meeting.started", "meeting.end", "meeting.conclude"], (
            "no create for instant"
        )
        cancelled = admin.schedule()
        ok_cancel = admin.http.delete(
            "/v1/mmc/management/conferences", params={"conferenceID": cancelled["conferenceID"]}
        )
        assert ok_cancel.status_code == 200, ok_cancel.text
        calls = receiver.wait_events(cancelled["conferenceID"], 2)
        assert _names(calls) == ["meeting.create", "meeting.cancel"]
        assert receiver.accepted(meeting=theirs["conferenceID"]) == []
    finally:
        admin.close()
        other.close()


def test_a_failing_subscriber_gets_everything_once_in_order(hook_server: Server, receiver: Receiver) -> None:
    admin = Admin(hook_server)
    try:
        admin.subscribe(receiver)
        receiver.mode = "fail"
        first, expected = admin.full_life()
        second = admin.member.create(subject="second")
        admin.stop(second)
        receiver.wait_for(lambda calls: sum(c.status == 503 for c in calls) >= 6)
        # While failing, each meeting's first event is retried and nothing after it is tried.
        for cid, head in (
            (first["conferenceID"], "meeting.create"),
            (second["conferenceID"], "meeting.started"),
        ):
            tried = [
                c
                for c in receiver.snapshot()
                if c.body["eventInfo"].get("payload", {}).get("meetingInfo", {}).get("meetingID") == cid
            ]
            assert tried and {c.event for c in tried} == {head}, _names(tried)
        receiver.mode = "ok"
        calls = receiver.wait_events(first["conferenceID"], len(expected))
        receiver.wait_events(second["conferenceID"], 3)
        time.sleep(1)
        calls = receiver.accepted(meeting=first["conferenceID"])
        assert _names(calls) == expected
        assert _names(receiver.accepted(meeting=second["conferenceID"])) == [
            "meeting.started",
            "meeting.end",
            "meeting.conclude",
        ]
        keys = [c.key for c in receiver.accepted()]
        assert len(keys) == len(set(keys)), "exactly one accepted delivery per idempotency key"
        retried = [c for c in receiver.snapshot() if c.status == 503]
        assert {c.key for c in retried} <= set(keys), "what failed was delivered later under the same key"
        assert len({c.headers["x-request-id"] for c in receiver.snapshot()}) == len(receiver.snapshot())
    finally:
        admin.close()


def test_refused_connections_are_retried(hook_server: Server, receiver: Receiver) -> None:
    admin = Admin(hook_server)
    try:
        admin.subscribe(receiver)
        receiver.stop()
        meeting, expected = admin.full_life()
        time.sleep(1.5)
        receiver.start()
        calls = receiver.wait_events(meeting["conferenceID"], len(expected))
        time.sleep(0.5)
        calls = receiver.accepted(meeting=meeting["conferenceID"])
        assert _names(calls) == expected
        assert len({c.key for c in calls}) == len(calls)
    finally:
        admin.close()


def test_a_disabled_subscription_gets_nothing(hook_server: Server, receiver: Receiver) -> None:
    admin = Admin(hook_server)
    try:
        admin.subscribe(receiver)
        assert admin.change_status(1).status_code == 200
        meeting = admin.member.create(subject="quiet")
        admin.stop(meeting)
        time.sleep(1.5)
        assert receiver.accepted() == []
    finally:
        admin.close()


def test_a_restart_mid_retry_loses_nothing(own_hook_server: Server, receiver: Receiver) -> None:
    admin = Admin(own_hook_server)
    try:
        admin.subscribe(receiver)
        receiver.mode = "fail"
        meeting, expected = admin.full_life()
        receiver.wait_for(lambda calls: sum(c.status == 503 for c in calls) >= 2)
        own_hook_server.kill()
        receiver.mode = "ok"
        time.sleep(0.5)
        assert receiver.accepted() == []
        own_hook_server.start()
        calls = receiver.wait_events(meeting["conferenceID"], len(expected))
        time.sleep(0.5)
        calls = receiver.accepted(meeting=meeting["conferenceID"])
        assert _names(calls) == expected
        assert len({c.key for c in calls}) == len(calls)
        receiver.mode = "fail"
        second = admin.member.create(subject="after restart")
        receiver.wait_for(
            lambda calls: any(c.status == 503 and c.key.endswith("meeting.started") for c in calls)
        )
        own_hook_server.stop()
        receiver.mode = "ok"
        own_hook_server.start()
        assert _names(receiver.wait_events(second["conferenceID"], 1)) == ["meeting.started"]
    finally:
        admin.close()


def test_a_failing_event_is_given_up_after_a_day(own_hook_server: Server, receiver: Receiver) -> None:
    admin = Admin(own_hook_server)
    try:
        admin.subscribe(receiver)
        receiver.mode = "fail"
        meeting = admin.schedule(subject="never delivered")
        cid = meeting["conferenceID"]
        receiver.wait_for(lambda calls: any(c.status == 503 for c in calls))
        admin.update(meeting, "edited")
        admin.advance(25 * 3600)  # the meeting expires on the way
        receiver.wait_for(lambda calls: sum(c.key.endswith("meeting.modify") for c in calls) >= 1)
        receiver.mode = "ok"
        calls = receiver.wait_events(cid, 2)
        assert _names(calls) == ["meeting.modify", "meeting.conclude"]
        expected = [
            ("meeting.create", "failed"),
            ("meeting.modify", "delivered"),
            ("meeting.conclude", "delivered"),
        ]
        # The receiver has the last event a moment before the server records its answer.
        for _ in range(100):
            rows = own_hook_server.sql("SELECT event, state FROM webhook_deliveries ORDER BY ledger_id, seq")
            if rows == expected:
                break
            time.sleep(0.05)
        assert rows == expected
    finally:
        admin.close()


def test_invited_sites_that_answer_and_are_hung_up_join_and_leave(
    hook_server: Server, receiver: Receiver
) -> None:
    """Issue 11: a site that answers an invitation joins (`meeting.join`), one hung up by the
    host leaves (`meeting.left`); a declined call is neither."""
    admin = Admin(hook_server)
    try:
        admin.subscribe(receiver)
        meeting = admin.member.create(subject="people")
        cid = meeting["conferenceID"]
        token = admin.member.control_token(meeting)
        control = {"X-Conference-Authorization": token}
        invite = {"attendees": [{"name": "Bea", "phone": "+993001"}, {"name": "Cy", "phone": "+993002"}]}
        r = admin.http.post(
            "/v1/mmc/control/conferences/participants",
            params={"conferenceID": cid},
            headers=control,
            json=invite,
        )
        assert r.status_code == 200, r.text
        info = admin.http.get(
            "/v1/mmc/control/conferences/realTimeInfo", params={"conferenceID": cid}, headers=control
        )
        pids = {p["name"]: p["pid"] for p in info.json()["participants"]}
        admin.sandbox.answer(cid, pids["Bea"])
        admin.sandbox.decline(cid, pids["Cy"])
        r = admin.http.post(
            "/v1/mmc/control/conferences/participants/delete",
            params={"conferenceID": cid},
            headers=control,
            json={"bulkHangUpParticipants": [pids["Bea"]]},
        )
        assert r.status_code == 200, r.text
        calls = receiver.wait_events(cid, 3)
        time.sleep(0.5)
        calls = receiver.accepted(meeting=cid)
        assert _names(calls) == ["meeting.started", "meeting.join", "meeting.left"]
        join, left = (c.body["eventInfo"]["payload"]["attendeeInfo"] for c in calls[1:])
        assert join["participantID"] == left["participantID"] == pids["Bea"]
        assert join["displayName"] == "Bea" and join["role"] == "GENERAL"
    finally:
        admin.close()


def test_a_recorded_run_announces_its_recording_once(hook_server: Server, receiver: Receiver) -> None:
    """Issue 12: when a run that recorded ends, `record.finish` arrives once, signed."""
    admin = Admin(hook_server)
    try:
        admin.subscribe(receiver)
        meeting = admin.member.create(subject="recorded", recordType=2)
        cid = meeting["conferenceID"]
        control = {"X-Conference-Authorization": admin.member.control_token(meeting)}
        for on in (1, 0, 1):
            r = admin.http.put(
                "/v1/mmc/control/conferences/record",
                params={"conferenceID": cid},
                headers=control,
                json={"isRecord": on},
            )
            assert r.status_code == 200, r.text
        admin.stop(meeting)
        receiver.wait_events(cid, 4)
        time.sleep(0.5)
        calls = receiver.accepted(meeting=cid)
        assert _names(calls) == ["meeting.started", "meeting.end", "meeting.conclude", "record.finish"]
        finish = calls[-1]
        assert finish.signature_ok(admin.key), finish.raw
        assert finish.body["eventInfo"]["payload"]["meetingInfo"]["meetingID"] == cid
    finally:
        admin.close()


def test_sub_meetings_of_a_series_carry_their_cycle_sub_id(hook_server: Server, receiver: Receiver) -> None:
    admin = Admin(hook_server)
    try:
        admin.subscribe(receiver)
        start = admin.sandbox_now().replace(second=0, microsecond=0) + timedelta(minutes=5)
        first = start.astimezone(ZoneInfo("Asia/Shanghai")).date()
        r = admin.http.post(
            "/v1/mmc/management/cycleconferences",
            json={
                "mediaTypes": "Voice",
                "startTime": wire_time(start),
                "length": 30,
                "confConfigInfo": {"prolongLength": 0},
                "cycleParams": {
                    "startDate": first.isoformat(),
                    "endDate": (first + timedelta(days=1)).isoformat(),
                    "cycle": "Day",
                    "preRemindDays": 0,
                },
            },
        )
        assert r.status_code == 200, r.text
        series = r.json()[0]
        cid = series["conferenceID"]
        subs = [s["cycleSubConfID"] for s in series["subConfs"]]
        for _ in subs:
            pid = admin.join(cid, "Grace", role=1)
            admin.leave(cid, pid)
            admin.advance(24 * 3600)
        calls = receiver.wait_events(cid, 11)
        started = [c for c in calls if c.event in ("meeting.started", "meeting.end")]
        assert [c.event for c in started] == ["meeting.started", "meeting.end"] * 2
        infos = [c.body["eventInfo"]["payload"]["meetingInfo"] for c in started]
        assert [i["meetingCycleSubID"] for i in infos] == [subs[0], subs[0], subs[1], subs[1]]
        assert infos[0]["meetingUUID"] == infos[1]["meetingUUID"] != infos[2]["meetingUUID"]
    finally:
        admin.close()

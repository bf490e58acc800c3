"""Recording and live through the official SDK (issue 12, BEHAVIOUR §10) on a sandbox server, on
both backends: spans add up into one recording per run, the history says so, search/detail/
delete keep to their scope, and download URLs work once, for an hour, for admins only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from huaweicloudsdkmeeting.v1 import (
    CreateMeetingRequest,
    DeleteRecordingsRequest,
    LiveRequest,
    MeetingClient,
    RecordRequest,
    RestScheduleConfDTO,
    RestSetLiveReqBody,
    RestSetRecordReqBody,
    SearchRecordingsRequest,
    ShowHisMeetingDetailRequest,
    ShowRecordingDetailRequest,
    ShowRecordingFileDownloadUrlsRequest,
    StopMeetingRequest,
)
from huaweicloudsdkmeeting.v1.model.conference_info import ConferenceInfo

from support import Server, unique
from support.sandbox import Sandbox
from support.sdk import SdkFactory, control_token, sdk_error


@pytest.fixture
def target(sandbox_server: Server) -> Server:
    """`sdk`, `member` and `client` (tests/compat/conftest.py) talk to the module's sandbox server."""
    return sandbox_server


def _meeting(client: MeetingClient, **fields: object) -> ConferenceInfo:
    body = RestScheduleConfDTO(media_types="Voice", subject=unique("rec"), **fields)
    conf: ConferenceInfo = client.create_meeting(CreateMeetingRequest(body=body)).body[0]
    return conf


def _record(client: MeetingClient, conf: ConferenceInfo, token: str, on: int) -> None:
    client.record(
        RecordRequest(
            conference_id=conf.conference_id,
            x_conference_authorization=token,
            body=RestSetRecordReqBody(is_record=on),
        )
    )


def _search(client: MeetingClient, sandbox: Sandbox, **fields: object) -> list[object]:
    now = int(sandbox.now().timestamp() * 1000)
    day = 24 * 3600 * 1000
    found = client.search_recordings(
        SearchRecordingsRequest(start_date=now - day, end_date=now + day, limit=500, **fields)
    )
    return list(found.data or [])


def _recorded_run(client: MeetingClient, sandbox: Sandbox) -> tuple[ConferenceInfo, str]:
    """A meeting that recorded 2 + 3 minutes in two spans, then stopped: its confUUID."""
    conf = _meeting(client, record_type=2)
    token = control_token(client, conf).token
    _record(client, conf, token, 1)
    sandbox.advance(minutes=2)
    _record(client, conf, token, 0)
    sandbox.advance(minutes=1)
    _record(client, conf, token, 1)
    _record(client, conf, token, 1)  # already recording: the span goes on
    sandbox.advance(minutes=3)
    _record(client, conf, token, 0)
    client.stop_meeting(
        StopMeetingRequest(conference_id=conf.conference_id, x_conference_authorization=token)
    )
    run = next(e["confUUID"] for e in sandbox.events(conf.conference_id))
    return conf, run


def test_two_spans_make_one_recording(client: MeetingClient, sandbox: Sandbox) -> None:
    conf, run = _recorded_run(client, sandbox)
    mine = [r for r in _search(client, sandbox) if r.conf_uuid == run]
    assert len(mine) == 1
    recording = mine[0]
    assert (recording.conf_id, recording.rcd_time, recording.subject) == (
        conf.conference_id,
        300,
        conf.subject,
    )
    assert recording.rcd_size > 0 and recording.available is True
    detail = client.show_recording_detail(ShowRecordingDetailRequest(conf_uuid=run))
    assert (detail.conf_uuid, detail.rcd_time) == (run, 300)
    history = client.show_his_meeting_detail(ShowHisMeetingDetailRequest(conf_uuid=run))
    assert history.conference_data.is_has_record_file is True


def test_download_urls_are_for_admins_single_use_and_last_an_hour(
    client: MeetingClient, sdk: SdkFactory, sandbox: Sandbox, sandbox_server: Server
) -> None:
    _conf, run = _recorded_run(client, sandbox)
    with sdk_error(403, "MMC.111070002", "Only an enterprise administrator may download recordings."):
        client.show_recording_file_download_urls(ShowRecordingFileDownloadUrlsRequest(conf_uuid=run))
    admin = sdk.account(sandbox_server.add_user(admin=True))
    answer = admin.show_recording_file_download_urls(ShowRecordingFileDownloadUrlsRequest(conf_uuid=run))
    (entry,) = answer.record_urls
    assert entry.conf_uuid == run
    urls = {u.file_type: u for u in entry.urls}
    assert set(urls) == {"Hd", "Sd", "Aux"}
    with sandbox_server.client() as http:
        hd = urls["Hd"]
        first = http.get(hd.url, headers={"Authorization": hd.token})
        assert first.status_code == 200, first.text
        assert first.json()["confUUID"] == run and first.json()["fileType"] == "Hd"
        assert "attachment" in first.headers["content-disposition"]
        again = http.get(hd.url, headers={"Authorization": hd.token})
        assert again.status_code == 401  # single use
        wrong = http.get(urls["Hd"].url, headers={"Authorization": urls["Sd"].token})
        assert wrong.status_code == 401  # a token opens its own file only, and is used up trying
        sandbox.advance(minutes=61)
        late = http.get(urls["Aux"].url, headers={"Authorization": urls["Aux"].token})
        assert late.status_code == 401  # an hour has passed


def test_search_detail_and_delete_keep_to_their_scope(
    client: MeetingClient, sdk: SdkFactory, sandbox: Sandbox, sandbox_server: Server
) -> None:
    _conf, run = _recorded_run(client, sandbox)
    other = sdk.account(sandbox_server.add_user())
    assert all(r.conf_uuid != run for r in _search(other, sandbox))
    with sdk_error(400, "MMC.111070005", "Recording does not exist."):
        other.show_recording_detail(ShowRecordingDetailRequest(conf_uuid=run))
    with sdk_error(400, "MMC.111070005", "Recording does not exist."):
        other.delete_recordings(DeleteRecordingsRequest(conf_uui_ds=run))
    admin = sdk.account(sandbox_server.add_user(admin=True))
    assert any(r.conf_uuid == run for r in _search(admin, sandbox, query_all=True))
    assert all(r.conf_uuid != run for r in _search(admin, sandbox))  # without queryAll: their own
    client.delete_recordings(DeleteRecordingsRequest(conf_uui_ds=run))
    assert all(r.conf_uuid != run for r in _search(client, sandbox))
    history = client.show_his_meeting_detail(ShowHisMeetingDetailRequest(conf_uuid=run))
    assert history.conference_data.is_has_record_file is False


def test_record_and_live_need_what_the_meeting_was_booked_for(
    client: MeetingClient, sandbox: Sandbox
) -> None:
    plain = _meeting(client)
    token = control_token(client, plain).token
    with sdk_error(
        400, "MMC.111072020", "CONF_NOT_SUPPORT_RECORD: the meeting's recordType does not allow recording."
    ):
        _record(client, plain, token, 1)
    live = RestSetLiveReqBody(is_live=1)
    with sdk_error(
        400, "MMC.111072068", "CONF_SETLIVE_FAILED: live needs recordType 1 or 3 and a liveAddress."
    ):
        client.live(
            LiveRequest(conference_id=plain.conference_id, x_conference_authorization=token, body=live)
        )
    streamed = _meeting(client, record_type=1, live_address="rtmp://live.example/app/key")
    token = control_token(client, streamed).token
    client.live(
        LiveRequest(conference_id=streamed.conference_id, x_conference_authorization=token, body=live)
    )
    assert [e["kind"] for e in sandbox.events(streamed.conference_id)][-1] == "live_set"
    client.stop_meeting(
        StopMeetingRequest(
            conference_id=plain.conference_id, x_conference_authorization=control_token(client, plain).token
        )
    )
    run = next(e["confUUID"] for e in sandbox.events(plain.conference_id))
    history = client.show_his_meeting_detail(ShowHisMeetingDetailRequest(conf_uuid=run))
    assert history.conference_data.is_has_record_file is False


def test_a_recording_run_that_ends_on_time_keeps_its_recording(
    client: MeetingClient, sandbox: Sandbox
) -> None:
    conf = _meeting(client, record_type=3, length=15)
    token = control_token(client, conf).token
    _record(client, conf, token, 1)
    sandbox.advance(minutes=16)  # nobody present: the run ends at its end time, still recording
    run = next(e["confUUID"] for e in sandbox.events(conf.conference_id))
    kinds = [e["kind"] for e in sandbox.events(conf.conference_id)]
    assert kinds[-2:] == ["ended", "record_finished"]
    (recording,) = [r for r in _search(client, sandbox) if r.conf_uuid == run]
    # from the record call (a moment after the start) to the end, 15 minutes after the start
    assert timedelta(minutes=14) < timedelta(seconds=recording.rcd_time) <= timedelta(minutes=15)

"""The official SDK's in-meeting control of people (issue 11, BEHAVIOUR §8) against a sandbox
server, on both backends: invitations answered and declined, mutes, hands, roles, co-hosts,
rename, lock, hang-up, attendee deletion, the waiting room, roll call and broadcast, and the
access-token queries on who is and was there. Every refusal: status, code, and nothing changed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from huaweicloudsdkmeeting.v1 import (
    AllowGuestUnmuteRequest,
    AllowWaitingParticipantRequest,
    Attendee,
    BatchHandRequest,
    BatchMoveToWaitingRoomRequest,
    BroadcastParticipantRequest,
    CancelBroadcastRequest,
    CheckCallNumberInConfRequest,
    CreateMeetingRequest,
    DelAttendInfo,
    DeleteAttendeesRequest,
    HandRequest,
    HangUpRequest,
    InviteOperateVideoRequest,
    InviteParticipantRequest,
    ListOnlineConfAttendeeRequest,
    LockMeetingRequest,
    MeetingClient,
    MoveToWaitingRoomRequest,
    MuteMeetingRequest,
    MuteParticipantRequest,
    PauseConferenceReq,
    PauseConferenceRequest,
    RenameParticipantRequest,
    RestAllowUnMuteReqBody,
    RestAllowWaitingParticipantReqBody,
    RestBatchHandsUpReqBody,
    RestBatchMoveToWaitingRoomReqBody,
    RestBulkDelAttendReqBody,
    RestBulkHangUpReqBody,
    RestChairTokenReqBody,
    RestConfConfigDTO,
    RestHandsUpReqBody,
    RestInviteReqBody,
    RestLockReqBody,
    RestMoveToWaitingRoomReqBody,
    RestMuteParticipantReqBody,
    RestMuteReqBody,
    RestRenamePartReqBody,
    RestScheduleConfDTO,
    RestSetCohostBody,
    RestVideoBody,
    RollcallParticipantRequest,
    SearchAttendanceRecordsOfHisMeetingRequest,
    SearchOnlineMeetingsRequest,
    SetCohostRequest,
    SetRoleRequest,
    ShowRealTimeInfoOfMeetingRequest,
    StopMeetingRequest,
    UpdateStartedConfConfigRequest,
    UpdateStartedConfigReqBody,
)
from huaweicloudsdkmeeting.v1.model.conference_info import ConferenceInfo

from support import Server, unique
from support.sandbox import Sandbox
from support.sdk import SdkFactory, control_token, create, detail, sdk_error


@pytest.fixture
def target(sandbox_server: Server) -> Server:
    """`sdk`, `member` and `client` (tests/compat/conftest.py) talk to the module's sandbox server."""
    return sandbox_server


@dataclass
class Meeting:
    """One running meeting, its host's SDK client and control token."""

    client: MeetingClient
    conf: ConferenceInfo
    token: str

    @property
    def id(self) -> str:
        cid: str = self.conf.conference_id
        return cid

    def call(self, request_type: Any, **fields: Any) -> Any:
        """Calls the SDK method of `request_type` for this meeting with the host's token."""
        name = _method(request_type.__name__)
        request = request_type(conference_id=self.id, x_conference_authorization=self.token, **fields)
        return getattr(self.client, name)(request)

    def info(self) -> Any:
        return self.call(ShowRealTimeInfoOfMeetingRequest)

    def people(self) -> dict[str, Any]:
        """Participants listed by realTimeInfo, by name."""
        return {p.name: p for p in self.info().participants or []}

    def attendee_names(self) -> list[str]:
        return sorted(a.name for a in self.info().attendees or [])


def _method(request_name: str) -> str:
    base = request_name.removesuffix("Request")
    return "".join("_" + c.lower() if c.isupper() else c for c in base).lstrip("_")


def _running(client: MeetingClient, *, waiting_room: bool = False) -> Meeting:
    if waiting_room:
        body = RestScheduleConfDTO(
            media_types="Voice",
            subject=unique("people"),
            conf_config_info=RestConfConfigDTO(enable_waiting_room=True),
        )
        conf = client.create_meeting(CreateMeetingRequest(body=body)).body[0]
    else:
        conf = create(client)
    return Meeting(client, conf, control_token(client, conf).token)


@pytest.fixture
def meeting(client: MeetingClient) -> Meeting:
    return _running(client)


def test_invitees_answer_and_decline(meeting: Meeting, sandbox: Sandbox) -> None:
    invitees = [
        Attendee(name="Bea", phone="+991001", type="normal"),
        Attendee(name="Cy", phone="+991002", type="normal"),
    ]
    meeting.call(InviteParticipantRequest, body=RestInviteReqBody(attendees=invitees))
    called = meeting.people()
    assert {name: p.state for name, p in called.items()} == {"Bea": 1, "Cy": 1}
    assert {p.phone for p in called.values()} == {"+991001", "+991002"}
    sandbox.answer(meeting.id, called["Bea"].pid)
    sandbox.decline(meeting.id, called["Cy"].pid)
    people = meeting.people()
    assert list(people) == ["Bea"] and people["Bea"].state == 0
    assert meeting.attendee_names() == ["Bea", "Cy"]


def test_unanswered_call_ends_after_a_minute(meeting: Meeting, sandbox: Sandbox) -> None:
    meeting.call(
        InviteParticipantRequest,
        body=RestInviteReqBody(attendees=[Attendee(name="Dee", phone="+991003", type="normal")]),
    )
    assert list(meeting.people()) == ["Dee"]
    sandbox.advance(seconds=61)
    assert meeting.people() == {}
    assert meeting.attendee_names() == ["Dee"]
    kinds = [e["kind"] for e in sandbox.events(meeting.id)]
    assert kinds[-2:] == ["invited", "call_failed"]


def test_mute_one_and_all(meeting: Meeting, sandbox: Sandbox) -> None:
    host = sandbox.join(meeting.id, "Host", role=1)
    ann = sandbox.join(meeting.id, "Ann")
    sandbox.join(meeting.id, "Ben")
    meeting.call(MuteParticipantRequest, participant_id=ann, body=RestMuteParticipantReqBody(is_mute=1))
    assert {n: p.mute for n, p in meeting.people().items()} == {"Host": 0, "Ann": 1, "Ben": 0}
    meeting.call(MuteMeetingRequest, body=RestMuteReqBody(is_mute=1, allow_unmute_by_oneself=0))
    assert {n: p.mute for n, p in meeting.people().items()} == {"Host": 0, "Ann": 1, "Ben": 1}
    assert meeting.info().conf_info.chair_id == host
    late = sandbox.join(meeting.id, "Late")
    assert meeting.people()["Late"].mute == 1  # muted on join while the meeting is muted
    meeting.call(MuteMeetingRequest, body=RestMuteReqBody(is_mute=0))
    assert meeting.people()["Late"].mute == 1  # un-muting the meeting un-mutes nobody by force
    meeting.call(MuteParticipantRequest, participant_id=late, body=RestMuteParticipantReqBody(is_mute=0))
    meeting.call(AllowGuestUnmuteRequest, body=RestAllowUnMuteReqBody(allow_unmute_by_oneself=1))
    assert meeting.people()["Late"].mute == 0


def test_hands_roles_cohosts_and_rename(meeting: Meeting, sandbox: Sandbox) -> None:
    host = sandbox.join(meeting.id, "Host", role=1)
    ann = sandbox.join(meeting.id, "Ann")
    ben = sandbox.join(meeting.id, "Ben")
    meeting.call(HandRequest, participant_id=ann, body=RestHandsUpReqBody(hands_state=1))
    assert meeting.people()["Ann"].hand == 1
    meeting.call(BatchHandRequest, body=RestBatchHandsUpReqBody(hands_state=1, pids=[ben, "0" * 32]))
    assert {n: p.hand for n, p in meeting.people().items()} == {"Host": 0, "Ann": 1, "Ben": 1}
    meeting.call(BatchHandRequest, body=RestBatchHandsUpReqBody(hands_state=0, pids=[ann, ben]))
    assert {p.hand for p in meeting.people().values()} == {0}
    with sdk_error(400, "MMC.111072069", "CONF_CHAIR_FORBIDDEN_HAND: the host's hand cannot be raised."):
        meeting.call(HandRequest, participant_id=host, body=RestHandsUpReqBody(hands_state=1))
    assert meeting.people()["Host"].hand == 0

    meeting.call(SetRoleRequest, participant_id=ben, body=RestChairTokenReqBody(apply_chair=1))
    assert meeting.info().conf_info.chair_id == ben
    meeting.call(SetRoleRequest, participant_id=ben, body=RestChairTokenReqBody(apply_chair=0))
    assert meeting.info().conf_info.chair_id == ""

    meeting.call(SetRoleRequest, participant_id=host, body=RestChairTokenReqBody(apply_chair=1))
    meeting.call(SetCohostRequest, participant_id=ann, body=RestSetCohostBody(is_cohost=1))
    assert meeting.info().conf_info.co_hosts == [ann]
    with sdk_error(400, "MMC.111072107", "CHAIR_CANNOT_BE_COHOST: the host cannot be made a co-host."):
        meeting.call(SetCohostRequest, participant_id=host, body=RestSetCohostBody(is_cohost=1))
    meeting.call(SetCohostRequest, participant_id=ann, body=RestSetCohostBody(is_cohost=0))
    assert meeting.info().conf_info.co_hosts == []

    meeting.call(
        RenameParticipantRequest,
        body=RestRenamePartReqBody(participant_id=ann, number="", new_name="Annie"),
    )
    assert sorted(meeting.people()) == ["Annie", "Ben", "Host"]


def test_lock_refuses_guests_but_not_invitees_or_the_chair(meeting: Meeting, sandbox: Sandbox) -> None:
    meeting.call(
        InviteParticipantRequest,
        body=RestInviteReqBody(attendees=[Attendee(name="Vip", phone="+991010", type="normal")]),
    )
    meeting.call(LockMeetingRequest, body=RestLockReqBody(is_lock=1))
    refused = sandbox.try_join(meeting.id, "Guest", password=_guest(meeting))
    assert (refused.status_code, refused.json()["error_code"]) == (400, "MMC.111072050")
    refused = sandbox.try_join(meeting.id, "Anyone")
    assert (refused.status_code, refused.json()["error_code"]) == (400, "MMC.111072050")
    sandbox.join(meeting.id, "Vip", number="+991010")  # the invitee being called: answers
    sandbox.join(meeting.id, "Chair", password=_chair(meeting))
    people = meeting.people()
    assert {n: p.state for n, p in people.items()} == {"Vip": 0, "Chair": 0}
    assert meeting.info().conf_info.chair_id == people["Chair"].pid
    meeting.call(LockMeetingRequest, body=RestLockReqBody(is_lock=0))
    sandbox.join(meeting.id, "Anyone")
    assert "Anyone" in meeting.people()


def _chair(meeting: Meeting) -> str:
    return next(e.password for e in meeting.conf.password_entry if e.conference_role == "chair")


def _guest(meeting: Meeting) -> str:
    return next(e.password for e in meeting.conf.password_entry if e.conference_role == "general")


def test_hang_up_keeps_the_attendee_and_delete_removes_both(meeting: Meeting, sandbox: Sandbox) -> None:
    meeting.call(
        InviteParticipantRequest,
        body=RestInviteReqBody(
            attendees=[
                Attendee(name="Eve", phone="+991020", type="normal"),
                Attendee(name="Fay", phone="+991021", type="normal"),
            ]
        ),
    )
    called = meeting.people()
    for p in called.values():
        sandbox.answer(meeting.id, p.pid)
    meeting.call(HangUpRequest, body=RestBulkHangUpReqBody(bulk_hang_up_participants=[called["Eve"].pid]))
    assert list(meeting.people()) == ["Fay"]
    assert meeting.attendee_names() == ["Eve", "Fay"]
    meeting.call(
        DeleteAttendeesRequest,
        body=RestBulkDelAttendReqBody(
            bulk_del_attend_info=[DelAttendInfo(number="+991021", participant_id=called["Fay"].pid)]
        ),
    )
    assert meeting.people() == {}
    assert meeting.attendee_names() == ["Eve"]
    shown = detail(meeting.client, meeting.id)  # the management detail lists the run's invitees
    assert [(a.name, a.phone) for a in shown.part_attendee_info] == [("Eve", "+991020")]
    assert shown.size == 1
    with sdk_error(400, "MMC.111072017", "CONF_HAS_NO_ATTENDEE: the meeting has no such attendee."):
        meeting.call(
            DeleteAttendeesRequest,
            body=RestBulkDelAttendReqBody(bulk_del_attend_info=[DelAttendInfo(number="+999999")]),
        )
    assert meeting.attendee_names() == ["Eve"]


def test_waiting_room(client: MeetingClient, sandbox: Sandbox) -> None:
    meeting = _running(client, waiting_room=True)
    sandbox.join(meeting.id, "Host", role=1)  # the host goes straight in
    ann = sandbox.join(meeting.id, "Ann")
    ben = sandbox.join(meeting.id, "Ben")
    assert list(meeting.people()) == ["Host"]  # the waiting room is not listed
    meeting.call(AllowWaitingParticipantRequest, body=RestAllowWaitingParticipantReqBody(participant_id=ann))
    assert sorted(meeting.people()) == ["Ann", "Host"]
    meeting.call(AllowWaitingParticipantRequest, body=RestAllowWaitingParticipantReqBody(allow_all=True))
    assert sorted(meeting.people()) == ["Ann", "Ben", "Host"]
    meeting.call(MoveToWaitingRoomRequest, body=RestMoveToWaitingRoomReqBody(participant_id=ann))
    meeting.call(
        BatchMoveToWaitingRoomRequest, body=RestBatchMoveToWaitingRoomReqBody(batch_participants=[ben])
    )
    assert list(meeting.people()) == ["Host"]
    with sdk_error(
        400, "MMC.111072008", "CONF_PARTICIPANT_NOT_EXIST: the participant is not in the meeting."
    ):
        meeting.call(MoveToWaitingRoomRequest, body=RestMoveToWaitingRoomReqBody(participant_id=ann))


def test_only_waiting_people_do_not_keep_a_meeting_alive(client: MeetingClient, sandbox: Sandbox) -> None:
    meeting = _running(client, waiting_room=True)
    sandbox.join(meeting.id, "Waiting")
    sandbox.advance(minutes=31)  # a 30-minute meeting, auto-extension on: nobody is in it
    kinds = [e["kind"] for e in sandbox.events(meeting.id)]
    assert kinds[-1] == "ended" and "auto_extended" not in kinds


def test_rollcall_broadcast_and_cancel(meeting: Meeting, sandbox: Sandbox) -> None:
    sandbox.join(meeting.id, "Host", role=1)
    ann = sandbox.join(meeting.id, "Ann")
    ben = sandbox.join(meeting.id, "Ben")
    meeting.call(MuteParticipantRequest, participant_id=ann, body=RestMuteParticipantReqBody(is_mute=1))
    meeting.call(RollcallParticipantRequest, participant_id=ann)
    assert {n: p.mute for n, p in meeting.people().items()} == {"Host": 0, "Ann": 0, "Ben": 1}
    meeting.call(BroadcastParticipantRequest, participant_id=ben)
    meeting.call(CancelBroadcastRequest)
    kinds = [e["kind"] for e in sandbox.events(meeting.id)]
    assert kinds[-3:] == ["rollcall", "broadcast", "broadcast_cancelled"]
    meeting.call(InviteOperateVideoRequest, participant_id=ben, body=RestVideoBody(status=0))
    meeting.call(PauseConferenceRequest, body=PauseConferenceReq(pause=1))
    meeting.call(
        UpdateStartedConfConfigRequest, body=UpdateStartedConfigReqBody(is_lock=1, call_in_restriction=2)
    )
    refused = sandbox.try_join(meeting.id, "Late")
    assert refused.json()["error_code"] == "MMC.111072050"  # isLock through the settings


def test_refusals_change_nothing(client: MeetingClient, meeting: Meeting, sandbox: Sandbox) -> None:
    ann = sandbox.join(meeting.id, "Ann")
    before = sandbox.events(meeting.id)
    guest = control_token(client, meeting.conf, "general").token
    guest_meeting = Meeting(client, meeting.conf, guest)
    with sdk_error(403, "MMC.111072070", "This operation is not allowed for an attendee."):
        guest_meeting.call(
            MuteParticipantRequest, participant_id=ann, body=RestMuteParticipantReqBody(is_mute=1)
        )
    with sdk_error(
        400, "MMC.111072008", "CONF_PARTICIPANT_NOT_EXIST: the participant is not in the meeting."
    ):
        meeting.call(
            MuteParticipantRequest, participant_id="f" * 32, body=RestMuteParticipantReqBody(is_mute=1)
        )
    with sdk_error(400, "MMC.111072045", "isMute must be one of 0, 1 (got 2)."):
        meeting.call(MuteParticipantRequest, participant_id=ann, body=RestMuteParticipantReqBody(is_mute=2))
    with sdk_error(400, "MMC.111072057", "REQUEST_BODY_IS_NULL: the request body is empty."):
        meeting.call(MuteParticipantRequest, participant_id=ann)
    with sdk_error(400, "MMC.111072031", "SITE_CALL_NUMBER_IS_EMPTY: the number must not be empty."):
        meeting.call(
            InviteParticipantRequest,
            body=RestInviteReqBody(attendees=[Attendee(name="X", phone="", type="normal")]),
        )
    with sdk_error(
        400, "MMC.111072032", "SITE_CALL_NUMBER_LENGTH_TOO_LONG: the number must be at most 32 characters."
    ):
        meeting.call(
            InviteParticipantRequest,
            body=RestInviteReqBody(attendees=[Attendee(name="X", phone="9" * 33, type="normal")]),
        )
    with sdk_error(400, "MMC.111072046", "SITE_NAME_IS_EMPTY: the name must not be empty."):
        meeting.call(
            InviteParticipantRequest,
            body=RestInviteReqBody(attendees=[Attendee(name="", phone="1", type="normal")]),
        )
    with sdk_error(
        400, "MMC.111072034", "SITE_NAME_LENGTH_TOO_LONG: the name must be at most 96 characters."
    ):
        meeting.call(
            InviteParticipantRequest,
            body=RestInviteReqBody(attendees=[Attendee(name="n" * 97, phone="1", type="normal")]),
        )
    with sdk_error(400, "MMC.111072035", "SITE_ROLE_NOT_IN_RANGE: role must be 0 or 1."):
        meeting.call(
            InviteParticipantRequest,
            body=RestInviteReqBody(attendees=[Attendee(name="X", phone="1", type="normal", role=3)]),
        )
    with sdk_error(
        400, "MMC.111072047", "SITE_NEW_NAME_LENGTH_TOO_LONG: the new name must be at most 96 characters."
    ):
        meeting.call(
            RenameParticipantRequest,
            body=RestRenamePartReqBody(participant_id=ann, number="", new_name="n" * 97),
        )
    with sdk_error(400, "MMC.111072018", "CONF_CHAIRMAN_PWD_EXCEPTION: the host password is wrong."):
        meeting.call(
            SetRoleRequest,
            participant_id=ann,
            body=RestChairTokenReqBody(apply_chair=1, chairman_pwd="000000"),
        )
    with sdk_error(400, "MMC.111072045", "applyChair must be one of 0, 1 (got missing)."):
        meeting.call(SetRoleRequest, participant_id=ann, body=RestChairTokenReqBody(chairman_pwd="000000"))
    with sdk_error(400, "MMC.111071061", "participantID is required unless allowAll is true."):
        meeting.call(AllowWaitingParticipantRequest, body=RestAllowWaitingParticipantReqBody(allow_all=False))
    with sdk_error(400, "MMC.111071061", "callInRestriction must be one of 0, 2, 3."):
        meeting.call(
            UpdateStartedConfConfigRequest, body=UpdateStartedConfigReqBody(is_lock=1, call_in_restriction=1)
        )
    with sdk_error(400, "MMC.111072045", "isLock must be one of 0, 1 (got 5)."):
        meeting.call(UpdateStartedConfConfigRequest, body=UpdateStartedConfigReqBody(is_lock=5))
    with sdk_error(400, "MMC.111072057", "REQUEST_BODY_IS_NULL: the request body is empty."):
        meeting.call(UpdateStartedConfConfigRequest, body=UpdateStartedConfigReqBody())
    with sdk_error(
        400, "MMC.111072008", "CONF_PARTICIPANT_NOT_EXIST: the participant is not in the meeting."
    ):
        meeting.call(RollcallParticipantRequest, participant_id="0" * 32)
    assert sandbox.events(meeting.id) == before
    assert {n: (p.mute, p.hand) for n, p in meeting.people().items()} == {"Ann": (0, 0)}
    assert sandbox.try_join(meeting.id, "Later").status_code == 200  # the refused isLock did not lock
    assert meeting.attendee_names() == []


def test_attendance_online_list_and_call_number(
    client: MeetingClient, sdk: SdkFactory, meeting: Meeting, sandbox: Sandbox, sandbox_server: Server
) -> None:
    number = "+99" + unique("n")[-8:].replace("-", "0")
    ann = sandbox.join(meeting.id, "Ann", number=number)
    sandbox.join(meeting.id, "Ben")
    online = client.list_online_conf_attendee(ListOnlineConfAttendeeRequest(conf_id=meeting.id))
    assert online.count == 2 and sorted(a.name for a in online.data) == ["Ann", "Ben"]
    running = client.search_online_meetings(SearchOnlineMeetingsRequest()).data
    assert [m.online_attendee_amount for m in running if m.conference_id == meeting.id] == [2]
    found = client.check_call_number_in_conf(CheckCallNumberInConfRequest(call_number=number))
    assert (found.in_conf, found.conf_id) == (True, meeting.id)
    stranger = sdk.account(sandbox_server.add_user(corp=unique("corp")))
    with sdk_error(400, "MMC.111070005", "Meeting does not exist."):
        stranger.list_online_conf_attendee(ListOnlineConfAttendeeRequest(conf_id=meeting.id))
    assert (
        stranger.check_call_number_in_conf(CheckCallNumberInConfRequest(call_number=number)).in_conf is False
    )

    sandbox.leave(meeting.id, ann)
    sandbox.advance(minutes=1)
    sandbox.join(meeting.id, "Ann", number=number)
    sandbox.advance(minutes=1)
    meeting.call(StopMeetingRequest)
    assert client.check_call_number_in_conf(CheckCallNumberInConfRequest(call_number=number)).in_conf is False
    conf_uuid = next(e["confUUID"] for e in sandbox.events(meeting.id))
    records = client.search_attendance_records_of_his_meeting(
        SearchAttendanceRecordsOfHisMeetingRequest(conf_uuid=conf_uuid)
    )
    assert records.count == 3
    rows = sorted((r.display_name, r.join_time, r.left_time) for r in records.data)
    assert [r[0] for r in rows] == ["Ann", "Ann", "Ben"]
    assert all(0 < join <= left for _, join, left in rows)
    ann_rows = [r for r in rows if r[0] == "Ann"]
    assert ann_rows[0][2] < ann_rows[1][1]  # left, then rejoined a minute later
    with sdk_error(400, "MMC.111070005", "Meeting does not exist."):
        stranger.search_attendance_records_of_his_meeting(
            SearchAttendanceRecordsOfHisMeetingRequest(conf_uuid=conf_uuid)
        )

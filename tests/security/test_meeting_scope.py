"""Another account's meeting answers as if it did not exist (MMC.111070005): to a member of the
same enterprise and to an admin of another enterprise, live or ended (BEHAVIOUR §5)."""

from __future__ import annotations

from typing import Any

import pytest

from api.helpers import DETAIL, HISTORY, MEETINGS, MakeMember, Member, assert_error, future_start, now_ms, ok
from security.wire import NOT_FOUND
from support import unique

HISTORY_DETAIL = f"{HISTORY}/confDetail"
CONTROL_RECORDS = f"{HISTORY}/confCtlRecord"
ONLINE_DETAIL = f"{MEETINGS}/online/confDetail"
STRANGERS = ["member of the same enterprise", "admin of another enterprise"]
CORP, OTHER_CORP = unique("corp"), unique("corp")


def owner_and_stranger(cast: MakeMember, stranger: str) -> tuple[Member, Member]:
    owner = cast("owner", corp=CORP)
    if stranger == "member of the same enterprise":
        return owner, cast("peer", corp=CORP)
    return owner, cast("foreign admin", corp=OTHER_CORP, admin=True)


def scheduled(owner: Member, subject: str = "owner's") -> dict[str, Any]:
    return owner.create(subject=subject, length=60, startTime=future_start(180))


def update_body(subject: str) -> dict[str, Any]:
    return {"mediaTypes": "Voice", "subject": subject, "length": 60, "startTime": future_start(240)}


def ended_run(owner: Member) -> tuple[str, str]:
    """An instant meeting stopped by its chair: (conferenceID, confUUID of the ended run)."""
    meeting = owner.create(subject="ended")
    cid = meeting["conferenceID"]
    ok(owner.stop(cid, owner.control_token(meeting)))
    records = owner.history(cid)
    assert len(records) == 1, records
    conf_uuid: str = records[0]["confUUID"]
    return cid, conf_uuid


def history_ids(member: Member) -> list[str]:
    day = 24 * 3600 * 1000
    params: dict[str, str | int] = {
        "startDate": now_ms() - day,
        "endDate": now_ms() + day,
        "limit": 500,
        "queryAll": "true",
    }
    r = ok(member.http.get(HISTORY, params=params))
    return [m["conferenceID"] for m in r.json()["data"]]


@pytest.mark.parametrize("stranger_kind", STRANGERS)
def test_stranger_gets_no_detail(cast: MakeMember, stranger_kind: str) -> None:
    owner, stranger = owner_and_stranger(cast, stranger_kind)
    for cid in (scheduled(owner)["conferenceID"], owner.create()["conferenceID"]):
        assert_error(stranger.detail_raw(cid), 400, NOT_FOUND, "Meeting does not exist.")
        assert cid not in stranger.list_ids(queryAll="true")


@pytest.mark.parametrize("stranger_kind", STRANGERS)
def test_stranger_gets_no_online_detail(cast: MakeMember, stranger_kind: str) -> None:
    owner, stranger = owner_and_stranger(cast, stranger_kind)
    cid = owner.create()["conferenceID"]
    ok(owner.http.get(ONLINE_DETAIL, params={"conferenceID": cid}))

    assert_error(
        stranger.http.get(ONLINE_DETAIL, params={"conferenceID": cid}),
        400,
        NOT_FOUND,
        "Meeting does not exist.",
    )


@pytest.mark.parametrize("stranger_kind", STRANGERS)
def test_stranger_cannot_update(cast: MakeMember, stranger_kind: str) -> None:
    owner, stranger = owner_and_stranger(cast, stranger_kind)
    meeting = scheduled(owner)
    cid = meeting["conferenceID"]
    before = owner.detail(cid)

    r = stranger.http.put(MEETINGS, params={"conferenceID": cid}, json=update_body("stranger's"))

    assert_error(r, 400, NOT_FOUND, "Meeting does not exist.")
    after = owner.detail(cid)
    for name in ("subject", "startTime", "endTime", "length", "conferenceState"):
        assert after.get(name) == before.get(name), name


@pytest.mark.parametrize("stranger_kind", STRANGERS)
def test_stranger_cannot_cancel_a_scheduled_meeting(cast: MakeMember, stranger_kind: str) -> None:
    owner, stranger = owner_and_stranger(cast, stranger_kind)
    cid = scheduled(owner)["conferenceID"]

    assert_error(
        stranger.http.delete(MEETINGS, params={"conferenceID": cid}),
        400,
        NOT_FOUND,
        "Meeting does not exist.",
    )

    assert owner.detail(cid)["conferenceState"] == "Schedule"
    assert cid in owner.list_ids()


@pytest.mark.parametrize("stranger_kind", STRANGERS)
def test_stranger_cannot_end_a_running_meeting(cast: MakeMember, stranger_kind: str) -> None:
    owner, stranger = owner_and_stranger(cast, stranger_kind)
    cid = owner.create()["conferenceID"]

    r = stranger.http.delete(MEETINGS, params={"conferenceID": cid, "type": 1})

    assert_error(r, 400, NOT_FOUND, "Meeting does not exist.")
    assert owner.detail(cid)["conferenceState"] == "Created"


@pytest.mark.parametrize("stranger_kind", STRANGERS)
def test_stranger_gets_no_history_of_an_ended_run(cast: MakeMember, stranger_kind: str) -> None:
    owner, stranger = owner_and_stranger(cast, stranger_kind)
    cid, conf_uuid = ended_run(owner)
    ok(owner.http.get(HISTORY_DETAIL, params={"confUUID": conf_uuid}))
    ok(owner.http.get(CONTROL_RECORDS, params={"confUUID": conf_uuid}))

    assert_error(
        stranger.http.get(HISTORY_DETAIL, params={"confUUID": conf_uuid}),
        400,
        NOT_FOUND,
        "Meeting does not exist.",
    )
    assert_error(
        stranger.http.get(CONTROL_RECORDS, params={"confUUID": conf_uuid}),
        400,
        NOT_FOUND,
        "Meeting does not exist.",
    )
    assert cid not in history_ids(stranger)
    assert_error(stranger.detail_raw(cid), 400, NOT_FOUND, "Meeting does not exist.")


def test_admin_of_the_same_enterprise_reads_the_history(cast: MakeMember) -> None:
    """The control case for the refusals above: the confUUID itself is good."""
    owner, admin = cast("owner", corp=CORP), cast("admin", corp=CORP, admin=True)
    cid, conf_uuid = ended_run(owner)

    body = ok(admin.http.get(HISTORY_DETAIL, params={"confUUID": conf_uuid})).json()

    assert body["conferenceData"]["conferenceID"] == cid
    assert cid in history_ids(admin)


def test_unknown_conf_uuid_answers_like_a_foreign_one(cast: MakeMember) -> None:
    owner, stranger = owner_and_stranger(cast, "member of the same enterprise")
    _, conf_uuid = ended_run(owner)
    foreign = stranger.http.get(HISTORY_DETAIL, params={"confUUID": conf_uuid})
    unknown = stranger.http.get(HISTORY_DETAIL, params={"confUUID": "0" * len(conf_uuid)})
    assert_error(foreign, 400, NOT_FOUND, "Meeting does not exist.")
    assert_error(unknown, 400, NOT_FOUND, "Meeting does not exist.")
    assert foreign.json() == unknown.json()


def test_stranger_gets_no_detail_by_guessing_ids(cast: MakeMember) -> None:
    """Detail by id for a run of ids: a stranger never learns which ids exist."""
    owner, stranger = owner_and_stranger(cast, "member of the same enterprise")
    cid = owner.create()["conferenceID"]
    answers = {
        stranger.http.get(DETAIL, params={"conferenceID": c}).text for c in (cid, "000000000", "999999999")
    }
    assert len(answers) == 1, answers

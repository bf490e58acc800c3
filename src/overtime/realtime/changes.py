"""What the people frames of one change say (reference §3.2, §5): the difference between the
sites and invitees a meeting's subscribers last saw and what is there now, as the entries of
incremental `ParticipantsNotify`, `WaitingListNotify`, `AttendeesNotify` and `InviteResultNotify`
frames. Computed once per change, whatever the number of subscribers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from overtime.domain.events import EventKind, MeetingEvent
from overtime.domain.presence import Participant, SiteState
from overtime.domain.room import NO_ANSWER
from overtime.domain.room_state import Invitee
from overtime.realtime import frames

LISTED = (SiteState.IN_MEETING, SiteState.CALLING)
"""The sites `ParticipantsNotify` and `realTimeInfo` list; waiting ones are in the waiting list."""


@dataclass
class PeopleChange:
    participants: list[dict[str, Any]] = field(default_factory=list)
    waiting: list[dict[str, Any]] = field(default_factory=list)
    attendees: list[dict[str, Any]] = field(default_factory=list)
    invite_results: list[dict[str, Any]] = field(default_factory=list)


def listed(sites: Sequence[Participant]) -> list[Participant]:
    return [p for p in sites if p.state in LISTED]


def waiting(sites: Sequence[Participant]) -> list[Participant]:
    return [p for p in sites if p.state is SiteState.WAITING]


def full_participants(sites: Sequence[Participant]) -> list[dict[str, Any]]:
    return [frames.site_entry(p.participant_id, frames.pinfo(p)) for p in listed(sites)]


def full_waiting(sites: Sequence[Participant]) -> list[dict[str, Any]]:
    return [frames.site_entry(p.participant_id, frames.waiting_info(p)) for p in waiting(sites)]


def full_attendees(invitees: Sequence[Invitee]) -> list[dict[str, Any]]:
    return [frames.attendee_entry(i) for i in invitees]


def _departure_code(p: Participant, events: Sequence[MeetingEvent]) -> str:
    """Why a site went, as an `InviteResultNotify` result code."""
    actor = f"participant:{p.participant_id}"
    for e in events:
        if e.kind is EventKind.CALL_FAILED and e.actor == actor:
            return frames.NO_ANSWER if e.detail == NO_ANSWER else frames.LEFT_BY_ITSELF
    if any(e.kind in (EventKind.HUNG_UP, EventKind.ATTENDEES_DELETED) for e in events):
        return frames.HUNG_UP_BY_PORTAL
    return frames.LEFT_BY_ITSELF


def diff(
    before: Sequence[Participant],
    after: Sequence[Participant],
    invitees_before: Sequence[Invitee],
    invitees_after: Sequence[Invitee],
    events: Sequence[MeetingEvent],
) -> PeopleChange:
    change = PeopleChange()
    old = {p.participant_id: p for p in before}
    new = {p.participant_id: p for p in after}
    old_listed = {p.participant_id: p for p in listed(before)}
    new_listed = {p.participant_id: p for p in listed(after)}
    for pid, p in new_listed.items():
        fields = frames.pinfo(p)
        if pid in old_listed:
            previous = frames.pinfo(old_listed[pid])
            fields = {k: v for k, v in fields.items() if previous.get(k) != v}
            if not fields:
                continue
        change.participants.append(frames.site_entry(pid, fields))
    for pid in old_listed.keys() - new_listed.keys():
        change.participants.append(frames.site_entry(pid, {}, frames.REMOVE))

    old_waiting = {p.participant_id: p for p in waiting(before)}
    new_waiting = {p.participant_id: p for p in waiting(after)}
    for pid, p in new_waiting.items():
        if pid not in old_waiting or old_waiting[pid].name != p.name:
            change.waiting.append(frames.site_entry(pid, frames.waiting_info(p)))
    for pid in old_waiting.keys() - new_waiting.keys():
        admitted = pid in new and new[pid].state is SiteState.IN_MEETING
        change.waiting.append(
            frames.site_entry(pid, {"WAITINGSTATE": "1"} if admitted else {}, frames.REMOVE)
        )

    old_invitees = {i.phone: i for i in invitees_before}
    new_invitees = {i.phone: i for i in invitees_after}
    for phone, i in new_invitees.items():
        if old_invitees.get(phone) != i:
            change.attendees.append(frames.attendee_entry(i))
    for phone in old_invitees.keys() - new_invitees.keys():
        change.attendees.append(frames.attendee_entry(old_invitees[phone], frames.REMOVE))

    for pid, p in old.items():
        if p.state is SiteState.CALLING and pid in new and new[pid].state is SiteState.IN_MEETING:
            change.invite_results.append(frames.invite_result(p.phone, frames.CALL_OK))
        elif pid not in new and p.state is not SiteState.WAITING:
            change.invite_results.append(frames.invite_result(p.phone, _departure_code(p, events)))
    return change

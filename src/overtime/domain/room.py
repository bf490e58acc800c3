"""The people of a running meeting and the host's control of them (BEHAVIOUR §8).

A `Room` is a running meeting with its present sites (in the meeting, being called, waiting).
Each method checks its rule, changes the sites and the meeting-wide state, appends ledger
entries (one control record per operation, plus `JOINED`/`LEFT` for sites entering or leaving the
meeting itself) and notes what to save: changed sites and attendance sessions opened or closed.
Pure Python; every "now" is passed in."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from overtime.domain import credentials, errors
from overtime.domain.events import EventKind
from overtime.domain.meeting import Meeting, MeetingState
from overtime.domain.presence import MAX_NAME, MAX_NUMBER, Participant, SiteState
from overtime.domain.room_state import MAX_INVITEES, Invitee
from overtime.domain.tokens import Role

CALL_TIMEOUT = timedelta(seconds=60)
"""A call nobody answers ends after this long (server or sandbox clock)."""
MAX_SITES = 500
"""Sites at once in one meeting (in it, being called or waiting): `MMC.111072101` beyond."""
MAX_COHOSTS = 100
ACTOR = "chair"
NO_ANSWER = "no answer"
DECLINED = "declined"


@dataclass(frozen=True)
class Session:
    """An attendance session opened: a site entered the meeting itself."""

    participant_id: str
    name: str
    phone: str
    at: datetime


def _participant_actor(p: Participant) -> str:
    return f"participant:{p.participant_id}"


class Room:
    def __init__(self, meeting: Meeting, sites: Iterable[Participant]) -> None:
        self.meeting = meeting
        self.sites: dict[str, Participant] = {
            p.participant_id: p for p in sites if p.present and p.conf_uuid == meeting.conf_uuid
        }
        self.changed: dict[str, Participant] = {}
        self.opened: list[Session] = []
        self.closed: list[tuple[str, datetime]] = []

    # -- reading --------------------------------------------------------------------------------

    @property
    def state(self) -> MeetingState:
        return self.meeting.state

    @property
    def host(self) -> Participant | None:
        return next((p for p in self.sites.values() if p.is_host), None)

    def in_meeting(self) -> list[Participant]:
        return [p for p in self.sites.values() if p.state is SiteState.IN_MEETING]

    def site(self, participant_id: str, *states: SiteState) -> Participant:
        """A present site, in one of `states` (any when none given), or `MMC.111072008`."""
        p = self.sites.get(participant_id)
        if p is None or (states and p.state not in states):
            raise errors.SiteNotFound()
        return p

    # -- bookkeeping ----------------------------------------------------------------------------

    def _touch(self, p: Participant) -> None:
        self.changed[p.participant_id] = p

    def _enter(self, p: Participant, now: datetime) -> None:
        """`p` enters the meeting itself: presence, an attendance session, `meeting.join`."""
        p.state, p.call_expires = SiteState.IN_MEETING, None
        if self.meeting.room.mute and not p.is_host:
            p.mute = True
        self.opened.append(Session(p.participant_id, p.name, p.phone, now))
        self.meeting.joined(p.name, p.participant_id, now)
        self._touch(p)

    def _exit(self, p: Participant, now: datetime) -> None:
        """`p` leaves the meeting itself (if it was in it): its session closes, `meeting.left`;
        it is no longer a co-host, and the floor it held (broadcast, roll call) is released."""
        if p.state is SiteState.IN_MEETING:
            self.closed.append((p.participant_id, now))
            self.meeting.left(p.name, p.participant_id, now)
        p.cohost = False
        if p.broadcast or p.rollcall:
            p.broadcast = p.rollcall = False
            self.meeting.room.mode = "FREE"
        self._touch(p)

    def _drop(self, p: Participant, now: datetime) -> None:
        """`p` is gone from the meeting (it stays an invitee, if it was one)."""
        self._exit(p, now)
        p.left_at = now
        p.call_expires = None
        self.sites.pop(p.participant_id, None)

    def _new_site(
        self, name: str, phone: str, now: datetime, *, state: SiteState, pid: str = ""
    ) -> Participant:
        if len(self.sites) >= MAX_SITES:
            raise errors.TooManyParticipants()
        p = Participant(
            participant_id=pid or uuid.uuid4().hex,
            conference_id=self.meeting.conference_id,
            conf_uuid=self.meeting.conf_uuid,
            name=name,
            role=Role.ATTENDEE,
            joined_at=now,
            phone=phone,
            state=state,
        )
        self.sites[p.participant_id] = p
        self._touch(p)
        return p

    def settle(self) -> None:
        """After every change: the earliest end of an unanswered call becomes a deadline."""
        expiries = [p.call_expires for p in self.sites.values() if p.call_expires is not None]
        self.meeting.room.call_deadline = min(expiries) if expiries else None

    def _note(self, kind: EventKind, now: datetime, detail: str = "") -> None:
        self.meeting.note(kind, now, ACTOR, detail)

    def _targets(self, pids: Sequence[str], *states: SiteState) -> list[Participant]:
        """The sites of a batch that exist (unknown ids are ignored), each once."""
        found: dict[str, Participant] = {}
        for pid in pids:
            p = self.sites.get(pid)
            if p is not None and (not states or p.state in states):
                found[pid] = p
        return list(found.values())

    # -- sites arriving and going (the sandbox's stand-in for clients) ----------------------------

    def join(
        self,
        name: str,
        now: datetime,
        *,
        phone: str = "",
        video: bool = False,
        as_host: bool = False,
        password: str | None = None,
    ) -> Participant:
        """A site joins by itself. A scheduled meeting starts with its first site. The chair
        password (or `as_host`) joins as host when there is none; a locked meeting admits only
        and invitees (`MMC.111072050`); with the waiting room on, others wait."""
        if not name or len(name) > MAX_NAME:
            raise errors.InvalidParameter("name must be 1 to 96 characters.")
        if len(phone) > MAX_NUMBER:
            raise errors.CallNumberTooLong()
        m = self.meeting
        chair, chair_password = as_host, False
        if password:
            # Both comparisons always run: the time taken does not tell which password matched.
            is_chair = credentials.same(password, m.chair_password)
            is_guest = credentials.same(password, m.guest_password)
            if not (is_chair or is_guest):
                raise errors.ConferenceAuthFailed()
            chair, chair_password = chair or is_chair, is_chair
        pid = uuid.uuid4().hex
        if m.state is MeetingState.SCHEDULED:
            m.start(now, f"participant:{pid}")
            self.sites.clear()
        elif m.state is not MeetingState.RUNNING:
            raise errors.MeetingNotFound()
        invitee = m.room.invitee(phone)
        if m.room.lock and not chair_password and invitee is None:
            raise errors.MeetingLocked()  # only the chair password and invitees get in
        calling = next(
            (p for p in self.sites.values() if phone and p.phone == phone and p.state is SiteState.CALLING),
            None,
        )
        if calling is not None:  # the invitee being called joins: the call is answered
            calling.name, calling.video = name, video
            self.answer(calling.participant_id, now)
            return calling
        becomes_host = (chair or (invitee is not None and invitee.role == 1)) and self.host is None
        waiting = bool(m.room.waiting_room) and not becomes_host
        state = SiteState.WAITING if waiting else SiteState.IN_MEETING
        p = self._new_site(name, phone, now, state=state, pid=pid)
        p.video, p.invited = video, invitee is not None
        if becomes_host:
            p.role = Role.CHAIR  # the chair, or an invitee invited as host
        if waiting:
            m.note(EventKind.WAITING, now, _participant_actor(p), name)
        else:
            self._enter(p, now)
        return p

    def leave(self, participant_id: str, now: datetime) -> None:
        """A site leaves by itself (a call being declined is `decline`)."""
        p = self.site(participant_id)
        if p.state is SiteState.CALLING:
            self.decline(participant_id, now)
            return
        if p.state is SiteState.WAITING:  # it never joined: no `meeting.left`
            self.meeting.note(EventKind.WAITING_LEFT, now, _participant_actor(p), p.name)
        self._drop(p, now)

    def answer(self, participant_id: str, now: datetime) -> Participant:
        """A called site answers: it enters the meeting (the host invited it: no waiting room)."""
        p = self.site(participant_id, SiteState.CALLING)
        invitee = self.meeting.room.invitee(p.phone)
        if invitee is not None and invitee.role == 1 and self.host is None:
            p.role, p.hand = Role.CHAIR, False  # the host's hand is never raised
        self._enter(p, now)
        return p

    def decline(self, participant_id: str, now: datetime) -> None:
        p = self.site(participant_id, SiteState.CALLING)
        self.meeting.note(EventKind.CALL_FAILED, now, _participant_actor(p), DECLINED)
        self._drop(p, now)

    def expire_calls(self, now: datetime) -> None:
        """Calls nobody answered within CALL_TIMEOUT end (`InviteResultNotify`: no answer)."""
        for p in sorted(self.sites.values(), key=lambda s: (s.call_expires or now, s.participant_id)):
            if p.state is SiteState.CALLING and p.call_expires is not None and p.call_expires <= now:
                self.meeting.note(EventKind.CALL_FAILED, p.call_expires, _participant_actor(p), NO_ANSWER)
                self._drop(p, p.call_expires)

    # -- the host's operations (reference §6-§7) ------------------------------------------------

    def invite(self, specs: Sequence[Invitee], now: datetime) -> list[Participant]:
        """Each invitee joins `attendees` and, when not already a site, is called."""
        for s in specs:
            if not s.phone:
                raise errors.CallNumberEmpty()
            if len(s.phone) > MAX_NUMBER:
                raise errors.CallNumberTooLong()
            if not s.name:
                raise errors.SiteNameEmpty()
            if len(s.name) > MAX_NAME:
                raise errors.SiteNameTooLong()
            if s.role not in (0, 1):
                raise errors.SiteRoleOutOfRange()
        room, called = self.meeting.room, []
        for s in specs:
            invitee = room.invitee(s.phone)
            if invitee is None:
                if len(room.invitees) >= MAX_INVITEES:
                    raise errors.TooManyParticipants()
                room.invitees.append(replace(s))
            else:
                invitee.name, invitee.role = s.name, s.role
            if any(p.phone == s.phone for p in self.sites.values()):
                continue  # already a site: nobody is called again
            p = self._new_site(s.name, s.phone, now, state=SiteState.CALLING)
            p.invited, p.call_expires = True, now + CALL_TIMEOUT
            called.append(p)
        self._note(EventKind.INVITED, now, ", ".join(s.phone for s in specs))
        return called

    def hang_up(self, pids: Sequence[str], now: datetime) -> None:
        targets = self._targets(pids)
        if not targets:
            return
        self._note(EventKind.HUNG_UP, now, ", ".join(p.name for p in targets))
        for p in targets:
            self._drop(p, now)

    def delete_attendees(self, items: Sequence[tuple[str, str]], now: datetime) -> None:
        """`(number, participantID)` pairs: the invitees go, and their sites with them."""
        room = self.meeting.room
        for number, _pid in items:
            if not number:
                raise errors.CallNumberEmpty()
            if room.invitee(number) is None:
                raise errors.AttendeeNotFound()
        numbers = {number for number, _ in items}
        pids = {pid for _, pid in items if pid}
        room.invitees = [i for i in room.invitees if i.phone not in numbers]
        self._note(EventKind.ATTENDEES_DELETED, now, ", ".join(sorted(numbers)))
        for p in list(self.sites.values()):
            if p.participant_id in pids or p.phone in numbers:
                self._drop(p, now)

    def rename(self, participant_id: str, number: str, new_name: str, now: datetime) -> None:
        if not new_name:
            raise errors.SiteNameEmpty()
        if len(new_name) > MAX_NAME:
            raise errors.NewNameTooLong()
        room = self.meeting.room
        if participant_id:
            sites = [self.site(participant_id)]
        else:
            if not number:
                raise errors.CallNumberEmpty()
            sites = [p for p in self.sites.values() if p.phone == number]
            if not sites and room.invitee(number) is None:
                raise errors.SiteNotFound()
        for p in sites:
            p.name = new_name
            self._touch(p)
        for phone in {number, *(p.phone for p in sites)}:
            invitee = room.invitee(phone)
            if invitee is not None:
                invitee.name = new_name
        self._note(EventKind.RENAMED, now, new_name)

    def set_role(self, participant_id: str, apply_chair: int, chair_password: str, now: datetime) -> None:
        """1: the site becomes the host (the previous host an ordinary participant); 0: the
        host role is released (the meeting has no host)."""
        if apply_chair:
            p = self.site(participant_id, SiteState.IN_MEETING)
            if chair_password and not credentials.same(chair_password, self.meeting.chair_password):
                raise errors.ChairPasswordWrong()
            previous = self.host
            if previous is not None and previous is not p:
                previous.role = Role.ATTENDEE
                self._touch(previous)
            p.role, p.cohost, p.hand = Role.CHAIR, False, False
            detail = f"{p.name}: host"
        else:
            p = self.site(participant_id)
            if p.is_host:
                p.role = Role.ATTENDEE
            detail = f"{p.name}: host released"
        self._touch(p)
        self._note(EventKind.ROLE_SET, now, detail)

    def set_cohost(self, participant_id: str, is_cohost: int, now: datetime) -> None:
        p = self.site(participant_id, SiteState.IN_MEETING)
        if is_cohost:
            if p.is_host:
                raise errors.HostCannotBeCohost()
            if not p.cohost and sum(s.cohost for s in self.sites.values()) >= MAX_COHOSTS:
                raise errors.InvalidParameter(f"A meeting has at most {MAX_COHOSTS} co-hosts.")
        p.cohost = bool(is_cohost)
        self._touch(p)
        self._note(EventKind.COHOST_SET, now, f"{p.name}: {'co-host' if is_cohost else 'co-host revoked'}")

    def mute(self, participant_id: str, is_mute: int, now: datetime) -> None:
        p = self.site(participant_id)
        p.mute = bool(is_mute)
        self._touch(p)
        self._note(EventKind.MUTED, now, f"{p.name}: {'muted' if is_mute else 'unmuted'}")

    def mute_meeting(self, is_mute: int, allow_unmute: int, now: datetime) -> None:
        """Muting mutes everyone but the host, mutes later joiners and sets `canUnmute`;
        un-muting un-mutes nobody by force, only stops muting joiners."""
        room = self.meeting.room
        room.mute = 1 if is_mute else 0
        if is_mute:
            room.can_unmute = allow_unmute
            for p in self.sites.values():
                if not p.is_host and not p.mute:
                    p.mute = True
                    self._touch(p)
        self._note(EventKind.MEETING_MUTED, now, "muted" if is_mute else "unmuted")

    def allow_guest_unmute(self, allow: int, now: datetime) -> None:
        self.meeting.room.can_unmute = allow
        self._note(EventKind.GUEST_UNMUTE_SET, now, f"canUnmute {allow}")

    def hand(self, participant_id: str, raised: int, now: datetime) -> None:
        p = self.site(participant_id)
        if raised and p.is_host:
            raise errors.HostHandForbidden()
        p.hand = bool(raised)
        self._touch(p)
        self._note(EventKind.HAND_SET, now, f"{p.name}: {'raised' if raised else 'lowered'}")

    def batch_hand(self, pids: Sequence[str], raised: int, now: datetime) -> None:
        targets = self._targets(pids)
        if raised and any(p.is_host for p in targets):
            raise errors.HostHandForbidden()
        if not targets:
            return
        for p in targets:
            p.hand = bool(raised)
            self._touch(p)
        self._note(EventKind.HANDS_SET, now, f"{len(targets)} {'raised' if raised else 'lowered'}")

    def lock(self, is_lock: int, now: datetime) -> None:
        self.meeting.room.lock = is_lock
        self._note(EventKind.LOCKED, now, "locked" if is_lock else "unlocked")

    def update_config(self, changes: dict[str, int], now: datetime) -> None:
        """`update_started_conf_config`: the settings present change (already range-checked)."""
        room = self.meeting.room
        for name, value in changes.items():
            setattr(room, name, value)
        self._note(EventKind.CONFIG_UPDATED, now, ", ".join(f"{k}={v}" for k, v in changes.items()))

    def pause(self, paused: int, now: datetime) -> None:
        self.meeting.room.pause = bool(paused)
        self._note(EventKind.PAUSED, now, "paused" if paused else "resumed")

    def invite_video(self, participant_id: str, status: int, now: datetime) -> None:
        """An invitation to the client (0 turn the camera on, 1 off): recorded, no state."""
        p = self.site(participant_id, SiteState.IN_MEETING)
        self._note(EventKind.VIDEO_INVITED, now, f"{p.name}: camera {'off' if status else 'on'}")

    def _clear_floor(self) -> None:
        for p in self.sites.values():
            if p.broadcast or p.rollcall:
                p.broadcast = p.rollcall = False
                self._touch(p)

    def broadcast(self, participant_id: str, now: datetime) -> None:
        p = self.site(participant_id, SiteState.IN_MEETING)
        self._clear_floor()
        p.broadcast = True
        self._touch(p)
        self.meeting.room.mode = "BROADCAST"
        self._note(EventKind.BROADCAST, now, p.name)

    def cancel_broadcast(self, now: datetime) -> None:
        self._clear_floor()
        self.meeting.room.mode = "FREE"
        self._note(EventKind.BROADCAST_CANCELLED, now)

    def rollcall(self, participant_id: str, now: datetime) -> None:
        """The site is given the floor: un-muted; everyone else but the host muted."""
        p = self.site(participant_id, SiteState.IN_MEETING)
        self._clear_floor()
        p.rollcall, p.mute = True, False
        self._touch(p)
        for other in self.sites.values():
            if other is not p and not other.is_host and not other.mute:
                other.mute = True
                self._touch(other)
        self.meeting.room.mode = "ROLLCALL"
        self._note(EventKind.ROLLCALL, now, p.name)

    def move_to_waiting_room(self, pids: Sequence[str], now: datetime, *, batch: bool) -> None:
        if batch:
            targets = self._targets(pids, SiteState.IN_MEETING)
            if not targets:
                return
        else:
            targets = [self.site(pids[0], SiteState.IN_MEETING)]
        self._note(EventKind.MOVED_TO_WAITING, now, ", ".join(p.name for p in targets))
        for p in targets:
            self._exit(p, now)
            p.state = SiteState.WAITING
            p.role = Role.ATTENDEE  # a host sent to wait is no longer the host: the meeting has none

    def admit(self, participant_id: str, allow_all: bool, now: datetime) -> None:
        if allow_all:
            targets = [p for p in self.sites.values() if p.state is SiteState.WAITING]
        elif not participant_id:
            raise errors.InvalidParameter("participantID is required unless allowAll is true.")
        else:
            targets = [self.site(participant_id, SiteState.WAITING)]
        self._note(EventKind.ADMITTED, now, "everyone" if allow_all else targets[0].name)
        for p in sorted(targets, key=lambda s: (s.joined_at, s.participant_id)):
            self._enter(p, now)

    # -- recording and live (BEHAVIOUR §10) ---------------------------------------------------------

    def record(self, is_record: int, now: datetime) -> None:
        """Cloud recording on or off: needs `recordType` 2 or 3. Each span adds to the run's
        recording, which exists once the run ends."""
        if self.meeting.details.get("recordType") not in (2, 3):
            raise errors.NotRecordingMeeting()
        room = self.meeting.room
        if is_record:
            room.start_recording(now)
        else:
            room.stop_recording(now)
        self._note(EventKind.RECORD_SET, now, "recording" if is_record else "stopped")

    def live(self, is_live: int, now: datetime) -> None:
        """Live streaming on or off: needs `recordType` 1 or 3 and a `liveAddress`."""
        details = self.meeting.details
        if is_live and (details.get("recordType") not in (1, 3) or not details.get("liveAddress")):
            raise errors.LiveFailed()
        self.meeting.room.live_state = is_live
        self._note(EventKind.LIVE_SET, now, "live" if is_live else "stopped")

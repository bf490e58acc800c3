"""The Meeting aggregate: its states, the rules of each transition, and the ledger entries each
transition appends (BEHAVIOUR.md §2-§4)."""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from overtime.domain import errors
from overtime.domain.events import EventKind as EventKind
from overtime.domain.events import MeetingEvent as MeetingEvent
from overtime.domain.recording import Recording
from overtime.domain.room_state import RoomState
from overtime.domain.series import Series, SubMeeting, SubState

MIN_LENGTH = 15
MAX_LENGTH = 1440
DEFAULT_LENGTH = 30
MAX_SUBJECT = 128
MAX_PROLONG_STEP = 60
MAX_MANUAL_EXTENSION = 1440
DEFAULT_EXTENSION = 15


class MeetingState(StrEnum):
    SCHEDULED = "Schedule"
    """Booked, not started yet."""
    RUNNING = "Created"
    """In progress (Huawei's name for it)."""
    ENDED = "Destroyed"
    """The run is over; the meeting is in history."""
    CANCELLED = "Cancelled"
    """Cancelled before it started; gone from every list. Never sent on the wire."""
    EXPIRED = "Expired"
    """Never started before its scheduled end; gone from every list. Never sent on the wire."""


class MeetingKind(StrEnum):
    SCHEDULED = "FUTURE"
    INSTANT = "IMMEDIATELY"
    CYCLE = "CYCLE"
    """A recurring meeting (BEHAVIOUR §9): the row is the series' current or next sub-meeting."""


class EndReason(StrEnum):
    STOPPED = "stopped"
    CANCELLED = "cancelled"
    TIME_UP = "time_up"
    CAP_REACHED = "cap_reached"
    EXPIRED = "expired"


@dataclass(frozen=True)
class Policy:
    """Server-wide limits (BEHAVIOUR §2-§3)."""

    default_prolong_step: int = 15
    max_run_minutes: int = 1440


@dataclass
class MeetingSpec:
    """What a caller asks for when creating or editing a meeting, already validated."""

    subject: str
    media_types: str
    length: int
    start: datetime | None
    guest_password: str | None
    prolong_step: int | None
    allow_guest_start: bool
    details: dict[str, object] = field(default_factory=dict)


def validate_spec(
    *,
    subject: str | None,
    media_types: str | None,
    length: int | None,
    start: datetime | None,
    guest_password: str | None,
    prolong_step: int | None,
    allow_guest_start: bool | None,
    now: datetime,
    details: dict[str, object] | None = None,
) -> MeetingSpec:
    if not media_types:
        raise errors.InvalidParameter("mediaTypes is required.")
    length = DEFAULT_LENGTH if length is None else length
    if not MIN_LENGTH <= length <= MAX_LENGTH:
        raise errors.LengthOutOfRange()
    subject = subject or ""
    if len(subject) > MAX_SUBJECT:
        raise errors.SubjectTooLong()
    if start is not None and start < now.replace(second=0, microsecond=0):
        raise errors.StartTimeInPast()
    if guest_password is not None and guest_password != "":
        if not (guest_password.isascii() and guest_password.isdigit() and 4 <= len(guest_password) <= 16):
            raise errors.GuestPasswordInvalid()
    else:
        guest_password = None
    if prolong_step is not None and not 0 <= prolong_step <= MAX_PROLONG_STEP:
        raise errors.AutoModeInvalid("prolongLength must be between 0 and 60 minutes.")
    return MeetingSpec(
        subject=subject,
        media_types=media_types,
        length=length,
        start=start,
        guest_password=guest_password,
        prolong_step=prolong_step,
        allow_guest_start=bool(allow_guest_start),
        details=details or {},
    )


def _minutes(n: int) -> timedelta:
    return timedelta(minutes=n)


@dataclass
class Meeting:
    conference_id: str
    owner_id: str
    corp_id: str
    subject: str
    media_types: str
    length: int
    kind: MeetingKind
    state: MeetingState
    scheduled_start: datetime
    created_at: datetime
    chair_password: str
    guest_password: str
    allow_guest_start: bool
    prolong_step: int
    conf_uuid: str = ""
    started_at: datetime | None = None
    end_at: datetime | None = None
    ended_reason: str = ""
    version: int = 0
    details: dict[str, object] = field(default_factory=dict)
    room: RoomState = field(default_factory=RoomState)
    """The running run's meeting-wide control state (BEHAVIOUR §8); a new run starts afresh."""
    cycle_sub_id: str = ""
    """A series: the cycleSubConfID of the sub-meeting this row is now."""
    series: Series | None = None
    events: list[MeetingEvent] = field(default_factory=list, repr=False, compare=False)
    recorded: list[Recording] = field(default_factory=list, repr=False, compare=False)
    """Recordings of runs that ended in this change, for the store to keep (then cleared)."""
    archived: list[Meeting] = field(default_factory=list, repr=False, compare=False)
    """A series: runs that ended in this change, as they ended, for history (written once)."""

    @classmethod
    def create(
        cls,
        spec: MeetingSpec,
        *,
        conference_id: str,
        owner_id: str,
        corp_id: str,
        chair_password: str,
        random_guest_password: str,
        policy: Policy,
        now: datetime,
    ) -> Meeting:
        guest = spec.guest_password or random_guest_password
        if spec.guest_password and guest == chair_password:
            raise errors.GuestPasswordConflict()
        meeting = cls(
            conference_id=conference_id,
            owner_id=owner_id,
            corp_id=corp_id,
            subject=spec.subject,
            media_types=spec.media_types,
            length=spec.length,
            kind=MeetingKind.SCHEDULED if spec.start else MeetingKind.INSTANT,
            state=MeetingState.SCHEDULED,
            scheduled_start=spec.start or now.replace(second=0, microsecond=0),
            created_at=now,
            chair_password=chair_password,
            guest_password=guest,
            allow_guest_start=spec.allow_guest_start,
            prolong_step=(policy.default_prolong_step if spec.prolong_step is None else spec.prolong_step),
            details=spec.details,
        )
        meeting._record(EventKind.CREATED, now, owner_id, None, meeting.scheduled_end)
        if meeting.kind is MeetingKind.INSTANT:
            meeting.start(now, owner_id)
        return meeting

    # -- derived ------------------------------------------------------------------------------

    @property
    def scheduled_end(self) -> datetime:
        return self.scheduled_start + _minutes(self.length)

    @property
    def start_time(self) -> datetime:
        """The start shown to clients: the actual start once started, else the scheduled one."""
        return self.started_at or self.scheduled_start

    @property
    def end_time(self) -> datetime:
        """The end shown to clients: the run's current end once started, else the scheduled one."""
        return self.end_at or self.scheduled_end

    @property
    def deadline(self) -> datetime | None:
        """When the lifecycle must next look at this meeting: expiry or end."""
        if self.state is MeetingState.SCHEDULED:
            return self.scheduled_end
        if self.state is MeetingState.RUNNING:
            return self.call_deadline or self.end_at
        return None

    @property
    def call_deadline(self) -> datetime | None:
        """When an unanswered call of this running meeting ends, if before the meeting's end:
        the deadline loop then ends the calls (`Room.expire_calls`), not the meeting."""
        calls = self.room.call_deadline
        if self.state is MeetingState.RUNNING and calls is not None and self.end_at is not None:
            return calls if calls < self.end_at else None
        return None

    @property
    def is_open(self) -> bool:
        """Scheduled or running: listed, editable per state, not in history."""
        return self.state in (MeetingState.SCHEDULED, MeetingState.RUNNING)

    # -- transitions --------------------------------------------------------------------------

    def _record(
        self,
        kind: EventKind,
        at: datetime,
        actor: str,
        old_end: datetime | None,
        new_end: datetime | None,
        detail: str = "",
    ) -> None:
        self.events.append(MeetingEvent(kind, at, actor, old_end, new_end, detail))

    def note(self, kind: EventKind, now: datetime, actor: str, detail: str = "") -> None:
        """A ledger entry for a change that leaves the end time as it is (people, settings)."""
        self._require_running()
        self._record(kind, now, actor, self.end_at, self.end_at, detail[:255])

    def _require_running(self) -> None:
        if self.state is MeetingState.SCHEDULED:
            raise errors.MeetingNotStarted()
        if self.state is not MeetingState.RUNNING:
            raise errors.MeetingEnded()

    def start(self, now: datetime, actor: str) -> bool:
        """Starts the meeting; returns False when it was already running."""
        if self.state is MeetingState.RUNNING:
            return False
        if self.state is not MeetingState.SCHEDULED:
            raise errors.MeetingEnded()
        self.state = MeetingState.RUNNING
        self.started_at = now
        self.end_at = now + _minutes(self.length)
        self.conf_uuid = uuid.uuid4().hex
        self.room = RoomState.for_run(self.details)
        if self.series is not None:
            self.series.started = True
        self._record(EventKind.STARTED, now, actor, self.scheduled_end, self.end_at)
        return True

    def update(self, spec: MeetingSpec, now: datetime, actor: str) -> None:
        if self.state is MeetingState.RUNNING:
            raise errors.MeetingAlreadyStarted()
        if self.state is not MeetingState.SCHEDULED:
            raise errors.MeetingNotFound()
        if spec.guest_password and spec.guest_password == self.chair_password:
            raise errors.GuestPasswordConflict()
        old_end = self.scheduled_end
        self.subject = spec.subject
        self.media_types = spec.media_types
        self.length = spec.length
        if spec.start is not None:
            self.scheduled_start = spec.start
        if spec.guest_password:
            self.guest_password = spec.guest_password
        if spec.prolong_step is not None:
            self.prolong_step = spec.prolong_step
        self.allow_guest_start = spec.allow_guest_start
        self.details = spec.details
        self._record(EventKind.UPDATED, now, actor, old_end, self.scheduled_end)

    def prolong(self, minutes: int, now: datetime, actor: str, policy: Policy) -> None:
        """A manual extension (`auto=0`): the end moves by `minutes` now, or nothing happens."""
        self._require_running()
        if not 1 <= minutes <= MAX_MANUAL_EXTENSION:
            raise errors.DurationOutOfRange("duration must be between 1 and 1440 minutes.")
        assert self.started_at is not None and self.end_at is not None
        new_end = self.end_at + _minutes(minutes)
        if new_end > self.started_at + _minutes(policy.max_run_minutes):
            raise errors.DurationOutOfRange(
                f"The meeting would run past the maximum of {policy.max_run_minutes} minutes."
            )
        old_end, self.end_at = self.end_at, new_end
        self._record(EventKind.EXTENDED, now, actor, old_end, new_end, f"+{minutes} min")

    def set_auto_extension(self, step: int, now: datetime, actor: str) -> None:
        """`auto=1`: the auto-extension step becomes `step` (0 turns it off); the end stays."""
        self._require_running()
        if not 0 <= step <= MAX_PROLONG_STEP:
            raise errors.DurationOutOfRange("duration must be between 0 and 60 minutes with auto=1.")
        old_step, self.prolong_step = self.prolong_step, step
        self._record(
            EventKind.AUTO_EXTENSION_SET,
            now,
            actor,
            self.end_at,
            self.end_at,
            f"step {old_step} -> {step} min",
        )

    def end(self, now: datetime, reason: EndReason, actor: str) -> None:
        self._require_running()
        old_end, self.end_at = self.end_at, now
        self.room.call_deadline = None
        self.room.stop_recording(now)
        self.state = MeetingState.ENDED
        self.ended_reason = reason.value
        self._record(EventKind.ENDED, now, actor, old_end, now, reason.value)
        if self.room.rec_occurred:
            self._record(EventKind.RECORD_FINISHED, now, "system", now, now, f"{self.room.rec_ms // 1000} s")
            self.recorded.append(self._recording())
        self._roll_on()

    def _recording(self) -> Recording:
        """The recording of this run, which recorded and has just ended (BEHAVIOUR §10)."""
        room = self.room
        assert room.rec_first is not None and room.rec_last is not None
        auth = self.details.get("recordAuthType")
        return Recording(
            conf_uuid=self.conf_uuid,
            conference_id=self.conference_id,
            corp_id=self.corp_id,
            owner_id=self.owner_id,
            subject=self.subject,
            meeting_start=self.start_time,
            rec_start=room.rec_first,
            rec_end=room.rec_last,
            rec_ms=room.rec_ms,
            record_auth_type=auth if isinstance(auth, int) and auth in (0, 1, 2) else 0,
        )

    def joined(self, name: str, participant_id: str, now: datetime) -> None:
        """Someone joined: a scheduled meeting starts with its first participant."""
        if self.state is MeetingState.SCHEDULED:
            self.start(now, f"participant:{participant_id}")
        self._require_running()
        self._record(EventKind.JOINED, now, f"participant:{participant_id}", self.end_at, self.end_at, name)

    def left(self, name: str, participant_id: str, now: datetime) -> None:
        self._require_running()
        self._record(EventKind.LEFT, now, f"participant:{participant_id}", self.end_at, self.end_at, name)

    def auto_extension_end(self, present: int, policy: Policy) -> datetime | None:
        """The end time the auto-extension rule would move this running meeting to at its end
        time with `present` people in it, or None when it would end instead (no step, nobody
        present, or the cap reached). The one statement of the rule (BEHAVIOUR §3)."""
        if self.started_at is None or self.end_at is None or self.prolong_step <= 0 or present <= 0:
            return None
        new_end = min(
            self.end_at + _minutes(self.prolong_step), self.started_at + _minutes(policy.max_run_minutes)
        )
        return new_end if new_end > self.end_at else None

    def on_deadline(self, present: int, policy: Policy) -> None:
        """The lifecycle rule at `deadline` (BEHAVIOUR §3), applied as of that instant:
        a scheduled meeting never started expires; a running one auto-extends by its step while
        someone is present, never past the cap, and otherwise ends at its end time."""
        at = self.deadline
        if at is None:
            return
        if self.state is MeetingState.SCHEDULED:
            self.state = MeetingState.EXPIRED
            self.ended_reason = EndReason.EXPIRED.value
            self._record(EventKind.ENDED, at, "system", at, None, EndReason.EXPIRED.value)
            self._roll_on()
            return
        assert self.started_at is not None and self.end_at is not None
        at = self.end_at  # unanswered calls due before it are the Room's (`call_deadline`)
        new_end = self.auto_extension_end(present, policy)
        if new_end is not None:
            old_end, self.end_at = self.end_at, new_end
            added = int((new_end - old_end).total_seconds() // 60)
            self._record(EventKind.AUTO_EXTENDED, at, "system", old_end, new_end, f"+{added} min")
            return
        reason = EndReason.CAP_REACHED if self.prolong_step > 0 and present > 0 else EndReason.TIME_UP
        self.end(at, reason, "system")

    def cancel(self, now: datetime, actor: str, *, end_running: bool) -> None:
        if self.state is MeetingState.RUNNING:
            if not end_running:
                raise errors.MeetingInProgress()
            self.end(now, EndReason.CANCELLED, actor)
            return
        if self.state is not MeetingState.SCHEDULED:
            raise errors.MeetingNotFound()
        self.state = MeetingState.CANCELLED
        self.ended_reason = EndReason.CANCELLED.value
        self._record(EventKind.CANCELLED, now, actor, self.scheduled_end, None)

    # -- recurring meetings (BEHAVIOUR §9) ------------------------------------------------------

    @classmethod
    def create_series(
        cls,
        spec: MeetingSpec,
        series: Series,
        *,
        conference_id: str,
        owner_id: str,
        corp_id: str,
        chair_password: str,
        random_guest_password: str,
        policy: Policy,
        now: datetime,
    ) -> Meeting:
        first = series.subs[0]
        spec = replace(spec, start=first.start, length=first.length)
        meeting = cls.create(
            spec,
            conference_id=conference_id,
            owner_id=owner_id,
            corp_id=corp_id,
            chair_password=chair_password,
            random_guest_password=random_guest_password,
            policy=policy,
            now=now,
        )
        meeting.kind = MeetingKind.CYCLE
        meeting.series = series
        meeting.cycle_sub_id = first.sub_id
        return meeting

    def _series(self) -> Series:
        if self.series is None:
            raise errors.NotRecurring()
        return self.series

    def _roll_on(self) -> None:
        """A series' run ended or expired: the row becomes the next pending sub-meeting, the
        ended run goes to history (`archived`). With none left, the row stays as it ended."""
        if self.series is None:
            return
        nxt = self.series.roll_on()
        if nxt is None:
            return
        if self.state is MeetingState.ENDED:
            run = copy.copy(self)
            run.series, run.events, run.archived, run.recorded = None, [], [], []
            self.archived.append(run)
        stamp = (self.conf_uuid, self.cycle_sub_id)
        self.events = [e if e.run else replace(e, run=stamp) for e in self.events]
        self._become(nxt)

    def _become(self, sub: SubMeeting) -> None:
        self.state = MeetingState.SCHEDULED
        self.scheduled_start = sub.start
        self.length = sub.length
        self.media_types = sub.media_types or self.media_types
        self.cycle_sub_id = sub.sub_id
        self.conf_uuid = ""
        self.started_at = None
        self.end_at = None
        self.ended_reason = ""
        self.room = RoomState()

    def update_series(self, spec: MeetingSpec, series: Series, now: datetime, actor: str) -> None:
        """The whole series edited: only before its first sub-meeting starts."""
        current = self._series()
        if current.started or self.state is MeetingState.RUNNING:
            raise errors.MeetingAlreadyStarted()
        if self.state is not MeetingState.SCHEDULED:
            raise errors.MeetingNotFound()
        first = series.subs[0]
        self.update(replace(spec, start=first.start, length=first.length), now, actor)
        self.series = series
        self.cycle_sub_id = first.sub_id

    def update_sub(
        self,
        sub_id: str,
        *,
        start: datetime,
        length: int,
        media_types: str,
        details: dict[str, object],
        now: datetime,
        actor: str,
    ) -> None:
        """One sub-meeting moved or edited before it starts; no other moves."""
        series = self._series()
        sub = series.sub(sub_id)
        if sub is None or not sub.listed:
            raise errors.MeetingNotFound("No such sub-meeting in this series.")
        if sub.state is SubState.CURRENT and self.state is not MeetingState.SCHEDULED:
            raise errors.MeetingAlreadyStarted()
        if start < now.replace(second=0, microsecond=0):
            raise errors.StartTimeInPast()
        series.check_move(sub, start, length)
        old_end = sub.end
        sub.start, sub.length, sub.media_types, sub.details = start, length, media_types, details
        series.reorder()
        if sub.state is SubState.CURRENT:
            self.scheduled_start, self.length, self.media_types = start, length, media_types
        self._record(EventKind.UPDATED, now, actor, old_end, sub.end, f"sub {sub_id}")
        self._promote_earliest()

    def _promote_earliest(self) -> None:
        """Sub-meetings are taken in time order: if a pending one now comes before the current
        scheduled one, it becomes current."""
        series = self._series()
        if self.state is not MeetingState.SCHEDULED:
            return
        current = series.current
        first = next((s for s in series.subs if s.listed), None)
        if first is None or first is current:
            return
        if current is not None:
            current.state = SubState.PENDING
        first.state = SubState.CURRENT
        self._become(first)

    def cancel_subs(self, sub_ids: list[str], now: datetime, actor: str, *, end_running: bool) -> None:
        """Cancels sub-meetings; the running one only with `end_running`. With none left the
        whole series is cancelled (or, if its last one ran, ends)."""
        if not sub_ids:
            raise errors.SubMeetingIdsEmpty()
        series = self._series()
        subs = []
        for sub_id in sub_ids:
            sub = series.sub(sub_id)
            if sub is None or not sub.listed:
                raise errors.MeetingNotFound("No such sub-meeting in this series.")
            subs.append(sub)
        current = series.current
        if current in subs and self.state is MeetingState.RUNNING and not end_running:
            raise errors.MeetingInProgress()
        for sub in subs:
            if sub is not current:
                sub.state = SubState.CANCELLED
                self._record(EventKind.UPDATED, now, actor, sub.end, None, f"sub {sub.sub_id} cancelled")
        if current in subs:
            assert current is not None
            if self.state is MeetingState.RUNNING:
                self.end(now, EndReason.CANCELLED, actor)
            elif self.state is MeetingState.SCHEDULED:
                nxt = series.roll_on()
                current.state = SubState.CANCELLED
                if nxt is None:
                    self.state = MeetingState.CANCELLED
                    self.ended_reason = EndReason.CANCELLED.value
                    self._record(EventKind.CANCELLED, now, actor, self.scheduled_end, None)
                else:
                    self._record(EventKind.UPDATED, now, actor, self.scheduled_end, None, "sub cancelled")
                    self._become(nxt)

    def cancel_series(self, now: datetime, actor: str, *, end_running: bool) -> None:
        """The whole series: every sub-meeting not run yet goes; `end_running` ends a running one."""
        series = self._series()
        if self.state is MeetingState.RUNNING and not end_running:
            raise errors.MeetingInProgress()
        for sub in series.subs:
            if sub.state is SubState.PENDING:
                sub.state = SubState.CANCELLED
        self.cancel(now, actor, end_running=end_running)
        if self.state is MeetingState.CANCELLED and series.current is not None:
            series.current.state = SubState.CANCELLED

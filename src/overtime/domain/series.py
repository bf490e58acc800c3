"""Recurring meetings (BEHAVIOUR §9): Huawei's time-zone ids, the cycle rules and the
sub-meetings they produce. Occurrences are local dates of the series' zone, each at the same
local time of day, so a daylight-saving change keeps the local time and moves the UTC time."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from dateutil.rrule import DAILY, FR, MO, MONTHLY, SA, SU, TH, TU, WE, WEEKLY, rrule, rruleset, weekday

from overtime.domain import errors

MAX_OCCURRENCES = 50
DEFAULT_TIME_ZONE_ID = "56"

ZONES: dict[int, str] = {
    1: "Etc/GMT+12",
    2: "Pacific/Pago_Pago",
    3: "Pacific/Honolulu",
    4: "America/Anchorage",
    5: "America/Los_Angeles",
    6: "America/Phoenix",
    7: "America/Denver",
    8: "America/Guatemala",
    9: "America/Chicago",
    10: "America/Mexico_City",
    11: "America/Regina",
    12: "America/Bogota",
    13: "America/New_York",
    14: "America/Indiana/Indianapolis",
    15: "America/Halifax",
    16: "America/Caracas",
    17: "America/Santiago",
    18: "America/St_Johns",
    19: "America/Sao_Paulo",
    20: "America/Argentina/Buenos_Aires",
    21: "America/Nuuk",
    22: "Atlantic/South_Georgia",
    23: "Atlantic/Azores",
    24: "Atlantic/Cape_Verde",
    25: "Africa/Casablanca",
    26: "Europe/London",
    27: "Europe/Berlin",
    28: "Europe/Belgrade",
    29: "Europe/Paris",
    30: "Europe/Warsaw",
    31: "Africa/Lagos",
    32: "Europe/Athens",
    33: "Europe/Bucharest",
    34: "Africa/Cairo",
    35: "Africa/Johannesburg",
    36: "Europe/Helsinki",
    37: "Asia/Jerusalem",
    38: "Asia/Baghdad",
    39: "Asia/Riyadh",
    40: "Europe/Moscow",
    41: "Africa/Nairobi",
    42: "Asia/Tehran",
    43: "Asia/Dubai",
    44: "Asia/Baku",
    45: "Asia/Kabul",
    46: "Asia/Yekaterinburg",
    47: "Asia/Karachi",
    48: "Asia/Kolkata",
    49: "Asia/Kathmandu",
    50: "Asia/Almaty",
    51: "Asia/Dhaka",
    52: "Asia/Colombo",
    53: "Asia/Yangon",
    54: "Asia/Bangkok",
    55: "Asia/Krasnoyarsk",
    56: "Asia/Shanghai",
    57: "Asia/Irkutsk",
    58: "Asia/Singapore",
    59: "Australia/Perth",
    60: "Asia/Taipei",
    61: "Asia/Tokyo",
    62: "Asia/Seoul",
    63: "Asia/Yakutsk",
    64: "Australia/Adelaide",
    65: "Australia/Darwin",
    66: "Australia/Brisbane",
    67: "Australia/Sydney",
    68: "Pacific/Port_Moresby",
    69: "Australia/Hobart",
    70: "Asia/Vladivostok",
    71: "Asia/Magadan",
    72: "Pacific/Auckland",
    73: "Pacific/Fiji",
}
"""Huawei's `timeZoneID` (1-73) to an IANA zone: ours, in the order of the classic GMT zone
list Huawei's table follows (26 London, 27 Berlin, 56 Beijing are Huawei's own examples)."""

_WEEKDAYS: tuple[weekday, ...] = (SU, MO, TU, WE, TH, FR, SA)
"""`point` for a weekly cycle: 0 = Sunday ... 6 = Saturday."""
_INTERVALS = {"Day": 15, "Week": 5, "Month": 3}
"""The most `interval` may be for each cycle."""


def zone(time_zone_id: str | None) -> ZoneInfo:
    """The IANA zone of a Huawei `timeZoneID`; absent means 56 (Beijing)."""
    value = DEFAULT_TIME_ZONE_ID if time_zone_id in (None, "") else time_zone_id
    assert value is not None
    number = int(value) if value.isascii() and value.isdigit() and len(value) <= 2 else 0
    if number not in ZONES:
        raise errors.InvalidParameter(f"timeZoneID must be a time zone id from 1 to 73, not {value!r}.")
    return ZoneInfo(ZONES[number])


@dataclass(frozen=True)
class Cycle:
    """`cycleParams`, validated."""

    start_date: date
    end_date: date
    cycle: str
    interval: int
    points: tuple[int, ...]
    pre_remind_days: int

    def to_wire(self, end_date: date | None = None) -> dict[str, Any]:
        return {
            "startDate": self.start_date.isoformat(),
            "endDate": (end_date or self.end_date).isoformat(),
            "cycle": self.cycle,
            "interval": self.interval,
            "point": list(self.points),
            "preRemindDays": self.pre_remind_days,
        }


def _date(value: str | None, missing: errors.DomainError, name: str) -> date:
    if value is None or value.strip() == "":
        raise missing
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise errors.InvalidParameter(f"{name} must be 'YYYY-MM-DD'.") from None
    if not 2000 <= day.year <= 2098:
        raise errors.InvalidParameter(f"{name} must be between 2000-01-01 and 2098-12-31.")
    return day


def validate_cycle(
    *,
    start_date: str | None,
    end_date: str | None,
    cycle: str | None,
    interval: int | None,
    points: list[int] | None,
    pre_remind_days: int | None,
) -> Cycle:
    first = _date(start_date, errors.CycleStartDateMissing(), "startDate")
    last = _date(end_date, errors.CycleEndDateMissing(), "endDate")
    if cycle not in _INTERVALS:
        raise errors.CycleInvalid()
    most = _INTERVALS[cycle]
    interval = 1 if interval is None else interval
    if not 1 <= interval <= most:
        raise errors.CycleIntervalOutOfRange(f"interval must be between 1 and {most} for cycle {cycle}.")
    chosen: tuple[int, ...] = ()
    if cycle != "Day":
        if not points:
            raise errors.CyclePointMissing()
        low, high = (0, 6) if cycle == "Week" else (1, 31)
        if any(not low <= p <= high for p in points):
            raise errors.CyclePointOutOfRange(f"point must be between {low} and {high} for cycle {cycle}.")
        chosen = tuple(sorted(set(points)))
    remind = 1 if pre_remind_days is None else pre_remind_days
    if not 0 <= remind <= 30:
        raise errors.InvalidParameter("preRemindDays must be between 0 and 30.")
    if last < first or last > first + relativedelta(years=1):
        raise errors.CycleNoOccurrence("endDate must be on or after startDate and within one year of it.")
    return Cycle(first, last, cycle, interval, chosen, remind)


def _rule(c: Cycle, start: datetime, until: datetime) -> rruleset:
    """The local start times of `c` from `start` to `until` (naive, local wall clock)."""
    rules = rruleset()
    if c.cycle == "Day":
        rules.rrule(rrule(DAILY, interval=c.interval, dtstart=start, until=until))
    elif c.cycle == "Week":
        weekdays = [_WEEKDAYS[p] for p in c.points]
        rules.rrule(
            rrule(WEEKLY, interval=c.interval, byweekday=weekdays, dtstart=start, until=until, wkst=SU)
        )
    else:
        for p in c.points:
            # A day the month lacks means the month's last day: the last of 28..p that exists.
            monthdays = tuple(range(28, p + 1)) if p > 28 else (p,)
            rules.rrule(
                rrule(
                    MONTHLY,
                    interval=c.interval,
                    bymonthday=monthdays,
                    bysetpos=-1,
                    dtstart=start,
                    until=until,
                )
            )
    return rules


def occurrences(c: Cycle, start_time: datetime, tz: ZoneInfo, now: datetime) -> tuple[list[datetime], bool]:
    """The UTC starts of the series: every date of the cycle from startDate to endDate in `tz`,
    at the local time of day of `start_time`, none before `now`'s minute; at most 50.
    Returns them and whether the series was cut at 50. A local time the zone skips that day
    (spring forward) is read with the offset before the change (02:30 becomes 03:30)."""
    local_time = start_time.astimezone(tz).time().replace(second=0, microsecond=0, tzinfo=None)
    first = datetime.combine(c.start_date, local_time)
    last = datetime.combine(c.end_date, time(23, 59))
    floor = now.replace(second=0, microsecond=0)
    found: list[datetime] = []
    for local in _rule(c, first, last):
        at = local.replace(tzinfo=tz).astimezone(UTC)
        if at < floor:
            continue
        found.append(at)
        if len(found) > MAX_OCCURRENCES:
            return found[:MAX_OCCURRENCES], True
    if not found:
        raise errors.CycleNoOccurrence()
    return found, False


class SubState(StrEnum):
    PENDING = "pending"
    """Not started yet: the next one becomes the meeting's current run."""
    CURRENT = "current"
    """The meeting row's run: scheduled (its turn has come) or running."""
    CANCELLED = "cancelled"
    DONE = "done"
    """Ran, or its time passed without a start."""


@dataclass
class SubMeeting:
    sub_id: str
    start: datetime
    length: int
    state: SubState = SubState.PENDING
    media_types: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    """`isAutoRecord`, `recordAuthType`, `description`, `confConfigInfo` of this sub-meeting."""

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=self.length)

    @property
    def listed(self) -> bool:
        return self.state in (SubState.PENDING, SubState.CURRENT)


def new_sub_id() -> str:
    return uuid.uuid4().hex


@dataclass
class Series:
    """A series' schedule: its cycle (as the wire shows it), zone and sub-meetings in order."""

    cycle: dict[str, Any]
    time_zone_id: str
    subs: list[SubMeeting]
    window_start: datetime
    """The series window: from its first start to its last end, as scheduled."""
    window_end: datetime
    started: bool = False
    """A sub-meeting has started: the series itself can no longer be edited."""

    @classmethod
    def plan(
        cls, c: Cycle, time_zone_id: str, start_time: datetime, length: int, media_types: str, now: datetime
    ) -> Series:
        tz = zone(time_zone_id)
        starts, cut = occurrences(c, start_time, tz, now)
        end_date = starts[-1].astimezone(tz).date() if cut else None
        subs = [SubMeeting(new_sub_id(), at, length, media_types=media_types) for at in starts]
        subs[0].state = SubState.CURRENT
        return cls(c.to_wire(end_date), time_zone_id, subs, subs[0].start, subs[-1].end)

    def sub(self, sub_id: str) -> SubMeeting | None:
        return next((s for s in self.subs if s.sub_id == sub_id), None)

    @property
    def current(self) -> SubMeeting | None:
        return next((s for s in self.subs if s.state is SubState.CURRENT), None)

    def roll_on(self) -> SubMeeting | None:
        """The current sub-meeting is done; the next pending one, if any, becomes current."""
        for s in self.subs:
            if s.state is SubState.CURRENT:
                s.state = SubState.DONE
        nxt = next((s for s in self.subs if s.state is SubState.PENDING), None)
        if nxt is not None:
            nxt.state = SubState.CURRENT
        return nxt

    def check_move(self, sub: SubMeeting, start: datetime, length: int) -> None:
        """A single sub-meeting moved: within the series window and onto no other one."""
        end = start + timedelta(minutes=length)
        if start < self.window_start or end > self.window_end:
            raise errors.SubMeetingOutOfRange("The sub-meeting would leave the series' time window.")
        for other in self.subs:
            if other is not sub and other.listed and start < other.end and other.start < end:
                raise errors.SubMeetingOutOfRange("The sub-meeting would overlap another sub-meeting.")

    def reorder(self) -> None:
        self.subs.sort(key=lambda s: s.start)

    def to_json(self) -> dict[str, Any]:
        return {
            "cycle": self.cycle,
            "time_zone_id": self.time_zone_id,
            "window": [int(self.window_start.timestamp() * 1000), int(self.window_end.timestamp() * 1000)],
            "started": self.started,
            "subs": [
                {
                    "id": s.sub_id,
                    "start": int(s.start.timestamp() * 1000),
                    "length": s.length,
                    "state": s.state.value,
                    "media": s.media_types,
                    "details": s.details,
                }
                for s in self.subs
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Series:
        def at(ms: int) -> datetime:
            return datetime.fromtimestamp(ms / 1000, UTC)

        subs = [
            SubMeeting(
                s["id"],
                at(s["start"]),
                s["length"],
                SubState(s["state"]),
                s.get("media", ""),
                s.get("details", {}),
            )
            for s in data["subs"]
        ]
        return cls(
            data["cycle"],
            data["time_zone_id"],
            subs,
            at(data["window"][0]),
            at(data["window"][1]),
            bool(data.get("started")),
        )

    def copy(self) -> Series:
        return replace(
            self, subs=[replace(s, details=dict(s.details)) for s in self.subs], cycle=dict(self.cycle)
        )

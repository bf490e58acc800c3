"""Fan-out of meeting changes to the meeting-control WebSocket's subscribers.

Each subscriber has a bounded queue and at most one frame in the server's hands, so a slow client
never holds up the others and a client that does not read is disconnected rather than buffered
for; no task per subscriber sends (decision 0005). The hub keeps, per
subscribed meeting, its last known state and who is present (refreshed from the store once per
change, whatever the number of subscribers), and a ticker sends our "ending soon" notices 10, 5
and 1 minutes before an end that no auto-extension will move."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol

from overtime.domain.clock import to_ms
from overtime.domain.meeting import Meeting, MeetingEvent, MeetingState
from overtime.domain.presence import Participant
from overtime.domain.tokens import Role
from overtime.realtime import changes, frames
from overtime.services.context import Context

log = logging.getLogger("overtime.realtime")
WARN_MINUTES = (10, 5, 1)


QUEUE_FRAMES = 64
"""At most this many frames wait for one slow client; one more and its socket is closed."""
QUEUE_BYTES = 1024 * 1024
"""At most this many bytes (of text) wait for one slow client; beyond, its socket is closed."""
NORMAL_CLOSURE = 1000
POLICY_VIOLATION = 1008
INTERNAL_ERROR = 1011


class Sending(Protocol):
    """What sending one message returns: granian's own future for its send (or, when the send
    given to `Subscriber` is a coroutine function, the task that runs it)."""

    def add_done_callback(self, fn: Callable[[Any], object], /) -> None: ...
    def cancelled(self) -> bool: ...
    def exception(self) -> BaseException | None: ...


SendMessage = Callable[[dict[str, Any]], "Sending | Awaitable[None]"]
"""The ASGI `send` of the connection: `{"type": "websocket.send", "text": ...}` goes out."""


def text_message(text: str) -> dict[str, Any]:
    """The ASGI message that sends `text`: one for all the subscribers a frame is broadcast to."""
    return {"type": "websocket.send", "text": text}


class Subscriber:
    """One WebSocket client: a bounded queue of frames and the reason its socket must close.

    Everything sent to the client (replies, heartbeat echoes, notifications) goes through the
    queue, so a client that never reads costs at most QUEUE_FRAMES frames and QUEUE_BYTES bytes:
    one more and `end` is set (1008, slow consumer) for the connection to close the socket.

    No task per subscriber: at most one frame is in the server's hands at a time (`_sending`);
    a frame pushed while none is goes to the server at once, the others wait in `queue`, and
    the server's completion of a send hands it the next one (decision 0005). A slow reader only
    holds its own queue up."""

    __slots__ = (
        "_idle",
        "_send",
        "_sending",
        "_sent_callback",
        "_wrap",
        "conference_id",
        "end",
        "ended",
        "max_bytes",
        "max_frames",
        "queue",
        "queued_bytes",
        "role",
        "types",
    )

    def __init__(
        self,
        conference_id: str,
        role: Role,
        send: SendMessage,
        *,
        max_frames: int = QUEUE_FRAMES,
        max_bytes: int = QUEUE_BYTES,
    ) -> None:
        self.conference_id = conference_id
        self.role = role
        self._send = send
        self.types: frozenset[str] = frozenset(frames.SUPPORTED)
        self.max_frames = max_frames
        self.max_bytes = max_bytes
        self.queue: deque[dict[str, Any] | tuple[int, str]] = deque()
        """Messages waiting for the one in the server's hands, and at most one (code, reason):
        close once the frames before are sent."""
        self.queued_bytes = 0
        self.end: tuple[int, str] | None = None
        """The close code and reason, once the socket must close; set once."""
        self.ended = asyncio.Event()
        self._sending: Sending | None = None
        self._idle: asyncio.Future[None] | None = None
        self._wrap = asyncio.iscoroutinefunction(send)
        """A coroutine function (Starlette's `send`, the sandbox journal's) runs as a task."""
        self._sent_callback = self._sent
        """Bound once: a fan-out allocates as few objects as it can (each one outliving a young
        collection brings the next full one nearer; decision 0005)."""

    def finish(self, code: int, reason: str) -> None:
        """The socket must close now with `code`: drops whatever is still queued (a frame already
        in the server's hands still goes out: `idle` waits for it)."""
        if self.end is None:
            self.end = (code, reason)
            self.queue.clear()
            self.queued_bytes = 0
            self.ended.set()

    def push(self, text: str) -> bool:
        """Queues a frame; False (and the socket set to close) when the client is too far behind."""
        return self.push_message(text_message(text), len(text))

    def push_message(self, message: dict[str, Any], size: int) -> bool:
        """`push` of a message built once for every subscriber of a broadcast; `size` its text's."""
        if self.end is not None:
            return False
        if self._sending is None and not self.queue:
            self._start(message)
            return self.end is None
        if len(self.queue) >= self.max_frames or self.queued_bytes + size > self.max_bytes:
            self.finish(
                POLICY_VIOLATION,
                f"slow consumer: {len(self.queue)} frames, {self.queued_bytes} bytes unread",
            )
            return False
        self.queue.append(message)
        self.queued_bytes += size
        return True

    def close_after_queue(self, code: int = NORMAL_CLOSURE, reason: str = "meeting ended") -> None:
        """The socket closes with `code` once the frames queued before are sent."""
        if self.end is None:
            if self._sending is None and not self.queue:
                self.finish(code, reason)
            else:
                self.queue.append((code, reason))

    def _start(self, message: dict[str, Any]) -> None:
        try:
            sending: Any = self._send(message)
            if self._wrap:
                sending = asyncio.ensure_future(sending)
        except Exception as e:  # the client went away, or the server refuses to send
            self.finish(INTERNAL_ERROR, f"send failed: {type(e).__name__}")
            return
        self._sending = sending
        sending.add_done_callback(self._sent_callback)

    def _sent(self, sending: Sending) -> None:
        """The server has sent a frame (or failed to): the next one goes."""
        self._sending = None
        error = None if sending.cancelled() else sending.exception()
        if sending.cancelled() or error is not None:
            self.finish(INTERNAL_ERROR, f"send failed: {type(error).__name__}")
        elif self.end is None and self.queue:
            item = self.queue.popleft()
            if isinstance(item, tuple):
                self.finish(*item)
            else:
                self.queued_bytes -= len(item["text"])
                self._start(item)
        if self._sending is None and self._idle is not None and not self._idle.done():
            self._idle.set_result(None)

    async def idle(self, timeout: float) -> bool:
        """Waits (at most `timeout` seconds) until no frame is in the server's hands; whether so."""
        if self._sending is None:
            return True
        if self._idle is None or self._idle.done():
            self._idle = asyncio.get_running_loop().create_future()
        done, _ = await asyncio.wait({self._idle}, timeout=timeout)
        return bool(done)


@dataclass
class MeetingView:
    meeting: Meeting
    present: list[Participant]
    warned: set[int] = field(default_factory=set)
    warned_for_end: int = 0
    version: int = 0
    """Of the last frame rendered for this meeting's subscribers: every frame of the meeting
    takes the next, so each subscriber sees strictly increasing versions."""

    def next_version(self, now_ms: int) -> int:
        """Strictly increasing: the frame's time in ms, or one more than the last."""
        self.version = max(self.version + 1, now_ms)
        return self.version


def _list_frame(
    action: str, m: Meeting, entries: list[dict[str, Any]], mode: int
) -> Callable[[int, int], str]:
    return lambda version, now: frames.items(action, m, entries, version, now, mode)


def _ending_soon(m: Meeting, minutes: int) -> Callable[[int, int], str]:
    return lambda version, now: frames.ending_soon(m, minutes, version, now)


class Hub:
    def __init__(self, ctx: Context, *, tick_seconds: float = 1.0) -> None:
        self.ctx = ctx
        self.tick_seconds = tick_seconds
        self.subscribers: dict[str, set[Subscriber]] = {}
        self.views: dict[str, MeetingView] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        ctx.bus.subscribe(self._on_events)

    def _now_ms(self) -> int:
        return to_ms(self.ctx.clock.now())

    def _send(self, view: MeetingView, sub: Subscriber, kind: str, render: Callable[[int, int], str]) -> None:
        """One frame for one subscriber (the full picture after Subscribe)."""
        if kind in sub.types:
            now = self._now_ms()
            sub.push(render(view.next_version(now), now))

    def _broadcast(
        self, view: MeetingView, subs: Iterable[Subscriber], kind: str, render: Callable[[int, int], str]
    ) -> None:
        """One frame for every subscriber of a meeting who asked for its kind: rendered and
        encoded once, whatever their number; each queue holds the same message, and nothing here
        waits for a send."""
        wanted = [sub for sub in subs if kind in sub.types]
        if wanted:
            now = self._now_ms()
            text = render(view.next_version(now), now)
            message, size = text_message(text), len(text)
            for sub in wanted:
                sub.push_message(message, size)

    def add(self, sub: Subscriber, meeting: Meeting, present: list[Participant]) -> None:
        """Registers a subscriber and sends it the full picture."""
        self.subscribers.setdefault(sub.conference_id, set()).add(sub)
        self.views.setdefault(sub.conference_id, MeetingView(meeting, present))
        view = self.views[sub.conference_id]
        m, sites = view.meeting, view.present
        self._send(view, sub, frames.BASIC, lambda v, now: frames.basic(m, sub.role, v, now))
        self._send(view, sub, frames.DYNAMIC, lambda v, now: frames.dynamic(m, v, now))
        for action, entries in (
            (frames.PARTICIPANTS, changes.full_participants(sites)),
            (frames.WAITING_LIST, changes.full_waiting(sites)),
            (frames.ATTENDEES, changes.full_attendees(m.room.invitees)),
        ):
            self._send(view, sub, action, _list_frame(action, m, entries, frames.FULL))

    def remove(self, sub: Subscriber) -> None:
        subs = self.subscribers.get(sub.conference_id)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self.subscribers[sub.conference_id]
                self.views.pop(sub.conference_id, None)
                self._locks.pop(sub.conference_id, None)

    async def _on_events(self, conference_id: str, events: Sequence[MeetingEvent]) -> None:
        if not self.subscribers.get(conference_id):
            return
        # One change at a time per meeting, so that each diff starts where the last one ended.
        lock = self._locks.setdefault(conference_id, asyncio.Lock())
        async with lock:
            await self._apply(conference_id, events)

    async def _apply(self, conference_id: str, events: Sequence[MeetingEvent]) -> None:
        subs = self.subscribers.get(conference_id)
        if not subs:
            return
        kinds = {e.kind for e in events}
        async with self.ctx.store.read() as tx:
            meeting = await tx.meeting(conference_id)
            present = await tx.present(conference_id, meeting.conf_uuid) if meeting else []
        if meeting is None:
            return
        view = self.views.setdefault(conference_id, MeetingView(meeting, present))
        if meeting.version < view.meeting.version:
            return  # an older state than subscribers have already seen
        people = None
        if any(k.effects.presence for k in kinds):
            people = changes.diff(
                view.present, present, view.meeting.room.invitees, meeting.room.invitees, events
            )
        view.meeting, view.present = meeting, present
        renders: list[tuple[str, Callable[[int, int], str]]] = []
        if any(k.effects.dynamic for k in kinds):
            renders.append((frames.DYNAMIC, lambda v, now: frames.dynamic(meeting, v, now)))
        if people is not None:
            for action, entries in (
                (frames.PARTICIPANTS, people.participants),
                (frames.WAITING_LIST, people.waiting),
                (frames.ATTENDEES, people.attendees),
                (frames.INVITE_RESULT, people.invite_results),
            ):
                if entries:
                    renders.append((action, _list_frame(action, meeting, entries, frames.INCREMENTAL)))
        everyone = list(subs)
        over = meeting.state is not MeetingState.RUNNING
        if over:
            self.subscribers.pop(conference_id, None)
            self.views.pop(conference_id, None)

        def fan_out() -> None:
            try:
                for action, render in renders:
                    self._broadcast(view, everyone, action, render)
                if over:
                    for sub in everyone:
                        sub.close_after_queue()  # the meeting is over: the server closes the socket
            except Exception:
                log.exception("fan-out of conference %s failed", conference_id)

        # Right after the change's publisher has its answer on its way: the sends to thousands of
        # subscribers do not hold up the request that made the change (decision 0005). Changes
        # of one meeting are applied one at a time and callbacks run in order, so frames keep
        # the order of the changes.
        asyncio.get_running_loop().call_soon(fan_out)

    def _will_auto_extend(self, view: MeetingView) -> bool:
        present = sum(p.in_meeting for p in view.present)
        return view.meeting.auto_extension_end(present, self.ctx.policy) is not None

    def check_ending_soon(self) -> None:
        now = self.ctx.clock.now()
        for conference_id, view in list(self.views.items()):
            m = view.meeting
            if m.state is not MeetingState.RUNNING or m.end_at is None or self._will_auto_extend(view):
                continue
            if view.warned_for_end != to_ms(m.end_at):
                view.warned, view.warned_for_end = set(), to_ms(m.end_at)
            left = m.end_at - now
            crossed = [w for w in WARN_MINUTES if left <= timedelta(minutes=w) and w not in view.warned]
            if not crossed or left <= timedelta(0):
                continue
            view.warned.update(w for w in WARN_MINUTES if left <= timedelta(minutes=w))
            notice = _ending_soon(m, min(crossed))
            self._broadcast(view, list(self.subscribers.get(conference_id, ())), frames.ENDING_SOON, notice)

    async def run_ticker(self) -> None:
        while True:
            await asyncio.sleep(self.tick_seconds)
            try:
                self.check_ending_soon()
            except Exception:
                log.exception("ending-soon check failed")

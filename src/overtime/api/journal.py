"""The request journal of the sandbox (issue 13): every request answered, every WebSocket frame
sent and every webhook delivery seen, in a bounded ring readable at `GET /sandbox/v1/requests`
and streamed live (Server-Sent Events) at `GET /sandbox/v1/requests/stream`.

Secrets never enter it: headers and JSON fields whose name says password, token, key, secret or
authorization are replaced by `***` before an entry is kept (`mask`)."""

from __future__ import annotations

import asyncio
import re
from collections import OrderedDict, deque
from typing import Annotated, Any, Literal

import msgspec

MAX_ENTRIES = 1000
"""Entries kept; the oldest goes first."""
MAX_BODY_CHARS = 4096
"""A body longer than this is kept cut, with `truncated` set."""
MAX_SUBSCRIBERS = 32
MAX_QUEUED = 1000
"""Entries waiting for one stream reader; a reader further behind is disconnected."""
MAX_KNOWN_TOKENS = 4096

MASK = "***"
_SECRET_NAME = re.compile(
    r"(pass|password|pwd|token|secret|key|authorization|signature|nonce|credentials?)$", re.IGNORECASE
)
_SECRET_WORD = re.compile(r"pass|pwd|token|secret|key|authorization|signature", re.IGNORECASE)


def is_secret(name: str) -> bool:
    """Whether a field, header or parameter of this name holds a secret (`guestPwd`, `appKey`,
    `accessToken`, `X-Password`, `Authorization`, ...)."""
    return bool(_SECRET_NAME.search(name))


def mask(value: Any) -> Any:
    """A copy of a decoded JSON value with every secret-named field's value replaced."""
    if isinstance(value, dict):
        return {k: (MASK if is_secret(str(k)) and v not in (None, "") else mask(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [mask(v) for v in value]
    return value


def mask_body(raw: bytes) -> tuple[Any, bool]:
    """A body as kept in the journal: decoded JSON with secrets masked, else text (cut at
    MAX_BODY_CHARS; a non-JSON body is kept only when it holds no secret-looking word)."""
    if not raw:
        return None, False
    try:
        return mask(msgspec.json.decode(raw)), False
    except msgspec.DecodeError:
        text = raw[:MAX_BODY_CHARS].decode("utf-8", "replace")
        if _SECRET_WORD.search(text):
            return MASK, len(raw) > MAX_BODY_CHARS
        return text, len(raw) > MAX_BODY_CHARS


class Entry(msgspec.Struct):
    id: int
    kind: str
    """`http`, `websocket` (a frame the server sent) or `webhook` (a delivery)."""
    time: int
    """The sandbox clock, epoch milliseconds, when the request arrived."""
    method: str = ""
    path: str = ""
    query: dict[str, str] = {}
    operation: str = ""
    status: int = 0
    errorCode: str = ""
    account: str = ""
    conferenceID: str = ""
    durationMs: float = 0.0
    requestBody: Any = None
    responseBody: Any = None
    truncated: bool = False
    fault: int = 0
    """The id of the fault rule that answered instead of the server, if one did."""


Short = Annotated[str, msgspec.Meta(max_length=128)]
Whole = Annotated[int, msgspec.Meta(ge=0, le=2**53)]


class Filter(msgspec.Struct, kw_only=True):
    """The query of `GET /sandbox/v1/requests` (and of its stream)."""

    operation: Short | None = None
    status: Annotated[int, msgspec.Meta(ge=100, le=599)] | None = None
    conferenceID: Short | None = None
    since: Whole | None = None
    """Sandbox-clock epoch ms: entries at or after it."""
    after: Whole | None = None
    """An entry id: entries after it (what a reader resumes from)."""
    kind: Literal["http", "websocket", "webhook"] | None = None
    limit: Annotated[int, msgspec.Meta(ge=1, le=MAX_ENTRIES)] = MAX_ENTRIES

    def matches(self, e: Entry) -> bool:
        return (
            (self.operation is None or e.operation == self.operation)
            and (self.status is None or e.status == self.status)
            and (self.conferenceID is None or e.conferenceID == self.conferenceID)
            and (self.since is None or e.time >= self.since)
            and (self.after is None or e.id > self.after)
            and (self.kind is None or e.kind == self.kind)
        )


class StreamFilter(Filter, kw_only=True):
    timeout: Annotated[float, msgspec.Meta(ge=0.1, le=3600)] = 300.0
    """Seconds after which the stream ends (a reader reconnects with `after`)."""

    def matches(self, e: Entry) -> bool:
        return (
            (self.operation is None or e.operation == self.operation)
            and (self.status is None or e.status == self.status)
            and (self.conferenceID is None or e.conferenceID == self.conferenceID)
            and (self.since is None or e.time >= self.since)
            and (self.after is None or e.id > self.after)
            and (self.kind is None or e.kind == self.kind)
        )


class TooManyReaders(Exception):
    pass


class Journal:
    """The ring, its live readers, and which access token belongs to which account."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.entries: deque[Entry] = deque(maxlen=max_entries)
        self.next_id = 1
        self.readers: set[asyncio.Queue[Entry | None]] = set()
        self.tokens: OrderedDict[str, str] = OrderedDict()

    def add(self, entry: Entry) -> Entry:
        entry.id = self.next_id
        self.next_id += 1
        self.entries.append(entry)
        for queue in list(self.readers):
            try:
                queue.put_nowait(entry)
            except asyncio.QueueFull:
                self.readers.discard(queue)
                queue.get_nowait()
                queue.put_nowait(None)  # the reader ends: it fell too far behind
        return entry

    def select(self, f: Filter) -> list[Entry]:
        found = [e for e in self.entries if f.matches(e)]
        return found[-f.limit :] if f.limit > 0 else []

    def subscribe(self) -> asyncio.Queue[Entry | None]:
        if len(self.readers) >= MAX_SUBSCRIBERS:
            raise TooManyReaders()
        queue: asyncio.Queue[Entry | None] = asyncio.Queue(MAX_QUEUED)
        self.readers.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[Entry | None]) -> None:
        self.readers.discard(queue)

    def close_readers(self) -> None:
        """Ends every live stream (at shutdown: the HTTP server waits for open connections)."""
        for queue in list(self.readers):
            self.readers.discard(queue)
            while queue.full():
                queue.get_nowait()
            queue.put_nowait(None)

    def remember_token(self, token: str, account: str) -> None:
        self.tokens[token] = account
        self.tokens.move_to_end(token)
        while len(self.tokens) > MAX_KNOWN_TOKENS:
            self.tokens.popitem(last=False)

    def clear(self) -> None:
        """Forgets every entry (ids keep counting up, so a reader's `after` stays meaningful)."""
        self.entries.clear()
        self.tokens.clear()

"""The declared bound of every value the API accepts, as msgspec constraints on the wire structs
(request bodies and query strings): checked at the edge, so SQLite and PostgreSQL refuse the same
inputs in the same envelope, and written into the OpenAPI document and docs/reference/bounds.md.

Lengths follow Huawei's documented model where it states one (reference §4.12, §8); the others are
ours, chosen to fit the storage columns with room to spare. Besides these, every JSON body is
refused when it holds a NUL character, invalid UTF-8 or nesting deeper than `MAX_DEPTH`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated

import msgspec

INT32_MAX = 2**31 - 1
MAX_DEPTH = 32
"""Nesting depth of JSON arrays and objects (the deepest legitimate body has 3 levels)."""

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
"""The supported window for every date the API accepts (start times, history ranges)."""
EARLIEST_MS = int(EARLIEST.timestamp() * 1000)
LATEST_MS = int(LATEST.timestamp() * 1000)
LATEST_S = LATEST_MS // 1000


# Strings ------------------------------------------------------------------------------------------
Name = Annotated[str, msgspec.Meta(max_length=96)]  # attendee and user names: Huawei's 96
Short = Annotated[
    str, msgspec.Meta(max_length=64)
]  # ids, codes, phone numbers, time zones, languages, department ids
Medium = Annotated[
    str, msgspec.Meta(max_length=128)
]  # account names, App and corp ids, departments, subjects (the domain checks 128)
Address = Annotated[str, msgspec.Meta(max_length=255)]  # live/aux addresses, e-mail addresses (Huawei's 255)
Secret = Annotated[str, msgspec.Meta(max_length=128)]  # passwords and keys as sent
Token = Annotated[str, msgspec.Meta(max_length=512)]  # access tokens and refresh tokens as sent
Url = Annotated[str, msgspec.Meta(max_length=2048)]
ConferenceId = Annotated[str, msgspec.Meta(max_length=20)]  # nine digits here; Huawei's are up to 20
ConfUuid = Annotated[str, msgspec.Meta(max_length=64)]
SearchKey = Annotated[str, msgspec.Meta(max_length=128)]  # Huawei's 1–128
GroupUri = Annotated[str, msgspec.Meta(max_length=31)]  # Huawei's 31
Subject = Annotated[
    str, msgspec.Meta(max_length=1024)
]  # the domain refuses more than 128 with Huawei's own code MMC.111071022

AccountName = Annotated[str, msgspec.Meta(max_length=255)]  # the stored account column

# Integers -----------------------------------------------------------------------------------------
Int32 = Annotated[int, msgspec.Meta(ge=-INT32_MAX - 1, le=INT32_MAX)]
ClientType = Annotated[int, msgspec.Meta(ge=0, le=INT32_MAX)]
Minutes = Annotated[
    int, msgspec.Meta(ge=-INT32_MAX - 1, le=INT32_MAX)
]  # lengths and durations: the domain checks the range
EpochSeconds = Annotated[int, msgspec.Meta(ge=0, le=LATEST_S)]
EpochMs = Annotated[int, msgspec.Meta(ge=EARLIEST_MS, le=LATEST_MS)]
Offset = Annotated[
    int, msgspec.Meta(ge=-INT32_MAX - 1, le=INT32_MAX)
]  # negative offsets count as 0 (reference §8)
Limit = Annotated[int, msgspec.Meta(ge=-INT32_MAX - 1, le=INT32_MAX)]  # clamped to 1–500 (reference §8)

MAX_ATTENDEES = 500


def has_nul(body: bytes) -> bool:
    """Whether a JSON text spells a NUL character (an escaped `\\u0000` not itself escaped);
    raw control characters are already invalid JSON."""
    return _NUL.search(body) is not None


_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000", re.IGNORECASE)

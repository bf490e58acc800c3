"""Query strings as msgspec structs: each route declares its parameters and their bounds
(`api/bounds.py`) once; `parse_query` converts and checks them, and the OpenAPI document lists
them from the same structs."""

from __future__ import annotations

from typing import TypeVar

import msgspec
from starlette.requests import HTTPConnection

from overtime.api.bounds import (
    ConferenceId,
    ConfUuid,
    EpochMs,
    Int32,
    Limit,
    Offset,
    SearchKey,
    Short,
    Token,
)
from overtime.api.errors import WireError
from overtime.domain import paging

Q = TypeVar("Q", bound=msgspec.Struct)


def parse_query(request: HTTPConnection, kind: type[Q]) -> Q:
    """The request's query parameters as `kind`; an empty value counts as absent."""
    raw = {name: value for name, value in request.query_params.items() if value != ""}
    if any("\x00" in value for value in raw.values()):
        raise WireError(400, "MMC.111071061", "Parameter validation failed: NUL in a query parameter.")
    try:
        return msgspec.convert(raw, kind, strict=False)
    except msgspec.ValidationError as e:
        raise WireError(400, "MMC.111071061", f"Parameter validation failed: {e}") from None


class Paged(msgspec.Struct, kw_only=True):
    offset: Offset = 0
    limit: Limit = paging.DEFAULT_LIMIT

    @property
    def page(self) -> tuple[int, int]:
        """(offset, limit) after Huawei's paging rule (`domain/paging.py`)."""
        return paging.clamp(self.offset, self.limit)


class NoQuery(msgspec.Struct):
    """Routes that take no query parameters."""


class Conference(msgspec.Struct, kw_only=True):
    conferenceID: ConferenceId = ""


class Cancel(Conference, kw_only=True):
    type: Int32 = 0


class ConferencePage(Paged, kw_only=True):
    conferenceID: ConferenceId = ""


class Search(Paged, kw_only=True):
    searchKey: SearchKey | None = None
    queryAll: bool = False
    sortType: Short = ""


class History(Search, kw_only=True):
    startDate: EpochMs | None = None
    endDate: EpochMs | None = None


class HistoryRun(Paged, kw_only=True):
    confUUID: ConfUuid = ""


class WebSocket(msgspec.Struct, kw_only=True):
    confID: ConferenceId = ""
    tmpToken: Token = ""

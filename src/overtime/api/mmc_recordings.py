"""Recordings of ended runs (BEHAVIOUR §10, reference §9): the management routes and the
download of a file by its single-use token."""

from __future__ import annotations

from typing import Annotated

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from overtime.api import render
from overtime.api.bounds import EpochMs, Short, Token
from overtime.api.http import caller, context, ok
from overtime.api.query import Paged, Search, parse_query
from overtime.domain import errors
from overtime.domain.clock import from_ms
from overtime.domain.recording import FILE_TYPES
from overtime.services import recordings

DOWNLOAD_PATH = "/recordings/v1/files/{conf_uuid}/{file_type}"


class SearchRecordings(Search, kw_only=True):
    startDate: EpochMs | None = None
    endDate: EpochMs | None = None
    userUUID: Short | None = None


class RecordingRun(msgspec.Struct, kw_only=True):
    confUUID: Short = ""
    userUUID: Short | None = None


class DownloadUrls(Paged, kw_only=True):
    confUUID: Short = ""


class DeleteRecordings(msgspec.Struct, kw_only=True):
    confUUIDs: Annotated[str, msgspec.Meta(max_length=4096)] = ""
    userUUID: Short | None = None


class Download(msgspec.Struct, kw_only=True):
    token: Token = ""


async def search_recordings(request: Request) -> Response:
    session = await caller(request)
    q = parse_query(request, SearchRecordings)
    if q.startDate is None or q.endDate is None:
        missing = "startDate" if q.startDate is None else "endDate"
        raise errors.InvalidParameter(f"{missing} (epoch milliseconds) is required.")
    page = await recordings.search(
        context(request),
        session,
        since=from_ms(q.startDate),
        until=from_ms(q.endDate),
        offset=q.offset,
        limit=q.limit,
        query_all=q.queryAll,
        search_key=q.searchKey,
        descending=q.sortType.startswith("DSC"),
    )
    return ok(
        {
            "offset": page.offset,
            "limit": page.limit,
            "count": page.count,
            "data": [render.recording(r, page.owner_names.get(r.owner_id, "")) for r in page.recordings],
        }
    )


async def show_recording_detail(request: Request) -> Response:
    session = await caller(request)
    q = parse_query(request, RecordingRun)
    found, owner = await recordings.detail(context(request), session, q.confUUID)
    return ok(render.recording(found, owner))


async def show_recording_file_download_urls(request: Request) -> Response:
    session = await caller(request)
    q = parse_query(request, DownloadUrls)
    found, urls = await recordings.download_urls(context(request), session, q.confUUID)
    base = str(request.base_url).rstrip("/")
    return ok(
        {
            "recordUrls": [
                {
                    "confUuid": found.conf_uuid,
                    "urls": [
                        {
                            "token": u.token,
                            "fileType": u.file_type,
                            "url": base
                            + DOWNLOAD_PATH.format(conf_uuid=found.conf_uuid, file_type=u.file_type),
                        }
                        for u in urls
                    ],
                }
            ]
        }
    )


async def delete_recordings(request: Request) -> Response:
    session = await caller(request)
    q = parse_query(request, DeleteRecordings)
    conf_uuids = [c.strip() for c in q.confUUIDs.split(",") if c.strip()]
    await recordings.delete(context(request), session, conf_uuids)
    return ok()


async def download_recording_file(request: Request) -> Response:
    """A recording's file, by the token of its download URL (`Authorization: <token>`, or
    `?token=`): a small generated description, since no media exists here."""
    token = request.headers.get("authorization") or parse_query(request, Download).token
    recording, file_type = await recordings.download(context(request), token.strip())
    if (recording.conf_uuid, file_type) != (
        request.path_params["conf_uuid"],
        request.path_params["file_type"],
    ) or file_type not in FILE_TYPES:
        raise errors.AccessTokenInvalid("The download token is for another file.")
    body = msgspec.json.encode({**render.recording(recording, ""), "fileType": file_type})
    name = f"{recording.conf_uuid}-{file_type}.json"
    return Response(
        body,
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )
